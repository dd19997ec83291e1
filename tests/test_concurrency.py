"""Concurrent agents (asyncio tasks, worker threads, thread pools): each span gets the
right parent and agent."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import logging
import os
import sys
import threading
from typing import Any, Callable

import pytest

import sentry_agents
from conftest import DELIVERY_BOUND, child_span, ended


def test_200_concurrent_agents_have_the_right_parents(sentry):
    async def one(i: int) -> None:
        async with sentry_agents.invoke_agent(f"agent-{i}"):
            await asyncio.sleep(0.001 * (i % 7))
            async with sentry_agents.chat(f"model-{i}"):
                await asyncio.sleep(0.001 * (i % 3))
            with sentry_agents.execute_tool(f"tool-{i}"):
                await asyncio.sleep(0)

    async def main() -> None:
        async with sentry_agents.invoke_agent("root"):
            await asyncio.gather(*(one(i) for i in range(200)))

    asyncio.run(main())
    spans = {s.name: s for s in sentry.gen_ai_spans()}
    root = spans["invoke_agent root"]
    for i in range(200):
        agent = spans[f"invoke_agent agent-{i}"]
        assert agent.parent_span_id == root.span_id
        for child in (spans[f"chat model-{i}"], spans[f"execute_tool tool-{i}"]):
            assert child.parent_span_id == agent.span_id, child.name
            assert child.attributes["gen_ai.agent.name"] == f"agent-{i}"


def test_agents_in_worker_threads_keep_their_own_parents(sentry):
    def worker(i: int) -> None:
        with sentry_agents.invoke_agent(f"thread-agent-{i}"):
            with sentry_agents.chat(f"thread-model-{i}"):
                pass

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans = {s.name: s for s in sentry.gen_ai_spans()}
    for i in range(8):
        assert (
            spans[f"chat thread-model-{i}"].parent_span_id
            == spans[f"invoke_agent thread-agent-{i}"].span_id
        )


def test_tools_in_a_thread_pool_keep_their_agent(sentry):
    from concurrent.futures import ThreadPoolExecutor

    sentry.init(default_integrations=True)  # sentry-sdk's ThreadingIntegration carries its scope

    def run_tool(i: int) -> int:
        with sentry_agents.execute_tool(f"pool-tool-{i}"):
            with sentry_agents.chat(f"pool-model-{i}") as llm:
                llm.set_usage(input_tokens=10, output_tokens=1)
        return i

    with sentry_agents.invoke_agent("Pool Agent"):
        with ThreadPoolExecutor(max_workers=3) as pool:
            assert list(pool.map(run_tool, range(3))) == [0, 1, 2]
    agent = sentry.named("invoke_agent Pool Agent")
    for i in range(3):
        tool = sentry.named(f"execute_tool pool-tool-{i}")
        assert tool.parent_span_id == agent.span_id
        assert tool.attributes["gen_ai.agent.name"] == "Pool Agent"
        assert sentry.named(f"chat pool-model-{i}").attributes["gen_ai.agent.name"] == "Pool Agent"
    assert agent.attributes["gen_ai.usage.input_tokens"] == 30


def test_children_started_at_once_in_threads_have_their_parent(sentry):
    sentry.init(default_integrations=True)  # sentry-sdk's ThreadingIntegration carries its scope
    rounds, width = 30, 4
    barrier = threading.Barrier(width)

    def child(r: int, i: int) -> None:
        barrier.wait(DELIVERY_BOUND)  # the children of one agent start at the same moment
        with sentry_agents.execute_tool(f"tool-{r}-{i}"):
            pass

    for r in range(rounds):
        with sentry_agents.invoke_agent(f"agent-{r}"):
            threads = [threading.Thread(target=child, args=(r, i)) for i in range(width)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    spans = {s.name: s for s in sentry.gen_ai_spans()}
    wrong = [
        f"tool-{r}-{i}"
        for r in range(rounds)
        for i in range(width)
        if spans[f"execute_tool tool-{r}-{i}"].parent_span_id
        != spans[f"invoke_agent agent-{r}"].span_id
    ]
    assert wrong == []


@pytest.mark.parametrize("kind", ["span", "conversation"])
def test_one_object_entered_in_two_threads_at_once_leaves_each_as_it_was(sentry, kind):
    """One helper or conversation object entered by two threads at once: each exit
    undoes its own thread's entry, so neither thread keeps it afterwards."""
    if kind == "span":
        shared: Any = sentry_agents.invoke_agent("Shared")
    else:
        shared = sentry_agents.conversation("conv-shared")
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with shared:
            first_in.set()
            second_in.wait()
        first_out.set()
        with sentry_agents.chat("after-first"):
            pass

    def second() -> None:
        first_in.wait()
        with shared:  # a span started twice: ignored, but made current here too
            second_in.set()
            first_out.wait()
            with sentry_agents.chat("inside-second"):
                pass
        with sentry_agents.chat("after-second"):
            pass

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if kind == "conversation":
        inside = sentry.named("chat inside-second").attributes
        assert inside["gen_ai.conversation.id"] == "conv-shared"
    for name in ("chat after-first", "chat after-second"):
        llm = sentry.named(name)
        assert llm.parent_span_id is None, name
        assert "gen_ai.agent.name" not in llm.attributes, name
        assert "gen_ai.conversation.id" not in llm.attributes, name


