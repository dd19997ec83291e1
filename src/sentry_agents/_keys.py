"""Every span attribute key and op this library sends or reads, named once.

Names follow Sentry's conventions (the ``sentry-conventions`` registry) and Sentry's AI
Agents docs; the tests check each key here against the registry. A key that Sentry
renames is changed in this one place.
"""

from __future__ import annotations

# --- ops and operation names -------------------------------------------------------------

OP_PREFIX = "gen_ai."
INVOKE_AGENT = "invoke_agent"
CREATE_AGENT = "create_agent"
CHAT = "chat"
TEXT_COMPLETION = "text_completion"
GENERATE_CONTENT = "generate_content"
EMBEDDINGS = "embeddings"
EXECUTE_TOOL = "execute_tool"
HANDOFF = "handoff"
EVALUATE = "evaluate"
RERANK = "rerank"
LLM_OPERATIONS = (CHAT, TEXT_COMPLETION, GENERATE_CONTENT)
"""Operations that are one call to a model and count as LLM calls."""

OP_INVOKE_AGENT = OP_PREFIX + INVOKE_AGENT
OP_CREATE_AGENT = OP_PREFIX + CREATE_AGENT
OP_EXECUTE_TOOL = OP_PREFIX + EXECUTE_TOOL
OP_EMBEDDINGS = OP_PREFIX + EMBEDDINGS
OP_SDK_RESPONSES = OP_PREFIX + "responses"
"""sentry-sdk 2.x's op for an OpenAI Responses API call (3.0 makes it ``gen_ai.chat``).
Never sent by our spans."""
LLM_OPS = frozenset(
    (*(OP_PREFIX + name for name in LLM_OPERATIONS), OP_EMBEDDINGS, OP_SDK_RESPONSES)
)
"""Ops of spans that are one model call (sentry-sdk's integrations make these too)."""

USAGE_OPS = LLM_OPS | {OP_PREFIX + EVALUATE, OP_PREFIX + RERANK}
"""Ops of spans whose usage and cost count towards the agents they are in: model calls,
evaluations and reranks (ours only make the last two)."""

OP_GUARDRAIL = "guardrail"
"""A guardrail check. Deliberately not ``gen_ai.*`` or ``ai.*``, and sent without
``gen_ai.operation.name``: Sentry's ingestion types any span with one of these markers as
an AI item and every unknown operation as an LLM call (``ai_client``), which a guardrail
is not."""

# --- common --------------------------------------------------------------------------------

SENTRY_OP = "sentry.op"
SENTRY_ORIGIN = "sentry.origin"
OPERATION_NAME = "gen_ai.operation.name"
PROVIDER_NAME = "gen_ai.provider.name"
AGENT_NAME = "gen_ai.agent.name"
PIPELINE_NAME = "gen_ai.pipeline.name"
CONVERSATION_ID = "gen_ai.conversation.id"
PROMPT_NAME = "gen_ai.prompt.name"
ERROR_TYPE = "error.type"

# --- request -------------------------------------------------------------------------------

REQUEST_MODEL = "gen_ai.request.model"
REQUEST_TEMPERATURE = "gen_ai.request.temperature"
REQUEST_TOP_P = "gen_ai.request.top_p"
REQUEST_TOP_K = "gen_ai.request.top_k"
REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
REQUEST_FREQUENCY_PENALTY = "gen_ai.request.frequency_penalty"
REQUEST_PRESENCE_PENALTY = "gen_ai.request.presence_penalty"
REQUEST_SEED = "gen_ai.request.seed"
REQUEST_REASONING_LEVEL = "gen_ai.request.reasoning.level"
REQUEST_STOP_SEQUENCES = "gen_ai.request.stop_sequences"
"""A string array attribute (not a JSON string)."""
INPUT_MESSAGES = "gen_ai.input.messages"
SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions"
TOOL_DEFINITIONS = "gen_ai.tool.definitions"
EMBEDDINGS_INPUT = "gen_ai.embeddings.input"

# --- response ------------------------------------------------------------------------------

RESPONSE_MODEL = "gen_ai.response.model"
RESPONSE_ID = "gen_ai.response.id"
RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
RESPONSE_STREAMING = "gen_ai.response.streaming"
RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk"
OUTPUT_MESSAGES = "gen_ai.output.messages"

# --- tools ---------------------------------------------------------------------------------

