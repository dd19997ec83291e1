"""Scripted replies and fake provider servers on 127.0.0.1 for the real OpenAI and
Anthropic clients: the examples' own (``examples/_offline.py``), reused by the tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))

from _offline import (
    FakeProvider,
    LocalServer,
    QuietHandler,
    anthropic_events,
    anthropic_message,
    chat_chunks,
    chat_completion,
    response_events,
    response_object,
)

__all__ = [
    "FakeProvider",
    "LocalServer",
    "QuietHandler",
    "anthropic_events",
    "anthropic_message",
    "chat_chunks",
    "chat_completion",
    "response_events",
    "response_object",
]
