"""The one span lifecycle every helper shares: start, activate, record, fail, finish.

Each kind of span (agent, chat, tool, handoff, ...) extends ``GenAISpan`` in a
module of its own and only says what its op, name and attributes are. One object is
one run: a helper call makes one, and a decorated function makes a new one per call
from the same immutable configuration. The same object works as ``with``,
``async with`` and a decorator (see ``_decorate``).
"""

from __future__ import annotations

import collections
import math
import threading
from _thread import get_ident
from contextvars import ContextVar, Token
from typing import Any, Callable, Generic, Hashable, Optional, TypeVar

from . import _keys as keys
from . import _sdk
from ._activations import leave, made_inside
from ._bounded import fit_text, fit_within
from ._budget import MIN_BUDGET, Fitted, cut_text, fit, fit_strings
from ._config import (
    MESSAGE_BYTES_IN_EVENT,
    MESSAGE_BYTES_PER_SPAN,
    Options,
    Redactor,
    Resolved,
    resolve,
)
from ._conversation import current_conversation_id
from ._cost import Cost, Rates
from ._decorate import Call, decorate
from ._guard import contained, guard, logger
from ._jsonable import (
    INT64_LIMIT,
    clean_text,
    exact_number,
    int_text,
    json_arguments,
    jsonable,
    safe_str,
    without_media,
)
from ._merge import additions, is_content
from ._message_json import keep, output_within, reused
from ._messages import output_messages, system_parts, to_gen_ai_messages
from ._privacy import SCRUBBERS, Dropped, Scrubber, redact, scrub, scrub_text, scrubber_for
from ._sdk import AttributeValue
from ._sdk import integrations as sdk_integrations
from ._tool_definitions import tool_definitions
from ._usage import Usage

S = TypeVar("S", bound="GenAISpan[Any]")
C = TypeVar("C")
F = TypeVar("F", bound=Callable[..., Any])

_current: ContextVar[Optional[GenAISpan[Any]]] = ContextVar("sentry_agents_current", default=None)
# Our open spans by their sentry-sdk span: where sentry-sdk carried its scope into a
# worker thread (its ThreadingIntegration) but our context variable did not follow, the
# current sentry-sdk span still leads back to the enclosing helper. Entries live from
# start to finish.
_open_by_native: dict[int, GenAISpan[Any]] = {}
_Activation = tuple[Any, Token[Optional["GenAISpan[Any]"]]]
"""One activation of a span: sentry-sdk's (to undo) and our context variable's token."""

_REPORTED_KEPT = 256
"""At most this many errors reported inside a span are remembered while it is open (the
latest): a long run whose tools fail and are retried keeps no more of them alive."""
_reported_alone: collections.deque[BaseException] = collections.deque(maxlen=8)
"""The latest errors reported by spans with no open span around them (a task or a
generator started before the agent span it ends in, a thread that was not given the
context): kept alive, as sentry-sdk's DedupeIntegration keeps the last error it saw, so
that a span they reach later does not report them again."""

# A run's phases: new; open; closing (failing, last attributes); closed (nothing is set).
_NEW, _OPEN, _CLOSING, _CLOSED = 0, 1, 2, 3
_NEVER_OPENED: list[None] = []  # a span's ``_open`` until it starts: never added to
_start_done = threading.Condition()
"""What a thread entering a span that another thread is starting waits on (rare: one
lock for all spans); told by the starting thread once the span is open."""


_START_WAIT = 10.0
"""At most how many seconds a thread waits for another's start: a safety net, should the
starting thread never get as far as telling (an interrupt in the instructions between
claiming the start and recording it); past it, the span is made current without its
sentry-sdk span, as before the wait was added."""


def _started() -> None:
    """Wake the threads waiting for a span's start (``GenAISpan._await_start``)."""
    with _start_done:
        _start_done.notify_all()


def _outer(span: GenAISpan[Any]) -> Optional[GenAISpan[Any]]:
    return span._outer


def current_span() -> Optional[GenAISpan[Any]]:
    """The innermost sentry-agents span active here, if any: a span exited in another
    context (a task other than the one that entered it) is still this context's
    variable, so the first span around it that is not closed."""
    span = _current.get()
    while span is not None and span._phase == _CLOSED:
        span = span._outer
    return span