TOOL_NAME = "gen_ai.tool.name"
TOOL_DESCRIPTION = "gen_ai.tool.description"
TOOL_CALL_ID = "gen_ai.tool.call.id"
TOOL_CALL_ARGUMENTS = "gen_ai.tool.call.arguments"
TOOL_CALL_RESULT = "gen_ai.tool.call.result"

# --- usage: each sub-count under its current name and the name Sentry's docs page uses ----

USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
USAGE_CACHE_READ_INPUT_TOKENS = "gen_ai.usage.cache_read.input_tokens"
USAGE_INPUT_TOKENS_CACHED = "gen_ai.usage.input_tokens.cached"
USAGE_CACHE_CREATION_INPUT_TOKENS = "gen_ai.usage.cache_creation.input_tokens"
USAGE_INPUT_TOKENS_CACHE_WRITE = "gen_ai.usage.input_tokens.cache_write"
USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens"
USAGE_OUTPUT_TOKENS_REASONING = "gen_ai.usage.output_tokens.reasoning"
USAGE_TOTAL_TOKENS = "gen_ai.usage.total_tokens"

# --- cost (USD, despite the names) and the context window --------------------------------

COST_INPUT_TOKENS = "gen_ai.cost.input_tokens"
COST_OUTPUT_TOKENS = "gen_ai.cost.output_tokens"
COST_TOTAL_TOKENS = "gen_ai.cost.total_tokens"
COST_CACHE_READ_INPUT_TOKENS = "gen_ai.cost.cache_read.input_tokens"
COST_CACHE_CREATION_INPUT_TOKENS = "gen_ai.cost.cache_creation.input_tokens"
COST_REASONING_OUTPUT_TOKENS = "gen_ai.cost.reasoning.output_tokens"
CONTEXT_WINDOW_SIZE = "gen_ai.context.window_size"
CONTEXT_UTILIZATION = "gen_ai.context.utilization"

# --- deprecated keys sentry-sdk's integrations still send, by the current key we send -----

SYSTEM_DEPRECATED = "gen_ai.system"
REQUEST_MESSAGES_DEPRECATED = "gen_ai.request.messages"

DEPRECATED = {
    SYSTEM_DEPRECATED: PROVIDER_NAME,
    REQUEST_MESSAGES_DEPRECATED: INPUT_MESSAGES,
    "gen_ai.response.text": OUTPUT_MESSAGES,
    "gen_ai.response.tool_calls": OUTPUT_MESSAGES,
    "gen_ai.request.available_tools": TOOL_DEFINITIONS,
}

# --- MCP: server and notification spans (not gen_ai spans: no gen_ai.operation.name) ------

OP_MCP_SERVER = "mcp.server"
OP_MCP_NOTIFICATION_CLIENT_TO_SERVER = "mcp.notification.client_to_server"
OP_MCP_NOTIFICATION_SERVER_TO_CLIENT = "mcp.notification.server_to_client"

MCP_METHOD_NAME = "mcp.method.name"
MCP_SESSION_ID = "mcp.session.id"
MCP_TRANSPORT = "mcp.transport"
NETWORK_TRANSPORT = "network.transport"
MCP_PROTOCOL_VERSION = "mcp.protocol.version"
JSONRPC_PROTOCOL_VERSION = "jsonrpc.protocol.version"
JSONRPC_REQUEST_ID = "jsonrpc.request.id"
MCP_CLIENT_NAME = "mcp.client.name"
MCP_CLIENT_TITLE = "mcp.client.title"
MCP_CLIENT_VERSION = "mcp.client.version"
MCP_SERVER_NAME = "mcp.server.name"
MCP_SERVER_TITLE = "mcp.server.title"
MCP_SERVER_VERSION = "mcp.server.version"
PROMPT_NAME = "gen_ai.prompt.name"
MCP_RESOURCE_URI = "mcp.resource.uri"
MCP_RESOURCE_PROTOCOL = "mcp.resource.protocol"
MCP_REQUEST_ARGUMENT = "mcp.request.argument.<key>"
"""Key template of one request argument; see ``mcp_argument``."""
MCP_PROMPT_RESULT_DESCRIPTION = "mcp.prompt.result.description"
MCP_PROMPT_RESULT_MESSAGE_COUNT = "mcp.prompt.result.message_count"
MCP_PROMPT_RESULT_MESSAGE_ROLE = "mcp.prompt.result.message_role"
MCP_PROMPT_RESULT_MESSAGE_CONTENT = "mcp.prompt.result.message_content"
MCP_CANCELLED_REQUEST_ID = "mcp.cancelled.request_id"
MCP_CANCELLED_REASON = "mcp.cancelled.reason"
MCP_PROGRESS_TOKEN = "mcp.progress.token"
MCP_PROGRESS_CURRENT = "mcp.progress.current"
MCP_PROGRESS_TOTAL = "mcp.progress.total"
MCP_PROGRESS_PERCENTAGE = "mcp.progress.percentage"
MCP_PROGRESS_MESSAGE = "mcp.progress.message"
MCP_LOGGING_LEVEL = "mcp.logging.level"
MCP_LOGGING_LOGGER = "mcp.logging.logger"
MCP_LOGGING_DATA_TYPE = "mcp.logging.data_type"
MCP_LOGGING_MESSAGE = "mcp.logging.message"
MCP_LIFECYCLE_PHASE = "mcp.lifecycle.phase"
MCP_PROTOCOL_READY = "mcp.protocol.ready"

