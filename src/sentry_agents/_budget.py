"""Fitting JSON attribute values into a byte budget without ever breaking the JSON.

Pure functions, no sentry-sdk import. A conversation (a list whose last item is a
message, a dict with a ``role``) keeps its newest messages that fit, always the last
one. Anything else keeps its structure: lists their first items, dicts their first
keys, strings their beginning, each cut one marked: a string ends with
``"...[truncated]"``, a list with the item ``"...[truncated]"`` (a message's parts
with a text part saying so), a dict with the key ``"..."`` set to ``"[truncated]"``.

Sizes are measured once, bottom-up, and only as far as the budget reaches, so fitting
costs one ``json.dumps`` of the value plus work proportional to the budget.
``_bounded.fit_within`` relies on that: what the cutter reads of a value beyond the
budget is only its last item, its length and its marker-like keys, so a value cut short
past the budget fits to the same text (``tests/test_bounded.py`` checks the two agree).
"""

from __future__ import annotations

import json
from itertools import islice
from json.encoder import encode_basestring
from typing import Any, NamedTuple, Optional

from ._jsonable import dumps

TRUNCATION_MARKER = "...[truncated]"
MIN_BUDGET = 256

_LIST_MARK = encode_basestring(TRUNCATION_MARKER)
_PART_MARK = dumps({"type": "text", "content": TRUNCATION_MARKER})
_DICT_MARK_VALUE = encode_basestring("[truncated]")
_DICT_MARK_KEY = "..."
_SCALARS = {None: "null", True: "true", False: "false"}


class Fitted(NamedTuple):
    """A JSON string within budget, and how many top-level items the original had."""

    text: str
    original_count: int
    kept_count: int
    truncated: bool