class AgentRun:
    """What spans inside an agent run need of it: its name, model and provider, and the
    usage and cost of the model calls made in it."""

    __slots__ = ("child_cost", "child_usage", "model", "name", "outliving", "provider")

    def __init__(
        self, name: str, model: Optional[str] = None, provider: Optional[str] = None
    ) -> None:
        self.name = name
        self.model = model
        self.provider = provider
        self.child_usage: list[Usage] = []
        self.child_cost: list[Cost] = []
        self.outliving: list[Callable[[], None]] = []
        """How to end the spans inside the run whose ``with`` ended while a stream of
        theirs was still open: they end, at the latest, when the run does."""

    def end_outliving(self) -> None:
        """End the spans inside the run still waiting for a stream, before the run ends:
        a span ending after its parent would be lost (or left out of its usage)."""
        while self.outliving:
            end = self.outliving.pop()
            try:
                end()
            except Exception as exc:
                contained(exc)

    def add(self, usage: Usage, cost: Optional[Cost] = None) -> None:
        # list.append is atomic: calls may finish in threads
        self.child_usage.append(usage)
        if cost is not None:
            self.child_cost.append(cost)


class GenAISpan(Generic[C]):
    """Base of every helper span: one run of one helper call, made from its configuration.

    A kind passes its operation and an immutable configuration ``C`` and says, through
    the hooks below, what its name and attributes are.
    """

    __slots__ = (
        "_activations",
        "_agents",
        "_awaited",
        "_budget_bytes",
        "_config",
        "_inputs_ok",
        "_native",
        "_open",
        "_options",
        "_outer",
        "_outputs_ok",
        "_phase",
        "_reported_inside",
        "_resolved",
        "_starter",
        "_unstarted",
        "operation",
    )

    def __init__(self, operation: str, config: C, options: Options) -> None:
        self.operation = operation
        """The operation, without the ``gen_ai.`` prefix (``invoke_agent``, ``chat``, ...)."""
        self._config = config
        self._options = options
        self._phase = _NEW
        self._unstarted = [None]
        """One item until the span starts: whoever starts it takes it, as ``_open`` is
        taken to end it, so two threads entering the span at once start it once."""
        self._starter: Optional[int] = None
        """The thread that started the span (took ``_unstarted``)."""
        self._awaited = False
        """Whether a thread entering the span waits for its start (``_await_start``)."""
        self._open = _NEVER_OPENED
        """One item while the span is open: whoever ends it takes it (``list.pop`` is
        atomic), so two threads ending the span at once end it once, without a lock. Set
        once the start is done: a thread that leaves the span meanwhile ends nothing, and
        the span ends when the thread starting it leaves it."""
        self._native: Optional[_sdk.NativeSpan] = None
        self._agents: tuple[AgentRun, ...] = ()
        self._resolved: Optional[Resolved] = None
        self._budget_bytes: Optional[int] = None
        """``_budget()`` once the span has started (its settings and how it is sent are
        fixed then): asked for several times per span."""
        self._inputs_ok = False
        self._outputs_ok = False
        self._activations: list[_Activation] = []
        self._outer: Optional[GenAISpan[Any]] = None
        """The span current where this one started (``current_span`` skips a closed one)."""
        self._reported_inside: Optional[list[BaseException]] = None
        """The errors spans inside this one reported, while it is open: told by them, so
        that an error reported inside is not reported again as it leaves this span (the
        user's exception is left as it is: no mark is set on it)."""

    def _again(self: S) -> S:
        """A new run of the same helper (one per decorated call): every kind is made
        from its configuration and options alone."""
        return type(self)(self._config, self._options)  # type: ignore[call-arg]

    # --- what a kind says about itself ---------------------------------------------------

    def _name(self) -> str:
        raise NotImplementedError

    def _op(self) -> str:
        """The span's op: ``gen_ai.{operation}`` unless a kind says otherwise."""
        return keys.OP_PREFIX + self.operation

    def _common_start_attributes(self) -> dict[str, AttributeValue]:
        """A new dict of what every span of this family starts with: the operation name,
        which Sentry reads to type the span (agent, LLM call, tool, handoff), and the
        agent and the conversation it runs in."""
        attributes: dict[str, AttributeValue] = {keys.OPERATION_NAME: self.operation}
        self._add_run_context(attributes)
        return attributes

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        """Add the attributes known at start that are not content (model, provider, ...)."""

    def _record_start_content(self) -> None:
        """Record input content; only called when the span records and inputs may be sent."""

    def _withhold_start_content(self) -> None:
        """Called instead when the span records but inputs may not be sent: a span that
        joined an integration's takes back the inputs that integration recorded."""

    def _before_finish(self) -> None:
        """Last attributes before the span is finished (roll-ups and the like)."""

    def _agents_inside(self, parent: Optional[GenAISpan[Any]]) -> tuple[AgentRun, ...]:
        """The agent runs this span is inside, innermost first."""
        return parent._agents if parent is not None else ()

    def _agent_name(self) -> Optional[str]:
        return self._agents[0].name if self._agents else None

    def _record_call(self, call: Call) -> None:
        """What a decorated function's call arguments say (nothing, for most kinds)."""

    def _record_return(self, value: Any) -> None:
        """What a decorated function's return value says (nothing, for most kinds)."""

    @property
    def _wants_return(self) -> bool:
        return False

    # --- public surface --------------------------------------------------------------------

    @property
    def span(self) -> Any:
        """The underlying sentry-sdk span (``None`` when sentry-sdk is not initialised)."""
        return self._native.span if self._native is not None else None

    @property
    def is_recording(self) -> bool:
        """Whether attributes set now reach Sentry (sentry-sdk is on and the span sampled)."""
        return self._native is not None and self._native.recording

    def set_attribute(self, key: str, value: Any) -> None:
        """Set any extra attribute; lists and dicts are sent as JSON (within the message
        budget), ``None`` is skipped, and so is a key that is not a non-empty string."""
        with guard:
            if not isinstance(key, str) or not key:
                logger.debug("sentry_agents: attribute key of type %s skipped", type(key).__name__)
                return
            key = safe_str(key)
            self._set(key, _attribute_value(value, self._key_budget(key)))

    def start(self: S) -> S:
        """Start the span and make it the current one. ``with`` does this for you."""
        self._begin()
        self._activate()
        return self

    def finish(self, error: Optional[BaseException] = None) -> None:
        """Finish the span (as failed when ``error`` is given) and restore the previous one;
        a span started inside it and still open stays current (the previous one is current
        again once that one ends)."""
        self._end(error)
        self._deactivate()

    def __enter__(self: S) -> S:
        self._begin()
        self._activate()
        return self

    def __exit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        self.finish(exc)

    async def __aenter__(self: S) -> S:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: Optional[BaseException], tb: Any) -> None:
        self.finish(exc)

    def __call__(self, func: F) -> F:
        """Use the helper as a decorator: a new run of it per call of ``func``."""
        return decorate(func, self._again)

    # --- lifecycle -------------------------------------------------------------------------

    def _begin(self) -> None:
        try:
            self._unstarted.pop()
        except IndexError:  # started already (here or in another thread): a re-entry
            logger.debug("sentry_agents: %s was started twice; ignoring", type(self).__name__)
            return
        self._phase = _OPEN
        self._starter = get_ident()
        self._resolved = resolve(self._options)
        try:
            parent = current_span()
            if parent is None and _open_by_native:
                parent = _open_by_native.get(id(_sdk.current_span()))
            self._outer = parent
            self._agents = self._agents_inside(parent)
            native = self._native = self._start_native()
            if native is not None:
                _open_by_native[id(native.span)] = self
                if native.recording:
                    client = native.client
                    if sdk_integrations.enabled(client, self._absorbed_ops):
                        sdk_integrations.started(client, native.span.span_id, self)
                    self._inputs_ok, self._outputs_ok = self._gate(client)
                    if self._inputs_ok:
                        self._record_start_content()
                    else:
                        self._withhold_start_content()
        except Exception as exc:
            contained(exc)
        except BaseException as exc:
            # An interrupt (from a redaction hook, or while converting a long history)
            # after the span started: it is finished as cancelled, not left open.
            self._open = [None]
            if self._awaited:
                _started()
            self._end(exc)
            raise
        self._open = [None]
        if self._awaited:
            _started()

    def _start_native(self) -> Optional[_sdk.NativeSpan]:
        """Start the sentry-sdk span: a child of the current span or a new root (a kind
        that continues an incoming trace starts its own)."""
        return _sdk.start_span(self._op(), self._bounded_name(), self._attributes_at_start)

    def _bounded_name(self) -> str:
        """The span's name within an identifier's budget (a name is the caller's text,
        any length)."""
        return self._within_budget(self._name(), None)

    def _within_budget(self, text: str, key: Optional[str]) -> str:
        """``text`` cut to the budget of attribute ``key`` (``None``: the span's name);
        the budget is looked up only for text that could exceed it."""
        if len(text) <= _ALWAYS_WITHIN:
            return text
        return cut_text(text, self._key_budget(key))

    def _key_budget(self, key: Optional[str]) -> int:
        """Bytes for the text of attribute ``key``: the content budget, but for a name,
        a model, an id or a finish reason (``IDENTIFIER_BYTES``): a span carries several
        of those, so at the content budget each, they alone could take the span past
        Relay's 1 MB."""
        budget = max(self._budget(), MIN_BUDGET)
        if key is None or key in _IDENTIFIERS:
            return min(budget, IDENTIFIER_BYTES)
        return budget

    def _attributes_at_start(self) -> dict[str, AttributeValue]:
        """What the span starts with, text and string arrays (stop sequences) within the
        budget; a failure computing them is contained here, so the span still starts (with
        what was gathered) and is finished like any other."""
        attributes: dict[str, AttributeValue] = {}
        try:
            attributes = self._common_start_attributes()
            self._start_attributes(attributes)
            for key, value in attributes.items():
                if type(value) is str:
                    if len(value) > _ALWAYS_WITHIN:
                        attributes[key] = self._within_budget(value, key)
                elif type(value) is list:
                    attributes[key] = fit_strings(value, self._budget())
        except Exception as exc:
            contained(exc)
        return attributes

    def _add_run_context(self, attributes: dict[str, AttributeValue]) -> None:
        """Add the agent and the conversation this span runs in."""
        agent_name = self._agent_name()
        if agent_name:
            attributes[keys.AGENT_NAME] = agent_name
        conversation_id = current_conversation_id()
        if conversation_id:
            attributes[keys.CONVERSATION_ID] = conversation_id

    def _gate(self, client: _sdk.ClientState) -> tuple[bool, bool]:
        """Whether (inputs, outputs) may be recorded: this helper's override, else
        ``configure``'s, else sentry-sdk's own gate."""
        resolved = self._settings
        inputs, outputs = resolved.record_inputs, resolved.record_outputs
        if inputs is None or outputs is None:
            sdk_inputs, sdk_outputs = client.gate()
            inputs = sdk_inputs if inputs is None else inputs
            outputs = sdk_outputs if outputs is None else outputs
        return bool(inputs), bool(outputs)

    @property
    def _settings(self) -> Resolved:
        resolved = self._resolved
        return resolved if resolved is not None else resolve(self._options)

    # The lifecycle below runs for every span, so it contains errors with try/except
    # (free when nothing is raised) rather than ``with guard``.

    def _activate(self) -> None:
        if self._open is _NEVER_OPENED:
            self._await_start()
        activation = None
        if self._native is not None:
            try:
                activation = _sdk.activate(self._native)
            except Exception as exc:
                contained(exc)
        self._activations.append((activation, _current.set(self)))

    def _await_start(self) -> None:
        """Wait while another thread starts this span (entered there first), so that it
        is made current here with its sentry-sdk span, which spans started inside nest
        under; not for a span never started, nor in the thread starting it (a hook
        entering it again)."""
        if self._unstarted or self._starter == get_ident():
            return
        with _start_done:
            self._awaited = True
            _start_done.wait_for(lambda: self._open is not _NEVER_OPENED, _START_WAIT)

    def _deactivate(self) -> None:
        if not self._activations:
            return
        inner = _current.get()
        if inner is not self and len(self._activations) == 1 and self._encloses(inner):
            self._step_aside()
            return
        # Each undo may fail on its own (a token from another context, when a generator
        # moved on), and the other must still happen.
        left = leave(_current, self._activations, 1)
        if left is None:  # just left by another thread
            return
        (activation, _), error = left
        if error is not None:
            contained(error)
        if activation is not None:
            try:
                _sdk.deactivate(activation)
            except Exception as exc:
                contained(exc)

    def _encloses(self, span: Optional[GenAISpan[Any]]) -> bool:
        """Whether ``span`` is open and was started inside this span."""
        return span is not None and span._phase != _CLOSED and made_inside(span, self, _outer)

    def _step_aside(self) -> None:
        """Leave a span that ends while one started inside it is still current here (two
        calls of a callback handler that overlap, finished in the order they started):
        that one stays current, and what it restores when it ends, this span's entry,
        leads past this span to the one around it."""
        try:
            activation, _ = self._activations.pop()
        except IndexError:  # just left by another thread
            return
        if activation is not None:
            try:
                _sdk.step_aside(activation)
            except Exception as exc:
                contained(exc)

    def _has_ended(self) -> bool:
        """Whether the span has ended: what is set on it now is recorded nowhere."""
        return self._phase == _CLOSED

    def _end(self, error: Optional[BaseException]) -> None:
        try:
            self._open.pop()
        except IndexError:  # never started, or ended already (here or in another thread)
            return
        inside, self._reported_inside = self._reported_inside, None
        native = self._native
        if native is None:
            self._phase = _CLOSED
            return
        self._phase = _CLOSING
        _open_by_native.pop(id(native.span), None)
        report = False
        try:
            try:
                if error is not None:
                    report = self._fail(native, error, inside)
                if native.recording:
                    self._before_finish()
                    if native.client.ai_integrations:
                        sdk_integrations.finishing(native.client, native.span.span_id, self)
            except Exception as exc:
                contained(exc)
        finally:
            self._phase = _CLOSED
            try:
                native.finish()
            except Exception as exc:
                contained(exc)
        if native.client.ai_integrations and native.recording:
            sdk_integrations.finished(native.client, native.span.span_id, self, native.joined)
        # Reported once the span's end time was taken (sentry-sdk's first error event is
        # slow); the span is still current, so the event stays linked to it.
        if report and error is not None:
            try:
                _sdk.capture_exception(error)
            except Exception as exc:
                contained(exc)

    def _fail(
        self, native: _sdk.NativeSpan, error: BaseException, inside: Optional[list[BaseException]]
    ) -> bool:
        """Mark the span failed (cancelled, for an interrupt); whether ``error`` is this
        span's to report (``inside``: the errors spans inside it reported, which the span
        around it is told of with ``error`` when this one reports it).

        A generator closed by its consumer (``GeneratorExit``: a ``break``, a generator
        dropped) ended normally, so its status stays ``ok``. A real interrupt is marked
        ``cancelled`` only where the span is sent inside a transaction event, which keeps
        that status; a span sent on its own (streaming mode, or a gen_ai span sentry-sdk
        splits out of its transaction) has only ``ok`` and ``error``, and sentry-sdk would
        turn ``cancelled`` into ``error``: it stays ``ok`` there.
        """
        if not isinstance(error, Exception):
            if native.in_event and not isinstance(error, GeneratorExit):
                native.mark("cancelled")
            return False
        native.mark("error")
        if native.recording:
            native.set(keys.ERROR_TYPE, type(error).__name__)
        # Reported already: by a span inside this one, or inside a span around it (an
        # error caught there and raised again in this one), or by one outside any other.
        seen = [*(inside or ()), *_reported_alone]
        around: list[GenAISpan[Any]] = []
        outer = self._outer
        while outer is not None:
            if outer._phase != _CLOSED:
                around.append(outer)
                seen += outer._reported_inside or ()
            outer = outer._outer
        report = self._settings.capture_errors and not _reported(error, seen)
        if around and (report or inside):
            known = around[0]._reported_inside
            if known is None:
                known = around[0]._reported_inside = []
            known.extend(inside or ())
            if report:
                known.append(error)
            del known[:-_REPORTED_KEPT]
        elif report and not around:
            _reported_alone.append(error)
        return report

    # --- recording helpers for kinds -------------------------------------------------------

    def _set(self, key: str, value: Optional[AttributeValue], measured: bool = False) -> None:
        """Set one attribute; text set after the start (a response model, an error code, an
        MCP server's name) is cut to the budget as start attributes are, unless
        ``measured`` (already found within it)."""
        native = self._native
        if value is None or native is None or not native.recording or self._phase == _CLOSED:
            return
        if type(value) is str:
            if not measured and len(value) > _ALWAYS_WITHIN:
                value = self._within_budget(value, key)
            if not value.isascii():
                value = clean_text(value)
        native.set(key, value)

    def _remove(self, key: str) -> None:
        """Take back an attribute set earlier, which a later call replaces wholly."""
        native = self._native
        if native is not None and native.recording and self._phase != _CLOSED:
            native.remove(key)

    def _set_content(
        self,
        key: str,
        kind: str,
        value: Any,
        convert: Callable[[Any], Any],
        *,
        output: bool,
        structured: bool = True,
        reuse: Optional[Hashable] = None,
    ) -> Optional[str]:
        """Convert, scrub, redact and fit one piece of content, then set it; returns
        what was set. With ``reuse`` (a key telling apart all it depends on: the value,
        the budget, the scrubbed keys), what was set is kept for reuse under it, and
        found there the next time, when no redaction hook is to see it.

        Nothing happens (not even conversion) unless the span records and the gate
        for this direction is open. The raw value is never recorded when the
        redaction hook fails. Without a hook, a list, tuple or dict scrubbed as data
        (a tool's result or arguments, say) is converted only as far as its budget can
        show (``fit_within``: the same text, at a cost bounded by the budget), and so is
        an output of messages (``output_within``).
        """
        if not (self._outputs_ok if output else self._inputs_ok) or self._phase == _CLOSED:
            return None
        with guard:
            settings = self._settings
            if (
                (convert is jsonable or convert is json_arguments)
                and type(value) in _BOUNDED
                and settings.redact is None
                and SCRUBBERS.get(kind) is scrub
            ):
                fitted = fit_within(value, self._budget(), scrubber_for(settings.scrub_keys))
                self._set_fitted(key, fitted)
                return fitted.text
            if convert is output_messages and settings.redact is None:
                fitted = output_within(value, self._budget(), scrubber_for(settings.scrub_keys))
                self._set_fitted(key, fitted)
                return fitted.text
            if reuse is not None and settings.redact is None:
                found: Optional[Fitted] = reused(reuse)
                if found is not None:
                    self._set_fitted(key, found)
                    return found.text
            else:
                reuse = None
            # Text that without_media read, unless its kind is scrubbed otherwise or a hook
            # gives it; its JSON value, when scrubbing read it whole, goes in ``read``.
            removed = not structured and settings.redact is None and SCRUBBERS.get(kind) is scrub
            read: Optional[list[Any]] = [] if removed else None
            content = self._content(key, kind, value, convert, read)
            if content is None:
                return None
            data = content[0]
            if not structured and isinstance(data, str):
                text = fit_text(data, self._budget(), media_removed=removed, read=read)
                self._set(key, text)
                return text
            return self._set_structured(key, data, reuse)
        return None

    def _set_structured(self, key: str, data: Any, reuse: Optional[Hashable] = None) -> str:
        """Set content ``_content`` made ready, fitted to the budget as JSON (kept for
        reuse under ``reuse``); returns what was set."""
        fitted = fit(data, self._budget())
        if reuse is not None:
            keep(reuse, fitted)
        self._set_fitted(key, fitted)
        return fitted.text

    def _content(
        self,
        key: str,
        kind: str,
        value: Any,
        convert: Callable[[Any], Any],
        read: Optional[list[Any]] = None,
    ) -> Optional[tuple[Any]]:
        """One piece of content converted, scrubbed and redacted, ready to fit (in a
        1-tuple), or ``None`` when the redaction hook dropped it. Call behind the gate.
        ``read`` (given for a kind ``scrub`` scrubs): as ``scrub_text``'s."""
        settings = self._settings
        data = convert(value)
        scrubber = SCRUBBERS.get(kind)
        if scrubber is scrub:  # data never holds media, as ``fit_within`` sends it
            data = without_media(data)
        if read is not None and type(data) is str:
            data = scrub_text(data, scrubber_for(settings.scrub_keys), read)
        elif scrubber is not None:
            data = scrubber(data, scrubber_for(settings.scrub_keys))
        try:
            redacted = redact(settings.redact, kind, data)
        except Dropped as dropped:
            logger.debug("sentry_agents: %s not recorded: %s", key, dropped.reason)
            return None
        if redacted is not data:
            reshape = _HOOK_SHAPES.get(kind)
            if reshape is not None:  # what the hook gave, in the shape Sentry reads
                redacted = reshape(redacted)
        return (redacted,)

    def _mark_failed(self, error_type: str) -> None:
        """Fail the span without an exception (a tool whose result says it failed): its
        status and ``error.type``, and no error event."""
        native = self._native
        if native is None or self._phase == _CLOSED:
            return
        native.mark("error")
        self._set(keys.ERROR_TYPE, error_type)

    def _set_fitted(self, key: str, fitted: Fitted) -> None:
        """Set a budgeted JSON attribute, with the original count when items were dropped.
        Text not cut was measured within this span's budget (as ``_set`` measures it)."""
        self._set(key, fitted.text, not fitted.truncated)
        if fitted.kept_count < fitted.original_count:
            self._set(keys.original_length(key), fitted.original_count)

    def _redactor(self) -> Optional[Redactor]:
        """This span's redaction hook, else the configured one."""
        return self._settings.redact

    def _budget(self) -> int:
        """Bytes for each message-like attribute: ``configure``'s, else by how the
        span is sent (inside a transaction event or as a span of its own), and never over
        sentry-sdk's ``max_value_length`` where it cuts strings."""
        budget = self._budget_bytes
        if budget is None:
            budget = self._budget_now()
            if self._native is not None:
                self._budget_bytes = budget
        return budget

    def _budget_now(self) -> int:
        """``_budget()`` worked out."""
        budget = self._settings.max_message_bytes
        native = self._native
        if budget is None:
            if native is not None:
                in_event = native.in_event
            else:  # starting: in an event unless sentry-sdk streams spans
                client = _sdk.active_client()
                in_event = client is None or not client.streaming
            budget = MESSAGE_BYTES_IN_EVENT if in_event else MESSAGE_BYTES_PER_SPAN
        limit = native.client.max_value_length if native and not native.streaming else None
        return min(budget, limit) if limit else budget

    def _price(
        self, usage: Usage, models: tuple[Optional[str], ...], provider: Optional[str]
    ) -> tuple[Optional[Cost], Optional[Rates]]:
        """The cost of a model call with ``usage``, priced by the first of ``models`` the
        configured prices know, and those rates."""
        pricing = self._settings.pricing
        return (None, None) if pricing is None else pricing.price(usage, models, provider)

    # --- what sentry-sdk's AI integrations' hooks ask of our spans (``_sdk.integrations``) --

    @property
    def _absorbed_ops(self) -> frozenset[str]:
        """Ops of the integration spans that record the same work as this span when made
        directly inside it (merged into it, so the work is one span): none by default."""
        return frozenset()

    @property
    def _usage_is_set(self) -> bool:
        return False

    @property
    def _merge_scrubber(self) -> Scrubber:
        """The scrubber of the content an integration's span of the same work adds (this
        span's deny list)."""
        return scrubber_for(self._settings.scrub_keys)

    @property
    def _hooked(self) -> bool:
        """Whether a redaction hook sees this span's content: then an integration's span
        adds none of its own, which the hook could not see."""
        return self._settings.redact is not None

    @property
    def _joined_content(self) -> Optional[dict[str, Any]]:
        """On an integration's span we joined, the content on it as this span leaves it
        (what that integration writes after is judged apart: ``_clean_joined``); ``None``
        on a span of our own."""
        native = self._native
        if native is None or not native.joined:
            return None
        return {k: v for k, v in native.attributes().items() if is_content(k)}

    @property
    def _decided(self) -> tuple[str, ...]:
        """Prefixes of the attribute keys this span decided itself, which an
        integration's span of the same work does not add to it: none by default."""
        return ()

    def _absorb(self, attributes: dict[str, Any]) -> None:
        """Take what an integration's span of the same model call knows and this span
        lacks (see ``_merge``)."""
        native = self._native
        if native is None or self._phase == _CLOSED:
            return
        added = additions(
            attributes,
            native.attributes(),
            decided=self._decided,
            inputs_ok=self._inputs_ok,
            outputs_ok=self._outputs_ok,
            budget=self._budget(),
            scrubber=self._merge_scrubber,
            hooked=self._hooked,
        )
        if added:
            native.set_many(added)

    def _count_child_usage(self, usage: Usage, cost: Optional[Cost] = None) -> None:
        for agent in self._agents:
            agent.add(usage, cost)

    def _price_child(
        self, usage: Usage, models: tuple[Optional[str], ...], provider: Optional[str]
    ) -> Optional[Cost]:
        """The cost of a model call made inside this span by someone else (one of
        sentry-sdk's integrations), with this span's prices."""
        return self._price(usage, models, provider)[0]


