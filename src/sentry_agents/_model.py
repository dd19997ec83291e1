"""What agent and LLM spans share: their inputs, outputs, response fields and token usage."""

from __future__ import annotations

from typing import Any, Callable, Optional

from ._budget import fit_pieces
from ._jsonable import safe_str
from ._messages import plain_text_json, split_system, system_parts, to_gen_ai_messages
from ._responses import ResponseInfo, read_response
from ._sdk import logger
from ._span import GenAISpan, guard
from ._tools import tool_definitions
from ._usage import (
    Usage,
    checked,
    checked_counts,
    usage_attributes,
    usage_from,
    usage_from_attributes,
)


def _same(value: Any) -> Any:
    return value


class ModelSpan(GenAISpan):
    """A span that sends messages to a model and gets a response back."""

    _usage: Optional[Usage] = None
    _RUN_STATE = (*GenAISpan._RUN_STATE, "_usage")

    def __init__(
        self,
        *,
        model: Optional[str] = None,
        provider: Optional[str] = None,
        messages: Any = None,
        system_instructions: Any = None,
        tools: Any = None,
        **options: Any,
    ) -> None:
        self.model = model
        self.provider = provider
        self._messages = messages
        self._system_instructions = system_instructions
        self._tools = tools
        self._child_usage: list[Usage] = []
        super().__init__(**options)

    def _reset(self) -> None:
        super()._reset()
        self._child_usage = []

    def _start_attributes(self) -> dict[str, Any]:
        attributes = {}
        if self.model is not None:
            attributes["gen_ai.request.model"] = safe_str(self.model)
        if self.provider is not None:
            attributes["gen_ai.provider.name"] = safe_str(self.provider)
        return attributes

    def _record_start_content(self) -> None:
        self._record_input(self._messages, self._system_instructions, self._tools)

    def set_input(self, messages: Any) -> None:
        """Record the input messages (when not known at start); system messages go to
        ``gen_ai.system_instructions``."""
        self._set_lazy_input(messages, _same)

    def _set_lazy_input(self, source: Any, to_messages: Callable[[Any], Any]) -> None:
        if self._inputs_ok and not self._sealed:
            with guard:
                self._record_input(to_messages(source), None, None)

    def _record_input(self, raw_messages: Any, raw_system: Any, tools: Any) -> None:
        system = system_parts(raw_system) if raw_system is not None else []
        messages: list[dict[str, Any]] = []
        plain = plain_text_json(raw_messages, split=True) if self._redactor() is None else None
        fitted = fit_pieces(plain.pieces, self._budget()) if plain is not None else None
        if plain is not None and fitted is not None:
            # Plain text needs no scrubbing: its JSON is written directly.
            if plain.system:
                system.extend(plain.system)
            if fitted.original_count:
                self._set_fitted("gen_ai.input.messages", fitted)
        elif raw_messages is not None:
            in_messages, messages = split_system(to_gen_ai_messages(raw_messages))
            system.extend(in_messages)
        if messages:
            self._set_content(
                "gen_ai.input.messages", "input.messages", messages, _same, output=False
            )
        if system:
            self._set_content(
                "gen_ai.system_instructions", "system_instructions", system, _same, output=False
            )
        if tools is not None:
            self._set_content(
                "gen_ai.tool.definitions",
                "tool.definitions",
                tools,
                tool_definitions,
                output=False,
            )

    # --- response -----------------------------------------------------------------------------

    def set_output(self, output: Any) -> None:
        """Record the model's (or agent's) output: a string, messages or content blocks."""
        self._set_content(
            "gen_ai.output.messages",
            "output.messages",
            output,
            _output_messages,
            output=True,
        )

    def set_response_model(self, model: str) -> None:
        """The model that actually answered, exactly as the provider reported it."""
        if model is not None:
            self._set("gen_ai.response.model", safe_str(model))

    def set_response_id(self, response_id: str) -> None:
        if response_id is not None:
            self._set("gen_ai.response.id", safe_str(response_id))

    def set_finish_reasons(self, reasons: Any) -> None:
        """Why the model stopped: one reason or a list (sent as a JSON array)."""
        if reasons is None:
            return
        if isinstance(reasons, str) or not isinstance(reasons, (list, tuple)):
            reasons = [reasons]
        self.set_attribute(
            "gen_ai.response.finish_reasons", [safe_str(r) for r in reasons if r is not None]
        )

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

        Pass a :class:`Usage` (see :func:`usage_from`) or the counts as keywords;
        keywords override the fields of ``usage``.
        """
        if self._native is None or not self._native.recording:
            return
        counts: tuple[Optional[int], ...] = (
            input_tokens,
            output_tokens,
            input_tokens_cached,
            input_tokens_cache_write,
            output_tokens_reasoning,
            total_tokens,
        )
        if usage is not None:
            known = (usage if isinstance(usage, Usage) else usage_from(usage)).counts()
            counts = tuple(known[i] if given is None else given for i, given in enumerate(counts))
        usage, problems = checked_counts(*counts)
        for problem in problems:
            logger.warning("sentry_agents: set_usage on %s: %s", self._name(), problem)
        self._usage = usage

    def set_response(self, response: Any) -> None:
        """Record a provider response object (or its dict form) in one call: output
        messages, response model and id, finish reasons and usage."""
        if not self._is_agent:
            self._set("gen_ai.response.streaming", False)
        self._apply_response(read_response(response))

    def _apply_response(self, info: ResponseInfo) -> None:
        if info.model is not None:
            self.set_response_model(info.model)
        if info.response_id is not None:
            self.set_response_id(info.response_id)
        if info.finish_reasons:
            self.set_finish_reasons(info.finish_reasons)
        if info.output is not None:
            self.set_output(info.output)
        if not info.usage.is_empty():
            self.set_usage(info.usage)

    # --- usage roll-up ----------------------------------------------------------------------

    def _absorb(self, attributes: dict[str, Any]) -> None:
        super()._absorb(attributes)
        if self._usage is None:
            usage = usage_from_attributes(attributes)
            self._usage = None if usage.is_empty() else usage

    def _add_child_usage(self, usage: Usage) -> None:
        self._child_usage.append(usage)  # list.append is atomic: calls may finish in threads

    def _before_finish(self) -> None:
        usage = self._usage
        if usage is None and self._is_agent and self._child_usage:
            total = Usage()
            for child in list(self._child_usage):
                total = total + child
            usage = checked(total)[0]
        if usage is None or self._native is None:
            return
        self._native.set_many(usage_attributes(usage))
        if self._agent is not None and not self._is_agent and self._usage is not None:
            for agent in enclosing_agents(self):
                agent._add_child_usage(self._usage)


def enclosing_agents(span: GenAISpan) -> list[ModelSpan]:
    """The agent spans ``span`` is inside, innermost first."""
    agents: list[ModelSpan] = []
    agent: Any = span._agent
    while agent is not None:
        agents.append(agent)
        parent = agent._parent
        agent = parent._agent if parent is not None else None
    return agents


def _output_messages(output: Any) -> list[dict[str, Any]]:
    return to_gen_ai_messages(output, default_role="assistant")
