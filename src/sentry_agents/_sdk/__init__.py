"""The adapter to sentry-sdk: the only place that uses its tracing API and internals.

It knows which tracing mode the installed sentry-sdk is in (2.x transactions,
2.x span streaming, 3.x streaming only), chosen by feature detection, and how to
start, activate, fill and finish a span there. Everything else in the package
works with ``NativeSpan``. ``integrations`` (in this package) works alongside
sentry-sdk's own AI integrations.
"""

from __future__ import annotations

import contextvars
import inspect
import os
import time
from collections.abc import Iterator, Mapping
from typing import Any, Callable, Literal, Optional, Union

import sentry_sdk
import sentry_sdk.utils

from .. import _keys as keys
from .._guard import logger
from . import propagation

AttributeValue = Union[str, int, float, bool, list[str]]
"""What sentry-sdk sends as a typed attribute in every mode (a list of strings as an array)."""

MECHANISM = "sentry_agents"

_HAS_TRANSACTIONS = hasattr(sentry_sdk, "start_transaction")

try:
    from sentry_sdk import traces as _traces
except ImportError:  # sentry-sdk before span streaming
    _traces = None  # type: ignore[assignment]

try:
    from sentry_sdk.tracing_utils import has_span_streaming_enabled as _streaming_enabled
except ImportError:  # sentry-sdk before span streaming, or 3.x where it is the only mode

    def _streaming_enabled(options: Optional[dict[str, Any]]) -> bool:
        return not _HAS_TRANSACTIONS


_NOOP_STREAMED = tuple(
    cls
    for cls in (getattr(_traces, "NoOpStreamedSpan", None), getattr(_traces, "NoOpSpan", None))
    if isinstance(cls, type)
)
_STREAMED_SLOT = "streamed_span" if hasattr(sentry_sdk.Scope, "streamed_span") else "span"


try:
    from sentry_sdk.tracing import Span as _Span
    from sentry_sdk.tracing import Transaction as _Transaction
except ImportError:  # 3.x: no transaction-based spans at all
    _Span = None  # type: ignore[assignment,misc]
    _Transaction = None  # type: ignore[assignment,misc]

# Child spans took ``description=`` before sentry-sdk 2.15 renamed it ``name=``.
_NAME_KEYWORD = (
    "description"
    if _Span is not None and "name" not in inspect.signature(_Span.__init__).parameters
    else "name"
)
_UPDATE_DATA = hasattr(_Span, "update_data")
now_ns: Callable[[], int] = getattr(sentry_sdk.utils, "nanosecond_time", time.perf_counter_ns)
"""The clock sentry-sdk measures span durations on (nanoseconds)."""

_EVENT_TAKES_OPTIONS = (
    "client_options" in inspect.signature(sentry_sdk.utils.event_from_exception).parameters
)

# sentry-sdk keeps the current scope in this context variable; setting it directly
# is what ``sentry_sdk.use_scope`` does, without a generator-based context manager.
_scope_var: Optional[contextvars.ContextVar[Any]] = getattr(
    sentry_sdk.scope, "_current_scope", None
)


class ClientState:
    """What spans need to know about one active client, worked out once per client:
    its tracing mode, whether it splits gen_ai spans out of transactions, its content
    gate, its string length limit, and (filled in by ``integrations``) whether it runs
    any of sentry-sdk's AI integrations."""

    __slots__ = (
        "_gate",
        "ai_integrations",
        "client",
        "max_value_length",
        "splits_gen_ai",
        "streaming",
    )

    def __init__(self, client: Any) -> None:
        self.client = client
        self.streaming = streaming(client)
        options = client.options or {}
        # sentry-sdk 2.60+ sends a transaction's gen_ai child spans as span items of
        # their own (``stream_gen_ai_spans``, on by default since 2.64); before, and with
        # it off, they stay inside the transaction event.
        self.splits_gen_ai = not self.streaming and options.get("stream_gen_ai_spans") is True
        limit = options.get("max_value_length")
        self.max_value_length: Optional[int] = (
            limit if isinstance(limit, int) and limit > 0 else None
        )
        self._gate: Optional[tuple[bool, bool]] = None
        self.ai_integrations: Optional[bool] = None
        if self.streaming:
            _start_span_flusher(client)

    def gate(self) -> tuple[bool, bool]:
        """sentry-sdk's gate for (prompts, outputs); see ``content_gate``."""
        gate = self._gate
        if gate is None:
            gate = self._gate = content_gate()
        return gate


