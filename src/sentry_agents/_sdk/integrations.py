"""Living alongside sentry-sdk's own AI integrations (OpenAI, Anthropic, Google GenAI, ...).

When such an integration is enabled, a model call made inside ``chat(...)`` (an
embeddings call inside ``embeddings(...)``, an MCP request handled inside
``mcp_server(...)`` with the MCP integration) would be recorded
twice, and the integration's spans inside our ``invoke_agent`` would lack the agent's
name and escape its usage total. Only then (no cost otherwise) this module:

- transaction mode: a global event processor reworks each transaction before it is
  sent: the integration's LLM (or ``mcp.server``) span under our span of the same work
  is merged into ours (ours wins where both have a key) and dropped; every gen_ai span
  gets its agent's name; our agent spans' usage is re-summed over all LLM spans below
  them.
- streaming mode (spans leave one by one, and sentry-sdk lets no hook drop one): a
  ``before_send_span`` wrapper (the user's own still runs after it) copies what the
  integration's span knows into ours, still open, which stays the one span of that
  work; the integration's span is sent as a plain ``function`` child without gen_ai or
  mcp attributes. Other integration spans get the agent name, and their usage reaches
  the agent's total, also through spans of the user's own that are still open
  (``open_ancestors``).

In both modes an integration's LLM call below one of our spans is priced with the
configured prices (``configure(prices=...)``) like ours, and its cost reaches the
agent's total.

Our spans are known here by span id: open ones (streaming mode) as the span itself,
finished ones (transaction mode, until their transaction is sent) as two flags. No
content is kept, and at most ``REGISTRY_SIZE`` entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, NamedTuple, Optional, Protocol, Union

import sentry_sdk

from .. import _keys as keys
from .._config import settings
from .._cost import Cost, cost_attributes, models_of
from .._guard import logger
from .._merge import additions, content_value, is_content
from .._privacy import Scrubber
from .._usage import Usage, checked, summed, usage_attributes, usage_from_attributes
from . import ClientState, open_ancestors, streaming

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
        "mcp",
    }
)
CLIENT_BLIND = {"mcp": keys.OP_MCP_SERVER}
"""Integrations whose patches, once a client set them up, make spans in this process
whatever the current client's integrations (sentry-sdk's MCP middleware, added to every
server made after), and the op of those spans: a later client without them gets their
spans inside ours of that op too."""
_BLIND_OPS = frozenset(CLIENT_BLIND.values())
REGISTRY_SIZE = 10_000
MCP_ORIGIN = "auto.ai.mcp"
"""The origin of the spans sentry-sdk's MCP integration makes."""


class Owner(Protocol):
    """One of our open spans, as the hooks see it."""

    @property
    def _absorbed_ops(self) -> frozenset[str]:
        """Ops of integration spans made directly inside this one that record the same work."""

    @property
    def _usage_is_set(self) -> bool: ...

    @property
    def _decided(self) -> tuple[str, ...]:
        """Prefixes of the attribute keys this span decided itself (none, or the
        arguments ``set_arguments`` gave): an integration's span adds none of them."""

    @property
    def _inputs_ok(self) -> bool: ...

    @property
    def _outputs_ok(self) -> bool: ...

    def _budget(self) -> int: ...

    @property
    def _merge_scrubber(self) -> Scrubber:
        """The scrubber of the content an integration's span adds to this one."""

    @property
    def _hooked(self) -> bool:
        """Whether a redaction hook sees this span's content (then an integration's span
        adds none: the hook cannot be run where that span ends)."""

    @property
    def _joined_content(self) -> Optional[dict[str, Any]]:
        """For an integration's span we joined, the content on it as ours leaves it (what
        the integration writes after ours ends is judged apart); ``None`` for our own."""

    def _absorb(self, attributes: dict[str, Any]) -> None:
        """Take what an integration's span of the same work knows and we lack."""

    def _agent_name(self) -> Optional[str]:
        """The name of the agent this span runs in, if any."""

    def _count_child_usage(self, usage: Usage, cost: Optional[Cost] = None) -> None:
        """Add the usage (and cost) of a model call made inside this span to its agents'
        totals."""

    def _price_child(
        self, usage: Usage, models: tuple[Optional[str], ...], provider: Optional[str]
    ) -> Optional[Cost]:
        """The cost of a model call made inside this span, with this span's prices."""


