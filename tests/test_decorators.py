"""Decorators on sync, async, generator and async generator functions: a new run per
call, what a decorated agent or tool records, and spans that end however the code exits."""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import warnings

import pytest
import sentry_sdk

import sentry_agents
from conftest import ended


def test_a_span_used_before_still_decorates_with_fresh_spans(sentry):
    helper = sentry_agents.invoke_agent("Reused")
    with helper as first:
        first.set_usage(input_tokens=3, output_tokens=1)

    @helper
    def run(n: int) -> int:
        return n * 2

    assert run(1) == 2 and run(2) == 4
    spans = [s for s in sentry.spans() if s.name == "invoke_agent Reused"]
    assert len(spans) == 3
    assert len({s.span_id for s in spans}) == 3
    assert [s.attributes.get("gen_ai.usage.input_tokens") for s in spans].count(3) == 1


def test_async_context_manager_and_decorators(sentry):
    @sentry_agents.invoke_agent("Async Agent")
    async def run_agent() -> str:
        async with sentry_agents.chat("m") as llm:
            llm.set_usage(input_tokens=1, output_tokens=2)
        return await use_tool()

    @sentry_agents.execute_tool("async_tool")
    async def use_tool() -> str:
        return "done"

    @sentry_agents.chat("sync-model")
    def sync_call() -> int:
        return 42

    assert asyncio.run(run_agent()) == "done"
    assert asyncio.run(run_agent()) == "done"
    assert sync_call() == 42
    agents = [s for s in sentry.spans() if s.name == "invoke_agent Async Agent"]
    assert len(agents) == 2, "a decorator makes one span per call"
    tools = [s for s in sentry.spans() if s.name == "execute_tool async_tool"]
    assert {t.parent_span_id for t in tools} == {a.span_id for a in agents}
    assert sentry.named("chat sync-model").op == "gen_ai.chat"


def test_generator_agent_keeps_span_open_and_parents_right(sentry):
    still_open = []

    @sentry_agents.invoke_agent("Gen Agent")
    def agent_steps():
        for i in range(3):
            with sentry_agents.chat(f"step-{i}"):
                pass
            yield i
        still_open.append(not ended(sentry_agents.current_span().span))

    with sentry_agents.invoke_agent("Caller") as caller:
        seen = []
        for value in agent_steps():
            seen.append(value)
            assert sentry_agents.current_span() is caller
            if sentry.mode == "static":
                assert sentry_sdk.get_current_span() is caller.span
            with sentry_agents.execute_tool(f"between-{value}"):
                pass
    assert seen == [0, 1, 2]
    gen_agent = sentry.named("invoke_agent Gen Agent")
    caller_span = sentry.named("invoke_agent Caller")
    assert gen_agent.parent_span_id == caller_span.span_id
    for i in range(3):
        assert sentry.named(f"chat step-{i}").parent_span_id == gen_agent.span_id
        assert sentry.named(f"chat step-{i}").attributes["gen_ai.agent.name"] == "Gen Agent"
        tool = sentry.named(f"execute_tool between-{i}")
        assert tool.parent_span_id == caller_span.span_id
        assert tool.attributes["gen_ai.agent.name"] == "Caller"
    assert still_open == [True], "the agent span was open until its generator ended"


def test_generator_closed_early_thrown_into_and_collected(sentry):
    @sentry_agents.execute_tool("gen_tool")
    def numbers():
        yield 1
        yield 2
        yield 3

    for n in numbers():
        if n == 2:
            break
    gen = numbers()
    next(gen)
    with pytest.raises(ValueError):
        gen.throw(ValueError("into"))
    gen = numbers()
    next(gen)
    del gen
    gc.collect()
    spans = [s for s in sentry.spans() if s.name == "execute_tool gen_tool"]
    assert len(spans) == 3
    errors = [s for s in spans if s.attributes.get("error.type") == "ValueError"]
    assert len(errors) == 1
    closed = [s for s in spans if s is not errors[0]]
    # A generator its consumer closed (a break, or dropped) ended normally, in every mode.
    assert [s.status for s in closed] == ["ok", "ok"]
    assert all("error.type" not in s.attributes for s in closed)
    assert len(sentry.events()) == 1  # the ValueError thrown in, only
    assert sentry_agents.current_span() is None


