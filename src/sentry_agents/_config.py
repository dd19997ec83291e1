"""Library-wide settings (changed with :func:`configure`) and the per-helper overrides."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, NamedTuple, Optional

from ._privacy import DEFAULT_SCRUB_KEYS

Redactor = Callable[[str, Any], Any]
"""A redaction hook: ``redact(kind, value)`` returns the value to record, or ``None`` to
drop it; see ``configure(redact=...)``."""

UNSET: Any = object()
"""An argument not passed (``None`` is a value for some of them)."""


@dataclass(frozen=True)
class Settings:
    record_inputs: Optional[bool] = None
    record_outputs: Optional[bool] = None
    max_message_bytes: int = 20_000
    redact: Optional[Redactor] = None
    scrub_keys: frozenset[str] = DEFAULT_SCRUB_KEYS
    capture_errors: bool = True


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
        )


class Resolved(NamedTuple):
    """The settings one span runs with (``None`` gates follow sentry-sdk's own gate)."""

    record_inputs: Optional[bool]
    record_outputs: Optional[bool]
    redact: Optional[Redactor]
    capture_errors: bool
    max_message_bytes: int
    scrub_keys: frozenset[str]


DEFAULT_OPTIONS = Options()


def options(
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> Options:
    """One helper's overrides; the shared default when it overrides nothing."""
    if (
        record_inputs is None
        and record_outputs is None
        and redact is UNSET
        and capture_errors is None
    ):
        return DEFAULT_OPTIONS
    return Options(record_inputs, record_outputs, redact, capture_errors)


_settings = Settings()
_default = DEFAULT_OPTIONS.resolve(_settings)


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
    max_message_bytes: int = UNSET,
    redact: Optional[Redactor] = UNSET,
    scrub_keys: Any = UNSET,
    capture_errors: bool = UNSET,
) -> None:
    """Change how content is recorded, for every span started afterwards.

    - ``record_inputs`` / ``record_outputs``: ``None`` follows sentry-sdk's own gate
      (``data_collection["gen_ai"]``, else ``send_default_pii``); ``True``/``False`` force it.
    - ``max_message_bytes``: UTF-8 budget of each message-like attribute (default 20,000).
    - ``redact``: ``redact(kind, value)`` called for every piece of content about to be
      recorded; return the value to record or ``None`` to drop it. ``None`` removes the hook.
    - ``scrub_keys``: keys whose values become ``[Filtered]`` anywhere inside tool
      arguments, results and message parts. An iterable replaces the list; pass
      ``DEFAULT_SCRUB_KEYS | {"my_key"}`` to extend it and ``()`` to turn scrubbing off.
    - ``capture_errors``: ``False`` records a failure on its span (status and
      ``error.type``) without sending an error event to Sentry.

    Arguments not passed keep their current value.
    """
    global _settings, _default
    changes: dict[str, Any] = {}
    if record_inputs is not UNSET:
        changes["record_inputs"] = _optional_bool(record_inputs)
    if record_outputs is not UNSET:
        changes["record_outputs"] = _optional_bool(record_outputs)
    if max_message_bytes is not UNSET:
        changes["max_message_bytes"] = int(max_message_bytes)
    if redact is not UNSET:
        if redact is not None and not callable(redact):
            raise TypeError("redact must be a callable or None")
        changes["redact"] = redact
    if scrub_keys is not UNSET:
        if isinstance(scrub_keys, str):
            raise TypeError("scrub_keys must be an iterable of key names, not a string")
        changes["scrub_keys"] = frozenset(str(k).lower() for k in scrub_keys)
    if capture_errors is not UNSET:
        changes["capture_errors"] = bool(capture_errors)
    _settings = replace(_settings, **changes)
    _default = DEFAULT_OPTIONS.resolve(_settings)


def reset() -> None:
    """Back to defaults (for tests)."""
    global _settings, _default
    _settings = Settings()
    _default = DEFAULT_OPTIONS.resolve(_settings)


def _optional_bool(value: Any) -> Optional[bool]:
    return None if value is None else bool(value)


__all__ = [
    "DEFAULT_OPTIONS",
    "UNSET",
    "Options",
    "Redactor",
    "Resolved",
    "Settings",
    "configure",
    "options",
    "reset",
    "resolve",
    "settings",
]
