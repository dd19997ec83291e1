"""Stream wrappers: provider chunks pass through unchanged while a chat span records them.

The wrapper records when the stream is exhausted, fails, is closed, is interrupted
while it waits for a chunk (cancelled), or is dropped unfinished (the last three
abandoned: what was received is recorded and marked). If the
chat span's ``with`` block ends while its stream is still open (the stream was
returned to be consumed later), the span stays open until the stream ends or is
dropped; if the block ends with an exception, the stream is abandoned and the span
ends then.
"""

from __future__ import annotations

from collections import deque
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Optional,
    Protocol,
)

from ._chunks import StreamAccumulator, read_later
from ._guard import contained, guard
from ._jsonable import field
from ._responses import ResponseInfo
from ._sdk import now_ns


class StreamOwner(Protocol):
    """The span a stream reports to: told when the stream opens and when it ends."""

    def _stream_opened(self, stream: Any) -> int:
        """Count ``stream`` as open; its number, in the order the span's streams open."""
        ...

    def _stream_closed(
        self,
        info: ResponseInfo,
        first_chunk_ns: Optional[int],
        abandoned: bool,
        error: Optional[BaseException],
        number: int,
    ) -> None: ...


class _Stream:
    """What the sync and async wrappers share: accumulation and the one way to end.

    The span does not reference its streams, so a stream dropped unfinished is
    collected (and recorded as abandoned) as soon as its consumer lets go of it.
    """

    def __init__(self, span: StreamOwner, source: Any) -> None:
        self._source = source
        # The span, until the stream ends: taken out by ``list.pop``, one atomic step, so
        # of two threads ending the stream at once (one closing it while another reads
        # its end) exactly one gets it and records it.
        self._span: list[StreamOwner] = [span]
        self._accumulator = StreamAccumulator()
        # A provider SDK's chunks, held back to be read a batch at a time (but for a
        # chunk of text alone, read at once by ``add_text``, which costs less): reading each
        # between the client's parsing of the next costs two to three times as much (the
        # caches hold the client's work, not ours). A dict, text or other object may be
        # reused by its source, and a chunk that begins something kept and added to by
        # its reader (``read_later``), so those are read at once, after those held back.
        # One deque, never replaced: of threads reading the stream at once, none adds a
        # chunk to a batch another has read already, and each chunk is taken once.
        self._pending: deque[Any] = deque()
        self._first_chunk_ns: Optional[int] = None
        self._number = span._stream_opened(self)

    def __getattr__(self, name: str) -> Any:
        """The source's attribute; its ways of reading itself (Anthropic's ``text_stream``,
        ``get_final_message()`` and the like) read through this wrapper, so what they
        read is recorded."""
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._source, name)
        if name == "text_stream":
            return self._text_stream()
        if name in _READERS and callable(value):
            return self._after_reading(value)
        return value

    def _text_stream(self) -> Any:
        """The text deltas (as Anthropic's ``text_stream`` yields them), read through this
        wrapper."""
        raise NotImplementedError

    def _after_reading(self, method: Callable[..., Any]) -> Callable[..., Any]:
        """``method`` of the source, called once this wrapper has read the rest."""
        raise NotImplementedError

    def _chunk(self, chunk: Any) -> None:
        if not self._span:  # ended (abandoned): the chunk passes on, neither read nor kept
            return
        try:  # not ``with guard``: this runs for every chunk
            first = self._first_chunk_ns is None
            if first:
                self._first_chunk_ns = now_ns()  # the clock the span's duration is on
            pending = self._pending
            if not first and not pending and self._accumulator.add_text(chunk):
                return
            if not first and read_later(chunk):
                pending.append(chunk)
                if len(pending) < _BATCH:
                    return
                self._read_pending()
            else:
                if pending:
                    self._read_pending()
                self._accumulator.add(chunk)
        except Exception as exc:
            contained(exc)

    def _read_pending(self) -> None:
        """Read the chunks held back, in order, each contained on its own."""
        pending = self._pending
        add = self._accumulator.add
        while True:
            try:
                chunk = pending.popleft()
            except IndexError:
                return
            try:
                add(chunk)
            except Exception as exc:
                contained(exc)

    def _end(self, error: Optional[BaseException] = None, abandoned: bool = False) -> None:
        try:
            span = self._span.pop()
        except IndexError:  # ended already, here or in another thread
            return
        info = ResponseInfo()
        try:
            with guard:
                self._read_pending()
                info = self._accumulator.result()
        finally:  # an interrupt while reading what arrived still ends the span
            span._stream_closed(info, self._first_chunk_ns, abandoned, error, self._number)

    def _abandon(self) -> None:
        """Stop recording: what was received so far is recorded as abandoned, and the
        stream goes on passing its chunks to its consumer."""
        self._end(abandoned=True)

    def __del__(self) -> None:
        if getattr(self, "_span", None):
            self._end(abandoned=True)


