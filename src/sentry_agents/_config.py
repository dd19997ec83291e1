"""Library-wide settings (changed with ``configure``) and the per-helper overrides."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Callable, NamedTuple, Optional

from ._cost import Pricing, price_table
from ._jsonable import instance_of, shown
from ._log import sdk_logger
from ._privacy import DEFAULT_SCRUB_KEYS

Redactor = Callable[[str, Any], Any]
"""A redaction hook: ``redact(kind, value)`` returns the value to record, or ``None`` to
drop it; see ``configure(redact=...)``."""

UNSET: Any = object()
"""An argument not passed (``None`` is a value for some of them)."""

MESSAGE_BYTES_IN_EVENT = 20_000
"""Default budget of each message-like attribute of a span sent inside a transaction
event: sentry-sdk's own integrations cut messages to about this size there (the
transaction event, all its spans included, must stay under Relay's 1 MiB)."""
MESSAGE_BYTES_PER_SPAN = 200_000
"""Default budget of each message-like attribute of a span sent as a span item of its
own (span streaming, or gen_ai spans split out of a transaction, sentry-sdk's default
since 2.64.0): four content attributes stay well under Relay's 1 MB per span, past which
it cuts the largest attribute mid-JSON."""


@dataclass(frozen=True)
class Settings:
    record_inputs: Optional[bool] = None
    record_outputs: Optional[bool] = None
    max_message_bytes: Optional[int] = None
    redact: Optional[Redactor] = None
    scrub_keys: frozenset[str] = DEFAULT_SCRUB_KEYS
    capture_errors: bool = True
    pricing: Optional[Pricing] = None


class Options(NamedTuple):
    """What one helper overrides of the settings (``None``/``UNSET``: the setting decides)."""

    record_inputs: Optional[bool] = None
    record_outputs: Optional[bool] = None
    redact: Optional[Redactor] = UNSET
    capture_errors: Optional[bool] = None

    def resolve(self, settings: Settings) -> Resolved:
        """These overrides applied to ``settings``."""
        return Resolved(
            self.record_inputs if self.record_inputs is not None else settings.record_inputs,
            self.record_outputs if self.record_outputs is not None else settings.record_outputs,
            settings.redact if self.redact is UNSET else self.redact,
            settings.capture_errors if self.capture_errors is None else self.capture_errors,
            settings.max_message_bytes,
            settings.scrub_keys,
            settings.pricing,
        )


class Resolved(NamedTuple):
    """The settings one span runs with (``None`` gates follow sentry-sdk's own gate, a
    ``None`` budget follows how the span is sent)."""

    record_inputs: Optional[bool]
    record_outputs: Optional[bool]
    redact: Optional[Redactor]
    capture_errors: bool
    max_message_bytes: Optional[int]
    scrub_keys: frozenset[str]
    pricing: Optional[Pricing]


DEFAULT_OPTIONS = Options()


