"""Tool call spans: ``gen_ai.execute_tool``, named ``execute_tool {name}``, and ``@tool``;
an MCP tool call is one too (Sentry has no MCP client span), with the ``mcp.*`` context."""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional, TypeVar, Union

from . import _keys as keys
from ._config import UNSET, Options, Redactor, options
from ._decorate import Call, decoratable, decorator_arguments, function_of
from ._guard import guard
from ._jsonable import json_arguments, jsonable, known_name, optional_str
from ._mcp_data import is_call_tool_result, tool_result, tool_result_content
from ._sdk import AttributeValue
from ._span import GenAISpan
from ._tool_definitions import callable_name, docstring_summary

F = TypeVar("F", bound=Callable[..., Any])


class ToolConfig(NamedTuple):
    name: str
    arguments: Any = None
    description: Optional[str] = None
    call_id: Optional[str] = None
    mcp_server: Optional[str] = None


class ToolSpan(GenAISpan[ToolConfig]):
    """One tool call. Arguments and result are content (behind the gate, scrubbed of
    secrets); the tool's name, description and call id are always sent, and so are the
    enclosing agent's name, request model and provider (as sentry-sdk's own agent
    integrations send them)."""

    __slots__ = ()

    def __init__(self, config: ToolConfig, options: Options) -> None:
        super().__init__(keys.EXECUTE_TOOL, config, options)

    @property
    def tool_name(self) -> str:
        """The tool's name, as given (``gen_ai.tool.name``); empty when not known."""
        return self._config.name

    def _name(self) -> str:
        name = self._config.name
        return f"execute_tool {name}" if name else "execute_tool"

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        config = self._config
        if config.name:
            attributes[keys.TOOL_NAME] = config.name
        if config.description is not None:
            attributes[keys.TOOL_DESCRIPTION] = config.description
        if config.call_id is not None:
            attributes[keys.TOOL_CALL_ID] = config.call_id
        if self._agents:
            run = self._agents[0]
            if run.model is not None:
                attributes[keys.REQUEST_MODEL] = run.model
            if run.provider is not None:
                attributes[keys.PROVIDER_NAME] = run.provider
        if config.mcp_server is not None:
            attributes[keys.MCP_SERVER_NAME] = config.mcp_server
            attributes[keys.MCP_METHOD_NAME] = "tools/call"

    def _record_start_content(self) -> None:
        if self._config.arguments is not None:
            self.set_arguments(self._config.arguments)

    def set_arguments(self, arguments: Any) -> None:
        """The arguments the tool was called with (a dict, or a JSON string)."""
        self._set_content(
            keys.TOOL_CALL_ARGUMENTS, "tool.arguments", arguments, json_arguments, output=False
        )

    def set_result(self, result: Any) -> None:
        """What the tool returned: text as is, anything else as JSON. An MCP
        ``CallToolResult`` (or, with ``mcp_server``, its dict) records its content, and
        ``isError`` fails the span with ``error.type = "tool_error"`` (no error event)."""
        if is_call_tool_result(result, by_shape=self._config.mcp_server is not None):
            with guard:
                record_tool_result(self, result, mcp_keys=False)
            return
        record_result_content(self, result, jsonable, mcp_keys=False)

    # A decorated tool function: its bound arguments and its return value.

    def _record_call(self, call: Call) -> None:
        self._set_content(
            keys.TOOL_CALL_ARGUMENTS, "tool.arguments", call, Call.arguments, output=False
        )

    def _record_return(self, value: Any) -> None:
        """A return of ``None`` is the result (``null``) unless the tool set one itself
        through ``current_span().set_result``, which it then keeps."""
        if value is None:
            native = self._native
            if native is not None and keys.TOOL_CALL_RESULT in native.attributes():
                return
        self.set_result(value)

    @property
    def _wants_return(self) -> bool:
        return self._outputs_ok or self._config.mcp_server is not None


def record_tool_result(span: GenAISpan[Any], result: Any, *, mcp_keys: bool) -> None:
    """Record an MCP ``CallToolResult`` on ``span``: ``isError`` fails it with
    ``error.type = "tool_error"`` (no error event), its content goes to
    ``gen_ai.tool.call.result`` behind the output gate; ``mcp_keys`` adds the deprecated
    ``mcp.tool.result.*`` keys Sentry's MCP docs still show."""
    read = tool_result(result)
    if read.is_error:
        span._mark_failed(keys.TOOL_ERROR)
    if mcp_keys:
        span._set(keys.MCP_TOOL_RESULT_IS_ERROR, read.is_error)
        span._set(keys.MCP_TOOL_RESULT_CONTENT_COUNT, len(read.blocks))
    record_result_content(span, read, tool_result_content, mcp_keys=mcp_keys)


def record_result_content(
    span: GenAISpan[Any], result: Any, convert: Callable[[Any], Any], *, mcp_keys: bool
) -> None:
    """A tool's result as ``gen_ai.tool.call.result`` behind the output gate (and, with
    ``mcp_keys``, as the deprecated ``mcp.tool.result.content`` too)."""
    text = span._set_content(
        keys.TOOL_CALL_RESULT, "tool.result", result, convert, output=True, structured=False
    )
    if mcp_keys:
        span._set(keys.MCP_TOOL_RESULT_CONTENT, text)


def execute_tool(
    name: str,
    *,
    arguments: Any = None,
    description: Optional[str] = None,
    call_id: Optional[str] = None,
    mcp_server: Optional[str] = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> ToolSpan:
    """A tool call span, ``gen_ai.execute_tool``, as ``with``, ``async with`` or a decorator.

    As a decorator, each call is one tool call: its arguments (by parameter name) and
    its return value (or what a generator yielded) are recorded behind the content gate.
    ``mcp_server`` (the server's name) marks a call to an MCP server's tool: the span
    gets ``mcp.server.name`` and ``mcp.method.name``, and ``set_result`` reads the
    ``CallToolResult``. Pass ``mcp_meta`` as the request's ``_meta`` to continue the
    trace on the server. A name not known (``None`` or empty) is left out: the span is
    named ``execute_tool``.
    """
    return ToolSpan(
        ToolConfig(
            known_name(name) or "",
            arguments,
            optional_str(description),
            optional_str(call_id),
            optional_str(mcp_server),
        ),
        options(record_inputs, record_outputs, redact, capture_errors),
    )


def tool(
    func: Union[F, str, None] = None,
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> Any:
    """Decorate a tool function (sync, async, generator or async generator): an
    ``execute_tool`` span per call, named after the function and described by its
    docstring unless ``name`` / ``description`` are given.

    The same as ``@execute_tool(name, description=...)``: the call's arguments and its
    return value are recorded behind the content gate. Use as ``@tool``,
    ``@tool("lookup")`` or ``@tool(name=...)`` (a string in the function's place is the
    name); anything else that is not a function raises ``TypeError`` when decorating.
    The decorated function keeps its signature;
    ``tool_definition`` gives its JSON schema for ``tools=``.
    """

    func, name = decorator_arguments("tool", func, name)

    def wrap(function: F) -> F:
        decoratable("tool", function)
        named = function_of(function)
        span = execute_tool(
            optional_str(name) or callable_name(named),
            description=description if description is not None else docstring_summary(named),
            record_inputs=record_inputs,
            record_outputs=record_outputs,
            redact=redact,
            capture_errors=capture_errors,
        )
        return span(function)

    return wrap(func) if func is not None else wrap


__all__ = [
    "ToolConfig",
    "ToolSpan",
    "execute_tool",
    "record_result_content",
    "record_tool_result",
    "tool",
]
