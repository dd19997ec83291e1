"""When spans start and end: time to first chunk within the span, a failed span's end
taken before its error is reported, and every started span finished on every exit
path (BaseException included). Orderings and invariants only, never a clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import sentry_sdk

import sentry_agents
from conftest import child_span, ended


class ToolBroke(RuntimeError):
    pass


def test_time_to_first_chunk_never_exceeds_the_span_duration(sentry):
    def slow_sampler(context: dict[str, Any]) -> float:
        # Fault injection on the user's side: in streaming mode sentry-sdk samples a root
        # span before taking its start time, so a slow sampler widens any gap between
        # "the helper started" and "the span started".
        time.sleep(0.001)
        return 1.0

    sentry.init(traces_sampler=slow_sampler, transport_queue_size=1000)
    runs = 150

    def returned_stream(i: int) -> Any:
        with sentry_agents.chat(f"late-{i}") as llm:
            return llm.stream(iter([f"chunk {i}"]))

    async def async_stream(i: int) -> None:
        async def chunks() -> Any:
            yield f"chunk {i}"

        async with sentry_agents.chat(f"async-{i}") as llm:
            async for _ in llm.stream(chunks()):
                pass

    for i in range(runs):
        with sentry_agents.chat(f"sync-{i}") as llm:
            for _ in llm.stream(iter([f"chunk {i}", "more"])):
                pass
        assert list(returned_stream(i)) == [f"chunk {i}"]  # the span ends with its stream
        asyncio.run(async_stream(i))
    streamed = [s for s in sentry.gen_ai_spans() if s.op == "gen_ai.chat"]
    assert len(streamed) == 3 * runs
    outside = [
        (s.name, s.attributes.get("gen_ai.response.time_to_first_chunk"), s.duration)
        for s in streamed
        if not 0 <= s.attributes.get("gen_ai.response.time_to_first_chunk", -1) <= s.duration
    ]
    assert outside == []


def watch_reports(sentry) -> tuple[list[Any], list[bool]]:
    """sentry-sdk initialised to note, at each error report, whether the last span put
    in the first list had already ended (in the second)."""
    native_spans: list[Any] = []
    ended_when_reported: list[bool] = []

    def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        ended_when_reported.append(ended(native_spans[-1]))
        return event

    sentry.init(before_send=before_send)
    return native_spans, ended_when_reported


def test_a_failed_span_ends_before_its_error_is_reported(sentry):
    native_spans, ended_when_reported = watch_reports(sentry)
    error = ValueError("instant failure")
    with pytest.raises(ValueError) as caught:
        with sentry_agents.invoke_agent("Agent"):
            with sentry_agents.execute_tool("instant") as tool:
                native_spans.append(tool.span)
                raise error
    assert caught.value is error
    assert ended_when_reported == [True], "the span's end is taken before the report"
    span = sentry.named("execute_tool instant")
    assert span.is_error() and span.attributes["error.type"] == "ValueError"
    agent = sentry.named("invoke_agent Agent")
    assert agent.attributes["error.type"] == "ValueError"
    assert agent.status == ("internal_error" if sentry.mode == "static" else "error")
    events = sentry.events()
    assert len(events) == 1, "reported once, by the innermost span"
    exception = events[0]["exception"]["values"][-1]
    assert exception["type"] == "ValueError"
    assert exception["mechanism"]["type"] == "sentry_agents"
    assert exception["mechanism"]["handled"] is False
    assert events[0]["contexts"]["trace"]["trace_id"] == span.trace_id
    assert events[0]["contexts"]["trace"]["span_id"] == span.span_id


def test_a_failed_decorated_tool_ends_before_its_error_is_reported(sentry):
    native_spans, ended_when_reported = watch_reports(sentry)

    @sentry_agents.tool
    def broken() -> None:
        native_spans.append(sentry_agents.current_span().span)
        raise LookupError("nope")

    with pytest.raises(LookupError):
        broken()
    assert ended_when_reported == [True]
    assert sentry.named("execute_tool broken").attributes["error.type"] == "LookupError"
    assert len(sentry.events()) == 1


def interrupting(kind: str, value: Any) -> Any:
    """A redaction hook the user interrupts (Ctrl-C while it runs)."""
    raise KeyboardInterrupt


def assert_finished_as_cancelled(sentry, name: str) -> None:
    span = sentry.named(name)
    assert "error.type" not in span.attributes
    if sentry.mode == "static":
        assert span.status == "cancelled"
    assert sentry.events() == [], "an interrupt is not an error report"
    assert sentry_agents.current_span() is None


def test_interrupt_while_a_helper_starts_finishes_its_span(sentry):
    interrupt = KeyboardInterrupt()

    def hook(kind: str, value: Any) -> Any:
        raise interrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        with sentry_agents.chat("m", messages="a long history", redact=hook):
            raise AssertionError("not reached: the interrupt came while starting")
    assert caught.value is interrupt
    assert_finished_as_cancelled(sentry, "chat m")


def test_interrupt_while_a_nested_helper_starts_finishes_both_spans(sentry):
    with pytest.raises(KeyboardInterrupt):
        with sentry_agents.invoke_agent("Outer"):
            with sentry_agents.chat("m", messages="a long history", redact=interrupting):
                raise AssertionError("not reached")
    inner, outer = sentry.named("chat m"), sentry.named("invoke_agent Outer")
    assert inner.parent_span_id == outer.span_id
    assert "error.type" not in inner.attributes and "error.type" not in outer.attributes
    assert sentry.events() == []
    assert sentry_agents.current_span() is None


def test_interrupt_while_start_records_the_arguments_finishes_the_span(sentry):
    with pytest.raises(KeyboardInterrupt):
        sentry_agents.execute_tool("t", arguments={"q": 1}, redact=interrupting).start()
    assert_finished_as_cancelled(sentry, "execute_tool t")


@pytest.mark.parametrize("kind", ["tool", "agent"])
def test_interrupt_while_a_decorator_records_the_call_finishes_its_span(sentry, kind):
    sentry_agents.configure(redact=interrupting)
    if kind == "tool":

        @sentry_agents.tool
        def lookup(q: str) -> str:
            raise AssertionError("not reached")

    else:

        @sentry_agents.agent(name="lookup")
        def lookup(q: str) -> str:
            raise AssertionError("not reached")

    with pytest.raises(KeyboardInterrupt):
        lookup("x")
    name = "execute_tool lookup" if kind == "tool" else "invoke_agent lookup"
    assert_finished_as_cancelled(sentry, name)


def test_interrupt_while_a_decorator_records_the_result_finishes_its_span(sentry):
    def interrupt_on_result(kind: str, value: Any) -> Any:
        if kind == "tool.result":
            raise KeyboardInterrupt
        return value

    sentry_agents.configure(redact=interrupt_on_result)

    @sentry_agents.tool
    def lookup(q: str) -> str:
        return "found"

    with pytest.raises(KeyboardInterrupt):
        lookup("x")
    assert_finished_as_cancelled(sentry, "execute_tool lookup")


def interrupt_on_output(kind: str, value: Any) -> Any:
    """A redaction hook interrupted as it is given a span's output."""
    if kind == "output.messages":
        raise KeyboardInterrupt
    return value