def options(
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> Options:
    """One helper's overrides; the shared default when it overrides nothing. A content
    gate that is neither ``None`` nor a bool is closed (logged): ``"false"`` is true to
    ``bool``, and an unclear answer never records content. An unclear ``capture_errors``
    sends no error event alike (logged)."""
    if (
        record_inputs is None
        and record_outputs is None
        and redact is UNSET
        and capture_errors is None
    ):
        return DEFAULT_OPTIONS
    record_inputs = _helper_switch(record_inputs, "record_inputs", "not recording that content")
    record_outputs = _helper_switch(record_outputs, "record_outputs", "not recording that content")
    capture_errors = _helper_switch(capture_errors, "capture_errors", "not sending an error event")
    return Options(record_inputs, record_outputs, redact, capture_errors)


def byte_budget(value: Any, name: str) -> int:
    """A byte budget the caller gave as ``name``, as an ``int``: an int as it is, anything
    else as the int ``int()`` makes of it (a whole float, ``"300"``, a ``Decimal``).

    An argument that is none of these is the caller's error, raised here with its name
    rather than deep inside (``TypeError``: a bool or a value ``int()`` does not take;
    ``ValueError``: NaN, an infinity, or text that is not a number). A budget below 256
    bytes is raised to 256 where it is used."""
    if type(value) is bool:
        raise TypeError(f"{name} must be an int (a number of bytes), not bool")
    if instance_of(value, int):
        return int.__int__(value)
    try:
        return int(value)
    except TypeError:
        raise TypeError(
            f"{name} must be an int (a number of bytes), not {type(value).__name__}"
        ) from None
    except (ValueError, OverflowError):  # NaN, an infinity, text that is not a number
        raise ValueError(f"{name} must be a finite number of bytes, not {shown(value)}") from None


_settings = Settings()
_default = DEFAULT_OPTIONS.resolve(_settings)
_changing = threading.Lock()
"""Held while ``configure`` reads the settings and writes them back: two threads
configuring at once each keep the other's change."""


def settings() -> Settings:
    return _settings


def resolve(overrides: Options) -> Resolved:
    """The settings a span starting now runs with, given its helper's overrides."""
    if overrides is DEFAULT_OPTIONS:
        return _default
    return overrides.resolve(_settings)


def configure(
    *,
    record_inputs: Optional[bool] = UNSET,
    record_outputs: Optional[bool] = UNSET,
    max_message_bytes: Optional[int] = UNSET,
    redact: Optional[Redactor] = UNSET,
    scrub_keys: Any = UNSET,
    capture_errors: bool = UNSET,
    prices: Optional[Mapping[str, Any]] = UNSET,
    genai_prices: bool = UNSET,
) -> None:
    """Change how content is recorded, for every span started afterwards.

    - ``record_inputs`` / ``record_outputs``: ``None`` follows sentry-sdk's own gate
      (``data_collection["gen_ai"]``, else ``send_default_pii``); ``True``/``False`` force it.
      Anything else raises ``TypeError`` (the string ``"false"`` would read as true).
    - ``max_message_bytes``: UTF-8 budget of each message-like attribute. By default it
      follows how sentry-sdk sends the span: 20,000 inside a transaction event (where
      sentry-sdk's own integrations cut messages too), 200,000 for a span sent on its own
      (span streaming, and gen_ai spans split out of transactions since sentry-sdk 2.64).
      ``None`` goes back to that default. An int, or what ``int()`` makes a finite number
      of; anything else (a bool, NaN, an infinity) raises ``TypeError``/``ValueError``.
    - ``redact``: ``redact(kind, value)`` called for every piece of content about to be
      recorded; return the value to record or ``None`` to drop it. ``None`` removes the hook.
    - ``scrub_keys``: keys whose values become ``[Filtered]`` anywhere inside tool
      arguments, results and message parts. An iterable replaces the list; pass
      ``DEFAULT_SCRUB_KEYS | {"my_key"}`` to extend it and ``()`` to turn scrubbing off;
      a name that is not a ``str`` raises ``TypeError``.
      A name is split into words as keys are, whatever its case and separators:
      ``customerRef`` (or ``customer_ref``) also matches ``CUSTOMER-REF`` and
      ``customerref``, while ``customerref``, one word, does not match ``customer_ref``.
    - ``capture_errors``: ``False`` records a failure on its span (status and
      ``error.type``) without sending an error event to Sentry. ``True`` or ``False``
      only, as ``genai_prices``: anything else raises ``TypeError`` (a helper given
      anything else sends no error event, and logs why).
    - ``prices``: ``{model: {"input": 2.5, "output": 10, "cached_input": 1.25,
      "cache_write": 3.75, "reasoning": 10, "context_window": 128000}}`` in USD per million
      tokens. LLM spans of a listed model get the six ``gen_ai.cost.*`` attributes by
      Sentry's formula (agent spans their sum), and ``gen_ai.context.window_size`` /
      ``.utilization`` when ``context_window`` is given (alone, it prices nothing; an
      entry with neither a rate nor a window raises ``ValueError``). ``None`` removes
      the table.
    - ``genai_prices``: ``True`` prices models the table lacks from the optional
      ``genai-prices`` package (imported only then).

    Arguments not passed keep their current value.
    """
    global _settings, _default
    changes: dict[str, Any] = {}
    if record_inputs is not UNSET:
        changes["record_inputs"] = _gate(record_inputs, "record_inputs")
    if record_outputs is not UNSET:
        changes["record_outputs"] = _gate(record_outputs, "record_outputs")
    if max_message_bytes is not UNSET:
        changes["max_message_bytes"] = (
            None
            if max_message_bytes is None
            else byte_budget(max_message_bytes, "max_message_bytes")
        )
    if redact is not UNSET:
        if redact is not None and not callable(redact):
            raise TypeError("redact must be a callable or None")
        changes["redact"] = redact
    if scrub_keys is not UNSET:
        if instance_of(scrub_keys, str):
            raise TypeError("scrub_keys must be an iterable of key names, not a string")
        names = frozenset(scrub_keys)
        for name in names:
            if not instance_of(name, str):
                raise TypeError(f"scrub_keys must hold key names (str), not {shown(name)}")
        # Kept as spelled: the word boundaries of ``customerRef`` are in its case.
        changes["scrub_keys"] = frozenset(str(k) for k in names)
    if capture_errors is not UNSET:
        changes["capture_errors"] = _flag(capture_errors, "capture_errors")
    if genai_prices is not UNSET:
        genai_prices = _flag(genai_prices, "genai_prices")
    table = None if prices is UNSET else {} if prices is None else price_table(prices)
    with _changing:
        if prices is not UNSET or genai_prices is not UNSET:
            current = _settings.pricing
            if table is None:
                table = current.table if current is not None else {}
            use_genai = current.use_genai_prices if current is not None else False
            if genai_prices is not UNSET:
                use_genai = genai_prices
            pricing = Pricing(table, use_genai)
            changes["pricing"] = pricing if pricing else None
        _settings = replace(_settings, **changes)
        _default = DEFAULT_OPTIONS.resolve(_settings)


def reset() -> None:
    """Back to defaults (for tests)."""
    global _settings, _default
    with _changing:
        _settings = Settings()
        _default = DEFAULT_OPTIONS.resolve(_settings)


def is_bool(value: Any) -> bool:
    """Whether ``value`` is a bool: Python's, or numpy's, without importing numpy
    (``numpy.bool_`` before NumPy 2, ``numpy.bool``, its ``bool_`` an alias, since)."""
    kind = type(value)
    if kind is bool:  # by its type: ``isinstance`` reads ``__class__``, which may raise
        return True
    return kind.__name__ == "bool_" or (kind.__name__ == "bool" and kind.__module__ == "numpy")


def _gate(value: Any, name: str) -> Optional[bool]:
    """A content gate as given: ``None`` or a bool (numpy's too); ``TypeError`` otherwise."""
    if value is None or type(value) is bool:
        return value
    if is_bool(value):
        return bool(value)
    raise TypeError(f"{name} must be True, False or None, not {shown(value)}")


def _flag(value: Any, name: str) -> bool:
    """A switch of ``configure`` as given: a bool (numpy's too); ``TypeError`` otherwise
    (``"false"`` is true to ``bool``)."""
    if is_bool(value):
        return bool(value)
    raise TypeError(f"{name} must be True or False, not {shown(value)}")


def _helper_switch(value: Any, name: str, closed: str) -> Optional[bool]:
    """A helper's switch as ``_gate`` reads it, or, for anything else, closed (``False``)
    and logged with what ``closed`` means: an unclear answer never opens it."""
    try:
        return _gate(value, name)
    except TypeError as error:
        sdk_logger.warning("sentry_agents: %s; %s", error, closed)
        return False


__all__ = [
    "DEFAULT_OPTIONS",
    "MESSAGE_BYTES_IN_EVENT",
    "MESSAGE_BYTES_PER_SPAN",
    "UNSET",
    "Options",
    "Redactor",
    "Resolved",
    "Settings",
    "configure",
    "is_bool",
    "options",
    "reset",
    "resolve",
    "settings",
]
