"""Reading what sentry-sdk sends: envelopes to one flat list of spans, whatever the mode.

Transactions (2.x default mode), span items (2.x stream mode, 3.x, and gen_ai spans
that sentry-sdk cuts out of transactions) all become ``SpanRecord``. Used by the
terminal view, the pytest plugin and the test suite, so what they show is what
sentry-sdk really sends.
"""

from __future__ import annotations

import importlib
import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from sentry_sdk.envelope import Envelope
from sentry_sdk.utils import logger

from . import _keys as keys

MAX_ENVELOPE_BYTES = 100 * 1024 * 1024
"""Largest envelope accepted after decompression (a compressed body is inflated in
steps, so a small body that would inflate to gigabytes stops here)."""


class TooLarge(ValueError):
    """A body or envelope over its byte limit."""


class UnsupportedEncoding(ValueError):
    """A ``Content-Encoding`` other than gzip, deflate, brotli (read with the ``brotli``
    package, 1.2 or later, when installed) or none."""


def decode_body(body: bytes, encoding: Optional[str], limit: int = MAX_ENVELOPE_BYTES) -> bytes:
    """The envelope bytes of a request body: gzip, deflate or brotli inflated (gzip also
    when only its magic bytes say so), at most ``limit`` bytes, else ``TooLarge``."""
    name = (encoding or "").strip().lower()
    if name in ("gzip", "x-gzip") or (name in ("", "identity") and body[:2] == b"\x1f\x8b"):
        data = _inflate(body, 16 + zlib.MAX_WBITS, limit)
    elif name == "deflate":
        zlib_header = len(body) >= 2 and body[0] & 0x0F == 8 and (body[0] << 8 | body[1]) % 31 == 0
        data = _inflate(body, zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS, limit)
    elif name == "br":
        data = _unbrotli(body, limit)
    elif name in ("", "identity"):
        data = body
    else:
        raise UnsupportedEncoding(f"Content-Encoding {name[:40]!r} is not supported")
    if len(data) > limit:
        raise TooLarge(f"envelope over {limit} bytes")
    return data


_STEP = 1024 * 1024


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    """zlib-inflates ``body`` (every gzip member of it) without ever holding more than
    ``limit`` + 1 bytes of output."""
    out = bytearray()
    pending = body
    while pending:
        inflater = zlib.decompressobj(wbits)
        while pending and not inflater.eof:
            out += inflater.decompress(pending, min(_STEP, limit + 1 - len(out)))
            if len(out) > limit:
                raise TooLarge(f"envelope over {limit} bytes once decompressed")
            pending = inflater.unconsumed_tail
        if not inflater.eof:
            raise ValueError("compressed body is truncated")
        pending = inflater.unused_data
    return bytes(out)


def _unbrotli(body: bytes, limit: int) -> bytes:
    """Brotli-decompresses ``body`` in steps, without ever holding more than ``limit`` and
    a step of output. sentry-sdk compresses with brotli when the ``brotli`` package is
    installed; only brotli 1.2 or later can bound its output (``output_buffer_limit``),
    so an older one is refused as no brotli at all."""
    try:
        brotli: Any = importlib.import_module("brotli")
        decompressor = brotli.Decompressor()
        bounded = hasattr(decompressor, "can_accept_more_data")
    except Exception:  # not installed, or broken: as not installed
        bounded = False
    if not bounded:
        raise UnsupportedEncoding("Content-Encoding 'br' needs the brotli package, 1.2 or later")
    out = bytearray()
    pending = body
    try:
        while True:
            step = decompressor.process(pending, output_buffer_limit=_STEP)
            out += step
            if len(out) > limit:
                raise TooLarge(f"envelope over {limit} bytes once decompressed")
            if decompressor.is_finished():
                return bytes(out)
            if decompressor.can_accept_more_data() or not (step or pending):
                raise ValueError("compressed body is truncated")  # all read, more wanted
            pending = b""
    except brotli.error as exc:
        raise ValueError(f"brotli body does not decompress: {exc}") from None