def _run_while_sentry_sdk_starts_its_span_flusher(mocker: Any, first: str) -> bool:
    """A span (``first``: ours or not) in one thread, stopped where sentry-sdk has noted
    its span flusher as started and not yet made it, while a chat span runs whole in
    another; that one either waits until the flusher is made (told by the wait itself)
    or runs whole, then the first goes on. Whether the first thread was stopped there."""
    from sentry_agents import _sdk

    code = pytest.importorskip("sentry_sdk._span_batcher").SpanBatcher._ensure_thread.__code__
    reached, resume, waiting_or_done = threading.Event(), threading.Event(), threading.Event()
    stopped: list[bool] = []
    real_wait = getattr(_sdk, "_wait_for_flusher", None)

    def wait_for_flusher(lock: Any) -> None:
        waiting_or_done.set()
        if real_wait is not None:
            real_wait(lock)

    mocker.patch.object(_sdk, "_wait_for_flusher", wait_for_flusher, create=True)

    def step(frame: Any, event: str, arg: Any) -> Any:
        starting = frame.f_locals.get("self")
        if not stopped and starting._flusher_pid is not None and starting._flusher is None:
            stopped.append(True)
            reached.set()
            resume.wait(DELIVERY_BOUND)
        return step

    def trace(frame: Any, event: str, arg: Any) -> Any:
        return step if frame.f_code is code else None

    def run_first() -> None:
        sys.settrace(trace)
        try:
            if first == "ours":
                with sentry_agents.chat("first"):
                    pass
            else:
                with child_span("stream", "function", "first"):
                    pass
        finally:
            sys.settrace(None)
            reached.set()

    def run_second() -> None:
        try:
            with sentry_agents.chat("second"):
                pass
        finally:
            waiting_or_done.set()

    one = threading.Thread(target=run_first)
    one.start()
    assert reached.wait(DELIVERY_BOUND)
    if stopped:
        other = threading.Thread(target=run_second)
        other.start()
        assert waiting_or_done.wait(DELIVERY_BOUND)
    resume.set()
    one.join()
    if stopped:
        other.join(DELIVERY_BOUND)
        assert not other.is_alive()
    return bool(stopped)


@pytest.mark.parametrize("first", ["ours", "not ours"])
def test_a_span_run_while_sentry_sdk_starts_its_span_flusher_arrives(sentry, mocker, first):
    """sentry-sdk starts the thread it sends streamed spans from on the first span it is
    given, and drops, unrecorded, a span another thread ends meanwhile. A chat span run
    in a second thread while a first thread's span (ours, or one not ours), the client's
    first, has sentry-sdk right there (``_run_while_sentry_sdk_starts_its_span_flusher``)
    waits until the flusher is made: both spans arrive."""
    if sentry.mode != "stream":
        pytest.skip("only streamed spans go through sentry-sdk's span batcher")
    if not _run_while_sentry_sdk_starts_its_span_flusher(mocker, first):
        pytest.skip("this sentry-sdk makes its span flusher before noting it as started")
    assert sentry.named("chat second").parent_span_id is None
    assert sentry.named("chat first" if first == "ours" else "first").parent_span_id is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_span_run_while_a_forked_child_starts_its_span_flusher_arrives(sentry, mocker):
    """A process that made spans forks (a web server's workers): sentry-sdk starts its
    span flusher anew in the child, on the child's first span, and the same race is
    there (``_run_while_sentry_sdk_starts_its_span_flusher``). Both spans the child's
    two threads run arrive."""
    if sentry.mode != "stream":
        pytest.skip("only streamed spans go through sentry-sdk's span batcher")
    with sentry_agents.chat("parent"):
        pass
    sentry.flush()  # nothing in flight as the process forks
    pid = os.fork()
    if pid == 0:  # the child: tell the parent by the exit code, skipping pytest's teardown
        code = 1
        try:
            stopped = _run_while_sentry_sdk_starts_its_span_flusher(mocker, "ours")
            sentry.flush()
            code = 0 if stopped else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 2:
        pytest.skip("this sentry-sdk makes its span flusher before noting it as started")
    assert code == 0
    assert sentry.named("chat second").parent_span_id is None
    assert sentry.named("chat first").parent_span_id is None