def test_a_generator_broken_out_of_inside_an_agent_ends_ok(sentry):
    """A decorated generator the caller breaks out of, as a child span (split out of its
    transaction in transaction mode), is sent ``ok``: closing it is a normal end."""

    @sentry_agents.agent
    def answer():
        yield "a"
        yield "b"

    @sentry_agents.tool
    def items():
        yield 1
        yield 2

    with sentry_agents.invoke_agent("Root"):
        for _ in answer():
            break
        for _ in items():
            break
    for name in ("invoke_agent answer", "execute_tool items"):
        span = sentry.named(name)
        assert span.status == "ok", name
        assert "error.type" not in span.attributes
    assert sentry.events() == []


def test_a_generator_closed_early_records_what_it_yielded(sentry):
    """A decorated generator its consumer closes early (``break``, ``close()``,
    ``aclose()``) ended normally: its output is what it yielded so far, status ``ok``."""

    @sentry_agents.agent
    def answer():
        yield "a"
        yield "b"
        yield "never"

    @sentry_agents.tool
    def items():
        yield 1
        yield 2
        yield 3

    @sentry_agents.agent
    async def async_answer():
        yield "c"
        yield "d"

    @sentry_agents.tool
    async def async_items():
        yield 4
        yield 5

    for piece in answer():
        if piece == "b":
            break
    gen = items()
    assert next(gen) == 1 and next(gen) == 2
    gen.close()

    async def main() -> None:
        agen = async_answer()
        assert await agen.__anext__() == "c"
        await agen.aclose()
        agen = async_items()
        assert await agen.__anext__() == 4
        await agen.aclose()

    asyncio.run(main())
    for name, text in (("invoke_agent answer", "ab"), ("invoke_agent async_answer", "c")):
        span = sentry.named(name)
        assert span.status == "ok", name
        assert span.json_attribute("gen_ai.output.messages") == [
            {"role": "assistant", "parts": [{"type": "text", "content": text}]}
        ]
    for name, result in (("execute_tool items", [1, 2]), ("execute_tool async_items", [4])):
        span = sentry.named(name)
        assert span.status == "ok", name
        assert json.loads(span.attributes["gen_ai.tool.call.result"]) == result
    assert sentry.events() == []


def test_an_async_generator_broken_out_of_as_asyncio_run_ends_is_ok(sentry):
    """An async generator dropped in the main coroutine's last step is closed by a task
    that ``asyncio.run`` cancels before it starts, which throws ``CancelledError`` where it
    yields: that is still its consumer closing it early, status ``ok`` in every mode."""
    closed_by = []

    @sentry_agents.agent
    async def answer():
        try:
            yield "a"
            yield "b"
        except BaseException as exc:
            closed_by.append(type(exc))
            raise

    async def main() -> None:
        async for _ in answer():
            break

    asyncio.run(main())
    assert closed_by == [asyncio.CancelledError], "the function sees what asyncio threw in"
    span = sentry.named("invoke_agent answer")
    assert span.status == "ok"
    assert "error.type" not in span.attributes
    assert span.json_attribute("gen_ai.output.messages") == [
        {"role": "assistant", "parts": [{"type": "text", "content": "a"}]}
    ]
    assert sentry.events() == []


def test_a_cancellation_thrown_into_an_async_generator_is_still_cancelled(sentry):
    """A consumer's own ``athrow(CancelledError)`` (not asyncio closing it) cancels it."""

    @sentry_agents.agent
    async def answer():
        yield "a"
        yield "b"

    async def main() -> None:
        agen = answer()
        await agen.__anext__()
        with pytest.raises(asyncio.CancelledError):
            await agen.athrow(asyncio.CancelledError())

    asyncio.run(main())
    span = sentry.named("invoke_agent answer")
    assert span.status == ("cancelled" if sentry.mode == "static" else "ok")
    assert "gen_ai.output.messages" not in span.attributes


def test_async_generator_agent(sentry):
    @sentry_agents.invoke_agent("Async Gen")
    async def tokens():
        for word in ("a", "b"):
            async with sentry_agents.chat("inner"):
                await asyncio.sleep(0)
            yield word

    async def main() -> list[str]:
        out = []
        async for token in tokens():
            assert sentry_agents.current_span() is None
            out.append(token)
        return out

    assert asyncio.run(main()) == ["a", "b"]
    agent = sentry.named("invoke_agent Async Gen")
    inner = [s for s in sentry.spans() if s.name == "chat inner"]
    assert len(inner) == 2 and all(s.parent_span_id == agent.span_id for s in inner)


