"""sentry-agents: your own AI agents in Sentry's AI Agents dashboards.

Wrap agent runs, LLM calls, tool calls and handoffs; each becomes a correct
``gen_ai.*`` span on top of the real ``sentry-sdk``::

    with sentry_agents.invoke_agent("Weather Agent", model="gpt-4o-mini") as agent:
        with sentry_agents.chat("gpt-4o-mini", provider="openai", messages=messages) as llm:
            llm.set_response(client.chat.completions.create(...))
"""

from ._agent import AgentSpan, CreateAgentSpan, agent, create_agent, invoke_agent
from ._chat import ChatSpan, chat
from ._config import Redactor, configure
from ._conversation import conversation
from ._embeddings import EmbeddingsSpan, embeddings
from ._handoff import HandoffSpan, handoff
from ._mcp import MCPNotificationSpan, MCPServerSpan, mcp_meta, mcp_notification, mcp_server
from ._messages import serialize_messages, to_gen_ai_messages
from ._privacy import DEFAULT_SCRUB_KEYS
from ._span import GenAISpan, current_span
from ._tool import ToolSpan, execute_tool, tool
from ._tool_definitions import tool_definition
from ._usage import Usage, usage_from

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_SCRUB_KEYS",
    "AgentSpan",
    "ChatSpan",
    "CreateAgentSpan",
    "EmbeddingsSpan",
    "GenAISpan",
    "HandoffSpan",
    "MCPNotificationSpan",
    "MCPServerSpan",
    "Redactor",
    "ToolSpan",
    "Usage",
    "__version__",
    "agent",
    "chat",
    "configure",
    "conversation",
    "create_agent",
    "current_span",
    "embeddings",
    "execute_tool",
    "handoff",
    "invoke_agent",
    "mcp_meta",
    "mcp_notification",
    "mcp_server",
    "serialize_messages",
    "to_gen_ai_messages",
    "tool",
    "tool_definition",
    "usage_from",
]