def test_interrupt_while_a_stream_is_recorded_finishes_its_span(sentry):
    with pytest.raises(KeyboardInterrupt):
        with sentry_agents.chat("m", redact=interrupt_on_output) as llm:
            for _ in llm.stream(iter(["a", "b"])):
                pass
    assert_finished_as_cancelled(sentry, "chat m")


def test_interrupt_while_an_open_stream_is_recorded_on_an_error_finishes_its_span(sentry):
    """The ``with`` block raised with its stream open, and recording what the stream
    received was interrupted: the span still finishes, failed by the block's error."""

    with pytest.raises(KeyboardInterrupt):
        with sentry_agents.chat("m", redact=interrupt_on_output) as llm:
            stream = llm.stream(iter(["a", "b"]))
            for _ in stream:
                raise ToolBroke("the consumer failed")
    assert sentry.named("chat m").attributes["error.type"] == "ToolBroke"
    assert sentry_agents.current_span() is None


def test_exception_marks_spans_reports_once_and_reraises_same_object(sentry):
    error = ToolBroke("no weather")
    with pytest.raises(ToolBroke) as caught:
        with sentry_agents.invoke_agent("A"):
            with sentry_agents.execute_tool("get_weather"):
                raise error
    assert caught.value is error
    tool = sentry.named("execute_tool get_weather")
    agent = sentry.named("invoke_agent A")
    for span in (tool, agent):
        assert span.is_error()
        assert span.attributes["error.type"] == "ToolBroke"
    if sentry.mode == "static":
        assert agent.status == "internal_error"
    events = sentry.events()
    assert len(events) == 1
    exception = events[0]["exception"]["values"][-1]
    assert exception["type"] == "ToolBroke"
    assert exception["mechanism"]["type"] == "sentry_agents"
    assert exception["mechanism"]["handled"] is False
    assert events[0]["contexts"]["trace"]["span_id"] == tool.span_id


