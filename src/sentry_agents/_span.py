"""The one span lifecycle every helper shares: start, activate, record, fail, finish.

Each kind of span (agent, chat, tool, handoff, ...) extends :class:`GenAISpan` in a
module of its own and only says what its op, name and attributes are. The same
object works as ``with``, ``async with`` and a decorator (see ``_decorate``).
"""

from __future__ import annotations

import contextlib
import copy
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Optional, TypeVar

from . import _integrations, _sdk
from ._budget import TRUNCATION_MARKER, Fitted, fit, size
from ._config import _UNSET, Redactor, Settings, settings
from ._conversation import current_conversation_id
from ._jsonable import jsonable, safe_str
from ._privacy import SCRUBBERS, Dropped, redact
from ._sdk import AttributeValue, logger

if TYPE_CHECKING:
    from types import TracebackType

    from ._agent import AgentSpan

S = TypeVar("S", bound="GenAISpan")
F = TypeVar("F", bound=Callable[..., Any])

_current: ContextVar[Optional[GenAISpan]] = ContextVar("sentry_agents_current", default=None)
# Our open spans by their sentry-sdk span: where sentry-sdk carried its scope into a
# worker thread (its ThreadingIntegration) but our context variable did not follow, the
# current sentry-sdk span still leads back to the enclosing helper. Entries live from
# start to finish.
_open_by_native: dict[int, GenAISpan] = {}
_CAPTURED_MARK = "__sentry_agents_captured__"


def contained(exc: Exception) -> None:
    """Log an exception raised while recording; the host app never sees it."""
    logger.warning("sentry_agents: failed to record a span: %r", exc, exc_info=exc)


