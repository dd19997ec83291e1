"""Fitting JSON attribute values into a byte budget without ever breaking the JSON.

Pure functions, no sentry-sdk import. Messages are dropped oldest first (the last
one is always kept), then the longest strings are cut with a visible marker.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from ._jsonable import dumps

TRUNCATION_MARKER = "...[truncated]"
MIN_BUDGET = 256
_MAX_TRIMS = 256


class Fitted(NamedTuple):
    """A JSON string within budget, and how many top-level items the original had."""

    text: str
    original_count: int
    kept_count: int
    truncated: bool


def size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def fit(value: Any, max_bytes: int) -> Fitted:
    """Serialize an already-jsonable value within ``max_bytes`` UTF-8 bytes.

    A list is treated as a conversation: the newest items that fit are kept.
    """
    max_bytes = max(int(max_bytes), MIN_BUDGET)
    text = dumps(value)
    count = len(value) if isinstance(value, list) else 1
    if size(text) <= max_bytes:
        return Fitted(text, count, count, False)
    if isinstance(value, list) and value:
        value = _newest_that_fit(value, max_bytes)
        text = dumps(value)
        if size(text) <= max_bytes:
            return Fitted(text, count, len(value), True)
    trimmed = _trim_strings(value, max_bytes)
    if trimmed is not None:
        kept = len(trimmed[0]) if isinstance(trimmed[0], list) else 1
        return Fitted(trimmed[1], count, kept, True)
    return Fitted(_placeholder(value, max_bytes), count, 1 if isinstance(value, list) else 0, True)


def fit_pieces(pieces: list[str], max_bytes: int) -> Optional[Fitted]:
    """A JSON array of already-encoded items within budget, newest first kept, or
    ``None`` when even the newest item alone is too big (then only cutting text helps)."""
    if max_bytes < MIN_BUDGET:
        max_bytes = MIN_BUDGET
    text = f"[{','.join(pieces)}]"
    if size(text) <= max_bytes:
        return Fitted(text, len(pieces), len(pieces), False)
    budget = max_bytes - 2
    kept = 0
    for piece in reversed(pieces):
        cost = size(piece) + (1 if kept else 0)
        if cost > budget:
            break
        budget -= cost
        kept += 1
    if pieces and not kept:
        return None
    chosen = pieces[len(pieces) - kept :]
    return Fitted("[" + ",".join(chosen) + "]", len(pieces), kept, kept < len(pieces))


def _newest_that_fit(items: list[Any], max_bytes: int) -> list[Any]:
    budget = max_bytes - 2
    kept: list[Any] = []
    for item in reversed(items):
        cost = size(dumps(item)) + (1 if kept else 0)
        if kept and cost > budget:
            break
        budget -= cost
        kept.append(item)
    kept.reverse()
    return kept


def _trim_strings(value: Any, max_bytes: int) -> Optional[tuple[Any, str]]:
    """Cut the longest strings until the value fits; ``None`` if structure alone is too big."""
    value = _copy(value)
    text = dumps(value)
    for _ in range(_MAX_TRIMS):
        excess = size(text) - max_bytes
        if excess <= 0:
            return value, text
        holder, key, current = _longest_string(value)
        if holder is None or len(current) <= len(TRUNCATION_MARKER):
            return None
        keep = max(0, len(current) - excess - len(TRUNCATION_MARKER))
        holder[key] = current[:keep] + TRUNCATION_MARKER
        text = dumps(value)
    return None


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _longest_string(value: Any) -> tuple[Any, Any, str]:
    best: tuple[Any, Any, str] = (None, None, "")
    stack = [value]
    while stack:
        node = stack.pop()
        entries = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in entries:
            if isinstance(child, str):
                if len(child) > len(best[2]):
                    best = (node, key, child)
            elif isinstance(child, (dict, list)):
                stack.append(child)
    return best


def _placeholder(value: Any, max_bytes: int) -> str:
    """Last resort: the structure itself is over budget."""
    if isinstance(value, list):
        last = value[-1] if value else {}
        role = last.get("role") if isinstance(last, dict) else None
        if isinstance(role, str) and len(role) < 32:
            return dumps(
                [{"role": role, "parts": [{"type": "text", "content": TRUNCATION_MARKER}]}]
            )
        return dumps([TRUNCATION_MARKER])
    return dumps(TRUNCATION_MARKER)


__all__ = ["MIN_BUDGET", "TRUNCATION_MARKER", "Fitted", "fit", "fit_pieces", "size"]
