"""What lets the examples run offline: scripted fake provider servers on 127.0.0.1, and
sentry-sdk set up to print spans in the terminal when no ``SENTRY_DSN`` is set.

With a provider key in the environment (``OPENAI_API_KEY``, ``ANTHROPIC_API_KEY``,
``GEMINI_API_KEY``) an example talks to the real provider instead, and with
``SENTRY_DSN`` set it sends to Sentry.
"""

from __future__ import annotations

import inspect
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, Optional, Union

import sentry_sdk

from sentry_agents.console import ConsoleTransport, MemoryTransport

Reply = Union[dict[str, Any], list[dict[str, Any]]]


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that does not log every request to stderr."""

    def log_message(self, *args: Any) -> None:
        pass


class LocalServer:
    """A threaded HTTP server on a free port of 127.0.0.1, serving in the background
    until :meth:`close`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port: int = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeProvider(LocalServer):
    """Answers POSTs per path from a queue of scripted replies: a dict as JSON, a list
    of dicts as server-sent events (what ``stream=True`` gets)."""

    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        provider = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                provider.requests.append((path, json.loads(body or b"{}")))
                queue = provider.replies.get(path)
                if not queue:
                    self._send(404, "application/json", b"{}")
                    return
                reply = queue.pop(0)
                if isinstance(reply, list):
                    events = "".join(_sse(path, event) for event in reply)
                    if path.endswith("/chat/completions"):
                        events += "data: [DONE]\n\n"
                    self._send(200, "text/event-stream", events.encode())
                else:
                    self._send(200, "application/json", json.dumps(reply).encode())

            def _send(self, status: int, content_type: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        super().__init__(Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, path: str, *replies: Reply) -> FakeProvider:
        self.replies.setdefault(path, []).extend(replies)
        return self


def _sse(path: str, event: dict[str, Any]) -> str:
    if "type" in event and not path.endswith("/chat/completions"):
        return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
    return f"data: {json.dumps(event)}\n\n"


def provider_url(key_variable: str, fake: FakeProvider, suffix: str = "") -> Optional[str]:
    """``None`` (use the real provider) when its API key is set, else the fake's URL."""
    if os.environ.get(key_variable):
        fake.close()
        return None
    os.environ.setdefault(key_variable + "_OFFLINE", "1")
    return fake.base_url + suffix


def api_key(key_variable: str) -> str:
    return os.environ.get(key_variable) or "offline-key"


def record_prompts() -> dict[str, Any]:
    """The ``sentry_sdk.init`` option that lets prompts and outputs be recorded:
    ``data_collection`` where the installed sentry-sdk has it (it replaces
    ``send_default_pii``, which newer 2.x releases deprecate), ``send_default_pii`` before."""
    parameters = inspect.signature(sentry_sdk.consts.ClientConstructor.__init__).parameters
    if "data_collection" in parameters:
        return {"data_collection": {"gen_ai": {"inputs": True, "outputs": True}}}
    return {"send_default_pii": True}


def init_sentry(
    *, gen_ai_only: bool = True, console: Optional[IO[str]] = None, **options: Any
) -> None:
    """sentry-sdk to ``SENTRY_DSN``, or printing each agent run in the terminal (only
    the gen_ai spans unless ``gen_ai_only=False``) on ``console`` (default stdout), with
    prompts and outputs recorded.

    The examples record every model call themselves, so sentry-sdk's automatically
    enabled integrations (its OpenAI, Anthropic, Google GenAI, ... integrations among
    them) are turned off: with both on, Sentry still gets one LLM span per call, but
    both sides do the work (see docs/integrations.md, "Working beside sentry-sdk's AI
    integrations").
    ``SENTRY_TRACE_LIFECYCLE=stream`` turns on sentry-sdk 2.x's span streaming.
    """
    dsn = os.environ.get("SENTRY_DSN")
    options.setdefault("traces_sample_rate", 1.0)
    for key, value in record_prompts().items():
        options.setdefault(key, value)
    options.setdefault("auto_enabling_integrations", False)
    if os.environ.get("SENTRY_TRACE_LIFECYCLE") == "stream" and hasattr(
        sentry_sdk, "start_transaction"
    ):
        options.setdefault("trace_lifecycle", "stream")  # 3.x streams spans anyway
    if dsn and "@127.0.0.1:" in dsn:
        # A local stand-in for Sentry (see Collector): sentry-sdk tells its own uploads
        # apart by host and port, which a local DSN's port defeats, so the HTTP
        # integration would trace them.
        from sentry_sdk.integrations.stdlib import StdlibIntegration

        options.setdefault("disabled_integrations", [StdlibIntegration()])
    transport = None if dsn else ConsoleTransport(console, gen_ai_only=gen_ai_only)
    sentry_sdk.init(dsn=dsn, transport=transport, **options)


class Collector(LocalServer):
    """A stand-in for Sentry on 127.0.0.1: keeps the spans every process sends to its DSN,
    so a trace that crosses processes (an agent and its MCP server) prints as one tree."""

    def __init__(self) -> None:
        self.memory = MemoryTransport()
        self.lock = threading.Lock()
        collector = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = self.headers.get("Content-Encoding")
                if encoding == "br":  # sentry-sdk's choice when brotli is installed
                    import brotli  # type: ignore[import-not-found]

                    body, encoding = brotli.decompress(body), None
                with collector.lock:  # gzip and deflate are inflated as the tests' ingest does
                    collector.memory.capture.add_body(body, encoding)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

        super().__init__(Handler)

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.port}/1"

    def spans(self) -> list[Any]:
        with self.lock:
            return list(self.memory.capture.spans)


