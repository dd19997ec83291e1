"""Fitting a value far over its byte budget at a cost bounded by the budget.

Pure functions, no sentry-sdk import. ``fit_within(value, budget, scrubber)`` is
``fit(scrub(without_media(jsonable(value)), scrubber), budget)``, byte for byte (media
is never sent: see ``without_media``), without converting and scrubbing what the
budget can never show. A list, tuple or dict is converted item by item, each item's
size once scrubbed bounded from below as it goes; once what was converted is surely
over the budget, one more item is converted and the rest is left out. A long string
that scrubbing leaves alone is converted only as far as the budget reaches. What is
kept stands in for the whole wherever ``fit`` looks:

- whatever ``fit`` measures or cuts is over every room it is given, so the cutter
  stops inside what was kept, never reaching the item after it;
- a list or dict keeps at least one item past that point, so the cutter never takes
  what it stops at for the last item, and marks the cut;
- a dict keeps every key ``fit`` may pick its marker's name from (``"..."``,
  ``"...."``, ...), and is cut only when its keys are plain text (as ``jsonable``
  leaves them), so that no key left out would have replaced a kept one;
- a top-level list keeps its last item (whether it is a conversation), and a
  conversation keeps its newest messages instead of its first, and its last message
  whole at its own level (``fit`` moves its role first);
- the top-level list's item count is the original's.

A message's conversion (``_messages.within``) takes the same walk for what a part holds
(``Bounded.value``: a tool's result, a block's data) and its lower bounds for a long list
of parts: ``fit`` cuts a message with rooms no larger than its budget, so what holds for
the top-level value holds for a value inside a message too. ``json_within`` takes it
for a value written as JSON text, of which what is kept is a beginning: a
value cut short inside another ends at most a character before its lower bound, so the
text is the whole's but for the budget's last ``TEXT_SLACK`` characters.
"""

from __future__ import annotations

from typing import Any, Optional

from ._budget import MIN_BUDGET, Fitted, cut_text, fit, size
from ._jsonable import (
    BLOB_SUBSTITUTE,
    JSON_HEADS,
    MAX_DEPTH,
    MEDIA_DATA,
    MEDIA_HOLDERS,
    clean_text,
    convert_at,
    distinct_key,
    dumps,
    is_data_url,
    is_media_block,
    jsonable_key,
    loads_finite,
    may_hold_media,
    text_media_removed,
    text_without_media,
    without_media,
)
from ._privacy import FILTERED, Scrubber, may_hold_json, scrub

_FILTERED_SIZE = len(FILTERED) + 2
_SCALAR_SIZES = {None: 4, True: 4, False: 5}
_SMALL_INT = 1 << 62
_LARGE_FLOAT = 1e300
"""Numbers within these are written as they are (``jsonable`` keeps them), at least a
byte each."""
_UNSCRUBBED = Scrubber(frozenset())
_MEDIA_KEYS = MEDIA_DATA | MEDIA_HOLDERS | {"base64"}
"""The keys under which ``without_media`` may change what a dict holds."""


def fit_within(
    value: Any,
    max_bytes: int,
    scrubber: Optional[Scrubber] = None,
    *,
    media_removed: bool = False,
) -> Fitted:
    """``fit(scrub(without_media(jsonable(value)), scrubber), max_bytes)`` (unscrubbed
    with no scrubber), converting and scrubbing only what the budget can show (see the
    module's docstring). No redaction hook may see the value in between:
    what it is given would be cut short. ``media_removed``: see ``Bounded``."""
    if scrubber is None:
        scrubber = _UNSCRUBBED
    room = max(int(max_bytes), MIN_BUDGET)
    bounded = Bounded(scrubber, room, media_removed)
    if type(value) in (list, tuple) and value:
        data, original = bounded.top_list(value)
    else:
        data, _ = bounded.convert(value, 0, set())
        original = None
    fitted = fit(scrub(data, scrubber), room)
    return fitted if original is None else fitted._replace(original_count=original)