class Recorded(Exception):
    """An exception whose attributes the user's code compares (as some loggers and test
    helpers do): recording must add none."""


def test_an_error_reported_inside_is_reported_once_and_left_untouched(sentry):
    """Nested spans report the user's error once, without setting anything on it: its
    ``__dict__`` is what the user's code put there, before and after."""
    error = Recorded("tool failed")
    error.detail = "kept"  # type: ignore[attr-defined]
    with pytest.raises(Recorded) as caught:
        with sentry_agents.invoke_agent("Outer"):
            with sentry_agents.invoke_agent("Inner"):
                with sentry_agents.execute_tool("breaks"):
                    raise error
    assert caught.value is error
    assert vars(error) == {"detail": "kept"}, "nothing of ours was set on the exception"
    assert len(sentry.events()) == 1, "reported once, by the innermost span"
    for name in ("execute_tool breaks", "invoke_agent Inner", "invoke_agent Outer"):
        assert sentry.named(name).attributes["error.type"] == "Recorded"


def test_an_error_caught_inside_and_raised_again_later_is_reported_again(sentry):
    """What spans inside reported is forgotten once the span around them ends normally:
    the same exception raised again in a later span (kept and re-raised by the user's
    code) is that span's failure, reported with it."""
    error = Recorded("failed twice")
    with sentry_agents.invoke_agent("First"):
        try:
            with sentry_agents.execute_tool("first"):
                raise error
        except Recorded:
            pass
    with pytest.raises(Recorded):
        with sentry_agents.invoke_agent("Second"):
            raise error
    assert vars(error) == {}
    assert len(sentry.events()) == 2
    assert sentry.named("invoke_agent First").attributes.get("error.type") is None


def test_a_long_run_keeps_only_its_latest_reported_errors_alive(sentry):
    """Tool failures caught inside an open agent span (an agent loop feeding errors back to
    the model) are remembered only up to a bound, so they do not pile up in memory."""
    import gc
    import weakref

    class Failure(Exception):
        pass

    class Payload:
        """What a failure holds (exceptions themselves take no weak references)."""

    alive: list[weakref.ref[Any]] = []
    reported: list[Any] = []
    # Each failure is reported; the events are counted, not queued (300 would fill it).
    sentry.init(before_send=lambda event, hint: reported.append(event) and None)
    with sentry_agents.invoke_agent("Looping"):
        for step in range(300):
            payload = Payload()
            alive.append(weakref.ref(payload))
            try:
                with sentry_agents.execute_tool("flaky"):
                    raise Failure(payload, step)
            except Failure:
                pass
            del payload
        gc.collect()
        kept = sum(ref() is not None for ref in alive)
    assert len(reported) == 300
    assert 0 < kept <= 257, f"{kept} reported errors still held by the open agent span"


def test_an_error_reported_outside_any_span_is_not_reported_again_where_it_ends(sentry):
    """A task started before the agent span it is awaited in, or a generator started
    before it, has no span around its own: what it reports is remembered apart (the
    latest few), so the agent span it reaches does not report it again."""

    async def work() -> None:
        with sentry_agents.execute_tool("in_task"):
            raise Recorded("from a task")

    async def main() -> None:
        task = asyncio.ensure_future(work())
        await asyncio.sleep(0)  # the task runs (and fails) before the agent span starts
        with sentry_agents.invoke_agent("Awaits"):
            await task

    with pytest.raises(Recorded):
        asyncio.run(main())

    @sentry_agents.execute_tool("stepped")
    def steps():
        yield 1
        raise Recorded("from a generator")

    stepped = steps()
    next(stepped)
    with pytest.raises(Recorded):
        with sentry_agents.invoke_agent("Iterates"):
            for _ in stepped:
                pass
    reported = sorted(e["exception"]["values"][-1]["value"] for e in sentry.events())
    assert reported == ["from a generator", "from a task"]
    for name in ("invoke_agent Awaits", "invoke_agent Iterates"):
        assert sentry.named(name).attributes["error.type"] == "Recorded"