def test_two_threads_configuring_at_once_both_keep_their_change(mocker):
    """A second thread calls ``configure`` while the first is between reading the settings
    and writing them back: it waits for the first, so neither change is lost."""
    from sentry_agents import _config

    test_thread = threading.current_thread()
    waiting = threading.Event()  # the second thread reached the lock, or is done

    class Watched:
        def __init__(self) -> None:
            self.lock = threading.Lock()

        def __enter__(self) -> None:
            if threading.current_thread() is not test_thread:
                waiting.set()
            self.lock.acquire()

        def __exit__(self, *exc: Any) -> None:
            self.lock.release()

    def second() -> None:
        try:
            sentry_agents.configure(scrub_keys={"my_secret"})
        finally:
            waiting.set()

    real_replace = _config.replace
    other = threading.Thread(target=second)

    def replace_while_another_configures(*args: Any, **kwargs: Any) -> Any:
        if threading.current_thread() is test_thread and other.ident is None:
            other.start()
            assert waiting.wait(DELIVERY_BOUND)
        return real_replace(*args, **kwargs)

    mocker.patch.object(_config, "_changing", Watched(), create=True)
    mocker.patch.object(_config, "replace", replace_while_another_configures)
    sentry_agents.configure(record_inputs=True)
    other.join(DELIVERY_BOUND)
    assert not other.is_alive()
    assert _config.settings().record_inputs is True
    assert _config.settings().scrub_keys == frozenset({"my_secret"})


def test_a_span_exited_in_another_task_leaves_the_right_parent_behind(sentry):
    """A span entered in one task and exited in another: the first task's later spans
    are children of the span around it, not of the one that ended, and
    ``current_span()`` there is that span too."""
    seen: list[Any] = []

    async def main() -> None:
        with sentry_agents.invoke_agent("Outer") as outer:
            tool = sentry_agents.execute_tool("elsewhere")
            tool.__enter__()

            async def close_it() -> None:
                tool.__exit__(None, None, None)

            await asyncio.create_task(close_it())
            seen.append(sentry_agents.current_span() is outer)
            with sentry_agents.chat("after"):
                with sentry_agents.execute_tool("inside"):
                    pass

    asyncio.run(main())
    spans = {s.name: s for s in sentry.gen_ai_spans()}
    outer_span = spans["invoke_agent Outer"]
    assert spans["execute_tool elsewhere"].parent_span_id == outer_span.span_id
    assert spans["chat after"].parent_span_id == outer_span.span_id
    assert spans["execute_tool inside"].parent_span_id == spans["chat after"].span_id
    assert spans["chat after"].attributes["gen_ai.agent.name"] == "Outer"
    assert seen == [True]


def _paused_in(code: Any, opcode: int, work: Any) -> tuple[threading.Thread, threading.Event]:
    """A thread running ``work`` that stops before the ``opcode``-th instruction it runs
    in ``code`` (traced one instruction at a time) until the event returned is set; the
    caller then knows the thread is exactly there (``paused``) or never got there."""
    reached, resume = threading.Event(), threading.Event()
    state = {"seen": 0, "paused": False}

    def step(frame: Any, event: str, arg: Any) -> Any:
        if event == "opcode" and not state["paused"]:
            state["seen"] += 1
            if state["seen"] == opcode:
                state["paused"] = True
                reached.set()
                resume.wait(DELIVERY_BOUND)
        return step

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not code:
            return None
        frame.f_trace_opcodes = True
        return step

    def run() -> None:
        sys.settrace(trace)
        try:
            work()
        finally:
            sys.settrace(None)
            reached.set()

    thread = threading.Thread(target=run)
    thread.start()
    reached.wait(DELIVERY_BOUND)
    thread.paused = state["paused"]  # type: ignore[attr-defined]
    return thread, resume


