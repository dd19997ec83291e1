"""The span tree renderer and the pytest plugin (``serve`` is in ``test_serve.py``)."""

from __future__ import annotations

import pytest
import sentry_sdk
from sentry_sdk.transport import Transport

from conftest import MODES
from sentry_agents.console import MemoryTransport
from test_serve import traced_run

pytest_plugins = ["pytester"]


def test_colour_only_when_asked():
    from sentry_agents._envelopes import SpanRecord
    from sentry_agents._render import render_tree

    span = SpanRecord(
        "t", "s", None, "gen_ai.chat", "chat m", "internal_error", 0.0, 0.5, {"error.type": "X"}
    )
    assert "\033[31m" in render_tree([span], color=True)
    assert "\033[" not in render_tree([span], color=False)


@pytest.mark.parametrize(
    "usage",
    [
        {  # the current keys, as sentry-agents sends them
            "gen_ai.usage.cache_read.input_tokens": 100,
            "gen_ai.usage.reasoning.output_tokens": 12,
        },
        {  # the older names, as sentry-sdk's own integrations send them
            "gen_ai.usage.input_tokens.cached": 100,
            "gen_ai.usage.output_tokens.reasoning": 12,
        },
    ],
)
def test_token_counts_are_shown_under_either_name(usage):
    from sentry_agents._envelopes import SpanRecord
    from sentry_agents._render import render_tree

    attributes = {"gen_ai.usage.input_tokens": 120, "gen_ai.usage.output_tokens": 30, **usage}
    span = SpanRecord("t", "s", None, "gen_ai.chat", "chat m", "ok", 0.0, 0.5, attributes)
    assert "120 in (100 cached) / 30 out (12 reasoning) tokens" in render_tree([span])


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


@pytest.mark.parametrize("agent_spans", MODES, indirect=True)
def test_the_tree_prints_a_run_whose_names_are_not_known(agent_spans):
    """A run whose agent, model, tool and MCP method were ``None`` printed as
    ``invoke_agent None``, ``execute_tool None`` and ``None``: each now prints as its
    operation alone, with nothing of the name."""
    import sentry_agents

    with sentry_agents.invoke_agent(None):
        with sentry_agents.chat(None):
            pass
        with sentry_agents.execute_tool(None):
            pass
    with sentry_agents.mcp_server(None):
        pass
    lines = agent_spans.render().splitlines()
    assert [line.split()[0] for line in lines] == [
        "invoke_agent",
        "chat",
        "execute_tool",
        "mcp.server",
    ]
    assert "None" not in "\n".join(lines)


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


def test_expect_failure_message_says_when_nothing_was_sent(agent_spans):
    """With nothing sent, the message ended in ``Spans sent:`` and a blank line."""
    with pytest.raises(AssertionError) as failure:
        agent_spans.expect("invoke_agent")
    assert str(failure.value).endswith("Spans sent: none.")


def test_expect_failure_message_names_a_second_sentry_init(agent_spans):
    """The code under test initialising sentry-sdk itself (an app factory's
    ``sentry_sdk.init``) takes its spans away from the capture: the failure says so,
    instead of only that nothing was sent."""
    sentry_sdk.init(transport=MemoryTransport(), traces_sample_rate=1.0, default_integrations=False)
    traced_run()
    with pytest.raises(AssertionError) as failure:
        agent_spans.expect("invoke_agent")
    message = str(failure.value)
    assert "found none" in message
    assert "sentry_sdk.init was called again after the capture started" in message


def test_expect_failure_message_escapes_the_span_it_names(agent_spans):
    """The failure message named ``under`` by its name as sent, control characters raw
    (the tree below it was escaped), and a ``name`` that is not text raised
    ``TypeError`` while the message was written, instead of the failure."""
    import sentry_agents

    with sentry_agents.invoke_agent("\x1b[2J evil\x07"):
        pass
    agent = agent_spans.expect("invoke_agent")
    with pytest.raises(AssertionError) as failure:
        agent_spans.expect("execute_tool", under=agent)
    assert "under invoke_agent \\x1b[2J evil\\x07; found none" in str(failure.value)
    assert "\x1b" not in str(failure.value) and "\x07" not in str(failure.value)
    with pytest.raises(AssertionError, match="expected one invoke_agent named 42 span"):
        agent_spans.expect("invoke_agent", name=42)  # type: ignore[arg-type]


@pytest.mark.parametrize("agent_spans", MODES, indirect=True)
def test_agent_spans_finds_mcp_spans(agent_spans):
    """An MCP server's spans are part of an agent run, as the terminal view shows them:
    ``expect("mcp.server")`` found none."""
    import sentry_agents

    with sentry_agents.mcp_server("tools/call", "get_weather", request_id=7):
        pass
    with sentry_agents.mcp_notification("notifications/progress", "server_to_client"):
        pass
    server = agent_spans.expect("mcp.server", name="tools/call get_weather")
    assert server.attributes["mcp.request.id"] == "7"
    agent_spans.expect("mcp.notification.server_to_client")
    assert len(agent_spans.spans) == 2


