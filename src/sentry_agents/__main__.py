"""``python -m sentry_agents serve``: a local endpoint that prints agent runs as they arrive.

Point any application at it, with the DSN or sentry-sdk's Spotlight option::

    sentry_sdk.init(dsn="http://public@127.0.0.1:8969/1", traces_sample_rate=1.0)
    sentry_sdk.init(spotlight="http://127.0.0.1:8969/stream", traces_sample_rate=1.0)

It listens on 127.0.0.1 only, accepts bodies up to ``MAX_BODY_BYTES`` (envelopes up
to ``MAX_ENVELOPE_BYTES`` once decompressed), sends no CORS header and refuses
requests from web pages that are not served from this machine.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import re
import socket
import sys
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, Optional, Union
from urllib.parse import urlsplit

from ._envelopes import MAX_ENVELOPE_BYTES, Capture, TooLarge, UnsupportedEncoding
from ._render import (
    GenAiFilter,
    Pricer,
    Prices,
    genai_prices_pricer,
    printable,
    render_event,
    render_tree,
    table_pricer,
)

MAX_BODY_BYTES = 20 * 1024 * 1024
"""Largest request body accepted, as sent (compressed or not); larger ones get a 413."""
_CHUNK = 64 * 1024
_BROTLI_HINT = (
    " (sentry-sdk compresses with brotli when the brotli package is installed: install "
    "brotli 1.2 or later, or pass _experiments={'transport_compression_algo': 'gzip'} "
    "to sentry_sdk.init)"
)


def load_prices(path: Optional[str]) -> Optional[Prices]:
    """A JSON price table: ``{"model": {"input": 2.5, "output": 10, ...}}``, $ per 1M tokens
    (the format of ``sentry_agents.configure(prices=...)``), checked when loaded."""
    if path is None:
        return None
    with open(path, encoding="utf-8") as handle:
        try:
            table = json.load(handle)
        except RecursionError:
            raise ValueError("JSON nested too deep to read") from None
    if not isinstance(table, dict):
        raise ValueError("the price table must be a JSON object of models")
    table_pricer(table)  # raises on a table that is not one
    return table


class Refused(Exception):
    """A request answered with an error status and a one-line reason."""

    def __init__(self, status: int, reason: str, unread: Optional[int] = 0) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.unread = unread
        """Bytes of the body left unread (``None``: unknown), dropped before closing."""


class OutputClosed(Exception):
    """The trees can no longer be printed: the output is a pipe whose reader has gone
    (``serve | head``), or is closed."""


class TraceViewServer(ThreadingHTTPServer):
    """Accepts envelopes (``/api/<project>/envelope/`` and ``/stream``) and prints their
    spans: gen_ai spans and their ancestors, or every span with ``show_all``.

    Refusals (413, 415, 400, 403) are noted on ``errors`` (stderr by default) in one line.
    """

    daemon_threads = True

    def __init__(
        self,
        port: int,
        out: IO[str],
        *,
        prices: Union[Prices, Pricer, None] = None,
        color: Optional[bool] = None,
        host: str = "127.0.0.1",
        show_all: bool = False,
        errors: Optional[IO[str]] = None,
        max_body: int = MAX_BODY_BYTES,
        max_envelope: int = MAX_ENVELOPE_BYTES,
    ) -> None:
        self.out = out
        self.errors = errors
        # A table is turned into a pricer once, so its lookups are remembered.
        self.prices = table_pricer(prices) if isinstance(prices, Mapping) else prices
        self.color = bool(getattr(out, "isatty", lambda: False)()) if color is None else color
        self.max_body = max_body
        self.max_envelope = max_envelope
        self.select = None if show_all else GenAiFilter()
        self.lock = threading.Lock()
        self.output_closed = False
        """Set when printing failed and the server was stopped (see ``stop``)."""
        super().__init__((host, port), _Handler)

    def show(self, body: bytes, encoding: Optional[str]) -> None:
        """Decodes and prints one envelope; one at a time, so at most one inflated
        envelope is in memory whatever the number of clients."""
        with self.lock:
            capture = Capture()
            capture.add_body(body, encoding, self.max_envelope)
            spans = capture.spans if self.select is None else self.select(capture.spans)
            lines = [render_tree(spans, color=self.color, prices=self.prices)] if spans else []
            lines.extend(line for line in map(render_event, capture.events) if line)
            try:
                for line in lines:
                    print(line, file=self.out, flush=True)
            except (OSError, ValueError) as exc:  # ValueError: a closed file
                raise OutputClosed(f"{type(exc).__name__}: {exc}") from None

    def stop(self) -> None:
        """Ends ``serve_forever`` once nothing more can be printed; callable from a
        request's thread (``shutdown`` waits for the loop, so it runs in one of its own)."""
        self.output_closed = True
        threading.Thread(target=self.shutdown, daemon=True).start()

    def note(self, message: str) -> None:
        """One line on the error stream; a failure to write it is ignored."""
        with contextlib.suppress(Exception):
            print(f"sentry-agents serve: {message}", file=self.errors or sys.stderr, flush=True)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that failed (a client gone mid-answer, say) is noted, not traced."""
        self.note(f"a connection failed: {printable(repr(sys.exc_info()[1]))[:200]}")


class _Handler(BaseHTTPRequestHandler):
    server: TraceViewServer
    timeout = 30  # a client that stops sending does not hold its thread forever

    def do_POST(self) -> None:
        try:
            try:
                body = self._read_body()
            except socket.timeout:  # TimeoutError from Python 3.10 on
                raise Refused(408, f"no complete body within {self.timeout} s") from None
            self._check_origin()
            try:
                self.server.show(body, self.headers.get("Content-Encoding"))
            except TooLarge as exc:
                raise Refused(413, str(exc)) from None
            except UnsupportedEncoding as exc:
                raise Refused(415, f"{exc}; send gzip, deflate or none{_BROTLI_HINT}") from None
            except OutputClosed:
                raise
            except Exception as exc:  # a malformed envelope must not stop the view
                raise Refused(400, f"malformed envelope: {type(exc).__name__}: {exc}") from None
        except Refused as refused:
            reason = printable(refused.reason)[:300]
            self.server.note(f"refused a request ({refused.status}): {reason}")
            self._answer(refused.status, {"detail": reason})
            self._drain(refused.unread)
            return
        except OutputClosed as closed:  # nobody reads what is printed: stop listening
            self.server.note(f"the output can no longer be written ({closed}); stopping")
            self._answer(503, {"detail": "the view has stopped"})  # before the process ends
            self.server.stop()
            return
        except Exception as exc:  # a bug of ours: answer, note, keep serving
            self.server.note(f"internal error: {printable(repr(exc))[:300]}")
            self._answer(500, {"detail": "internal error"})
            return
        self._answer(200, {})

    def _check_origin(self) -> None:
        origin = self.headers.get("Origin")
        if origin is not None and not _is_local_origin(origin):
            raise Refused(403, "requests from web pages not served from this machine are refused")

    def _read_body(self) -> bytes:
        """The body, never more than ``max_body`` bytes of it, whatever the headers say."""
        limit = self.server.max_body
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked(limit)
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return b""
        if len(set(lengths)) != 1 or not re.fullmatch(r"[0-9]+", lengths[0].strip()):
            raise Refused(400, "invalid Content-Length", None)
        length = int(lengths[0])
        if length > limit:
            raise Refused(413, f"body of {length} bytes is over the limit of {limit} bytes", length)
        body = self._read_exactly(length)
        if len(body) < length:
            raise Refused(400, f"body ended after {len(body)} of {length} bytes")
        return body

    def _read_chunked(self, limit: int) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                chunk = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise Refused(400, "invalid chunked body", None) from None
            if chunk < 0:
                raise Refused(400, "invalid chunked body", None)
            if chunk == 0:
                break
            size += chunk
            if size > limit:
                raise Refused(413, f"body over the limit of {limit} bytes", None)
            data = self._read_exactly(chunk)
            if len(data) < chunk:
                raise Refused(400, "chunked body ended early")
            parts.append(data)
            self.rfile.readline(1024)
        while self.rfile.readline(1024).strip():
            pass  # trailers
        return b"".join(parts)

    def _read_exactly(self, length: int) -> bytes:
        parts: list[bytes] = []
        while length > 0:
            data = self.rfile.read(min(length, _CHUNK))
            if not data:
                break
            parts.append(data)
            length -= len(data)
        return b"".join(parts)

    def _drain(self, unread: Optional[int]) -> None:
        """After a refusal, reads and drops what the client may still be sending (at most
        twice ``max_body`` bytes), so it reads the answer instead of a reset connection."""
        self.close_connection = True
        cap = 2 * self.server.max_body
        left = cap if unread is None else min(unread, cap)
        try:
            while left > 0:
                data = self.rfile.read1(min(left, _CHUNK))
                if not data:
                    break
                left -= len(data)
        except OSError:
            pass

    def _answer(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def log_message(self, *args: Any) -> None:
        pass


def _is_local_origin(origin: str) -> bool:
    """Whether a browser's ``Origin`` is a page served from this machine."""
    try:
        parts = urlsplit(origin.strip())
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(text: str) -> int:
    """A TCP port number, as ``--port`` takes it (a usage error otherwise, not a traceback
    from the socket)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0 to 65535)")
    return port


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentry_agents")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="print agent runs sent to a local endpoint")
    serve.add_argument("--port", type=_port, default=8969, help="0 to 65535 (0: any free port)")
    serve.add_argument(
        "--prices",
        help="JSON price table ($ per 1M tokens) for cost estimates; without it, the "
        "genai-prices package is used when installed",
    )
    serve.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    serve.add_argument(
        "--all",
        action="store_true",
        dest="show_all",
        help="print every span, not only gen_ai spans and the spans above them",
    )
    args = parser.parse_args(argv)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")  # a terminal that is not UTF-8 gets escapes
    try:
        table = load_prices(args.prices)
    except (OSError, ValueError, TypeError) as exc:  # a file missing, not JSON, not prices
        parser.error(f"--prices {args.prices}: {exc}")
    # A table given is the one used, an empty one too (no costs): genai-prices only without.
    prices: Union[Prices, Pricer, None] = genai_prices_pricer() if table is None else table
    color = None if args.color == "auto" else args.color == "always"
    try:
        server = TraceViewServer(
            args.port, sys.stdout, prices=prices, color=color, show_all=args.show_all
        )
    except OSError as exc:  # the port taken, or not ours to take
        print(f"sentry-agents: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    port = server.server_address[1]
    print(
        f"sentry-agents: listening on 127.0.0.1:{port}\n"
        f'  dsn="http://public@127.0.0.1:{port}/1"  or  spotlight="http://127.0.0.1:{port}/stream"',
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    if server.output_closed:
        _discard_stdout()
        return 1
    return 0


def _discard_stdout() -> None:
    """Points standard output at the null device, so that flushing it at exit does not
    print a second ``BrokenPipeError`` (as Python's documentation on SIGPIPE advises)."""
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


__all__ = ["MAX_BODY_BYTES", "OutputClosed", "Refused", "TraceViewServer", "load_prices", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
