"""Guardrail spans: a check that lets an agent's input or output through, or blocks it.

Shown in the trace under the agent that ran it (op ``guardrail``, named
``guardrail {name}``, with the agent's ``gen_ai.agent.name``), and deliberately without
what makes Sentry's ingestion count a span as an AI call: no ``gen_ai.*``/``ai.*`` op and
no ``gen_ai.operation.name``. Today's ingestion types every such span it does not know
as an LLM call (``ai_client``), which would count each guardrail in the LLM call totals
of the AI Agents dashboards.
"""

from __future__ import annotations

import reprlib
from typing import Any, NamedTuple, Optional

from . import _keys as keys
from ._config import UNSET, Options, Redactor, is_bool, options
from ._guard import guard, logger
from ._jsonable import field, instance_of, jsonable, known_name, safe_str
from ._sdk import AttributeValue
from ._span import GenAISpan


class GuardrailConfig(NamedTuple):
    name: str
    stage: Optional[str] = None


class GuardrailSpan(GenAISpan[GuardrailConfig]):
    """One guardrail check. ``set_outcome`` records whether it passed
    (``sentry_agents.guardrail.passed``) and why (``sentry_agents.guardrail.reason``,
    behind the output gate). A blocked outcome is an ordinary outcome: the span keeps
    status ok and no error is sent to Sentry."""

    __slots__ = ()

    def __init__(self, config: GuardrailConfig, options: Options) -> None:
        super().__init__(keys.OP_GUARDRAIL, config, options)

    def _op(self) -> str:
        return keys.OP_GUARDRAIL

    def _common_start_attributes(self) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {}
        self._add_run_context(attributes)
        return attributes

    def _name(self) -> str:
        name = self._config.name
        return f"guardrail {name}" if name else "guardrail"

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        if self._config.name:
            attributes[keys.GUARDRAIL_NAME] = self._config.name
        if self._config.stage is not None:
            attributes[keys.GUARDRAIL_STAGE] = self._config.stage

    def set_outcome(self, passed: bool, reason: Any = None) -> None:
        """Whether the checked input or output passed (``False``: blocked), and why:
        text as is, anything else as JSON, scrubbed of secrets as tool results are.

        ``passed`` given as text (a model's or a config's answer), or as bytes (decoded
        as UTF-8), is read as its word, ``"true"`` or ``"false"`` in any case; other text
        records no outcome (its truth would say "passed" for ``"false"`` and ``"blocked"``
        alike), and so does ``None`` (no answer is not a block), each with a warning in
        sentry-sdk's debug log (the text cut short). Anything else is read by its truth;
        one whose truth cannot be told (a numpy array of several values) records no
        outcome either, with the same warning, which names it by its type (never its
        ``repr``, which may raise)."""
        with guard:
            why = ""
            try:
                outcome = _passed(passed)
            except Exception as exc:  # its truth cannot be told (a numpy array's)
                outcome, why = None, f" ({type(exc).__name__}: {safe_str(exc)[:200]})"
            if outcome is None:
                logger.warning(
                    "sentry_agents: guardrail outcome %s is not true or false%s",
                    _shown(passed),
                    why,
                )
            else:
                self._set(keys.GUARDRAIL_PASSED, outcome)
        if reason is not None:
            self._set_content(
                keys.GUARDRAIL_REASON,
                "guardrail.reason",
                reason,
                jsonable,
                output=True,
                structured=False,
            )

    # A decorated guardrail function: its return value is the outcome.

    def _record_return(self, value: Any) -> None:
        """A return value that is no outcome (``None``, a number, ...) records none, with a
        warning naming its type (not its content) in sentry-sdk's debug log."""
        with guard:
            outcome = _outcome(value)
            if outcome is None:
                logger.warning(
                    "sentry_agents: guardrail %s returned %s, not an outcome; none recorded",
                    self._config.name,
                    type(value).__name__,
                )
            else:
                self.set_outcome(*outcome)

    @property
    def _wants_return(self) -> bool:
        return True


