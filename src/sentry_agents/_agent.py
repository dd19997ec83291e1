"""Agent spans: ``invoke_agent`` (the container of a run) and ``create_agent``."""

from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

from ._config import _UNSET, Redactor
from ._decorate import Call, decorate, signature_of
from ._jsonable import dumps, safe_str
from ._model import ModelSpan
from ._span import GenAISpan

F = TypeVar("F", bound=Callable[..., Any])


class AgentSpan(ModelSpan):
    """One run of an agent: ``gen_ai.invoke_agent``, named ``invoke_agent {name}``.

    LLM, tool and handoff spans inside it carry its ``gen_ai.agent.name``, and it
    carries the summed usage of the LLM calls inside it unless :meth:`set_usage` is called.
    """

    operation = "invoke_agent"
    _is_agent = True

    def __init__(
        self,
        name: str,
        *,
        model: Optional[str] = None,
        provider: Optional[str] = None,
        messages: Any = None,
        system_instructions: Any = None,
        tools: Any = None,
        pipeline: Optional[str] = None,
        record_inputs: Optional[bool] = None,
        record_outputs: Optional[bool] = None,
        redact: Optional[Redactor] = _UNSET,
    ) -> None:
        self.agent_name = safe_str(name)
        self.pipeline = pipeline
        super().__init__(
            model=model,
            provider=provider,
            messages=messages,
            system_instructions=system_instructions,
            tools=tools,
            record_inputs=record_inputs,
            record_outputs=record_outputs,
            redact=redact,
        )

    def _name(self) -> str:
        return f"invoke_agent {self.agent_name}"

    def _start_attributes(self) -> dict[str, Any]:
        attributes = super()._start_attributes()
        if self.pipeline is not None:
            attributes["gen_ai.pipeline.name"] = safe_str(self.pipeline)
        return attributes


class CreateAgentSpan(GenAISpan):
    """The creation of an agent: ``gen_ai.create_agent``, named ``create_agent {name}``."""

    operation = "create_agent"

    def __init__(
        self, name: str, *, model: Optional[str] = None, provider: Optional[str] = None
    ) -> None:
        self.agent_name = safe_str(name)
        self.model = model
        self.provider = provider
        super().__init__()

    def _name(self) -> str:
        return f"create_agent {self.agent_name}"

    def _agent_name(self) -> Optional[str]:
        return self.agent_name

    def _start_attributes(self) -> dict[str, Any]:
        return {
            "gen_ai.request.model": None if self.model is None else safe_str(self.model),
            "gen_ai.provider.name": None if self.provider is None else safe_str(self.provider),
        }


invoke_agent = AgentSpan
"""``invoke_agent(name, *, model=None, provider=None, messages=None, ...)``: an agent run span."""

create_agent = CreateAgentSpan
"""``create_agent(name, *, model=None, provider=None)``: an agent creation span."""


def agent(
    func: Optional[F] = None,
    *,
    name: Optional[str] = None,
    model: Optional[str] = None,
    provider: Optional[str] = None,
    system_instructions: Any = None,
    tools: Any = None,
    pipeline: Optional[str] = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = _UNSET,
) -> Any:
    """Decorate an agent function (sync, async, generator or async generator): an
    ``invoke_agent`` span per call, named after the function unless ``name`` is given.

    The call's input (a single message-like argument as messages, otherwise the
    arguments as JSON) and its return value (or what a generator yielded) are
    recorded behind the content gate. Use as ``@agent`` or ``@agent(name=...)``.
    """

    def wrap(function: F) -> F:
        template = AgentSpan(
            name or function.__name__,
            model=model,
            provider=provider,
            system_instructions=system_instructions,
            tools=tools,
            pipeline=pipeline,
            record_inputs=record_inputs,
            record_outputs=record_outputs,
            redact=redact,
        )
        signature = signature_of(function)

        def on_call(span: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            span._set_lazy_input(Call(signature, args, kwargs), _call_messages)

        def on_result(span: Any, result: Any) -> None:
            span.set_output(result)

        return decorate(function, template._fresh, on_call, on_result)

    return wrap(func) if func is not None else wrap


def _call_messages(call: Call) -> Any:
    """A lone string or message-list argument is the input; otherwise the arguments as JSON."""
    arguments = call.arguments()
    values = list(arguments.values())
    if len(values) == 1 and isinstance(values[0], (str, list)):
        return values[0]
    return [{"role": "user", "content": dumps(arguments)}]