class Finished(NamedTuple):
    """What the transaction-mode processor needs of one of our finished spans."""

    absorbed_ops: frozenset[str]
    usage_is_set: bool
    decided: tuple[str, ...]
    inputs_ok: bool
    outputs_ok: bool
    budget: int
    scrubber: Scrubber
    hooked: bool
    joined_content: Optional[dict[str, Any]] = None
    """For an integration's span we joined (which that integration ends, and may write
    content on, after ours ended), the content ours left on it."""


# What a demoted integration span loses: it no longer counts as an LLM call or MCP request.
_DEMOTED_PREFIXES = (keys.OP_PREFIX, "mcp.")
_lock = threading.Lock()
_ours: OrderedDict[str, Union[Owner, Finished]] = OrderedDict()
_processor_installed = False
_told_once = False


def enabled(state: ClientState, absorbed_ops: frozenset[str] = frozenset()) -> bool:
    """Whether the client runs any of sentry-sdk's AI integrations, or (for a span of ours
    absorbing ``absorbed_ops``) a ``CLIENT_BLIND`` one set up in this process makes spans
    of those ops; the first answer for a client that does installs the hooks."""
    result = state.ai_integrations
    if result is None:
        names = getattr(state.client, "integrations", None) or {}
        result = state.ai_integrations = bool(AI_INTEGRATIONS.intersection(names))
        if result:
            _install(state.client)
    if not result and not _BLIND_OPS.isdisjoint(absorbed_ops) and _blind_ops() & absorbed_ops:
        result = state.ai_integrations = True
        _install(state.client)
    return result


def _blind_ops() -> frozenset[str]:
    """The ops of the spans ``CLIENT_BLIND`` integrations set up in this process make."""
    try:
        from sentry_sdk.integrations import _installed_integrations
    except ImportError:
        return frozenset()
    return frozenset(op for name, op in CLIENT_BLIND.items() if name in _installed_integrations)


def started(state: ClientState, span_id: str, owner: Owner) -> None:
    """One of our spans started (call only when ``enabled``)."""
    if state.streaming:
        _remember(span_id, owner)


def finishing(state: ClientState, span_id: str, owner: Owner) -> None:
    """One of our spans is about to finish (call only when ``enabled``): in
    transaction mode, what the processor needs of it is kept until its transaction."""
    if not state.streaming:
        _remember(span_id, _record(owner))


def finished(state: ClientState, span_id: str, owner: Owner, joined: bool = False) -> None:
    """One of our spans has finished (call only when ``enabled``): in streaming mode
    it has been through ``before_send_span`` and is forgotten, unless it is an
    integration's span we ``joined``, which that integration ends (and sends) later: it
    stays known as ours until then (what ``_clean_joined`` needs of it), so it is never
    taken for a duplicate of the span of ours above it, and what the integration writes
    on it after ours ended is judged as ours would judge it."""
    if state.streaming:
        record = _record(owner) if joined else None
        with _lock:
            if record is not None and span_id in _ours:
                _ours[span_id] = record
            else:
                _ours.pop(span_id, None)


def _remember(span_id: str, entry: Union[Owner, Finished]) -> None:
    with _lock:
        _ours[span_id] = entry
        if len(_ours) > REGISTRY_SIZE:
            _ours.popitem(last=False)


def _lookup(span_id: Optional[str]) -> Optional[Union[Owner, Finished]]:
    if span_id is None:
        return None
    with _lock:
        return _ours.get(span_id)


def _install(client: Any) -> None:
    global _processor_installed, _told_once
    if streaming(client):
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
            "chat(...) and MCP spans inside mcp_server(...) are merged with ours so each "
            "model call and MCP request is one span"
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
    if not isinstance(attributes, dict):
        return
    entry = _lookup(span.get("span_id"))
    if entry is not None:
        if isinstance(entry, Finished) and entry.joined_content is not None:
            with _lock:
                _ours.pop(span["span_id"], None)
            _clean_joined(attributes, entry)
        return
    op = attributes.get(keys.SENTRY_OP)
    if not isinstance(op, str) or not (op.startswith(keys.OP_PREFIX) or op == keys.OP_MCP_SERVER):
        return
    parent_id = span.get("parent_span_id")
    parent = _lookup(parent_id)
    if isinstance(parent, Finished):
        return
    if parent is not None and op in parent._absorbed_ops:
        parent._absorb(attributes)
        for key in [k for k in attributes if k.startswith(_DEMOTED_PREFIXES)]:
            del attributes[key]
        attributes[keys.SENTRY_OP] = "function"
        return
    if not op.startswith(keys.OP_PREFIX):
        return
    owner = parent if parent is not None else _nearest_owner(parent_id)
    if owner is None:
        return
    name = owner._agent_name()
    if name is not None and keys.AGENT_NAME not in attributes:
        attributes[keys.AGENT_NAME] = name
    if op in keys.LLM_OPS:
        usage = usage_from_attributes(attributes)
        if not usage.is_empty():
            cost = owner._price_child(usage, models_of(attributes), _provider(attributes))
            if cost is not None and keys.COST_TOTAL_TOKENS not in attributes:
                attributes.update(cost_attributes(cost))
            owner._count_child_usage(usage, cost)


