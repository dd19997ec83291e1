"""``serialize_messages``: the exact JSON the helpers send for message attributes."""

from __future__ import annotations

from typing import Any, Optional

from ._budget import fit, fit_pieces
from ._config import settings
from ._messages import plain_text_json, to_gen_ai_messages


def serialize_messages(messages: Any, *, max_bytes: Optional[int] = None) -> str:
    """Messages in any supported shape as a role/parts JSON string within ``max_bytes``
    UTF-8 bytes (``None``: the configured budget, 20,000 by default).

    Over budget, the newest messages that fit are kept (always the last, cut from its
    start if it is too big alone, with a visible marker). The result always parses.
    """
    budget = settings().max_message_bytes if max_bytes is None else max_bytes
    plain = plain_text_json(messages, split=False)
    fitted = fit_pieces(plain.pieces, budget) if plain is not None else None
    if fitted is None:
        fitted = fit(to_gen_ai_messages(messages), budget)
    return fitted.text
