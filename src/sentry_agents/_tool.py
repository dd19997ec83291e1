"""Tool call spans: ``gen_ai.execute_tool``, named ``execute_tool {name}``."""

from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

from ._config import _UNSET, Redactor
from ._decorate import Call, decorate, signature_of
from ._jsonable import json_arguments, jsonable, safe_str
from ._span import GenAISpan
from ._tools import docstring_summary

F = TypeVar("F", bound=Callable[..., Any])


def _arguments(value: Any) -> Any:
    return json_arguments(value)


class ToolSpan(GenAISpan):
    """One tool call. Arguments and result are content (behind the gate, scrubbed of
    secrets); the tool's name, description and call id are always sent."""

    operation = "execute_tool"

    def __init__(
        self,
        name: str,
        *,
        arguments: Any = None,
        description: Optional[str] = None,
        call_id: Optional[str] = None,
        record_inputs: Optional[bool] = None,
        record_outputs: Optional[bool] = None,
        redact: Optional[Redactor] = _UNSET,
    ) -> None:
        self.tool_name = safe_str(name)
        self.description = description
        self.call_id = call_id
        self._arguments = arguments
        super().__init__(record_inputs=record_inputs, record_outputs=record_outputs, redact=redact)

    def _name(self) -> str:
        return f"execute_tool {self.tool_name}"

    def _start_attributes(self) -> dict[str, Any]:
        return {
            "gen_ai.tool.name": self.tool_name,
            "gen_ai.tool.description": None
            if self.description is None
            else safe_str(self.description),
            "gen_ai.tool.call.id": None if self.call_id is None else safe_str(self.call_id),
        }

    def _record_start_content(self) -> None:
        if self._arguments is not None:
            self.set_arguments(self._arguments)

    def set_arguments(self, arguments: Any) -> None:
        """The arguments the tool was called with (a dict, or a JSON string)."""
        self._set_content(
            "gen_ai.tool.call.arguments", "tool.arguments", arguments, _arguments, output=False
        )

    def set_result(self, result: Any) -> None:
        """What the tool returned: text as is, anything else as JSON."""
        self._set_content(
            "gen_ai.tool.call.result",
            "tool.result",
            result,
            jsonable,
            output=True,
            structured=False,
        )


execute_tool = ToolSpan
"""``execute_tool(name, *, arguments=None, description=None, call_id=None)``: a tool call span."""


def tool(
    func: Optional[F] = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = _UNSET,
) -> Any:
    """Decorate a tool function (sync, async, generator or async generator): an
    ``execute_tool`` span per call, named after the function, described by its
    docstring, with the bound call arguments and the result recorded behind the gate.

    Use as ``@tool`` or ``@tool(name=..., description=...)``. The decorated function
    keeps its signature; :func:`tool_definition` gives its JSON schema for ``tools=``.
    """

    def wrap(function: F) -> F:
        template = ToolSpan(
            name or function.__name__,
            description=description if description is not None else docstring_summary(function),
            record_inputs=record_inputs,
            record_outputs=record_outputs,
            redact=redact,
        )
        signature = signature_of(function)

        def on_call(span: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            span._set_content(
                "gen_ai.tool.call.arguments",
                "tool.arguments",
                Call(signature, args, kwargs),
                Call.arguments,
                output=False,
            )

        def on_result(span: Any, result: Any) -> None:
            span.set_result(result)

        return decorate(function, template._fresh, on_call, on_result)

    return wrap(func) if func is not None else wrap