def _reported(error: BaseException, known: Optional[list[BaseException]]) -> bool:
    """Whether ``error`` was reported already: it is one of ``known``, or it is an
    exception group (a ``TaskGroup``'s) that holds only such errors. ``known`` is what
    ``_fail`` gathers: the errors reported by spans inside the failing span and inside
    each open span around it, and those reported by spans with no open span around them
    (``_reported_alone``)."""
    if not known:
        return False
    pending = [error]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in known):
            continue
        inner = getattr(current, "exceptions", None)
        if not _is_group(current) or not isinstance(inner, tuple) or not inner:
            return False
        pending.extend(inner)
    return True


def _is_group(error: BaseException) -> bool:
    """Whether ``error`` is an exception group (built in, or the ``exceptiongroup``
    backport before Python 3.11)."""
    return any(cls.__name__ == "BaseExceptionGroup" for cls in type(error).__mro__)


def _attribute_value(value: Any, budget: int) -> Optional[AttributeValue]:
    """An attribute value sentry-sdk sends as it is: text cleaned, integers within 64
    bits (else as text), finite floats; anything else as JSON within ``budget``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return cut_text(safe_str(value), budget)
    number = exact_number(value)
    if type(number) is int:
        return number if -INT64_LIMIT <= number < INT64_LIMIT else int_text(number)
    if number is not None:
        return number if math.isfinite(number) else None
    return fit_within(value, budget).text


_HOOK_SHAPES: dict[str, Callable[[Any], Any]] = {
    "input.messages": to_gen_ai_messages,
    "output.messages": output_messages,
    "system_instructions": system_parts,
    "tool.definitions": tool_definitions,
}
"""How a redaction hook's value for content of a kind Sentry reads in a set shape is
converted again (messages of role and parts, parts, tool definitions): a hook that
returns text or a number, or messages of its own shape, is still sent in that shape.
What the hook returns unchanged, or in that shape already, is left as it is."""

_BOUNDED = (list, tuple, dict)
"""Content types converted only as far as their budget can show (``fit_within``)."""

_ALWAYS_WITHIN = MIN_BUDGET // 4
"""Characters of text within any budget (at most 4 UTF-8 bytes each)."""

IDENTIFIER_BYTES = 1_024
"""Bytes of a span's name and of each attribute of ``_IDENTIFIERS`` (at least
``MIN_BUDGET``)."""

_IDENTIFIERS = frozenset(
    {
        keys.AGENT_NAME,
        keys.ERROR_TYPE,
        keys.JSONRPC_REQUEST_ID,
        keys.MCP_METHOD_NAME,
        keys.MCP_PROMPT_NAME,
        keys.MCP_REQUEST_ID,
        keys.MCP_SERVER_NAME,
        keys.MCP_SESSION_ID,
        keys.MCP_TOOL_NAME,
        keys.PIPELINE_NAME,
        keys.PROMPT_NAME,
        keys.PROVIDER_NAME,
        keys.REQUEST_MODEL,
        keys.REQUEST_REASONING_LEVEL,
        keys.REQUEST_SEED,
        keys.RESPONSE_FINISH_REASONS,
        keys.RESPONSE_ID,
        keys.RESPONSE_MODEL,
        keys.TOOL_CALL_ID,
        keys.TOOL_NAME,
    }
)
"""Attributes that name or identify (a model, an id, a reason), never content."""


__all__ = ["AgentRun", "GenAISpan", "current_span"]