class _Guard:
    """Contains and logs any exception raised while recording (see :func:`contained`)."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, et: Any, exc: Optional[BaseException], tb: Any) -> bool:
        if isinstance(exc, Exception):
            contained(exc)
            return True
        return False


guard = _Guard()


def current_span() -> Optional[GenAISpan]:
    """The innermost sentry-agents span active here, if any."""
    return _current.get()


class GenAISpan:
    """Base of every helper span. Subclasses set :attr:`operation` and the hooks below."""

    operation: ClassVar[str] = ""
    _is_agent: ClassVar[bool] = False

    # A new span's state lives in class attributes, so creating a span only stores its
    # configuration; a run assigns these on the instance, and _reset drops them again.
    _native: Optional[_sdk.NativeSpan] = None
    _agent: Optional[AgentSpan] = None
    _parent: Optional[GenAISpan] = None
    _settings: Settings = settings()
    _inputs_ok = False
    _outputs_ok = False
    _started = False
    _finished = False
    _sealed = False
    _RUN_STATE: ClassVar[tuple[str, ...]] = (
        "_native",
        "_agent",
        "_parent",
        "_settings",
        "_inputs_ok",
        "_outputs_ok",
        "_started",
        "_finished",
        "_sealed",
    )

    def __init__(
        self,
        *,
        record_inputs: Optional[bool] = None,
        record_outputs: Optional[bool] = None,
        redact: Optional[Redactor] = _UNSET,
    ) -> None:
        self._record_inputs = record_inputs
        self._record_outputs = record_outputs
        self._redact = redact
        self._activations: list[tuple[Any, Token[Optional[GenAISpan]]]] = []

    def _reset(self) -> None:
        """Make a copied span new and unstarted (see :meth:`_fresh`)."""
        for name in self._RUN_STATE:
            self.__dict__.pop(name, None)
        self._activations = []

    # --- what a kind says about itself ---------------------------------------------------

    def _name(self) -> str:
        raise NotImplementedError

    def _start_attributes(self) -> dict[str, Any]:
        """Attributes known at start that are not content (model, provider, ...)."""
        return {}

    def _record_start_content(self) -> None:
        """Record input content; only called when the span records and inputs may be sent."""

    def _before_finish(self) -> None:
        """Last attributes before the span is finished (roll-ups and the like)."""

    def _agent_name(self) -> Optional[str]:
        return self._agent.agent_name if self._agent is not None else None

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
        """Set any extra attribute; lists and dicts are sent as JSON, ``None`` is skipped."""
        with guard:
            self._set(key, _attribute_value(value))

    def start(self: S) -> S:
        """Start the span and make it the current one. ``with`` does this for you."""
        self._begin()
        self._activate()
        return self

    def finish(self, error: Optional[BaseException] = None) -> None:
        """Finish the span (as failed when ``error`` is given) and restore the previous one."""
        self._end(error)
        self._deactivate()

    def __enter__(self: S) -> S:
        self._begin()
        self._activate()
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.finish(exc)

    async def __aenter__(self: S) -> S:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.finish(exc)

    def __call__(self, func: F) -> F:
        """Use the helper as a decorator: one span per call of ``func``."""
        from ._decorate import decorate

        return decorate(func, self._fresh)

    # --- lifecycle -------------------------------------------------------------------------

    def _fresh(self: S) -> S:
        """A new, unstarted span with the same configuration (one per decorated call)."""
        clone = copy.copy(self)
        clone._reset()
        return clone

    def _begin(self) -> None:
        if self._started:
            logger.debug("sentry_agents: %s was started twice; ignoring", type(self).__name__)
            return
        self._started = True
        self._settings = settings()
        try:
            parent = _current.get()
            if parent is None and _open_by_native:
                parent = _open_by_native.get(id(_sdk.current_span()))
            self._parent = parent
            self._agent = self if self._is_agent else (parent._agent if parent else None)  # type: ignore[assignment]
            native = self._native = _sdk.start_span(
                "gen_ai." + self.operation, self._name(), self._attributes_at_start
            )
            if native is None:
                return
            _open_by_native[id(native.span)] = self
            if native.recording:
                if _integrations.enabled(native.client):
                    _integrations.register(self, native.span.span_id)
                self._inputs_ok, self._outputs_ok = self._gate(native.client)
                if self._inputs_ok:
                    self._record_start_content()
        except Exception as exc:
            contained(exc)
        except BaseException as exc:
            # An interrupt (a redaction hook, converting a long history) after the span
            # started: finish it as cancelled rather than leave it open, and propagate.
            self._end(exc)
            raise

    def _attributes_at_start(self) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {"gen_ai.operation.name": self.operation}
        for key, value in self._start_attributes().items():
            if value is not None:
                attributes[key] = value
        agent_name = self._agent_name()
        if agent_name:
            attributes["gen_ai.agent.name"] = agent_name
        conversation_id = current_conversation_id()
        if conversation_id:
            attributes["gen_ai.conversation.id"] = conversation_id
        return attributes

    def _gate(self, client: _sdk.ClientState) -> tuple[bool, bool]:
        """Whether (inputs, outputs) may be recorded: this span's override, else
        :func:`configure`'s, else sentry-sdk's own gate."""
        inputs = self._record_inputs
        if inputs is None:
            inputs = self._settings.record_inputs
        outputs = self._record_outputs
        if outputs is None:
            outputs = self._settings.record_outputs
        if inputs is None or outputs is None:
            sdk_inputs, sdk_outputs = client.gate()
            inputs = sdk_inputs if inputs is None else inputs
            outputs = sdk_outputs if outputs is None else outputs
        return bool(inputs), bool(outputs)

    # The lifecycle below runs for every span, so it contains errors with try/except
    # (free when nothing is raised) rather than ``with guard``.

    def _activate(self) -> None:
        activation = None
        if self._native is not None:
            try:
                activation = _sdk.activate(self._native)
            except Exception as exc:
                contained(exc)
        self._activations.append((activation, _current.set(self)))

    def _deactivate(self) -> None:
        if not self._activations:
            return
        activation, token = self._activations.pop()
        # Each reset may fail on its own (a token from another context, when a
        # generator moved on), and the other must still happen.
        try:
            _current.reset(token)
        except Exception as exc:
            contained(exc)
        if activation is not None:
            try:
                _sdk.deactivate(activation)
            except Exception as exc:
                contained(exc)

    def _end(self, error: Optional[BaseException]) -> None:
        if self._finished or not self._started:
            return
        self._finished = True
        native = self._native
        if native is None:
            return
        _open_by_native.pop(id(native.span), None)
        report = False
        try:
            try:
                if error is not None:
                    report = self._fail(native, error)
                if native.recording:
                    self._before_finish()
            except Exception as exc:
                contained(exc)
        finally:
            self._sealed = True
            try:
                native.finish()
            except Exception as exc:
                contained(exc)
        # Reported after the span's end time was taken (sentry-sdk's first error event
        # is slow); the span is still current, so the event stays linked to it.
        if report and error is not None:
            try:
                _sdk.capture_exception(error)
            except Exception as exc:
                contained(exc)

    def _fail(self, native: _sdk.NativeSpan, error: BaseException) -> bool:
        """Mark the span failed (or cancelled); whether ``error`` is this span's to report."""
        if not isinstance(error, Exception):
            native.mark("cancelled")
            return False
        native.mark("error")
        if native.recording:
            native.set("error.type", type(error).__name__)
        if getattr(error, _CAPTURED_MARK, False):
            return False
        with contextlib.suppress(Exception):
            setattr(error, _CAPTURED_MARK, True)
        return True

    def _absorb(self, attributes: dict[str, Any]) -> None:
        """Take what an integration's span of the same call knows and this span lacks."""
        native = self._native
        if native is None or self._sealed:
            return
        mine = native.attributes()
        for key, value in attributes.items():
            if key.startswith("gen_ai.") and key not in mine and value is not None:
                native.set(key, value)

    # --- recording helpers for kinds -------------------------------------------------------

    def _set(self, key: str, value: Optional[AttributeValue]) -> None:
        native = self._native
        if value is None or native is None or not native.recording or self._sealed:
            return
        native.set(key, value)

    def _set_content(
        self,
        key: str,
        kind: str,
        value: Any,
        convert: Callable[[Any], Any],
        *,
        output: bool,
        structured: bool = True,
    ) -> None:
        """Convert, scrub, redact and fit one piece of content, then set it.

        Nothing happens (not even conversion) unless the span records and the gate
        for this direction is open. The raw value is never recorded when the
        redaction hook fails.
        """
        if not (self._outputs_ok if output else self._inputs_ok) or self._sealed:
            return
        with guard:
            data = convert(value)
            scrubber = SCRUBBERS.get(kind)
            if scrubber is not None:
                data = scrubber(data, self._settings.scrub_keys)
            try:
                data = redact(self._redactor(), kind, data)
            except Dropped as dropped:
                logger.debug("sentry_agents: %s not recorded: %s", key, dropped.reason)
                return
            budget = self._budget()
            if not structured and isinstance(data, str):
                self._set(key, _cut_text(data, budget))
                return
            self._set_fitted(key, fit(data, budget))

    def _set_fitted(self, key: str, fitted: Fitted) -> None:
        """Set a budgeted JSON attribute, with the original count when items were dropped."""
        self._set(key, fitted.text)
        if fitted.kept_count < fitted.original_count:
            self._set(f"sentry.sdk_meta.{key}.original_length", fitted.original_count)

    def _redactor(self) -> Optional[Redactor]:
        """This span's redaction hook, else the configured one."""
        return self._settings.redact if self._redact is _UNSET else self._redact

    def _budget(self) -> int:
        budget = self._settings.max_message_bytes
        native = self._native
        limit = native.client.max_value_length if native and not native.streaming else None
        return min(budget, limit) if limit else budget


def _attribute_value(value: Any) -> Optional[AttributeValue]:
    if value is None:
        return None
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return safe_str(value)
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    return fit(jsonable(value), 1 << 20).text


def _cut_text(text: str, budget: int) -> str:
    if size(text) <= budget:
        return text
    cut = text.encode("utf-8")[: max(0, budget - len(TRUNCATION_MARKER))]
    return cut.decode("utf-8", "ignore") + TRUNCATION_MARKER


__all__ = ["GenAISpan", "current_span", "guard"]