@pytest.mark.parametrize("agent_spans", MODES, indirect=True)
def test_agent_spans_finds_an_mcp_tool_call_by_its_tool_name(agent_spans):
    """``expect(op, name=...)`` takes "its agent, tool or model name": an MCP server's
    ``tools/call get_weather`` span, whose tool is ``get_weather``, was not found by it."""
    import sentry_agents

    with sentry_agents.mcp_server("tools/call", "get_weather"):
        pass
    with sentry_agents.mcp_server("tools/list"):
        pass
    server = agent_spans.expect("mcp.server", name="get_weather")
    assert server.name == "tools/call get_weather"


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


@pytest.mark.parametrize("autoload", [True, False], ids=["autoloaded", "autoload off"])
def test_the_plugin_named_in_pytest_plugins_loads_once(pytester, monkeypatch, autoload):
    """``pytest_plugins = ["sentry_agents.testing"]`` in a conftest (the way to load it
    with ``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``) crashed pytest at start where the plugin
    was also autoloaded: its entry point registered the module under another name."""
    if autoload:
        monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    else:
        monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeconftest('pytest_plugins = ["sentry_agents.testing"]')
    pytester.makepyfile(
        """
        import sentry_agents

        def test_user(agent_spans):
            with sentry_agents.invoke_agent("A"):
                pass
            agent_spans.expect("invoke_agent", name="A")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_fixture_gives_the_apps_own_client_back(pytester):
    """An app that initialises sentry-sdk itself (in a conftest, or when imported) still
    has its client, open, in the tests after one that used ``agent_spans``."""
    pytester.makeconftest(
        """
        import sentry_sdk
        from sentry_sdk.transport import Transport

        class Keep(Transport):
            def __init__(self, options=None):
                super().__init__(options)
                self.kept = 0

            def capture_envelope(self, envelope):
                self.kept += 1

        KEEP = Keep()
        sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", transport=KEEP)
        """
    )
    pytester.makepyfile(
        """
        import sentry_sdk
        import sentry_agents

        def test_1_with_the_fixture(agent_spans):
            with sentry_agents.invoke_agent("A"):
                pass
            agent_spans.expect("invoke_agent", name="A")

        def test_2_the_app_reports_again():
            from conftest import KEEP

            assert sentry_sdk.get_client().transport is KEEP
            sentry_sdk.capture_message("still here")
            assert KEEP.kept == 1
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


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


def test_start_capture_works_without_pytest():
    """``start_capture`` is for scripts, notebooks and other test runners: importing
    ``sentry_agents.testing`` where pytest cannot be imported still gives it (and no
    fixture)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['pytest'] = None\n"  # as if pytest were not installed
        "import sentry_agents, sentry_agents.testing as testing\n"
        "spans = testing.start_capture()\n"
        "with sentry_agents.invoke_agent('A'):\n"
        "    with sentry_agents.execute_tool('t'):\n"
        "        pass\n"
        "print(sorted(s.name for s in spans.all), hasattr(testing, 'agent_spans'))\n"
        "testing.stop_capture()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['execute_tool t', 'invoke_agent A'] False"


def test_an_agent_priced_by_the_console_shows_the_sum_of_its_model_calls():
    """Priced at print time (``ConsoleTransport(prices=...)``, ``serve``), an agent's line
    shows what its model calls cost in all, nested agents' included, as sentry-agents
    sums it when it prices the spans itself; an agent without priced calls shows none."""
    from sentry_agents._envelopes import SpanRecord
    from sentry_agents._render import render_tree

    def span(span_id, parent, op, name, **attributes):
        return SpanRecord("t", span_id, parent, op, name, "ok", 0.0, 0.1, attributes)

    prices = {"m": {"input": 1.0, "output": 2.0}}  # $ per million tokens
    spans = [
        span(
            "a",
            None,
            "gen_ai.invoke_agent",
            "invoke_agent Planner",
            **{"gen_ai.request.model": "m"},
        ),
        span(
            "c1",
            "a",
            "gen_ai.chat",
            "chat m",
            **{"gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 1_000_000},
        ),
        span("b", "a", "gen_ai.invoke_agent", "invoke_agent Helper"),
        span(
            "c2",
            "b",
            "gen_ai.chat",
            "chat m",
            **{"gen_ai.request.model": "m", "gen_ai.usage.output_tokens": 500_000},
        ),
        span("e", None, "gen_ai.invoke_agent", "invoke_agent Idle"),
    ]
    rendered = render_tree(spans, prices=prices).splitlines()
    lines = {line.strip().split("  ")[0]: line for line in rendered}
    assert "$2.000000" in lines["invoke_agent Planner"]
    assert "$1.000000" in lines["invoke_agent Helper"]
    assert "$" not in lines["invoke_agent Idle"]
    assert render_tree(spans).count("$") == 0


_DEEP_JSON = b"[" * 100_000 + b"]" * 100_000  # deeper than json can read: RecursionError


@pytest.mark.parametrize("agent_spans", MODES, indirect=True)
def test_a_deeply_nested_json_attachment_is_kept_out_of_the_capture(agent_spans):
    """Every item's payload was read as JSON, attachments too: one nested deeper than
    ``json`` can read raised RecursionError out of the transport's ``capture_envelope``
    and the event it came with was lost."""
    import sentry_sdk

    import sentry_agents

    with sentry_agents.invoke_agent("Agent"):
        with sentry_sdk.new_scope() as scope:
            scope.add_attachment(
                bytes=_DEEP_JSON, filename="deep.json", content_type="application/json"
            )
            sentry_sdk.capture_message("with a deep attachment")
    agent_spans.expect("invoke_agent", name="Agent")
    assert [event.get("message") for event in agent_spans.errors] == ["with a deep attachment"]


def test_an_item_that_does_not_decode_is_logged_and_the_rest_kept(sdk_log):
    """``MemoryTransport`` and ``ConsoleTransport`` skip an item they read whose payload
    is not JSON they can read (logged), and an attachment is never read at all."""
    import io

    from sentry_sdk.envelope import Envelope, Item, PayloadRef

    from sentry_agents.console import ConsoleTransport, MemoryTransport
    from sentry_agents.testing import start_capture, stop_capture

    span = {"trace_id": "a" * 32, "span_id": "b" * 16, "name": "kept", "status": "ok"}
    envelope = Envelope(
        items=[
            Item(payload=PayloadRef(bytes=_DEEP_JSON), type="attachment"),
            Item(payload=PayloadRef(bytes=_DEEP_JSON), type="span"),
            Item(payload=PayloadRef(bytes=b"{not json"), type="transaction"),
            Item(payload=PayloadRef(json={"items": [span]}), type="span"),
        ]
    )
    start_capture(debug=True)  # sentry-sdk's logger lets lines through only then
    try:
        memory = MemoryTransport()
        memory.capture_envelope(envelope)
        printed = io.StringIO()
        ConsoleTransport(printed).capture_envelope(envelope)
    finally:
        stop_capture()
    assert [s.name for s in memory.capture.spans] == ["kept"]
    assert "kept" in printed.getvalue()
    assert "a span item whose payload is not JSON was skipped: RecursionError" in sdk_log.text
    assert "a transaction item whose payload is not JSON was skipped" in sdk_log.text
    assert "attachment" not in sdk_log.text


@pytest.mark.parametrize("mode", ["streaming", "transaction", "STREAM", "", None])
def test_start_capture_refuses_a_mode_it_does_not_know(mode):
    """``start_capture("streaming")`` (for ``"stream"``) ran in transaction mode, so a
    test meant for span streaming passed without running in it."""
    import sentry_sdk

    from sentry_agents.testing import start_capture

    with pytest.raises(ValueError, match=r"'static'.*'stream'"):
        start_capture(mode)  # type: ignore[arg-type]
    assert not sentry_sdk.get_client().is_active()


def test_start_capture_refuses_a_transport_of_its_own():
    """``start_capture(transport=...)`` replaced the capture's in-memory transport: the
    test then saw no span at all, and was not told why."""
    import sentry_sdk

    from sentry_agents.testing import start_capture

    with pytest.raises(TypeError, match="transport= cannot be given"):
        start_capture(transport=_Keep())
    assert not sentry_sdk.get_client().is_active()


class _Keep(Transport):
    """An app's own transport: counts what its client is given."""

    def __init__(self) -> None:
        super().__init__()
        self.kept = 0

    def capture_envelope(self, envelope: object) -> None:
        self.kept += 1


def test_stop_capture_called_twice_leaves_the_apps_client_open(sdk_log):
    """A second ``stop_capture`` (or one with no capture started) closed the app's own
    client, just given back, and left sentry-sdk not initialised."""
    import sentry_sdk

    from sentry_agents.testing import start_capture, stop_capture

    keep = _Keep()
    sentry_sdk.init(
        dsn="http://public@127.0.0.1:9/1", transport=keep, debug=True, default_integrations=False
    )
    app = sentry_sdk.get_client()
    try:
        start_capture()
        stop_capture()
        stop_capture()
        assert sentry_sdk.get_client() is app
        assert app.transport is keep
        sentry_sdk.capture_message("still here")
        assert keep.kept == 1
        assert "stop_capture() without a capture started" in sdk_log.text
    finally:
        app.close()
        sentry_sdk.get_global_scope().set_client(None)


def test_stop_capture_gives_back_a_client_without_a_dsn():
    """An app initialised without a DSN (Spotlight alone, as ``serve`` suggests) has no
    transport; ``stop_capture`` took it for a closed client and left sentry-sdk not
    initialised, so the app's Spotlight got nothing after the first test."""
    import sentry_sdk

    from sentry_agents.testing import start_capture, stop_capture

    sentry_sdk.init(
        spotlight="http://127.0.0.1:9/stream", traces_sample_rate=1.0, default_integrations=False
    )
    app = sentry_sdk.get_client()
    try:
        start_capture()
        stop_capture()
        assert sentry_sdk.get_client() is app
    finally:
        app.close()
        sentry_sdk.get_global_scope().set_client(None)