class SyncStream(_Stream):
    """Wraps a sync iterable of chunks (an OpenAI ``Stream``, a generator, ...)."""

    def __init__(self, span: StreamOwner, source: Any) -> None:
        self._iterator = _iterate(source)  # before the span counts the stream as open
        super().__init__(span, source)

    def __iter__(self) -> SyncStream:
        return self

    def _text_stream(self) -> Iterator[str]:
        for chunk in self:
            text = _text_delta(chunk)
            if text is not None:
                yield text

    def _after_reading(self, method: Callable[..., Any]) -> Callable[..., Any]:
        def read_then(*args: Any, **kwargs: Any) -> Any:
            for _ in self:
                pass
            return method(*args, **kwargs)

        return read_then

    def __next__(self) -> Any:
        try:
            chunk = next(self._iterator)
        except StopIteration:
            self._end()
            raise
        except BaseException as exc:
            self._end(error=exc, abandoned=_given_up(exc))
            raise
        self._chunk(chunk)
        return chunk

    def close(self) -> None:
        """Close the underlying stream; what was received so far is recorded."""
        try:
            close = getattr(self._source, "close", None)
            if callable(close):
                close()
        finally:
            self._abandon()

    def __enter__(self) -> SyncStream:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class AsyncStream(_Stream):
    """Wraps an async iterable of chunks (an OpenAI ``AsyncStream``, an async generator, ...)."""

    def __init__(self, span: StreamOwner, source: Any) -> None:
        self._iterator = source.__aiter__()  # before the span counts the stream as open
        super().__init__(span, source)

    def __aiter__(self) -> AsyncStream:
        return self

    async def _text_stream(self) -> AsyncIterator[str]:
        async for chunk in self:
            text = _text_delta(chunk)
            if text is not None:
                yield text

    def _after_reading(self, method: Callable[..., Any]) -> Callable[..., Any]:
        async def read_then(*args: Any, **kwargs: Any) -> Any:
            async for _ in self:
                pass
            result = method(*args, **kwargs)
            if hasattr(result, "__await__"):
                result = await result
            return result

        return read_then

    async def __anext__(self) -> Any:
        try:
            chunk = await self._iterator.__anext__()
        except StopAsyncIteration:
            self._end()
            raise
        except BaseException as exc:
            self._end(error=exc, abandoned=_given_up(exc))
            raise
        self._chunk(chunk)
        return chunk

    async def aclose(self) -> None:
        """Close the underlying stream; what was received so far is recorded."""
        try:
            for name in ("aclose", "close"):
                close = getattr(self._source, name, None)
                if callable(close):
                    result = close()
                    if hasattr(result, "__await__"):
                        await result
                    break
        finally:
            self._abandon()

    def close(self) -> Awaitable[None]:
        """Close the underlying stream (``await stream.close()``, as OpenAI's and
        Anthropic's async streams are closed); what was received so far is recorded.

        Handled here rather than passed to the source, so the span ends (as abandoned,
        if the stream was not finished) and is not left open while the wrapper is
        referenced. The source's ``close()`` result is awaited when it is awaitable; a
        source whose ``close()`` is sync is closed at once, and the result can still be
        awaited.
        """
        try:
            close = getattr(self._source, "close", None)
            if not callable(close):
                close = getattr(self._source, "aclose", None)
            result = close() if callable(close) else None
        except BaseException:
            self._abandon()
            raise
        if result is not None and hasattr(result, "__await__"):
            return self._closing(result)
        self._abandon()
        return _Closed()

    async def _closing(self, closing: Awaitable[Any]) -> None:
        """Await the source's closing, then end the span (even if closing failed)."""
        try:
            await closing
        finally:
            self._abandon()

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.aclose()


