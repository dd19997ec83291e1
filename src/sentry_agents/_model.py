"""What model-facing spans share: token usage and the response model (agents, LLM calls,
embeddings), and input and output messages (agents and LLM calls)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable, Optional, Protocol, TypeVar

from . import _keys as keys
from ._bounded import Bounded
from ._budget import MIN_BUDGET, fit_pieces, size, strings_json
from ._config import Options
from ._cost import Cost, Rates, context_attributes, cost_attributes
from ._guard import contained, guard, logger
from ._input_usage import input_usage
from ._jsonable import field, instance_of, key_json, safe_str
from ._message_json import answer_json, encode_messages, system_key, text_answer_json
from ._messages import (
    Message,
    output_messages,
    split_system,
    system_parts,
    to_gen_ai_messages,
    within,
)
from ._privacy import scrubber_for
from ._responses import Answer, ResponseInfo, is_whole_response, read_response, response_failure
from ._sdk import AttributeValue
from ._span import GenAISpan
from ._tool_definitions import tool_definitions
from ._usage import Usage, checked, usage_attributes, usage_from, usage_from_attributes


class UsageConfig(Protocol):
    """The configuration every model-facing helper has."""

    @property
    def model(self) -> Optional[str]: ...

    @property
    def provider(self) -> Optional[str]: ...


class ModelConfig(UsageConfig, Protocol):
    """The configuration of helpers that send messages to a model."""

    @property
    def messages(self) -> Any: ...

    @property
    def system_instructions(self) -> Any: ...

    @property
    def tools(self) -> Any: ...


U = TypeVar("U", bound=UsageConfig)
M = TypeVar("M", bound=ModelConfig)


def _same(value: Any) -> Any:
    return value


_TOOLS = object()
"""Marks a key of tool definitions kept for reuse (``_tools_key``)."""


class UsageSpan(GenAISpan[U]):
    """A span that calls a model: request model, provider, response model, token usage,
    and, when prices are configured for its model, cost and context window use.

    Its usage and cost count towards every agent run it is inside.
    """

    __slots__ = ("_calls_inside", "_response_model", "_usage")

    _IS_ITS_CALLS = False
    """Whether the model calls sentry-sdk's integrations record inside this span are the
    span's own call (an evaluation's judge, a rerank): counted towards the agents only
    when the span reports no usage of its own, so that one call is counted once."""

    def __init__(self, operation: str, config: U, options: Options) -> None:
        super().__init__(operation, config, options)
        self._usage: Optional[Usage] = None
        self._response_model: Optional[str] = None
        self._calls_inside: Optional[list[tuple[Usage, Optional[Cost]]]] = (
            [] if self._IS_ITS_CALLS else None
        )

    def _name(self) -> str:
        """``{operation} {model}``, as Sentry names a model call."""
        model = self._config.model
        return f"{self.operation} {model}" if model else self.operation

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        config = self._config
        if config.model is not None:
            attributes[keys.REQUEST_MODEL] = config.model
        if config.provider is not None:
            attributes[keys.PROVIDER_NAME] = config.provider

    def set_response_model(self, model: str) -> None:
        """The model that actually answered, exactly as the provider reported it."""
        if model is not None:
            self._response_model = safe_str(model)
            self._set(keys.RESPONSE_MODEL, self._response_model)

    def _set_call_response(self, response: Any) -> None:
        """Record what an embeddings or rerank response says about the call: its ``model``
        as the response model and its usage (``input_usage``). As with a chat span's
        ``set_response``, the later of this and ``set_usage`` wins."""
        with guard:
            model = field(response, "model")
            if instance_of(model, str):
                self.set_response_model(model)
            usage = input_usage(response)
            if not usage.is_empty():
                self._use_usage(usage)

    def set_usage(
        self,
        usage: Optional[Usage] = None,
        *,
        input_tokens: Optional[int] = None,
        output_tokens: Optional[int] = None,
        input_tokens_cached: Optional[int] = None,
        input_tokens_cache_write: Optional[int] = None,
        output_tokens_reasoning: Optional[int] = None,
        total_tokens: Optional[int] = None,
    ) -> None:
        """Token usage in Sentry's semantics: ``input_tokens`` includes cached and
        cache-write tokens, ``output_tokens`` includes reasoning tokens.

        Pass a ``Usage``, a provider's response or usage object (read as ``usage_from``
        reads it), or the counts as keywords;
        keywords override the fields of ``usage``.
        """
        if self._native is None or not self._native.recording:
            return
        try:  # not ``with guard``: this runs for every model call
            if usage is None:
                given = Usage(
                    input_tokens,
                    output_tokens,
                    input_tokens_cached,
                    input_tokens_cache_write,
                    output_tokens_reasoning,
                    total_tokens,
                )
                self._checked_usage(given)
                return
            base = usage if instance_of(usage, Usage) else usage_from(usage)
            given = Usage(
                base.input_tokens if input_tokens is None else input_tokens,
                base.output_tokens if output_tokens is None else output_tokens,
                base.input_tokens_cached if input_tokens_cached is None else input_tokens_cached,
                base.input_tokens_cache_write
                if input_tokens_cache_write is None
                else input_tokens_cache_write,
                base.output_tokens_reasoning
                if output_tokens_reasoning is None
                else output_tokens_reasoning,
                base.total_tokens if total_tokens is None else total_tokens,
            )
            self._checked_usage(given)
        except Exception as exc:
            contained(exc)

    def _use_usage(self, usage: Usage) -> None:
        """Keep ``usage``, a ``Usage`` of this library's own making that nothing changes
        afterwards (``set_usage`` copies the caller's, which the caller may change), on a
        span that records."""
        if self._native is None or not self._native.recording:
            return
        try:
            self._checked_usage(usage)
        except Exception as exc:
            contained(exc)

    def _checked_usage(self, given: Usage) -> None:
        """Keep ``given`` made consistent, and warn about what had to change."""
        self._usage, problems = checked(given)
        for problem in problems:
            logger.warning("sentry_agents: set_usage on %s: %s", self._name(), problem)

    @property
    def _usage_is_set(self) -> bool:
        return self._usage is not None

    def _absorb(self, attributes: dict[str, Any]) -> None:
        """Also take the integration's response model and usage, where this span has none."""
        super()._absorb(attributes)
        model = attributes.get(keys.RESPONSE_MODEL)
        if self._response_model is None and isinstance(model, str):
            self._response_model = model
        if self._usage is None:
            usage = usage_from_attributes(attributes)
            self._usage = None if usage.is_empty() else usage

    def _own_price(self, usage: Usage) -> tuple[Optional[Cost], Optional[Rates]]:
        """The cost of this span's own model call, priced by its response model, else its
        request model."""
        return self._price(usage, (self._response_model, self._config.model), self._config.provider)

    def _count_child_usage(self, usage: Usage, cost: Optional[Cost] = None) -> None:
        calls = self._calls_inside
        if calls is None:
            super()._count_child_usage(usage, cost)
        else:  # decided when this span ends (``_IS_ITS_CALLS``)
            calls.append((usage, cost))

    def _before_finish(self) -> None:
        usage = self._usage
        if usage is None or self._native is None:
            for call_usage, call_cost in self._calls_inside or ():
                GenAISpan._count_child_usage(self, call_usage, call_cost)
            return
        attributes: Mapping[str, AttributeValue] = usage_attributes(usage)
        cost = None
        if self._settings.pricing is not None:
            cost, rates = self._own_price(usage)
            priced: dict[str, AttributeValue] = {**attributes}
            if cost is not None:
                priced.update(cost_attributes(cost))
            if rates is not None:
                priced.update(context_attributes(usage, rates))
            attributes = priced
        self._native.set_many(attributes)
        GenAISpan._count_child_usage(self, usage, cost)


class ModelSpan(UsageSpan[M]):
    """A span that sends messages to a model and gets a response back (agents, LLM calls)."""

    __slots__ = ()

    def _record_start_content(self) -> None:
        config = self._config
        self._record_input(config.messages, config.system_instructions, config.tools)

    def set_input(self, messages: Any) -> None:
        """Record the input messages (when not known at start); system messages go to
        ``gen_ai.system_instructions``."""
        self._set_lazy_input(messages, _same)

    def _set_lazy_input(self, source: Any, to_messages: Callable[[Any], Any]) -> None:
        if self._inputs_ok:
            with guard:
                self._record_input(to_messages(source), None, None)

    def _record_input(self, raw_messages: Any, raw_system: Any, tools: Any) -> None:
        system = system_parts(raw_system) if raw_system is not None else []
        messages: list[dict[str, Any]] = []
        encoded = fitted = None
        if raw_messages is not None and self._redactor() is None:
            # Without a redaction hook (which sees the whole list), messages are written
            # one by one, reusing the JSON of messages sent before.
            scrubber = scrubber_for(self._settings.scrub_keys)
            budget = self._budget()
            encoded = encode_messages(raw_messages, split=True, scrubber=scrubber, max_bytes=budget)
            if encoded is not None:
                fitted = fit_pieces(encoded.pieces, encoded.dropped, budget)
        if encoded is not None and fitted is not None:
            system.extend(encoded.system)
            if fitted.original_count:
                self._set_fitted(keys.INPUT_MESSAGES, fitted)
        elif raw_messages is not None:
            bounded = None
            if self._redactor() is None:  # (a hook sees all of them)
                budget = max(self._budget(), MIN_BUDGET)
                bounded = Bounded(scrubber_for(self._settings.scrub_keys), budget)
            converted = within(bounded, to_gen_ai_messages, raw_messages)
            in_messages, messages = split_system(converted)
            system.extend(in_messages)
        if messages:
            self._set_content(keys.INPUT_MESSAGES, "input.messages", messages, _same, output=False)
        if system:
            self._set_content(
                keys.SYSTEM_INSTRUCTIONS,
                "system_instructions",
                system,
                _same,
                output=False,
                reuse=system_key(system, self._budget()),
            )
        if tools is not None:
            self._set_content(
                keys.TOOL_DEFINITIONS,
                "tool.definitions",
                tools,
                tool_definitions,
                output=False,
                reuse=self._tools_key(tools),
            )

    def _tools_key(self, tools: Any) -> Optional[tuple[Any, ...]]:
        """What the tool definitions sent for ``tools`` depend on, as a key to reuse them
        by: an agent gives the same tools at every model call (20 of them: about 0.5 ms to
        convert, scrub and write). Only a list of dicts of JSON data (its JSON tells it
        apart); ``None`` for anything else, converted every time."""
        if type(tools) is not list or not all(type(tool) is dict for tool in tools):
            return None
        text = key_json(tools)
        if text is None:
            return None
        scrubbed = scrubber_for(self._settings.scrub_keys).key
        return (_TOOLS, self._budget(), scrubbed, text)

    def set_output(self, output: Any) -> None:
        """Record the model's (or agent's) output: a string, messages or content blocks.
        A provider's whole response (see ``is_whole_response``) records its output
        messages, as ``set_response`` does, and nothing else of it but that it failed,
        when it says so (whatever the output gate)."""
        whole = False
        with guard:
            whole = is_whole_response(output)
            if whole:
                failure = response_failure(output)
                if failure is not None:
                    self._mark_failed(failure)
        if whole and self._outputs_ok:
            with guard:
                messages = read_response(output).output
                if messages:
                    self._set_output(messages)
                    return
        self._set_content(
            keys.OUTPUT_MESSAGES, "output.messages", output, output_messages, output=True
        )

    def _set_output(self, output: list[Message]) -> None:
        """A response's output messages, already role/parts messages (read by
        ``_responses``): only scrubbed and fitted. An answer of text alone, which
        scrubbing leaves as it is, is written at once when no redaction hook is to see
        it and it fits the budget: what the general path sends, without converting it again."""
        if len(output) == 1 and self._outputs_ok and self._settings.redact is None:
            text = text_answer_json(output[0])
            if text is not None and self._set_whole_output(f"[{text}]"):
                return
        self._set_content(keys.OUTPUT_MESSAGES, "output.messages", output, _same, output=True)

    def _set_answer(self, answer: Answer) -> None:
        """An Anthropic answer's output message: written straight from its blocks when no
        redaction hook is to see it and it fits the budget (what the general path sends),
        else converted and set as any output is."""
        if not self._outputs_ok:
            return
        settings = self._settings
        if settings.redact is None:
            try:
                text = answer_json(answer.content, answer.reason, scrubber_for(settings.scrub_keys))
            except Exception:  # a hostile block: the general path contains it
                text = None
            if text is not None and self._set_whole_output(text):
                return
        with guard:
            self._set_output(answer.messages())

    def _set_whole_output(self, text: str) -> bool:
        """Set output messages' JSON written at once, when it fits the budget whole (as
        ``fit`` would keep it)."""
        if size(text) > max(self._budget(), MIN_BUDGET):
            return False
        self._set(keys.OUTPUT_MESSAGES, text, True)
        return True

    def _redacted_output(self, output: list[Message]) -> Optional[tuple[Any]]:
        """A response's output messages scrubbed and seen by the redaction hook, ready for
        ``_set_structured`` (in a 1-tuple), or ``None`` when the hook dropped them. Call
        behind the output gate."""
        return self._content(keys.OUTPUT_MESSAGES, "output.messages", output, _same)

    def set_response_id(self, response_id: str) -> None:
        """The provider's id for this response (``gen_ai.response.id``)."""
        if response_id is not None:
            self._set(keys.RESPONSE_ID, safe_str(response_id))

    def set_finish_reasons(self, reasons: Any) -> None:
        """Why the model stopped: one reason or a list (sent as a JSON array)."""
        if reasons is None:
            return
        with guard:
            if isinstance(reasons, str) or not isinstance(reasons, (list, tuple)):
                reasons = [reasons]
            self.set_attribute(
                keys.RESPONSE_FINISH_REASONS, [safe_str(r) for r in reasons if r is not None]
            )

    def set_response(self, response: Any) -> None:
        """Record a provider response object (or its dict form) in one call: output
        messages, response model and id, finish reasons and usage.

        A response that says the call failed (a Responses API response of status
        ``failed``) also fails the span, quietly: status ``internal_error``,
        ``error.type`` its error code (else ``response_failed``), no error event.
        A response that cannot be read (a field whose ``==`` or truth raises, as a numpy
        array's does, where the readers could not tell it apart) is logged, not raised;
        so is one of no shape known, which records nothing (``None`` is taken silently)."""
        try:  # not ``with guard``: this runs for every model call
            info = read_response(response, answer_apart=True)
        except Exception as exc:
            contained(exc)
            return
        if not info.output and response is not None and info.is_empty():
            logger.warning(
                "sentry_agents: set_response: nothing recognised in a %s, nothing recorded "
                "(pass the response the client returned; a stream goes to llm.stream)",
                type(response).__name__,
            )
        self._apply_response(info)

    def _apply_response(self, info: ResponseInfo) -> None:
        if info.error_type is not None:
            # The provider reported the call failed, raising nothing: failed quietly, as
            # a tool whose result says it failed (no error event, no message sent).
            self._mark_failed(info.error_type)
        if info.model is not None:
            self.set_response_model(info.model)
        if info.response_id is not None:
            self.set_response_id(info.response_id)
        if info.finish_reasons:
            reasons = strings_json(
                info.finish_reasons, self._key_budget(keys.RESPONSE_FINISH_REASONS)
            )
            self._set(keys.RESPONSE_FINISH_REASONS, reasons, measured=True)
        # No output at all (a stream abandoned before its first chunk) is not sent as [].
        if info.output:
            self._set_output(info.output)
        elif info.answer is not None:
            self._set_answer(info.answer)
        if not info.usage.is_empty():
            self._use_usage(info.usage)


__all__ = ["ModelConfig", "ModelSpan", "UsageConfig", "UsageSpan"]
