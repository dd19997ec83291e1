"""sentry-agents: your own AI agents in Sentry's AI Agents dashboards.

Wrap agent runs, LLM calls, tool calls, handoffs, evaluations, guardrails and reranking;
each becomes a correct span on top of the real ``sentry-sdk``:

```python
with sentry_agents.invoke_agent("Weather Agent", model="gpt-4o-mini") as agent:
    with sentry_agents.chat("gpt-4o-mini", provider="openai", messages=messages) as llm:
        llm.set_response(client.chat.completions.create(...))
```
"""

from ._agent import AgentSpan, CreateAgentSpan, agent, create_agent, invoke_agent
from ._chat import ChatSpan, chat
from ._config import Redactor, configure
from ._conversation import conversation
from ._embeddings import EmbeddingsSpan, embeddings
from ._evaluate import EvaluationSpan, evaluate
from ._guardrail import GuardrailSpan, guardrail
from ._handoff import HandoffSpan, handoff
from ._mcp import MCPNotificationSpan, MCPServerSpan, mcp_meta, mcp_notification, mcp_server
from ._message_json import serialize_messages
from ._messages import to_gen_ai_messages
from ._privacy import DEFAULT_SCRUB_KEYS
from ._rerank import RerankSpan, rerank
from ._sampling import traces_sampler
from ._span import GenAISpan, current_span
from ._tool import ToolSpan, execute_tool, tool
from ._tool_definitions import tool_definition
from ._usage import Usage, usage_from

__version__ = "0.2.0"
"""This release's version (the package metadata is built from it)."""

__all__ = [
    "DEFAULT_SCRUB_KEYS",
    "AgentSpan",
    "ChatSpan",
    "CreateAgentSpan",
    "EmbeddingsSpan",
    "EvaluationSpan",
    "GenAISpan",
    "GuardrailSpan",
    "HandoffSpan",
    "MCPNotificationSpan",
    "MCPServerSpan",
    "Redactor",
    "RerankSpan",
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
    "evaluate",
    "execute_tool",
    "guardrail",
    "handoff",
    "invoke_agent",
    "mcp_meta",
    "mcp_notification",
    "mcp_server",
    "rerank",
    "serialize_messages",
    "to_gen_ai_messages",
    "tool",
    "tool_definition",
    "traces_sampler",
    "usage_from",
]