# Deprecated MCP names Sentry's MCP docs still show and its dashboards may still read; sent
# beside their replacements.
MCP_TOOL_NAME = "mcp.tool.name"
MCP_PROMPT_NAME = "mcp.prompt.name"
MCP_REQUEST_ID = "mcp.request.id"
MCP_TOOL_RESULT_CONTENT = "mcp.tool.result.content"
MCP_TOOL_RESULT_CONTENT_COUNT = "mcp.tool.result.content_count"
MCP_TOOL_RESULT_IS_ERROR = "mcp.tool.result.is_error"

TOOL_ERROR = "tool_error"
"""``error.type`` of a tool call whose result says it failed (MCP ``isError``)."""
RESPONSE_FAILED = "response_failed"
"""``error.type`` of a model call whose response says it failed (a Responses API
``status: "failed"``, a ``response.failed`` event) without an error code as text."""
STREAM_ERROR = "stream_error"
"""``error.type`` of a streamed model call whose stream carried an ``error`` event
without an error code as text (nor a failed response with one)."""


def mcp_argument(name: str) -> str:
    """The attribute key of one MCP request argument."""
    return MCP_REQUEST_ARGUMENT.replace("<key>", name)


# --- ours ----------------------------------------------------------------------------------

STREAM_ABANDONED = "sentry_agents.stream.abandoned"
"""Set on a chat span whose stream the consumer left before its end."""
GUARDRAIL_NAME = "sentry_agents.guardrail.name"
GUARDRAIL_STAGE = "sentry_agents.guardrail.stage"
GUARDRAIL_PASSED = "sentry_agents.guardrail.passed"
GUARDRAIL_REASON = "sentry_agents.guardrail.reason"
RERANK_DOCUMENTS = "sentry_agents.rerank.documents"
RERANK_RESULTS = "sentry_agents.rerank.results"
"""The registry has no rerank attributes: the documents and the ranking go under ours."""
MCP_REQUEST_ARGUMENT_COUNT = "sentry_agents.mcp.request.argument_count"
"""How many arguments an MCP request had, set when not all of them were recorded (the
registry has no such key)."""


def original_length(key: str) -> str:
    """The key sentry-sdk uses for the item count of ``key`` before it was trimmed."""
    return f"sentry.sdk_meta.{key}.original_length"


