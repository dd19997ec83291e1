"""Agent spans: ``invoke_agent`` (the container of a run), ``@agent``, and ``create_agent``."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional, TypeVar, Union

from . import _keys as keys
from ._bounded import json_within
from ._config import UNSET, Options, Redactor, options
from ._cost import Cost, cost_attributes
from ._decorate import Call, decoratable, decorator_arguments, function_of
from ._jsonable import dumps, instance_of, jsonable, known_name, optional_str, without_media
from ._model import ModelSpan
from ._privacy import FILTERED, scrub, scrubber_for
from ._responses import ResponseInfo
from ._sdk import AttributeValue
from ._span import AgentRun, GenAISpan
from ._tool_definitions import callable_name
from ._usage import Usage, checked, summed, usage_attributes

F = TypeVar("F", bound=Callable[..., Any])


class AgentConfig(NamedTuple):
    name: str
    model: Optional[str] = None
    provider: Optional[str] = None
    messages: Any = None
    system_instructions: Any = None
    tools: Any = None
    pipeline: Optional[str] = None
    prompt_name: Optional[str] = None


class AgentSpan(ModelSpan[AgentConfig]):
    """One run of an agent: ``gen_ai.invoke_agent``, named ``invoke_agent {name}``
    (``invoke_agent`` when its name is not known: ``None`` or empty).

    LLM, tool and handoff spans inside it carry its ``gen_ai.agent.name`` (tool spans
    also its request model and provider), and it carries the summed usage and cost of
    the LLM calls inside it unless ``set_usage`` is called (then the cost of that usage
    at its own model's prices).
    """

    __slots__ = ("_response_usage",)

    def __init__(self, config: AgentConfig, options: Options) -> None:
        super().__init__(keys.INVOKE_AGENT, config, options)
        self._response_usage: Optional[Usage] = None

    @property
    def agent_name(self) -> str:
        """The agent's name, as given (``gen_ai.agent.name``); empty when not known."""
        return self._config.name

    def _name(self) -> str:
        name = self._config.name
        return f"invoke_agent {name}" if name else "invoke_agent"

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        super()._start_attributes(attributes)
        if self._config.pipeline is not None:
            attributes[keys.PIPELINE_NAME] = self._config.pipeline
        if self._config.prompt_name is not None:
            attributes[keys.PROMPT_NAME] = self._config.prompt_name

    def _agents_inside(self, parent: Optional[GenAISpan[Any]]) -> tuple[AgentRun, ...]:
        config = self._config
        run = AgentRun(config.name, config.model, config.provider)
        return (run, *parent._agents) if parent is not None else (run,)

    def _end(self, error: Optional[BaseException]) -> None:
        if self._agents:
            self._agents[0].end_outliving()  # before this run's usage is summed
        super()._end(error)

    def _apply_response(self, info: ResponseInfo) -> None:
        super()._apply_response(info)
        if not info.usage.is_empty():
            self._response_usage = self._usage

    def _before_finish(self) -> None:
        native = self._native
        if native is None:
            return
        usage = self._usage
        run = self._agents[0]  # an agent's own run comes first (``_agents_inside``)
        if usage is not None and usage is self._response_usage and run.child_usage:
            usage = None  # the response is one of the calls recorded inside, summed below
        cost: Optional[Cost] = None
        if usage is not None:
            cost = self._own_price(usage)[0]
        elif run.child_usage:
            usage = checked(summed(list(run.child_usage)))[0]
            for child_cost in list(run.child_cost):
                cost = child_cost if cost is None else cost.plus(child_cost)
        attributes: dict[str, AttributeValue] = {}
        if usage is not None:
            attributes.update(usage_attributes(usage))
        if cost is not None:
            attributes.update(cost_attributes(cost))
        if attributes:
            native.set_many(attributes)

    # A decorated agent function: its call is the input, its return value the output.

    def _record_call(self, call: Call) -> None:
        self._set_lazy_input(call, self._call_messages)

    def _record_return(self, value: Any) -> None:
        """A return of nothing (``None``, or a generator that yielded nothing) is no
        output: what the function set through ``current_span()`` stays."""
        if self._outputs_ok and not (value is None or (type(value) is list and not value)):
            self.set_output(self._output_of(value))

    @property
    def _wants_return(self) -> bool:
        return self._outputs_ok

    def _call_messages(self, call: Call) -> Any:
        """A lone string or message-list argument is the input; otherwise the arguments
        as JSON text without media. Either way, scrubbed of secrets by parameter name."""
        scrubber = scrubber_for(self._settings.scrub_keys)
        arguments = call.arguments()
        if len(arguments) == 1:
            name, value = next(iter(arguments.items()))
            if isinstance(value, (str, list)):
                return FILTERED if scrubber.hides(name, value) else value
        return [{"role": "user", "content": dumps(scrub(without_media(arguments), scrubber))}]

    def _output_of(self, value: Any) -> Any:
        """A decorated agent's return value as output: text and messages as they are,
        anything else as JSON text scrubbed of secrets and without media, as any data is
        sent; without a redaction hook (which sees all of it), written only as far as the
        budget can show (``json_within``)."""
        if value is None or instance_of(value, (str, list)):
            return value
        if instance_of(value, dict) and "role" in value:
            return value
        scrubber = scrubber_for(self._settings.scrub_keys)
        if self._redactor() is None:
            text = json_within(value, self._budget(), scrubber)
        else:
            text = dumps(scrub(without_media(jsonable(value)), scrubber))
        return [{"role": "assistant", "content": text}]


def invoke_agent(
    name: str,
    *,
    model: Optional[str] = None,
    provider: Optional[str] = None,
    messages: Any = None,
    system_instructions: Any = None,
    tools: Any = None,
    pipeline: Optional[str] = None,
    prompt_name: Optional[str] = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> AgentSpan:
    """An agent run span, ``gen_ai.invoke_agent``, as ``with``, ``async with`` or a decorator.

    As a decorator, each call is one run: the call's input (a single message-like
    argument as messages, otherwise the arguments as JSON) and its return value (or
    what a generator yielded) are recorded behind the content gate. ``prompt_name``
    (``gen_ai.prompt.name``) names the prompt template the agent runs with. A name,
    model or provider not known (``None`` or empty) is left out of the span's name and
    attributes; the spans inside the run then carry no agent name.
    """
    return AgentSpan(
        AgentConfig(
            known_name(name) or "",
            known_name(model),
            known_name(provider),
            messages,
            system_instructions,
            tools,
            optional_str(pipeline),
            optional_str(prompt_name),
        ),
        options(record_inputs, record_outputs, redact, capture_errors),
    )


def agent(
    func: Union[F, str, None] = None,
    *,
    name: Optional[str] = None,
    model: Optional[str] = None,
    provider: Optional[str] = None,
    system_instructions: Any = None,
    tools: Any = None,
    pipeline: Optional[str] = None,
    prompt_name: Optional[str] = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> Any:
    """Decorate an agent function (sync, async, generator or async generator): an
    ``invoke_agent`` span per call, named after the function unless ``name`` is given.

    The same as ``@invoke_agent(name)``: the call's input and its return value are
    recorded behind the content gate. Use as ``@agent``, ``@agent("Weather Agent")``
    or ``@agent(name=...)`` (a string in the function's place is the name). Anything
    else that is not a function raises ``TypeError`` when decorating.
    """

    func, name = decorator_arguments("agent", func, name)

    def wrap(function: F) -> F:
        decoratable("agent", function)
        span = invoke_agent(
            optional_str(name) or callable_name(function_of(function)),
            model=model,
            provider=provider,
            system_instructions=system_instructions,
            tools=tools,
            pipeline=pipeline,
            prompt_name=prompt_name,
            record_inputs=record_inputs,
            record_outputs=record_outputs,
            redact=redact,
            capture_errors=capture_errors,
        )
        return span(function)

    return wrap(func) if func is not None else wrap


class CreateAgentConfig(NamedTuple):
    name: str
    model: Optional[str] = None
    provider: Optional[str] = None


class CreateAgentSpan(GenAISpan[CreateAgentConfig]):
    """The creation of an agent: ``gen_ai.create_agent``, named ``create_agent {name}``
    (``create_agent`` when its name is not known)."""

    __slots__ = ()

    def __init__(self, config: CreateAgentConfig, options: Options) -> None:
        super().__init__(keys.CREATE_AGENT, config, options)

    @property
    def agent_name(self) -> str:
        """The created agent's name, as given (``gen_ai.agent.name``); empty when not known."""
        return self._config.name

    def _name(self) -> str:
        name = self._config.name
        return f"create_agent {name}" if name else "create_agent"

    def _agent_name(self) -> Optional[str]:
        return self._config.name

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        if self._config.model is not None:
            attributes[keys.REQUEST_MODEL] = self._config.model
        if self._config.provider is not None:
            attributes[keys.PROVIDER_NAME] = self._config.provider


def create_agent(
    name: str, *, model: Optional[str] = None, provider: Optional[str] = None
) -> CreateAgentSpan:
    """An agent creation span, ``gen_ai.create_agent``, named ``create_agent {name}``."""
    return CreateAgentSpan(
        CreateAgentConfig(known_name(name) or "", known_name(model), known_name(provider)),
        options(),
    )


__all__ = [
    "AgentConfig",
    "AgentSpan",
    "CreateAgentConfig",
    "CreateAgentSpan",
    "agent",
    "create_agent",
    "invoke_agent",
]