def json_within(value: Any, max_bytes: int, scrubber: Scrubber) -> str:
    """``dumps(scrub(without_media(jsonable(value)), scrubber))``, converting and
    scrubbing only what ``max_bytes`` can show. Where that text is longer
    than ``max_bytes`` characters, the text returned is longer too and the same for at
    least its first ``max_bytes - TEXT_SLACK``: cut as text to a budget smaller by that
    much (a message part's content is), both are cut alike."""
    room = max(int(max_bytes), MIN_BUDGET)
    return dumps(scrub(Bounded(scrubber, room).convert(value, 0, set())[0], scrubber))


def fit_text(
    text: str, budget: int, *, media_removed: bool = False, read: Optional[list[Any]] = None
) -> str:
    """Text within ``budget``; JSON text (a tool's result, often) over it is cut as the
    structure it holds, so that it still parses. ``media_removed``: ``text`` is what
    ``without_media`` gave (then scrubbed), so the strings the JSON holds are not searched
    for media again, unless a ``\\u`` escape may spell media's name in them (1 MB of
    code read as JSON text was searched twice: 2.8 ms each time). ``read``: the value
    ``text`` holds, when scrubbing it read it (``scrub_text``'s), not parsed again."""
    if size(text) <= budget:
        return text
    if read:
        parsed = read[0]
    elif text[:1] in ("{", "[") or text.lstrip()[:1] in ("{", "["):
        try:
            parsed = loads_finite(text)
        except (ValueError, RecursionError):
            parsed = None
    else:
        parsed = None
    if isinstance(parsed, (dict, list)):
        removed = media_removed and "\\u" not in text
        return fit_within(parsed, budget, media_removed=removed).text
    return cut_text(text, budget)


TEXT_SLACK = MAX_DEPTH + 2
"""Characters of the budget past which the text ``json_within`` writes of a value cut short
may differ from all of it: each value cut short inside another (strings, at most
``MAX_DEPTH`` levels of containers) ends a character before its lower bound."""


