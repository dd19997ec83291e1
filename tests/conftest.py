"""Test fixtures: a Sentry ingest server on 127.0.0.1 and sentry-sdk pointed at it.

sentry-sdk runs for real, with its real HTTP transport; the server decodes the
envelopes it receives into spans (see ``sentry_agents._envelopes``).
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm must not reach the network
import threading
import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest
import sentry_sdk
from hypothesis import HealthCheck, settings
from sentry_sdk.transport import HttpTransport

import sentry_agents._config
from fakes import FakeProvider, LocalServer, QuietHandler
from sentry_agents._capture import batch_in_flight
from sentry_agents._envelopes import Capture, SpanRecord, decode_body

try:
    from sentry_sdk.tracing_utils import has_span_streaming_enabled  # noqa: F401

    HAS_STREAMING = True
except ImportError:
    HAS_STREAMING = False
HAS_TRANSACTIONS = hasattr(sentry_sdk, "start_transaction")
HAS_DATA_COLLECTION = importlib.util.find_spec("sentry_sdk.data_collection") is not None
# The tracing modes the installed sentry-sdk has: 2.x before span streaming has only
# transactions, 3.x only streaming.
_WANTED = os.environ.get("SENTRY_AGENTS_TEST_MODES", "static,stream").split(",")
MODES = tuple(
    mode
    for mode, available in (
        ("static", HAS_TRANSACTIONS),
        ("stream", HAS_STREAMING or not HAS_TRANSACTIONS),
    )
    if available and mode in _WANTED
)

# sentry-sdk writes its debug lines to the stderr it found when it was imported. A line
# its worker thread logs between two phases of a test, while pytest's capture is
# paused, reached the terminal; tests read those lines through ``sdk_log`` instead.
for _handler in list(sentry_sdk.utils.logger.handlers):
    if type(_handler) is logging.StreamHandler:
        sentry_sdk.utils.logger.removeHandler(_handler)

# Property tests race no clock either: no per-example deadline, no "too slow" check
# (a busy machine makes both fail where nothing is wrong).
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")

# How long a test waits for sentry-sdk to deliver what it was given. Delivery ends as
# soon as everything has arrived; only a real bug (a lost envelope, a send that never
# returns) waits this long.
DELIVERY_BOUND = 60.0


class CountingTransport(HttpTransport):
    """sentry-sdk's real HTTP transport, counting the envelopes it was handed and the ones
    it is done with (sent, refused by the network, or dropped because its queue was
    full), so a test can wait until everything was delivered instead of trusting a
    flush timeout."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self.counts_lock = threading.Lock()
        self.handed = 0
        self.done = 0
        self.lost: list[str] = []

    def capture_envelope(self, envelope: Any) -> None:
        with self.counts_lock:
            self.handed += 1
        super().capture_envelope(envelope)

    def _send_envelope(self, envelope: Any) -> None:
        try:
            super()._send_envelope(envelope)
        finally:
            with self.counts_lock:
                self.done += 1

    def on_dropped_event(self, reason: str) -> None:
        if reason == "full_queue":  # handed over but never queued, so never sent
            with self.counts_lock:
                self.done += 1
        super().on_dropped_event(reason)

    def record_lost_event(self, reason: str, *args: Any, **kwargs: Any) -> None:
        if reason == "queue_overflow":  # the transport's queue or a span buffer was full
            item = kwargs.get("item") or (args[1] if len(args) > 1 else None)
            category = kwargs.get("data_category") or (args[0] if args else None)
            with self.counts_lock:
                self.lost.append(str(category or getattr(item, "data_category", "item")))
        super().record_lost_event(reason, *args, **kwargs)

    def idle(self) -> bool:
        with self.counts_lock:
            return self.done >= self.handed


def ended(span: Any) -> bool:
    """Whether sentry-sdk has finished this span of its own (read from the span, no clock)."""
    if hasattr(span, "end_timestamp"):  # span streaming
        return span.end_timestamp is not None
    return span.timestamp is not None


