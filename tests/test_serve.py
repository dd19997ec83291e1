"""``python -m sentry_agents serve``: the real server on 127.0.0.1, fed by the real
sentry-sdk and by hand-made hostile requests."""

from __future__ import annotations

import http.client
import io
import json
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Callable, Optional

import pytest
import sentry_sdk

import sentry_agents
from conftest import DELIVERY_BOUND, HAS_TRANSACTIONS, MODES, child_span
from sentry_agents.__main__ import MAX_BODY_BYTES, TraceViewServer
from sentry_agents._envelopes import MAX_ENVELOPE_BYTES, SpanRecord
from sentry_agents._render import GenAiFilter, render_event, render_tree
from sentry_agents.console import ConsoleTransport

try:  # brotli 1.2 or later reads brotli bodies (a test extra from Python 3.10 on)
    import brotli

    HAS_BROTLI = hasattr(brotli.Decompressor(), "can_accept_more_data")
except ImportError:
    brotli = None
    HAS_BROTLI = False

WAIT = DELIVERY_BOUND  # a bound for what a test waits on, never a duration it expects
PATH = "/api/1/envelope/"
OUR_COLOURS = re.compile(r"\x1b\[(?:0|1|2|31|36)m")


def wait_for(out: io.StringIO, *texts: str) -> str:
    """The output once all ``texts`` are in it (or after ``WAIT`` seconds, for the assert
    that follows)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if all(text in out.getvalue() for text in texts):
            break
        time.sleep(0.02)
    return out.getvalue()


@dataclass
class View:
    server: TraceViewServer
    out: io.StringIO
    errors: io.StringIO

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.port}/1"

    def wait_for(self, *texts: str) -> str:
        return wait_for(self.out, *texts)

    def post(
        self, body: Any, headers: Optional[dict[str, str]] = None, **kwargs: Any
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
        try:
            connection.request("POST", PATH, body=body, headers=headers or {}, **kwargs)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., View]]:
    """Starts a real TraceViewServer on a free port, in a thread, printing to a StringIO."""
    views: list[View] = []

    def start(**options: Any) -> View:
        options.setdefault(
            "prices", {"gpt-4o": {"input": 2.5, "output": 10.0, "cached_input": 1.25}}
        )
        out, errors = io.StringIO(), io.StringIO()
        server = TraceViewServer(0, out, errors=errors, **options)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        views.append(View(server, out, errors))
        return views[-1]

    yield start
    for view in views:
        view.server.shutdown()
        view.server.server_close()


@pytest.fixture
def view(serve: Callable[..., View]) -> View:
    return serve()


@pytest.fixture
def sdk() -> Iterator[Callable[..., None]]:
    """sentry_sdk.init in one tracing mode; the client is closed after the test."""

    def init(mode: str, **options: Any) -> None:
        if HAS_TRANSACTIONS:
            options["send_default_pii"] = True
            if mode == "stream":
                options["trace_lifecycle"] = "stream"
        options.setdefault("default_integrations", False)
        options.setdefault("auto_enabling_integrations", False)
        sentry_sdk.init(traces_sample_rate=1.0, **options)

    yield init
    sentry_sdk.flush(timeout=WAIT)
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def flush() -> None:
    sentry_sdk.flush(timeout=WAIT)


def traced_run() -> None:
    with sentry_agents.invoke_agent("Weather Agent", model="gpt-4o"):
        with sentry_agents.chat("gpt-4o") as llm:
            llm.set_usage(
                input_tokens=1000,
                output_tokens=200,
                input_tokens_cached=400,
                output_tokens_reasoning=50,
            )
        with sentry_agents.execute_tool("get_weather", arguments={"city": "Paris"}) as tool:
            tool.set_result({"forecast": "rain"})
        try:
            with sentry_agents.execute_tool("broken"):
                raise ValueError("tool failed")
        except ValueError:
            pass


def root_span(mode: str, op: str, name: str) -> Any:
    if mode == "stream" or not HAS_TRANSACTIONS:
        return sentry_sdk.traces.start_span(name=name, attributes={"sentry.op": op})
    return sentry_sdk.start_transaction(op=op, name=name)


def envelope(*items: tuple[str, dict[str, Any]]) -> bytes:
    """A hand-made envelope; JSON with ``\\uXXXX`` escapes, so any string fits."""
    lines = [b"{}"]
    for kind, payload in items:
        lines.append(json.dumps({"type": kind}).encode())
        lines.append(json.dumps(payload).encode())
    return b"\n".join(lines) + b"\n"


def transaction(name: str, op: Optional[str], spans: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "transaction",
        "transaction": name,
        "start_timestamp": 1000.0,
        "timestamp": 1001.0,
        "contexts": {"trace": {"trace_id": "t" * 32, "span_id": "root", "op": op}},
        "spans": spans,
    }


def span(span_id: str, op: str, description: str, **data: Any) -> dict[str, Any]:
    return {
        "trace_id": "t" * 32,
        "span_id": span_id,
        "parent_span_id": "root",
        "op": op,
        "description": description,
        "start_timestamp": 1000.1,
        "timestamp": 1000.2,
        "status": "internal_error" if "error.type" in data else "ok",
        "data": data,
    }


def agent_envelope(name: str) -> bytes:
    return envelope(("transaction", transaction(f"invoke_agent {name}", "gen_ai.invoke_agent", [])))


def gzip_bomb(size: int = 1 << 30) -> bytes:
    """A valid gzip body of about 1 MB that inflates to ``size`` zero bytes: one
    compressed MiB of zeros, repeated (a full flush makes each block stand alone)."""
    zeros = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush()[:-8]  # the last block, without the trailer for 2 MiB
    crc = 0
    for _ in range(size >> 20):
        crc = zlib.crc32(zeros, crc)
    return head + block * ((size >> 20) - 1) + end + struct.pack("<II", crc, size & 0xFFFFFFFF)


# --- what the real sentry-sdk sends ---------------------------------------------------


@pytest.mark.parametrize("compression", ["gzip", "br"])
@pytest.mark.parametrize("mode", MODES)
def test_serve_prints_agent_runs_sent_to_its_dsn(view, sdk, mode, compression):
    """Whatever sentry-sdk compresses with: gzip, or brotli, its default once the brotli
    package is installed (without it, and in older sentry-sdk versions, gzip)."""
    sdk(mode, dsn=view.dsn, _experiments={"transport_compression_algo": compression})
    traced_run()
    flush()
    text = view.wait_for("execute_tool broken", "error: ValueError")
    assert "invoke_agent Weather Agent" in text
    assert "1000 in (400 cached) / 200 out (50 reasoning) tokens" in text
    assert 'args: {"city":"Paris"}' in text
    assert 'result: {"forecast":"rain"}' in text
    assert "✗ ValueError" in text
    expected_cost = ((1000 - 400) * 2.5 + 400 * 1.25 + 200 * 10.0) / 1e6
    assert f"${expected_cost:.6f}" in text
    assert "\033[" not in text, "no colour when not on a terminal"
    assert "error: ValueError: tool failed" in text
    assert view.errors.getvalue() == "", "nothing sentry-sdk sends is refused"


@pytest.mark.skipif(not HAS_TRANSACTIONS, reason="spotlight's option differs on sentry-sdk 3.x")
def test_serve_accepts_the_spotlight_stream_url(view, sdk):
    sdk("static", spotlight=f"http://127.0.0.1:{view.port}/stream")
    traced_run()
    flush()
    assert "execute_tool get_weather" in view.wait_for("execute_tool get_weather")


@pytest.mark.parametrize("show_all", [False, True], ids=["default", "all"])
@pytest.mark.parametrize("mode", MODES)
def test_gen_ai_spans_and_their_ancestors_only_unless_all(serve, sdk, mode, show_all):
    view = serve(show_all=show_all)
    sdk(mode, dsn=view.dsn)
    with root_span(mode, "http.server", "GET /health"):
        with child_span(mode, "db", "SELECT health"):
            pass
    flush()
    with root_span(mode, "http.server", "POST /plan"):
        with child_span(mode, "db", "SELECT plans"):
            pass
        with sentry_agents.invoke_agent("Planner"):
            with sentry_agents.chat("gpt-4o"):
                pass
    flush()
    with sentry_agents.invoke_agent("Sentinel"):
        pass
    flush()
    text = view.wait_for("invoke_agent Sentinel")  # sent last: everything before is printed

    lines = text.splitlines()
    agent = next(i for i, line in enumerate(lines) if "invoke_agent Planner" in line)
    assert lines[agent].startswith("  invoke_agent Planner"), text
    root = next(line for line in reversed(lines[:agent]) if not line.startswith(" "))
    assert root.startswith("POST /plan"), text
    assert "    chat gpt-4o" in text
    if show_all:
        assert "SELECT plans" in text and "GET /health" in text and "SELECT health" in text
    else:
        assert "SELECT" not in text and "GET /health" not in text, text


@pytest.mark.parametrize("mode", MODES)
def test_console_transport_gen_ai_only_keeps_the_ancestors(sdk, mode):
    out = io.StringIO()
    sdk(mode, transport=ConsoleTransport(out, gen_ai_only=True))
    with root_span(mode, "http.server", "POST /plan"):
        with child_span(mode, "db", "SELECT plans"):
            pass
        with sentry_agents.invoke_agent("Planner"):
            pass
    flush()
    text = wait_for(out, "POST /plan", "invoke_agent Planner")  # all in one envelope
    assert "POST /plan" in text and "  invoke_agent Planner" in text
    assert "SELECT plans" not in text


@pytest.mark.parametrize("mode", MODES)
def test_console_transport_given_as_a_class_prints_to_standard_output(sdk, mode, monkeypatch):
    """sentry-sdk makes a transport given as a class with its options as the first
    argument: ``ConsoleTransport`` took them for its stream and printed nothing (a
    warning in sentry-sdk's debug log alone)."""
    import sys

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    sdk(mode, dsn="http://public@127.0.0.1:9/1", transport=ConsoleTransport)
    assert isinstance(sentry_sdk.get_client().transport, ConsoleTransport)
    with sentry_agents.invoke_agent("Planner"):
        pass
    flush()
    assert "invoke_agent Planner" in wait_for(out, "invoke_agent Planner")


class AsciiStream(io.TextIOWrapper):
    """A terminal that is not UTF-8 (a Windows console, ``LANG=C``): strict ASCII."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="ascii", write_through=True)

    def getvalue(self) -> str:
        self.flush()
        return self.buffer.getvalue().decode("ascii")  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
def test_console_transport_prints_on_a_terminal_that_is_not_utf8(sdk, mode):
    """A name it cannot encode, or the tree's own marks (``✗``, ``·``), are escaped: the
    tree was lost whole to a UnicodeEncodeError."""
    out = AsciiStream()
    sdk(mode, transport=ConsoleTransport(out))
    with root_span(mode, "http.server", "POST /plan"):
        with sentry_agents.invoke_agent("Agent \u00e9t\u00e9"):
            with sentry_agents.chat("gpt-4o") as llm:
                llm.set_usage(input_tokens=10, output_tokens=2)
    flush()
    text = wait_for(out, "chat gpt-4o")  # type: ignore[arg-type]
    assert "invoke_agent Agent \\xe9t\\xe9" in text and "chat gpt-4o" in text, text


class BrokenPipe(io.StringIO):
    """Standard output piped to a reader that has gone (``| head``)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("mode", MODES)
def test_console_transport_that_cannot_print_does_not_raise_into_the_app(sdk, mode, caplog):
    """In span-streaming mode sentry-sdk hands spans over inside ``sentry_sdk.flush()``:
    the print's ``BrokenPipeError`` reached the app from there."""
    from sentry_sdk.utils import logger

    logger.addHandler(caplog.handler)
    try:
        sdk(mode, transport=ConsoleTransport(BrokenPipe()), debug=True)
        with root_span(mode, "http.server", "POST /plan"):
            with sentry_agents.invoke_agent("Planner"):
                pass
        sentry_sdk.flush(timeout=WAIT)
    finally:
        logger.removeHandler(caplog.handler)
    assert "Broken pipe" in caplog.text


@pytest.mark.parametrize("mode", MODES)
def test_console_transport_keeps_nothing_it_printed(sdk, mode):
    """It kept every span (and its messages) it had printed, for the life of the process:
    an app left running with it grew by each agent run's content."""
    out = io.StringIO()
    transport = ConsoleTransport(out)
    sdk(mode, transport=transport)
    sentry_agents.configure(record_inputs=True)
    for n in range(3):
        with sentry_agents.invoke_agent(f"Run {n}"):
            with sentry_agents.chat("gpt-4o", messages=[{"role": "user", "content": "x" * 5000}]):
                pass
    flush()
    assert "invoke_agent Run 2" in wait_for(out, "invoke_agent Run 2")
    assert transport.capture.spans == [] and transport.capture.events == []


def test_console_transport_checks_its_price_table_when_made():
    """A table that is not one was read at each print, so the tree was never printed
    (the error only in sentry-sdk's debug log); it is refused when the transport is
    made, as ``configure(prices=...)`` refuses it."""
    with pytest.raises(TypeError):
        ConsoleTransport(io.StringIO(), prices={"gpt-4o": {"input": "2.5"}})


def test_gen_ai_filter_keeps_an_ancestor_sent_in_a_later_envelope():
    def record(span_id: str, parent: Optional[str], op: str, trace: str = "t") -> SpanRecord:
        return SpanRecord(trace, span_id, parent, op, f"{op} {span_id}", "ok", 0.0, 1.0)

    select = GenAiFilter()
    first = select(
        [record("chat", "agent", "gen_ai.chat"), record("agent", "request", "gen_ai.invoke_agent")]
    )
    assert [s.span_id for s in first] == ["chat", "agent"]
    later = select(
        [
            record("db", "request", "db"),
            record("request", "proxy", "http.server"),
            record("proxy", None, "http.client"),
            record("request", None, "http.server", trace="other"),
        ]
    )
    assert [(s.trace_id, s.span_id) for s in later] == [("t", "request"), ("t", "proxy")]
    assert select([record("request", None, "http.server")]) == [], "kept once, not forever"


@pytest.mark.parametrize("mode", MODES)
def test_hostile_names_from_the_real_sdk_never_reach_the_terminal_raw(view, sdk, mode):
    sdk(mode, dsn=view.dsn)
    evil_error = type("Evil\x1b[2J", (Exception,), {})
    with sentry_agents.invoke_agent("\x1b[2J evil\x07 agent", model="gpt\x1b]0;t\x07"):
        with sentry_agents.chat("gpt\x9b31m") as llm:
            llm.set_usage(input_tokens=1, output_tokens=2)
        with sentry_agents.execute_tool("t", arguments={"q": "\x1b[31mred\u202e"}) as tool:
            tool.set_result("line\x1b[1Aup")
        try:
            with sentry_agents.execute_tool("boom"):
                raise evil_error("\x1b[2J value\x07")
        except evil_error:
            pass
    flush()
    text = view.wait_for("execute_tool boom", "error: ")
    assert "evil" in text and "execute_tool boom" in text
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in text, f"{raw!r} printed raw:\n{text!r}"


@pytest.mark.parametrize("mode", MODES)
def test_huge_names_models_and_errors_print_cut_to_a_line(sdk, mode):
    """A span's name, model or error type of tens of KB (each within its budget) was
    printed whole: one line of over 100,000 characters. Each is cut, ending with an
    ellipsis, as tool arguments and results are, and an error event's value too."""
    out = io.StringIO()
    sdk(mode, transport=ConsoleTransport(out))
    huge_error = type("E" * 10_000, (Exception,), {})
    with sentry_agents.invoke_agent("Huge " + "n" * 50_000):
        with sentry_agents.chat("m\x1b" * 20_000) as llm:
            llm.set_usage(input_tokens=3, output_tokens=5)
            llm.set_response_model("r" * 100_000)
        try:
            with sentry_agents.execute_tool("boom"):
                raise huge_error("v" * 100_000)
        except huge_error:
            pass
    flush()
    text = wait_for(out, "execute_tool boom")
    lines = text.splitlines()
    assert max(len(line) for line in lines) < 2_000, [len(line) for line in lines]
    head = next(line for line in lines if "Huge" in line)
    assert head.startswith("invoke_agent Huge nnn") and "n…" in head
    chat = next(line for line in lines if line.lstrip().startswith("chat m\\x1bm\\x1b"))
    assert "r…" in chat and chat.endswith("3 in / 5 out tokens")
    assert "✗ EEE" in text and "E…" in text
    event = render_event({"exception": {"values": [{"type": "T" * 5_000, "value": "v" * 10**6}]}})
    assert event is not None and len(event) < 2_100 and "T…" in event and "v…" in event


# --- hand-made envelopes -----------------------------------------------------------


HOSTILE = envelope(
    (
        "transaction",
        transaction(
            "",
            None,
            [
                {
                    **span("agent", "gen_ai.invoke_agent", "\x1b[2J evil\x07"),
                    "parent_span_id": "root",
                },
                {
                    **span(
                        "chat",
                        "gen_ai.chat",
                        "chat \ud800 \udfff",
                        **{
                            "gen_ai.request.model": "m\x9b31m",
                            "gen_ai.usage.input_tokens": "\x1b[5m",
                            "gen_ai.usage.output_tokens": 2,
                            "error.type": "\x1b]8;;http://x\x07Err",
                        },
                    ),
                    "parent_span_id": "agent",
                },
                {
                    **span(
                        "tool",
                        "gen_ai.execute_tool",
                        "",
                        **{"gen_ai.tool.call.arguments": '{"q": "\u202eabc\x07"}'},
                    ),
                    "parent_span_id": "agent",
                },
            ],
        ),
    ),
    ("event", {"exception": {"values": [{"type": "\x1b[2JType", "value": "v\x1b[0m\ud800"}]}}),
)


@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
def test_control_characters_print_as_visible_escapes(serve, color):
    view = serve(color=color)
    status, _, _ = view.post(HOSTILE)
    assert status == 200
    text = view.wait_for("error: ")
    assert "\\x1b[2J evil\\x07" in text
    assert "chat \\ud800 \\udfff" in text
    assert "m\\x9b31m" in text and "\\x1b[5m in" in text
    assert "\\x1b]8;;http://x\\x07Err" in text
    assert 'args: {"q": "\\u202eabc\\x07"}' in text
    assert "error: \\x1b[2JType: v\\x1b[0m\\ud800" in text
    ours_removed = OUR_COLOURS.sub("", text)
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\ud800"):
        assert raw not in ours_removed, f"{raw!r} printed raw"
    assert (OUR_COLOURS.search(text) is not None) is color
    text.encode("utf-8")  # no lone surrogate left to fail a UTF-8 terminal


def test_spans_without_a_name_print_their_op_or_a_placeholder(view):
    assert view.post(HOSTILE)[0] == 200
    lines = view.wait_for("error: ").splitlines()
    assert lines[0].startswith("(unnamed span)")
    assert any(line.startswith("    gen_ai.execute_tool") for line in lines)
    assert all(line.strip() for line in lines), "no blank line"


def test_a_cost_beyond_a_float_prints_the_span_without_it(view):
    """A hand-made envelope whose cost is an integer too large for a float: the span is
    printed (without a cost), not the envelope refused."""
    huge = span("s1", "gen_ai.chat", "chat huge", **{"gen_ai.cost.total_tokens": 10**400})
    body = envelope(
        ("transaction", transaction("invoke_agent Huge", "gen_ai.invoke_agent", [huge]))
    )
    assert view.post(body)[0] == 200
    lines = view.wait_for("chat huge").splitlines()
    assert lines[0].startswith("invoke_agent Huge")
    assert "$" not in "".join(lines)


@pytest.mark.parametrize(
    "price", [10**400, float("nan"), float("inf"), 1e308], ids=["10**400", "nan", "inf", "1e308"]
)
def test_a_pricer_answer_that_is_no_cost_prints_the_tree_without_it(price):
    """A pricing function (``ConsoleTransport(prices=f)``) answering an integer too large
    for a float made the whole tree fail to print; NaN was printed as ``$nan``, and an
    agent's sum past a float's range as ``$inf``."""
    chat = SpanRecord("t", "c", "a", "gen_ai.chat", "chat m", "ok", 0.0, 0.1, {})
    other = SpanRecord("t", "d", "a", "gen_ai.chat", "chat n", "ok", 0.0, 0.1, {})
    agent = SpanRecord("t", "a", None, "gen_ai.invoke_agent", "invoke_agent A", "ok", 0.0, 1.0, {})
    text = render_tree([agent, chat, other], prices=lambda attributes: price)
    lines = text.splitlines()
    assert len(lines) == 3 and lines[0].startswith("invoke_agent A")
    assert lines[1].startswith("  chat m") and lines[2].startswith("  chat n")
    assert "$nan" not in text and "$inf" not in text
    if price == 1e308:  # each call's cost is a float; their sum is not
        assert "$" in lines[1] and "$" not in lines[0]
    else:
        assert "$" not in text


def test_renderer_escapes_for_every_caller():
    span_ = SpanRecord("t", "s", None, "gen_ai.chat", "a\x1bb\ud800", "ok", 0.0, 0.1, {})
    assert render_tree([span_]).startswith("a\\x1bb\\ud800")
    assert "\x1b" not in OUR_COLOURS.sub("", render_tree([span_], color=True))


def test_spans_whose_parents_loop_are_printed_once_each(view):
    """Hand-made spans whose parents form a cycle, a span its own parent, and a span id
    sent twice: each span is printed once (none lost, the server does not loop)."""
    a = {**span("sa", "gen_ai.chat", "chat loop-a"), "parent_span_id": "sb"}
    b = {**span("sb", "gen_ai.execute_tool", "execute_tool loop-b"), "parent_span_id": "sa"}
    own = {**span("so", "gen_ai.chat", "chat own-parent"), "parent_span_id": "so"}
    twice = {**span("root", "gen_ai.chat", "chat same-id"), "parent_span_id": "root"}
    body = envelope(
        (
            "transaction",
            transaction("invoke_agent Loops", "gen_ai.invoke_agent", [a, b, own, twice]),
        )
    )
    assert view.post(body)[0] == 200
    names = ("invoke_agent Loops", "loop-a", "loop-b", "own-parent", "same-id")
    printed = view.wait_for(*names)
    for name in names:
        assert printed.count(name) == 1, printed


def test_a_chain_deeper_than_the_recursion_limit_prints_whole():
    depth = sys.getrecursionlimit() + 100
    spans = [SpanRecord("t", "s0", None, "gen_ai.invoke_agent", "s0", "ok", 0.0, 1.0, {})]
    spans += [
        SpanRecord("t", f"s{i}", f"s{i - 1}", "gen_ai.chat", f"s{i}", "ok", i, i + 1.0, {})
        for i in range(1, depth)
    ]
    lines = render_tree(spans).splitlines()
    assert len(lines) == depth
    assert lines[-1].startswith("  " * (depth - 1) + f"s{depth - 1}")


# --- hostile requests ---------------------------------------------------------------


def test_gzip_bomb_is_refused_and_the_server_keeps_serving(view):
    bomb = gzip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    status, _, answer = view.post(bomb, {"Content-Encoding": "gzip"})
    assert status == 413
    assert str(MAX_ENVELOPE_BYTES) in json.loads(answer)["detail"]
    assert "(413)" in view.errors.getvalue()
    assert (
        view.post(zlib_gzip(agent_envelope("After Bomb")), {"Content-Encoding": "gzip"})[0] == 200
    )
    assert "invoke_agent After Bomb" in view.wait_for("After Bomb")


def zlib_gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.skipif(not HAS_BROTLI, reason="reading brotli needs brotli 1.2 (Python 3.10+)")
def test_brotli_bodies_are_read_in_bounded_steps(view):
    """A brotli body is read; one that would inflate past the envelope limit stops there
    (413), one cut short or not brotli at all is malformed (400); the server keeps
    serving."""
    assert brotli is not None
    body = brotli.compress(agent_envelope("Brotli"))
    assert view.post(body, {"Content-Encoding": "br"})[0] == 200
    assert "invoke_agent Brotli" in view.wait_for("invoke_agent Brotli")
    bomb = brotli.compress(b"\0" * (MAX_ENVELOPE_BYTES + 1), quality=1)
    assert len(bomb) < MAX_BODY_BYTES
    status, _, answer = view.post(bomb, {"Content-Encoding": "br"})
    assert status == 413 and str(MAX_ENVELOPE_BYTES) in json.loads(answer)["detail"]
    for broken in (body[:-4], body[:3], b"not brotli", body + b"more"):
        assert view.post(broken, {"Content-Encoding": "br"})[0] == 400, broken[:20]
    assert view.post(brotli.compress(agent_envelope("After")), {"Content-Encoding": "br"})[0] == 200
    assert "invoke_agent After" in view.wait_for("invoke_agent After")


class OldBrotli:
    """The brotli package before 1.2, whose decompressor cannot bound its output."""

    class Decompressor:
        def process(self, data: bytes) -> bytes:
            raise AssertionError("an unbounded decompressor must not be used")

    error = ValueError


@pytest.mark.parametrize("installed", ["none", "before 1.2"])
def test_brotli_without_a_bounded_decoder_is_refused_with_a_hint(view, mocker, installed):
    """Without the brotli package, or with one older than 1.2 (which could inflate a small
    body to gigabytes), a brotli body gets 415 and says how to send what is read."""
    from types import SimpleNamespace

    from sentry_agents import _envelopes

    def import_module(name: str) -> Any:
        assert name == "brotli"
        if installed == "none":
            raise ImportError(name)
        return OldBrotli

    mocker.patch.object(_envelopes, "importlib", SimpleNamespace(import_module=import_module))
    status, _, answer = view.post(b"\x0b\x02\x80{}\x03", {"Content-Encoding": "br"})
    assert status == 415
    detail = json.loads(answer)["detail"]
    assert "brotli package, 1.2 or later" in detail and "transport_compression_algo" in detail
    assert view.post(agent_envelope("After"))[0] == 200


def test_deflate_and_sniffed_gzip_bodies_are_read(view):
    assert (
        view.post(zlib.compress(agent_envelope("Deflated")), {"Content-Encoding": "deflate"})[0]
        == 200
    )
    assert view.post(zlib_gzip(agent_envelope("Sniffed")))[0] == 200
    text = view.wait_for("invoke_agent Sniffed")
    assert "invoke_agent Deflated" in text


def test_body_over_the_limit_is_refused_with_413(view):
    status, _, answer = view.post(b"x" * (MAX_BODY_BYTES + 1))
    assert status == 413
    assert f"over the limit of {MAX_BODY_BYTES} bytes" in json.loads(answer)["detail"]
    assert view.post(agent_envelope("Still Here"))[0] == 200
    assert "invoke_agent Still Here" in view.wait_for("Still Here")


def test_a_content_length_over_the_limit_is_refused_before_any_body(view):
    connection = http.client.HTTPConnection("127.0.0.1", view.port, timeout=WAIT)
    try:
        connection.putrequest("POST", PATH)
        connection.putheader("Content-Length", str(1 << 40))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    assert view.post(agent_envelope("After Claim"))[0] == 200


def test_chunked_bodies_are_bounded_too(serve):
    view = serve(max_body=4096)
    chunks = iter([b"x" * 1000] * 10)
    assert view.post(chunks, encode_chunked=True)[0] == 413
    small = agent_envelope("Chunked")
    assert view.post(iter([small[:10], small[10:]]), encode_chunked=True)[0] == 200
    assert "invoke_agent Chunked" in view.wait_for("Chunked")


def test_a_body_shorter_than_its_content_length_is_refused(view):
    with socket.create_connection(("127.0.0.1", view.port), timeout=WAIT) as client:
        client.sendall(
            f"POST {PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".encode() + b"{}\n"
        )
        client.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 400 "), answer
    assert b"body ended after 3 of 1000 bytes" in answer


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"garbage", {}, 400),
        (b"\x1f\x8b\x08\x00garbage", {}, 400),
        (zlib_gzip(b"{}\n")[:-6], {"Content-Encoding": "gzip"}, 400),
        (envelope(("span", {"items": [1, "x"]})), {}, 400),
        (envelope(("transaction", {"contexts": "x"})), {}, 400),
        (b"{}", {"Content-Encoding": "br"}, 400 if HAS_BROTLI else 415),
        (b"{}", {"Content-Encoding": "zstd"}, 415),
        (b"{}", {"Content-Length": "-1"}, 400),
    ],
    ids=[
        "not-json",
        "bad-gzip",
        "truncated-gzip",
        "bad-span",
        "bad-event",
        "brotli",
        "zstd",
        "length",
    ],
)
def test_malformed_requests_get_a_short_reason_and_the_server_keeps_serving(
    view, body, headers, status
):
    answer_status, _, answer = view.post(body, headers)
    assert answer_status == status
    assert 0 < len(json.loads(answer)["detail"]) <= 300
    assert view.errors.getvalue().count("\n") == 1, "one line noted per refusal"
    assert view.post(agent_envelope("After Malformed"))[0] == 200
    assert "invoke_agent After Malformed" in view.wait_for("After Malformed")