@dataclass
class SpanRecord:
    """One span as it went over the wire, with attributes as plain values."""

    trace_id: str
    span_id: str
    parent_span_id: Optional[str]
    op: Optional[str]
    name: str
    status: str
    start: float
    end: float
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    def json_attribute(self, key: str) -> Any:
        """A JSON attribute parsed (``None`` when absent)."""
        value = self.attributes.get(key)
        return json.loads(value) if isinstance(value, str) else value

    def is_error(self) -> bool:
        return self.status not in ("ok", "")


@dataclass
class Capture:
    """Everything decoded from a series of envelopes."""

    spans: list[SpanRecord] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def add_envelope(self, envelope: Envelope) -> None:
        """Adds the spans and events of one envelope. Only the items read (transactions,
        spans, events) are decoded, never an attachment; an item whose payload is not
        JSON that can be read is skipped and logged, never raised (a transport's
        ``capture_envelope`` runs inside the app's own sentry-sdk calls)."""
        for item in envelope.items:
            if item.type not in _READ_ITEMS:
                continue
            payload = item.payload.json
            if payload is None and item.payload.bytes:
                try:
                    payload = json.loads(item.payload.bytes)
                except (ValueError, RecursionError) as error:
                    logger.warning(
                        "sentry_agents: a %s item whose payload is not JSON was skipped: %s",
                        item.type,
                        type(error).__name__,
                    )
                    continue
            if item.type == "transaction" and isinstance(payload, dict):
                self.spans.extend(spans_from_transaction(payload))
            elif item.type == "span" and isinstance(payload, dict):
                for span in payload.get("items", []):
                    self.spans.append(span_from_v2(span))
            elif item.type == "event" and isinstance(payload, dict):
                self.events.append(payload)

    def add_body(
        self, body: bytes, encoding: Optional[str] = None, limit: int = MAX_ENVELOPE_BYTES
    ) -> None:
        """Adds one request body (see ``decode_body``)."""
        self.add_envelope(Envelope.deserialize(decode_body(body, encoding, limit)))


_READ_ITEMS = frozenset({"transaction", "span", "event"})


def _ts(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0


def spans_from_transaction(event: dict[str, Any]) -> list[SpanRecord]:
    trace = event.get("contexts", {}).get("trace", {})
    root = SpanRecord(
        trace_id=trace.get("trace_id", ""),
        span_id=trace.get("span_id", ""),
        parent_span_id=trace.get("parent_span_id"),
        op=trace.get("op"),
        name=event.get("transaction", ""),
        status=trace.get("status", "ok") or "ok",
        start=_ts(event.get("start_timestamp")),
        end=_ts(event.get("timestamp")),
        attributes=dict(trace.get("data") or {}),
    )
    out = [root]
    for span in event.get("spans", []):
        out.append(
            SpanRecord(
                trace_id=span.get("trace_id", root.trace_id),
                span_id=span.get("span_id", ""),
                parent_span_id=span.get("parent_span_id"),
                op=span.get("op"),
                name=span.get("description") or "",
                status=span.get("status") or (span.get("tags") or {}).get("status") or "ok",
                start=_ts(span.get("start_timestamp")),
                end=_ts(span.get("timestamp")),
                attributes=dict(span.get("data") or {}),
            )
        )
    return out


def span_from_v2(span: dict[str, Any]) -> SpanRecord:
    attributes = {
        key: typed.get("value") if isinstance(typed, dict) else typed
        for key, typed in (span.get("attributes") or {}).items()
    }
    return SpanRecord(
        trace_id=span.get("trace_id", ""),
        span_id=span.get("span_id", ""),
        parent_span_id=span.get("parent_span_id"),
        op=attributes.get(keys.SENTRY_OP),
        name=span.get("name", ""),
        status=span.get("status", "ok") or "ok",
        start=_ts(span.get("start_timestamp")),
        end=_ts(span.get("end_timestamp")),
        attributes=attributes,
    )


__all__ = [
    "MAX_ENVELOPE_BYTES",
    "Capture",
    "SpanRecord",
    "TooLarge",
    "UnsupportedEncoding",
    "decode_body",
    "span_from_v2",
    "spans_from_transaction",
]
