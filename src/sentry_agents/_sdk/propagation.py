"""Continuing a trace from, and passing it on through, an MCP request's ``_meta``, with
sentry-sdk's public API on every supported version (2.12 to 3.x).

sentry-sdk continues traces from ``sentry-trace`` and ``baggage`` only, and its
``continue_trace`` also sets the propagation context of the scopes it runs in. Here it
runs in forked scopes, so continuing one request's trace never leaks into the next
request or the host application.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import sentry_sdk
import sentry_sdk.scope


def continued_transaction(op: str, name: str, incoming: Mapping[str, str]) -> Any:
    """A transaction (transaction mode, not started yet) in the trace ``incoming``
    carries."""
    with sentry_sdk.scope.isolation_scope():
        return sentry_sdk.continue_trace(dict(incoming), op=op, name=name)


def continued_segment(name: str, attributes: dict[str, Any], incoming: Mapping[str, str]) -> Any:
    """A started segment (streaming mode), not made current, in the trace ``incoming``
    carries; in a new trace when ``incoming`` is empty (sentry-sdk's ``continue_trace``
    would keep the scope's)."""
    from sentry_sdk import traces  # only reached in streaming mode, which has it

    with sentry_sdk.scope.isolation_scope(), sentry_sdk.scope.new_scope():
        if incoming:
            traces.continue_trace(dict(incoming))
        else:
            traces.new_trace()
        return traces.start_span(name=name, attributes=attributes, active=False)


def outgoing() -> tuple[Optional[str], Optional[str]]:
    """(``sentry-trace``, ``baggage``) of the current span, else of the scope's
    propagation context (the caller checks that sentry-sdk is initialised)."""
    return sentry_sdk.get_traceparent(), sentry_sdk.get_baggage()


__all__ = ["continued_segment", "continued_transaction", "outgoing"]
