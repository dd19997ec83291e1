"""``python -m sentry_agents serve``: a local endpoint that prints agent runs as they arrive.

Point any application at it, with the DSN or sentry-sdk's Spotlight option::

    sentry_sdk.init(dsn="http://public@127.0.0.1:8969/1", traces_sample_rate=1.0)
    sentry_sdk.init(spotlight="http://127.0.0.1:8969/stream", traces_sample_rate=1.0)
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, Optional, Union

from ._envelopes import Capture
from ._render import Pricer, Prices, genai_prices_pricer, render_tree


def load_prices(path: Optional[str]) -> Optional[Prices]:
    """A JSON price table: ``{"model": {"input": 2.5, "output": 10, ...}}``, $ per 1M tokens."""
    if path is None:
        return None
    with open(path, encoding="utf-8") as handle:
        table = json.load(handle)
    if not isinstance(table, dict):
        raise ValueError("the price table must be a JSON object of models")
    return table


class TraceViewServer(ThreadingHTTPServer):
    """Accepts envelopes (``/api/<project>/envelope/`` and ``/stream``) and prints their spans."""

    daemon_threads = True

    def __init__(
        self,
        port: int,
        out: IO[str],
        *,
        prices: Union[Prices, Pricer, None] = None,
        color: Optional[bool] = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.out = out
        self.prices = prices
        self.color = bool(getattr(out, "isatty", lambda: False)()) if color is None else color
        self.lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def show(self, body: bytes, encoding: Optional[str]) -> None:
        capture = Capture()
        capture.add_body(body, encoding)
        spans = capture.spans
        with self.lock:
            if spans:
                print(
                    render_tree(spans, color=self.color, prices=self.prices),
                    file=self.out,
                    flush=True,
                )
            for event in capture.events:
                values = (event.get("exception") or {}).get("values") or [{}]
                error = values[-1]
                print(
                    f"error: {error.get('type')}: {error.get('value')}", file=self.out, flush=True
                )


class _Handler(BaseHTTPRequestHandler):
    server: TraceViewServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        try:
            self.server.show(body, self.headers.get("Content-Encoding"))
            status = 200
        except Exception as exc:  # a malformed envelope must not stop the view
            print(f"sentry-agents serve: could not read an envelope: {exc!r}", file=sys.stderr)
            status = 400
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sentry_agents")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="print agent runs sent to a local endpoint")
    serve.add_argument("--port", type=int, default=8969)
    serve.add_argument(
        "--prices",
        help="JSON price table ($ per 1M tokens) for cost estimates; without it, the "
        "genai-prices package is used when installed",
    )
    serve.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    args = parser.parse_args(argv)
    prices: Union[Prices, Pricer, None] = load_prices(args.prices) or genai_prices_pricer()
    color = None if args.color == "auto" else args.color == "always"
    server = TraceViewServer(args.port, sys.stdout, prices=prices, color=color)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
