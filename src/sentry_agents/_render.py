"""The terminal view of agent runs: spans as an indented tree, built from what was sent.

Shows each span's name, duration, model, tokens (cached and reasoning), tool
arguments and results, guardrail outcomes, errors, and cost: the ``gen_ai.cost.*``
figures a span carries, else an estimate from a price table by the same formula.
Colour only when asked (the callers pass ``color=stream.isatty()``). Everything that
came over the wire is printed through ``printable``, so a span name or attribute
cannot move the cursor, clear the screen or ring the bell.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any, Callable, Optional, Union

from . import _keys as keys
from ._cost import Pricing, models_of, price_table
from ._envelopes import SpanRecord
from ._jsonable import finite_number
from ._usage import USAGE_KEYS, usage_from_attributes

Prices = Mapping[str, Mapping[str, float]]
"""Per model, $ per million tokens: input, output, cached_input, cache_write, reasoning."""
Pricer = Callable[[Mapping[str, Any]], Optional[float]]
"""Cost in $ of one LLM span from its attributes, or ``None`` when its model is unknown."""

_RED, _DIM, _BOLD, _CYAN, _RESET = "\033[31m", "\033[2m", "\033[1m", "\033[36m", "\033[0m"
_PREVIEW = 80
_FIELD = 200
"""Characters a span's name, model, token count or error type shows: one of them can be
200 KB (its budget), and each is a part of one terminal line."""
_MESSAGE = 1_000
"""Characters an error event's type, value or message shows."""
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""C0 and C1 controls (ESC, BEL, CSI, ...), line separators, bidi overrides, lone surrogates."""


def printable(value: Any, limit: Optional[int] = None) -> str:
    """``value`` as text safe for a terminal: control characters, bidi overrides and lone
    surrogates become visible escapes (``\\x1b``, ``\\u202e``, ``\\ud800``); with
    ``limit``, at most that many characters, text cut ending with an ellipsis."""
    try:
        text = value if isinstance(value, str) else str(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    if limit is None:
        return _UNPRINTABLE.sub(_escape, text)
    text = _UNPRINTABLE.sub(_escape, text[: limit + 1])  # the rest would only be cut away
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def is_gen_ai(span: SpanRecord) -> bool:
    """A span of an agent run: a ``gen_ai.*`` span, a guardrail check, or an MCP span (an
    MCP server's requests and notifications)."""
    return isinstance(span.op, str) and (
        span.op.startswith((keys.OP_PREFIX, "mcp.")) or span.op == keys.OP_GUARDRAIL
    )


class GenAiFilter:
    """Keeps gen_ai and MCP spans and their ancestors (an agent run inside a web request keeps
    its request span), also across envelopes: span streaming sends a run in batches, so a
    parent can arrive after its children; the ids still awaited are remembered, at most
    ``max_awaited`` of them."""

    def __init__(self, max_awaited: int = 10_000) -> None:
        self._awaited: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._max = max_awaited

    def __call__(self, spans: Iterable[SpanRecord]) -> list[SpanRecord]:
        spans = list(spans)
        by_id = {(s.trace_id, s.span_id): s for s in spans}
        keep: set[tuple[str, str]] = set()
        for span in spans:
            key = (span.trace_id, span.span_id)
            if not is_gen_ai(span) and key not in self._awaited:
                continue
            node = span
            while (node.trace_id, node.span_id) not in keep:
                keep.add((node.trace_id, node.span_id))
                if not node.parent_span_id:
                    break
                parent = (node.trace_id, node.parent_span_id)
                if parent not in by_id:
                    self._await(parent)
                    break
                node = by_id[parent]
        for key in keep:
            self._awaited.pop(key, None)
        return [s for s in spans if (s.trace_id, s.span_id) in keep]

    def _await(self, key: tuple[str, str]) -> None:
        self._awaited[key] = None
        self._awaited.move_to_end(key)
        while len(self._awaited) > self._max:
            self._awaited.popitem(last=False)


def render_tree(
    spans: list[SpanRecord], *, color: bool = False, prices: Union[Prices, Pricer, None] = None
) -> str:
    """One tree per root span; spans whose parent was not sent are roots too, and so is
    the first (by start) of spans whose parents form a cycle. ``prices`` is a price table
    (per model, $ per million tokens of ``input``, ``output``, ``cached_input``,
    ``cache_write``, ``reasoning``) or a function from a span's attributes to its cost
    in $. Every span is printed once, at any depth and whatever ids it was sent with."""
    pricer = table_pricer(prices) if isinstance(prices, Mapping) else prices
    ids = {s.span_id for s in spans}
    ordered = sorted(spans, key=lambda s: s.start)
    children: dict[Optional[str], list[SpanRecord]] = {}
    for span in ordered:
        parent = span.parent_span_id if span.parent_span_id in ids else None
        children.setdefault(parent, []).append(span)
    roots, kids, order = _forest(ordered, children)
    costs = _costs(order, kids, pricer)
    lines: list[str] = []
    stack = [(root, 0) for root in reversed(roots)]
    while stack:
        span, depth = stack.pop()
        lines.extend(_span_lines(span, depth, color, costs[id(span)]))
        stack.extend((child, depth + 1) for child in reversed(kids[id(span)]))
    return "\n".join(lines)


def _forest(
    ordered: list[SpanRecord], children: dict[Optional[str], list[SpanRecord]]
) -> tuple[list[SpanRecord], dict[int, list[SpanRecord]], list[SpanRecord]]:
    """(roots, each span's children as printed, every span parents first): a span is
    placed once, under the first parent that reaches it (ids sent twice, or a span its
    own parent, cannot loop), without recursion (a chain of any depth)."""
    roots: list[SpanRecord] = []
    kids: dict[int, list[SpanRecord]] = {}
    order: list[SpanRecord] = []
    placed: set[int] = set()

    def grow(root: SpanRecord) -> None:
        roots.append(root)
        placed.add(id(root))
        stack = [root]
        while stack:
            node = stack.pop()
            order.append(node)
            mine = [c for c in children.get(node.span_id, ()) if id(c) not in placed]
            placed.update(map(id, mine))
            kids[id(node)] = mine
            stack.extend(mine)

    for root in children.get(None, ()):
        grow(root)
    for span in ordered:  # parents in a cycle: none of them was reached from a root
        if id(span) not in placed:
            grow(span)
    return roots, kids, order


def _costs(
    order: list[SpanRecord], kids: dict[int, list[SpanRecord]], pricer: Optional[Pricer]
) -> dict[int, Optional[float]]:
    """Each span's cost: what it was sent with, else its price; an agent's, priced here,
    is the sum of the model calls under it (as sentry-agents sums it when it prices),
    nested agents' included. ``order`` has parents before children."""
    costs: dict[int, Optional[float]] = {}
    calls: dict[int, Optional[float]] = {}  # the model calls in a span and under it
    for span in reversed(order):
        below = [c for c in (calls[id(child)] for child in kids[id(span)]) if c is not None]
        agent = span.op == keys.OP_INVOKE_AGENT
        cost = _sent_cost(span.attributes)
        if cost is None and pricer is not None:
            cost = (sum(below) if below else None) if agent else _cost(span.attributes, pricer)
        costs[id(span)] = cost
        if not agent and cost is not None:
            below.append(cost)
        calls[id(span)] = sum(below) if below else None
    return costs


def _span_lines(span: SpanRecord, depth: int, color: bool, cost: Optional[float]) -> list[str]:
    a = span.attributes
    indent = "  " * depth

    def paint(code: str, value: Any) -> str:
        text = printable(value)
        return f"{code}{text}{_RESET}" if color else text

    head = f"{indent}{paint(_BOLD, _label(span))}  {paint(_DIM, _duration(span.duration))}"
    details: list[str] = []
    model = a.get(keys.RESPONSE_MODEL) or a.get(keys.REQUEST_MODEL)
    if model and span.op not in _NO_MODEL_SHOWN:
        details.append(printable(model, _FIELD))
    tokens = _tokens(a)
    if tokens:
        details.append(tokens)
    if cost is not None and math.isfinite(cost):  # an agent's sum may overflow
        details.append(f"${cost:.6f}")
    if details:
        head += "  " + paint(_CYAN, " · ".join(details))
    passed = a.get(keys.GUARDRAIL_PASSED)
    if passed is True:
        head += "  " + paint(_CYAN, "passed")
    elif passed is False:
        reason = a.get(keys.GUARDRAIL_REASON)
        blocked = f"blocked: {_preview(reason)}" if reason else "blocked"
        head += "  " + paint(_RED, blocked)
    if span.is_error():
        head += "  " + paint(_RED, f"✗ {printable(a.get(keys.ERROR_TYPE) or span.status, _FIELD)}")
    lines = [head]
    for label, key in (
        ("args", keys.TOOL_CALL_ARGUMENTS),
        ("result", keys.TOOL_CALL_RESULT),
    ):
        if key in a:
            lines.append(f"{indent}    {label}: {_preview(a[key])}")
    return lines


def _label(span: SpanRecord) -> str:
    """The span's name; its op when the name is empty, so no span prints as a blank line."""
    for text in (span.name, span.op):
        label = printable(text, _FIELD) if text else ""
        if label.strip():
            return label
    return "(unnamed span)"


_NO_MODEL_SHOWN = frozenset({keys.OP_INVOKE_AGENT, keys.OP_EXECUTE_TOOL, keys.OP_GUARDRAIL})
"""Spans whose model is their agent's, not one they called."""


def _sent_cost(a: Mapping[str, Any]) -> Optional[float]:
    """The total cost in USD the span was sent with, if any."""
    return finite_number(a.get(keys.COST_TOTAL_TOKENS))


def _cost(a: Mapping[str, Any], pricer: Optional[Pricer]) -> Optional[float]:
    if pricer is None:
        return None
    try:
        cost = pricer(a)
    except Exception:  # token counts that are not numbers, from a hand-made envelope
        return None
    return finite_number(cost)  # a pricer's int past a float, or NaN, is no cost to print


def render_event(event: Mapping[str, Any]) -> Optional[str]:
    """One line for an error or message event (``error: Type: value``), or ``None``."""
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, Mapping) else None
    if isinstance(values, list) and values and isinstance(values[-1], Mapping):
        error = values[-1]
        kind = printable(error.get("type"), _MESSAGE)
        return f"error: {kind}: {printable(error.get('value'), _MESSAGE)}"
    message = event.get("message")
    logentry = event.get("logentry")
    if not message and isinstance(logentry, Mapping):
        message = logentry.get("formatted") or logentry.get("message")
    if message:
        level = printable(event.get("level") or "message", _FIELD)
        return f"{level}: {printable(message, _MESSAGE)}"
    return None


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.2f}s"