__all__ = [
    "AGENT_NAME",
    "CHAT",
    "CONTEXT_UTILIZATION",
    "CONTEXT_WINDOW_SIZE",
    "CONVERSATION_ID",
    "COST_CACHE_CREATION_INPUT_TOKENS",
    "COST_CACHE_READ_INPUT_TOKENS",
    "COST_INPUT_TOKENS",
    "COST_OUTPUT_TOKENS",
    "COST_REASONING_OUTPUT_TOKENS",
    "COST_TOTAL_TOKENS",
    "CREATE_AGENT",
    "DEPRECATED",
    "EMBEDDINGS",
    "EMBEDDINGS_INPUT",
    "ERROR_TYPE",
    "EVALUATE",
    "EXECUTE_TOOL",
    "GENERATE_CONTENT",
    "GUARDRAIL_NAME",
    "GUARDRAIL_PASSED",
    "GUARDRAIL_REASON",
    "GUARDRAIL_STAGE",
    "HANDOFF",
    "INPUT_MESSAGES",
    "INVOKE_AGENT",
    "JSONRPC_PROTOCOL_VERSION",
    "JSONRPC_REQUEST_ID",
    "LLM_OPERATIONS",
    "LLM_OPS",
    "MCP_CANCELLED_REASON",
    "MCP_CANCELLED_REQUEST_ID",
    "MCP_CLIENT_NAME",
    "MCP_CLIENT_TITLE",
    "MCP_CLIENT_VERSION",
    "MCP_LIFECYCLE_PHASE",
    "MCP_LOGGING_DATA_TYPE",
    "MCP_LOGGING_LEVEL",
    "MCP_LOGGING_LOGGER",
    "MCP_LOGGING_MESSAGE",
    "MCP_METHOD_NAME",
    "MCP_PROGRESS_CURRENT",
    "MCP_PROGRESS_MESSAGE",
    "MCP_PROGRESS_PERCENTAGE",
    "MCP_PROGRESS_TOKEN",
    "MCP_PROGRESS_TOTAL",
    "MCP_PROMPT_NAME",
    "MCP_PROMPT_RESULT_DESCRIPTION",
    "MCP_PROMPT_RESULT_MESSAGE_CONTENT",
    "MCP_PROMPT_RESULT_MESSAGE_COUNT",
    "MCP_PROMPT_RESULT_MESSAGE_ROLE",
    "MCP_PROTOCOL_READY",
    "MCP_PROTOCOL_VERSION",
    "MCP_REQUEST_ARGUMENT",
    "MCP_REQUEST_ARGUMENT_COUNT",
    "MCP_REQUEST_ID",
    "MCP_RESOURCE_PROTOCOL",
    "MCP_RESOURCE_URI",
    "MCP_SERVER_NAME",
    "MCP_SERVER_TITLE",
    "MCP_SERVER_VERSION",
    "MCP_SESSION_ID",
    "MCP_TOOL_NAME",
    "MCP_TOOL_RESULT_CONTENT",
    "MCP_TOOL_RESULT_CONTENT_COUNT",
    "MCP_TOOL_RESULT_IS_ERROR",
    "MCP_TRANSPORT",
    "NETWORK_TRANSPORT",
    "OPERATION_NAME",
    "OP_CREATE_AGENT",
    "OP_EMBEDDINGS",
    "OP_EXECUTE_TOOL",
    "OP_GUARDRAIL",
    "OP_INVOKE_AGENT",
    "OP_MCP_NOTIFICATION_CLIENT_TO_SERVER",
    "OP_MCP_NOTIFICATION_SERVER_TO_CLIENT",
    "OP_MCP_SERVER",
    "OP_PREFIX",
    "OP_SDK_RESPONSES",
    "OUTPUT_MESSAGES",
    "PIPELINE_NAME",
    "PROMPT_NAME",
    "PROVIDER_NAME",
    "REQUEST_FREQUENCY_PENALTY",
    "REQUEST_MAX_TOKENS",
    "REQUEST_MESSAGES_DEPRECATED",
    "REQUEST_MODEL",
    "REQUEST_PRESENCE_PENALTY",
    "REQUEST_REASONING_LEVEL",
    "REQUEST_SEED",
    "REQUEST_STOP_SEQUENCES",
    "REQUEST_TEMPERATURE",
    "REQUEST_TOP_K",
    "REQUEST_TOP_P",
    "RERANK",
    "RERANK_DOCUMENTS",
    "RERANK_RESULTS",
    "RESPONSE_FAILED",
    "RESPONSE_FINISH_REASONS",
    "RESPONSE_ID",
    "RESPONSE_MODEL",
    "RESPONSE_STREAMING",
    "RESPONSE_TIME_TO_FIRST_CHUNK",
    "SENTRY_OP",
    "SENTRY_ORIGIN",
    "STREAM_ABANDONED",
    "STREAM_ERROR",
    "SYSTEM_DEPRECATED",
    "SYSTEM_INSTRUCTIONS",
    "TEXT_COMPLETION",
    "TOOL_CALL_ARGUMENTS",
    "TOOL_CALL_ID",
    "TOOL_CALL_RESULT",
    "TOOL_DEFINITIONS",
    "TOOL_DESCRIPTION",
    "TOOL_ERROR",
    "TOOL_NAME",
    "USAGE_CACHE_CREATION_INPUT_TOKENS",
    "USAGE_CACHE_READ_INPUT_TOKENS",
    "USAGE_INPUT_TOKENS",
    "USAGE_INPUT_TOKENS_CACHED",
    "USAGE_INPUT_TOKENS_CACHE_WRITE",
    "USAGE_OPS",
    "USAGE_OUTPUT_TOKENS",
    "USAGE_OUTPUT_TOKENS_REASONING",
    "USAGE_REASONING_OUTPUT_TOKENS",
    "USAGE_TOTAL_TOKENS",
    "mcp_argument",
    "original_length",
]
