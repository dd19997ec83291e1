"""A ``traces_sampler`` for sentry-sdk that keeps agent runs, following Sentry's guide to
sampling AI traces.

Pure functions, no sentry-sdk import: the sampler reads the ``sampling_context`` dict
sentry-sdk passes it. Sampling is decided once, at the root of a trace, and everything
below inherits it, so a 10% rate would lose nine agent runs (and their failures) in ten.
The helpers of this library put ``gen_ai.operation.name`` and ``gen_ai.agent.name`` on a
root before sentry-sdk samples it, in transaction mode and in span-streaming mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Callable, Optional, Union

from . import _keys as keys
from ._jsonable import field, finite_number, instance_of, shown

Sampler = Callable[[dict[str, Any]], float]


def traces_sampler(
    default: float = 0.2,
    agents: float = 1.0,
    *,
    per_agent: Optional[Mapping[str, float]] = None,
    routes: Union[str, Iterable[str], None] = (),
    ops: Union[str, Iterable[str], None] = (),
) -> Sampler:
    """A ``traces_sampler`` for ``sentry_sdk.init``: AI work kept at its own rate.

    - A root that is AI work (it has ``gen_ai.operation.name``: an agent run, or a model
      call with no agent around it) is kept at ``agents``, or at ``per_agent[name]`` for
      an agent named there; always when its caller's trace is sampled.
    - Any other root that continues a trace follows its parent's decision.
    - An MCP server's request (an ``mcp.server`` root, from ``mcp_server(...)`` or
      sentry-sdk's MCPIntegration) is kept at ``agents``: a model's tool calls.
    - An ``http.server`` root whose name or request path contains one of ``routes``
      (``"/api/chat"``) is kept at ``agents``: agents that run inside a web request start
      no root of their own. The path is the one sentry-sdk's web framework integrations
      pass (a WSGI app's root, Flask's or Django's, is still unnamed when sampled); a
      WSGI app's is its URL's, the prefix it is mounted under included.
    - A root whose op starts with one of ``ops`` (``"queue.task"``: a queue worker's
      task, Celery's, RQ's, ARQ's...) is kept at ``agents``, for agents run by a worker.
    - Everything else: ``default``.

    Rates are numbers from 0 to 1, ``per_agent`` a mapping of agent names to rates,
    ``routes`` and ``ops`` each one text or an iterable of them (non-empty); ``None`` for
    any of those means none. Anything else raises ``ValueError`` here, at configuration. The sampler
    itself never raises (sentry-sdk would drop the trace): on a context it cannot read
    it returns ``default``.
    """
    default_rate = _rate("default", default)
    agents_rate = _rate("agents", agents)
    named = _named_rates(per_agent)
    route_parts = _texts(routes, "routes", "a route ('/api/chat') or a list of routes")
    op_prefixes = _texts(ops, "ops", "an op ('queue.task') or a list of ops")

    def sampler(sampling_context: dict[str, Any]) -> float:
        """sentry_agents' traces_sampler: agent runs kept at their own rate."""
        try:
            return _decide(
                sampling_context, default_rate, agents_rate, named, route_parts, op_prefixes
            )
        except Exception:
            return default_rate

    return sampler


def _decide(
    context: Mapping[str, Any],
    default: float,
    agents: float,
    named: Mapping[str, float],
    routes: tuple[str, ...],
    ops: tuple[str, ...],
) -> float:
    transaction = context.get("transaction_context") or {}
    data = transaction.get("data") or {}
    parent = context.get("parent_sampled")
    op = transaction.get("op") or data.get(keys.SENTRY_OP) or ""
    if data.get(keys.OPERATION_NAME) or (isinstance(op, str) and op.startswith(keys.OP_PREFIX)):
        if parent is True:
            return 1.0
        name = data.get(keys.AGENT_NAME)
        return named.get(name, agents) if isinstance(name, str) else agents
    if parent is not None:
        return 1.0 if parent else 0.0
    if op == keys.OP_MCP_SERVER:
        return agents
    if routes and op == "http.server":
        name = transaction.get("name") or transaction.get("description") or ""
        for text in (name, _request_path(context)):
            if isinstance(text, str) and any(route in text for route in routes):
                return agents
    if ops and isinstance(op, str) and op.startswith(ops):
        return agents
    return default


def _request_path(context: Mapping[str, Any]) -> Any:
    """The path of the request a web framework integration of sentry-sdk passes beside
    the root: a WSGI app's (Flask, Django: its root is still named ``generic WSGI
    request`` when sampled), an ASGI app's, or an aiohttp, Tornado or Sanic request's."""
    environ = context.get("wsgi_environ")
    if environ is not None:
        return _wsgi_path(environ)
    scope = context.get("asgi_scope")
    if scope is not None:
        return field(scope, "path")
    for key in ("aiohttp_request", "tornado_request", "sanic_request"):
        request = context.get(key)
        if request is not None:
            return field(request, "path")
    return None


def _wsgi_path(environ: Any) -> Any:
    """A WSGI request's path as its URL shows it: ``SCRIPT_NAME`` (where the app is
    mounted, ``/api``) then ``PATH_INFO`` (``/chat``), one slash between them as
    sentry-sdk's request URL joins them (a server may give ``/api/`` or ``/``).
    ``PATH_INFO`` stays whole at its end, so a route that matched it alone still
    matches."""
    path = _wsgi_text(field(environ, "PATH_INFO"))
    script = _wsgi_text(field(environ, "SCRIPT_NAME"))
    if type(script) is not str or not script:
        return path
    if type(path) is not str:
        return script
    return script.rstrip("/") + (path if path.startswith("/") else "/" + path)


def _wsgi_text(path: Any) -> Any:
    """A WSGI path as the text it was sent as: WSGI gives it as its bytes read as
    Latin-1, a character each (PEP 3333), so a route of other than ASCII text would never
    match; one that is not UTF-8, or not so given, as it is."""
    if type(path) is not str or path.isascii():
        return path
    try:
        return path.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return path


def _named_rates(per_agent: Any) -> dict[str, float]:
    """``per_agent`` checked: agent names (text) to rates."""
    if per_agent is None:
        return {}
    if not instance_of(per_agent, Mapping):
        raise ValueError(
            "traces_sampler: per_agent must be a mapping of agent names to rates "
            f"({{'Batch Agent': 0.05}}), not a {type(per_agent).__name__}"
        )
    named: dict[str, float] = {}
    for name, rate in per_agent.items():
        if not instance_of(name, str):
            raise ValueError(
                f"traces_sampler: per_agent's keys must be agent names (text), not {shown(name)}"
            )
        named[name] = _rate(f"per_agent[{shown(name)}]", rate)
    return named


def _texts(given: Any, name: str, expected: str) -> tuple[str, ...]:
    """``routes`` or ``ops`` checked: non-empty text, each (one text, or any iterable of
    them); ``expected`` says what in the error."""
    if given is None:
        return ()
    if instance_of(given, str):
        given = (given,)
    try:
        items = iter(given)
    except TypeError:
        items = None
    if items is None or instance_of(given, (bytes, bytearray)):
        raise ValueError(f"traces_sampler: {name} must be {expected}, not a {type(given).__name__}")
    parts = tuple(items)
    for text in parts:
        if not instance_of(text, str):
            raise ValueError(f"traces_sampler: {name} must be text, not {shown(text)}")
        if not text:
            raise ValueError(f"traces_sampler: an empty entry of {name} would match every root")
    return parts


def _rate(name: str, value: Any) -> float:
    if type(value) is bool or not instance_of(value, (int, float)):
        raise ValueError(f"traces_sampler: {name} must be a number from 0 to 1, not {shown(value)}")
    rate = finite_number(value)
    if rate is None or not 0.0 <= rate <= 1.0:
        raise ValueError(f"traces_sampler: {name} must be from 0 to 1, not {shown(value)}")
    return rate


__all__ = ["Sampler", "traces_sampler"]