def _tokens(a: Mapping[str, Any]) -> str:
    inputs, outputs = _sent(a, "input_tokens"), _sent(a, "output_tokens")
    if inputs is None and outputs is None:
        return ""
    text = f"{printable(inputs or 0, _FIELD)} in"
    cached = _sent(a, "input_tokens_cached")
    if cached:
        text += f" ({printable(cached, _FIELD)} cached)"
    text += f" / {printable(outputs or 0, _FIELD)} out"
    reasoning = _sent(a, "output_tokens_reasoning")
    if reasoning:
        text += f" ({printable(reasoning, _FIELD)} reasoning)"
    return text + " tokens"


def _sent(a: Mapping[str, Any], count: str) -> Any:
    """A usage count as sent, under its current key or the older name sentry-sdk's own
    integrations send (whatever its type: the viewer shows what arrived)."""
    for key in USAGE_KEYS[count]:
        if key in a:
            return a[key]
    return None


def _preview(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return printable(" ".join(text.split()), _PREVIEW)


def pricing_pricer(pricing: Pricing) -> Pricer:
    """A ``Pricer`` by Sentry's formula (the one that prices the spans we send)."""

    def price(a: Mapping[str, Any]) -> Optional[float]:
        provider = a.get(keys.PROVIDER_NAME)
        cost = pricing.price(
            usage_from_attributes(dict(a)),
            models_of(a),
            provider if isinstance(provider, str) else None,
        )[0]
        return cost.total if cost is not None else None

    return price


def table_pricer(prices: Prices) -> Pricer:
    """A ``Pricer`` from a price table (``ValueError``/``TypeError`` if it is not one)."""
    return pricing_pricer(Pricing(price_table(prices)))


def genai_prices_pricer() -> Optional[Pricer]:
    """Prices from the ``genai-prices`` package when it is installed (its bundled data)."""
    try:
        import genai_prices  # noqa: F401
    except ImportError:
        return None
    return pricing_pricer(Pricing({}, use_genai_prices=True))


def estimate_cost(a: Mapping[str, Any], prices: Prices) -> Optional[float]:
    """A span's cost in USD by Sentry's formula, with prices in $ per million tokens
    (``None`` when its model has no prices or it reported no tokens)."""
    return table_pricer(prices)(a)


__all__ = [
    "GenAiFilter",
    "Pricer",
    "Prices",
    "estimate_cost",
    "genai_prices_pricer",
    "is_gen_ai",
    "pricing_pricer",
    "printable",
    "render_event",
    "render_tree",
    "table_pricer",
]