class IngestServer(LocalServer):
    """Accepts envelopes like Sentry does, and keeps both the envelopes received (their
    bodies decompressed, whatever the encoding) and the decoded spans."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.capture = Capture()
        self.status = 200
        self.lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                envelope = decode_body(body, self.headers.get("Content-Encoding"))
                with server.lock:
                    server.bodies.append(envelope)
                    server.capture.add_body(envelope, None)
                self.send_response(server.status)
                self.end_headers()
                self.wfile.write(b"{}")

        super().__init__(Handler)

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.port}/1"

    def reset(self) -> None:
        with self.lock:
            self.bodies.clear()
            self.capture = Capture()


class Sentry:
    """sentry-sdk initialised against the ingest server, in one tracing mode."""

    def __init__(self, server: IngestServer, mode: str) -> None:
        self.server = server
        self.mode = mode
        self.clients: list[Any] = []

    def init(self, **options: Any) -> None:
        """sentry_sdk.init with the content gate open unless said otherwise; on 3.x, where
        ``send_default_pii`` is gone, the same switch is made with ``data_collection``."""
        options.setdefault("traces_sample_rate", 1.0)
        options.setdefault("send_default_pii", True)
        if not HAS_TRANSACTIONS:
            pii = bool(options.pop("send_default_pii"))
            options.setdefault("data_collection", {"gen_ai": {"inputs": pii, "outputs": pii}})
        elif self.mode == "stream":
            options.setdefault("trace_lifecycle", "stream")
        options.setdefault("default_integrations", False)
        options.setdefault("auto_enabling_integrations", False)
        options.setdefault("dsn", self.server.dsn)
        options.setdefault("transport", CountingTransport)
        # gzip, which every sentry-sdk version sends, so that a run is the same on each
        # (brotli, its default once the brotli package is installed, is read too: apps
        # run as subprocesses send it).
        options.setdefault("_experiments", {"transport_compression_algo": "gzip"})
        sentry_sdk.init(**options)
        self.clients.append(sentry_sdk.get_client())

    def flush(self) -> None:
        """Wait until every envelope of every client this test made was delivered (or
        refused by the network), within :data:`DELIVERY_BOUND`; fail if sentry-sdk
        dropped anything because a queue was full."""
        deadline = time.monotonic() + DELIVERY_BOUND
        while True:
            for client in self.clients:
                client.flush(timeout=max(0.1, deadline - time.monotonic()))
            transports = [
                c.transport for c in self.clients if isinstance(c.transport, CountingTransport)
            ]
            if not batch_in_flight() and all(t.idle() for t in transports):
                break
            if time.monotonic() > deadline:
                pending = [(t.handed, t.done) for t in transports]
                raise AssertionError(
                    f"sentry-sdk did not deliver within {DELIVERY_BOUND:.0f} s "
                    f"(envelopes handed, done per transport: {pending})"
                )
            time.sleep(0.001)
        lost = [item for t in transports for item in t.lost]
        assert not lost, f"sentry-sdk dropped {len(lost)} items (queue full): {lost[:5]}"

    def close(self) -> None:
        """Wait for delivery, then shut the clients down and return to "not initialised"."""
        try:
            self.flush()
        finally:
            for client in self.clients:
                client.close(timeout=DELIVERY_BOUND)
            sentry_sdk.get_global_scope().set_client(None)

    def spans(self) -> list[SpanRecord]:
        self.flush()
        with self.server.lock:
            return list(self.server.capture.spans)

    def gen_ai_spans(self) -> list[SpanRecord]:
        return [s for s in self.spans() if (s.op or "").startswith("gen_ai.")]

    def events(self) -> list[dict[str, Any]]:
        self.flush()
        with self.server.lock:
            return list(self.server.capture.events)

    def raw(self) -> bytes:
        """Every byte received, decompressed."""
        self.flush()
        with self.server.lock:
            return b"".join(self.server.bodies)

    def one(self, predicate: Callable[[SpanRecord], bool]) -> SpanRecord:
        found = [s for s in self.spans() if predicate(s)]
        assert len(found) == 1, f"expected one span, found {[s.name for s in found]}"
        return found[0]

    def named(self, name: str) -> SpanRecord:
        return self.one(lambda s: s.name == name)


def child_span(mode: str, op: str, name: str) -> Any:
    """A span of the user's own, child of the current one, made the way ``mode`` wants."""
    if mode == "stream" or not HAS_TRANSACTIONS:
        return sentry_sdk.traces.start_span(name=name, attributes={"sentry.op": op})
    # Child spans took ``description=`` before sentry-sdk 2.15 named it ``name=``.
    span_init = inspect.signature(sentry_sdk.tracing.Span.__init__).parameters
    return sentry_sdk.start_span(op=op, **{"name" if "name" in span_init else "description": name})


@pytest.fixture(scope="session")
def ingest() -> Iterator[IngestServer]:
    server = IngestServer()
    yield server
    server.close()


@pytest.fixture(params=MODES)
def sentry(request: pytest.FixtureRequest, ingest: IngestServer) -> Iterator[Sentry]:
    """sentry-sdk in both tracing modes (the test runs once per mode)."""
    yield from _sentry(ingest, request.param)


@pytest.fixture
def static_sentry(ingest: IngestServer) -> Iterator[Sentry]:
    yield from _sentry(ingest, "static")


def _sentry(ingest: IngestServer, mode: str) -> Iterator[Sentry]:
    ingest.reset()
    ingest.status = 200
    sentry_agents._config.reset()
    helper = Sentry(ingest, mode)
    helper.init()
    yield helper
    helper.close()
    sentry_agents._config.reset()


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    """A provider API with nothing scripted yet; see ``fakes.FakeProvider``."""
    fake = FakeProvider()
    yield fake
    fake.close()


@pytest.fixture(autouse=True)
def _reset_config() -> Iterator[None]:
    yield
    sentry_agents._config.reset()


@pytest.fixture
def sdk_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """What was logged through sentry-sdk's logger. It propagates to the root logger,
    where pytest's capture listens too, so with the handler added here a record may be
    captured twice: count distinct records (``id(record)``) where the count matters."""
    from sentry_sdk.utils import logger

    logger.addHandler(caplog.handler)
    previous = logger.level
    logger.setLevel("DEBUG")
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(previous)
