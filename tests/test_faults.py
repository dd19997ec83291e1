"""Fault and abuse suite: Sentry down, slow or refusing; broken callbacks; delivery and
concurrency at volume. The user's code must never notice."""

from __future__ import annotations

import asyncio
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sentry_sdk

import sentry_agents
from conftest import DELIVERY_BOUND, HAS_TRANSACTIONS
from fakes import LocalServer, QuietHandler


def agent_run(i: int = 0) -> str:
    """A small instrumented agent; returns what the user's code computes."""
    with sentry_agents.invoke_agent(f"agent-{i}", model="m") as agent:
        with sentry_agents.chat("m", messages=f"question {i}") as llm:
            llm.set_output(f"answer {i}")
            llm.set_usage(input_tokens=3, output_tokens=2)
        with sentry_agents.execute_tool("lookup", arguments={"i": i}) as tool:
            tool.set_result(i * 2)
        agent.set_output(f"done {i}")
    return f"result {i}"


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StallingServer(LocalServer):
    """Accepts requests and answers none of them until closed (or until
    ``DELIVERY_BOUND`` passed, so a test that wrongly waits for it fails instead of hanging)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.stalling = threading.Event()
        self.answered = 0
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                server.stalling.set()
                server.release.wait(DELIVERY_BOUND)
                server.answered += 1
                self.send_response(200)
                self.end_headers()

        super().__init__(Handler)

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.port}/1"

    def close(self) -> None:
        self.release.set()
        super().close()


@pytest.mark.parametrize("status", [500, 429])
def test_sentry_answering_errors_changes_nothing_for_the_user(sentry, ingest, status):
    ingest.status = status
    results = [agent_run(i) for i in range(20)]
    assert results == [f"result {i}" for i in range(20)]
    sentry.flush()
    assert ingest.bodies, "the SDK did try to send"


def test_sentry_unreachable(sentry):
    sentry.init(dsn=f"http://public@127.0.0.1:{unused_port()}/1")
    assert [agent_run(i) for i in range(20)] == [f"result {i}" for i in range(20)]
    sentry.flush()  # every envelope was tried and refused
    transport = sentry_sdk.get_client().transport
    assert transport.handed > 0 and transport.idle()


def test_sentry_stalling_never_blocks_the_user(sentry):
    server = StallingServer()
    try:
        sentry.init(dsn=server.dsn)
        assert agent_run(0) == "result 0"
        assert server.stalling.wait(DELIVERY_BOUND), "sentry-sdk sent the first run"
        # The server answers nothing until closed: had recording waited for the network,
        # these runs would end only after an answer.
        assert [agent_run(i) for i in range(1, 20)] == [f"result {i}" for i in range(1, 20)]
        assert server.answered == 0, "recording must not wait for the network"
        sentry_sdk.flush(timeout=0.5)
        assert server.answered == 0, "flush is bounded by its own timeout"
    finally:
        server.close()


def test_initialised_twice_sends_to_the_second_client(sentry):
    sentry.init()
    sentry.init()
    agent_run(1)
    assert sentry.named("invoke_agent agent-1")


def raising(*args: Any) -> Any:
    raise RuntimeError("user callback bug")


def test_before_send_callbacks_raising(sentry):
    options = {"before_send": raising}
    if HAS_TRANSACTIONS:
        options["before_send_transaction"] = raising
    if sentry.mode == "stream":
        options["before_send_span"] = raising
    sentry.init(**options)
    with pytest.raises(ValueError):
        with sentry_agents.execute_tool("t"):
            raise ValueError("user error")
    assert agent_run(2) == "result 2"


def test_callbacks_of_ours_raising(sentry):
    sentry_agents.configure(redact=raising)
    assert agent_run(3) == "result 3"
    span = sentry.named("execute_tool lookup")
    assert "gen_ai.tool.call.arguments" not in span.attributes


def test_delivery_of_every_span_for_1000_agent_runs(sentry):
    runs = 1000
    sentry.init(transport_queue_size=2000)  # room in sentry-sdk's queue for every envelope
    for i in range(runs):
        agent_run(i)
        if i % 100 == 99:
            # Top-level runs in one scope share a trace in stream mode, and sentry-sdk
            # buffers at most 2,000 spans per trace between its background flushes.
            sentry.flush()
    spans = sentry.gen_ai_spans()
    names = {s.name for s in spans}
    assert len(spans) == 3 * runs
    assert {f"invoke_agent agent-{i}" for i in range(runs)} <= names


def test_1000_runs_over_asyncio_and_threads_have_right_parents_and_agent_names(sentry):
    sentry.init(transport_queue_size=5000)  # 1,000 transactions at once: room in sentry-sdk's queue

    async def async_run(i: int) -> None:
        async with sentry_agents.invoke_agent(f"agent-{i}"):
            await asyncio.sleep(0)
            async with sentry_agents.chat(f"chat-{i}"):
                await asyncio.sleep(0)
            with sentry_agents.execute_tool(f"tool-{i}"):
                pass

    async def many(offset: int, count: int) -> None:
        await asyncio.gather(*(async_run(offset + i) for i in range(count)))

    def thread_batch(t: int) -> None:
        asyncio.run(many(t * 125, 125))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(thread_batch, range(8)))
    spans = {s.name: s for s in sentry.gen_ai_spans()}
    wrong = []
    for i in range(1000):
        agent = spans[f"invoke_agent agent-{i}"]
        for child in (spans[f"chat chat-{i}"], spans[f"execute_tool tool-{i}"]):
            if (
                child.parent_span_id != agent.span_id
                or child.attributes["gen_ai.agent.name"] != f"agent-{i}"
            ):
                wrong.append(child.name)
    assert wrong == []
