"""Living alongside sentry-sdk's own AI integrations (OpenAI, Anthropic, Google GenAI, ...).

When such an integration is enabled, a model call made inside ``chat(...)`` would be
recorded twice, and the integration's spans inside our ``invoke_agent`` would lack the
agent's name and escape its usage total. Only then (no cost otherwise) this module:

- transaction mode: a global event processor reworks each transaction before it is
  sent: the integration's LLM span under our chat span is merged into ours (ours wins
  where both have a key) and dropped; every gen_ai span gets its agent's name; our
  agent spans' usage is re-summed over all LLM spans below them.
- streaming mode (spans leave one by one, and sentry-sdk lets no hook drop one): a
  ``before_send_span`` wrapper (the user's own still runs after it) copies what the
  integration's LLM span knows into our chat span, still open, which stays the one LLM
  span; the integration's span is sent as a plain ``function`` child without gen_ai
  attributes. Other integration spans get the agent name, and their usage reaches the
  agent's total.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable, Optional

import sentry_sdk

from . import _sdk
from ._sdk import logger
from ._usage import Usage, checked, usage_attributes, usage_from_attributes

if TYPE_CHECKING:
    from ._span import GenAISpan

AI_INTEGRATIONS = frozenset(
    {
        "openai",
        "anthropic",
        "google_genai",
        "litellm",
        "langchain",
        "langgraph",
        "openai_agents",
        "pydantic_ai",
        "huggingface_hub",
        "cohere",
    }
)
LLM_OPS = frozenset(
    {"gen_ai.chat", "gen_ai.text_completion", "gen_ai.generate_content", "gen_ai.embeddings"}
)
# Deprecated keys integrations send, and the current key we send instead.
_CURRENT = {
    "gen_ai.system": "gen_ai.provider.name",
    "gen_ai.request.messages": "gen_ai.input.messages",
    "gen_ai.response.text": "gen_ai.output.messages",
    "gen_ai.response.tool_calls": "gen_ai.output.messages",
    "gen_ai.request.available_tools": "gen_ai.tool.definitions",
}
_OUR_LLM_OPERATIONS = ("chat", "text_completion", "generate_content")
_REGISTRY_SIZE = 10_000

_lock = threading.Lock()
_ours: OrderedDict[str, GenAISpan] = OrderedDict()
_processor_installed = False
_told_once = False


def enabled(state: _sdk.ClientState) -> bool:
    """Whether the client runs any of sentry-sdk's AI integrations; the first answer for
    a client that does installs the hooks."""
    result = state.ai_integrations
    if result is None:
        names = getattr(state.client, "integrations", None) or {}
        result = state.ai_integrations = bool(AI_INTEGRATIONS.intersection(names))
        if result:
            _install(state.client)
    return result


def register(span: GenAISpan, span_id: str) -> None:
    """Remember one of our spans, so the hooks can tell ours from the integrations'."""
    with _lock:
        _ours[span_id] = span
        if len(_ours) > _REGISTRY_SIZE:
            _ours.popitem(last=False)


def _lookup(span_id: Optional[str]) -> Optional[GenAISpan]:
    if span_id is None:
        return None
    with _lock:
        return _ours.get(span_id)


def _install(client: Any) -> None:
    global _processor_installed, _told_once
    if _sdk.streaming(client):
        options = client.options
        original = options.get("before_send_span")
        if getattr(original, "__sentry_agents__", False):
            return
        options["before_send_span"] = _chain(original)
    elif not _processor_installed:
        sentry_sdk.get_global_scope().add_event_processor(_process_event)  # type: ignore[arg-type]
        _processor_installed = True
    if not _told_once:
        _told_once = True
        logger.info(
            "sentry_agents: sentry-sdk AI integrations are on; their LLM spans inside "
            "chat(...) are merged with ours so each model call is one span"
        )


# --- streaming mode: before_send_span ---------------------------------------------------


def _chain(user_hook: Optional[Callable[[Any, Any], Any]]) -> Callable[[Any, Any], Any]:
    def before_send_span(span: Any, hint: Any) -> Any:
        try:
            _rework_streamed(span)
        except Exception as exc:
            logger.warning("sentry_agents: could not rework a span: %r", exc)
        return user_hook(span, hint) if user_hook is not None else span

    before_send_span.__sentry_agents__ = True  # type: ignore[attr-defined]
    return before_send_span


