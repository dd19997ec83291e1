"""Scrubbing of secrets from content and the user's redaction hook.

Pure functions, no sentry-sdk import. Keys are matched as sentry-sdk's
``EventScrubber`` matches them: the lower-cased key is in the deny list.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ._jsonable import dumps

FILTERED = "[Filtered]"

# sentry-sdk's EventScrubber deny lists (DEFAULT_DENYLIST and DEFAULT_PII_DENYLIST).
_SDK_KEYS = [
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "session",
    "csrftoken",
    "sessionid",
    "x_csrftoken",
    "x_forwarded_for",
    "set_cookie",
    "cookie",
    "authorization",
    "proxy-authorization",
    "x_api_key",
    "aiohttp_session",
    "connect.sid",
    "csrf_token",
    "csrf",
    "_csrf",
    "_csrf_token",
    "phpsessid",
    "_session",
    "symfony",
    "user_session",
    "_xsrf",
    "xsrf-token",
    "x_real_ip",
    "ip_address",
    "remote_addr",
]

DEFAULT_SCRUB_KEYS: frozenset[str] = frozenset(_SDK_KEYS)


def scrub(value: Any, keys: frozenset[str]) -> Any:
    """A copy of a jsonable value with values under deny-listed keys replaced."""
    if not keys:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in keys:
                out[key] = FILTERED
            elif isinstance(item, (dict, list)):
                out[key] = scrub(item, keys)
            else:
                out[key] = item
        return out
    if isinstance(value, list):
        return [scrub(v, keys) if isinstance(v, (dict, list)) else v for v in value]
    return value


def scrub_parts(parts: Any, keys: frozenset[str]) -> Any:
    """Scrub message parts: only their structured values (tool call arguments and
    responses, extra keys) can hold secrets under keys; text is left alone."""
    if not keys or not isinstance(parts, list):
        return parts
    out = []
    for part in parts:
        if isinstance(part, dict) and not (len(part) == 2 and part.get("type") == "text"):
            part = {
                key: FILTERED
                if key.lower() in keys
                else scrub(item, keys)
                if isinstance(item, (dict, list))
                else item
                for key, item in part.items()
            }
        out.append(part)
    return out


def _plain_text(parts: Any) -> bool:
    if type(parts) is not list:
        return False
    for part in parts:  # a plain loop: this runs for every message of every span
        if type(part) is not dict or len(part) != 2 or part.get("type") != "text":
            return False
    return True


def scrub_messages(messages: Any, keys: frozenset[str]) -> Any:
    """Scrub the parts of each message; messages made only of text are kept as they are."""
    if not keys or not isinstance(messages, list):
        return messages
    return [
        m
        if not isinstance(m, dict) or _plain_text(m.get("parts"))
        else {**m, "parts": scrub_parts(m.get("parts"), keys)}
        for m in messages
    ]


SCRUBBERS: dict[str, Callable[[Any, frozenset[str]], Any]] = {
    "input.messages": scrub_messages,
    "output.messages": scrub_messages,
    "system_instructions": scrub_parts,
    "tool.arguments": scrub,
    "tool.result": scrub,
}
"""Content kinds (as the redaction hook sees them) and how each is scrubbed; tool
definitions and embeddings inputs hold no key/value data to scrub."""


class Dropped(Exception):
    """The redaction hook dropped the content, or failed; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def redact(hook: Optional[Callable[[str, Any], Any]], kind: str, value: Any) -> Any:
    """Apply the user's hook; raise :class:`Dropped` instead of ever returning the raw value
    when the hook fails or returns something that is not JSON-serializable."""
    if hook is None:
        return value
    try:
        result = hook(kind, value)
    except Exception as exc:
        raise Dropped(f"redact hook raised {type(exc).__name__} for {kind}") from None
    if result is None:
        raise Dropped(f"redact hook dropped {kind}")
    try:
        dumps(result)
    except Exception:
        raise Dropped(f"redact hook returned a value that is not JSON for {kind}") from None
    return result


__all__ = ["DEFAULT_SCRUB_KEYS", "FILTERED", "SCRUBBERS", "Dropped", "redact", "scrub"]
