"""The tests' fakes: provider APIs on 127.0.0.1 for the real OpenAI and Anthropic
clients, their scripted replies, and the local server the stand-ins of Sentry build on.

Every scripted reply is validated, strictly, against the installed provider SDK's own
models first: a reply missing a field the SDK requires, or with a value of the wrong
type, fails where it is made (keys the SDK does not know pass, as they do in the SDKs).
The examples have their own offline mode (``examples/_offline.py``, which users copy);
the tests do not use it.
"""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union

Reply = Union[dict[str, Any], list[dict[str, Any]]]

OPENAI_MODEL = "gpt-4o-mini-2024-07-18"
RESPONSES_MODEL = "o4-mini-2025-04-16"
ANTHROPIC_MODEL = "claude-sonnet-4-5-20250929"


def chat_usage(prompt: int, completion: int, *, cached: int, reasoning: int) -> dict[str, Any]:
    """OpenAI Chat Completions usage; the total is prompt + completion, as OpenAI reports."""
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": reasoning},
    }


# What the tests assert about usage comes from these counts.
CHAT_USAGE = chat_usage(120, 30, cached=100, reasoning=12)
CHAT_STREAM_USAGE = chat_usage(50, 7, cached=40, reasoning=2)
RESPONSES_USAGE = {
    "input_tokens": 80,
    "output_tokens": 40,
    "total_tokens": 120,
    "input_tokens_details": {"cached_tokens": 64, "cache_write_tokens": 0},
    "output_tokens_details": {"reasoning_tokens": 32},
}
EMBEDDINGS_USAGE = {"prompt_tokens": 7, "total_tokens": 7}
ANTHROPIC_USAGE = {
    "input_tokens": 20,
    "output_tokens": 10,
    "cache_read_input_tokens": 1000,
    "cache_creation_input_tokens": 50,
}


# --- servers on 127.0.0.1 --------------------------------------------------------------


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output free of request logs."""

    def log_message(self, *args: Any) -> None:
        pass


class LocalServer:
    """``handler`` served on a free port of 127.0.0.1 by a background thread until
    :meth:`close`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port: int = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- provider APIs ---------------------------------------------------------------------