class Bounded:
    """One bounded conversion: each ``convert`` returns the converted value (cut short
    where surely over the room) and a lower bound of its size once scrubbed and written,
    which is over the room whenever anything in it was cut short. ``cuts`` counts the
    values cut short so far (what was converted whole may be kept for reuse).
    ``media_removed``: the strings converted are known to hold no media that
    ``without_media`` removes (JSON text it read before), and are not searched for it."""

    __slots__ = ("cuts", "media_removed", "room", "scrubber")

    def __init__(self, scrubber: Scrubber, room: int, media_removed: bool = False) -> None:
        self.scrubber = scrubber
        self.room = room
        self.cuts = 0
        self.media_removed = media_removed

    def value(self, value: Any) -> Any:
        """``without_media(jsonable(value))``, cut short where surely over the room once
        scrubbed: what ``fit`` then cuts, with rooms no larger, to the same text. A dict
        that holds a ``role`` is whole at its own level: a list of parts it ends (system
        instructions) is cut as a conversation."""
        return self.convert(value, 0, set(), message=True)[0]

    def convert(
        self, value: Any, depth: int, seen: set[int], *, message: bool = False, media: bool = False
    ) -> tuple[Any, int]:
        """``jsonable``'s conversion of ``value`` at ``depth`` below ancestors ``seen``,
        without media (``without_media``'s ``media``), bounded; a dict that holds a
        ``role`` whole at its own level with ``message``."""
        kind = type(value)
        if kind is str:
            return self.string(value)
        if kind is int and -_SMALL_INT < value < _SMALL_INT:
            return value, 1
        if kind is float and -_LARGE_FLOAT < value < _LARGE_FLOAT:
            return value, 1
        if value is None or kind is bool:
            return value, _SCALAR_SIZES[value]
        if kind is dict or kind is list or kind is tuple:
            if depth >= MAX_DEPTH:
                return "[...]", self.text_floor("[...]")
            marker = id(value)
            if marker in seen:
                return "[Circular]", self.text_floor("[Circular]")
            seen.add(marker)
            try:
                if kind is dict:
                    return self.mapping(value, depth, seen, message=message, media=media)
                return self.sequence(value, depth, seen)
            finally:
                seen.discard(marker)
        converted = without_media(convert_at(value, depth, seen), media)
        return converted, self.floor(converted, self.room)

    def string(self, text: str) -> tuple[str, int]:
        """A string, cut to ``room + 1`` characters (over any room in bytes) when it is
        longer and scrubbing leaves it, and so any beginning of it, as it is."""
        if text[:5] == "data:" and is_data_url(text if text.isascii() else clean_text(text[:600])):
            return BLOB_SUBSTITUTE, self.text_floor(BLOB_SUBSTITUTE)
        media = not self.media_removed
        if (
            media
            and (text[:1] in JSON_HEADS or "\n" in text or "\r" in text)
            and may_hold_media(text)
        ):
            # JSON text holding media: read whole, as ``without_media`` reads it
            cleaned = text if text.isascii() else clean_text(text)
            without = text_without_media(cleaned)
            if without is not cleaned:
                return without, self.text_floor(without)
        elif media and ";" in text and ";base64," in text:
            # a data URL inside prose: replaced before any cut
            cleaned = text if text.isascii() else clean_text(text)
            without = text_media_removed(cleaned)
            if without is not cleaned:
                return without, self.text_floor(without)
        keep = self.room + 1
        if len(text) <= keep or not self.left_alone(text):
            cleaned = text if text.isascii() else clean_text(text)
            return cleaned, self.text_floor(cleaned)
        self.cuts += 1
        if text.isascii():
            return text[:keep], keep + 2
        # Cleaning joins surrogate pairs (at most two characters make one) and may
        # change only the last character of a beginning: one more is cleaned than kept.
        return clean_text(text[: 2 * keep + 2])[:keep], keep + 2

    def left_alone(self, text: str) -> bool:
        """Whether ``scrub_text`` returns ``text`` and each of its beginnings unchanged."""
        scrubber = self.scrubber
        return not scrubber.active or (
            ("/" not in text or "://" not in text)
            and (not may_hold_json(text) or (text.isascii() and not scrubber.may_hide(text)))
        )

    def text_floor(self, text: str) -> int:
        """The size of a converted string once scrubbed, or 2 where scrubbing may
        rewrite it (JSON held in it, a URL)."""
        if self.scrubber.active and (
            text[:1] in JSON_HEADS
            or "\n" in text
            or "\r" in text
            or ("/" in text and "://" in text)
        ):
            return 2
        return len(text) + 2

    def sequence(self, items: Any, depth: int, seen: set[int]) -> tuple[list[Any], int]:
        """A list or tuple's items while they may fit, and one more."""
        room = self.room
        count = len(items)
        out: list[Any] = []
        total = 1 if items else 2
        entries = iter(items)
        for index, item in enumerate(entries):
            converted, floor = self.convert(item, depth + 1, seen)
            out.append(converted)
            total += floor + 1
            if total > room and index + 2 < count:
                for extra in entries:
                    out.append(self.convert(extra, depth + 1, seen)[0])
                    break
                self.cuts += 1
                break
        return out, total

    def mapping(
        self,
        node: dict[Any, Any],
        depth: int,
        seen: set[int],
        *,
        message: bool = False,
        media: bool = False,
    ) -> tuple[dict[str, Any], int]:
        """A dict's entries while they may fit, one more, and its marker-like keys; every
        entry when its keys are not plain text, or (``message``) it holds a ``role``."""
        room = self.room
        count = len(node)
        out: dict[str, Any] = {}
        total = 1 if node else 2
        suffixes: dict[str, int] = {}
        plain: Optional[bool] = None
        entries = iter(node.items())
        for index, (key, child) in enumerate(entries):
            name = distinct_key(jsonable_key(key), out, suffixes)
            if name in _MEDIA_KEYS:
                converted, floor = self.media_entry(node, name, child, depth, seen, media)
            else:
                converted, floor = self.convert(child, depth + 1, seen)
            out[name] = converted
            if floor > _FILTERED_SIZE and self.hides(name, converted):
                floor = _FILTERED_SIZE
            total += len(name) + 4 + floor
            if total > room and index + 2 < count:
                if plain is None:
                    plain = _plain_keys(node) and not (message and "role" in node)
                if not plain:
                    continue
                for extra_key, extra in entries:
                    out[extra_key] = self.convert(extra, depth + 1, seen)[0]
                    break
                mark = "..."
                while mark in node:
                    out.setdefault(mark, None)
                    mark += "."
                self.cuts += 1
                return out, total
        return out, total

    def media_entry(
        self, node: dict[Any, Any], name: str, child: Any, depth: int, seen: set[int], media: bool
    ) -> tuple[Any, int]:
        """``node``'s entry ``name``, one of the keys under which ``without_media`` may
        replace what is held (``media``: ``node`` is held where only media is)."""
        converted, floor = self.convert(child, depth + 1, seen, media=name in MEDIA_HOLDERS)
        if type(converted) is str and (
            name == "base64"
            or (
                name in MEDIA_DATA
                and " " not in (child if type(child) is str else converted)  # all of it
                and (media or is_media_block(node))
            )
        ):
            return BLOB_SUBSTITUTE, self.text_floor(BLOB_SUBSTITUTE)
        return converted, floor

    def top_list(self, items: Any) -> tuple[list[Any], Optional[int]]:
        """A top-level list or tuple as ``sequence`` keeps it, but with its last item too,
        and a conversation (its last item a message) with its newest messages; and the
        original count when items were left out."""
        room = self.room
        count = len(items)
        seen = {id(items)}
        last, last_floor = self.convert(items[-1], 1, seen, message=True)
        if type(last) is dict and "role" in last:
            newest = [last]
            total = 1 + last_floor + 1
            for index in range(count - 2, -1, -1):
                if total > room:
                    newest.reverse()
                    self.cuts += 1
                    return newest, count
                converted, floor = self.convert(items[index], 1, seen)
                newest.append(converted)
                total += floor + 1
            newest.reverse()
            return newest, None
        out: list[Any] = []
        total = 1
        body = count - 1
        for index in range(body):
            converted, floor = self.convert(items[index], 1, seen)
            out.append(converted)
            total += floor + 1
            if total > room and index + 2 < body:
                out += (self.convert(items[index + 1], 1, seen)[0], last)
                self.cuts += 1
                return out, count
        out.append(last)
        return out, None

    def hides(self, key: str, value: Any) -> bool:
        """Whether scrubbing replaces ``value`` under ``key`` (``Scrubber.hides``)."""
        return self.scrubber.active and self.scrubber.hides(key, value)

    def floor(self, node: Any, cap: int) -> int:
        """A lower bound of the size of an already converted value once scrubbed, found
        without looking further than ``cap`` bytes."""
        kind = type(node)
        if kind is str:
            return self.text_floor(node)
        if kind is dict:
            total = 1 if node else 2
            for key, child in node.items():
                if total > cap:
                    break
                floor = self.floor(child, cap)
                if floor > _FILTERED_SIZE and self.hides(key, child):
                    floor = _FILTERED_SIZE
                total += len(key) + 4 + floor
            return total
        if kind is list:
            total = 1 if node else 2
            for child in node:
                if total > cap:
                    break
                total += self.floor(child, cap) + 1
            return total
        return _SCALAR_SIZES.get(node, 1) if node is None or kind is bool else 1


def _plain_keys(node: dict[Any, Any]) -> bool:
    """Whether every key of ``node`` is plain text that ``jsonable`` keeps as it is: no
    key then turns into another's."""
    if set(map(type, node)) != {str}:
        return False
    joined = "".join(node)
    return joined.isascii() or clean_text(joined) is joined


__all__ = ["TEXT_SLACK", "Bounded", "fit_text", "fit_within", "json_within"]