_state: Optional[ClientState] = None


def _start_span_flusher(client: Any) -> None:
    """Start the thread sentry-sdk sends streamed spans from, before any span of ours
    ends with this client.

    sentry-sdk starts it on the first span it is given, and drops, unrecorded, a span
    that another thread ends meanwhile: it finds the flusher noted as started but not
    yet made. Started here, as the client's first span of ours starts, no span of ours
    ends while it is being started; where another thread (ending a span not ours) is
    starting it, this waits until it is made."""
    batcher = getattr(client, "span_batcher", None)
    ensure_thread = getattr(batcher, "_ensure_thread", None)
    lock = getattr(batcher, "_lock", None)
    if ensure_thread is None or getattr(getattr(batcher, "_active", None), "flag", False):
        return  # as sentry-sdk's own: this thread runs batcher code, which may hold its lock
    try:
        ensure_thread()
        if lock is not None:
            _wait_for_flusher(lock)
    except Exception as exc:
        logger.debug("sentry_agents: could not start sentry-sdk's span flusher: %r", exc)


def _wait_for_flusher(lock: Any) -> None:
    """Wait while another thread is inside sentry-sdk's start of the span flusher: it
    holds the batcher's lock until the flusher is made."""
    with lock:
        pass


def _forget_state() -> None:
    """In a forked child, sentry-sdk starts its span flusher anew: the client's state is
    worked out again there, which starts it first (``_start_span_flusher``)."""
    global _state
    _state = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_state)


def active_client() -> Optional[ClientState]:
    """The state of the active client, or ``None`` when sentry-sdk is not initialised."""
    global _state
    client = sentry_sdk.get_client()
    if not client.is_active():
        return None
    state = _state
    if state is None or state.client is not client:
        state = _state = ClientState(client)
    return state


class NativeSpan:
    """A started sentry-sdk span, written to the way the mode it was made in expects.

    ``in_event``: it is sent inside a transaction event (as the transaction itself, or
    as a child span sentry-sdk does not split out), where the event's size limit applies.
    """

    __slots__ = ("client", "in_event", "recording", "span")
    streaming = False
    joined = False
    """Whether sentry-sdk's own integration started the span and will end it."""

    def __init__(
        self, span: Any, client: ClientState, recording: bool, in_event: bool = True
    ) -> None:
        self.span = span
        self.client = client
        self.recording = recording
        self.in_event = in_event

    def set(self, key: str, value: AttributeValue) -> None:
        self.span.set_data(key, value)

    def set_many(self, attributes: Mapping[str, AttributeValue]) -> None:
        _set_data(self.span, attributes)

    def remove(self, key: str) -> None:
        """Take back an attribute set earlier (transaction-mode spans have no method for
        it: their attributes are the dict they are sent from)."""
        self.span._data.pop(key, None)

    def mark(self, status: Literal["error", "cancelled"]) -> None:
        self.span.set_status("internal_error" if status == "error" else "cancelled")

    def rename(self, name: str) -> None:
        """Give the span a new name (a joined span named with what must not be sent)."""
        if _Transaction is not None and isinstance(self.span, _Transaction):
            self.span.name = name
        else:
            self.span.description = name

    def attributes(self) -> Mapping[str, Any]:
        """The attributes set so far: sentry-sdk's own mapping, to read at once (not
        copied, as a stream's end reads a few of them on every streamed call)."""
        return self.span._data  # type: ignore[no-any-return]

    def start_ns(self) -> Optional[int]:
        """When sentry-sdk started the span, on ``now_ns``'s clock: the reading its
        duration is measured from (``None`` where this sentry-sdk keeps none)."""
        start = getattr(self.span, "_start_timestamp_monotonic_ns", None)
        return start if isinstance(start, int) else None

    def finish(self) -> None:
        self.span.finish()