def _stopped_while(
    code: Any, opcode: int, stopped: Callable[[], Any], other: Callable[[], Any]
) -> threading.Thread:
    """``stopped`` run in a thread halted before the ``opcode``-th instruction it runs in
    ``code`` (``_paused_in``), ``other`` run whole in a second thread meanwhile (when the
    first did halt there), then the first let go on to its end: the first thread, for
    ``_every_instruction``."""
    first, resume = _paused_in(code, opcode, stopped)
    if first.paused:
        second = threading.Thread(target=other)
        second.start()
        second.join(DELIVERY_BOUND)
        assert not second.is_alive(), "the other thread waits on the stopped one"
    resume.set()
    first.join()
    return first


def _every_instruction(attempt: Callable[[int], threading.Thread]) -> int:
    """Try every interleaving: ``attempt(opcode)``, for opcode 1, 2, ..., stops a thread
    before that instruction of the code it traces (``_paused_in``), runs the other side
    meanwhile, and returns the stopped thread once it has finished. The last attempt is
    the first whose thread was never stopped (it ran past the last instruction). Returns
    the number of attempts."""
    opcode = 0
    while True:
        opcode += 1
        if not attempt(opcode).paused:
            assert opcode > 5, "the code was traced"
            return opcode


def test_a_stream_exhausted_and_closed_by_two_threads_at_once_ends_once(sentry, sdk_log):
    """One thread exhausts a stream while another closes it: whichever ends it first
    records it, the other does nothing, and the chat span is sent once. Every
    interleaving is tried: the exhausting thread is stopped before each instruction of
    the ending in turn while the closing thread runs it whole."""
    from sentry_agents._stream import _Stream

    def attempt(opcode: int) -> threading.Thread:
        with sentry_agents.chat(f"m-{opcode}") as llm:
            stream = llm.stream(iter(["a", "b"]))
            assert next(stream) == "a"
            exhausting = _stopped_while(
                _Stream._end.__code__, opcode, functools.partial(list, stream), stream.close
            )
        return exhausting

    tried = _every_instruction(attempt)
    spans = [s for s in sentry.spans() if s.name.startswith("chat m-")]
    assert sorted(s.name for s in spans) == sorted(f"chat m-{i}" for i in range(1, tried + 1))
    assert all(s.attributes["gen_ai.response.streaming"] is True for s in spans)
    assert [r for r in sdk_log.records if r.levelno >= logging.WARNING] == []


def test_sdk_chunks_read_by_two_threads_at_once_are_each_recorded_once(sentry):
    """Two threads reading one stream of a provider SDK's chunks: one is stopped inside
    the reading of its chunk, held back, while the other reads the chunk that fills the
    batch and has it read; every chunk is recorded once (the stopped one's was added to
    the batch already read, and lost). Every interleaving is tried."""
    from openai.types.chat import ChatCompletionChunk

    from sentry_agents._stream import _BATCH, _Stream

    def chunk(text: str) -> Any:
        delta = {"content": text}
        choice = {"index": 0, "delta": delta, "finish_reason": None}
        frame = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
        return ChatCompletionChunk.model_validate({**frame, "choices": [choice]})

    texts = [f"{n}," for n in range(_BATCH + 2)]

    def attempt(opcode: int) -> threading.Thread:
        with sentry_agents.chat(f"m-{opcode}") as llm:
            stream = llm.stream(iter([chunk(text) for text in texts]))
            for _ in range(_BATCH):  # the first, read at once, then a batch but one held
                next(stream)
            reading = _stopped_while(
                _Stream._chunk.__code__, opcode, functools.partial(next, stream), stream.__next__
            )
            list(stream)
        return reading

    tried = _every_instruction(attempt)
    for opcode in range(1, tried + 1):
        attributes = sentry.named(f"chat m-{opcode}").attributes
        (message,) = json.loads(attributes["gen_ai.output.messages"])
        (part,) = message["parts"]
        assert sorted(part["content"].split(",")) == sorted(["", *(t[:-1] for t in texts)]), opcode