def test_an_envelope_nested_too_deep_never_stops_the_server(view):
    """A transaction nested deeper than the recursion limit: where sentry-sdk's
    ``Envelope.deserialize`` parses it (2.x), its ``RecursionError`` is refused as any
    malformed envelope is (400, one line noted); where it reads items lazily (3.x), the
    envelope is taken and the transaction that cannot be decoded shows nothing. Either
    way the server keeps serving."""
    from sentry_sdk.envelope import Envelope

    body = b'{}\n{"type":"transaction"}\n{"spans":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    try:
        Envelope.deserialize(body)
        refused = False
    except RecursionError:
        refused = True
    status, _, answer = view.post(body)
    if refused:
        assert status == 400
        assert 0 < len(json.loads(answer)["detail"]) <= 300
        assert view.errors.getvalue().count("\n") == 1, "one line noted per refusal"
    else:
        assert status == 200
        assert view.out.getvalue() == ""
    assert view.post(agent_envelope("After Too Deep"))[0] == 200
    assert "invoke_agent After Too Deep" in view.wait_for("After Too Deep")


def test_no_cors_header_and_foreign_origins_refused(view):
    status, headers, _ = view.post(agent_envelope("Evil"), {"Origin": "https://evil.example"})
    assert status == 403
    assert view.post(agent_envelope("Sandboxed"), {"Origin": "null"})[0] == 403
    status, headers_local, _ = view.post(
        agent_envelope("Local Page"), {"Origin": "http://localhost:3000"}
    )
    assert status == 200
    assert view.post(agent_envelope("Loopback"), {"Origin": "http://127.0.0.1:5173"})[0] == 200
    connection = http.client.HTTPConnection("127.0.0.1", view.port, timeout=WAIT)
    try:
        connection.request("OPTIONS", PATH, headers={"Origin": "https://evil.example"})
        preflight = connection.getresponse()
        preflight.read()
    finally:
        connection.close()
    assert preflight.status >= 400, "no preflight is ever allowed"
    for answer in (headers, headers_local, dict(preflight.getheaders())):
        assert not any(name.lower().startswith("access-control-") for name in answer)
    text = view.wait_for("invoke_agent Loopback")
    assert "Evil" not in text and "Sandboxed" not in text
    assert "invoke_agent Local Page" in text