def _nearest_owner(parent_id: Any) -> Optional[Owner]:
    """Our open span nearest above an integration's span whose parent is not ours (a
    span of the user's own in between), as transaction mode finds it in the tree."""
    if not isinstance(parent_id, str):
        return None
    for span_id in open_ancestors(parent_id):
        entry = _lookup(span_id)
        if entry is not None:
            return None if isinstance(entry, Finished) else entry
    return None


def _provider(attributes: dict[str, Any]) -> Optional[str]:
    value = attributes.get(keys.PROVIDER_NAME, attributes.get(keys.SYSTEM_DEPRECATED))
    return value if isinstance(value, str) else None


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
    with _lock:
        ours = {span_id: _finished(_ours.pop(span_id, None)) for span_id in nodes}
    if not any(ours.values()):
        return
    for span_id, entry in ours.items():
        if entry is not None and entry.joined_content is not None:
            _clean_joined(nodes[span_id]["data"], entry)
    dropped = _merge_duplicates(spans, nodes, ours)
    if dropped:
        event["spans"] = [
            s for s in spans if not (isinstance(s, dict) and s.get("span_id") in dropped)
        ]
        for span_id in dropped:
            nodes.pop(span_id, None)
    _name_and_sum(nodes, ours)


def _finished(entry: Optional[Union[Owner, Finished]]) -> Optional[Finished]:
    if entry is None or isinstance(entry, Finished):
        return entry
    return _record(entry)


def _record(entry: Owner) -> Finished:
    return Finished(
        entry._absorbed_ops,
        entry._usage_is_set,
        entry._decided,
        entry._inputs_ok,
        entry._outputs_ok,
        entry._budget(),
        entry._merge_scrubber,
        entry._hooked,
        entry._joined_content,
    )


def _clean_joined(attributes: dict[str, Any], entry: Finished) -> None:
    """The content an integration wrote on a span we joined after ours ended (its
    result), or over what ours left, judged as ours judges what it takes from an
    integration's span (``content_value``): left out, or scrubbed."""
    own = entry.joined_content or {}
    for key in [key for key in attributes if is_content(key)]:
        value = attributes[key]
        if key in own and own[key] == value:
            continue
        cleaned = content_value(
            key,
            value,
            inputs_ok=entry.inputs_ok,
            outputs_ok=entry.outputs_ok,
            budget=entry.budget,
            scrubber=entry.scrubber,
            hooked=entry.hooked,
        )
        if cleaned is None:
            del attributes[key]
        else:
            attributes[key] = cleaned


def _merge_duplicates(
    spans: list[Any], nodes: dict[str, dict[str, Any]], ours: dict[str, Optional[Finished]]
) -> set[str]:
    dropped: set[str] = set()
    for span in spans:
        if not isinstance(span, dict) or ours.get(span.get("span_id", "")) is not None:
            continue
        parent_id = span.get("parent_span_id")
        parent = ours.get(parent_id) if parent_id else None
        if parent is None or span.get("op") not in parent.absorbed_ops:
            continue
        target = nodes[parent_id]["data"]  # type: ignore[index]
        target.update(
            additions(
                span["data"],
                target,
                decided=parent.decided,
                inputs_ok=parent.inputs_ok,
                outputs_ok=parent.outputs_ok,
                budget=parent.budget,
                scrubber=parent.scrubber,
                hooked=parent.hooked,
            )
        )
        for child in spans:
            if isinstance(child, dict) and child.get("parent_span_id") == span["span_id"]:
                child["parent_span_id"] = parent_id
        dropped.add(span["span_id"])
    return dropped