def _chat_block(
    name: str, streams: list[Any], entered: threading.Event, leave: threading.Event
) -> None:
    """A chat block that hands its stream out, and ends when told to."""
    with sentry_agents.chat(name) as llm:
        streams.append(llm.stream(iter(["a", "b"])))
        entered.set()
        leave.wait(DELIVERY_BOUND)


@pytest.mark.parametrize("stopped", ["block", "stream"])
def test_a_chat_block_ending_while_another_thread_ends_its_stream_sends_the_span_once(
    sentry, sdk_log, stopped
):
    """The ``with`` block of a chat span ends in one thread while another thread reads
    its stream to the end: the span is sent once, whichever comes first. Every
    interleaving is tried: one thread is stopped before each instruction in turn (of the
    span's finishing, or of its hearing that the stream ended) while the other runs
    whole."""
    from sentry_agents._chat import ChatSpan

    def attempt(opcode: int) -> threading.Thread:
        streams: list[Any] = []
        entered, leave = threading.Event(), threading.Event()
        block = functools.partial(_chat_block, f"w-{opcode}", streams, entered, leave)
        if stopped == "block":  # stopped in ChatSpan.finish; the stream read meanwhile
            leave.set()
            first, resume = _paused_in(ChatSpan.finish.__code__, opcode, block)
            other = threading.Thread(target=list, args=(streams[0],))
            other.start()
        else:  # stopped hearing that the stream ended; the block ends meanwhile
            other = threading.Thread(target=block)
            other.start()
            entered.wait(DELIVERY_BOUND)
            first, resume = _paused_in(
                ChatSpan._stream_closed.__code__, opcode, functools.partial(list, streams[0])
            )
            leave.set()
        other.join(DELIVERY_BOUND)
        assert not other.is_alive(), "the other thread waits on the stopped one"
        resume.set()
        first.join()
        return first

    tried = _every_instruction(attempt)
    spans = [s for s in sentry.spans() if s.name.startswith("chat w-")]
    assert sorted(s.name for s in spans) == sorted(f"chat w-{i}" for i in range(1, tried + 1))
    assert [r for r in sdk_log.records if r.levelno >= logging.WARNING] == []


def test_a_span_ended_by_two_threads_at_once_ends_once(sentry, sdk_log):
    """Two threads end one chat span at once: it is ended once, whichever thread comes
    first, so it is sent once and its usage is counted once in its agent's. Every
    interleaving is tried: one thread is stopped before each instruction of the ending
    in turn while the other runs it whole."""
    from sentry_agents._span import GenAISpan

    def attempt(opcode: int) -> threading.Thread:
        with sentry_agents.invoke_agent(f"a-{opcode}"):
            with sentry_agents.chat(f"e-{opcode}") as llm:
                llm.set_usage(input_tokens=10, output_tokens=1)
                end = functools.partial(llm._end, None)
                return _stopped_while(GenAISpan._end.__code__, opcode, end, end)

    tried = _every_instruction(attempt)
    chats = [s.name for s in sentry.spans() if s.name.startswith("chat e-")]
    assert sorted(chats) == sorted(f"chat e-{i}" for i in range(1, tried + 1))
    for i in range(1, tried + 1):
        agent = sentry.named(f"invoke_agent a-{i}").attributes
        assert (agent["gen_ai.usage.input_tokens"], agent["gen_ai.usage.output_tokens"]) == (
            10,
            1,
        ), i
    assert [r for r in sdk_log.records if r.levelno >= logging.WARNING] == []


