"""Scrubbing of secrets from content, and the user's redaction hook.

Pure functions, no sentry-sdk import. A key is a secret's key when the words of one
deny-listed name appear in it, adjacent and in order, whatever the case and the
separators: ``api_key`` matches ``X-Api-Key``, ``OPENAI_API_KEY`` and ``apiKey``;
``token`` matches ``access_token`` and ``refreshToken`` but not ``max_tokens``. The
deny list is sentry-sdk's own (its ``EventScrubber`` lists) with a few additions.
Numbers under count-like keys (``token_count``, ``session_timeout``) are kept.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Optional

from ._jsonable import dumps

FILTERED = "[Filtered]"

# sentry-sdk's EventScrubber deny lists (DEFAULT_DENYLIST and DEFAULT_PII_DENYLIST),
# then names secrets commonly go by that those lists only catch in other spellings.
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
_MORE_KEYS = ["pwd", "passphrase", "credential", "access_key", "bearer", "jwt"]

DEFAULT_SCRUB_KEYS: frozenset[str] = frozenset(k.lower() for k in [*_SDK_KEYS, *_MORE_KEYS])
"""The names whose values are scrubbed by default (see :func:`configure`)."""

_CAMEL = re.compile(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_COUNT_WORDS = frozenset(
    [
        "count",
        "counts",
        "num",
        "number",
        "max",
        "min",
        "limit",
        "total",
        "size",
        "length",
        "len",
        "ttl",
        "timeout",
        "expires",
        "expiry",
        "expiration",
        "age",
        "index",
    ]
)
_CACHE_ITEMS = 4096
_CACHE_KEY_CHARS = 128


def words(key: str) -> tuple[str, ...]:
    """A key's words: camelCase, case and separators ignored."""
    spaced = _CAMEL.sub(lambda m: f"{m[1] or m[3]} {m[2] or m[4]}", key)
    return tuple(w for w in _SEPARATORS.split(spaced.lower()) if w)


class Scrubber:
    """Which keys hold secrets, for one deny list, with a bounded cache of decisions
    (at most 4,096 keys of up to 128 characters: under 1 MB)."""

    __slots__ = ("_decisions", "_terms")

    def __init__(self, names: frozenset[str]) -> None:
        self._terms = tuple(sorted({w for w in map(words, names) if w}))
        self._decisions: dict[str, tuple[bool, bool]] = {}

    def __bool__(self) -> bool:
        return bool(self._terms)

    def decide(self, key: str) -> tuple[bool, bool]:
        """(is this a secret's key, does it also name a count)."""
        decision = self._decisions.get(key)
        if decision is None:
            found = words(key)
            secret = any(_contains(found, term) for term in self._terms)
            decision = (secret, secret and not _COUNT_WORDS.isdisjoint(found))
            if len(key) <= _CACHE_KEY_CHARS:
                if len(self._decisions) >= _CACHE_ITEMS:
                    self._decisions.clear()
                self._decisions[key] = decision
        return decision

    def hides(self, key: Any, value: Any) -> bool:
        """Whether ``value`` under ``key`` must not be recorded."""
        if not isinstance(key, str):
            return False
        secret, counting = self.decide(key)
        if not secret:
            return False
        return not (counting and type(value) in (int, float))


def _contains(found: tuple[str, ...], term: tuple[str, ...]) -> bool:
    size = len(term)
    if size == 1:
        return term[0] in found
    return any(found[i : i + size] == term for i in range(len(found) - size + 1))


_last: tuple[frozenset[str], Scrubber] = (DEFAULT_SCRUB_KEYS, Scrubber(DEFAULT_SCRUB_KEYS))


def scrubber_for(names: frozenset[str]) -> Scrubber:
    """The scrubber of a deny list (the configured one is made once)."""
    global _last
    known, scrubber = _last
    if names is known or names == known:
        return scrubber
    scrubber = Scrubber(names)
    _last = (names, scrubber)
    return scrubber