def size(text: str) -> int:
    """UTF-8 bytes of ``text`` once cleaned (a lone surrogate counts as the 3 bytes of the
    U+FFFD that replaces it), never raising."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def cut_text(text: str, max_bytes: int) -> str:
    """``text`` within ``max_bytes`` UTF-8 bytes: as it is, or cut with a marker."""
    if size(text) <= max_bytes:
        return text
    cut = text.encode("utf-8", "surrogatepass")[: max(0, max_bytes - len(TRUNCATION_MARKER))]
    return cut.decode("utf-8", "ignore") + TRUNCATION_MARKER


def fit(value: Any, max_bytes: int) -> Fitted:
    """Serialize an already-jsonable value within ``max_bytes`` UTF-8 bytes.

    A value that fits is returned as ``dumps`` writes it. Over budget, a conversation
    keeps its newest messages that fit (the last one cut if it is too big alone), and
    anything else its first items, keys and characters that fit, with a marker where
    something was cut.
    """
    max_bytes = max(int(max_bytes), MIN_BUDGET)
    text = dumps(value)
    count = len(value) if isinstance(value, list) else 1
    if len(text) <= max_bytes and size(text) <= max_bytes:
        return Fitted(text, count, count, False)
    cutter = _Cutter()
    if _is_conversation(value):
        kept = cutter.newest_that_fit(value, max_bytes - 2)
        if kept:
            return Fitted(dumps(value[len(value) - kept :]), count, kept, True)
        message = value[-1]
        if next(iter(message)) != "role":  # its role first: it is small, and always kept
            message = {"role": message["role"], **message}
        last = cutter.cut_dict(message, max_bytes - 2, message=True)
        if last is not None:
            return Fitted(f"[{last}]", count, 1, True)
    elif isinstance(value, list):
        cut = cutter.cut_list(value, max_bytes)
        if cut is not None:
            return Fitted(cut[0], count, cut[1], True)
    else:
        shortened = cutter.cut(value, max_bytes)
        if shortened is not None:
            return Fitted(shortened, count, 1, True)
    return Fitted(_placeholder(value, max_bytes), count, 1 if isinstance(value, list) else 0, True)


def fit_pieces(pieces: list[str], dropped: int, max_bytes: int) -> Optional[Fitted]:
    """A JSON array of already-encoded items within budget, newest first kept, or
    ``None`` when even the newest item alone is too big (then only cutting text helps).
    ``dropped``: how many older items were left unwritten, known not to fit."""
    if max_bytes < MIN_BUDGET:
        max_bytes = MIN_BUDGET
    count = len(pieces) + dropped
    if not dropped:  # with some dropped, what was written is already over budget
        text = f"[{','.join(pieces)}]"
        if size(text) <= max_bytes:
            return Fitted(text, count, count, False)
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
    return Fitted("[" + ",".join(chosen) + "]", count, kept, kept < count)


def fit_strings(items: list[str], max_bytes: int) -> list[str]:
    """A string array (already clean text) within ``max_bytes`` UTF-8 bytes as JSON
    writes it, for an array attribute (stop sequences): the list itself when it fits;
    otherwise cut as ``fit`` cuts a list: its first strings that fit, the next one's
    beginning ending with ``"...[truncated]"``, and the item ``"...[truncated]"`` last
    when any string was left out (``["...[truncated]"]`` when not even a beginning fits).
    """
    max_bytes = max(int(max_bytes), MIN_BUDGET)
    # Each character writes at most 6 bytes (an escape); short lists are not measured.
    if 6 * sum(len(item) for item in items) + 3 * len(items) + 2 <= max_bytes:
        return items
    fitted = fit(items, max_bytes)
    if not fitted.truncated:
        return items
    cut: list[str] = json.loads(fitted.text)
    return cut


def strings_json(items: list[str], max_bytes: int) -> str:
    """The JSON array of ``items`` (already clean text) as ``fit_strings`` fits them."""
    if len(items) == 1 and len(items[0]) <= MIN_BUDGET // 6 - 1:  # a finish reason
        return f"[{encode_basestring(items[0])}]"
    return "[" + ",".join(map(encode_basestring, fit_strings(items, max_bytes))) + "]"


def _is_conversation(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and isinstance(value[-1], dict)
        and "role" in value[-1]
    )


class _Cutter:
    """Cuts one value; remembers the exact sizes of the containers it measured whole,
    so no part of the value is measured twice."""

    def __init__(self) -> None:
        self._sizes: dict[int, int] = {}

    def measure(self, node: Any, cap: int) -> int:
        """The serialized size of ``node`` in bytes when it is at most ``cap``; otherwise
        some number above ``cap``, found without looking further than ``cap`` bytes."""
        if isinstance(node, str):
            return len(node) + 2 if len(node) + 2 > cap else size(encode_basestring(node))
        if not isinstance(node, (dict, list, tuple)):
            return len(_scalar(node))
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        total = 1 if node else 2
        if isinstance(node, dict):
            for key, child in node.items():
                if total > cap:
                    return total
                total += _key_size(key, cap - total) + 1
                total += self.measure(child, cap - total) + 1
        else:
            for child in node:
                if total > cap:
                    return total
                total += self.measure(child, cap - total) + 1
        if total <= cap:
            self._sizes[id(node)] = total
        return total

    def newest_that_fit(self, items: list[Any], budget: int) -> int:
        """How many of the last items fit in ``budget`` bytes between the brackets."""
        kept = 0
        for item in reversed(items):
            cost = self.measure(item, budget - (1 if kept else 0)) + (1 if kept else 0)
            if cost > budget:
                break
            budget -= cost
            kept += 1
        return kept

    def cut(self, node: Any, room: int) -> Optional[str]:
        """``node``, which does not fit in ``room`` bytes, cut to fit; ``None`` when
        nothing of it but a marker would."""
        if room < 2:
            return None
        if isinstance(node, str):
            return _cut_string(node, room)
        if isinstance(node, dict):
            return self.cut_dict(node, room)
        if isinstance(node, (list, tuple)):
            cut = self.cut_list(node, room)
            return None if cut is None else cut[0]
        return None

    def cut_list(
        self, items: Any, room: int, marker: str = _LIST_MARK
    ) -> Optional[tuple[str, int]]:
        """The first items that fit, the next one cut, and ``marker`` as the last item when
        any was left out; with the number of items kept (whole or cut)."""
        inner = room - 2
        mark = len(marker)
        used = 0
        whole = 0
        cut: Optional[str] = None
        for index, item in enumerate(items):
            sep = 1 if whole else 0
            reserve = 0 if index == len(items) - 1 else 1 + mark
            avail = inner - used - sep - reserve
            cost = self.measure(item, avail)
            if cost > avail:
                cut = self.cut(item, avail)
                break
            used += sep + cost
            whole += 1
        kept = whole + (cut is not None)
        if not kept:
            return None
        pieces = [dumps(items[:whole])[1:-1]] if whole else []
        if cut is not None:
            pieces.append(cut)
        if kept < len(items):
            pieces.append(marker)
        return "[" + ",".join(pieces) + "]", kept

    def cut_dict(self, node: dict[Any, Any], room: int, message: bool = False) -> Optional[str]:
        """The first entries that fit, the next one's value cut (or replaced by the marker),
        and ``"...": "[truncated]"`` last when any entry was left out. A ``message``'s parts
        end with a text part saying ``"...[truncated]"``, so they stay a list of parts."""
        mark_key = _DICT_MARK_KEY
        while mark_key in node:
            mark_key += "."
        mark = size(encode_basestring(mark_key)) + 1 + len(_DICT_MARK_VALUE)
        inner = room - 2
        used = 0
        whole = 0
        cut: Optional[str] = None
        for index, (key, child) in enumerate(node.items()):
            sep = 1 if whole else 0
            reserve = 0 if index == len(node) - 1 else 1 + mark
            avail = inner - used - sep - reserve - 1
            key_size = _key_size(key, avail)
            avail -= key_size
            if avail < 1:
                break
            cost = self.measure(child, avail)
            if cost > avail:
                if message and key == "parts" and isinstance(child, list):
                    parts = self.cut_list(child, avail, _PART_MARK)
                    fallback = f"[{_PART_MARK}]"
                    value = parts[0] if parts else fallback if avail >= len(fallback) else None
                else:
                    value = self.cut(child, avail)
                if value is None and avail >= len(_LIST_MARK):
                    value = _LIST_MARK
                if value is not None:
                    cut = f"{_key_text(key)}:{value}"
                break
            used += sep + key_size + 1 + cost
            whole += 1
        kept = whole + (cut is not None)
        if not kept:
            return None
        pieces = [dumps(dict(islice(node.items(), whole)))[1:-1]] if whole else []
        if cut is not None:
            pieces.append(cut)
        if kept < len(node):
            pieces.append(f"{encode_basestring(mark_key)}:{_DICT_MARK_VALUE}")
        return "{" + ",".join(pieces) + "}"


def _cut_string(text: str, room: int) -> Optional[str]:
    """The longest beginning of ``text`` that fits in ``room`` bytes with the marker after
    it, never splitting a character or an escape; ``None`` when no character fits."""
    avail = room - 2 - len(TRUNCATION_MARKER)
    if avail <= 0:
        return None
    escaped = encode_basestring(text[:avail])[1:-1]
    if not escaped.isascii():
        escaped = escaped.encode("utf-8")[:avail].decode("utf-8", "ignore")
    escaped = _whole_escapes(escaped[:avail])
    return f'"{escaped}{TRUNCATION_MARKER}"' if escaped else None


def _whole_escapes(escaped: str) -> str:
    """``escaped`` (the inside of a JSON string, cut anywhere) without a cut escape at its end."""
    if "\\" not in escaped[-6:]:
        return escaped
    for drop in range(6):
        head = escaped[: len(escaped) - drop]
        try:
            json.loads(f'"{head}"')
        except ValueError:
            continue
        return head
    return ""


def _key_text(key: Any) -> str:
    return encode_basestring(key) if isinstance(key, str) else dumps({key: 0})[1:-3]


def _key_size(key: Any, cap: int) -> int:
    if isinstance(key, str) and len(key) + 2 > cap:
        return len(key) + 2
    return size(_key_text(key))


def _scalar(value: Any) -> str:
    if value is None or value is True or value is False:
        return _SCALARS[value]
    if type(value) is int:
        return int.__repr__(value)
    if type(value) is float:
        return float.__repr__(value)
    return dumps(value)


def _placeholder(value: Any, max_bytes: int) -> str:
    """Last resort: not even the beginning of the value fits."""
    if isinstance(value, list):
        last = value[-1] if value else {}
        role = last.get("role") if isinstance(last, dict) else None
        if isinstance(role, str) and len(role) < 32:
            return dumps(
                [{"role": role, "parts": [{"type": "text", "content": TRUNCATION_MARKER}]}]
            )
        return dumps([TRUNCATION_MARKER])
    return dumps(TRUNCATION_MARKER)


__all__ = [
    "MIN_BUDGET",
    "TRUNCATION_MARKER",
    "Fitted",
    "cut_text",
    "fit",
    "fit_pieces",
    "fit_strings",
    "size",
    "strings_json",
]
