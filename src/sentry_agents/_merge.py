"""What a sentry-sdk integration's span of the same work adds to ours (a model call that
its AI integrations record, an MCP request that its MCP integration records).

Pure functions, no sentry-sdk import. Ours stays the one span: it takes only what it
lacks, under current keys (sentry-sdk's integrations still send some deprecated ones),
and content only in a direction our own gate records (so ``record_outputs=False`` on our
span is not undone by the integration).
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import Any, Optional

from . import _keys as keys
from ._budget import fit
from ._jsonable import loads_finite
from ._messages import to_gen_ai_messages

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


def additions(
    theirs: Mapping[str, Any],
    mine: Container[str],
    *,
    decided: tuple[str, ...] = (),
    inputs_ok: bool,
    outputs_ok: bool,
    budget: int,
) -> dict[str, Any]:
    """The attributes of ``theirs`` to add to a span that has the keys ``mine``, none
    whose key starts with one of ``decided`` (what ours has decided, even to leave out)."""
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
            value = _renamed(key, value, budget)
            if value is None:
                continue
        elif key == keys.MCP_REQUEST_ID:
            value = str(value)  # sentry-sdk sends the JSON-RPC id as it came; the key is a string
        out[current] = value
    return out


def _renamed(key: str, value: Any, budget: int) -> Optional[Any]:
    """A deprecated key's value under its current key: the provider as it is, legacy
    ``{role, content}`` input messages as role/parts; other content is left out (ours
    records the response itself)."""
    if key == keys.SYSTEM_DEPRECATED:
        return value
    if key == keys.REQUEST_MESSAGES_DEPRECATED and isinstance(value, str):
        try:  # an integer too long to convert is read as its size, as everywhere
            legacy = loads_finite(value)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            return None
        return fit(to_gen_ai_messages(legacy), budget).text if legacy else None
    return None


__all__ = ["additions"]
