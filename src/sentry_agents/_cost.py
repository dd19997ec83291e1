"""What a model call costs, by Sentry's formula, from a price table or ``genai-prices``.

Pure functions, no sentry-sdk import. Prices are USD per million tokens. Sentry computes
cost during ingestion (see Sentry's AI Agents docs on costs) as:

    input  = (input - cache_read - cache_write) * input_rate
             + cache_read * cached_rate + cache_write * cache_write_rate
    output = (output - reasoning) * output_rate + reasoning * (reasoning_rate or output_rate)

for the models it has prices for; it never computes the three subset costs and leaves
unknown (self-hosted, fine-tuned) models at zero. The same function prices the spans we
send and the figures ``python -m sentry_agents serve`` prints.

``genai-prices`` is optional and only imported when asked for (``configure(genai_prices=True)``
or ``serve`` without a price table).
"""

from __future__ import annotations

import fnmatch
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, NamedTuple, Optional

from . import _keys as keys
from ._jsonable import INT64_LIMIT, finite_number, instance_of, shown
from ._usage import Usage

_PER_TOKEN = 1_000_000
_RATE_FIELDS = ("input", "output", "cached_input", "cache_write", "reasoning")


class Rates(NamedTuple):
    """One model's prices in USD per million tokens, and its context window in tokens.

    A missing cached or cache-write rate is the input rate, a missing reasoning rate the
    output rate (as Sentry does for reasoning). Not ``priced``: a table entry that gives
    the context window alone, with no rate (no cost is worked out from it).
    """

    input: float = 0.0
    output: float = 0.0
    cached_input: Optional[float] = None
    cache_write: Optional[float] = None
    reasoning: Optional[float] = None
    context_window: Optional[int] = None
    priced: bool = True


class Cost(NamedTuple):
    """The six ``gen_ai.cost.*`` figures of one call (or a sum of calls), in USD."""

    input: float = 0.0
    output: float = 0.0
    cache_read: float = 0.0
    cache_creation: float = 0.0
    reasoning: float = 0.0

    @property
    def total(self) -> float:
        return self.input + self.output

    def plus(self, other: Cost) -> Cost:
        return Cost(*(mine + theirs for mine, theirs in zip(self, other)))


def cost_of(usage: Usage, rates: Rates) -> Optional[Cost]:
    """Sentry's cost formula applied to ``usage``; ``None`` when no tokens were reported
    (Sentry leaves such calls without cost too), or when ``rates`` name no price."""
    if not rates.priced:
        return None
    inputs = usage.input_tokens or 0
    outputs = usage.output_tokens or 0
    if not inputs and not outputs:
        return None
    cached = usage.input_tokens_cached or 0
    written = usage.input_tokens_cache_write or 0
    reasoning = usage.output_tokens_reasoning or 0
    cached_rate = rates.input if rates.cached_input is None else rates.cached_input
    write_rate = rates.input if rates.cache_write is None else rates.cache_write
    reasoning_rate = rates.reasoning if rates.reasoning else rates.output
    cache_read = cached * cached_rate / _PER_TOKEN
    cache_creation = written * write_rate / _PER_TOKEN
    reasoning_cost = reasoning * reasoning_rate / _PER_TOKEN
    cost = Cost(
        input=(inputs - cached - written) * rates.input / _PER_TOKEN + cache_read + cache_creation,
        output=(outputs - reasoning) * rates.output / _PER_TOKEN + reasoning_cost,
        cache_read=cache_read,
        cache_creation=cache_creation,
        reasoning=reasoning_cost,
    )
    return cost if _finite(cost) else None


def _finite(cost: Cost) -> bool:
    """Whether every figure of ``cost`` is a finite number (prices near a float's limit
    overflow, and Sentry's doubles cannot carry infinity)."""
    return all(math.isfinite(figure) for figure in (*cost, cost.total))