class StreamedSpan(NativeSpan):
    """A span of sentry-sdk's streaming mode (2.x ``trace_lifecycle="stream"``, 3.x)."""

    __slots__ = ()
    streaming = True

    def set(self, key: str, value: AttributeValue) -> None:
        self.span.set_attribute(key, value)

    def set_many(self, attributes: Mapping[str, AttributeValue]) -> None:
        self.span.set_attributes(attributes)

    def remove(self, key: str) -> None:
        self.span.remove_attribute(key)

    def mark(self, status: Literal["error", "cancelled"]) -> None:
        if status == "error":
            self.span.status = "error"

    def rename(self, name: str) -> None:
        self.span.name = name

    def attributes(self) -> Mapping[str, Any]:
        return self.span.get_attributes()  # type: ignore[no-any-return]

    def finish(self) -> None:
        self.span.end()


def streaming(client: Any) -> bool:
    """Whether ``client`` records spans in streaming mode."""
    return _traces is not None and _streaming_enabled(client.options)


def current_span() -> Any:
    """The span sentry-sdk holds as current here, in the mode it is in (or ``None``)."""
    client = active_client()
    if client is None:
        return None
    scope = sentry_sdk.get_current_scope()
    return getattr(scope, _STREAMED_SLOT if client.streaming else "span", None)


_SCOPE_DEPTH = 1_000
"""How far down the current scope's stack of open streamed spans ``open_ancestors`` looks."""


def open_ancestors(span_id: str) -> Iterator[str]:
    """``span_id`` and the ids of its ancestors, nearest first, as far as the current
    scope's stack of open streamed spans (the current one, then the one it replaced, ...)
    holds them: a streamed span sent knows only its parent's id, and where that parent
    is a span of the user's own, it is still open here, as are those above it."""
    streamed = getattr(sentry_sdk.get_current_scope(), _STREAMED_SLOT, None)
    wanted: Optional[str] = span_id
    for _ in range(_SCOPE_DEPTH):
        if streamed is None or wanted is None:
            return
        if streamed.span_id == wanted:
            yield wanted
            wanted = getattr(streamed, "_parent_span_id", None)
        streamed = getattr(streamed, "_previous_span_on_scope", None)


def _set_data(span: Any, attributes: Mapping[str, AttributeValue]) -> None:
    """Many attributes on a transaction-mode span: one ``update_data`` where sentry-sdk
    has it."""
    if _UPDATE_DATA:
        span.update_data(attributes)
    else:
        for key, value in attributes.items():
            span.set_data(key, value)


def start_span(
    op: str,
    name: str,
    attributes: Callable[[], dict[str, AttributeValue]],
    incoming: Optional[Mapping[str, str]] = None,
) -> Optional[NativeSpan]:
    """Start a span as a child of the current one, or as a new root (transaction/segment).

    Returns ``None`` when sentry-sdk is not initialised, so no work is done at all.
    ``attributes()`` (a new dict, which this may add to) are set when the span starts.
    A ``traces_sampler`` sees them for a root in both modes (``sampling_context
    ["transaction_context"]["data"]``): in transaction mode the transaction is built with
    them before sentry-sdk samples it. For a child in transaction mode they are only
    computed when it is sampled. A new root continues the trace of ``incoming``
    (``sentry-trace`` and ``baggage``) when given, and is in a trace of its own when it
    is empty (a request without trace context). In transaction mode, where the current
    span's transaction was already sent, the span is a new root under it in its trace
    (``_under_finished``).
    """
    client = active_client()
    if client is None:
        return None
    span: Any
    if client.streaming:
        at_start: dict[str, Any] = attributes()
        at_start[keys.SENTRY_OP] = op
        if (
            incoming is not None
            and getattr(sentry_sdk.get_current_scope(), _STREAMED_SLOT, None) is None
        ):
            span = propagation.continued_segment(name, at_start, incoming)
        else:
            span = _traces.start_span(name=name, attributes=at_start, active=False)
        recording = not isinstance(span, _NOOP_STREAMED)
        if recording:
            # sentry-sdk makes a streamed span's id when it is first read, unguarded: two
            # threads starting children at once could each make one. Made here, first.
            _ = span.span_id
        return StreamedSpan(span, client, recording, False)
    scope = sentry_sdk.get_current_scope()
    current: Any = scope.span
    transaction_of_current = current.containing_transaction if current is not None else None
    if transaction_of_current is not None and transaction_of_current.timestamp is None:
        span = current.start_child(op=op, **{_NAME_KEYWORD: name})
        split = client.splits_gen_ai and op.startswith(keys.OP_PREFIX)
        native = NativeSpan(span, client, span.sampled is True, not split)
        if native.recording:
            native.set_many(attributes())
        return native
    if incoming:
        transaction = propagation.continued_transaction(op, name, incoming)
    elif transaction_of_current is not None:
        transaction = _under_finished(current, op, name, scope)
    else:
        transaction = _Transaction(op=op, name=name, scope=scope)
    _set_data(transaction, attributes())
    span = sentry_sdk.start_transaction(transaction)
    return NativeSpan(span, client, span.sampled is True, True)