def test_tool_decorator_records_name_docstring_arguments_result(sentry):
    @sentry_agents.tool
    def get_weather(city: str, unit: str = "C") -> dict:
        """Current weather for a city.

        More details that are not part of the description.
        """
        return {"city": city, "temp": 14, "unit": unit}

    @sentry_agents.tool(name="lookup", description="Look things up")
    async def search(query: str) -> str:
        return f"results for {query}"

    assert get_weather("Paris") == {"city": "Paris", "temp": 14, "unit": "C"}
    assert asyncio.run(search(query="rain")) == "results for rain"
    weather = sentry.named("execute_tool get_weather").attributes
    assert weather["gen_ai.tool.name"] == "get_weather"
    assert weather["gen_ai.tool.description"] == "Current weather for a city."
    assert json.loads(weather["gen_ai.tool.call.arguments"]) == {"city": "Paris"}
    assert json.loads(weather["gen_ai.tool.call.result"]) == {
        "city": "Paris",
        "temp": 14,
        "unit": "C",
    }
    lookup = sentry.named("execute_tool lookup").attributes
    assert lookup["gen_ai.tool.description"] == "Look things up"
    assert lookup["gen_ai.tool.call.result"] == "results for rain"


def test_tool_decorator_errors_pass_through(sentry):
    @sentry_agents.tool
    def broken() -> None:
        raise LookupError("nope")

    with pytest.raises(LookupError):
        broken()
    assert sentry.named("execute_tool broken").attributes["error.type"] == "LookupError"
    assert len(sentry.events()) == 1


def test_agent_and_tool_take_a_string_in_the_functions_place_as_the_name(sentry):
    """``@agent("Weather Agent")`` reads as ``@invoke_agent("Weather Agent")``: it names
    the span (and ``@tool("lookup")`` the tool's), with no error event."""

    @sentry_agents.agent("Weather Agent", model="m")
    def weather(city: str) -> str:
        return lookup(city)

    @sentry_agents.tool("lookup")
    def lookup(city: str) -> str:
        """Look the weather up."""
        return f"rain in {city}"

    assert weather("Paris") == "rain in Paris"
    agent_span = sentry.named("invoke_agent Weather Agent")
    tool_span = sentry.named("execute_tool lookup")
    assert tool_span.parent_span_id == agent_span.span_id
    assert agent_span.attributes["gen_ai.agent.name"] == "Weather Agent"
    assert tool_span.attributes["gen_ai.tool.description"] == "Look the weather up."
    assert not any(s.name.endswith(" str") for s in sentry.spans())
    assert sentry.events() == []


@pytest.mark.parametrize("decorator", [sentry_agents.agent, sentry_agents.tool])
def test_agent_and_tool_refuse_what_is_not_a_function_when_decorating(sentry, decorator):
    with pytest.raises(TypeError, match="a name twice"):
        decorator("A", name="B")
    with pytest.raises(TypeError, match="decorates a function, not int"):
        decorator(42)
    with pytest.raises(TypeError, match="decorates a function, not int"):
        decorator(name="A")(42)
    assert sentry.spans() == []
    assert sentry.events() == []


def test_agent_decorator_records_input_and_output(sentry):
    @sentry_agents.agent(name="Echo Agent", model="m")
    def echo(question: str) -> str:
        return question.upper()

    @sentry_agents.agent
    def streamer(topic: str, n: int):
        yield from ["a", "b"]

    assert echo("hi") == "HI"
    assert list(streamer("x", 2)) == ["a", "b"]
    echo_span = sentry.named("invoke_agent Echo Agent")
    assert json.loads(echo_span.attributes["gen_ai.input.messages"]) == [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    ]
    assert (
        json.loads(echo_span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"] == "HI"
    )
    stream_span = sentry.named("invoke_agent streamer")
    assert json.loads(
        json.loads(stream_span.attributes["gen_ai.input.messages"])[0]["parts"][0]["content"]
    ) == {
        "topic": "x",
        "n": 2,
    }
    assert (
        json.loads(stream_span.attributes["gen_ai.output.messages"])[0]["parts"][0]["content"]
        == "ab"
    )


def test_an_agent_returning_none_keeps_the_output_it_set_and_sends_no_empty_one(sentry):
    """A decorated agent that returns nothing has no output to record: what it set through
    ``current_span()`` stays, and one that set none sends none (not ``[]``)."""

    @sentry_agents.agent
    def answers_by_hand(question: str) -> None:
        sentry_agents.current_span().set_output("Pack an umbrella.")

    @sentry_agents.agent
    def answers_nothing(question: str) -> None:
        pass

    answers_by_hand("Weather?")
    answers_nothing("Weather?")
    by_hand = sentry.named("invoke_agent answers_by_hand").attributes
    assert json.loads(by_hand["gen_ai.output.messages"]) == [
        {"role": "assistant", "parts": [{"type": "text", "content": "Pack an umbrella."}]}
    ]
    assert "gen_ai.output.messages" not in sentry.named("invoke_agent answers_nothing").attributes


def test_a_tool_returning_none_keeps_the_result_it_set(sentry):
    """A decorated tool returning ``None`` recorded ``null`` over the result it had set
    through ``current_span()``; one that set none still records ``null`` (it returned
    nothing, and said so)."""

    @sentry_agents.tool
    def sets_by_hand(city: str) -> None:
        sentry_agents.current_span().set_result({"forecast": "rain"})

    @sentry_agents.tool
    def returns_nothing(city: str) -> None:
        pass

    sets_by_hand("Paris")
    returns_nothing("Paris")
    by_hand = sentry.named("execute_tool sets_by_hand").attributes
    assert json.loads(by_hand["gen_ai.tool.call.result"]) == {"forecast": "rain"}
    assert sentry.named("execute_tool returns_nothing").attributes["gen_ai.tool.call.result"] == (
        "null"
    )


def test_tool_definition_from_function():
    from typing import Literal, Optional

    def plan(
        city: str,
        days: int = 2,
        mode: Literal["fast", "slow"] = "fast",
        tags: Optional[list[str]] = None,
    ):
        """Plan a trip.

        Long text."""

    assert sentry_agents.tool_definition(plan) == {
        "type": "function",
        "name": "plan",
        "description": "Plan a trip.",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer", "default": 2},
                "mode": {"type": "string", "enum": ["fast", "slow"], "default": "fast"},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["city"],
        },
    }
    decorated = sentry_agents.tool(plan)
    assert sentry_agents.tool_definition(decorated)["name"] == "plan"


