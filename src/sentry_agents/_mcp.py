"""MCP spans for servers on any framework: ``mcp.server`` (one per request, named as
Sentry names it), ``mcp.notification.*``, and the trace context for a request's ``_meta``.

These are not gen_ai spans: they carry no ``gen_ai.operation.name`` (Sentry would count
them as AI spans), nor agent or conversation attributes. A server span continues the
client's trace from ``_meta`` when no transaction or segment is active, and nests under
the active one (an HTTP request's) otherwise. Where sentry-sdk's MCP integration already
made the span of the same request, a server span records on it instead of making a
second one.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, NamedTuple, Optional

from . import _keys as keys
from . import _mcp_data as shape
from . import _sdk
from ._config import UNSET, Options, Redactor, options
from ._decorate import Call
from ._guard import guard, logger
from ._jsonable import instance_of, json_arguments, jsonable, known_name, optional_str, safe_str
from ._merge import content_value
from ._privacy import scrubber_for
from ._sdk import AttributeValue
from ._sdk.integrations import MCP_ORIGIN
from ._span import GenAISpan
from ._tool import record_result_content, record_tool_result

DIRECTIONS = {
    "client_to_server": keys.OP_MCP_NOTIFICATION_CLIENT_TO_SERVER,
    "server_to_client": keys.OP_MCP_NOTIFICATION_SERVER_TO_CLIENT,
}
"""Notification directions and their ops."""


class MCPServerConfig(NamedTuple):
    method: str
    target: Optional[str] = None
    request_id: Optional[str] = None
    session_id: Optional[str] = None
    transport: Optional[str] = None
    network_transport: Optional[str] = None
    protocol_version: Optional[str] = None
    client: Any = None
    server: Any = None
    arguments: Any = None
    meta: Any = None


class _MCPSpan(GenAISpan[Any]):
    """What MCP spans share: op as given (not ``gen_ai.*``), no gen_ai common
    attributes, and a new root continuing the trace in ``_meta`` when there is none."""

    __slots__ = ()

    def _op(self) -> str:
        return self.operation

    def _common_start_attributes(self) -> dict[str, AttributeValue]:
        return {}

    def _start_native(self) -> Optional[_sdk.NativeSpan]:
        return _sdk.start_span(
            self._op(), self._bounded_name(), self._attributes_at_start, self._incoming_trace()
        )

    def _incoming_trace(self) -> dict[str, str]:
        """The trace ``meta`` continues; empty when it has none or cannot be read (logged):
        a new root then starts a trace of its own, as a request without trace context
        does, and a span inside an active one nests there."""
        with guard:
            return shape.incoming_trace(self._config.meta) or {}
        return {}

    def _transport_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        config = self._config
        attributes[keys.JSONRPC_PROTOCOL_VERSION] = shape.JSONRPC_VERSION
        if config.session_id is not None:
            attributes[keys.MCP_SESSION_ID] = config.session_id
        if config.transport is not None:
            attributes[keys.MCP_TRANSPORT] = config.transport
        network = config.network_transport or shape.network_transport(config.transport)
        if network is not None:
            attributes[keys.NETWORK_TRANSPORT] = network


class MCPServerSpan(_MCPSpan):
    """One request an MCP server handles: ``mcp.server``, named ``{method} {target}``.

    Arguments and results are content (behind the gate, scrubbed as tool arguments and
    results); names, ids, transports, counts and ``isError`` are always sent.
    """

    __slots__ = ("_arguments_set", "_shown")

    def __init__(self, config: MCPServerConfig, options: Options) -> None:
        super().__init__(keys.OP_MCP_SERVER, config, options)
        self._shown: Optional[tuple[Optional[str]]] = None
        self._arguments_set = False
        """Whether ``set_arguments`` recorded (or dropped) the arguments: sentry-sdk's MCP
        integration's own then stay off this span."""

    def _name(self) -> str:
        return shape.span_name(self._config.method, self._target()) or self.operation

    def _target(self) -> Optional[str]:
        """The target as sent: a resource URI without its credentials (worked out once,
        for the name, the attributes and a joined span alike)."""
        if self._shown is None:
            config = self._config
            scrubber = scrubber_for(self._settings.scrub_keys)
            self._shown = (shape.shown_target(config.method, config.target, scrubber),)
        return self._shown[0]

    def _start_native(self) -> Optional[_sdk.NativeSpan]:
        joined = _sdk.join_current(keys.OP_MCP_SERVER, MCP_ORIGIN)
        if joined is None:
            return super()._start_native()
        if joined.recording:
            if self._target() != self._config.target:  # the integration named it raw
                joined.rename(self._bounded_name())
            attributes = self._attributes_at_start()
            if self._config.request_id is None:
                theirs = shape.request_id(joined.attributes().get(keys.MCP_REQUEST_ID))
                if theirs is not None:
                    attributes[keys.JSONRPC_REQUEST_ID] = attributes[keys.MCP_REQUEST_ID] = theirs
            joined.set_many(attributes)
        return joined

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        config = self._config
        if config.method:
            attributes[keys.MCP_METHOD_NAME] = config.method
        attributes.update(shape.target_attributes(config.method, self._target()))
        if config.request_id is not None:
            attributes[keys.JSONRPC_REQUEST_ID] = config.request_id
            attributes[keys.MCP_REQUEST_ID] = config.request_id
        self._transport_attributes(attributes)
        version = config.protocol_version or shape.protocol_version(config.client, config.server)
        if version is not None:
            attributes[keys.MCP_PROTOCOL_VERSION] = version
        attributes.update(shape.implementation(config.client, "client"))
        attributes.update(shape.implementation(config.server, "server"))

    def _record_start_content(self) -> None:
        if self._config.arguments is not None:
            self.set_arguments(self._config.arguments)
        else:
            self._clean_joined_arguments()

    def _clean_joined_arguments(self) -> None:
        """The arguments sentry-sdk's MCP integration recorded on the span we joined,
        kept as ours would record them: each judged by its name and scrubbed (or none,
        with a redaction hook, which cannot be shown them), as the arguments taken from
        an integration's span are (``_merge``)."""
        native = self._native
        if native is None or not native.joined:
            return
        settings = self._settings
        current = native.attributes()
        for key in self._argument_keys():
            if not key.startswith(_ARGUMENT_PREFIXES[0]):
                continue  # their count
            value = current.get(key)
            cleaned = content_value(
                key,
                value,
                inputs_ok=True,
                outputs_ok=self._outputs_ok,
                budget=self._budget(),
                scrubber=scrubber_for(settings.scrub_keys),
                hooked=settings.redact is not None,
            )
            if cleaned is None:
                self._remove(key)
            elif cleaned != value:
                self._set(key, cleaned)

    def _withhold_start_content(self) -> None:
        # sentry-sdk's MCP integration records a request's arguments whatever
        # ``send_default_pii`` says; on a span that is ours too, our input gate decides.
        self._remove_arguments()

    def set_arguments(self, arguments: Any) -> None:
        """The request's arguments (a dict, or its JSON), as ``mcp.request.argument.<key>``
        each, behind the input gate and scrubbed like tool arguments: the first
        ``MAX_ARGUMENTS`` (64), with ``sentry_agents.mcp.request.argument_count`` when
        some are left out (see ``argument_attributes``). Called again, the new arguments
        replace the earlier ones wholly (none of them, when the redaction hook drops the
        new ones or they are no object), and so they replace those sentry-sdk's MCP
        integration recorded on the span of the same request, joined or merged."""
        if not self._inputs_ok:
            return
        with guard:
            content = self._content(
                keys.MCP_REQUEST_ARGUMENT, "tool.arguments", arguments, json_arguments
            )
            if content is not None and not isinstance(content[0], dict):
                logger.debug("sentry_agents: MCP arguments that are not an object skipped")
                content = None
            attributes: shape.Attributes = {}
            if content is not None:
                arguments = content[0]
                if self._config.method in shape.RESOURCE_METHODS:
                    scrubber = scrubber_for(self._settings.scrub_keys)
                    arguments = shape.argument_uri_filtered(arguments, scrubber)
                attributes = shape.argument_attributes(arguments, self._budget())
            self._arguments_set = True
            self._remove_arguments(keep=attributes)
            for key, value in attributes.items():
                self._set(key, value)

    def _remove_arguments(self, keep: Collection[str] = ()) -> None:
        """Takes the request's arguments off the span (ours, or sentry-sdk's MCP
        integration's on a span joined or merged), except the keys in ``keep``."""
        native = self._native
        if native is None or not native.recording:
            return
        for key in self._argument_keys():
            if key not in keep:
                self._remove(key)

    def _argument_keys(self) -> list[str]:
        """The keys of the request's arguments on the span (ours, or the integration's)."""
        native = self._native
        if native is None:
            return []
        return [key for key in native.attributes() if key.startswith(_ARGUMENT_PREFIXES)]

    def set_result(self, result: Any) -> None:
        """What the handler returned, read by shape (no ``mcp`` import needed).

        - ``CallToolResult`` (or its dict): content as ``gen_ai.tool.call.result`` and the
          deprecated ``mcp.tool.result.content`` (output gate), ``content_count``; with
          ``isError`` the span fails with ``error.type = "tool_error"``, no error event.
        - ``GetPromptResult``: message count; its description and, for one message, its
          role and content (output gate).
        - ``InitializeResult``: the server's name, title, version and protocol version.
        - anything else returned by a ``tools/call`` handler: recorded as a tool result.
        """
        with guard:
            method = self._config.method
            if shape.is_call_tool_result(result, by_shape=True):
                record_tool_result(self, result, mcp_keys=True)
            elif shape.is_prompt_result(result):
                self._record_prompt(result)
            elif shape.is_initialize_result(result):
                for key, value in shape.implementation(result, "server").items():
                    self._set(key, value)
                if not self._config.protocol_version:
                    self._set(keys.MCP_PROTOCOL_VERSION, shape.protocol_version(result))
            elif method == "tools/call" and result is not None:
                record_result_content(self, result, jsonable, mcp_keys=True)

    def set_error(self, code: Any) -> None:
        """The request was answered with a JSON-RPC error: the span fails with
        ``error.type`` = the error code (as OpenTelemetry's MCP conventions have it),
        without an error event. ``None`` (no error code: no error) records nothing, as
        ``None`` does everywhere here; an empty code fails it with ``_OTHER``, as those
        conventions name an error of no known type. A handler exception needs no call: it
        fails the span and is reported once."""
        if code is None:
            return
        with guard:
            self._mark_failed(safe_str(code) or "_OTHER")

    def _fail(
        self, native: _sdk.NativeSpan, error: BaseException, inside: Optional[list[BaseException]]
    ) -> bool:
        """An exception that answers the request with a JSON-RPC error (the ``mcp`` SDK's
        ``MCPError``) fails the span with ``error.type`` = its code, as ``set_error`` does;
        one for a request at fault (unknown method, invalid params) is the client's
        mistake and sends no error event, any other is reported as exceptions are."""
        code = shape.error_code(error) if isinstance(error, Exception) else None
        if code is None:
            return super()._fail(native, error, inside)
        if code in shape.REQUEST_AT_FAULT:
            self._mark_failed(str(code))
            return False
        report = super()._fail(native, error, inside)
        self._set(keys.ERROR_TYPE, str(code))
        return report

    def _record_prompt(self, result: Any) -> None:
        prompt = shape.prompt_result(result)
        self._set(keys.MCP_PROMPT_RESULT_MESSAGE_COUNT, prompt.message_count)
        if not self._outputs_ok:
            return
        if prompt.description is not None:
            self._set_content(
                keys.MCP_PROMPT_RESULT_DESCRIPTION,
                "tool.result",
                prompt.description,
                safe_str,
                output=True,
                structured=False,
            )
        if prompt.message_count == 1:
            self._set(keys.MCP_PROMPT_RESULT_MESSAGE_ROLE, prompt.role)
            if prompt.content is not None:
                self._set_content(
                    keys.MCP_PROMPT_RESULT_MESSAGE_CONTENT,
                    "tool.result",
                    prompt.content,
                    shape.prompt_content,
                    output=True,
                    structured=False,
                )

    @property
    def _absorbed_ops(self) -> frozenset[str]:
        return _MCP_SERVER_OPS

    @property
    def _decided(self) -> tuple[str, ...]:
        return _ARGUMENT_PREFIXES if self._arguments_set else ()

    def _record_call(self, call: Call) -> None:
        """A decorated ``tools/call`` or ``prompts/get`` handler's arguments are the
        request's, those holding data, by name: unless ``arguments=`` gave them, or
        sentry-sdk's MCP integration recorded the request's own on a span we joined."""
        if self._config.arguments is not None or self._config.method not in _ARGUMENT_METHODS:
            return
        if self._argument_keys():
            return
        arguments = call.data_arguments()
        if arguments:
            self.set_arguments(arguments)

    def _record_return(self, value: Any) -> None:
        self.set_result(value)

    @property
    def _wants_return(self) -> bool:
        return True


