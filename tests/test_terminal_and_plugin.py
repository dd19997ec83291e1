"""The terminal trace view (``python -m sentry_agents serve``) and the pytest plugin."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import sentry_sdk

import sentry_agents
from conftest import DELIVERY_BOUND, HAS_TRANSACTIONS, MODES
from sentry_agents.__main__ import TraceViewServer

pytest_plugins = ["pytester"]


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


@pytest.fixture
def view() -> Iterator[tuple[TraceViewServer, io.StringIO]]:
    out = io.StringIO()
    server = TraceViewServer(
        0, out, prices={"gpt-4o": {"input": 2.5, "output": 10.0, "cached_input": 1.25}}
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, out
    server.shutdown()
    server.server_close()


def init(mode: str, **options) -> None:
    if HAS_TRANSACTIONS:
        options["send_default_pii"] = True
        if mode == "stream":
            options["trace_lifecycle"] = "stream"
    sentry_sdk.init(traces_sample_rate=1.0, default_integrations=False, **options)


def wait_for(out: io.StringIO, text: str) -> str:
    deadline = time.monotonic() + DELIVERY_BOUND
    while time.monotonic() < deadline and text not in out.getvalue():
        time.sleep(0.02)
    return out.getvalue()


@pytest.mark.parametrize("mode", MODES)
def test_serve_prints_agent_runs_sent_to_its_dsn(view, mode):
    server, out = view
    init(mode, dsn=f"http://public@127.0.0.1:{server.server_address[1]}/1")
    try:
        traced_run()
        sentry_sdk.flush()
        text = wait_for(out, "invoke_agent Weather Agent")
    finally:
        sentry_sdk.get_global_scope().set_client(None)
    assert "invoke_agent Weather Agent" in text
    assert "1000 in (400 cached) / 200 out (50 reasoning) tokens" in text
    assert 'args: {"city":"Paris"}' in text
    assert 'result: {"forecast":"rain"}' in text
    assert "✗ ValueError" in text
    expected_cost = ((1000 - 400) * 2.5 + 400 * 1.25 + 200 * 10.0) / 1e6
    assert f"${expected_cost:.6f}" in text
    assert "\033[" not in text, "no colour when not on a terminal"
    assert "error: ValueError: tool failed" in wait_for(out, "error: ValueError")


@pytest.mark.skipif(not HAS_TRANSACTIONS, reason="spotlight's option differs on sentry-sdk 3.x")
def test_serve_accepts_the_spotlight_stream_url(view):
    server, out = view
    init("static", spotlight=f"http://127.0.0.1:{server.server_address[1]}/stream")
    try:
        traced_run()
        sentry_sdk.flush()
        assert "execute_tool get_weather" in wait_for(out, "execute_tool get_weather")
    finally:
        sentry_sdk.get_global_scope().set_client(None)


def test_colour_only_when_asked():
    from sentry_agents._envelopes import SpanRecord
    from sentry_agents._render import render_tree

    span = SpanRecord(
        "t", "s", None, "gen_ai.chat", "chat m", "internal_error", 0.0, 0.5, {"error.type": "X"}
    )
    assert "\033[31m" in render_tree([span], color=True)
    assert "\033[" not in render_tree([span], color=False)


def test_serve_command_line_starts_and_listens(tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"m": {"input": 1, "output": 2}}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sentry_agents", "serve", "--port", "0", "--prices", str(prices)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        assert first.startswith("sentry-agents: listening on 127.0.0.1:")
    finally:
        proc.terminate()
        proc.wait(DELIVERY_BOUND)


@pytest.mark.parametrize("agent_spans", MODES, indirect=True)
def test_agent_spans_fixture_gives_the_tree(agent_spans):
    traced_run()
    agent = agent_spans.expect("invoke_agent", name="Weather Agent")
    tool = agent_spans.expect("execute_tool", name="get_weather", under=agent)
    assert agent_spans.tool_arguments(tool) == {"city": "Paris"}
    assert agent_spans.parent(tool).span_id == agent.span_id
    chat = agent_spans.expect("chat", name="gpt-4o")
    assert agent_spans.usage(chat).input_tokens_cached == 400
    assert {c.name for c in agent_spans.children(agent)} == {
        "chat gpt-4o",
        "execute_tool get_weather",
        "execute_tool broken",
    }
    assert len(agent_spans.errors) == 1


def test_expect_failure_message_is_readable(agent_spans):
    traced_run()
    agent = agent_spans.expect("invoke_agent")
    with pytest.raises(AssertionError) as failure:
        agent_spans.expect("execute_tool", name="get_forecast", under=agent)
    message = str(failure.value)
    assert (
        "expected one execute_tool named get_forecast span under invoke_agent Weather Agent; "
        "found none" in message
    )
    assert "execute_tool get_weather" in message, "the failure shows what was sent"


def test_failing_user_test_prints_the_span_tree(pytester):
    pytester.makepyfile(
        """
        import sentry_agents

        def test_user(agent_spans):
            with sentry_agents.invoke_agent("User Agent"):
                with sentry_agents.execute_tool("search"):
                    pass
            assert agent_spans.find("execute_tool", name="missing")
        """
    )
    result = pytester.runpytest_subprocess("-s")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "sentry-agents: spans sent during this test:" in output
    assert "invoke_agent User Agent" in output and "  execute_tool search" in output


def test_cost_from_genai_prices_when_installed():
    pytest.importorskip("genai_prices")
    from genai_prices import Usage, calc_price

    from sentry_agents._envelopes import SpanRecord
    from sentry_agents._render import genai_prices_pricer, render_tree

    pricer = genai_prices_pricer()
    assert pricer is not None
    attributes = {
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.provider.name": "openai",
        "gen_ai.usage.input_tokens": 1000,
        "gen_ai.usage.output_tokens": 200,
        "gen_ai.usage.cache_read.input_tokens": 400,
    }
    expected = float(
        calc_price(
            Usage(input_tokens=1000, output_tokens=200, cache_read_tokens=400),
            model_ref="gpt-4o",
            provider_id="openai",
        ).total_price
    )
    assert pricer(attributes) == pytest.approx(expected)
    assert expected > 0
    span = SpanRecord("t", "s", None, "gen_ai.chat", "chat gpt-4o", "ok", 0.0, 0.1, attributes)
    assert f"${expected:.6f}" in render_tree([span], prices=pricer)
    assert pricer({**attributes, "gen_ai.request.model": "no-such-model"}) is None
