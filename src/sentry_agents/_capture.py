"""Capturing what sentry-sdk really sends, in memory, as a tree of gen_ai spans: what
``sentry_agents.testing`` offers, with or without pytest."""

from __future__ import annotations

import inspect
import os
import sys
import threading
import time
from types import FrameType
from typing import Any, NamedTuple, Optional

import sentry_sdk
from sentry_sdk.utils import logger

from . import _keys as keys
from ._envelopes import Capture, SpanRecord
from ._jsonable import instance_of, shown
from ._render import printable, render_tree
from ._usage import Usage, usage_from_attributes
from .console import MemoryTransport


def _has_option(name: str) -> bool:
    try:
        return name in inspect.signature(sentry_sdk.consts.ClientConstructor.__init__).parameters
    except Exception:
        return False


_HAS_DATA_COLLECTION = _has_option("data_collection")
"""sentry-sdk's ``data_collection`` option, which replaces ``send_default_pii``."""

_SUBJECT_KEYS = {
    keys.OP_GUARDRAIL: keys.GUARDRAIL_NAME,
    keys.OP_EXECUTE_TOOL: keys.TOOL_NAME,
    keys.OP_MCP_SERVER: keys.TOOL_NAME,  # a tools/call request's tool
    keys.OP_INVOKE_AGENT: keys.AGENT_NAME,
    keys.OP_CREATE_AGENT: keys.AGENT_NAME,
}


class AgentSpans:
    """The gen_ai spans one test produced, as a tree, with readable assertions."""

    def __init__(self, capture: Capture, client: Any = None) -> None:
        self._capture = capture
        self._client = client
        """The sentry-sdk client sending to ``capture``, if known: a failure says when
        another one has replaced it (the code under test calling ``sentry_sdk.init``)."""

    @property
    def all(self) -> list[SpanRecord]:
        """Every span sent (gen_ai or not), in the order sentry-sdk sent them."""
        _flush()
        return list(self._capture.spans)

    @property
    def spans(self) -> list[SpanRecord]:
        """The gen_ai spans, guardrail checks and MCP spans, in start order."""
        found = [s for s in self.all if _is_ours(s.op)]
        return sorted(found, key=lambda s: s.start)

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The error events sent (exceptions captured inside the helpers, say)."""
        sentry_sdk.flush()
        return list(self._capture.events)

    def find(
        self,
        op: Optional[str] = None,
        name: Optional[str] = None,
        under: Optional[SpanRecord] = None,
    ) -> list[SpanRecord]:
        """Spans whose op is ``op`` (``gen_ai.`` may be left out) and whose name or agent
        name is ``name``, below ``under`` (at any depth) when given."""
        wanted_op = None
        if op is not None:
            wanted_op = op if op.startswith(keys.OP_PREFIX) or _is_ours(op) else keys.OP_PREFIX + op
        out = []
        for span in self.spans:
            if wanted_op is not None and span.op != wanted_op:
                continue
            if name is not None and name not in (span.name, _subject(span)):
                continue
            if under is not None and not self.is_below(span, under):
                continue
            out.append(span)
        return out

    def expect(
        self,
        op: Optional[str] = None,
        name: Optional[str] = None,
        under: Optional[SpanRecord] = None,
    ) -> SpanRecord:
        """The one span matching ``find(op, name, under)``; fails with the spans sent
        when there is none or more than one."""
        found = self.find(op, name, under)
        if len(found) == 1:
            return found[0]
        what = " ".join(x for x in (op, f"named {name}" if name else None) if x) or "a span"
        where = f" under {printable(under.name)}" if under is not None else ""
        problem = "none" if not found else f"{len(found)} of them"
        tree = self.render()
        sent = f"Spans sent:\n{tree}" if tree.strip() else "Spans sent: none."
        raise AssertionError(
            f"expected one {what} span{where}; found {problem}.{self._replaced()} {sent}"
        )

    def _replaced(self) -> str:
        """Why spans may be missing: another client took the capture's place."""
        current = sentry_sdk.get_global_scope().client
        if self._client is None or current is self._client:
            return ""
        return (
            " sentry_sdk.init was called again after the capture started (by the code"
            " under test?): what sentry-sdk sent since went to that client, not here."
        )

    def parent(self, span: SpanRecord) -> Optional[SpanRecord]:
        """The span's parent among every span sent, gen_ai or not (``None`` for a root)."""
        for candidate in self.all:
            if candidate.span_id == span.parent_span_id:
                return candidate
        return None

    def children(self, span: SpanRecord) -> list[SpanRecord]:
        """The gen_ai spans directly below ``span``."""
        return [s for s in self.spans if s.parent_span_id == span.span_id]

    def is_below(self, span: SpanRecord, ancestor: SpanRecord) -> bool:
        """Whether ``ancestor`` is above ``span`` at any depth."""
        parent = self.parent(span)
        while parent is not None:
            if parent.span_id == ancestor.span_id:
                return True
            parent = self.parent(parent)
        return False

    @staticmethod
    def messages(span: SpanRecord, key: str = keys.INPUT_MESSAGES) -> Any:
        """A message attribute parsed (input by default; pass ``gen_ai.output.messages``)."""
        return span.json_attribute(key)

    @staticmethod
    def tool_arguments(span: SpanRecord) -> Any:
        """A tool span's ``gen_ai.tool.call.arguments``, parsed."""
        return span.json_attribute(keys.TOOL_CALL_ARGUMENTS)

    @staticmethod
    def usage(span: SpanRecord) -> Usage:
        """The token usage the span carries."""
        return usage_from_attributes(span.attributes)

    def render(self, color: bool = False) -> str:
        """The spans as the terminal view prints them."""
        return render_tree(self.all, color=color)