_MCP_SERVER_OPS = frozenset({keys.OP_MCP_SERVER})

_ARGUMENT_METHODS = frozenset({"tools/call", "prompts/get"})
"""The methods whose request holds arguments, which a decorated handler is called with."""

_ARGUMENT_PREFIXES = (keys.mcp_argument(""), keys.MCP_REQUEST_ARGUMENT_COUNT)
"""The keys of a request's arguments (each one's, and their count)."""


class MCPNotificationConfig(NamedTuple):
    method: str
    direction: str
    params: Any = None
    session_id: Optional[str] = None
    transport: Optional[str] = None
    network_transport: Optional[str] = None
    meta: Any = None


class MCPNotificationSpan(_MCPSpan):
    """One MCP notification: ``mcp.notification.{direction}``, named by its method, with
    what its params say (progress, cancellation, logging; the log data is content)."""

    __slots__ = ()

    def __init__(self, config: MCPNotificationConfig, options: Options) -> None:
        super().__init__(DIRECTIONS[config.direction], config, options)

    def _name(self) -> str:
        return self._config.method or self.operation

    def _start_attributes(self, attributes: dict[str, AttributeValue]) -> None:
        config = self._config
        if config.method:
            attributes[keys.MCP_METHOD_NAME] = config.method
        self._transport_attributes(attributes)
        attributes.update(shape.notification_attributes(config.method, config.params))

    def _record_start_content(self) -> None:
        data = shape.logging_data(self._config.method, self._config.params)
        if data is not None:
            self._set_content(
                keys.MCP_LOGGING_MESSAGE,
                "mcp.notification",
                data,
                jsonable,
                output=False,
                structured=False,
            )


