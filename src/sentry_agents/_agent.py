"""Agent spans: ``invoke_agent`` (the container of a run) and ``create_agent``."""

from __future__ import annotations

from typing import Any, Optional

from ._config import _UNSET, Redactor
from ._jsonable import safe_str
from ._model import ModelSpan
from ._span import GenAISpan


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