def scrub(value: Any, scrubber: Scrubber) -> Any:
    """A copy of a jsonable value with the values under secrets' keys replaced; strings
    holding a JSON object or array are scrubbed inside (and stay strings)."""
    if not scrubber:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if scrubber.hides(key, item):
                out[key] = FILTERED
            elif isinstance(item, (dict, list, str)):
                out[key] = scrub(item, scrubber)
            else:
                out[key] = item
        return out
    if isinstance(value, list):
        return [scrub(v, scrubber) if isinstance(v, (dict, list, str)) else v for v in value]
    if isinstance(value, str):
        return _scrub_json_text(value, scrubber)
    return value


def _scrub_json_text(text: str, scrubber: Scrubber) -> str:
    """A JSON object or array held in a string, scrubbed; the string itself when it holds
    none or nothing in it is a secret."""
    head = text[:1]
    if head.isspace():
        head = text.lstrip()[:1]
    if head not in ("{", "[") or not head:
        return text
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return text
    if not isinstance(parsed, (dict, list)):
        return text
    scrubbed = scrub(parsed, scrubber)
    return text if scrubbed == parsed else dumps(scrubbed)


def scrub_parts(parts: Any, scrubber: Scrubber) -> Any:
    """Scrub message parts: their structured values (tool call arguments and responses,
    blocks of other types) can hold secrets under keys; text and reasoning are left alone."""
    if not scrubber or not isinstance(parts, list):
        return parts
    out = []
    for part in parts:
        if isinstance(part, dict) and part.get("type") not in ("text", "reasoning"):
            part = scrub(part, scrubber)
        out.append(part)
    return out


def _plain_text(parts: Any) -> bool:
    if type(parts) is not list:
        return False
    for part in parts:  # a plain loop: this runs for every message of every span
        if type(part) is not dict or len(part) != 2 or part.get("type") != "text":
            return False
    return True


def scrub_messages(messages: Any, scrubber: Scrubber) -> Any:
    """Scrub the parts of each message; messages made only of text are kept as they are."""
    if not scrubber or not isinstance(messages, list):
        return messages
    return [
        m
        if not isinstance(m, dict) or _plain_text(m.get("parts"))
        else {**m, "parts": scrub_parts(m.get("parts"), scrubber)}
        for m in messages
    ]


def scrub_tool_definitions(definitions: Any, scrubber: Scrubber) -> Any:
    """Tool definitions keep their schemas; only a default value of a secret's parameter
    (``def f(api_key="sk-...")``) is replaced."""
    if not scrubber or not isinstance(definitions, list):
        return definitions
    return [_scrub_defaults(d, scrubber) for d in definitions]


def _scrub_defaults(schema: Any, scrubber: Scrubber) -> Any:
    if isinstance(schema, list):
        return [_scrub_defaults(item, scrubber) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, item in schema.items():
        if key == "properties" and isinstance(item, dict):
            out[key] = {
                name: _scrub_defaults(
                    _filtered_default(prop) if scrubber.hides(name, "") else prop, scrubber
                )
                for name, prop in item.items()
            }
        elif isinstance(item, (dict, list)):
            out[key] = _scrub_defaults(item, scrubber)
        else:
            out[key] = item
    return out


def _filtered_default(prop: Any) -> Any:
    if isinstance(prop, dict) and "default" in prop:
        return {**prop, "default": FILTERED}
    return prop


SCRUBBERS: dict[str, Callable[[Any, Scrubber], Any]] = {
    "input.messages": scrub_messages,
    "output.messages": scrub_messages,
    "system_instructions": scrub_parts,
    "tool.definitions": scrub_tool_definitions,
    "tool.arguments": scrub,
    "tool.result": scrub,
    "mcp.notification": scrub,
}
"""Content kinds (as the redaction hook sees them) and how each is scrubbed; embeddings
inputs hold no key/value data to scrub."""


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


__all__ = [
    "DEFAULT_SCRUB_KEYS",
    "FILTERED",
    "SCRUBBERS",
    "Dropped",
    "Scrubber",
    "redact",
    "scrub",
    "scrubber_for",
    "words",
]
