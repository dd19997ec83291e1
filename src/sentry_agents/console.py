"""Seeing agent runs in the terminal, from exactly what sentry-sdk sends.

- ``ConsoleTransport``: pass it to ``sentry_sdk.init(transport=...)`` to print
  each agent run as a tree instead of sending it (no Sentry account needed).
- ``python -m sentry_agents serve``: a local endpoint any app can point its DSN (or
  ``spotlight=``) at; it prints the runs as envelopes arrive.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import IO, Any, Optional, Union

from sentry_sdk.transport import Transport
from sentry_sdk.utils import logger

from ._envelopes import Capture, SpanRecord
from ._render import GenAiFilter, Pricer, Prices, render_tree, table_pricer

__all__ = ["ConsoleTransport", "MemoryTransport", "render_tree"]


class MemoryTransport(Transport):
    """A sentry-sdk transport that keeps what it is given, decoded into spans and events."""

    def __init__(self, options: Optional[dict[str, Any]] = None) -> None:
        super().__init__(options)
        self.capture = Capture()
        """What was sent so far: ``capture.spans`` (decoded) and ``capture.events``."""

    def capture_envelope(self, envelope: Any) -> None:
        """Keep what sentry-sdk sends, decoded, in ``capture``."""
        self.capture.add_envelope(envelope)

    def flush(self, timeout: float = 0, callback: Any = None) -> None:
        """Nothing to wait for: envelopes are kept as they are given."""
        return None

    def kill(self) -> None:
        """Nothing to stop: this transport has no worker."""
        return None


class ConsoleTransport(MemoryTransport):
    """Prints the spans of every envelope as an indented tree (colour only on a terminal);
    with ``gen_ai_only``, the gen_ai spans and the spans above them (a web request's
    transaction, say), as ``python -m sentry_agents serve`` does by default. Nothing is
    kept once printed (its ``capture`` stays empty). Given as a class
    (``sentry_sdk.init(dsn=..., transport=ConsoleTransport)``), sentry-sdk makes it with
    its options, and it prints to standard output."""

    def __init__(
        self,
        stream: Optional[IO[str]] = None,
        *,
        prices: Union[Prices, Pricer, None] = None,
        gen_ai_only: bool = False,
    ) -> None:
        options: Optional[dict[str, Any]] = None
        if isinstance(stream, Mapping):  # made by sentry-sdk from the class: its options
            options, stream = dict(stream), None
        super().__init__(options)
        self.stream = stream if stream is not None else sys.stdout
        """Where the trees are printed (standard output by default)."""
        self.prices = table_pricer(prices) if isinstance(prices, Mapping) else prices
        """The pricing function for cost estimates, if given (a table is checked, and
        made into one, here)."""
        self.gen_ai_only = gen_ai_only
        """Print only the gen_ai spans and the spans above them."""
        self._select = GenAiFilter()
        self._lock = threading.Lock()  # sentry-sdk calls a custom transport from any thread

    def capture_envelope(self, envelope: Any) -> None:
        """Print the spans the envelope brought, keeping none of them (an app left running
        with this transport does not grow with each run). A failure to print is logged,
        never raised (sentry-sdk calls this inside the app's ``sentry_sdk.flush()``)."""
        with self._lock:
            capture = Capture()
            capture.add_envelope(envelope)
            new = capture.spans
            if self.gen_ai_only:
                new = self._select(new)
            if new:
                try:
                    self.print_spans(new)
                except Exception as exc:  # a closed or broken stream: sentry-sdk's flush()
                    logger.warning("sentry_agents: ConsoleTransport could not print: %r", exc)

    def print_spans(self, spans: list[SpanRecord]) -> None:
        """Print spans as a tree (override to send them elsewhere)."""
        color = bool(getattr(self.stream, "isatty", lambda: False)())
        text = render_tree(spans, color=color, prices=self.prices)
        print(_encodable(text, self.stream), file=self.stream, flush=True)


def _encodable(text: str, stream: IO[str]) -> str:
    """``text`` with what the stream's encoding cannot write as backslash escapes (a
    terminal that is not UTF-8 would otherwise lose the whole tree to one character)."""
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):
        return text
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except (LookupError, UnicodeError):
        return text
