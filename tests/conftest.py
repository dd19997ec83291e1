"""Test fixtures: a Sentry ingest server on 127.0.0.1 and sentry-sdk pointed at it.

sentry-sdk runs for real, with its real HTTP transport; the server decodes the
envelopes it receives into spans (see ``sentry_agents._envelopes``).
"""

from __future__ import annotations

import importlib.util
import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm must not reach the network
import threading
from collections.abc import Iterator
from typing import Any, Callable

import pytest
import sentry_sdk

import sentry_agents._config
from fakes import LocalServer, QuietHandler
from sentry_agents._envelopes import Capture, SpanRecord

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


class IngestServer(LocalServer):
    """Accepts envelopes like Sentry does, and keeps both the raw bodies and the decoded spans."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.capture = Capture()
        self.status = 200
        self.lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server.lock:
                    server.bodies.append(body)
                    server.capture.add_body(body, self.headers.get("Content-Encoding"))
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
        sentry_sdk.init(**options)

    def flush(self) -> None:
        sentry_sdk.flush(timeout=5)

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
        import gzip

        self.flush()
        with self.server.lock:
            return b"".join(
                gzip.decompress(b) if b[:2] == b"\x1f\x8b" else b for b in self.server.bodies
            )

    def one(self, predicate: Callable[[SpanRecord], bool]) -> SpanRecord:
        found = [s for s in self.spans() if predicate(s)]
        assert len(found) == 1, f"expected one span, found {[s.name for s in found]}"
        return found[0]

    def named(self, name: str) -> SpanRecord:
        return self.one(lambda s: s.name == name)


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
    sentry_sdk.flush(timeout=5)
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # back to "not initialised"
    sentry_agents._config.reset()


@pytest.fixture(autouse=True)
def _reset_config() -> Iterator[None]:
    yield
    sentry_agents._config.reset()


@pytest.fixture
def sdk_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """What was logged through sentry-sdk's logger (which does not propagate to root)."""
    from sentry_sdk.utils import logger

    logger.addHandler(caplog.handler)
    previous = logger.level
    logger.setLevel("DEBUG")
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(previous)