def test_tool_definition_types_each_position_of_a_tuple_and_each_hint_it_can_read(sentry):
    """``tuple[int, str]`` is an int then a string (an array of ints was sent, which a
    model given the schema must follow), and a hint naming what is imported only for
    type checkers leaves that one parameter untyped, not every parameter."""
    from typing import TYPE_CHECKING, Optional

    if TYPE_CHECKING:
        from decimal import Decimal

    def book(
        city: str,
        nights: int,
        room: tuple[int, str],
        dates: tuple[str, ...] = (),
        tags: Optional[list[str]] = None,
        budget: Optional[Decimal] = None,
    ) -> None:
        """Book a hotel."""

    properties = {
        "city": {"type": "string"},
        "nights": {"type": "integer"},
        "room": {
            "type": "array",
            "prefixItems": [{"type": "integer"}, {"type": "string"}],
            "minItems": 2,
            "maxItems": 2,
        },
        "dates": {"type": "array", "items": {"type": "string"}, "default": []},
        "tags": {"type": "array", "items": {"type": "string"}},
        "budget": {},
    }
    assert sentry_agents.tool_definition(book)["parameters"]["properties"] == properties
    with sentry_agents.chat("gpt-4o-mini", provider="openai", tools=[book]):
        pass
    (sent,) = sentry.named("chat gpt-4o-mini").json_attribute("gen_ai.tool.definitions")
    assert sent["parameters"]["properties"] == properties


def test_invoke_agent_and_execute_tool_decorate_as_agent_and_tool_do(sentry):
    """One decorator behaviour: ``@invoke_agent(name)`` records what ``@agent`` records,
    and ``@execute_tool(name)`` what ``@tool`` records."""

    @sentry_agents.invoke_agent("By name")
    def by_name(question: str) -> str:
        return f"answer to {question}"

    @sentry_agents.agent(name="By agent")
    def by_agent(question: str) -> str:
        return f"answer to {question}"

    @sentry_agents.execute_tool("lookup by name")
    def lookup(city: str) -> dict[str, str]:
        return {"city": city, "forecast": "rain"}

    by_name("rain?")
    by_agent("rain?")
    lookup("Paris")
    for name in ("invoke_agent By name", "invoke_agent By agent"):
        span = sentry.named(name)
        assert span.json_attribute("gen_ai.input.messages") == [
            {"role": "user", "parts": [{"type": "text", "content": "rain?"}]}
        ]
        assert span.json_attribute("gen_ai.output.messages") == [
            {"role": "assistant", "parts": [{"type": "text", "content": "answer to rain?"}]}
        ]
    tool = sentry.named("execute_tool lookup by name")
    assert tool.json_attribute("gen_ai.tool.call.arguments") == {"city": "Paris"}
    assert json.loads(tool.attributes["gen_ai.tool.call.result"]) == {
        "city": "Paris",
        "forecast": "rain",
    }


