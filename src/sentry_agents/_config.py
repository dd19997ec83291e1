"""Library-wide settings, changed with :func:`configure`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from ._privacy import DEFAULT_SCRUB_KEYS

Redactor = Callable[[str, Any], Any]
"""``redact(kind, value) -> value or None``; see :func:`configure`."""

_UNSET: Any = object()


@dataclass(frozen=True)
class Settings:
    record_inputs: Optional[bool] = None
    record_outputs: Optional[bool] = None
    max_message_bytes: int = 20_000
    redact: Optional[Redactor] = None
    scrub_keys: frozenset[str] = DEFAULT_SCRUB_KEYS


_settings = Settings()


def settings() -> Settings:
    return _settings


def configure(
    *,
    record_inputs: Optional[bool] = _UNSET,
    record_outputs: Optional[bool] = _UNSET,
    max_message_bytes: int = _UNSET,
    redact: Optional[Redactor] = _UNSET,
    scrub_keys: Any = _UNSET,
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

    Arguments not passed keep their current value.
    """
    global _settings
    changes: dict[str, Any] = {}
    if record_inputs is not _UNSET:
        changes["record_inputs"] = _optional_bool(record_inputs)
    if record_outputs is not _UNSET:
        changes["record_outputs"] = _optional_bool(record_outputs)
    if max_message_bytes is not _UNSET:
        changes["max_message_bytes"] = int(max_message_bytes)
    if redact is not _UNSET:
        if redact is not None and not callable(redact):
            raise TypeError("redact must be a callable or None")
        changes["redact"] = redact
    if scrub_keys is not _UNSET:
        if isinstance(scrub_keys, str):
            raise TypeError("scrub_keys must be an iterable of key names, not a string")
        changes["scrub_keys"] = frozenset(str(k).lower() for k in scrub_keys)
    _settings = replace(_settings, **changes)


def reset() -> None:
    """Back to defaults (for tests)."""
    global _settings
    _settings = Settings()


def _optional_bool(value: Any) -> Optional[bool]:
    return None if value is None else bool(value)