def test_an_error_caught_inside_a_span_is_reported_by_a_span_it_leaves_later(sentry):
    """An error a tool span reported, caught and raised again inside the same agent span,
    is not reported again by that agent span; a different exception chained to it is."""
    error = Recorded("first")
    with pytest.raises(ValueError) as caught:
        with sentry_agents.invoke_agent("Agent"):
            try:
                with sentry_agents.execute_tool("breaks"):
                    raise error
            except Recorded as inner:
                with pytest.raises(Recorded):
                    with sentry_agents.execute_tool("again"):
                        raise inner
                raise ValueError("gave up") from inner
    assert caught.value.__cause__ is error
    reported = [e["exception"]["values"][-1]["value"] for e in sentry.events()]
    assert reported == ["first", "gave up"]


@pytest.mark.skipif(not hasattr(asyncio, "TaskGroup"), reason="asyncio.TaskGroup: Python 3.11+")
def test_errors_a_task_group_gathers_are_reported_once(sentry):
    first, second = ToolBroke("first"), ToolBroke("second")

    async def tool(name: str, error: Exception) -> None:
        async with sentry_agents.execute_tool(name):
            raise error

    async def main() -> None:
        async with sentry_agents.invoke_agent("A"):
            async with asyncio.TaskGroup() as group:
                group.create_task(tool("one", first))
                group.create_task(tool("two", second))

    with pytest.raises(BaseException) as caught:
        asyncio.run(main())
    assert list(caught.value.exceptions) == [first, second]
    assert sentry.named("invoke_agent A").attributes["error.type"] == "ExceptionGroup"
    reported = [e["exception"]["values"][-1]["value"] for e in sentry.events()]
    assert sorted(reported) == ["first", "second"]


@pytest.mark.skipif(not hasattr(asyncio, "TaskGroup"), reason="asyncio.TaskGroup: Python 3.11+")
def test_a_task_group_of_a_hundred_failing_tools_is_reported_once_each(sentry):
    """More failures than a handful: each reported by its tool span, the group the
    TaskGroup raises with them all not reported again."""
    reported: list[Any] = []
    sentry.init(before_send=lambda event, hint: reported.append(event) and None)

    async def tool(index: int) -> None:
        async with sentry_agents.execute_tool(f"t{index}"):
            raise ToolBroke(f"tool {index}")

    async def main() -> None:
        async with sentry_agents.invoke_agent("Many"):
            async with asyncio.TaskGroup() as group:
                for index in range(100):
                    group.create_task(tool(index))

    with pytest.raises(BaseException) as caught:
        asyncio.run(main())
    assert len(caught.value.exceptions) == 100
    values = sorted(e["exception"]["values"][-1]["value"] for e in reported)
    assert values == sorted(f"tool {index}" for index in range(100))


def test_uninitialised_sdk_is_a_no_op():
    assert not sentry_sdk.get_client().is_active()
    with sentry_agents.invoke_agent("A") as agent:
        with sentry_agents.chat("m", messages="hi") as llm:
            llm.set_output("x")
            llm.set_usage(input_tokens=1)
        assert agent.span is None
        assert not agent.is_recording


def test_sdk_failure_while_recording_is_contained(sentry, mocker, sdk_log):
    from sentry_agents import _sdk

    sentry.init(debug=True)
    for kind in (_sdk.NativeSpan, _sdk.StreamedSpan):
        mocker.patch.object(kind, "finish", side_effect=RuntimeError("sdk broke"))
    mocker.patch.object(_sdk, "content_gate", side_effect=RuntimeError("gate broke"))
    with sentry_agents.invoke_agent("A") as agent:
        with sentry_agents.chat("m", messages="hi") as llm:
            llm.set_output("x")
        agent.set_output("y")
    assert "sdk broke" in sdk_log.text and "gate broke" in sdk_log.text
    assert sentry_agents.current_span() is None