def _is_ours(op: Optional[str]) -> bool:
    """A span an agent run is made of: a gen_ai span, a guardrail check, or an MCP span
    (an MCP server's requests and notifications), as the terminal view selects them."""
    return op is not None and (
        op.startswith((keys.OP_PREFIX, _MCP_PREFIX)) or op == keys.OP_GUARDRAIL
    )


_MCP_PREFIX = "mcp."


def batch_in_flight() -> bool:
    """Whether one of sentry-sdk's batcher threads has taken a batch of spans from its
    buffer and not yet handed it to the transport (a flush meanwhile finds nothing)."""
    me = threading.get_ident()
    for ident, top in sys._current_frames().items():
        frame: Optional[FrameType] = top if ident != me else None
        while frame is not None:
            code = frame.f_code
            if code.co_name == "_flush" and "batcher" in os.path.basename(code.co_filename):
                return True
            frame = frame.f_back
    return False


def _flush(bound: float = 60.0) -> None:
    """``sentry_sdk.flush()``, then wait (at most ``bound`` seconds) for a batch of spans
    that sentry-sdk's background thread was handing over while the flush ran."""
    sentry_sdk.flush()
    deadline = time.monotonic() + bound
    while batch_in_flight() and time.monotonic() < deadline:
        time.sleep(0.001)


def _subject(span: SpanRecord) -> Optional[str]:
    """What a span is about: its tool, its agent, or its model."""
    value = span.attributes.get(_SUBJECT_KEYS.get(span.op or "", keys.REQUEST_MODEL))
    return None if value is None else str(value)


CAPTURE_MODES = ("static", "stream")
"""The modes ``start_capture`` (and the ``agent_spans`` fixture) take."""


def start_capture(mode: str = "static", **options: Any) -> AgentSpans:
    """Initialise sentry-sdk with an in-memory transport and the content gate open, for
    tests outside the fixture. ``mode`` is ``"static"`` (transactions, the default) or
    ``"stream"`` (span streaming); any other raises ``ValueError``, so that a misspelt
    mode never runs a test in the other one. Extra ``options`` go to
    ``sentry_sdk.init`` (``integrations=[...]``, say), but ``transport``, which would
    replace the capture's own (``TypeError``).

    The gate is opened with sentry-sdk's ``data_collection={"gen_ai": {...}}`` where the
    installed sentry-sdk has it (``send_default_pii=True`` only where it does not), so
    nothing here triggers sentry-sdk's deprecation warning for ``send_default_pii``."""
    if not (instance_of(mode, str) and mode in CAPTURE_MODES):
        raise ValueError(
            f"start_capture: mode must be 'static' (transactions) or 'stream' (span "
            f"streaming), not {shown(mode)}"
        )
    if "transport" in options:  # it would replace the capture's: nothing recorded
        raise TypeError(
            "start_capture: spans are captured by its own in-memory transport; "
            "transport= cannot be given"
        )
    transport = MemoryTransport()
    options = {
        "transport": transport,
        "traces_sample_rate": 1.0,
        "default_integrations": False,
        "auto_enabling_integrations": False,
        **options,
    }
    if hasattr(sentry_sdk, "start_transaction") and mode == "stream":
        options.setdefault("trace_lifecycle", "stream")  # 3.x: the only mode
    if _HAS_DATA_COLLECTION:
        if "send_default_pii" not in options:
            options.setdefault("data_collection", {"gen_ai": {"inputs": True, "outputs": True}})
    else:
        options.setdefault("send_default_pii", True)
    previous = sentry_sdk.get_global_scope().client
    sentry_sdk.init(dsn="http://public@127.0.0.1:9/0", **options)
    had_transport = getattr(previous, "transport", None) is not None
    client = sentry_sdk.get_global_scope().client
    _started.append(_Started(client, previous, had_transport))
    return AgentSpans(transport.capture, client)


class _Started(NamedTuple):
    """One ``start_capture`` not yet stopped: the client it made, and the client sentry-sdk
    had before (the app's own, initialised in a conftest or at import), to give back."""

    client: Any
    previous: Any
    previous_had_transport: bool
    """A client without a transport is closed, unless it never had one (an app that
    initialised sentry-sdk without a DSN, for Spotlight say)."""


_started: list[_Started] = []


def stop_capture() -> None:
    """Flush, close the capture's client, and give sentry-sdk back the client it had before
    ``start_capture`` (the app's own, still open), else leave it not initialised.

    Without a capture to stop (called twice, say) it does nothing but log a warning, so
    that the app's own client is never closed by it."""
    if not _started:
        logger.warning("sentry_agents: stop_capture() without a capture started; nothing done")
        return
    _flush()
    started = _started.pop()
    current = sentry_sdk.get_global_scope().client
    started.client.close()
    if current is not started.client and current is not started.previous:
        current.close()  # one made since the capture started (a test's own init)
    previous = started.previous
    if not previous.is_active() or (started.previous_had_transport and previous.transport is None):
        previous = None  # never initialised, or closed since
    sentry_sdk.get_global_scope().set_client(previous)


__all__ = ["CAPTURE_MODES", "AgentSpans", "batch_in_flight", "start_capture", "stop_capture"]