def _name_and_sum(nodes: dict[str, dict[str, Any]], ours: dict[str, Optional[Finished]]) -> None:
    parents = {span_id: node.get("parent_span_id") for span_id, node in nodes.items()}
    usages: dict[str, list[Usage]] = {}
    costs: dict[str, Cost] = {}
    for span_id, node in nodes.items():
        op = node.get("op") or ""
        if not op.startswith(keys.OP_PREFIX):
            continue
        agent_ids = _agent_ancestors(span_id, nodes, parents)
        if agent_ids and op != keys.OP_INVOKE_AGENT and keys.AGENT_NAME not in node["data"]:
            name = nodes[agent_ids[0]]["data"].get(keys.AGENT_NAME)
            if name:
                node["data"][keys.AGENT_NAME] = name
        if op in keys.USAGE_OPS:  # our evaluations and reranks count, as without integrations
            usage = usage_from_attributes(node["data"])
            cost = _cost_of_node(node["data"], usage, agent_ids, ours)
            if _counted_by_parent(span_id, nodes, parents, ours):
                continue
            for agent_id in agent_ids:
                usages.setdefault(agent_id, []).append(usage)
                if cost is not None:
                    costs[agent_id] = costs[agent_id].plus(cost) if agent_id in costs else cost
    for agent_id, parts in usages.items():
        total = summed(parts)
        agent = ours.get(agent_id)
        if agent is None or agent.usage_is_set or total.is_empty():
            continue
        nodes[agent_id]["data"].update(usage_attributes(checked(total)[0]))
        if agent_id in costs:
            nodes[agent_id]["data"].update(cost_attributes(costs[agent_id]))


_COST_FIELDS = (
    keys.COST_INPUT_TOKENS,
    keys.COST_OUTPUT_TOKENS,
    keys.COST_CACHE_READ_INPUT_TOKENS,
    keys.COST_CACHE_CREATION_INPUT_TOKENS,
    keys.COST_REASONING_OUTPUT_TOKENS,
)


def _cost_of_node(
    data: dict[str, Any], usage: Usage, agent_ids: list[str], ours: dict[str, Optional[Finished]]
) -> Optional[Cost]:
    """The cost an LLM span carries (ours), or, for an integration's span inside one of our
    agents, its cost at the configured prices (then also set on it)."""
    if keys.COST_TOTAL_TOKENS in data:
        values = [data.get(key) for key in _COST_FIELDS]
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return Cost(*(float(v) for v in values))  # type: ignore[arg-type]
        return None
    pricing = settings().pricing
    if pricing is None or usage.is_empty() or not any(ours.get(a) for a in agent_ids):
        return None
    cost = pricing.price(usage, models_of(data), _provider(data))[0]
    if cost is not None:
        data.update(cost_attributes(cost))
    return cost


_ITS_CALLS_OPS = frozenset({keys.OP_PREFIX + keys.EVALUATE, keys.OP_PREFIX + keys.RERANK})


def _counted_by_parent(
    span_id: str,
    nodes: dict[str, dict[str, Any]],
    parents: dict[str, Any],
    ours: dict[str, Optional[Finished]],
) -> bool:
    """Whether ``span_id`` is an integration's model call whose nearest span of ours
    above it (spans of the user's own in between or not) is an evaluation or rerank that
    reports its own usage: the same call, counted there."""
    if ours.get(span_id) is not None:
        return False
    parent_id = parents.get(span_id)
    for _ in range(len(nodes)):  # no further: parent ids set by hand may loop
        if parent_id not in nodes:
            break
        parent = ours.get(parent_id)
        if parent is not None:
            return parent.usage_is_set and nodes[parent_id].get("op") in _ITS_CALLS_OPS
        parent_id = parents.get(parent_id)
    return False


def _agent_ancestors(
    span_id: str, nodes: dict[str, dict[str, Any]], parents: dict[str, Any]
) -> list[str]:
    found = []
    current = parents.get(span_id)
    for _ in range(len(nodes)):  # no further: parent ids set by hand may loop
        if current not in nodes:
            break
        if nodes[current].get("op") == keys.OP_INVOKE_AGENT:
            found.append(current)
        current = parents.get(current)
    return found


__all__ = [
    "AI_INTEGRATIONS",
    "CLIENT_BLIND",
    "MCP_ORIGIN",
    "REGISTRY_SIZE",
    "Finished",
    "Owner",
    "enabled",
    "finishing",
    "started",
]
