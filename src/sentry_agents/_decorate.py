"""Decorating sync, async, generator and async generator functions with a span per call.

Generators keep their span open until they are exhausted, closed (``break``),
thrown into or garbage-collected. The span is current only while the generator
body runs: spans made inside get it as parent on every step, and the caller's
current span is untouched between steps.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncGenerator, Generator
from typing import Any, Callable, Optional, TypeVar

from ._jsonable import jsonable
from ._span import GenAISpan, guard

F = TypeVar("F", bound=Callable[..., Any])
OnCall = Callable[[GenAISpan, tuple[Any, ...], dict[str, Any]], None]
OnResult = Callable[[GenAISpan, Any], None]


def decorate(
    func: F,
    factory: Callable[[], GenAISpan],
    on_call: Optional[OnCall] = None,
    on_result: Optional[OnResult] = None,
) -> F:
    """Wrap ``func`` so each call runs inside a fresh span from ``factory``."""

    def started(args: tuple[Any, ...], kwargs: dict[str, Any]) -> GenAISpan:
        span = factory().start()
        if on_call is not None:
            try:
                with guard:
                    on_call(span, args, kwargs)
            except BaseException as exc:  # an interrupt while recording the call
                span.finish(exc)
                raise
        return span

    def done(span: GenAISpan, result: Any, yielded: Optional[list[Any]] = None) -> Any:
        try:
            if on_result is not None:
                with guard:
                    on_result(span, result if yielded is None else joined(yielded))
        except BaseException as exc:  # an interrupt while recording the result
            span.finish(exc)
            raise
        span.finish()
        return result

    if inspect.isasyncgenfunction(func):

        @functools.wraps(func)
        async def run_async_gen(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
            span = started(args, kwargs)
            items: Optional[list[Any]] = [] if on_result is not None else None
            send: Any = None
            throw: Optional[BaseException] = None
            try:
                agen = func(*args, **kwargs)
                while True:
                    try:
                        item = await (agen.asend(send) if throw is None else agen.athrow(throw))
                    except StopAsyncIteration:
                        break
                    send, throw = None, None
                    if items is not None:
                        items.append(item)
                    span._deactivate()
                    try:
                        send = yield item
                    except GeneratorExit:
                        span._activate()
                        await agen.aclose()
                        raise
                    except BaseException as exc:
                        throw = exc
                    span._activate()
            except BaseException as exc:
                span.finish(exc)
                raise
            done(span, None, items)

        wrapper: Any = run_async_gen
    elif inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def run_gen(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            span = started(args, kwargs)
            items: Optional[list[Any]] = [] if on_result is not None else None
            send: Any = None
            throw: Optional[BaseException] = None
            try:
                gen = func(*args, **kwargs)
                while True:
                    try:
                        item = gen.send(send) if throw is None else gen.throw(throw)
                    except StopIteration as stop:
                        result = stop.value
                        break
                    send, throw = None, None
                    if items is not None:
                        items.append(item)
                    span._deactivate()
                    try:
                        send = yield item
                    except GeneratorExit:
                        span._activate()
                        gen.close()
                        raise
                    except BaseException as exc:
                        throw = exc
                    span._activate()
            except BaseException as exc:
                span.finish(exc)
                raise
            return done(span, result, items if result is None else None)

        wrapper = run_gen
    elif inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            span = started(args, kwargs)
            try:
                result = await func(*args, **kwargs)
            except BaseException as exc:
                span.finish(exc)
                raise
            return done(span, result)

        wrapper = run_async
    else:

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            span = started(args, kwargs)
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                span.finish(exc)
                raise
            return done(span, result)

        wrapper = run
    wrapper.__sentry_agents_wrapped__ = func
    return wrapper  # type: ignore[no-any-return]


def signature_of(func: Callable[..., Any]) -> Optional[inspect.Signature]:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


class Call:
    """One call of a decorated function, turned into content only when it is recorded."""

    __slots__ = ("args", "kwargs", "signature")

    def __init__(
        self, signature: Optional[inspect.Signature], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self.signature = signature
        self.args = args
        self.kwargs = kwargs

    def arguments(self) -> dict[str, Any]:
        """The arguments by parameter name (``self``/``cls`` left out), JSON-safe."""
        if self.signature is not None:
            try:
                bound = self.signature.bind_partial(*self.args, **self.kwargs)
            except TypeError:
                pass
            else:
                return {
                    k: jsonable(v) for k, v in bound.arguments.items() if k not in ("self", "cls")
                }
        return jsonable({"args": list(self.args), **self.kwargs})  # type: ignore[no-any-return]


def joined(items: list[Any]) -> Any:
    """What a generator yielded: text pieces joined, anything else as the list."""
    if items and all(isinstance(i, str) for i in items):
        return "".join(items)
    return items