class _Closed:
    """What ``AsyncStream.close()`` returns when the source closed at once: awaiting it
    does nothing (and not awaiting it warns of nothing, unlike a coroutine)."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


# Stream helpers' methods that read the rest of the stream themselves (Anthropic's
# ``MessageStream``, OpenAI's ``ChatCompletionStream`` and ``ResponseStream``).
_READERS = frozenset(
    {"until_done", "get_final_message", "get_final_text", "get_final_completion"}
    | {"get_final_response"}
)


_BATCH = 32


def _given_up(error: BaseException) -> bool:
    """Whether ``error``, raised as the stream waited for its next chunk, is its caller
    giving up on it (the task cancelled, Ctrl-C, the consumer's coroutine closed): the
    stream is abandoned, as one left while reading is. An error of the source's own (a
    connection dropped) is not: it fails the span, and says why the output is cut short."""
    return not isinstance(error, Exception)


def _text_delta(chunk: Any) -> Optional[str]:
    """The text of an Anthropic ``text_delta`` event, as its ``text_stream`` yields it;
    ``None`` for any other chunk, and for one whose ``type`` cannot be compared (its
    ``==`` or truth raises: the failure is logged, and the consumer reads on)."""
    try:
        if field(chunk, "type") != "content_block_delta":
            return None
        delta = field(chunk, "delta")
        text = field(delta, "text")
        return text if field(delta, "type") == "text_delta" and isinstance(text, str) else None
    except Exception as exc:
        contained(exc)
        return None


def _iterate(source: Any) -> Iterator[Any]:
    """``iter(source)``; for something that is not iterable, a ``TypeError`` saying what
    ``stream`` takes (a stream manager, such as Anthropic's ``client.messages.stream(...)``,
    is entered first; an async client's ``create(..., stream=True)`` is awaited first)."""
    try:
        return iter(source)
    except TypeError:
        if _defines(source, "__iter__"):
            raise  # its own ``__iter__`` failed: that error, unchanged
        kind = type(source).__name__
        hint = ""
        if _defines(source, "__await__"):
            hint = (
                f"; {kind} is awaitable: await it and pass the stream it gives "
                "(llm.stream(await client.chat.completions.create(..., stream=True)))"
            )
        elif _defines(source, "__enter__") or _defines(source, "__aenter__"):
            hint = (
                f"; {kind} is a context manager: enter it and pass the stream it gives "
                "(with client.messages.stream(...) as stream: llm.stream(stream), or "
                "async with)"
            )
        raise TypeError(
            f"stream() takes an iterable or async iterable of chunks, not {kind}{hint}"
        ) from None


def _defines(source: Any, name: str) -> bool:
    """Whether ``source``'s class has the method ``name``, looked up as ``for`` and
    ``with`` look it up: on the class, past an instance's ``__getattr__``; ``False``
    where the lookup raises (a metaclass's ``__getattr__``)."""
    try:
        return getattr(type(source), name, None) is not None
    except Exception:
        return False


def wrap_stream(span: StreamOwner, source: Any) -> Any:
    """A sync or async wrapper, matching what ``source`` is; ``TypeError`` (the span
    untouched) for something that is neither."""
    if _defines(source, "__aiter__"):
        return AsyncStream(span, source)
    return SyncStream(span, source)


__all__ = ["AsyncStream", "StreamOwner", "SyncStream", "wrap_stream"]
