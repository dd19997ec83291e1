"""What a sentry-sdk integration's span of the same work adds to ours (a model call that
its AI integrations record, an MCP request that its MCP integration records).

Pure functions, no sentry-sdk import. Ours stays the one span: it takes only what it
lacks, under current keys (sentry-sdk's integrations still send some deprecated ones),
and content only in a direction our own gate records (so ``record_outputs=False`` on our
span is not undone by the integration), scrubbed and without media as our own content
is, and none at all on a span with a redaction hook (which cannot be run where the
integration's span ends: a hook must see every piece of content ours sends).
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any, Optional

from . import _keys as keys
from ._bounded import fit_text
from ._budget import fit
from ._jsonable import jsonable, loads_finite, without_media
from ._messages import system_parts, to_gen_ai_messages
from ._privacy import (
    FILTERED,
    Scrubber,
    filter_uri,
    scrub,
    scrub_messages,
    scrub_parts,
    scrub_text,
    scrub_tool_definitions,
)

_TAKEN = (keys.OP_PREFIX, "mcp.", "network.")
_INPUTS = frozenset(
    {keys.INPUT_MESSAGES, keys.SYSTEM_INSTRUCTIONS, keys.TOOL_DEFINITIONS, keys.EMBEDDINGS_INPUT}
)
_INPUT_PREFIXES = (keys.mcp_argument(""),)
_OUTPUTS = frozenset(
    {
        keys.OUTPUT_MESSAGES,
        keys.TOOL_CALL_RESULT,
        keys.MCP_TOOL_RESULT_CONTENT,
        keys.MCP_PROMPT_RESULT_MESSAGE_CONTENT,
    }
)
_MESSAGE_KEYS = frozenset({keys.INPUT_MESSAGES, keys.OUTPUT_MESSAGES})
_JSON_KEYS = _MESSAGE_KEYS | {
    keys.SYSTEM_INSTRUCTIONS,
    keys.TOOL_DEFINITIONS,
    keys.EMBEDDINGS_INPUT,
}
"""Content keys whose text is JSON (the others hold a result's text, JSON or not)."""


def additions(
    theirs: Mapping[str, Any],
    mine: Container[str],
    *,
    decided: tuple[str, ...] = (),
    inputs_ok: bool,
    outputs_ok: bool,
    budget: int,
    scrubber: Scrubber,
    hooked: bool,
) -> dict[str, Any]:
    """The attributes of ``theirs`` to add to a span that has the keys ``mine``, none
    whose key starts with one of ``decided`` (what ours has decided, even to leave out).
    Content is scrubbed with ``scrubber`` and its media left out, as ours is; a span
    ``hooked`` to a redaction hook takes none."""
    out: dict[str, Any] = {}
    for key, value in theirs.items():
        if value is None or not key.startswith(_TAKEN):
            continue
        current = keys.DEPRECATED.get(key, key)
        if current in mine or current in out or (current != key and current in theirs):
            continue
        if decided and current.startswith(decided):
            continue
        if not inputs_ok and (current in _INPUTS or current.startswith(_INPUT_PREFIXES)):
            continue
        if not outputs_ok and current in _OUTPUTS:
            continue
        if current != key:
            value = _renamed(key, value, budget, scrubber, hooked)
            if value is None:
                continue
        elif key == keys.MCP_REQUEST_ID:
            value = str(value)  # sentry-sdk sends the JSON-RPC id as it came; the key is a string
        elif key == keys.MCP_RESOURCE_URI:
            value = filter_uri(value, scrubber)  # metadata, filtered as ours always is
        elif is_content(key):
            value = None if hooked else _scrubbed(key, value, budget, scrubber)
            if value is None:
                continue
        out[current] = value
    return out


def is_content(key: str) -> bool:
    """Whether ``key`` holds content (behind a gate, scrubbed) on an integration's span."""
    return key in _INPUTS or key in _OUTPUTS or key.startswith(_INPUT_PREFIXES)


def content_value(
    key: str,
    value: Any,
    *,
    inputs_ok: bool,
    outputs_ok: bool,
    budget: int,
    scrubber: Scrubber,
    hooked: bool,
) -> Optional[Any]:
    """Content an integration wrote under ``key`` (``is_content``) on a span that is ours
    (one we joined), as ours sends it: ``None`` to leave it out (its direction's gate
    closed, or a redaction hook the integration's content cannot be shown to), else
    scrubbed as ``additions`` scrubs it."""
    if hooked or value is None:
        return None
    if not (inputs_ok if key in _INPUTS or key.startswith(_INPUT_PREFIXES) else outputs_ok):
        return None
    return _scrubbed(key, value, budget, scrubber)


def _renamed(key: str, value: Any, budget: int, scrubber: Scrubber, hooked: bool) -> Optional[Any]:
    """A deprecated key's value under its current key: the provider as it is, legacy
    ``{role, content}`` input messages as role/parts (scrubbed; none for a span
    ``hooked`` to a redaction hook); other content is left out (ours records the
    response itself)."""
    if key == keys.SYSTEM_DEPRECATED:
        return value
    if key == keys.REQUEST_MESSAGES_DEPRECATED and isinstance(value, str) and not hooked:
        try:  # an integer too long to convert is read as its size, as everywhere
            legacy = loads_finite(value)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            return None
        if not legacy:
            return None
        return fit(scrub_messages(to_gen_ai_messages(legacy), scrubber), budget).text
    return None


def _scrubbed(key: str, value: Any, budget: int, scrubber: Scrubber) -> Optional[Any]:
    """The integration's content under a current key, as ours records the same content:
    converted to the shape Sentry reads (messages, system instructions), its media left
    out, scrubbed, and fitted to the budget. An MCP argument is judged by its name, as
    ours are. ``None`` (left out) should any of it fail: never sent unscrubbed."""
    try:
        return _scrubbed_or_raise(key, value, budget, scrubber)
    except Exception:  # nothing known to raise
        return None


def _scrubbed_or_raise(key: str, value: Any, budget: int, scrubber: Scrubber) -> Any:
    """``_scrubbed``, raising where it fails."""
    if key.startswith(_INPUT_PREFIXES):
        name = key[len(_INPUT_PREFIXES[0]) :]
        if scrubber.hides(name, value):
            return FILTERED
        return scrub(without_media(jsonable(value)), scrubber) if type(value) is str else value
    data = value
    if type(value) is str and key in _JSON_KEYS:
        try:
            data = loads_finite(value)
        except (ValueError, RecursionError):  # text, not JSON: taken as text
            data = value
    if key in _MESSAGE_KEYS:
        data = scrub_messages(to_gen_ai_messages(data), scrubber)
    elif key == keys.SYSTEM_INSTRUCTIONS:
        data = scrub_parts(system_parts(data), scrubber)
    elif key == keys.TOOL_DEFINITIONS:
        data = scrub_tool_definitions(without_media(jsonable(data)), scrubber)
    else:
        data = without_media(jsonable(data))
        if type(data) is str:  # a result's text: sent as text, as ours is (parsed once)
            read: list[Any] = []
            text = scrub_text(data, scrubber, read)
            return fit_text(text, budget, media_removed=True, read=read)
        data = scrub(data, scrubber)
    return fit(data, budget).text


__all__ = ["additions", "content_value", "is_content"]