def cost_attributes(cost: Cost) -> dict[str, float]:
    """The six ``gen_ai.cost.*`` attributes (doubles, USD); none for a cost that is not
    finite (a sum that overflowed)."""
    if not _finite(cost):
        return {}
    return {
        keys.COST_INPUT_TOKENS: cost.input,
        keys.COST_OUTPUT_TOKENS: cost.output,
        keys.COST_TOTAL_TOKENS: cost.total,
        keys.COST_CACHE_READ_INPUT_TOKENS: cost.cache_read,
        keys.COST_CACHE_CREATION_INPUT_TOKENS: cost.cache_creation,
        keys.COST_REASONING_OUTPUT_TOKENS: cost.reasoning,
    }


def context_attributes(usage: Usage, rates: Rates) -> dict[str, Any]:
    """``gen_ai.context.window_size`` and ``.utilization``, when the window is known.

    Utilization is input + output over the window, as Relay computes it (a count not
    reported is 0 there); ``total_tokens`` only stands in when neither was reported.
    """
    window = rates.context_window
    if not window:
        return {}
    out: dict[str, Any] = {keys.CONTEXT_WINDOW_SIZE: window}
    inputs, outputs = usage.input_tokens, usage.output_tokens
    if inputs is None and outputs is None:
        total = usage.total_tokens
    else:
        total = (inputs or 0) + (outputs or 0)
    if total is not None:
        out[keys.CONTEXT_UTILIZATION] = total / window
    return out


# --- price tables -------------------------------------------------------------------------


def price_table(prices: Mapping[str, Any]) -> dict[str, Rates]:
    """A price table from ``{model: {"input": 2.5, "output": 10, ...}}`` ($ per million
    tokens; also ``cached_input``, ``cache_write``, ``reasoning`` and ``context_window``).

    Raises ``TypeError``/``ValueError`` on a table that is not one: prices are
    configuration, checked once when given.
    """
    if not instance_of(prices, Mapping):
        raise TypeError("prices must be a mapping of model name to its prices")
    table: dict[str, Rates] = {}
    for model, entry in prices.items():
        if not instance_of(model, str) or not model:
            raise TypeError(f"price table keys must be model names, not {shown(model)}")
        table[model] = entry if instance_of(entry, Rates) else _rates(model, entry)
    return table


def _rates(model: str, entry: Any) -> Rates:
    if not instance_of(entry, Mapping):
        raise TypeError(f"prices of {model!r} must be a mapping such as {{'input': 2.5}}")
    unknown = set(entry) - {*_RATE_FIELDS, "context_window"}
    if unknown:
        raise ValueError(f"prices of {model!r}: unknown keys {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name in _RATE_FIELDS:
        value = entry.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"prices of {model!r}: {name} must be a number")
        number = finite_number(value)
        if number is None or number < 0:
            raise ValueError(f"prices of {model!r}: {name} must be a finite number >= 0")
        values[name] = number
    window = entry.get("context_window")
    if window is not None:
        if isinstance(window, bool) or not isinstance(window, int):
            raise ValueError(f"prices of {model!r}: context_window must be a positive int")
        window = int.__int__(window)
        if not 0 < window < INT64_LIMIT:
            raise ValueError(f"prices of {model!r}: context_window must be a positive 64-bit int")
        values["context_window"] = window
    elif not values:
        raise ValueError(
            f"prices of {model!r}: give at least one rate (input, output, ...) or context_window"
        )
    return Rates(**values, priced=bool(values.keys() - {"context_window"}))


_DATE_SUFFIX = re.compile(r"[-@](\d{4}-\d{2}-\d{2}|\d{8})$")


def model_names(model: str) -> list[str]:
    """The names a model is looked up under, most specific first: as given, without a
    ``provider/`` prefix, and without a date suffix (``-2024-07-18``, ``@20241022``)."""
    names = [model]
    bare = model.rsplit("/", 1)[-1]
    for name in (bare, _DATE_SUFFIX.sub("", model), _DATE_SUFFIX.sub("", bare)):
        if name and name not in names:
            names.append(name)
    return names


