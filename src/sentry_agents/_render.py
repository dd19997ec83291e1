"""The terminal view of agent runs: spans as an indented tree, built from what was sent.

Shows each span's name, duration, model, tokens (cached and reasoning), tool
arguments and results, errors, and a cost estimate when given a price table.
Colour only when asked (the callers pass ``color=stream.isatty()``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

from ._envelopes import SpanRecord

Prices = Mapping[str, Mapping[str, float]]
"""Per model, $ per million tokens: input, output, cached_input, cache_write, reasoning."""
Pricer = Callable[[Mapping[str, Any]], Optional[float]]
"""Cost in $ of one LLM span from its attributes, or ``None`` when its model is unknown."""

_RED, _DIM, _BOLD, _CYAN, _RESET = "\033[31m", "\033[2m", "\033[1m", "\033[36m", "\033[0m"
_PREVIEW = 80


def render_tree(
    spans: list[SpanRecord], *, color: bool = False, prices: Union[Prices, Pricer, None] = None
) -> str:
    """One tree per root span; spans whose parent was not sent are roots too. ``prices``
    is a price table or a :data:`Pricer` (see :func:`genai_prices_pricer`)."""
    pricer = table_pricer(prices) if isinstance(prices, Mapping) else prices
    ids = {s.span_id for s in spans}
    children: dict[Optional[str], list[SpanRecord]] = {}
    for span in sorted(spans, key=lambda s: s.start):
        parent = span.parent_span_id if span.parent_span_id in ids else None
        children.setdefault(parent, []).append(span)
    lines: list[str] = []

    def walk(span: SpanRecord, depth: int) -> None:
        lines.extend(_span_lines(span, depth, color, pricer))
        for child in children.get(span.span_id, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    return "\n".join(lines)


def _span_lines(span: SpanRecord, depth: int, color: bool, pricer: Optional[Pricer]) -> list[str]:
    a = span.attributes
    indent = "  " * depth
    paint = (lambda code, text: f"{code}{text}{_RESET}") if color else (lambda code, text: text)
    head = f"{indent}{paint(_BOLD, span.name)}  {paint(_DIM, _duration(span.duration))}"
    details: list[str] = []
    model = a.get("gen_ai.response.model") or a.get("gen_ai.request.model")
    if model and span.op != "gen_ai.invoke_agent":
        details.append(str(model))
    tokens = _tokens(a)
    if tokens:
        details.append(tokens)
    cost = pricer(a) if pricer is not None and span.op != "gen_ai.invoke_agent" else None
    if cost is not None:
        details.append(f"${cost:.6f}")
    if details:
        head += "  " + paint(_CYAN, " · ".join(details))
    if span.is_error():
        head += "  " + paint(_RED, f"✗ {a.get('error.type') or span.status}")
    lines = [head]
    for label, key in (
        ("args", "gen_ai.tool.call.arguments"),
        ("result", "gen_ai.tool.call.result"),
    ):
        if key in a:
            lines.append(f"{indent}    {label}: {_preview(a[key])}")
    return lines


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.2f}s"


def _tokens(a: Mapping[str, Any]) -> str:
    inputs, outputs = a.get("gen_ai.usage.input_tokens"), a.get("gen_ai.usage.output_tokens")
    if inputs is None and outputs is None:
        return ""
    text = f"{inputs or 0} in"
    cached = a.get("gen_ai.usage.cache_read.input_tokens")
    if cached:
        text += f" ({cached} cached)"
    text += f" / {outputs or 0} out"
    reasoning = a.get("gen_ai.usage.reasoning.output_tokens")
    if reasoning:
        text += f" ({reasoning} reasoning)"
    return text + " tokens"


def _preview(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 1] + "…"


def table_pricer(prices: Prices) -> Pricer:
    return lambda attributes: estimate_cost(attributes, prices)


def genai_prices_pricer() -> Optional[Pricer]:
    """Prices from the ``genai-prices`` package when it is installed (its bundled data)."""
    try:
        from genai_prices import Usage as PriceUsage
        from genai_prices import calc_price
    except ImportError:
        return None

    def price(a: Mapping[str, Any]) -> Optional[float]:
        model = a.get("gen_ai.response.model") or a.get("gen_ai.request.model")
        if not model or a.get("gen_ai.usage.input_tokens") is None:
            return None
        usage = PriceUsage(
            input_tokens=a.get("gen_ai.usage.input_tokens") or 0,
            output_tokens=a.get("gen_ai.usage.output_tokens") or 0,
            cache_read_tokens=a.get("gen_ai.usage.cache_read.input_tokens") or 0,
            cache_write_tokens=a.get("gen_ai.usage.cache_creation.input_tokens") or 0,
        )
        provider = a.get("gen_ai.provider.name")
        try:
            result = calc_price(usage, model_ref=str(model), provider_id=provider)
        except Exception:  # a model or provider it does not know
            return None
        return float(result.total_price)

    return price


def estimate_cost(a: Mapping[str, Any], prices: Prices) -> Optional[float]:
    """Sentry's cost formula (SPEC section 2) with prices in $ per million tokens."""
    model = a.get("gen_ai.response.model") or a.get("gen_ai.request.model")
    price = prices.get(str(model)) if model else None
    if price is None and model:
        price = next((p for m, p in prices.items() if str(model).startswith(m)), None)
    if price is None:
        return None
    inputs = a.get("gen_ai.usage.input_tokens") or 0
    outputs = a.get("gen_ai.usage.output_tokens") or 0
    cached = a.get("gen_ai.usage.cache_read.input_tokens") or 0
    written = a.get("gen_ai.usage.cache_creation.input_tokens") or 0
    reasoning = a.get("gen_ai.usage.reasoning.output_tokens") or 0
    rate_in = price.get("input", 0.0)
    rate_out = price.get("output", 0.0)
    total = (
        (inputs - cached - written) * rate_in
        + cached * price.get("cached_input", rate_in)
        + written * price.get("cache_write", rate_in)
        + (outputs - reasoning) * rate_out
        + reasoning * price.get("reasoning", rate_out)
    )
    return total / 1_000_000