def test_a_span_started_by_two_threads_at_once_starts_once(sentry, sdk_log):
    """Two threads start one chat span at once: it is started once, whichever thread
    comes first, and the other's start is a re-entry (ignored, and logged); the one
    sentry-sdk span both see is the one ended and sent. Every interleaving is tried:
    one thread is stopped before each instruction of the start in turn while the other
    runs it whole."""
    from sentry_agents._span import GenAISpan

    sentry.init(debug=True)  # sentry-sdk's logger passes debug records only then
    seen: list[Any] = []

    def attempt(opcode: int) -> threading.Thread:
        llm = sentry_agents.chat(f"s-{opcode}")
        natives: list[Any] = []

        def start() -> None:
            llm._begin()
            natives.append(llm.span)

        first = _stopped_while(GenAISpan._begin.__code__, opcode, start, start)
        llm.finish()
        started = {id(native): native for native in natives if native is not None}
        assert list(started.values()) == [llm.span], opcode
        seen.append(llm.span)
        return first

    tried = _every_instruction(attempt)
    assert all(ended(native) for native in seen)
    chats = [s for s in sentry.spans() if s.name.startswith("chat s-")]
    assert sorted(s.name for s in chats) == sorted(f"chat s-{i}" for i in range(1, tried + 1))
    assert {s.span_id for s in chats} == {native.span_id for native in seen}
    # Each record reaches the handler twice: sentry-sdk's logger propagates to the root
    # logger, where pytest's capture listens too.
    ignored = {id(r) for r in sdk_log.records if "was started twice" in r.getMessage()}
    assert len(ignored) == tried - 1  # the last attempt starts it in one thread only
    assert [r for r in sdk_log.records if r.levelno >= logging.WARNING] == []


def test_a_span_left_in_one_thread_while_another_starts_it_is_finished(sentry, sdk_log):
    """One thread starts a chat span while another, entering it too, leaves it: the
    sentry-sdk span the start makes is finished and sent once, whichever comes first.
    Every interleaving is tried: the starting thread is stopped before each instruction
    of the start in turn while the other enters and leaves whole."""
    from sentry_agents._span import GenAISpan

    seen: list[Any] = []

    def attempt(opcode: int) -> threading.Thread:
        llm = sentry_agents.chat(f"l-{opcode}")
        first = _stopped_while(
            GenAISpan._begin.__code__, opcode, llm._begin, lambda: (llm._begin(), llm._end(None))
        )
        llm._end(None)
        seen.append(llm.span)
        return first

    tried = _every_instruction(attempt)
    assert all(ended(native) for native in seen)
    chats = [s.name for s in sentry.spans() if s.name.startswith("chat l-")]
    assert sorted(chats) == sorted(f"chat l-{i}" for i in range(1, tried + 1))
    assert [r for r in sdk_log.records if r.levelno >= logging.WARNING] == []


def test_a_span_entered_while_another_thread_starts_it_is_the_parent_there(sentry, mocker):
    """One thread starts an agent span while another enters it and starts a tool inside:
    the tool nests under the agent's sentry-sdk span, which the entering thread waits
    for (it was made current before that span existed, and the tool became a root of its
    own). Every interleaving is tried: the starting thread is stopped before each
    instruction of the start in turn while the other enters; that one either waits for
    the start (told by the wait itself) or runs whole."""
    from sentry_agents import _span
    from sentry_agents._span import GenAISpan

    waiting_or_done = threading.Event()

    class Watched:
        """The lock an entering thread waits on, saying when it waits."""

        def __init__(self) -> None:
            self.condition = threading.Condition()

        def __enter__(self) -> None:
            self.condition.__enter__()

        def __exit__(self, *exc: Any) -> None:
            self.condition.__exit__(*exc)

        def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
            waiting_or_done.set()
            return self.condition.wait_for(predicate, timeout)

        def notify_all(self) -> None:
            self.condition.notify_all()

    mocker.patch.object(_span, "_start_done", Watched(), create=True)

    def attempt(opcode: int) -> threading.Thread:
        agent = sentry_agents.invoke_agent(f"p-{opcode}")
        waiting_or_done.clear()

        def enter() -> None:
            try:
                with agent:
                    with sentry_agents.execute_tool(f"c-{opcode}"):
                        pass
            finally:
                waiting_or_done.set()

        first, resume = _paused_in(GenAISpan._begin.__code__, opcode, agent._begin)
        second = threading.Thread(target=enter)
        if first.paused:
            second.start()
            assert waiting_or_done.wait(DELIVERY_BOUND)
        resume.set()
        first.join()
        if not first.paused:
            second.start()
        second.join(DELIVERY_BOUND)
        assert not second.is_alive()
        agent._end(None)
        return first

    tried = _every_instruction(attempt)
    for i in range(1, tried + 1):
        agent = sentry.named(f"invoke_agent p-{i}")
        tool = sentry.named(f"execute_tool c-{i}")
        assert tool.parent_span_id == agent.span_id, i
        assert tool.attributes["gen_ai.agent.name"] == f"p-{i}", i