def test_an_error_inside_the_handler_is_answered_and_the_server_keeps_serving(view, mocker):
    mocker.patch(
        "sentry_agents.__main__._is_local_origin", side_effect=RuntimeError("injected fault")
    )
    status, _, answer = view.post(agent_envelope("Faulty"), {"Origin": "http://localhost"})
    assert status == 500
    assert json.loads(answer) == {"detail": "internal error"}
    assert "injected fault" in view.errors.getvalue()
    assert view.post(agent_envelope("After Fault"))[0] == 200
    assert "invoke_agent After Fault" in view.wait_for("After Fault")


def test_listens_on_loopback_only(view):
    assert view.server.server_address[0] == "127.0.0.1"


# --- the command line ---------------------------------------------------------------


def test_serve_command_line_starts_and_listens(tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"m": {"input": 1, "output": 2}}))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sentry_agents",
            "serve",
            "--port",
            "0",
            "--prices",
            str(prices),
            "--all",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("sentry-agents: listening on 127.0.0.1:")
    finally:
        proc.terminate()
        proc.wait(WAIT)


def test_serve_stops_when_its_output_is_closed():
    """``serve | head -3``: once the pipe's reader had gone, every envelope was refused as
    "malformed envelope: BrokenPipeError" (400) and the server ran on forever; it now
    says so in one line and exits with status 1."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sentry_agents", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        port = int(first.rsplit(":", 1)[1])
        proc.stdout.readline()
        proc.stdout.close()  # the reader goes, as `head` does
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        try:
            connection.request("POST", PATH, body=agent_envelope("Piped"))
            assert connection.getresponse().status == 503
        finally:
            connection.close()
        assert proc.wait(WAIT) == 1
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WAIT)
    assert "the output can no longer be written (BrokenPipeError" in err
    assert "malformed" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "No such file or directory"),
        ("{not json", "Expecting property name"),
        ('{"gpt-4o": {"input": "cheap"}}', "input must be a number"),
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deep to read"),
    ],
    ids=["missing", "not JSON", "not prices", "nested too deep"],
)
def test_serve_command_line_refuses_a_bad_price_table_in_one_line(
    tmp_path, capsys, content, problem
):
    """A price table that is missing, not JSON or not prices ended the command with a
    traceback; it is refused as a bad argument is: usage and one line, exit status 2."""
    from sentry_agents.__main__ import main

    prices = tmp_path / "prices.json"
    if content is not None:
        prices.write_text(content)
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--port", "0", "--prices", str(prices)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"error: --prices {prices}: " in err and problem in err
    assert "Traceback" not in err


def test_serve_with_an_empty_price_table_does_not_use_genai_prices(tmp_path, mocker):
    """``--prices`` naming an empty table (``{}``: no costs wanted) fell back to the
    genai-prices package, as though no table had been given."""
    import sentry_agents.__main__ as command

    prices = tmp_path / "prices.json"
    prices.write_text("{}")
    fallback = mocker.patch.object(command, "genai_prices_pricer")
    with socket.socket() as taken:  # the server then stops at once, its prices chosen
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert command.main(["serve", "--port", str(port), "--prices", str(prices)]) == 1
        assert command.main(["serve", "--port", str(port)]) == 1
    assert fallback.call_count == 1  # the second call's, without --prices


def test_serve_command_line_on_a_port_in_use_says_so_in_one_line(capsys):
    """A port already taken ended the command with a traceback; it says so, exit status 1."""
    from sentry_agents.__main__ import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"sentry-agents: cannot listen on 127.0.0.1:{port}: " in err
    assert "Traceback" not in err


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_command_line_with_no_port_number_says_so_in_one_line(capsys, port):
    """``--port 99999`` ended the command with an ``OverflowError`` traceback from the
    socket; a value that is no port is a usage error, exit status 2, as a bad
    ``--prices`` is."""
    from sentry_agents.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--port", port])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument --port: " in err
    assert "Traceback" not in err
