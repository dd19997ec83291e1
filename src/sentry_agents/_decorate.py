"""Decorating sync, async, generator and async generator functions with a run per call.

A run is anything with the ``Run`` methods: a span, or a conversation block. Each
call of the decorated function makes a new run, starts it, tells it the call's
arguments, and finishes it with the return value or the exception.

Generators keep their run open until they are exhausted, closed (``break``), thrown
into or garbage-collected. Their body runs, step after step, in a context of its own
(``contextvars``), where the run is active: spans made inside get it as parent on every
step, a block the body holds open across a ``yield`` is still current there when it
resumes, whichever task or thread steps it, and the caller's current span is untouched
between steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import types
import weakref
from collections.abc import AsyncGenerator, Awaitable, Generator
from types import AsyncGeneratorType, CoroutineType, GeneratorType
from typing import Any, Callable, Optional, Protocol, TypeVar, cast

from ._guard import guard
from ._jsonable import instance_of, jsonable
from ._tool_definitions import callable_name, signature_of

F = TypeVar("F", bound=Callable[..., Any])


class Call:
    """One call of a decorated function, turned into content only when it is recorded."""

    __slots__ = ("args", "kwargs", "signature")

    def __init__(
        self, signature: Optional[inspect.Signature], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self.signature = signature
        self.args = args
        self.kwargs = kwargs

    def _bound(self) -> Optional[inspect.BoundArguments]:
        """The call's arguments bound to the parameters, when its signature is known and
        takes them."""
        if self.signature is None:
            return None
        try:
            return self.signature.bind_partial(*self.args, **self.kwargs)
        except TypeError:
            return None

    def arguments(self) -> dict[str, Any]:
        """The arguments by parameter name (``self``/``cls`` left out), JSON-safe."""
        bound = self._bound()
        if bound is not None:
            return {k: jsonable(v) for k, v in bound.arguments.items() if k not in ("self", "cls")}
        return jsonable({"args": list(self.args), **self.kwargs})  # type: ignore[no-any-return]

    def data_arguments(self) -> dict[str, Any]:
        """The arguments by parameter name that hold data, not converted (those given as
        ``**kwargs`` by their own names, winning over a positional-only parameter of the
        same name, as FastMCP passes every argument by keyword): ``self``, ``cls``,
        ``*args`` (values without names: a generic handler's context and raw params),
        callables (a middleware's ``call_next``) and a framework's context object (of a
        class named ``...Context``, as FastMCP's) left out; none unbound."""
        bound = self._bound()
        if bound is None:
            return {}
        parameters = bound.signature.parameters
        arguments: dict[str, Any] = {}
        for name, value in bound.arguments.items():
            kind = parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD and type(value) is dict:
                arguments.update(value)  # ``**arguments``: each by its own name
            elif kind is not inspect.Parameter.VAR_POSITIONAL and name not in ("self", "cls"):
                arguments[name] = value
        return {
            name: value
            for name, value in arguments.items()
            if not callable(value) and not type(value).__name__.endswith("Context")
        }


class Run(Protocol):
    """What a decorated call drives: start, activity between generator steps, finish."""

    def start(self) -> Any: ...

    def finish(self, error: Optional[BaseException] = None) -> None: ...

    def _activate(self) -> None: ...

    def _deactivate(self) -> None: ...

    @property
    def _wants_return(self) -> bool:
        """Whether ``_record_return`` would record anything (generators then keep
        what they yield)."""

    def _record_call(self, call: Call) -> None: ...

    def _record_return(self, value: Any) -> None: ...


def decorate(func: F, new_run: Callable[[], Run]) -> F:
    """Wrap ``func`` so each call runs inside a new run from ``new_run``; a
    ``classmethod`` or ``staticmethod`` (decorated above its own decorator) stays one."""
    if instance_of(func, (classmethod, staticmethod)):
        method: Any = func
        return cast(F, type(method)(decorate(method.__func__, new_run)))
    signature = signature_of(func)
    kind = kind_of(func)

    def started(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Run:
        run = new_run()
        run.start()
        try:
            with guard:
                run._record_call(Call(signature, args, kwargs))
        except BaseException as exc:  # an interrupt while recording the call
            run.finish(exc)
            raise
        return run

    if kind is _ASYNC_GEN:
        wrapper: Any = wraps(func)(
            async_steps(lambda args, kwargs: (started(args, kwargs), lambda: func(*args, **kwargs)))
        )
    elif kind is _GEN:

        @wraps(func)
        def run_gen(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            context = contextvars.copy_context()
            run = context.run(started, args, kwargs)
            return (yield from steps(run, lambda: func(*args, **kwargs), context))

        wrapper = run_gen
    elif kind is _ASYNC:

        @wraps(func)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            run = started(args, kwargs)
            try:
                result = await func(*args, **kwargs)
            except BaseException as exc:
                run.finish(exc)
                raise
            return done(run, result)

        wrapper = run_async
    else:

        @wraps(func)
        def run_sync(*args: Any, **kwargs: Any) -> Any:
            run = started(args, kwargs)
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                run.finish(exc)
                raise
            # A coroutine, generator or async generator (an ``async def`` or a generator
            # function under a plain decorator) keeps the run open while it runs.
            kind = type(result)  # compared by identity: a metaclass may make it unhashable
            if kind is GeneratorType:
                return stepped(run, result)
            if kind is CoroutineType:
                return awaited(run, result)
            if kind is AsyncGeneratorType:
                return async_stepped(run, result)
            return done(run, result)

        wrapper = run_sync
    wrapper.__sentry_agents_wrapped__ = func
    return wrapper  # type: ignore[no-any-return]


_ASYNC_GEN, _GEN, _ASYNC, _SYNC = "async generator", "generator", "async", "sync"


def kind_of(func: Any) -> str:
    """Which wrapper ``func`` needs; a plain one where ``inspect`` cannot tell (an
    object whose attributes raise), which still follows a coroutine or a generator it
    returns."""
    try:
        if inspect.isasyncgenfunction(func):
            return _ASYNC_GEN
        if inspect.isgeneratorfunction(func):
            return _GEN
        if inspect.iscoroutinefunction(func):
            return _ASYNC
    except Exception:
        pass
    return _SYNC


W = TypeVar("W", bound=Callable[..., Any])


def wraps(func: Any) -> Callable[[W], W]:
    """``functools.wraps`` that cannot fail: an attribute of ``func`` that raises, or
    that the wrapper refuses (a ``__name__`` that is not a string), is left out. A
    ``__name__`` or ``__qualname__`` not copied is ``callable_name(func)``: a callable
    object's class name, a ``functools.partial``'s function's name."""

    def apply(wrapper: W) -> W:
        copied = set()
        for attr in functools.WRAPPER_ASSIGNMENTS:
            try:
                setattr(wrapper, attr, getattr(func, attr))
            except Exception:  # absent, raising, or refused
                continue
            copied.add(attr)
        with contextlib.suppress(Exception):
            wrapper.__dict__.update(func.__dict__)
        for attr in ("__name__", "__qualname__"):
            if attr not in copied:
                setattr(wrapper, attr, callable_name(func))
        wrapper.__wrapped__ = func  # type: ignore[attr-defined]
        return wrapper

    return apply


def decorator_arguments(
    decorator: str, func: Optional[Any], name: Optional[str]
) -> tuple[Optional[Any], Optional[str]]:
    """The function and the name a decorator (``agent``, ``tool``) was given.

    A string in the function's place is the name: ``@agent("Weather Agent")`` reads as
    ``@invoke_agent("Weather Agent")`` does, so it works as ``@agent(name=...)``.
    Anything else is checked by ``decoratable`` when the decorator wraps it.
    """
    if instance_of(func, str):
        if name is not None:
            raise TypeError(f"{decorator}() got a name twice: {func!r} and name={name!r}")
        return None, func
    return func, name


def decoratable(decorator: str, func: Any) -> None:
    """Refuse (``TypeError``) what ``decorator`` cannot wrap: anything but a callable, a
    ``classmethod`` or a ``staticmethod``. Called when decorating, rather than accepting
    it and failing (with a bogus span and an error event) at every call."""
    if not (callable(func) or instance_of(func, (classmethod, staticmethod))):
        raise TypeError(
            f"@{decorator} decorates a function, not {type(func).__name__}; "
            f"name the span with @{decorator}(name=...)"
        )


def done(run: Run, result: Any, yielded: Optional[list[Any]] = None) -> Any:
    """Record what a call returned (or its generator yielded) and finish its run."""
    try:
        with guard:
            run._record_return(result if yielded is None else joined(yielded))
    except BaseException as exc:  # an interrupt while recording the result
        run.finish(exc)
        raise
    run.finish()
    return result


def ended_early(run: Run, items: Optional[list[Any]]) -> None:
    """Finish the run of a generator its consumer closed before its end (a normal end):
    its output is what it yielded so far."""
    if items is None:
        run.finish()
    else:
        done(run, None, items)


def closing_cancelled(exc: BaseException) -> bool:
    """Whether ``exc``, thrown in where an async generator yields, is the cancellation
    of a task that was to close it: asyncio closes a dropped async generator in a task of
    its own (``aclose()`` wrapped whole), and ``asyncio.run`` cancels that task when the
    generator was dropped in the last step of the main coroutine, which throws
    ``CancelledError`` in place of ``GeneratorExit``. A consumer's own cancellation
    reaches the generator only while it awaits, never where it yields."""
    if not isinstance(exc, asyncio.CancelledError):
        return False
    try:
        task = asyncio.current_task()
        return task is not None and type(task.get_coro()).__name__ == "async_generator_athrow"
    except Exception:  # no running loop, or a task that is not asyncio's
        return False


T = TypeVar("T")


@types.coroutine
def in_context(context: contextvars.Context, awaitable: Awaitable[T]) -> Generator[Any, Any, T]:
    """``await awaitable`` with each of its steps run in ``context``: an async generator's
    body keeps its own context variables from one step to the next, whichever task awaits
    the step (each task has a context of its own)."""
    step = awaitable.__await__()
    send: Any = None
    throw: Optional[BaseException] = None
    while True:
        try:
            if throw is None:
                signal = context.run(step.send, send)
            else:
                signal = context.run(step.throw, throw)
        except StopIteration as stop:
            return cast(T, stop.value)
        send, throw = None, None
        try:
            send = yield signal
        except GeneratorExit:
            context.run(step.close)
            raise
        except BaseException as exc:
            throw = exc


def async_steps(
    begin: Callable[[tuple[Any, ...], dict[str, Any]], tuple[Run, Callable[[], Any]]],
) -> Callable[..., AsyncGenerator[Any, Any]]:
    """An async generator function (what ``inspect`` and frameworks take it for) whose
    call runs the steps of an async generator inside a run: ``begin``, given the call's
    arguments on the first step, gives the run (active) and what makes the generator.
    The generator runs in a context of its own, a copy of the first step's, where the run
    is active; the run is finished when it ends, fails, is closed or is
    garbage-collected."""

    async def run_async_gen(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        context = contextvars.copy_context()
        run, make = context.run(begin, args, kwargs)
        items: Optional[list[Any]] = [] if run._wants_return else None
        send: Any = None
        throw: Optional[BaseException] = None
        closed: Optional[BaseException] = None
        try:
            agen = context.run(make)
            while True:
                try:
                    item = await in_context(
                        context, agen.asend(send) if throw is None else agen.athrow(throw)
                    )
                except StopAsyncIteration:
                    break
                send, throw = None, None
                if items is not None:
                    items.append(item)
                try:
                    send = yield item
                except GeneratorExit as exc:
                    await in_context(context, agen.aclose())
                    closed = exc
                    raise
                except BaseException as exc:
                    throw = exc
                    if closing_cancelled(exc):
                        closed = exc
        except BaseException as exc:
            if exc is closed:
                context.run(ended_early, run, items)
            else:
                context.run(run.finish, exc)
            raise
        context.run(done, run, None, items)

    return run_async_gen


def _resumed(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Run, Callable[[], Any]]:
    run, agen = args
    run._activate()
    return run, lambda: agen


_resumed_async_steps = async_steps(_resumed)


def async_stepped(run: Run, agen: Any) -> Any:
    """The async generator a sync function returned, as one that keeps the run open (and
    active in its own context) until it ends; one never iterated ends the run when it is
    dropped, as ``stepped`` does."""
    run._deactivate()  # until iterated, as for a coroutine
    outer = _resumed_async_steps(run, agen)
    weakref.finalize(outer, run.finish, _NEVER_ITERATED)
    return outer


def steps(
    run: Run,
    make: Callable[[], Generator[Any, Any, Any]],
    context: Optional[contextvars.Context] = None,
) -> Generator[Any, Any, Any]:
    """The steps of the generator ``make`` gives, inside ``run``: run in ``context``, where
    the run was started and is active (without one, in a copy of the first step's, where
    the run is made active first), and finished when the generator ends, fails, is closed
    or is garbage-collected."""
    if context is None:
        context = contextvars.copy_context()
        context.run(run._activate)
    items: Optional[list[Any]] = [] if run._wants_return else None
    send: Any = None
    throw: Optional[BaseException] = None
    closed: Optional[GeneratorExit] = None
    try:
        gen = context.run(make)
        while True:
            try:
                if throw is None:
                    item = context.run(gen.send, send)
                else:
                    item = context.run(gen.throw, throw)
            except StopIteration as stop:
                result = stop.value
                break
            send, throw = None, None
            if items is not None:
                items.append(item)
            try:
                send = yield item
            except GeneratorExit as exc:
                context.run(gen.close)
                closed = exc
                raise
            except BaseException as exc:
                throw = exc
    except BaseException as exc:
        if exc is closed:
            context.run(ended_early, run, items)
        else:
            context.run(run.finish, exc)
        raise
    return context.run(done, run, result, items if result is None else None)


async def run_awaited(run: Run, coroutine: Any) -> Any:
    run._activate()
    try:
        result = await coroutine
    except BaseException as exc:
        run.finish(exc)
        raise
    return done(run, result)


def awaited(run: Run, coroutine: Any) -> Any:
    """The coroutine a sync function returned, as a coroutine that keeps the run open
    (and active while it runs) until it is awaited to its end; one never awaited ends
    the run, cancelled, when it is dropped."""
    run._deactivate()  # until awaited: the caller may start others first (gather)
    outer: Any = run_awaited(run, coroutine)
    outer.__name__, outer.__qualname__ = coroutine.__name__, coroutine.__qualname__
    weakref.finalize(outer, run.finish, _NEVER_AWAITED)
    return outer


def stepped(run: Run, gen: Generator[Any, Any, Any]) -> Generator[Any, Any, Any]:
    """The generator a sync function returned, as one that keeps the run open (and
    active in its own context) until it ends; one never iterated ends the run when it is
    dropped, as closed by its consumer (a generator that never started runs no code
    when closed)."""
    run._deactivate()  # until iterated, as for a coroutine
    outer = steps(run, lambda: gen)
    weakref.finalize(outer, run.finish, _NEVER_ITERATED)
    return outer


_NEVER_AWAITED = asyncio.CancelledError("never awaited")
_NEVER_ITERATED = GeneratorExit("never iterated")


def function_of(func: Any) -> Any:
    """The function a ``classmethod`` or ``staticmethod`` holds (its name and docstring
    are that function's), else ``func``."""
    return func.__func__ if instance_of(func, (classmethod, staticmethod)) else func


def joined(items: list[Any]) -> Any:
    """What a generator yielded: text pieces joined, anything else as the list."""
    if items and all(instance_of(i, str) for i in items):
        return "".join(items)
    return items


__all__ = [
    "Call",
    "Run",
    "decoratable",
    "decorate",
    "decorator_arguments",
    "function_of",
    "joined",
]