def _rework_streamed(span: dict[str, Any]) -> None:
    attributes = span.get("attributes")
    if not isinstance(attributes, dict) or _lookup(span.get("span_id")) is not None:
        return
    op = attributes.get("sentry.op")
    if not isinstance(op, str) or not op.startswith("gen_ai."):
        return
    parent = _lookup(span.get("parent_span_id"))
    if parent is None:
        return
    if op in LLM_OPS and parent.operation in _OUR_LLM_OPERATIONS:
        parent._absorb(attributes)
        for key in [k for k in attributes if k.startswith("gen_ai.")]:
            del attributes[key]
        attributes["sentry.op"] = "function"
        return
    agent = parent._agent
    if agent is not None and "gen_ai.agent.name" not in attributes:
        attributes["gen_ai.agent.name"] = agent.agent_name
    if op in LLM_OPS and agent is not None:
        usage = usage_from_attributes(attributes)
        if not usage.is_empty():
            for enclosing in _agents_of(parent):
                enclosing._add_child_usage(usage)


def _agents_of(span: GenAISpan) -> list[Any]:
    from ._model import enclosing_agents  # _model imports this module's importers

    return enclosing_agents(span)


# --- transaction mode: the event processor ----------------------------------------------


def _process_event(event: dict[str, Any], hint: Any) -> dict[str, Any]:
    try:
        if event.get("type") == "transaction":
            _rework_transaction(event)
    except Exception as exc:
        logger.warning("sentry_agents: could not rework a transaction: %r", exc)
    return event


def _rework_transaction(event: dict[str, Any]) -> None:
    spans = event.get("spans")
    trace = (event.get("contexts") or {}).get("trace") or {}
    if not isinstance(spans, list) or not trace.get("span_id"):
        return
    root = {
        "span_id": trace["span_id"],
        "op": trace.get("op"),
        "data": trace.setdefault("data", {}),
    }
    nodes: dict[str, dict[str, Any]] = {root["span_id"]: root}
    for span in spans:
        if isinstance(span, dict) and span.get("span_id"):
            span.setdefault("data", {})
            nodes[span["span_id"]] = span
    ours = {span_id: _lookup(span_id) for span_id in nodes}
    if not any(ours.values()):
        return
    dropped = _merge_duplicates(spans, nodes, ours)
    if dropped:
        event["spans"] = [
            s for s in spans if not (isinstance(s, dict) and s.get("span_id") in dropped)
        ]
        for span_id in dropped:
            nodes.pop(span_id, None)
    _name_and_sum(nodes, ours)


def _merge_duplicates(
    spans: list[Any], nodes: dict[str, dict[str, Any]], ours: dict[str, Optional[GenAISpan]]
) -> set[str]:
    dropped: set[str] = set()
    for span in spans:
        if not isinstance(span, dict) or ours.get(span.get("span_id", "")) is not None:
            continue
        parent_id = span.get("parent_span_id")
        parent = ours.get(parent_id) if parent_id else None
        if span.get("op") not in LLM_OPS or parent is None:
            continue
        if parent.operation not in _OUR_LLM_OPERATIONS:
            continue
        target = nodes[parent_id]["data"]  # type: ignore[index]
        for key, value in span["data"].items():
            current = _CURRENT.get(key, key)
            if current not in target and key not in target:
                target[key] = value
        for child in spans:
            if isinstance(child, dict) and child.get("parent_span_id") == span["span_id"]:
                child["parent_span_id"] = parent_id
        dropped.add(span["span_id"])
    return dropped


def _name_and_sum(nodes: dict[str, dict[str, Any]], ours: dict[str, Optional[GenAISpan]]) -> None:
    parents = {span_id: node.get("parent_span_id") for span_id, node in nodes.items()}
    totals: dict[str, Usage] = {}
    for span_id, node in nodes.items():
        op = node.get("op") or ""
        if not op.startswith("gen_ai."):
            continue
        agent_ids = _agent_ancestors(span_id, nodes, parents)
        if agent_ids and op != "gen_ai.invoke_agent" and "gen_ai.agent.name" not in node["data"]:
            name = nodes[agent_ids[0]]["data"].get("gen_ai.agent.name")
            if name:
                node["data"]["gen_ai.agent.name"] = name
        if op in LLM_OPS:
            usage = usage_from_attributes(node["data"])
            for agent_id in agent_ids:
                totals[agent_id] = totals.get(agent_id, Usage()) + usage
    for agent_id, total in totals.items():
        agent = ours.get(agent_id)
        if agent is None or getattr(agent, "_usage", None) is not None or total.is_empty():
            continue
        nodes[agent_id]["data"].update(usage_attributes(checked(total)[0]))


def _agent_ancestors(
    span_id: str, nodes: dict[str, dict[str, Any]], parents: dict[str, Any]
) -> list[str]:
    found = []
    current = parents.get(span_id)
    while current in nodes:
        if nodes[current].get("op") == "gen_ai.invoke_agent":
            found.append(current)
        current = parents.get(current)
    return found