def test_each_decorated_call_is_a_new_run_with_nothing_of_the_last(sentry):
    """State set on one call's span (usage, output) never reaches the next call's."""
    calls = []

    @sentry_agents.chat("gpt-4o-mini")
    def call(n: int) -> None:
        span = sentry_agents.current_span()
        calls.append(span)
        if n == 0:
            span.set_usage(input_tokens=10, output_tokens=5)  # type: ignore[union-attr]
            span.set_output("first only")  # type: ignore[union-attr]

    call(0)
    call(1)
    assert calls[0] is not calls[1]
    first, second = sorted(
        (s for s in sentry.gen_ai_spans() if s.name == "chat gpt-4o-mini"), key=lambda s: s.start
    )
    assert first.attributes["gen_ai.usage.input_tokens"] == 10
    assert "gen_ai.usage.input_tokens" not in second.attributes
    assert "gen_ai.output.messages" not in second.attributes


def test_conversation_decorates_a_generator_for_its_whole_run(sentry):
    @sentry_agents.conversation("conv-gen")
    def steps():
        for i in range(2):
            with sentry_agents.chat(f"step-{i}"):
                pass
            yield i

    assert list(steps()) == [0, 1]
    with sentry_agents.chat("after"):
        pass
    assert sentry.named("chat step-0").attributes["gen_ai.conversation.id"] == "conv-gen"
    assert sentry.named("chat step-1").attributes["gen_ai.conversation.id"] == "conv-gen"
    assert "gen_ai.conversation.id" not in sentry.named("chat after").attributes


