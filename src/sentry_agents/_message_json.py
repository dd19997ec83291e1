"""Messages written to role/parts JSON one message at a time, reusing the JSON of
messages seen before.

Pure functions, no sentry-sdk import. An agent sends its whole history again on every
model call, so most messages of a conversation were already written for an earlier
span: their JSON is looked up by what they hold instead of being converted again.
Plain ``{role, content}`` text messages are written straight to JSON; every other
message goes through ``to_gen_ai_messages`` and the scrubber, so the result is
exactly ``dumps`` of the scrubbed conversion, message by message.
"""

from __future__ import annotations

import sys
from json.encoder import encode_basestring as _string
from typing import Any, Callable, Hashable, NamedTuple, Optional

from ._bounded import Bounded
from ._budget import MIN_BUDGET, Fitted, fit, fit_pieces
from ._config import MESSAGE_BYTES_IN_EVENT, byte_budget, settings
from ._jsonable import (
    BLOB_SUBSTITUTE,
    JSON_HEADS,
    call_arguments,
    clean_text,
    dumps,
    is_data_url,
    json_may_hold_media,
    key_json,
    key_writer,
    may_hold_media,
    text_media_removed,
    text_without_media,
    without_media,
)
from ._messages import (
    ROLE_ALIASES,
    Part,
    convert_item,
    group_parts,
    is_bare_part,
    may_be_system,
    messages_made,
    newest_output_messages,
    output_messages,
    split_system,
    to_gen_ai_messages,
    within,
)
from ._models import class_name, model_fields
from ._privacy import (
    NOT_PLAIN,
    Scrubber,
    scrub,
    scrub_messages,
    scrub_plain,
    scrub_result_text,
    scrub_text,
    scrubbed_arguments_json,
    scrubber_for,
)


class Encoded(NamedTuple):
    """A conversation as JSON pieces: the system parts apart (when split), the JSON text
    of each other message, newest last, and how many older messages were not written
    because a budget could not keep them."""

    system: list[Part]
    pieces: list[str]
    dropped: int = 0

    @property
    def json(self) -> str:
        return "[" + ",".join(self.pieces) + "]"


def encode_messages(
    messages: Any,
    *,
    split: bool,
    scrubber: Scrubber,
    default_role: str = "user",
    max_bytes: Optional[int] = None,
) -> Optional[Encoded]:
    """Each message of a list as role/parts JSON, scrubbed; system messages' parts apart
    when ``split``. ``None`` when ``messages`` is not a list (take the general path).

    Written a block of messages at a time, newest block first, each block oldest first
    (reading a list forward costs less): with ``max_bytes``, once the blocks written fill
    it, the older messages are not written at all (``fit_pieces`` would drop them): only
    counted, and their system parts still taken. A list of up to 128 messages is one
    block; in a longer one, the first block is 32 messages and each after it is sized to
    what the budget has left. Once a block holds, before its newest message, a tool
    result, a tool call (or an Anthropic message) not seen before whose text or
    arguments are at least a 64th of the budget (costly to write, and few are kept),
    that block and all older messages are written newest first, and only as far as the
    budget needs (a message that fills it alone ends the writing at once). A long agent history
    costs about what its budget holds, and so does a message holding a large structure
    (converted ``within`` the budget). When the newest message's text is longer than
    ``max_bytes``, it alone is converted and cut (``_newest_alone``), not written whole
    first for nothing."""
    if type(messages) is not list:
        return None
    try:
        return _encoded(messages, split, scrubber, default_role, max_bytes)
    except _BarePart:
        pass
    try:
        grouped = group_parts(messages, default_role)
    except Exception:  # a hostile value: the general path contains it
        return None
    try:
        return _encoded(grouped, split, scrubber, default_role, max_bytes)
    except _BarePart:  # a part not one when grouped (a field that changes): the general path
        return None


def _encoded(
    messages: list[Any],
    split: bool,
    scrubber: Scrubber,
    default_role: str,
    max_bytes: Optional[int],
) -> Optional[Encoded]:
    """``encode_messages`` of a list: its newest message cut alone when over the budget,
    else every message written a block at a time. Raises ``_BarePart`` (see there)."""
    room = None if max_bytes is None else max(max_bytes, MIN_BUDGET)
    if room is not None and messages and _over(messages[-1], room):
        return _newest_alone(messages, split, scrubber, default_role, room)
    return _encode(messages, split, scrubber, default_role, max_bytes)


def _over(message: Any, max_bytes: int) -> bool:
    """Whether a message (a dict) holds, as its content, a Responses API item's output
    or its one Anthropic block's text or result, text of more than ``max_bytes``
    characters: over the budget once written, unless scrubbing takes most of it out (a
    data URL, a secret's value), which the general path handles as well, sending the
    same."""
    if type(message) is not dict:
        return False
    try:
        text = message.get("content")
        if text is None:
            text = message.get("output")
        elif type(text) is list and len(text) == 1 and type(text[0]) is dict:
            block = text[0]
            text = block.get("content") if "content" in block else block.get("text")
    except Exception:  # a key posing as one of these: the writers contain it
        return False
    return type(text) is str and len(text) > max_bytes


def _newest_alone(
    messages: list[Any], split: bool, scrubber: Scrubber, default_role: str, room: int
) -> Optional[Encoded]:
    """A conversation whose newest message is over the budget alone (a fetched page, a
    file read whole, at every model call after it): that message converted ``within``
    the budget and cut as ``fit`` cuts it, the older ones only counted (their system
    parts taken when ``split``), since none can fit beside it: what the general path
    sends, without converting them. ``None`` when there is nothing older, or the newest
    fits after all (scrubbing took most of it out): the general path writes it. Raises
    ``_BarePart`` when the newest is a bare Google part, or an older one is (a run of
    them, and the strings beside it, is one message: the general path groups them)."""
    if len(messages) < 2:
        return None
    if is_bare_part(messages[-1]):
        raise _BarePart
    converted = within(Bounded(scrubber, room), convert_item, messages[-1], default_role)
    if split:
        parts, converted = split_system(converted)
        if parts:
            return None
    fitted = fit(scrub_messages(converted, scrubber), room)
    if not (fitted.truncated and fitted.text[:1] == "[" and fitted.text[-1:] == "]"):
        return None
    encoded = _rest_dropped(
        [[fitted.text[1:-1]]], [[]], messages[-2::-1], split, scrubber, default_role, room
    )
    return encoded._replace(dropped=encoded.dropped + fitted.original_count - 1)


class _BarePart(Exception):
    """A Google part standing in a list of messages: the list is written again with each
    run of them grouped into one message (``group_parts``)."""