def _under_finished(current: Any, op: str, name: str, scope: Any) -> Any:
    """A transaction of its own in the trace of ``current``, as its child: a span
    started while the current span's transaction was already sent (a helper entered
    again after it ended, or finished in another task) would be lost as a child of it."""
    return _Transaction(
        op=op,
        name=name,
        scope=scope,
        trace_id=current.trace_id,
        parent_span_id=current.span_id,
        parent_sampled=current.sampled,
    )


class _JoinedSpan(NativeSpan):
    """A span sentry-sdk's own integration started and will finish."""

    __slots__ = ()
    joined = True

    def finish(self) -> None:
        pass


class _JoinedStreamedSpan(StreamedSpan):
    """A streamed span sentry-sdk's own integration started and will end."""

    __slots__ = ()
    joined = True

    def finish(self) -> None:
        pass


def join_current(op: str, origin: str) -> Optional[NativeSpan]:
    """The current span, when sentry-sdk's own integration made it with this op and
    origin: a helper then records on that span instead of making a second one for the
    same work, and leaves finishing it to the integration."""
    client = active_client()
    if client is None:
        return None
    if client.streaming:
        streamed = getattr(sentry_sdk.get_current_scope(), _STREAMED_SLOT, None)
        if streamed is None or isinstance(streamed, _NOOP_STREAMED):
            return None
        attributes = streamed.get_attributes()
        if attributes.get(keys.SENTRY_OP) != op or attributes.get(keys.SENTRY_ORIGIN) != origin:
            return None
        return _JoinedStreamedSpan(streamed, client, True, False)
    span = sentry_sdk.get_current_scope().span
    if span is None or getattr(span, "op", None) != op or getattr(span, "origin", None) != origin:
        return None
    return _JoinedSpan(span, client, span.sampled is True)


def outgoing_trace() -> tuple[Optional[str], Optional[str]]:
    """(``sentry-trace``, ``baggage``) to pass on from here (``(None, None)`` when
    sentry-sdk is not initialised); see ``.propagation``."""
    return (None, None) if active_client() is None else propagation.outgoing()


def activate(native: NativeSpan) -> Any:
    """Make ``native`` the current span in a scope of its own; undone by ``deactivate``.

    A forked scope per activation keeps concurrent tasks and threads from seeing
    each other's spans, and lets a generator step in and out of its span.
    """
    around = sentry_sdk.get_current_scope()
    scope = around.fork()
    if native.streaming:
        setattr(scope, _STREAMED_SLOT, native.span)
    else:
        scope.span = native.span
    if _scope_var is not None:
        return _scope_var.set(scope), scope, around, native.streaming
    cm = sentry_sdk.scope.use_scope(scope)
    cm.__enter__()
    return cm, scope, around, native.streaming


def deactivate(activation: Any) -> None:
    """Undo ``activate``. Left in another context than the one it was made in (a span
    entered in one task and exited in another), the first context cannot be reset from
    here; the scope it still holds is this activation's own, so its span goes back to
    the one before (none, for a root), as sentry-sdk's own spans do: spans started there
    later get the right parent, or start a trace of their own."""
    undo = activation[0]
    try:
        if _scope_var is not None:
            _scope_var.reset(undo)
        else:
            undo.__exit__(None, None, None)
    except ValueError:  # a token of another context
        step_aside(activation)


def step_aside(activation: Any) -> None:
    """Undo ``activate`` without restoring the scope before it: the scope it made current
    (still current in another context, or under a scope made current after it) keeps
    the span that was current before it, so spans started there later get the right
    parent."""
    _, scope, around, streaming = activation
    slot = _STREAMED_SLOT if streaming else "span"
    setattr(scope, slot, getattr(around, slot, None))