def test_a_span_whose_start_attributes_fail_still_starts_and_is_finished(sentry, mocker, sdk_log):
    """A failure computing a span's attributes at start is contained where they are
    computed: the span is sent, named and finished (in transaction mode sentry-sdk's
    child was started before them, and was left open)."""
    from sentry_agents import _tool

    sentry.init(debug=True)
    mocker.patch.object(
        _tool.ToolSpan, "_start_attributes", side_effect=RuntimeError("attributes broke")
    )
    with sentry_agents.invoke_agent("A"):
        with sentry_agents.execute_tool("lookup") as tool:
            tool.set_result("ok")
    span = sentry.named("execute_tool lookup")
    assert span.op == "gen_ai.execute_tool"
    assert span.parent_span_id == sentry.named("invoke_agent A").span_id
    assert "attributes broke" in sdk_log.text
    assert sentry_agents.current_span() is None


def test_scope_is_restored_even_when_our_own_reset_fails(sentry, mocker, sdk_log):
    from sentry_agents import _span

    sentry.init(debug=True)
    real = _span._current

    class FailingReset:
        def get(self):
            return real.get()

        def set(self, value):
            return real.set(value)

        def reset(self, token):
            raise ValueError("token from another context")

    mocker.patch.object(_span, "_current", FailingReset())
    before = sentry_sdk.get_current_scope()
    try:
        with sentry_agents.chat("m"):
            assert sentry_sdk.get_current_scope() is not before
        assert sentry_sdk.get_current_scope() is before
        assert "token from another context" in sdk_log.text
    finally:
        real.set(None)


def test_user_exception_passes_through_when_sdk_also_fails(sentry, mocker):
    from sentry_agents import _sdk

    mocker.patch.object(_sdk, "capture_exception", side_effect=RuntimeError("capture broke"))
    error = KeyError("user")
    with pytest.raises(KeyError) as caught:
        with sentry_agents.chat("m"):
            raise error
    assert caught.value is error
    assert sentry.named("chat m").is_error()


