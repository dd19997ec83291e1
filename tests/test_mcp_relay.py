"""Relay's normalization (the ``sentry-relay`` package, Relay's own Rust code) keeps every
attribute of our MCP spans, and does not count them as AI spans.

``sentry_relay.processing.StoreNormalizer`` normalizes events only: transactions, whose
spans carry their attributes as ``data``. It has no entry point for span-streaming items
(``span`` v2 envelope items); Relay's attribute normalization for those (its EAP path) is
not exposed to Python. So transactions are normalized as sentry-sdk sent them, and in
streaming mode the streamed spans are put into a transaction of the same shape first:
the same attributes, through the same span-data normalization.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import sentry_agents
from test_mcp import CLIENT_INFO, payloads

relay = pytest.importorskip(
    "sentry_relay.processing", reason="sentry-relay 0.10 needs Python 3.10+"
)

CHECKED = ("mcp.", "gen_ai.", "jsonrpc.", "network.", "error.")


def transactions(sentry: Any) -> list[dict[str, Any]]:
    """Every transaction sent, and the streamed spans (span-streaming mode, and gen_ai
    spans sentry-sdk cuts out of transactions) put into transactions: a segment with the
    spans of its trace, or a span whose trace has no streamed segment on its own."""
    events = [payload for kind, payload in payloads(sentry) if kind == "transaction"]
    streamed = [s for kind, p in payloads(sentry) if kind == "span" for s in p.get("items", [])]
    segments = [s for s in streamed if s.get("is_segment")]
    traces = {s["trace_id"] for s in segments}
    for root in segments + [s for s in streamed if s["trace_id"] not in traces]:
        children = [
            s
            for s in streamed
            if root.get("is_segment") and s["trace_id"] == root["trace_id"] and s is not root
        ]
        events.append(
            {
                "type": "transaction",
                "event_id": uuid.uuid4().hex,
                "platform": "python",
                "transaction": root["name"],
                "start_timestamp": root["start_timestamp"],
                "timestamp": root["end_timestamp"],
                "contexts": {"trace": {**as_span(root), "data": values(root)}},
                "spans": [{**as_span(s), "description": s["name"]} for s in children],
            }
        )
    return events


def values(span: dict[str, Any]) -> dict[str, Any]:
    return {k: v.get("value") for k, v in (span.get("attributes") or {}).items()}


def as_span(span: dict[str, Any]) -> dict[str, Any]:
    """A streamed span in the shape of a transaction's span."""
    return {
        "trace_id": span["trace_id"],
        "span_id": span["span_id"],
        "parent_span_id": span.get("parent_span_id"),
        "op": values(span).get("sentry.op"),
        "start_timestamp": span["start_timestamp"],
        "timestamp": span["end_timestamp"],
        "data": values(span),
    }


def span_data(event: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(op, name, data) of the root and every span of a transaction event."""
    trace = event["contexts"]["trace"]
    rows = [(trace.get("op"), event.get("transaction"), trace.get("data") or {})]
    rows += [(s.get("op"), s.get("description"), s.get("data") or {}) for s in event["spans"]]
    return rows


def test_relay_keeps_every_mcp_attribute(sentry):
    with sentry_agents.invoke_agent("Weather Agent"):
        with sentry_agents.execute_tool("get_weather", mcp_server="weather-server") as tool:
            meta = sentry_agents.mcp_meta()
            tool.set_result({"content": [{"type": "text", "text": "Rain"}]})
    with sentry_agents.mcp_server(
        "tools/call",
        "get_weather",
        request_id=3,
        session_id="s-1",
        transport="stdio",
        protocol_version="2025-06-18",
        client=CLIENT_INFO,
        server={"name": "weather-server", "version": "1.0.0"},
        arguments={"city": "Paris", "days": 2},
        meta=meta,
    ) as span:
        span.set_result({"content": [{"type": "text", "text": "No data"}], "isError": True})
    with sentry_agents.mcp_server("prompts/get", "summarize") as span:
        span.set_result({"messages": [{"role": "user", "content": "Sum up"}], "description": "d"})
    with sentry_agents.mcp_server("resources/read", "file:///notes.txt"):
        pass
    with sentry_agents.mcp_notification(
        "notifications/progress",
        "server_to_client",
        params={"progressToken": "p", "progress": 1, "total": 3, "message": "one"},
    ):
        pass
    with sentry_agents.mcp_notification(
        "notifications/message", "server_to_client", params={"level": "info", "data": "hello"}
    ):
        pass

    normalizer = relay.StoreNormalizer(project_id=1)
    compared = 0
    ops = set()
    for event in transactions(sentry):
        normalized = normalizer.normalize_event(event)
        for (op, name, sent), (_, _, kept) in zip(span_data(event), span_data(normalized)):
            ops.add(op)
            ours = {k: v for k, v in sent.items() if k.startswith(CHECKED)}
            assert {k: kept.get(k) for k in ours} == ours, (op, name)
            compared += len(ours)
            if op.startswith("mcp."):
                assert "gen_ai.operation.type" not in kept, name  # not counted as AI
            if op == "gen_ai.execute_tool":
                assert kept["gen_ai.operation.type"] == "tool"
    assert {"mcp.server", "mcp.notification.server_to_client", "gen_ai.execute_tool"} <= ops
    assert compared > 40