def capture_exception(exc: BaseException) -> None:
    """Report ``exc`` as unhandled with this library as mechanism, as sentry-sdk's AI
    integrations do."""
    mechanism = {"type": MECHANISM, "handled": False}
    if _EVENT_TAKES_OPTIONS:
        options = sentry_sdk.get_client().options
        event, hint = sentry_sdk.utils.event_from_exception(
            exc, client_options=options, mechanism=mechanism
        )
    else:  # 3.x reads the client options itself
        event, hint = sentry_sdk.utils.event_from_exception(exc, mechanism=mechanism)
    sentry_sdk.capture_event(event, hint=hint)


def content_gate() -> tuple[bool, bool]:
    """sentry-sdk's own gate for (prompts, outputs) on the installed version.

    ``data_collection["gen_ai"]`` when the user set it (or on 3.x, where it is the
    only switch), otherwise ``send_default_pii``, closed when one of sentry-sdk's AI
    integrations was set up with ``include_prompts=False`` (each of them records
    content only with both; ours follow the strictest).
    """
    client = sentry_sdk.get_client()
    options = client.options or {}
    collection = options.get("data_collection")
    pii = getattr(client, "should_send_default_pii", None)
    if isinstance(collection, dict):
        gen_ai = collection.get("gen_ai")
        if isinstance(gen_ai, dict) and (pii is None or collection.get("provided_by_user")):
            return bool(gen_ai.get("inputs", False)), bool(gen_ai.get("outputs", False))
    allowed = bool(pii()) if pii is not None else bool(options.get("send_default_pii"))
    integrations = getattr(client, "integrations", None)
    if allowed and isinstance(integrations, dict):
        allowed = all(
            bool(getattr(integration, "include_prompts", True))
            for integration in integrations.values()
        )
    return allowed, allowed


def set_scope_conversation_id(conversation_id: Optional[str]) -> None:
    """Mirror our conversation id onto the current scope where sentry-sdk supports it."""
    scope = sentry_sdk.get_current_scope()
    if conversation_id is None:
        remover = getattr(scope, "remove_conversation_id", None)
        if remover is not None:
            remover()
        return
    setter = getattr(scope, "set_conversation_id", None)
    if setter is not None:
        setter(conversation_id)


def set_scope_user(user: dict[str, Any]) -> None:
    """Set the user on the current scope, as ``sentry_sdk.set_user`` does on its scope:
    sentry-sdk applies it to what is sent from this scope, under its own rules for user
    data (always on transaction events; on streamed spans only when sentry-sdk's
    ``data_collection["user_info"]`` or ``send_default_pii`` allows)."""
    sentry_sdk.get_current_scope().set_user(user)


def use_new_scope() -> Any:
    """A forked scope for the duration of a ``with`` block (sentry_sdk.new_scope)."""
    return sentry_sdk.new_scope()


def current_scope() -> Any:
    """sentry-sdk's current scope."""
    return sentry_sdk.get_current_scope()


def keep_scope(scope: Any) -> None:
    """Make ``scope`` current again here, after a scope under it was left (its own exit
    restores the one it replaced)."""
    if _scope_var is not None:
        _scope_var.set(scope)


def restore_scope(scope: Any, around: Any) -> None:
    """Give ``scope``, forked from ``around`` for a conversation and still current in a
    context that could not be left (a task other than the one that entered it), the
    conversation id and the user of ``around`` again."""
    getter = getattr(around, "get_conversation_id", None)
    if getter is not None:
        conversation_id = getter()
        if conversation_id is None:
            scope.remove_conversation_id()
        else:
            scope.set_conversation_id(conversation_id)
    scope.set_user(getattr(around, "_user", None))


__all__ = [
    "MECHANISM",
    "AttributeValue",
    "ClientState",
    "NativeSpan",
    "StreamedSpan",
    "activate",
    "active_client",
    "capture_exception",
    "content_gate",
    "current_scope",
    "current_span",
    "deactivate",
    "join_current",
    "keep_scope",
    "now_ns",
    "open_ancestors",
    "outgoing_trace",
    "restore_scope",
    "set_scope_conversation_id",
    "set_scope_user",
    "start_span",
    "step_aside",
    "streaming",
    "use_new_scope",
]