def mcp_server(
    method: str,
    target: Optional[str] = None,
    *,
    request_id: Any = None,
    session_id: Optional[str] = None,
    transport: Optional[str] = None,
    network_transport: Optional[str] = None,
    protocol_version: Optional[str] = None,
    client: Any = None,
    server: Any = None,
    arguments: Any = None,
    meta: Any = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> MCPServerSpan:
    """A span for one request an MCP server handles, ``mcp.server``, as ``with``,
    ``async with`` or a decorator (the handler's return value is its result).

    - ``method``: the JSON-RPC method (``tools/call``, ``initialize``, ``tools/list``, ...);
      ``target``: the tool or prompt name, or the resource URI, of ``tools/call``,
      ``prompts/get`` and ``resources/read|subscribe|unsubscribe``. The span is named
      ``{method} {target}`` for those, ``{method}`` otherwise.
    - ``request_id``: the JSON-RPC id; ``session_id``; ``transport`` (``stdio``, ``http``,
      ``sse``, or your transport's name) and ``network_transport`` (``pipe``/``tcp``,
      derived from ``transport`` when it is stdio or HTTP-based); ``protocol_version``.
    - ``client`` / ``server``: the ``clientInfo`` / ``serverInfo`` of the ``initialize``
      exchange (or the initialize params / result holding them), as dicts or objects.
    - ``arguments``: the request's arguments, behind the input gate: the first 64, names
      over 128 characters cut and ended with a hash of the whole name;
      ``sentry_agents.mcp.request.argument_count`` says how many there were when some
      are left out.
    - ``meta``: the request's ``_meta``. With no transaction or segment active, the span
      continues the client's trace from its ``sentry-trace`` and ``baggage`` (or a W3C
      ``traceparent`` alone); inside one (an HTTP request's) it nests there.
    """
    return MCPServerSpan(
        MCPServerConfig(
            known_name(method) or "",
            optional_str(target),
            shape.request_id(request_id),
            optional_str(session_id),
            optional_str(transport),
            optional_str(network_transport),
            optional_str(protocol_version),
            client,
            server,
            arguments,
            meta,
        ),
        options(record_inputs, record_outputs, redact, capture_errors),
    )


def mcp_notification(
    method: str,
    direction: str,
    *,
    params: Any = None,
    session_id: Optional[str] = None,
    transport: Optional[str] = None,
    network_transport: Optional[str] = None,
    meta: Any = None,
    record_inputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> MCPNotificationSpan:
    """A span for one MCP notification, ``mcp.notification.client_to_server`` or
    ``mcp.notification.server_to_client`` (``direction``), named by its ``method``.

    ``params`` (a dict or object) give the attributes of ``notifications/progress``
    (token, current, total, percentage, message), ``notifications/cancelled`` (request
    id, reason), ``notifications/message`` (level, logger, data type; the data itself
    behind the input gate) and ``notifications/initialized``. ``meta`` continues a trace
    as for ``mcp_server``.
    """
    direction = safe_str(direction)
    if direction not in DIRECTIONS:
        logger.warning(
            "sentry_agents: mcp_notification direction %r is not one of %s; client_to_server used",
            direction,
            sorted(DIRECTIONS),
        )
        direction = "client_to_server"
    return MCPNotificationSpan(
        MCPNotificationConfig(
            known_name(method) or "",
            direction,
            params,
            optional_str(session_id),
            optional_str(transport),
            optional_str(network_transport),
            meta,
        ),
        options(record_inputs, None, redact, capture_errors),
    )


def mcp_meta(meta: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """The ``_meta`` of an MCP request with the current trace context merged in: a copy
    of ``meta`` plus ``sentry-trace``, ``baggage`` and W3C ``traceparent``, each only
    where ``meta`` does not already have it. Unchanged (a copy) when sentry-sdk is not
    initialised; the trace context alone, logged, when ``meta`` cannot be read.

    Call it inside the ``execute_tool`` span of the call, so the server's span becomes
    that span's child.
    """
    if meta is not None and not instance_of(meta, Mapping):
        logger.warning("sentry_agents: mcp_meta takes a mapping, not %s", type(meta).__name__)
        meta = None
    try:
        sentry_trace, baggage = _sdk.outgoing_trace()
    except Exception as exc:
        logger.warning("sentry_agents: no trace context for _meta: %r", exc)
        sentry_trace = baggage = None
    try:
        return shape.merged_meta(meta, sentry_trace, baggage)
    except Exception as exc:  # a mapping that cannot be read: the trace context alone
        logger.warning("sentry_agents: mcp_meta could not copy the _meta given: %r", exc)
        return shape.merged_meta(None, sentry_trace, baggage)


__all__ = [
    "DIRECTIONS",
    "MCPNotificationConfig",
    "MCPNotificationSpan",
    "MCPServerConfig",
    "MCPServerSpan",
    "mcp_meta",
    "mcp_notification",
    "mcp_server",
]