# --- scripted replies, shaped like each provider's documented responses -------------


def chat_completion(
    content: str = "Hello!", *, tool_calls: Any = None, usage: Any = None
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-abc",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": usage
        or {
            "prompt_tokens": 120,
            "completion_tokens": 30,
            "total_tokens": 150,
            "prompt_tokens_details": {"cached_tokens": 100},
            "completion_tokens_details": {"reasoning_tokens": 12},
        },
    }


def chat_chunks(text: str = "Hello there!") -> list[dict[str, Any]]:
    base = {
        "id": "chatcmpl-s1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "gpt-4o-mini-2024-07-18",
    }
    pieces = [text[i : i + 4] for i in range(0, len(text), 4)]
    chunks = [
        {
            **base,
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ],
        }
    ]
    chunks += [
        {**base, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]}
        for p in pieces
    ]
    chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    chunks.append(
        {
            **base,
            "choices": [],
            "usage": {
                "prompt_tokens": 50,
                "completion_tokens": 7,
                "total_tokens": 57,
                "prompt_tokens_details": {"cached_tokens": 40},
                "completion_tokens_details": {"reasoning_tokens": 2},
            },
        }
    )
    return chunks


def response_object(text: str = "Rainy.") -> dict[str, Any]:
    return {
        "id": "resp_123",
        "object": "response",
        "created_at": 1700000000,
        "model": "o4-mini-2025-04-16",
        "status": "completed",
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "output": [
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": "Think."}],
            },
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "status": "completed",
                "content": [{"type": "output_text", "text": text, "annotations": []}],
            },
        ],
        "usage": {
            "input_tokens": 80,
            "output_tokens": 40,
            "total_tokens": 120,
            "input_tokens_details": {"cached_tokens": 64, "cache_write_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 32},
        },
    }


def response_events(text: str = "Sunny today.") -> list[dict[str, Any]]:
    final = response_object(text)
    in_progress = {**final, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "sequence_number": 0, "response": in_progress},
    ]
    for i, word in enumerate(text.split(" ")):
        delta = word if i == 0 else " " + word
        events.append(
            {
                "type": "response.output_text.delta",
                "sequence_number": i + 1,
                "item_id": "msg_1",
                "output_index": 1,
                "content_index": 0,
                "delta": delta,
                "logprobs": [],
            }
        )
    events.append({"type": "response.completed", "sequence_number": 99, "response": final})
    return events


def anthropic_message(text: str = "Bonjour.") -> dict[str, Any]:
    return {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 20,
            "output_tokens": 10,
            "cache_read_input_tokens": 1000,
            "cache_creation_input_tokens": 50,
        },
    }


def anthropic_events(text: str = "Hi from Claude") -> list[dict[str, Any]]:
    message = {**anthropic_message(""), "content": [], "stop_reason": None}
    message["usage"] = {
        "input_tokens": 20,
        "output_tokens": 1,
        "cache_read_input_tokens": 1000,
        "cache_creation_input_tokens": 50,
    }
    events: list[dict[str, Any]] = [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ]
    for word in text.split(" "):
        events.append(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": word + " "},
            }
        )
    events += [
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 15},
        },
        {"type": "message_stop"},
    ]
    return events


def gemini_response(text: str = "Sunny.") -> dict[str, Any]:
    return {
        "responseId": "gemini-resp-1",
        "modelVersion": "gemini-2.5-flash",
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [{"text": "Checking the sky.", "thought": True}, {"text": text}],
                },
                "finishReason": "STOP",
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 40,
            "cachedContentTokenCount": 16,
            "candidatesTokenCount": 12,
            "thoughtsTokenCount": 20,
            "totalTokenCount": 72,
        },
    }
