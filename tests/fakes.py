"""Scripted fake OpenAI and Anthropic servers on 127.0.0.1 for the real provider clients.

Each endpoint answers from a queue of scripted replies: a dict is sent as JSON, a
list of dicts as server-sent events (what ``stream=True`` gets).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union

Reply = Union[dict[str, Any], list[dict[str, Any]]]


class FakeProvider:
    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = json.loads(body or b"{}")
                path = self.path.split("?")[0]
                provider.requests.append((path, request))
                queue = provider.replies.get(path)
                if not queue:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                reply = queue.pop(0)
                if isinstance(reply, list):
                    self._send_events(reply)
                else:
                    data = json.dumps(reply).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def _send_events(self, events: list[dict[str, Any]]) -> None:
                lines = []
                for event in events:
                    if "type" in event and not path_is_openai_chat(self.path):
                        lines.append(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")
                    else:
                        lines.append(f"data: {json.dumps(event)}\n\n")
                if path_is_openai_chat(self.path):
                    lines.append("data: [DONE]\n\n")
                data = "".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def script(self, path: str, *replies: Reply) -> None:
        self.replies.setdefault(path, []).extend(replies)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def path_is_openai_chat(path: str) -> bool:
    return path.startswith("/v1/chat/completions")


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
        "model": "claude-sonnet-4-5-20250929",
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