def lookup(table: Mapping[str, Rates], model: str) -> Optional[Rates]:
    """``model``'s rates in ``table``: by ``model_names``, then by the longest key
    with ``*`` wildcards (``"llama-3*"``) that matches."""
    names = model_names(model)
    for name in names:
        rates = table.get(name)
        if rates is not None:
            return rates
    patterns = sorted((k for k in table if "*" in k or "?" in k), key=len, reverse=True)
    for pattern in patterns:
        if any(fnmatch.fnmatchcase(name, pattern) for name in names):
            return table[pattern]
    return None


class Pricing:
    """Rates per model from a price table and, when asked for, ``genai-prices`` (the table
    wins). Lookups are remembered, at most ``CACHE_SIZE`` models."""

    CACHE_SIZE = 1024

    def __init__(self, table: Mapping[str, Rates], use_genai_prices: bool = False) -> None:
        self.table = dict(table)
        self.use_genai_prices = use_genai_prices
        self._cache: OrderedDict[tuple[str, Optional[str]], Optional[Rates]] = OrderedDict()
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.table) or self.use_genai_prices

    def rates(self, model: Optional[str], provider: Optional[str] = None) -> Optional[Rates]:
        if not model:
            return None
        key = (model, provider)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        found = lookup(self.table, model)
        if (found is None or not found.priced) and self.use_genai_prices:
            priced = genai_prices_rates(model, provider)
            if priced is not None and found is not None:  # the table's window, its prices
                priced = priced._replace(context_window=found.context_window)
            found = priced or found
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > self.CACHE_SIZE:
                self._cache.popitem(last=False)
        return found

    def rates_for(
        self, models: tuple[Optional[str], ...], provider: Optional[str]
    ) -> Optional[Rates]:
        """The rates of the first of ``models`` that has any (the response model first, as
        Sentry looks prices up by it, then the request model)."""
        for model in models:
            rates = self.rates(model, provider)
            if rates is not None:
                return rates
        return None

    def price(
        self, usage: Usage, models: tuple[Optional[str], ...], provider: Optional[str]
    ) -> tuple[Optional[Cost], Optional[Rates]]:
        """The cost of a model call with ``usage`` at the rates of the first of ``models``
        that has any, and those rates; ``(None, None)`` when none has."""
        rates = self.rates_for(models, provider)
        return (None, None) if rates is None else (cost_of(usage, rates), rates)


def models_of(attributes: Mapping[str, Any]) -> tuple[str, ...]:
    """An LLM span's models from its attributes, the response model first (Sentry prices
    by it)."""
    return tuple(
        value
        for value in (attributes.get(keys.RESPONSE_MODEL), attributes.get(keys.REQUEST_MODEL))
        if isinstance(value, str)
    )


def genai_prices_rates(model: str, provider: Optional[str] = None) -> Optional[Rates]:
    """``model``'s rates from the ``genai-prices`` package (its bundled data), or ``None``
    when it is not installed or does not know the model. Tiered prices are taken at their
    base tier."""
    try:
        from genai_prices import Usage as PriceUsage
        from genai_prices import calc_price
    except ImportError:
        return None
    found = None
    for provider_id in (provider, None) if provider else (None,):
        try:
            found = calc_price(PriceUsage(), model_ref=model, provider_id=provider_id)
            break
        except Exception:  # a model or provider it does not know
            continue
    if found is None:
        return None
    price = found.model_price
    window = getattr(found.model, "context_window", None)
    return Rates(
        input=_base(getattr(price, "input_mtok", None)) or 0.0,
        output=_base(getattr(price, "output_mtok", None)) or 0.0,
        cached_input=_base(getattr(price, "cache_read_mtok", None)),
        cache_write=_base(getattr(price, "cache_write_mtok", None)),
        context_window=window if isinstance(window, int) and window > 0 else None,
    )


def _base(price: Any) -> Optional[float]:
    """A ``genai-prices`` price (a number, or tiered prices with a ``base``) as a float."""
    if price is None:
        return None
    value = getattr(price, "base", price)
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) and result >= 0 else None


__all__ = [
    "Cost",
    "Pricing",
    "Rates",
    "context_attributes",
    "cost_attributes",
    "cost_of",
    "genai_prices_rates",
    "lookup",
    "model_names",
    "models_of",
    "price_table",
]