def cancel_once_started(body: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    """Run ``body`` in a task until it sets its event, then cancel the task (only
    cancellation ends it)."""

    async def main() -> None:
        started = asyncio.Event()
        task = asyncio.ensure_future(body(started))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


def test_cancellation_is_not_an_error_report(sentry):
    async def slow_agent(started: asyncio.Event) -> None:
        async with sentry_agents.invoke_agent("Slow"):
            started.set()
            await asyncio.Event().wait()

    cancel_once_started(slow_agent)
    span = sentry.named("invoke_agent Slow")
    assert "error.type" not in span.attributes
    assert span.status == ("cancelled" if sentry.mode == "static" else "ok")
    assert sentry.events() == []


def test_a_cancelled_span_sent_apart_from_its_transaction_is_not_an_error(sentry):
    """A cancelled gen_ai child span, which sentry-sdk sends apart from its transaction
    (as a span item with only ``ok`` and ``error``; 2.64+), arrives ``ok``, not
    ``error``; inside the transaction event (older 2.x) it is ``cancelled``, as the
    transaction it was cancelled in is."""

    async def agents(started: asyncio.Event) -> None:
        async with sentry_agents.invoke_agent("Outer"):
            async with sentry_agents.invoke_agent("Inner"):
                started.set()
                await asyncio.Event().wait()

    cancel_once_started(agents)
    splits = sentry_sdk.get_client().options.get("stream_gen_ai_spans") is True
    inner = sentry.named("invoke_agent Inner")
    assert inner.status == ("cancelled" if sentry.mode == "static" and not splits else "ok")
    assert "error.type" not in inner.attributes
    outer = sentry.named("invoke_agent Outer")
    assert outer.status == ("cancelled" if sentry.mode == "static" else "ok")
    assert sentry.events() == []


def test_keyboard_interrupt_finishes_and_propagates(sentry):
    with pytest.raises(KeyboardInterrupt):
        with sentry_agents.invoke_agent("Interrupted"):
            raise KeyboardInterrupt
    assert sentry.named("invoke_agent Interrupted")
    assert sentry.events() == []


def test_capture_errors_off_records_the_failure_without_an_error_event(sentry):
    """``configure(capture_errors=False)`` and ``capture_errors=`` on one helper: the span
    still fails (status and ``error.type``), the exception still propagates unchanged, and
    no error event is sent; a helper's ``capture_errors=True`` wins over the setting."""
    sentry_agents.configure(capture_errors=False)
    quiet = ToolBroke("quiet")
    with pytest.raises(ToolBroke) as caught:
        with sentry_agents.execute_tool("quiet_tool"):
            raise quiet
    assert caught.value is quiet
    loud = ToolBroke("loud")
    with pytest.raises(ToolBroke):
        with sentry_agents.execute_tool("loud_tool", capture_errors=True):
            raise loud
    sentry_agents.configure(capture_errors=True)
    with pytest.raises(ToolBroke):
        with sentry_agents.execute_tool("local_tool", capture_errors=False):
            raise ToolBroke("local")
    for name in ("execute_tool quiet_tool", "execute_tool loud_tool", "execute_tool local_tool"):
        span = sentry.named(name)
        assert span.status in ("internal_error", "error")
        assert span.attributes["error.type"] == "ToolBroke"
    messages = [e["exception"]["values"][-1]["value"] for e in sentry.events()]
    assert messages == ["loud"]


def test_a_span_started_in_a_helper_entered_again_after_it_ended_is_sent(sentry):
    reused = sentry_agents.invoke_agent("Reused")
    with reused:
        pass
    with reused:  # started twice: ignored, but made current again
        with sentry_agents.chat("second-run"):
            pass
    agent, llm = sentry.named("invoke_agent Reused"), sentry.named("chat second-run")
    assert (llm.trace_id, llm.parent_span_id) == (agent.trace_id, agent.span_id)


def test_spans_after_a_nested_exit_of_the_same_helper_are_sent(sentry):
    outer = sentry_agents.invoke_agent("Nested")
    with outer:
        with outer:
            pass  # ends the run: one object is one run
        with sentry_agents.execute_tool("after-inner-exit"):
            pass
    agent, tool = sentry.named("invoke_agent Nested"), sentry.named("execute_tool after-inner-exit")
    assert (tool.trace_id, tool.parent_span_id) == (agent.trace_id, agent.span_id)


def test_a_root_finished_in_another_task_is_no_longer_current_where_it_started(sentry):
    """A root started in one task and finished in another (a callback pair such as
    ``on_llm_start``/``on_llm_end``): it stayed current where it started, so every later
    run there joined its trace as its child, and a span of sentry-sdk's own started
    there was a child of a transaction already sent. As with sentry-sdk's own spans,
    nothing is current there after it, and later spans are roots of their own."""
    current_after: list[Any] = []

    async def main() -> None:
        started = sentry_agents.chat("finished-elsewhere").start()

        async def finish_it() -> None:
            started.finish()

        await asyncio.create_task(finish_it())
        current_after.append(sentry_sdk.get_current_span())
        with sentry_agents.invoke_agent("Later Agent"):
            with sentry_agents.chat("after"):
                pass

    asyncio.run(main())
    first = sentry.named("chat finished-elsewhere")
    later, after = sentry.named("invoke_agent Later Agent"), sentry.named("chat after")
    assert current_after == [None]
    assert later.parent_span_id is None
    assert first.span_id not in (later.parent_span_id, after.parent_span_id)
    assert after.parent_span_id == later.span_id


def test_spans_finished_in_the_order_they_started_leave_the_span_around_them_current(sentry):
    """Two spans started one inside the other with ``start()`` and finished in the order
    they started (a callback handler's overlapping calls): the later one stays current
    while it is open; once both ended, the span around them is current again, for
    sentry-sdk too, so later spans are its children, not children of one that ended."""
    seen = []
    with sentry_agents.invoke_agent("Agent") as agent:
        first = sentry_agents.chat("first").start()
        second = sentry_agents.chat("second").start()
        first.finish()
        seen.append(sentry_agents.current_span() is second)
        with sentry_agents.execute_tool("during"):
            pass
        second.finish()
        seen.append(sentry_agents.current_span() is agent)
        with sentry_agents.execute_tool("after"):
            pass
        mine = child_span(sentry.mode, "custom", "mine")
        with mine:
            pass
    assert seen == [True, True]
    agent_span, second_span = sentry.named("invoke_agent Agent"), sentry.named("chat second")
    assert second_span.parent_span_id == sentry.named("chat first").span_id
    assert sentry.named("execute_tool during").parent_span_id == second_span.span_id
    after = sentry.named("execute_tool after")
    assert after.parent_span_id == agent_span.span_id
    assert after.attributes["gen_ai.agent.name"] == "Agent"
    assert sentry.named("mine").parent_span_id == agent_span.span_id