def _passed_through(func):
    """An ordinary decorator, as applications write them: sync, whatever it wraps."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def test_an_async_function_under_a_plain_decorator_is_recorded_while_awaited(sentry):
    """A sync function that returns a coroutine (an ``async def`` under a plain
    decorator): its span stays open until the coroutine is awaited to its end, is the
    parent of what runs inside it, records its result or its error (the same object,
    raised), and calls gathered together are siblings, not nested."""
    error = ValueError("backend down")

    @sentry_agents.tool
    @_passed_through
    async def get_weather(city: str) -> dict:
        with sentry_agents.chat("m", messages=city):
            await asyncio.sleep(0)
        return {"city": city, "forecast": "rain"}

    @sentry_agents.tool
    @_passed_through
    async def failing(city: str) -> None:
        await asyncio.sleep(0)
        raise error

    async def main() -> None:
        with sentry_agents.invoke_agent("Planner"):
            assert await asyncio.gather(get_weather("Paris"), get_weather("Lyon")) == [
                {"city": "Paris", "forecast": "rain"},
                {"city": "Lyon", "forecast": "rain"},
            ]
            with pytest.raises(ValueError) as caught:
                await failing("Nice")
            assert caught.value is error

    asyncio.run(main())
    agent = sentry.named("invoke_agent Planner")
    tools = [s for s in sentry.spans() if s.name == "execute_tool get_weather"]
    assert len(tools) == 2 and all(t.parent_span_id == agent.span_id for t in tools)
    chats = [s for s in sentry.spans() if s.name == "chat m"]
    assert sorted(c.parent_span_id for c in chats) == sorted(t.span_id for t in tools)
    results = sorted(t.attributes["gen_ai.tool.call.result"] for t in tools)
    assert [json.loads(r)["city"] for r in results] == ["Lyon", "Paris"]
    failed = sentry.named("execute_tool failing")
    assert failed.attributes["error.type"] == "ValueError"
    assert failed.parent_span_id == agent.span_id


async def _forgotten_coroutine() -> str:
    return "never"


def _forgotten_generator():
    yield "never"


async def _forgotten_async_generator():
    yield "never"


@pytest.mark.parametrize(
    ("forgotten", "status"),
    [
        (_forgotten_coroutine, "cancelled"),
        (_forgotten_generator, "ok"),
        (_forgotten_async_generator, "ok"),
    ],
)
def test_a_coroutine_or_generator_never_started_ends_its_span(sentry, forgotten, status):
    """What a sync function returned ends its span when it is dropped: a coroutine never
    awaited as cancelled (``ok`` in streaming mode), a generator never iterated as closed
    by its consumer (``ok``)."""
    decorated = sentry_agents.tool(name="forgotten")(_passed_through(forgotten))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "coroutine ... was never awaited"
        decorated()
        gc.collect()
    span = sentry.named("execute_tool forgotten")
    assert "gen_ai.tool.call.result" not in span.attributes
    assert span.status == (status if sentry.mode == "static" else "ok")
    assert sentry.events() == []
    assert sentry_agents.current_span() is None


def test_a_generator_function_under_a_plain_decorator_is_recorded_while_iterated(sentry):
    """A sync function that returns a generator (a generator function under a plain
    decorator): its span stays open until the generator ends, is the parent of what runs
    inside it on every step (and of nothing the caller does between steps), and records
    what it yielded, or its error, raised as the same object."""
    error = ValueError("backend down")

    @sentry_agents.tool
    @_passed_through
    def forecast(city: str):
        for day in ("sat", "sun"):
            with sentry_agents.chat(f"m-{day}"):
                pass
            yield f"{city} {day}: rain. "

    @sentry_agents.tool
    @_passed_through
    def failing():
        yield "partial"
        raise error

    with sentry_agents.invoke_agent("Planner") as planner:
        days = forecast("Paris")
        assert sentry_agents.current_span() is planner
        assert next(days) == "Paris sat: rain. "
        with sentry_agents.chat("between"):
            pass
        assert list(days) == ["Paris sun: rain. "]
        with pytest.raises(ValueError) as caught:
            list(failing())
        assert caught.value is error
    agent = sentry.named("invoke_agent Planner")
    tool = sentry.named("execute_tool forecast")
    assert tool.parent_span_id == agent.span_id
    assert tool.attributes["gen_ai.tool.call.result"] == "Paris sat: rain. Paris sun: rain. "
    assert sentry.named("chat m-sat").parent_span_id == tool.span_id
    assert sentry.named("chat m-sun").parent_span_id == tool.span_id
    assert sentry.named("chat between").parent_span_id == agent.span_id
    failed = sentry.named("execute_tool failing")
    assert failed.attributes["error.type"] == "ValueError"


def test_tool_and_agent_decorate_classmethods_and_staticmethods(sentry):
    class Weather:
        @sentry_agents.tool
        @classmethod
        def for_city(cls, city: str) -> dict:
            """The forecast for a city."""
            return {"city": city, "by": cls.__name__}

        @sentry_agents.tool
        @staticmethod
        def convert(celsius: float) -> float:
            return celsius * 9 / 5 + 32

        @sentry_agents.agent
        @classmethod
        def planner(cls, goal: str) -> str:
            return f"plan for {goal}"

    assert Weather.for_city("Paris") == {"city": "Paris", "by": "Weather"}
    assert Weather().convert(10) == 50.0
    assert Weather.planner("a weekend") == "plan for a weekend"
    city = sentry.named("execute_tool for_city").attributes
    assert city["gen_ai.tool.description"] == "The forecast for a city."
    assert json.loads(city["gen_ai.tool.call.arguments"]) == {"city": "Paris"}
    convert = sentry.named("execute_tool convert").attributes
    assert json.loads(convert["gen_ai.tool.call.arguments"]) == {"celsius": 10}
    assert sentry.named("invoke_agent planner").status == "ok"


class Unreadable(Exception):
    pass


_FUNCTION_ATTRIBUTES = (
    "__name__",
    "__qualname__",
    "__doc__",
    "__module__",
    "__annotations__",
    "__dict__",
    "__signature__",
    "__wrapped__",
    "__class__",
    "__code__",
)


class RaisingAttributes:
    """A callable object (a proxy over nothing, say) whose every attribute a function
    has raises when read, ``__class__`` too."""

    def __call__(self, city: str) -> str:
        if city == "nowhere":
            raise LookupError(city)
        return f"sunny in {city}"

    def __getattribute__(self, name: str) -> object:
        if name in _FUNCTION_ATTRIBUTES:
            raise Unreadable(name)
        return object.__getattribute__(self, name)


class AsyncRaisingAttributes(RaisingAttributes):
    async def __call__(self, city: str) -> str:  # type: ignore[override]
        await asyncio.sleep(0)
        return f"sunny in {city}"


class NotStringNames:
    """A callable object whose names are not strings (a function's must be)."""

    def __init__(self) -> None:
        self.__name__ = 42
        self.__qualname__ = b"bytes"
        self.__doc__ = 7

    def __call__(self, city: str) -> str:
        return f"sunny in {city}"


class SignatureRaises:
    @property
    def __signature__(self) -> object:
        raise Unreadable("__signature__")

    def __call__(self, city: str) -> str:
        return f"sunny in {city}"


def forecast(city: str, days: int) -> str:
    """The forecast for some days."""
    return f"{days} days in {city}"


@pytest.mark.parametrize(
    "make, name",
    [
        (RaisingAttributes, "RaisingAttributes"),
        (NotStringNames, "NotStringNames"),
        (SignatureRaises, "SignatureRaises"),
        (lambda: functools.partial(forecast, days=3), "forecast"),
    ],
    ids=["attributes-raise", "names-not-strings", "signature-raises", "partial"],
)
@pytest.mark.parametrize("decorator", ["tool", "agent"])
def test_callables_whose_names_cannot_be_read_decorate_and_are_recorded(
    sentry, sdk_log, make, name, decorator
):
    """Decorating never raises over what a callable's attributes do: the span and the
    wrapper are named by ``callable_name`` (the function's name, else the class's)."""
    wrapped = getattr(sentry_agents, decorator)(make())
    assert wrapped.__name__ == wrapped.__qualname__ == name
    assert wrapped("Paris").endswith("in Paris")
    prefix = "execute_tool" if decorator == "tool" else "invoke_agent"
    span = sentry.named(f"{prefix} {name}")
    assert span.status == "ok"
    if decorator == "tool":
        assert span.attributes["gen_ai.tool.name"] == name
        assert "Paris" in span.attributes["gen_ai.tool.call.arguments"]
        assert span.attributes["gen_ai.tool.call.result"].endswith("in Paris")
    assert "failed to record" not in sdk_log.text


def test_a_callable_whose_attributes_raise_keeps_its_errors_and_its_coroutine(sentry):
    tool = sentry_agents.tool(RaisingAttributes())
    with pytest.raises(LookupError) as caught:
        tool("nowhere")
    assert caught.value.args == ("nowhere",)
    plan = sentry_agents.agent(AsyncRaisingAttributes())
    assert asyncio.run(plan("Paris")) == "sunny in Paris"
    failed = sentry.named("execute_tool RaisingAttributes")
    assert failed.attributes["error.type"] == "LookupError"
    agent = sentry.named("invoke_agent AsyncRaisingAttributes")
    assert agent.status == "ok"
    assert agent.attributes["gen_ai.output.messages"].count("sunny in Paris") == 1


def test_an_async_generator_function_under_a_plain_decorator_is_recorded_while_iterated(
    sentry,
):
    """A sync function that returns an async generator (an async generator function
    under a plain decorator, or a callable object's ``async def __call__`` with
    ``yield``): its span stays open until the generator ends or is closed, is the parent
    of what runs inside it on every step (and of nothing the caller does between steps),
    and records what it yielded, or its error, raised as the same object."""
    error = ValueError("backend down")

    @sentry_agents.tool
    @_passed_through
    async def forecast(city: str):
        for day in ("sat", "sun"):
            async with sentry_agents.chat(f"m-{day}"):
                await asyncio.sleep(0)
            yield f"{city} {day}: rain. "

    class Failing:
        async def __call__(self):
            yield "partial"
            raise error

    failing = sentry_agents.tool(Failing())

    async def main() -> None:
        async with sentry_agents.invoke_agent("Planner") as planner:
            days = forecast("Paris")
            assert sentry_agents.current_span() is planner
            assert await days.__anext__() == "Paris sat: rain. "
            async with sentry_agents.chat("between"):
                pass
            assert [d async for d in days] == ["Paris sun: rain. "]
            with pytest.raises(ValueError) as caught:
                async for _ in failing():
                    pass
            assert caught.value is error
            closed = forecast("Rome")
            assert await closed.__anext__() == "Rome sat: rain. "
            await closed.aclose()
            assert sentry_agents.current_span() is planner

    asyncio.run(main())
    agent = sentry.named("invoke_agent Planner")
    tools = [s for s in sentry.spans() if s.name == "execute_tool forecast"]
    assert len(tools) == 2 and all(t.parent_span_id == agent.span_id for t in tools)
    paris = next(t for t in tools if "Paris" in t.attributes["gen_ai.tool.call.arguments"])
    assert paris.attributes["gen_ai.tool.call.result"] == "Paris sat: rain. Paris sun: rain. "
    rome = next(t for t in tools if t is not paris)
    assert rome.status == "ok"  # closed by its consumer: a normal end
    sat = [s for s in sentry.spans() if s.name == "chat m-sat"]
    assert {s.parent_span_id for s in sat} == {paris.span_id, rome.span_id}
    assert sentry.named("chat m-sun").parent_span_id == paris.span_id
    assert sentry.named("chat between").parent_span_id == agent.span_id
    failed = sentry.named("execute_tool Failing")
    assert failed.attributes["error.type"] == "ValueError"
    assert failed.parent_span_id == agent.span_id


def test_a_value_of_an_unhashable_class_is_returned_and_its_tool_span_sent(sentry, sdk_log):
    """What a decorated sync function returns is told from a coroutine or a generator
    without hashing its class (a metaclass with ``__eq__`` and no ``__hash__`` makes it
    unhashable): the value comes back, the span is sent and is no longer current."""

    class Meta(type):
        def __eq__(cls, other: object) -> bool:
            return cls is other

        __hash__ = None  # type: ignore[assignment]

    class Value(metaclass=Meta):
        def __repr__(self) -> str:
            return "Value()"

    value = Value()

    @sentry_agents.tool
    def lookup(city: str) -> Value:
        return value

    assert lookup("Paris") is value
    assert sentry_agents.current_span() is None
    span = sentry.named("execute_tool lookup")
    assert span.status == "ok"
    assert span.attributes["gen_ai.tool.call.result"] == "Value()"
    assert "failed to record" not in sdk_log.text


def _failures_logged(sdk_log: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in sdk_log.records if "failed to record" in r.getMessage()]


@pytest.mark.parametrize("plain", [False, True], ids=["decorated", "returned"])
def test_a_block_open_across_a_yield_is_current_again_when_the_generator_resumes(
    sentry, sdk_log, plain
):
    """A decorated generator whose body holds a block open across a ``yield`` (a chat
    span inside a conversation): when it resumes, that block is current again, so what
    the body starts next nests under it; between steps the caller sees none of it."""
    seen = []

    def body():
        with sentry_agents.conversation("conv-1"):
            with sentry_agents.chat("m") as llm:
                yield "a"
                seen.append(sentry_agents.current_span() is llm)
                with sentry_agents.execute_tool("inside"):
                    pass
                yield "b"
            with sentry_agents.execute_tool("after"):
                pass

    answer = sentry_agents.agent(_passed_through(body) if plain else body)
    with sentry_agents.invoke_agent("Caller") as caller:
        for _ in answer():
            assert sentry_agents.current_span() is caller
            with sentry_agents.execute_tool("between"):
                pass
    assert seen == [True]
    generator, chat = sentry.named("invoke_agent body"), sentry.named("chat m")
    inside, after = sentry.named("execute_tool inside"), sentry.named("execute_tool after")
    assert inside.parent_span_id == chat.span_id
    assert after.parent_span_id == generator.span_id
    assert inside.attributes["gen_ai.conversation.id"] == "conv-1"
    between = [s for s in sentry.spans() if s.name == "execute_tool between"]
    assert len(between) == 2
    for span in between:
        assert span.parent_span_id == sentry.named("invoke_agent Caller").span_id
        assert "gen_ai.conversation.id" not in span.attributes
    assert _failures_logged(sdk_log) == []


@pytest.mark.parametrize("plain", [False, True], ids=["decorated", "returned"])
def test_a_block_open_across_an_async_yield_is_current_again_in_another_task(
    sentry, sdk_log, plain
):
    """The same for a decorated async generator whose steps run in different tasks (one
    step awaited directly, the next in a task of its own, as ``asyncio.wait_for`` does)."""
    seen = []

    async def body():
        with sentry_agents.conversation("conv-1"):
            async with sentry_agents.chat("m") as llm:
                yield "a"
                seen.append(sentry_agents.current_span() is llm)
                async with sentry_agents.execute_tool("inside"):
                    await asyncio.sleep(0)
                yield "b"
            async with sentry_agents.execute_tool("after"):
                pass

    answer = sentry_agents.agent(_passed_through(body) if plain else body)

    async def main() -> None:
        async with sentry_agents.invoke_agent("Caller") as caller:
            steps = answer()
            assert await steps.__anext__() == "a"
            assert sentry_agents.current_span() is caller
            with sentry_agents.execute_tool("between"):
                pass
            assert await asyncio.create_task(steps.__anext__()) == "b"
            assert sentry_agents.current_span() is caller
            assert [piece async for piece in steps] == []

    asyncio.run(main())
    assert seen == [True]
    generator, chat = sentry.named("invoke_agent body"), sentry.named("chat m")
    inside, after = sentry.named("execute_tool inside"), sentry.named("execute_tool after")
    assert inside.parent_span_id == chat.span_id
    assert after.parent_span_id == generator.span_id
    assert inside.attributes["gen_ai.conversation.id"] == "conv-1"
    between = sentry.named("execute_tool between")
    assert between.parent_span_id == sentry.named("invoke_agent Caller").span_id
    assert "gen_ai.conversation.id" not in between.attributes
    assert _failures_logged(sdk_log) == []