def test_a_start_that_never_tells_holds_a_thread_entering_the_span_no_longer_than_the_bound(
    sentry, mocker
):
    """Should the thread starting a span stop between claiming the start and opening the
    span (an interrupt there), a thread entering the span waits only as long as the
    bound, then runs the span's body, which is recorded without it."""
    from sentry_agents import _span

    mocker.patch.object(_span, "_START_WAIT", 0.0)
    agent = sentry_agents.invoke_agent("claimed, never opened")
    agent._unstarted.pop()
    ran = []
    with agent:
        with sentry_agents.execute_tool("inside"):
            ran.append(True)
    assert ran == [True]
    assert agent._awaited
    tool = sentry.named("execute_tool inside")
    assert tool.attributes["gen_ai.operation.name"] == "execute_tool"


def test_the_first_streams_of_a_chat_span_opened_in_two_threads_at_once_are_told_apart(
    sentry, mocker
):
    """Two threads opening a chat span's first streams at once could both number theirs
    the first, so the span described whichever ended last, not the one opened last:
    one of them makes the numbering, and the stream numbered last is the one recorded."""
    import weakref
    from types import SimpleNamespace

    from fakes import chat_chunks
    from sentry_agents import _chat

    test_thread = threading.current_thread()
    other_came = threading.Event()  # the other thread made its set too, or waits to

    class Watched:
        def __init__(self) -> None:
            self.lock = threading.RLock()

        def __enter__(self) -> None:
            if threading.current_thread() is not test_thread:
                other_came.set()
            self.lock.acquire()

        def __exit__(self, *exc: Any) -> None:
            self.lock.release()

    streams: dict[str, Any] = {}

    def open_other() -> None:
        streams["other"] = llm.stream(iter(chat_chunks("From the other thread")[:-1]))

    other = threading.Thread(target=open_other)

    def weak_set() -> Any:
        if threading.current_thread() is test_thread and other.ident is None:
            other.start()
            assert other_came.wait(DELIVERY_BOUND)
        else:
            other_came.set()
        return weakref.WeakSet()

    mocker.patch.object(_chat, "_RECORDING", Watched())
    mocker.patch.object(_chat, "weakref", SimpleNamespace(WeakSet=weak_set))
    with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
        streams["test"] = llm.stream(iter(chat_chunks("From the test thread")[:-1]))
        other.join(DELIVERY_BOUND)
        numbers = {name: stream._number for name, stream in streams.items()}
        assert sorted(numbers.values()) == [1, 2]
        last = max(numbers, key=numbers.__getitem__)
        for name in sorted(numbers, key=numbers.__getitem__, reverse=True):
            list(streams[name])  # the one opened last ends first
    parts = json.loads(sentry.named("chat gpt-4o-mini").attributes["gen_ai.output.messages"])
    text = "From the test thread" if last == "test" else "From the other thread"
    assert parts[0]["parts"] == [{"type": "text", "content": text}]


class _EmptiedAfterTheCheck(list):  # type: ignore[type-arg]
    """A run's entries, which another thread empties right after the run has looked
    whether there are any (it left the last entry in between)."""

    def __bool__(self) -> bool:
        held = len(self) > 0
        self.clear()
        return held


@pytest.mark.parametrize("kind", ["chat", "conversation"])
def test_a_run_left_by_another_thread_while_it_leaves_raises_nothing(sentry, sdk_log, kind):
    """A span or conversation block whose last entry another thread leaves between its
    look at its entries and its leaving: nothing raised or logged, and the span is sent
    once. (Run in a copy of the context: the entry left elsewhere stays set there.)"""

    def run() -> None:
        with sentry_agents.invoke_agent("racing"):
            if kind == "chat":
                with sentry_agents.chat("m") as llm:
                    llm._activations = _EmptiedAfterTheCheck(llm._activations)
            else:
                block = sentry_agents.conversation("c-1")
                with block:
                    block._tokens = _EmptiedAfterTheCheck(block._tokens)

    contextvars.copy_context().run(run)
    assert [s.name for s in sentry.spans()].count("invoke_agent racing") == 1
    if kind == "chat":
        assert [s.name for s in sentry.spans()].count("chat m") == 1
    assert [
        r
        for r in sdk_log.records
        if r.levelno >= logging.DEBUG and "sentry_agents" in r.getMessage()
    ] == []