def _passed(value: Any) -> Optional[bool]:
    """``value`` as an outcome: for text or bytes its word (``None`` for other text),
    ``None`` for ``None``, else its truth (which raises when it cannot be told: a numpy
    array's is ambiguous). Text is read with ``str``'s own methods, whatever a subclass
    overrides. ``set_outcome`` and a decorated guardrail's ``passed`` are both read
    here, so they record the same outcome for the same value."""
    if value is None:
        return None
    if instance_of(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if instance_of(value, str):
        return _WORDS.get(str.lower(str.strip(value)))
    return bool(value)


_WORDS = {"true": True, "false": False}


def _shown(value: Any) -> str:
    """How the warning names an outcome that is none: text (or bytes) as its content cut
    short, anything else by its type's name. Never by the value's own ``repr`` (which
    may raise), and its type read with ``type``, not ``__class__`` (which a proxy may
    make raise): the warning is logged whatever the value is."""
    kind = type(value)
    try:
        if value is None:
            return "None"
        if issubclass(kind, str):
            return reprlib.repr(str.__str__(value))
        if issubclass(kind, (bytes, bytearray)):
            return reprlib.repr(bytes(memoryview(value)))
        return f"<{safe_str(kind.__name__)}>"
    except Exception:
        return "<unprintable>"


def _outcome(value: Any) -> Optional[tuple[Any, Any]]:
    """(passed, reason) from what a guardrail function returned: a bool (numpy's too),
    text or bytes (a model's verdict), a ``(passed, reason)`` pair, an object or dict with
    ``passed`` (and ``reason``), or one with ``tripwire_triggered`` (the OpenAI Agents
    SDK's guardrail output, whose ``output_info``, of any type, is the reason). Text, and
    an object's or dict's ``passed``, are given as they are, for ``set_outcome`` to read
    as it reads its own argument (``"false"`` is blocked, text other than ``"true"`` and
    ``"false"`` no outcome, with a warning); a pair's ``passed`` is a bool or text read
    as ``"true"`` or ``"false"``; a ``passed`` that is absent, ``None`` or a method is not
    an outcome."""
    if is_bool(value) or instance_of(value, (str, bytes, bytearray)):
        return value, None
    if instance_of(value, tuple) and len(value) == 2 and _is_verdict(value[0]):
        return value[0], value[1]
    passed = field(value, "passed")
    if passed is not None and not callable(passed):
        return passed, field(value, "reason")
    tripwire = field(value, "tripwire_triggered")
    if is_bool(tripwire):
        return not tripwire, field(value, "output_info")
    return None


def _is_verdict(value: Any) -> bool:
    """Whether a pair's first item is an outcome: a bool, or text (or bytes) that
    ``set_outcome`` reads as one; a pair of other text and a score is no outcome."""
    if is_bool(value):
        return True
    return instance_of(value, (str, bytes, bytearray)) and _passed(value) is not None


def guardrail(
    name: str,
    *,
    stage: Optional[str] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> GuardrailSpan:
    """A guardrail span named ``guardrail {name}``, as ``with``, ``async with`` or a
    decorator; ``stage`` says what it checks (``"input"``, ``"output"``, ``"tool"``...).

    Record the outcome with ``GuardrailSpan.set_outcome``. Decorating a guardrail
    function records its return value as the outcome: ``True``/``False``, the text
    ``"true"``/``"false"``, a ``(passed, reason)`` pair, or an object with ``passed`` or
    ``tripwire_triggered``. Anything else (``None``, other text) records no outcome, never
    a guessed one, with a warning in sentry-sdk's debug log; the span is sent as usual.
    """
    return GuardrailSpan(
        GuardrailConfig(known_name(name) or "", known_name(stage)),
        options(None, record_outputs, redact, capture_errors),
    )


__all__ = ["GuardrailConfig", "GuardrailSpan", "guardrail"]