def _encode(
    messages: list[Any],
    split: bool,
    scrubber: Scrubber,
    default_role: str,
    max_bytes: Optional[int],
) -> Encoded:
    full = _MAX_WRITTEN if max_bytes is None else max(max_bytes, MIN_BUDGET)
    limit = None if max_bytes is None else full
    heavy = 0 if max_bytes is None else max(full // _HEAVY_PER_BUDGET, 1)
    if len(messages) <= _BLOCK or max_bytes is None:  # the commonest: one block
        pieces, system, left = _write_block(
            messages, split, scrubber, default_role, heavy, limit=limit
        )
        if left is None:
            parts: list[Part] = []
            for message in system:
                parts += message
            return Encoded(parts, pieces, 0)
        return _newest_first(
            messages, len(messages), [], [], split, scrubber, default_role, full, limit
        )
    # Each block's pieces and system parts in the conversation's order, newest block first.
    blocks: list[list[str]] = []
    systems: list[list[list[Part]]] = []
    # JSON characters of the pieces written, commas included: at least their UTF-8
    # bytes, so once past the budget no older message can be kept.
    written = count = 0
    end = len(messages)
    size = _FIRST_BLOCK
    while end:
        start = end - size if end > size else 0
        block = messages[start:end]
        pieces, system, left = _write_block(block, split, scrubber, default_role, heavy, limit=full)
        if left is not None:
            return _newest_first(
                messages, end, blocks, systems, split, scrubber, default_role, full - written, full
            )
        blocks.append(pieces)
        systems.append(system)
        written += sum(map(len, pieces)) + len(pieces)
        count += len(pieces)
        end = start
        if end:
            if written >= full:
                older = messages[end - 1 :: -1]
                return _rest_dropped(blocks, systems, older, split, scrubber, default_role, full)
            # As many messages as the rest of the budget holds at their mean size so far.
            size = _BLOCK
            if count:
                size = min(_BLOCK, max(_MIN_BLOCK, (full - written) * count // written + 1))
    return _in_order(blocks, systems, 0)


def _newest_first(
    messages: list[Any],
    end: int,
    blocks: list[list[str]],
    systems: list[list[list[Part]]],
    split: bool,
    scrubber: Scrubber,
    default_role: str,
    room: int,
    limit: Optional[int],
) -> Encoded:
    """All that was gathered, with the messages before ``end`` written newest first as far
    as ``room`` needs: taken once a block holds a heavy message before its newest (few such
    messages fit in the budget)."""
    pieces, system, left = _write_block(
        messages[end - 1 :: -1], split, scrubber, default_role, 0, room, limit
    )
    pieces.reverse()
    system.reverse()
    blocks.append(pieces)
    systems.append(system)
    if left:
        return _rest_dropped(blocks, systems, left, split, scrubber, default_role, limit)
    return _in_order(blocks, systems, 0)


def _write_block(
    block: list[Any],
    split: bool,
    scrubber: Scrubber,
    default_role: str,
    heavy: int,
    room: int = 0,
    limit: Optional[int] = None,
) -> tuple[list[str], list[list[Part]], Optional[list[Any]]]:
    """The JSON of each message of ``block`` in its order, its system messages' parts
    when ``split``, and the messages left unwritten: ``None`` when none. Stops at a
    message before the newest that the writers find ``_HEAVY`` (``heavy``: not 0), or,
    with ``room`` (not 0), once the JSON written fills it, at the next message that is
    not plain text (those cost most to write: plain text costs little more than
    counting it). With ``limit``, the budget, a message converted in full is converted
    ``within`` it."""
    system: list[list[Part]] = []
    pieces: list[str] = []
    append = pieces.append
    aliases, plain_roles, role_at, overhead = ROLE_ALIASES, _PLAIN_ROLES, _ROLE_AT, _PLAIN_OVERHEAD
    blocks: list[Any] = []  # the content of a message of blocks (see ``blocks_role``)
    encode = _string  # clean text as a JSON string, as ``dumps`` writes it
    reuse = _reuse
    max_entry, half = reuse.max_entry_bytes, reuse.half
    young, old = reuse.young, reuse.old
    direct = scrubber.structural_keys_kept
    newest = block[-1] if block else None
    # JSON characters of the pieces counted so far, commas included: counted every
    # _COUNT_EVERY pieces (see ``_count``).
    written, counted, recount = 0, 0, 1
    items = iter(block)
    for item in items:
        blocks_role = None
        if type(item) is dict:
            if len(item) == 2:
                # The most common message, plain {role, content} text: this loop is the hot
                # path of every chat span.
                try:
                    raw_role, raw_content = item.get("role"), item.get("content")
                    if type(raw_content) is list and len(raw_content) == 1:
                        raw_content = _lone_text(raw_role, raw_content[0], raw_content)
                except Exception:  # a key posing as one of these: the general path contains it
                    raw_role = raw_content = None
                if type(raw_content) is str and type(raw_role) is str:
                    # Kept under its text alone (no tuple to build, hash or track): the
                    # role's initial in its JSON tells for which role it was written.
                    kept = plain_roles.get(raw_role)
                    if kept is not None:
                        initial, role, head = kept
                        piece = young.get(raw_content)
                        if piece is None:
                            piece = old.get(raw_content)
                            if piece is not None and piece[role_at] == initial:
                                reuse.promote(raw_content, piece)
                                append(piece)
                                continue
                        elif piece[role_at] == initial:
                            append(piece)
                            continue
                        if not raw_content:
                            piece = _plain_piece(role, raw_content)
                            cost = len(piece) + overhead
                        elif raw_content.isascii():
                            text = raw_content
                            if ";" in text and ";base64," in text:  # a data URL (rare)
                                text = text_media_removed(text)
                            piece = f"{head}{encode(text)}{_PLAIN_END}"
                            cost = len(raw_content) + len(piece) + overhead
                        else:
                            text = clean_text(raw_content)
                            if ";" in text and ";base64," in text:
                                text = text_media_removed(text)
                            piece = f"{head}{encode(text)}{_PLAIN_END}"
                            cost = (len(raw_content) + len(piece)) * 4 + overhead
                        append(piece)
                        if cost <= max_entry:
                            if reuse.used + cost > half:
                                reuse.turn_over()
                                young, old = reuse.young, reuse.old
                            # (the generations may have been turned over since young was read)
                            reuse.young[raw_content] = piece
                            reuse.used += cost
                        continue
                    role = aliases.get(raw_role) or aliases.get(raw_role.lower(), default_role)
                    if role != "tool":
                        if split and role == "system":
                            content = text_media_removed(clean_text(raw_content))
                            if content:
                                system.append([{"type": "text", "content": content}])
                        else:
                            append(_plain_piece(role, raw_content))
                        continue
                elif type(raw_content) is list and type(raw_role) is str:
                    # Content blocks: what ``_direct`` would find, without its lookups.
                    blocks_role, blocks = plain_roles.get(raw_role), raw_content
            elif len(item) == 3 and direct:
                # A step of an OpenAI tool loop (a call or a result), the next commonest.
                if room and len(pieces) >= recount:
                    written, counted, recount = _count(pieces, written, counted)
                    if written >= room:
                        return pieces, system, [item, *items]
                room_left = room and _room_left(room, written, limit, pieces)
                try:
                    piece = _openai_step(item, scrubber, 0 if item is newest else heavy, room_left)
                except Exception:  # a hostile value: the general path contains it
                    piece = None
                if piece is not None:
                    if piece is _HEAVY:
                        return pieces, system, [item, *items]
                    append(piece)
                    if room and len(piece) >= room:
                        recount = 0  # filled by one message: counted before the next
                    continue
        if room and len(pieces) >= recount:
            written, counted, recount = _count(pieces, written, counted)
            if written >= room:
                return pieces, system, [item, *items]
        room_left = room and _room_left(room, written, limit, pieces)
        if direct:
            fields = item if type(item) is dict else model_fields(item)
            if fields is not None:
                least = 0 if item is newest else heavy
                try:
                    if blocks_role is None:
                        piece = None
                        if len(fields) == 3 and fields is not item and "role" in fields:
                            piece = _openai_step(fields, scrubber, least, room_left)
                        if piece is None:
                            piece = _direct(fields, scrubber, least, room_left)
                    else:
                        piece = _anthropic_message(
                            blocks_role[1], blocks, scrubber, least, room_left
                        )
                except Exception:  # a hostile value: the general path contains it
                    piece = None
                if piece is not None:
                    if piece is _HEAVY:
                        return pieces, system, [item, *items]
                    append(piece)
                    if room and len(piece) >= room:
                        recount = 0  # filled by one message: counted before the next
                    continue
        if type(item) is not str and is_bare_part(item):
            raise _BarePart  # a run of them is one message: the whole list is grouped
        key = None if _holds_many(item) else _key_of(item, default_role, split, scrubber)
        many = None if key is None else reuse.get(key)
        if many is None:
            sized = None
            if key is not None and len(key[0]) >= _SIZED:  # too big to keep (a file, whole)
                if heavy and item is not newest:
                    return pieces, system, [item, *items]
                sized = _sized_key((*key, limit))  # (a cut depends on the budget)
                if sized is not None and room and _known_over(sized, room_left):
                    return pieces, system, [item, *items]
            bounded = None if limit is None else Bounded(scrubber, limit)
            converted = within(bounded, convert_item, item, default_role)
            if split:
                parts, converted = split_system(converted)
                if parts:
                    system.append(parts)
                    key = None
            many = tuple(dumps(m) for m in scrub_messages(converted, scrubber))
            stored = False
            if key is not None and (bounded is None or not bounded.cuts):  # (cut: this budget's)
                stored = reuse.put(key, many)
            if not stored and sized is not None and key is not None and len(many) == 1:
                _note_size(sized, len(many[0]))
        pieces.extend(many)
        if room and sum(map(len, many)) >= room:
            recount = 0
    return pieces, system, None


def _room_left(room: int, written: int, limit: Optional[int], pieces: list[str]) -> int:
    """The room a message has left with newer ones written, when it is dropped unless its
    JSON fits there (as ``fit_pieces`` keeps the newest that fit); 0 for the newest of a
    whole budget, which is cut to fit instead."""
    return max(room - written, 1) if pieces or room != limit else 0


def _holds_many(item: Any) -> bool:
    """Whether ``item`` is a dict whose content is a list, tuple or dict of more items
    than a message kept for reuse can hold (each writes at least two characters), or a
    dict of a few keys holding one (``{"rows": [...]}``): its key, the JSON of all of it,
    would be written for nothing."""
    if type(item) is not dict:
        return False
    try:
        content = item.get("content")
    except Exception:  # a key posing as ``content``: the general path contains it
        return False
    if type(content) is dict and len(content) <= _FEW_KEYS:
        return any(map(_many, content.values()))
    return _many(content)


def _many(value: Any) -> bool:
    if type(value) is list or type(value) is tuple or type(value) is dict:
        return len(value) > _MANY_ITEMS
    return False


_FEW_KEYS = 8


_MAX_WRITTEN = sys.maxsize
_BLOCK = 128
_FIRST_BLOCK = 32  # of a longer list
_MIN_BLOCK = 8
_HEAVY_PER_BUDGET = 64
# The roles whose plain messages are kept for reuse (not system messages: they may be
# split out), each with the initial of the role its JSON is written for (at _ROLE_AT),
# the role, and the JSON that comes before its text.
_PLAIN_ROLES = {
    name: (role[0], role, f'{{"role":"{role}","parts":[{{"type":"text","content":')
    for name, role in ROLE_ALIASES.items()
    if role not in ("system", "tool")
}
_ROLE_AT = len('{"role":"')
_PLAIN_END = "}]}"


def _plain_piece(role: str, text: str) -> str:
    """A plain text message of ``role`` as JSON."""
    if not text:
        return f'{{"role":"{role}","parts":[]}}'
    return f'{{"role":"{role}","parts":[{{"type":"text","content":{_text_json(text)}}}]}}'


def _text_json(text: str) -> str:
    """A message's text (or reasoning) as a JSON string, as the general conversion
    writes it: clean, its base64 data URLs replaced (``text_media_removed``)."""
    text = clean_text(text)
    return _string(text_media_removed(text) if (";" in text and ";base64," in text) else text)


def text_answer_json(message: Any) -> Optional[str]:
    """A model's answer of text alone as the response readers write it (an assistant
    message of at most one text part, maybe finished for a reason) as JSON: what
    ``dumps`` writes of it, which scrubbing leaves as it is; ``None`` for any other
    message. Only plain text is compared (its keys once they are known to be those
    found): it never raises."""
    if type(message) is not dict:
        return None
    parts = message.get("parts")
    if type(parts) is not list or len(parts) > 1 or not 2 <= len(message) <= 3:
        return None
    role, reason = message.get("role"), message.get("finish_reason")
    if type(role) is not str or role != "assistant":
        return None
    if len(message) == 3 and type(reason) is not str:
        return None  # its third key is another's, or its reason not plain text
    if tuple(message)[:2] != _ANSWER_KEYS:  # in the order ``dumps`` would write them
        return None
    text = ""
    if parts:
        part = parts[0]
        if type(part) is not dict or len(part) != 2:
            return None
        kind, content = part.get("type"), part.get("content")
        if type(kind) is not str or kind != "text" or type(content) is not str or not content:
            return None
        if next(iter(part)) != "type":
            return None
        text = content
    piece = _plain_piece("assistant", text)
    if reason is None:
        return piece
    return f'{piece[:-1]},"finish_reason":{_string(clean_text(reason))}}}'


_ANSWER_KEYS = ("role", "parts")
_COUNT_EVERY = 16


def _count(pieces: list[str], written: int, counted: int) -> tuple[int, int, int]:
    """``written`` with the pieces after the first ``counted`` added; the new count, and
    the count at which to add again."""
    written += sum(map(len, pieces[counted:])) + len(pieces) - counted
    counted = len(pieces)
    return written, counted, counted + _COUNT_EVERY


def _in_order(blocks: list[list[str]], systems: list[list[list[Part]]], dropped: int) -> Encoded:
    """What was gathered a block at a time, newest block first, in the conversation's
    order."""
    pieces = blocks.pop() if blocks else []
    for block in reversed(blocks):
        pieces += block
    parts: list[Part] = []
    for system in reversed(systems):
        for message in system:
            parts += message
    return Encoded(parts, pieces, dropped)


def _rest_dropped(
    blocks: list[list[str]],
    systems: list[list[list[Part]]],
    rest: list[Any],
    split: bool,
    scrubber: Scrubber,
    default_role: str,
    limit: Optional[int],
) -> Encoded:
    """``rest``, the messages older than a full budget, newest first: counted as the
    general path counts them (``messages_made``: an item is one message, or none when a
    Responses API item of nothing in the conversation) and, when ``split``, their system
    parts taken (converted ``within`` ``limit``, the budget). Raises ``_BarePart`` at a
    bare Google part: a run of them, and the strings beside it, is one message, and may
    hold a string already written as a message of its own (the whole list is grouped)."""
    dropped = 0
    older: list[list[Part]] = []
    for item in rest:
        if split and not may_be_system(item, default_role):
            dropped += 1  # a dict whose role is given (so no bare part), not a system one
            continue
        if type(item) is dict:
            try:  # a dict whose role is text (most messages) is one message, told at once
                made = 1 if type(item.get("role")) is str else messages_made(item, default_role)
            except Exception:  # a key posing as the role: ``messages_made`` reads it safely
                made = messages_made(item, default_role)
        else:
            made = 1 if type(item) is str else messages_made(item, default_role)
        if made is None:
            raise _BarePart
        if split:
            bounded = None if limit is None else Bounded(scrubber, limit)
            parts, kept = split_system(within(bounded, convert_item, item, default_role))
            if parts:
                older.append(parts)
            dropped += len(kept)
        else:
            dropped += made
    older.reverse()
    systems.append(older)
    return _in_order(blocks, systems, dropped)


def _object_in_key(value: Any) -> dict[str, Any]:
    """An SDK object in a message's key: its fields under its class's name (a JSON
    object no data can spell), so that the key tells its class and fields apart."""
    fields = model_fields(value)
    name = class_name(type(value))
    if fields is None or not name:  # (the names may have been cleared in between)
        raise TypeError
    return {name: fields}


_key_json = key_writer(_object_in_key)


# --- the commonest dict messages, written directly ------------------------------------------
# Each writer gives exactly the text ``dumps(scrub_messages(convert_item(item)))`` would
# (the tests compare them), or ``None`` for a shape it does not take on. OpenAI tool
# calls and results are looked up first by the strings they hold.


def _direct(
    item: dict[str, Any], scrubber: Scrubber, heavy: int = 0, room_left: int = 0
) -> Optional[str]:
    """OpenAI tool calls and tool results, Anthropic content blocks, and the items of an
    OpenAI Responses API history, as JSON; ``_HEAVY`` for a tool result, a tool call's
    arguments (or an Anthropic message) not written before, of at least ``heavy``
    characters (when not 0), or too big to keep for reuse and found, before, bigger than
    ``room_left`` (see ``_sizes``)."""
    kind = item.get("type")
    if kind is not None and kind != "message":
        if item.get("role") is not None or type(kind) is not str:
            return None
        writer = _RESPONSES_ITEMS.get(kind)
        return None if writer is None else writer(item, scrubber, heavy, room_left)
    role = ROLE_ALIASES.get(item.get("role"))  # type: ignore[arg-type]
    if role is None or role == "system":
        return None
    if role == "tool" and item.keys() <= _RESULT_KEYS:  # the commonest: nothing else to read
        return _openai_tool_result(item, scrubber, heavy, room_left)
    if "parts" in item:
        return None
    content = item.get("content")
    if "tool_calls" in item and role != "tool":
        return _openai_tool_calls(role, item, content, scrubber, heavy, room_left)
    # Parts beside the content (an audio answer's too): only the tool-call writer above
    # writes them. (A message of two keys has no content beside them: the tool branch
    # below declines it, any other role has no writer for it.)
    if len(item) > 2 and (
        item.get("tool_calls") is not None
        or item.get("refusal") is not None
        or item.get("reasoning_content") is not None
        or item.get("reasoning") is not None
        or item.get("function_call") is not None
        or item.get("audio") is not None
    ):
        return None
    if role == "tool":
        # Reached only with a key beside a result's (rare). With two keys, that key is
        # all the message holds (a tool call, a refusal, a transcript...), which the
        # check above let by: the general path writes it.
        if len(item) == 2:
            return None
        return _openai_tool_result(item, scrubber, heavy, room_left)
    if type(content) is list:
        return _anthropic_message(role, content, scrubber, heavy, room_left)
    return None


# The keys of an OpenAI tool result, and of a message of tool calls, holding nothing else
# to write.
_RESULT_KEYS = frozenset({"role", "content", "tool_call_id", "name"})
_CALLS_KEYS = frozenset({"role", "content", "tool_calls"})


def _openai_step(
    item: dict[str, Any], scrubber: Scrubber, heavy: int, room_left: int = 0
) -> Optional[str]:
    """The two messages an OpenAI tool loop adds at each step, in their commonest form: a
    tool result (``role``, ``tool_call_id``, ``content``) and an assistant message of one
    function call (``role``, ``content``, ``tool_calls``). Written as ``_direct`` writes
    them, the call with its lookups and calls inlined, the result by ``_result_piece`` (a
    new history writes them all); ``None`` for any other message. ``room_left``: the room the
    message has left (see ``_room_left``); a message too big to keep for reuse, found
    bigger than that before (``_sizes``), is ``_HEAVY``."""
    role = item.get("role")
    if type(role) is not str:
        return None
    if role == "tool":
        ident, content = item.get("tool_call_id"), item.get("content")
        if type(ident) is not str or not ident or type(content) is not str:
            return None
        return _result_piece(ident, content, scrubber, heavy, room_left)
    if role != "assistant":
        return None
    reuse = _reuse
    calls, content = item.get("tool_calls"), item.get("content")
    if type(calls) is not list or len(calls) != 1:
        return None
    if content is None:
        if "content" not in item:
            return None
    elif type(content) is not str:
        return None
    call = calls[0]
    if type(call) is not dict:
        return None
    function = call.get("function")
    if type(function) is not dict:
        return None
    ident, name = call.get("id") or "", function.get("name") or ""
    arguments = function.get("arguments")
    if type(ident) is not str or type(name) is not str or type(arguments) is not str:
        return None
    key = (_CALLS, "assistant", content, None, None, scrubber.key, ident, name, arguments)
    found = reuse.young.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    found = reuse.old.get(key)
    if found is not None:
        reuse.promote(key, found)
        return found  # type: ignore[no-any-return]
    if heavy and len(arguments) >= heavy:
        return _HEAVY
    sized = _sized_key(key) if len(arguments) >= _SIZED else None
    if sized is not None and _known_over(sized, room_left):
        return _HEAVY
    arguments_written = scrubbed_arguments_json(arguments, scrubber)
    if (
        arguments_written is not None
        and ident.isascii()
        and name.isascii()
        and ident[:1] not in JSON_HEADS
        and name[:1] not in JSON_HEADS
        and "\n" not in ident
        and "\r" not in ident
        and "\n" not in name
        and "\r" not in name
        and ("/" not in ident or "://" not in ident)
        and ("/" not in name or "://" not in name)
    ):
        part = (
            f'{{"type":"tool_call","id":{_string(ident)},"name":{_string(name)},'
            f'"arguments":{arguments_written}}}'
        )
    else:
        part = _tool_call(ident, name, arguments, scrubber)
    if content:
        text = _text_json(content)
        piece = f'{{"role":"assistant","parts":[{{"type":"text","content":{text}}},{part}]}}'
    else:
        piece = f'{{"role":"assistant","parts":[{part}]}}'
    joined = "".join((piece, content or "", ident, name, arguments))
    cost = len(joined) * (1 if joined.isascii() else 4) + _CALL_OVERHEAD
    if cost <= reuse.max_entry_bytes:
        if reuse.used + cost > reuse.half:
            reuse.turn_over()
        reuse.young[key] = piece
        reuse.used += cost
    elif sized is not None:
        _note_size(sized, len(piece))
    return piece


_sizes: dict[tuple[Any, ...], int] = {}
"""The JSON length of messages written before that were too big to keep for reuse (a
file written or read whole, as a tool call's arguments or a tool result), under their
key for reuse with each big string as its length and hash (``_sized_key``): an older one
whose JSON cannot fit what a budget has left is dropped without being written again at
every model call. At most ``_MAX_SIZES`` entries, each key's other strings at most
``_SIZED_KEY`` characters and its big ones at most ``_MAX_BIG``: under 0.5 MB."""
_SIZED = 128 * 1024
"""Characters from which a string may make its message too big to keep for reuse, and
the message's length is looked up."""
_SIZED_KEY = 256
_MAX_BIG = 8
_MAX_SIZES = 256


def _sized_key(key: tuple[Any, ...]) -> Optional[tuple[Any, ...]]:
    """A message's key for reuse with each string of at least ``_SIZED`` characters as its
    length and hash (not the string: that would keep a file alive), when it holds one and
    its other strings are at most ``_SIZED_KEY`` characters in all, and it holds at most
    ``_MAX_BIG`` big ones; else ``None``. (A collision would need equal lengths and
    64-bit hashes under the same other strings.)"""
    sized: list[Any] = []
    small = big = 0
    for member in key:
        if type(member) is str:
            if len(member) >= _SIZED:
                sized.append((len(member), hash(member)))
                big += 1
                continue
            small += len(member)
        sized.append(member)
    return tuple(sized) if 0 < big <= _MAX_BIG and small <= _SIZED_KEY else None


def _known_over(sized: tuple[Any, ...], room_left: int) -> bool:
    """Whether a message under ``sized`` (see ``_sizes``) was written before too big for
    ``room_left`` (not 0), and so would be dropped once written."""
    known = _sizes.get(sized) if room_left else None
    return known is not None and known + 2 > room_left


def _note_size(key: tuple[Any, ...], length: int) -> None:
    """Keep the JSON length of a message too big to keep for reuse (see ``_sizes``)."""
    if len(_sizes) >= _MAX_SIZES:
        _sizes.clear()
    _sizes[key] = length


def _keep(key: tuple[Any, ...], piece: str, cost: int, sized: Optional[tuple[Any, ...]]) -> None:
    """Keep a message's JSON for reuse, or, too big for that, its length under ``sized``
    (when it has a big string)."""
    if not _reuse.put(key, piece, cost) and sized is not None:
        _note_size(sized, len(piece))


_RESULT_OVERHEAD = 3 * 80 + 240  # see ``_text_cost``: three strings and the entry
_CALL_OVERHEAD = 7 * 80 + 240  # seven strings


def _openai_tool_result(
    item: dict[str, Any], scrubber: Scrubber, heavy: int, room_left: int
) -> Optional[str]:
    content = item.get("content")
    call_id = item.get("tool_call_id")
    if call_id is None and not content and (content is None or type(content) is str):
        return '{"role":"tool","parts":[]}'
    return _tool_result(call_id or item.get("name") or "", content, scrubber, heavy, room_left)


def _responses_tool_output(
    item: dict[str, Any], scrubber: Scrubber, heavy: int, room_left: int
) -> Optional[str]:
    return _tool_result(item.get("call_id") or "", item.get("output"), scrubber, heavy, room_left)


def _tool_result(
    ident: Any, content: Any, scrubber: Scrubber, heavy: int, room_left: int
) -> Optional[str]:
    """A tool message of one result (``content`` ``None`` or text)."""
    if type(ident) is not str or (content is not None and type(content) is not str):
        return None
    return _result_piece(ident, content or "", scrubber, heavy, room_left)


def _result_piece(
    ident: str, content: str, scrubber: Scrubber, heavy: int, room_left: int = 0
) -> str:
    """A tool message of one result, looked up first by the strings it holds, else written
    with ``_tool_response``'s checks inlined (a new agent loop's history holds one at every
    step: an OpenAI tool message, an Anthropic ``tool_result``, a Responses output).
    ``room_left`` as ``_openai_step`` takes it."""
    reuse = _reuse
    key = (_RESULT, ident, content, scrubber.key)
    found = reuse.young.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    found = reuse.old.get(key)
    if found is not None:
        reuse.promote(key, found)
        return found  # type: ignore[no-any-return]
    if heavy and len(content) >= heavy:
        return _HEAVY
    sized = _sized_key(key) if len(content) >= _SIZED else None
    if sized is not None and _known_over(sized, room_left):
        return _HEAVY
    if (
        ident.isascii()
        and ident[:1] not in JSON_HEADS
        and "\n" not in ident
        and "\r" not in ident
        and ("/" not in ident or "://" not in ident)
    ):
        written = _string(ident)
    else:
        written = _field(ident, scrubber)
    if not content:
        response = _EMPTY
    elif content.isascii():
        if content[:1] in JSON_HEADS or "\n" in content or "\r" in content:
            if may_hold_media(content):
                response = _response_field(content, scrubber)
            else:
                response = _string(scrub_result_text(content, scrubber))
        elif content[:5] == "data:" and is_data_url(content):
            response = _BLOB
        elif (";" in content and ";base64," in content) or ("/" in content and "://" in content):
            # a data URL, or a URL (rare); each tested by a character first (memchr)
            response = _response_field(content, scrubber)
        else:
            response = _string(content)
    else:
        response = _response_field(content, scrubber)
    piece = (
        f'{{"role":"tool","parts":[{{"type":"tool_call_response","id":{written},'
        f'"response":{response}}}]}}'
    )
    ascii = piece.isascii() and ident.isascii() and content.isascii()
    cost = (len(piece) + len(ident) + len(content)) * (1 if ascii else 4) + _RESULT_OVERHEAD
    if cost <= reuse.max_entry_bytes:
        if reuse.used + cost > reuse.half:
            reuse.turn_over()
        reuse.young[key] = piece
        reuse.used += cost
    elif sized is not None:
        _note_size(sized, len(piece))
    return piece


def _responses_tool_call(
    item: dict[str, Any], scrubber: Scrubber, heavy: int, room_left: int
) -> Optional[str]:
    """A Responses API tool call (``function_call``, ``custom_tool_call``, and the call an
    ``mcp_approval_request`` asks to allow), looked up first by its id, name and
    arguments."""
    ident, name = item.get("call_id") or item.get("id") or "", item.get("name") or ""
    arguments = item.get("arguments")
    if arguments is None:
        arguments = item.get("input")
    if type(ident) is not str or type(name) is not str or type(arguments) is not str:
        return None
    key = (_RESPONSES_CALL, ident, name, arguments, scrubber.key)
    found = _reuse.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    if heavy and len(arguments) >= heavy:
        return _HEAVY
    sized = _sized_key(key) if len(arguments) >= _SIZED else None
    if sized is not None and _known_over(sized, room_left):
        return _HEAVY
    piece = _message("assistant", [_tool_call(ident, name, arguments, scrubber)])
    _keep(key, piece, _strings_cost((piece, ident, name, arguments)), sized)
    return piece


def _responses_reasoning(
    item: dict[str, Any], scrubber: Scrubber, heavy: int, room_left: int
) -> Optional[str]:
    """A Responses API reasoning item: its summary and content texts, one per line. (Not
    a LangChain reasoning block, its text under ``reasoning``: the general path reads it.)"""
    if "reasoning" in item:
        return None
    texts: list[str] = []
    for name in ("summary", "content"):
        entries = item.get(name)
        if entries is None:
            continue
        if type(entries) is not list and type(entries) is not tuple:
            return None
        for entry in entries:
            if type(entry) is not dict:
                entry = model_fields(entry)
                if entry is None:
                    return None
            text = entry.get("text")
            if text is not None and type(text) is not str:
                return None
            if text:
                texts.append(text)
    text = "\n".join(texts)
    if not text and item.get("encrypted_content"):
        text = "[encrypted]"
    key = (_REASONING, text)
    found = _reuse.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    part = f'{{"type":"reasoning","content":{_text_json(text)}}}'
    piece = _message("assistant", [part])
    _reuse.put(key, piece, _strings_cost((piece, text)))
    return piece


def _openai_tool_calls(
    role: str, item: dict[str, Any], content: Any, scrubber: Scrubber, heavy: int, room_left: int
) -> Optional[str]:
    calls = item["tool_calls"]
    if calls is None:
        calls = ()
    if item.keys() <= _CALLS_KEYS:
        reasoning = refusal = None
    else:
        reasoning, refusal = item.get("reasoning_content"), item.get("refusal")
        if (
            (reasoning is not None and type(reasoning) is not str)
            or (refusal is not None and type(refusal) is not str)
            or item.get("reasoning") is not None
            or item.get("function_call") is not None
            or item.get("audio") is not None
        ):
            return None
    if (type(calls) is not list and type(calls) is not tuple) or (
        content is not None and type(content) is not str
    ):
        return None
    # The key: what the message's JSON depends on, then each call's id, name, arguments.
    held: list[Any] = [_CALLS, role, content, reasoning, refusal, scrubber.key]
    length = 0  # of the calls' arguments
    for call in calls:
        if type(call) is not dict:
            call = model_fields(call)
            if call is None:
                return None
        function = call.get("function")
        if function is not None:
            source = function
        else:  # a custom tool's call (its input is its arguments), or a generic one
            source = call.get("custom")
            if source is None:
                source = call
        if type(source) is not dict:
            source = model_fields(source)
            if source is None:
                return None
        ident, name, arguments = (
            call.get("id") or "",
            source.get("name") or "",
            source.get("arguments"),
        )
        if arguments is None:
            # A custom tool's call (or a generic one) holds its input where a function's
            # holds its arguments: read as the general path reads it.
            arguments = source.get("args", source.get("input"))
        if type(ident) is not str or type(name) is not str or type(arguments) is not str:
            return None
        held += (ident, name, arguments)
        length += len(arguments)
    key = tuple(held)
    found = _reuse.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    if heavy and length >= heavy:
        return _HEAVY
    sized = _sized_key(key) if length >= _SIZED else None
    if sized is not None and _known_over(sized, room_left):
        return _HEAVY
    parts: list[str] = []
    if reasoning:
        parts.append(f'{{"type":"reasoning","content":{_text_json(reasoning)}}}')
    if content:
        parts.append(f'{{"type":"text","content":{_text_json(content)}}}')
    if refusal:
        parts.append(f'{{"type":"text","content":{_text_json(refusal)}}}')
    for index in range(6, len(held), 3):
        parts.append(_tool_call(held[index], held[index + 1], held[index + 2], scrubber))
    piece = _message(role, parts)
    strings = (piece, content or "", reasoning or "", refusal or "", *held[6:])
    _keep(key, piece, _strings_cost(strings), sized)
    return piece


def _lone_text(role: Any, block: Any, blocks: list[Any]) -> Any:
    """The text of a message whose content is one text block (not empty, of a role kept
    for reuse), which is written as the same text given as a string is; else ``blocks``."""
    if type(block) is dict and type(role) is str and role in _PLAIN_ROLES:
        kind, text = block.get("type"), block.get("text")
        if type(text) is str and text and type(kind) is str and kind in _TEXT_KINDS:
            return text
    return blocks


_TEXT_KINDS = frozenset({"text", "output_text", "input_text"})


def _anthropic_message(
    role: str, blocks: list[Any], scrubber: Scrubber, heavy: int, room_left: int
) -> Optional[str]:
    """An Anthropic message, looked up first by what its blocks hold (an agent loop sends
    its text, tool calls and tool results again at every step), else written from it. A
    user message of one tool result is written as an OpenAI tool message is."""
    if len(blocks) == 1 and role == "user" and type(blocks[0]) is dict:
        block = blocks[0]
        if block.get("type") == "tool_result":
            ident, content = block.get("tool_use_id") or "", block.get("content")
            return _tool_result(ident, content, scrubber, heavy, room_left)
    read = _read_blocks(role, blocks, scrubber)
    if read is None:
        return None
    held, inputs, keyed = read
    if not keyed:  # a tool input that is not JSON has no key: written every time
        return _blocks_json(role, held, inputs, scrubber)
    key = tuple(held)
    found = _reuse.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    strings = "".join(key[3:])  # everything after the key's head is a string
    if heavy and len(strings) >= heavy:
        return _HEAVY
    sized = _sized_key(key) if len(strings) >= _SIZED else None
    if sized is not None and _known_over(sized, room_left):
        return _HEAVY
    piece = _blocks_json(role, held, inputs, scrubber)
    ascii = piece.isascii() and strings.isascii()
    _keep(key, piece, _text_cost(len(strings) + len(piece), ascii, len(key)), sized)
    return piece


def _read_blocks(
    role: str, blocks: list[Any], scrubber: Scrubber
) -> Optional[tuple[list[Any], list[Any], bool]]:
    """What an Anthropic message's JSON is written from: a flat key (a marker of each
    block's kind, then its strings; a block's other fields, such as ``cache_control``, do
    not change its JSON), each tool call's input as given (the key holds its JSON), and
    whether every input is JSON, so that the key tells the message apart. ``None`` for a
    block this does not write."""
    held: list[Any] = [_BLOCKS, role, scrubber.key]
    inputs: list[Any] = []
    keyed = True
    for block in blocks:
        if type(block) is str:
            held += (_TEXT_BLOCK, block)
            continue
        if type(block) is not dict:
            block = model_fields(block)
            if block is None:
                return None
        kind = block.get("type")
        if kind == "text" or kind == "output_text" or kind == "input_text":
            text = block.get("text")
            if text is None:
                text = block.get("content", "")
            if type(text) is not str:
                return None
            held += (_TEXT_BLOCK, text)
        elif kind == "refusal":
            text = block.get("refusal") or ""
            if type(text) is not str:
                return None
            held += (_TEXT_BLOCK, text)
        elif kind == "tool_use" or kind == "server_tool_use":
            ident, name = block.get("id") or "", block.get("name") or ""
            if type(ident) is not str or type(name) is not str:
                return None
            arguments = block.get("input")
            arguments_json = key_json(arguments)
            if arguments_json is None:
                arguments_json, keyed = "", False
            held += (_CALL_BLOCK, ident, name, arguments_json)
            inputs.append(arguments)
        elif kind == "tool_result":
            ident, content = block.get("tool_use_id") or "", block.get("content")
            if type(ident) is not str or (content is not None and type(content) is not str):
                return None
            held += (_RESULT_BLOCK, ident, content or "")
        elif kind == "thinking":
            thinking = block.get("thinking") or ""
            if type(thinking) is not str:
                return None
            held += (_THINKING_BLOCK, thinking)
        elif kind == "redacted_thinking":
            held.append(_REDACTED_BLOCK)
        else:
            return None
    return held, inputs, keyed


def _blocks_json(role: str, held: list[Any], inputs: list[Any], scrubber: Scrubber) -> str:
    """The JSON of an Anthropic message from what ``_read_blocks`` read of it."""
    parts: list[str] = []
    results = 0
    calls = iter(inputs)
    index, end = 3, len(held)
    while index < end:
        kind = held[index]
        if kind is _TEXT_BLOCK:
            text = held[index + 1]
            # the commonest, written without calls
            if text.isascii() and (";" not in text or ";base64," not in text):
                parts.append(f'{{"type":"text","content":{_string(text)}}}')
            else:
                parts.append(f'{{"type":"text","content":{_text_json(text)}}}')
            index += 2
        elif kind is _CALL_BLOCK:
            ident, name, arguments_json = held[index + 1 : index + 4]
            parts.append(_tool_call(ident, name, next(calls), scrubber, arguments_json))
            index += 4
        elif kind is _RESULT_BLOCK:
            parts.append(_tool_response(held[index + 1], held[index + 2], scrubber))
            results += 1
            index += 3
        elif kind is _THINKING_BLOCK:
            parts.append(f'{{"type":"reasoning","content":{_text_json(held[index + 1])}}}')
            index += 2
        else:
            parts.append('{"type":"reasoning","content":"[redacted]"}')
            index += 1
    if role == "user" and parts and results == len(parts):
        role = "tool"
    return _message(role, parts)


def answer_json(blocks: list[Any], reason: Optional[str], scrubber: Scrubber) -> Optional[str]:
    """The output messages of an Anthropic answer (its content blocks, its stop reason) as
    JSON, written from the blocks as a history's Anthropic message is: what ``dumps``
    writes of the scrubbed conversion; ``None`` for a block that is not written so (the
    general path converts those) or a deny list that names a key of the parts."""
    if not scrubber.structural_keys_kept:
        return None
    read = _read_blocks("assistant", blocks, scrubber)
    if read is None:
        return None
    piece = _blocks_json("assistant", read[0], read[1], scrubber)
    if reason:
        piece = f'{piece[:-1]},"finish_reason":{_string(clean_text(reason))}}}'
    return f"[{piece}]"


def _tool_call(
    ident: str, name: str, arguments: Any, scrubber: Scrubber, arguments_json: str = ""
) -> str:
    """A tool call part; ``arguments_json``: the ``key_json`` of ``arguments`` when known,
    which is what ``dumps`` writes of plain JSON. Media in the arguments is left out
    first, as the general conversion leaves it out (``call_arguments``)."""
    scrubbed = scrub_plain(arguments, scrubber) if type(arguments) is dict else NOT_PLAIN
    if scrubbed is not NOT_PLAIN:
        if arguments_json and not json_may_hold_media(arguments_json):
            written = arguments_json if scrubbed is arguments else dumps(scrubbed)
        else:
            cleaned = without_media(arguments)
            written = dumps(scrubbed if cleaned is arguments else scrub(cleaned, scrubber))
    else:
        found = scrubbed_arguments_json(arguments, scrubber) if type(arguments) is str else None
        written = dumps(scrub(call_arguments(arguments), scrubber)) if found is None else found
    return (
        f'{{"type":"tool_call","id":{_field(ident, scrubber)},'
        f'"name":{_field(name, scrubber)},"arguments":{written}}}'
    )


def _tool_response(ident: str, content: Optional[str], scrubber: Scrubber) -> str:
    """A tool result part: the call's id and the result text, scrubbed inside."""
    response = _response_field(content, scrubber) if content else _EMPTY
    return f'{{"type":"tool_call_response","id":{_field(ident, scrubber)},"response":{response}}}'


def _response_field(text: str, scrubber: Scrubber) -> str:
    """A tool's result text as a JSON string: ``_field``, its media first left out as
    the general conversion leaves it out (``text_without_media``)."""
    return _field(text_without_media(text if text.isascii() else clean_text(text)), scrubber)


def _message(role: str, parts: list[str]) -> str:
    return f'{{"role":"{role}","parts":[{",".join(parts)}]}}'


def _field(text: str, scrubber: Scrubber) -> str:
    """An id, a name or a tool's response as a JSON string: clean, and scrubbed inside
    when it holds JSON that may hide a secret, or a URL (``scrub_text``)."""
    if not text.isascii():
        return _string(scrub_text(clean_text(text), scrubber))
    if (
        text[:1] not in JSON_HEADS
        and "\n" not in text
        and "\r" not in text
        and ("/" not in text or "://" not in text)
    ):
        return _string(text)
    return _string(scrub_result_text(text, scrubber))


_EMPTY = '""'
_BLOB = _string(BLOB_SUBSTITUTE)
_RESULT = object()
_CALLS = object()
_BLOCKS = object()
_RESPONSES_CALL = object()
_REASONING = object()
_SYSTEM = object()
_HEAVY = "heavy"
"""What a writer gives for a message it was asked not to write (``heavy``)."""
_RESPONSES_ITEMS: dict[str, Callable[[dict[str, Any], Scrubber, int, int], Optional[str]]] = {
    "function_call": _responses_tool_call,
    "custom_tool_call": _responses_tool_call,
    "function_call_output": _responses_tool_output,
    "custom_tool_call_output": _responses_tool_output,
    "reasoning": _responses_reasoning,
    "mcp_approval_request": _responses_tool_call,
}
# Block markers in a key of Anthropic blocks: strings, so that everything after the
# key's head is a string (a block's kind fixes how many follow its marker).
_TEXT_BLOCK, _CALL_BLOCK, _RESULT_BLOCK, _THINKING_BLOCK, _REDACTED_BLOCK = "tcrkx"


def serialize_messages(messages: Any, *, max_bytes: Optional[int] = None) -> str:
    """Messages in any supported shape as a role/parts JSON string within ``max_bytes``
    UTF-8 bytes (``None``: the budget set with ``configure(max_message_bytes=...)``, else
    20,000, the default for a span sent inside a transaction event), scrubbed of
    secrets as the helpers scrub them. A redaction hook is not called: it sees what a
    span records, and this records nothing.

    Over budget, the newest messages that fit are kept (always the last; if it is too
    big alone, its beginning is kept, with a visible marker). The result always parses.

    ``max_bytes`` is an int, or what ``int()`` makes a finite number of (raises
    ``TypeError`` or ``ValueError`` naming it otherwise: NaN or an infinity would leave
    the messages unbudgeted); below 256 it is 256.
    """
    current = settings()
    budget = current.max_message_bytes if max_bytes is None else byte_budget(max_bytes, "max_bytes")
    if budget is None:
        budget = MESSAGE_BYTES_IN_EVENT
    scrubber = scrubber_for(current.scrub_keys)
    encoded = encode_messages(messages, split=False, scrubber=scrubber, max_bytes=budget)
    fitted = fit_pieces(encoded.pieces, encoded.dropped, budget) if encoded is not None else None
    if fitted is None:
        bounded = Bounded(scrubber, max(budget, MIN_BUDGET))
        converted = within(bounded, to_gen_ai_messages, messages)
        fitted = fit(scrub_messages(converted, scrubber), budget)
    return fitted.text


def reused(key: Hashable) -> Any:
    """What ``keep`` kept under ``key`` (``None`` when nothing, or no longer): content a
    span sends again and again, the same each time (an agent's tools)."""
    return _reuse.get(key)


def keep(key: Hashable, value: Any) -> None:
    """Keep ``value`` (content ready to send) for reuse under ``key``, which must tell
    apart everything it depends on, within the cache's bound (``_cost``)."""
    _reuse.put(key, value)


def system_key(parts: list[Any], max_bytes: int) -> Optional[tuple[Any, ...]]:
    """The key to reuse system instructions by (``keep``), when they are text parts
    alone, which scrubbing leaves as they are: an agent's system prompt, often many KB,
    is sent again at every model call (30 KB: about 60 µs to write each time). ``None``
    for parts of any other shape (converted every time), and for text parts whose keys
    come in another order (a role/parts message's parts are sent as given: the order
    decides what a budget keeps), or whose type is a string posing as ``"text"`` (the
    key holds the texts alone)."""
    texts: list[str] = []
    for part in parts:
        if type(part) is not dict or len(part) != 2:
            return None
        first = next(iter(part))
        if type(first) is not str or first != "type":
            return None
        kind = part["type"]
        if type(kind) is not str or kind != "text":
            return None
        content = part.get("content")
        if type(content) is not str:
            return None
        texts.append(content)
    return (_SYSTEM, max_bytes, *texts)


def output_within(output: Any, max_bytes: int, scrubber: Scrubber) -> Fitted:
    """``fit(scrub_messages(output_messages(output), scrubber), max_bytes)`` byte for
    byte, converting only what the budget can show (``within``): of what the output's
    parts hold, and of a long list of items (each a message), the newest messages, the
    older only counted. No redaction hook may see the output in between."""
    room = max(max_bytes, MIN_BUDGET)
    if _of_text(output):
        messages = output_messages(output)
        return fit(scrub_messages(messages, scrubber), room)
    messages, count = newest_output_messages(output, Bounded(scrubber, room))
    fitted = fit(scrub_messages(messages, scrubber), room)
    return fitted if count == fitted.original_count else fitted._replace(original_count=count)


def _of_text(output: Any) -> bool:
    """Whether ``output`` is text, a message of text or a block of text, reasoning or a
    tool call, or a few of those, told in O(1): the commonest outputs, which hold nothing
    kept as data (a tool's result, a block of a type not known), so nothing is converted
    ``within`` a budget and none is set up."""
    if type(output) is list or type(output) is tuple:
        return len(output) <= _FEW and all(map(_no_data, output))
    return _no_data(output)


def _no_data(item: Any) -> bool:
    """``_of_text`` of one item."""
    if type(item) is str:
        return True
    if type(item) is not dict or len(item) > _FEW:
        return False
    try:
        kind = item.get("type")
        if kind is not None:
            return kind in _NO_DATA_BLOCKS
        return type(item.get("content")) is str and "parts" not in item
    except Exception:  # a key posing as one of these, an unhashable type
        return False


_FEW = 4
_NO_DATA_BLOCKS = frozenset(
    {"text", "output_text", "refusal", "thinking", "redacted_thinking"}
    | {"tool_use", "server_tool_use", "function_call", "tool_call"}
)


# --- reuse ---------------------------------------------------------------------------------


class _Reuse:
    """The JSON of recently written messages by what they hold, in two generations: new
    entries go to the young one; when the next would take it past half the bound, it
    becomes the old one and the old one is dropped; an entry found in the old one moves
    back to the young one.

    Bounded by the memory of the strings it keeps (keys and JSON: ``sys.getsizeof``, or
    the upper bound of one byte per character of ASCII text and four of any other, plus
    a fixed overhead per string and per entry), whatever the text (ASCII, CJK, emoji).
    The running total is kept without a lock (it is updated on the hot path of every
    span): two threads racing on it can only let one generation pass its half by a few
    entries before it turns over."""

    __slots__ = ("half", "max_bytes", "max_entry_bytes", "old", "used", "young")

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.half = max_bytes // 2
        self.max_entry_bytes = max_entry_bytes
        self.used = 0
        self.young: dict[Hashable, Any] = {}
        self.old: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        found = self.young.get(key)
        if found is None:
            found = self.old.get(key)
            if found is not None:
                self.promote(key, found)
        return found

    def put(self, key: Hashable, value: Any, cost: Optional[int] = None) -> bool:
        """Keep ``value`` under ``key``, unless too big to (``False``); ``cost``: the
        memory they hold, when the caller knows it (see ``_text_cost``)."""
        if cost is None:
            cost = _cost(key, value)
        if cost > self.max_entry_bytes:
            return False
        if self.used + cost > self.half:
            self.turn_over()
        self.young[key] = value
        self.used += cost
        return True

    def promote(self, key: Hashable, value: Any) -> None:
        """Move an entry found in the old generation back to the young one."""
        self.put(key, value)

    def turn_over(self) -> None:
        self.old, self.young, self.used = self.young, {}, 0

    def clear(self) -> None:
        self.young, self.old, self.used = {}, {}, 0

    def __len__(self) -> int:
        return len(self.young) + len(self.old)


REUSE_MAX_BYTES = 4 * 1024 * 1024
"""At most 4 MiB of strings (message keys and their JSON) are kept for reuse."""
REUSE_MAX_ENTRY_BYTES = 512 * 1024
"""A message whose key and JSON take more than 512 KiB is written every time: one the
budget of a span sent on its own (200,000 bytes) holds whole is kept (an agent loop's
fetched pages and files, written again at every model call), at most four such in a
generation."""
_MANY_ITEMS = REUSE_MAX_ENTRY_BYTES // 2
_ENTRY_OVERHEAD = 240  # the entry's tuples and dict slot
_PLAIN_OVERHEAD = _ENTRY_OVERHEAD + 2 * 80  # and the two strings' object headers
_size = sys.getsizeof


def _text_cost(chars: int, ascii: bool, strings: int) -> int:
    """An upper bound of the memory held by ``strings`` strings of ``chars`` characters in
    all, ASCII (one byte each) or not (up to four), and their entry."""
    return chars * (1 if ascii else 4) + strings * 80 + _ENTRY_OVERHEAD


def _strings_cost(strings: tuple[str, ...]) -> int:
    """``_text_cost`` of these strings: an entry's key strings and its JSON (joined once:
    one length and one ASCII test, in C)."""
    joined = "".join(strings)
    return _text_cost(len(joined), joined.isascii(), len(strings))


def _cost(key: Any, value: Any) -> int:
    """The memory an entry holds: its key's strings and its JSON (see ``_Reuse``)."""
    if type(key) is str:  # a plain message, kept under its text
        return (len(key) + len(value)) * (1 if key.isascii() else 4) + _PLAIN_OVERHEAD
    # Every member of the key counted (its None and marker objects too: a few bytes over).
    held = _ENTRY_OVERHEAD + _size(value) + sum(map(_size, key))
    return held if type(value) is str else held + sum(map(_size, value))


_reuse = _Reuse(REUSE_MAX_BYTES, REUSE_MAX_ENTRY_BYTES)


def _key_of(
    item: Any, default_role: str, split: bool, scrubber: Scrubber
) -> Optional[tuple[Any, ...]]:
    """What a message holds, as a hashable key: the JSON of a dict, or of an SDK object
    read by its fields (``None`` when it holds anything else), with what else its
    written JSON depends on (whether system messages are split out: written as a
    message, or not at all)."""
    if type(item) is not dict and model_fields(item) is None:
        return None
    text = _key_json(item)
    return None if text is None else (text, default_role, split, scrubber.key)


__all__ = [
    "REUSE_MAX_BYTES",
    "REUSE_MAX_ENTRY_BYTES",
    "Encoded",
    "encode_messages",
    "keep",
    "output_within",
    "reused",
    "serialize_messages",
    "system_key",
    "text_answer_json",
]