class FakeProvider(LocalServer):
    """A provider API on 127.0.0.1 that answers each POST with the next reply the test
    scripted for its path: a dict as JSON, a list of dicts as server-sent events (what
    ``stream=True`` reads); a path with nothing left answers 404. Its clients are the
    real SDK clients pointed at it, without retries (a failed request fails the test
    instead of quietly taking the next reply): a real server, because each SDK brings
    its own HTTP library (anthropic 2 moved to ``httpx2``), and all of them speak HTTP.
    Each connection is closed after its reply, so no handler outlives :meth:`close`."""

    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        answer = self.answer

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, content_type, body = answer(self.path.split("?")[0])
                self.close_connection = True
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

        super().__init__(Handler)

    def script(self, path: str, *replies: Reply) -> FakeProvider:
        self.replies.setdefault(path, []).extend(replies)
        return self

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) of the next reply scripted for ``path``."""
        queue = self.replies.get(path)
        if not queue:
            error = {"error": {"message": f"nothing scripted for {path}"}}
            return 404, "application/json", json.dumps(error).encode()
        reply = queue.pop(0)
        if isinstance(reply, dict):
            return 200, "application/json", json.dumps(reply).encode()
        events = "".join(_event(path, event) for event in reply)
        if path.endswith("/chat/completions"):
            events += "data: [DONE]\n\n"
        return 200, "text/event-stream", events.encode()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def openai(self) -> Any:
        import openai

        return openai.OpenAI(api_key="sk-test", base_url=self.url + "/v1", max_retries=0)

    def async_openai(self) -> Any:
        import openai

        return openai.AsyncOpenAI(api_key="sk-test", base_url=self.url + "/v1", max_retries=0)

    def anthropic(self) -> Any:
        import anthropic

        return anthropic.Anthropic(api_key="sk-ant", base_url=self.url, max_retries=0)

    def async_anthropic(self) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(api_key="sk-ant", base_url=self.url, max_retries=0)


def google_client(reply: Reply) -> Any:
    """The real google-genai client, its HTTP answered in process (``httpx.MockTransport``;
    the client takes an httpx client of ours) with ``reply``: a dict as the JSON of
    ``generateContent``, a list of dicts as the server-sent events of
    ``streamGenerateContent``."""
    import httpx
    from google import genai

    if isinstance(reply, dict):
        body, content_type = json.dumps(reply).encode(), "application/json"
    else:
        events = "".join(f"data: {json.dumps(chunk)}\r\n\r\n" for chunk in reply)
        body, content_type = events.encode(), "text/event-stream"

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": content_type})

    options = genai.types.HttpOptions(
        httpx_client=httpx.Client(transport=httpx.MockTransport(answer)),
        httpx_async_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
    )
    return genai.Client(api_key="test-key", http_options=options)


def _event(path: str, event: dict[str, Any]) -> str:
    """One server-sent event as the provider frames it: Chat Completions sends bare data
    lines, the Responses and Anthropic APIs name each event by its type."""
    data = f"data: {json.dumps(event)}\n\n"
    return data if path.endswith("/chat/completions") else f"event: {event['type']}\n{data}"


def _valid(model: Any, reply: dict[str, Any]) -> dict[str, Any]:
    """``reply``, once the provider SDK's ``model`` (a class or a union) accepted it
    without converting any value, as a copy of its own (nothing shared with the
    constants above, which a test may then change freely)."""
    from pydantic import TypeAdapter

    TypeAdapter(model).validate_python(reply, strict=True)
    return copy.deepcopy(reply)


# --- scripted replies ------------------------------------------------------------------


def chat_completion(content: str) -> dict[str, Any]:
    """An OpenAI Chat Completions reply with ``CHAT_USAGE``, finished by ``stop``."""
    from openai.types.chat import ChatCompletion

    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": content},
        "finish_reason": "stop",
    }
    reply = {
        "id": "chatcmpl-abc",
        "object": "chat.completion",
        "created": 1700000000,
        "model": OPENAI_MODEL,
        "choices": [choice],
        "usage": CHAT_USAGE,
    }
    return _valid(ChatCompletion, reply)


def chat_chunks(text: str) -> list[dict[str, Any]]:
    """``text`` streamed by Chat Completions four characters a chunk, then the finish
    reason, then a chunk with ``CHAT_STREAM_USAGE`` only (``include_usage``)."""
    from openai.types.chat import ChatCompletionChunk

    def chunk(delta: dict[str, Any], finish: Any = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "finish_reason": finish}

    choices = [[chunk({"role": "assistant", "content": ""})]]
    choices += [[chunk({"content": text[i : i + 4]})] for i in range(0, len(text), 4)]
    choices += [[chunk({}, "stop")], []]
    chunks = [
        {
            "id": "chatcmpl-s1",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": OPENAI_MODEL,
            "choices": c,
        }
        for c in choices
    ]
    chunks[-1]["usage"] = CHAT_STREAM_USAGE
    return [_valid(ChatCompletionChunk, c) for c in chunks]


def response_object(text: str = "Rainy.", **fields: Any) -> dict[str, Any]:
    """An OpenAI Responses reply: a reasoning item, then a message with ``text``, with
    ``RESPONSES_USAGE``; ``fields`` replace its top-level fields."""
    from openai.types.responses import Response

    summary = [{"type": "summary_text", "text": "Think."}]
    reasoning = {"type": "reasoning", "id": "rs_1", "summary": summary}
    message = {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    reply = {
        "id": "resp_123",
        "object": "response",
        "created_at": 1700000000,
        "model": RESPONSES_MODEL,
        "status": "completed",
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "output": [reasoning, message],
        "usage": RESPONSES_USAGE,
        **fields,
    }
    return _valid(Response, reply)


def embeddings_reply(model: str, count: int = 1) -> dict[str, Any]:
    """An OpenAI Embeddings reply from ``model``: ``count`` vectors, ``EMBEDDINGS_USAGE``."""
    from openai.types import CreateEmbeddingResponse

    data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2]} for i in range(count)]
    reply = {"object": "list", "data": data, "model": model, "usage": EMBEDDINGS_USAGE}
    return _valid(CreateEmbeddingResponse, reply)


def response_events(text: str) -> list[dict[str, Any]]:
    """``text`` streamed by the Responses API a word at a time, between
    ``response.created`` and ``response.completed``."""
    from openai.types.responses import ResponseStreamEvent

    final = response_object(text)
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    events = [{"type": "response.created", "sequence_number": 0, "response": started}]
    for n, word in enumerate(text.split(" "), start=1):
        events.append(
            {
                "type": "response.output_text.delta",
                "sequence_number": n,
                "item_id": "msg_1",
                "output_index": 1,
                "content_index": 0,
                "delta": word if n == 1 else " " + word,
                "logprobs": [],
            }
        )
    events.append({"type": "response.completed", "sequence_number": 99, "response": final})
    return [_valid(ResponseStreamEvent, e) for e in events]


def response_item_events(text: str) -> list[dict[str, Any]]:
    """A Responses stream as the API sends it around its items (each item added, its
    deltas, done): a reasoning item and its summary, a message with ``text`` a word at a
    time, then a function call, its arguments in two deltas; ``client.responses.stream``
    rebuilds the response from these."""
    from openai.types.responses import ResponseStreamEvent

    final = response_object(text)
    reasoning, message = final["output"]
    call = {
        "type": "function_call",
        "id": "fc_1",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
        "status": "completed",
    }
    final["output"].append(call)
    started = {**final, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [{"type": "response.created", "response": started}]
    empty = {**message, "status": "in_progress", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    at = {"item_id": "msg_1", "output_index": 1, "content_index": 0}
    summary = {"item_id": "rs_1", "output_index": 0, "summary_index": 0}
    events += [
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**reasoning, "summary": []},
        },
        {
            "type": "response.reasoning_summary_part.added",
            **summary,
            "part": {"type": "summary_text", "text": ""},
        },
        {"type": "response.reasoning_summary_text.delta", **summary, "delta": "Think."},
        {"type": "response.reasoning_summary_text.done", **summary, "text": "Think."},
        {
            "type": "response.reasoning_summary_part.done",
            **summary,
            "part": reasoning["summary"][0],
        },
        {"type": "response.output_item.done", "output_index": 0, "item": reasoning},
        {"type": "response.output_item.added", "output_index": 1, "item": empty},
        {"type": "response.content_part.added", **at, "part": part},
    ]
    words = text.split(" ")
    events += [
        {"type": "response.output_text.delta", **at, "delta": w if n == 0 else " " + w}
        for n, w in enumerate(words)
    ]
    events += [
        {"type": "response.output_text.done", **at, "text": text},
        {"type": "response.content_part.done", **at, "part": message["content"][0]},
        {"type": "response.output_item.done", "output_index": 1, "item": message},
        {
            "type": "response.output_item.added",
            "output_index": 2,
            "item": {**call, "arguments": "", "status": "in_progress"},
        },
    ]
    call_at = {"item_id": "fc_1", "output_index": 2}
    events += [
        {"type": "response.function_call_arguments.delta", **call_at, "delta": d}
        for d in ('{"city": ', '"Paris"}')
    ]
    events += [
        {
            "type": "response.function_call_arguments.done",
            **call_at,
            "name": "get_weather",
            "arguments": call["arguments"],
        },
        {"type": "response.output_item.done", "output_index": 2, "item": call},
        {"type": "response.completed", "response": final},
    ]
    for n, event in enumerate(events):
        event["sequence_number"] = n
        if event["type"] in ("response.output_text.delta", "response.output_text.done"):
            event["logprobs"] = []
    return [_valid(ResponseStreamEvent, e) for e in events]


def anthropic_message(text: str = "Bonjour.") -> dict[str, Any]:
    """An Anthropic Messages reply with ``text``, ended by ``end_turn``, with
    ``ANTHROPIC_USAGE`` (cache reads and writes)."""
    from anthropic.types import Message

    reply = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": ANTHROPIC_MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": ANTHROPIC_USAGE,
    }
    return _valid(Message, reply)


def anthropic_events(text: str) -> list[dict[str, Any]]:
    """``text`` streamed by the Anthropic Messages API a word at a time, each followed by
    a space; the final ``message_delta`` reports 15 output tokens."""
    from anthropic.types import RawMessageStreamEvent

    start = {**anthropic_message(""), "content": [], "stop_reason": None}
    start["usage"] = {**ANTHROPIC_USAGE, "output_tokens": 1}
    block = {"type": "text", "text": ""}
    events = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": block},
    ]
    events += [
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": w}}
        for w in (word + " " for word in text.split(" "))
    ]
    stop = {"stop_reason": "end_turn", "stop_sequence": None}
    events += [
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": stop, "usage": {"output_tokens": 15}},
        {"type": "message_stop"},
    ]
    return [_valid(RawMessageStreamEvent, e) for e in events]


def anthropic_block_events(
    blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]], stop_reason: str, output_tokens: int
) -> list[dict[str, Any]]:
    """An Anthropic message streamed block by block: each block's ``content_block_start``
    with the block given, its deltas and its stop, in order; then the message's stop
    reason and output tokens."""
    from anthropic.types import RawMessageStreamEvent

    start = {**anthropic_message(""), "content": [], "stop_reason": None}
    start["usage"] = {**ANTHROPIC_USAGE, "output_tokens": 1}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": start}]
    for index, (block, deltas) in enumerate(blocks):
        events.append({"type": "content_block_start", "index": index, "content_block": block})
        events += [{"type": "content_block_delta", "index": index, "delta": d} for d in deltas]
        events.append({"type": "content_block_stop", "index": index})
    stop = {"stop_reason": stop_reason, "stop_sequence": None}
    events += [
        {"type": "message_delta", "delta": stop, "usage": {"output_tokens": output_tokens}},
        {"type": "message_stop"},
    ]
    return [_valid(RawMessageStreamEvent, e) for e in events]


def numpy_bool(type_name: str, module: str) -> Any:
    """A stand-in for numpy's bool class (``numpy.bool_``; since NumPy 2 ``numpy.bool``),
    named and placed as numpy's, so that numpy is not needed."""

    class NumpyBool:
        def __init__(self, value: bool) -> None:
            self.value = value

        def __bool__(self) -> bool:
            return self.value

    NumpyBool.__name__ = NumpyBool.__qualname__ = type_name
    NumpyBool.__module__ = module
    return NumpyBool


def numpy_scalar(type_name: str, kind: type, *, with_item: bool = True) -> Any:
    """A stand-in for a numpy scalar class (``numpy.float32``, ``numpy.int64``), named and
    placed as numpy's and, like those, neither an int nor a float: ``item()`` gives the
    Python number, ``__float__`` (and ``__index__`` for integers) convert it.
    ``with_item=False`` leaves ``item`` out, for a scalar read by its number protocols."""

    class NumpyScalar:
        def __init__(self, value: Any) -> None:
            self.value = kind(value)

        def __float__(self) -> float:
            return float(self.value)

        def __repr__(self) -> str:
            return f"{type_name}({self.value})"

    if with_item:
        NumpyScalar.item = lambda self: self.value  # type: ignore[attr-defined]
    if kind is int:
        NumpyScalar.__index__ = lambda self: self.value  # type: ignore[attr-defined]
    NumpyScalar.__name__ = NumpyScalar.__qualname__ = type_name
    NumpyScalar.__module__ = "numpy"
    return NumpyScalar
