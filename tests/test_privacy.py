"""Privacy: secrets scrubbed by default, a redaction hook that cannot leak."""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import sentry_agents
from conftest import HAS_DATA_COLLECTION, HAS_TRANSACTIONS
from fakes import numpy_bool
from sentry_agents import DEFAULT_SCRUB_KEYS
from sentry_agents._privacy import scrub_text, scrubber_for

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def run_with_secrets() -> None:
    messages = [
        {"role": "user", "content": "book it"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {
                        "name": "pay",
                        "arguments": '{"password": "CANARY-MSG", "amount": 12}',
                    },
                }
            ],
        },
    ]
    with sentry_agents.invoke_agent("Agent"):
        with sentry_agents.chat("m", messages=messages):
            pass
        with sentry_agents.execute_tool(
            "pay", arguments={"api_key": "CANARY-ARG", "city": "Paris"}
        ) as tool:
            tool.set_result(
                {
                    "token": "CANARY-RESULT",
                    "status": "visible-status",
                    "nested": [{"Authorization": "CANARY-NESTED"}],
                }
            )


def test_secrets_in_text_that_only_looks_like_json_never_leave_the_process(sentry):
    """Tool arguments cut short (a stopped stream), two JSON documents run together, JSON
    encoded twice, a Python ``repr`` of a dict, bare Google parts, Gemini streamed
    arguments and tool-definition defaults: none of them may carry a secret out."""
    from google.genai import types

    def connect(host: str, options: dict = {"password": "CANARY-DEFAULT"}) -> None:  # noqa: B006
        """Connect."""

    def gemini_chunks():  # type: ignore[no-untyped-def]
        call = types.FunctionCall(name="login", args={"user": "bob", "password": "CANARY-GEM"})
        part = types.Part(function_call=call)
        yield types.GenerateContentResponse(
            candidates=[types.Candidate(content=types.Content(role="model", parts=[part]))]
        )

    png = b"\x89PNG\r\n\x1a\nCANARY-BYTES"
    contents = [
        types.Part.from_bytes(data=png, mime_type="image/png"),
        types.Part.from_function_response(
            name="auth", response={"result": {"access_token": "CANARY-PART"}}
        ),
    ]
    with sentry_agents.invoke_agent("Agent"):
        with sentry_agents.chat("gemini-2.5-flash", messages=contents, tools=[connect]) as llm:
            for _ in llm.stream(gemini_chunks()):
                pass
        results = {
            "cut": '{"user": "bob", "password": "CANARY-CUT',
            "two": '{"password": "CANARY-TWO"}{"password": "x"}',
            "twice": json.dumps(json.dumps({"api_key": "CANARY-TWICE", "city": "Paris"})),
            "repr": str({"user": "bob", "secret": "CANARY-REPR"}),
        }
        for name, result in results.items():
            with sentry_agents.execute_tool(name, arguments=result) as tool:
                tool.set_result(result)
    raw = sentry.raw()
    for canary in (b"CANARY-DEFAULT", b"CANARY-GEM", b"CANARY-BYTES", b"CANARY-PART"):
        assert canary not in raw
    for canary in (b"CANARY-CUT", b"CANARY-TWO", b"CANARY-TWICE", b"CANARY-REPR"):
        assert canary not in raw
    assert b"bob" in raw and b"Paris" in raw, "what is not a secret is kept"
    twice = sentry.named("execute_tool twice").attributes["gen_ai.tool.call.result"]
    assert json.loads(json.loads(twice)) == {"api_key": "[Filtered]", "city": "Paris"}
    chat = sentry.named("chat gemini-2.5-flash").attributes
    output = json.loads(chat["gen_ai.output.messages"])
    assert output[0]["parts"][0]["arguments"] == {"user": "bob", "password": "[Filtered]"}
    inputs = json.loads(chat["gen_ai.input.messages"])
    assert inputs[0]["parts"][0]["content"] == "[Blob substitute]"


def test_secrets_beside_the_content_of_text_parts_never_leave_the_process(sentry):
    """Role/parts messages are passed through as written, extra keys included: those
    beside a text or reasoning part's content are scrubbed like any structured value
    (the content itself, text, is left alone)."""
    messages = [
        {"role": "system", "parts": [{"type": "text", "content": "Be brief.", "api_key": "C-1"}]},
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "hi", "meta": {"password": "C-2", "lang": "en"}},
                {"type": "reasoning", "content": "think", "token": "C-3"},
            ],
        },
    ]
    with sentry_agents.invoke_agent("Agent"):
        with sentry_agents.chat("m", messages=messages):
            pass
    raw = sentry.raw()
    assert not any(canary in raw for canary in (b"C-1", b"C-2", b"C-3"))
    chat = sentry.named("chat m").attributes
    system = json.loads(chat["gen_ai.system_instructions"])
    assert system == [{"type": "text", "content": "Be brief.", "api_key": "[Filtered]"}]
    parts = json.loads(chat["gen_ai.input.messages"])[0]["parts"]
    assert parts[0] == {
        "type": "text",
        "content": "hi",
        "meta": {"password": "[Filtered]", "lang": "en"},
    }
    assert parts[1]["content"] == "think" and parts[1]["token"] == "[Filtered]"


def test_secrets_under_deny_listed_keys_never_leave_the_process(sentry):
    run_with_secrets()
    raw = sentry.raw()
    for canary in (b"CANARY-MSG", b"CANARY-ARG", b"CANARY-RESULT", b"CANARY-NESTED"):
        assert canary not in raw
    for visible in (b"Paris", b"visible-status", b"amount"):
        assert visible in raw
    tool = sentry.named("execute_tool pay")
    assert json.loads(tool.attributes["gen_ai.tool.call.arguments"]) == {
        "api_key": "[Filtered]",
        "city": "Paris",
    }


def test_scrub_keys_can_be_extended_or_turned_off(sentry):
    sentry_agents.configure(scrub_keys=DEFAULT_SCRUB_KEYS | {"customer_ref"})
    with sentry_agents.execute_tool(
        "t", arguments={"customer_ref": "CANARY-CUSTOM", "token": "CANARY-T"}
    ):
        pass
    sentry_agents.configure(scrub_keys=())
    with sentry_agents.execute_tool("off", arguments={"password": "now-visible"}):
        pass
    raw = sentry.raw()
    assert b"CANARY-CUSTOM" not in raw and b"CANARY-T" not in raw
    assert b"now-visible" in raw


def test_scrub_keys_of_another_type_are_refused_and_the_list_kept():
    """``scrub_keys=[1, None]`` replaced the deny list with ``"1"`` and ``"None"``:
    ``password`` and every other default went unscrubbed, without a word."""
    from sentry_agents._config import settings

    for bad in ([1, None], {"password", b"token"}):
        with pytest.raises(TypeError, match="key names"):
            sentry_agents.configure(scrub_keys=bad)
        assert settings().scrub_keys == DEFAULT_SCRUB_KEYS


def mask_emails(kind: str, value):
    return json.loads(EMAIL.sub("[email]", json.dumps(value)))


def test_hook_masks_every_content_attribute(sentry):
    seen_kinds = []

    def hook(kind, value):
        seen_kinds.append(kind)
        return mask_emails(kind, value)

    sentry_agents.configure(redact=hook)
    with sentry_agents.invoke_agent(
        "A",
        messages="mail a@x.io",
        system_instructions="admin b@x.io",
        tools=[{"name": "t", "description": "c@x.io"}],
    ) as agent:
        with sentry_agents.chat("m") as llm:
            list(llm.stream(iter(["write to ", "d@x.io"])))
        with sentry_agents.execute_tool("t", arguments={"to": "e@x.io"}) as tool:
            tool.set_result("sent to f@x.io")
        with sentry_agents.embeddings("emb", inputs=["g@x.io"]):
            pass
        agent.set_output("done, h@x.io")
    raw = sentry.raw()
    assert EMAIL.search(raw.decode("utf-8", "replace")) is None
    assert raw.count(b"[email]") >= 8
    assert set(seen_kinds) >= {
        "input.messages",
        "system_instructions",
        "tool.definitions",
        "output.messages",
        "tool.arguments",
        "tool.result",
        "embeddings.input",
    }
    streamed = sentry.named("chat m").json_attribute("gen_ai.output.messages")
    assert streamed[0]["parts"][0]["content"] == "write to [email]"


def test_hook_that_raises_or_returns_junk_drops_the_content(sentry, sdk_log):
    sentry.init(debug=True)

    def hook(kind, value):
        if kind == "tool.arguments":
            raise RuntimeError("hook bug")
        if kind == "tool.result":
            return object()
        if kind == "output.messages":
            return None
        return value

    sentry_agents.configure(redact=hook)
    with sentry_agents.execute_tool("t", arguments={"x": "RAW-ARG"}) as tool:
        tool.set_result("RAW-RESULT")
        result = "user code still runs"
    with sentry_agents.chat("m", messages="kept input") as llm:
        llm.set_output("RAW-OUTPUT")
    assert result == "user code still runs"
    raw = sentry.raw()
    for dropped in (b"RAW-ARG", b"RAW-RESULT", b"RAW-OUTPUT"):
        assert dropped not in raw
    assert b"kept input" in raw
    assert "redact hook raised RuntimeError for tool.arguments" in sdk_log.text
    assert "not JSON for tool.result" in sdk_log.text


@pytest.mark.parametrize(
    "returned, text",
    [(42, "42"), ("masked", "masked"), (False, "False"), ([{"role": 5, "parts": "x"}], None)],
)
def test_what_a_hook_returns_is_sent_in_the_shape_sentry_reads(sentry, returned, text):
    """A hook returning text, a number or messages of its own shape for messages, system
    instructions or tool definitions had that sent as it was (``gen_ai.input.messages``
    ``42``), which is valid JSON but not what Sentry reads. It is converted again, as
    the helper converts what it is given."""

    def hook(kind, value):
        return value if kind.startswith("tool.") and kind != "tool.definitions" else returned

    sentry_agents.configure(redact=hook)
    with sentry_agents.chat(
        "m",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        tools=[{"type": "function", "function": {"name": "f"}}],
    ) as llm:
        llm.set_output("answer")
    attrs = sentry.named("chat m").attributes
    for key, role in (("gen_ai.input.messages", "user"), ("gen_ai.output.messages", "assistant")):
        messages = json.loads(attrs[key])
        assert [message["role"] for message in messages] == [role], key
        assert isinstance(messages[0]["parts"], list), key
        if text is not None:
            assert messages[0]["parts"] == [{"type": "text", "content": text}], key
    for part in json.loads(attrs["gen_ai.system_instructions"]):
        assert isinstance(part, dict) and "type" in part
    for definition in json.loads(attrs["gen_ai.tool.definitions"]):
        assert definition["type"] == "function" and isinstance(definition["name"], str)


def test_hook_whose_model_call_is_recorded_drops_that_calls_content_once(sentry, sdk_log):
    sentry.init(debug=True)
    calls = []

    def llm_redactor(kind, value):  # asks a model, itself recorded, to mask the content
        calls.append(kind)
        with sentry_agents.chat("redactor", messages=[{"role": "user", "content": "MASK"}]):
            pass
        return value

    sentry_agents.configure(redact=llm_redactor)
    with sentry_agents.invoke_agent("A", messages="hello"):
        pass
    assert calls == ["input.messages"]
    assert [s.name for s in sentry.gen_ai_spans()].count("chat redactor") == 1
    assert "gen_ai.input.messages" in sentry.named("invoke_agent A").attributes
    assert b"MASK" not in sentry.raw()
    assert "RecursionError" not in sdk_log.text


def test_per_span_redact_override(sentry):
    sentry_agents.configure(redact=lambda kind, value: "GLOBAL")
    with sentry_agents.execute_tool("a") as tool:
        tool.set_result("secret a")
    with sentry_agents.execute_tool("b", redact=lambda kind, value: "LOCAL") as tool:
        tool.set_result("secret b")
    with sentry_agents.execute_tool("c", redact=None) as tool:
        tool.set_result("plain c")
    assert sentry.named("execute_tool a").attributes["gen_ai.tool.call.result"] == "GLOBAL"
    assert sentry.named("execute_tool b").attributes["gen_ai.tool.call.result"] == "LOCAL"
    assert sentry.named("execute_tool c").attributes["gen_ai.tool.call.result"] == "plain c"


def test_hook_and_scrubbing_cost_nothing_when_gate_closed_or_unsampled(sentry, mocker):
    from sentry_agents import _privacy

    hook = mocker.Mock(side_effect=lambda kind, value: value)
    scrubbers = {kind: mocker.Mock(side_effect=fn) for kind, fn in _privacy.SCRUBBERS.items()}
    mocker.patch.dict(_privacy.SCRUBBERS, scrubbers)
    sentry_agents.configure(redact=hook)
    sentry.init(send_default_pii=False)
    run_with_secrets()
    sentry.init(traces_sample_rate=0.0)
    run_with_secrets()
    assert hook.call_count == 0
    assert all(s.call_count == 0 for s in scrubbers.values())
    sentry.init()
    run_with_secrets()
    assert hook.call_count > 0, "control: with the gate open and sampled, both run"
    assert scrubbers["tool.arguments"].call_count == 1


# --- secrets as real apps pass them ------------------------------------------------------


def test_json_string_tool_results_and_tool_messages_are_scrubbed(sentry):
    result = json.dumps({"api_key": "CANARY-RESULT", "rows": [{"city": "Paris"}]})
    with sentry_agents.execute_tool("lookup") as tool:
        tool.set_result(result)
    with sentry_agents.execute_tool("plain") as tool:
        tool.set_result('{"city": "Lyon"}')
    tool_message = {
        "role": "tool",
        "tool_call_id": "c1",
        "content": json.dumps({"access_token": "CANARY-MSG", "ok": True}),
    }
    with sentry_agents.chat("m", messages=[{"role": "user", "content": "go"}, tool_message]):
        pass
    raw = sentry.raw()
    assert b"CANARY-RESULT" not in raw and b"CANARY-MSG" not in raw
    sent = sentry.named("execute_tool lookup").attributes["gen_ai.tool.call.result"]
    assert json.loads(sent) == {"api_key": "[Filtered]", "rows": [{"city": "Paris"}]}
    plain = sentry.named("execute_tool plain").attributes["gen_ai.tool.call.result"]
    assert plain == '{"city": "Lyon"}', "a JSON string with no secret is sent as it came"
    response = sentry.named("chat m").json_attribute("gen_ai.input.messages")[1]["parts"][0]
    assert json.loads(response["response"]) == {"access_token": "[Filtered]", "ok": True}


def test_media_in_tool_arguments_and_results_is_never_sent(sentry, mocker):
    """Base64 media a tool is given or returns (a data URL, Anthropic's base64 source,
    Gemini's inline data, OpenAI's input audio, an MCP image block outside a
    ``CallToolResult``), as a structure or as JSON text, is sent as the blob substitute,
    by every path that records it: what the redaction hook sees too."""
    png = "iVBORw0KGgoAAAANSUhEUg" * 50
    anthropic = {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": png},
    }
    gemini = {"parts": [{"inline_data": {"mime_type": "image/png", "data": png}}, {"text": "hi"}]}
    audio = {"type": "input_audio", "input_audio": {"data": png, "format": "wav"}}
    mcp_image = {"type": "image", "data": png, "mimeType": "image/png"}

    @sentry_agents.tool
    def render(spec: dict[str, Any]) -> dict[str, Any]:
        return mcp_image

    with sentry_agents.execute_tool("structured", arguments=anthropic) as tool:
        tool.set_result(audio)
    with sentry_agents.execute_tool("json text", arguments=json.dumps(gemini)) as tool:
        tool.set_result(json.dumps({"image": mcp_image, "note": "two images"}))
    with sentry_agents.execute_tool("data url") as tool:
        tool.set_result("data:image/png;base64," + png)
    render({"logo": "data:image/png;base64," + png})
    hook = mocker.Mock(side_effect=lambda kind, value: value)
    sentry_agents.configure(redact=hook)
    with sentry_agents.execute_tool("hooked", arguments=[anthropic]) as tool:
        tool.set_result([gemini])
    sentry_agents.configure(redact=None)
    with sentry_agents.execute_tool("no media") as tool:
        tool.set_result('{"data": "prose",  "type": "text", "mime_type": "text/plain"}')
    with sentry_agents.execute_tool("prose") as tool:
        tool.set_result([{"type": "document", "data": "Meeting notes: ship it"}])

    raw = sentry.raw()
    assert png.encode() not in raw
    assert raw.count(b"[Blob substitute]") >= 8
    sent = {
        name: sentry.named(f"execute_tool {name}").attributes
        for name in ("structured", "json text", "data url", "render", "hooked", "no media")
    }
    arguments, result = "gen_ai.tool.call.arguments", "gen_ai.tool.call.result"
    assert json.loads(sent["structured"][arguments])["source"]["data"] == "[Blob substitute]"
    assert json.loads(sent["structured"][result])["input_audio"] == {
        "data": "[Blob substitute]",
        "format": "wav",
    }
    assert json.loads(sent["json text"][arguments])["parts"] == [
        {"inline_data": {"mime_type": "image/png", "data": "[Blob substitute]"}},
        {"text": "hi"},
    ]
    assert json.loads(sent["json text"][result]) == {
        "image": {**mcp_image, "data": "[Blob substitute]"},
        "note": "two images",
    }
    assert sent["data url"][result] == "[Blob substitute]"
    assert json.loads(sent["render"][arguments]) == {"spec": {"logo": "[Blob substitute]"}}
    assert json.loads(sent["render"][result])["data"] == "[Blob substitute]"
    seen = [call.args for call in hook.call_args_list]
    assert png not in repr(seen) and ("tool.result", [gemini]) not in seen
    assert json.loads(sent["hooked"][arguments])[0]["source"]["data"] == "[Blob substitute]"
    assert (
        sent["no media"][result] == '{"data": "prose",  "type": "text", "mime_type": "text/plain"}'
    )
    prose = sentry.named("execute_tool prose").attributes[result]
    assert json.loads(prose) == [{"type": "document", "data": "Meeting notes: ship it"}]


def test_a_big_json_text_result_is_searched_for_media_once(sentry, mocker):
    """A tool's result of JSON text over its budget (a file of 1 MB read as JSON) is
    searched for media once, as text, not again string by string when it is cut as the
    structure it holds; with a ``\\u`` escape in it (which may spell media's name), it
    is, and a data URL so spelled is never sent."""
    from sentry_agents import _bounded, _jsonable

    code = "def step(x):\n    return compute(x)\n" * 30_000
    png = "iVBORw0KGgoAAAANSUhEUg" * 50
    url = "see: data:image/png;\\u0062ase64," + png
    escaped = '{"path": "b.py", "content": "' + url + json.dumps(code)[1:] + "}"
    searched = mocker.spy(_jsonable, "may_hold_media")
    inner = mocker.spy(_bounded, "may_hold_media")
    with sentry_agents.execute_tool("read_file") as tool:
        tool.set_result(json.dumps({"path": "a.py", "content": code}))
    assert [len(c.args[0]) > len(code) for c in searched.call_args_list].count(True) == 1
    assert not any(len(call.args[0]) >= len(code) for call in inner.call_args_list)
    with sentry_agents.execute_tool("escaped") as tool:
        tool.set_result(escaped)
    assert any(len(call.args[0]) > len(png) for call in inner.call_args_list)
    assert png.encode() not in sentry.raw()
    sent = sentry.named("execute_tool read_file").attributes["gen_ai.tool.call.result"]
    assert json.loads(sent)["content"].startswith(code[:200])  # (1,024 characters on 2.12)


def test_a_big_json_text_result_is_parsed_once(sentry, mocker):
    """A tool's result of JSON text over its budget, read whole to be scrubbed, is cut
    from the value read then, not parsed again; where a URL's credentials in it were
    filtered after that reading (in a key), the text sent is cut from the filtered text,
    and the credentials are never sent."""
    from sentry_agents import _bounded, _privacy

    code = "def step(x):\n    return compute(x)\n" * 30_000
    parses = [mocker.spy(_privacy, "loads_finite"), mocker.spy(_bounded, "loads_finite")]
    with sentry_agents.execute_tool("read_file") as tool:
        tool.set_result(json.dumps({"path": "a.py", "content": code}))
    big = [c for spy in parses for c in spy.call_args_list if len(c.args[0]) > len(code)]
    assert len(big) == 1
    mirror = "https://ada:CANARY-PASS@git.example.com/repo"  # a key's: the text's URL filter
    with sentry_agents.execute_tool("linked") as tool:
        tool.set_result(json.dumps({"path": "b.py", mirror: "origin", "content": code}))
    assert b"CANARY" not in sentry.raw()
    for name in ("read_file", "linked"):
        sent = sentry.named(f"execute_tool {name}").attributes["gen_ai.tool.call.result"]
        assert json.loads(sent)["path"] in ("a.py", "b.py")  # (1,024 characters on 2.12)
    assert "git.example.com/repo" in sent


def test_a_big_json_text_result_an_integration_adds_is_parsed_once(mocker):
    """The same for a tool's result that sentry-sdk's integration wrote on a span we
    joined: cut from the value read to scrub it, as the same text is cut when parsed
    again."""
    from sentry_agents import _bounded, _keys, _merge, _privacy

    code = "def step(x):\n    return compute(x)\n" * 30_000
    text = json.dumps({"path": "a.py", "content": code})
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    parsed_again = _bounded.fit_text(scrub_text(text, scrubber), 200_000, media_removed=True)
    parses = [mocker.spy(_privacy, "loads_finite"), mocker.spy(_bounded, "loads_finite")]
    sent = _merge.content_value(
        _keys.TOOL_CALL_RESULT,
        text,
        inputs_ok=True,
        outputs_ok=True,
        budget=200_000,
        scrubber=scrubber,
        hooked=False,
    )
    assert sent == parsed_again and len(sent) < len(text)
    assert sum(len(spy.call_args_list) for spy in parses) == 1


def test_media_in_a_tool_calls_arguments_is_never_sent_in_messages(sentry):
    """A model's tool call whose arguments carry base64 media (a data URL, a ``base64``
    field, Anthropic's base64 source, Gemini's inline data), in its answer, in a stream
    and in the history sent again, is recorded as the tool's span records the same
    arguments: the media as the blob substitute, by every provider's shape."""
    import anthropic
    import openai
    from google.genai import types as genai
    from langchain_core.messages import AIMessage

    png = "iVBORw0KGgoAAAANSUhEUg" * 50
    url = "data:image/png;base64," + png
    source = {"type": "base64", "media_type": "image/png", "data": png}
    arguments = {"image": url, "raw": {"base64": png}, "caption": "a cat"}
    text = json.dumps(arguments)
    call = {"id": "call_1", "type": "function", "function": {"name": "upload", "arguments": text}}
    completion = openai.types.chat.ChatCompletion.model_validate(
        {
            "id": "c1",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4o",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {"role": "assistant", "content": None, "tool_calls": [call]},
                }
            ],
        }
    )
    tool_use = {"type": "tool_use", "id": "toolu_1", "name": "upload", "input": {"source": source}}
    message = anthropic.types.Message.model_validate(
        {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [tool_use],
            "stop_reason": "tool_use",
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }
    )
    gemini = genai.GenerateContentResponse(
        candidates=[
            genai.Candidate(
                content=genai.Content(
                    role="model",
                    parts=[
                        genai.Part(
                            function_call=genai.FunctionCall(
                                name="upload", args={"inline_data": {"data": png}}
                            )
                        )
                    ],
                ),
                finish_reason="STOP",
            )
        ]
    )
    history = [
        {"role": "user", "content": "post it"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "posted"},
        {"type": "function_call", "call_id": "fc_1", "name": "upload", "arguments": text},
        {"role": "assistant", "content": [tool_use]},
        AIMessage(content="", tool_calls=[{"id": "lc_1", "name": "upload", "args": arguments}]),
        {"role": "assistant", "content": "done"},
    ]

    def chunks():
        yield {
            "id": "s1",
            "object": "chat.completion.chunk",
            "model": "gpt-4o",
            "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, **call}]}}],
        }

    with sentry_agents.invoke_agent("Poster"):
        with sentry_agents.chat("gpt-4o", provider="openai", messages=history) as llm:
            llm.set_response(completion)
        with sentry_agents.chat("claude", provider="anthropic", messages=history[-3:]) as llm:
            llm.set_response(message)
        with sentry_agents.chat("gemini", provider="gcp.gemini") as llm:
            llm.set_response(gemini)
        with sentry_agents.chat("streamed", provider="openai") as llm:
            for _ in llm.stream(chunks()):
                pass

    raw = sentry.raw()
    assert png.encode() not in raw
    blob = "[Blob substitute]"
    sent = {"image": blob, "raw": {"base64": blob}, "caption": "a cat"}
    inputs = sentry.named("chat gpt-4o").json_attribute("gen_ai.input.messages")
    calls = [p for m in inputs for p in m["parts"] if p["type"] == "tool_call"]
    assert [c["arguments"] for c in calls] == [
        sent,
        sent,
        {"source": {**source, "data": blob}},
        sent,
    ]
    output = sentry.named("chat gpt-4o").json_attribute("gen_ai.output.messages")
    assert output[0]["parts"][0]["arguments"] == sent
    output = sentry.named("chat claude").json_attribute("gen_ai.output.messages")
    assert output[0]["parts"][0]["arguments"] == {"source": {**source, "data": blob}}
    again = sentry.named("chat claude").json_attribute("gen_ai.input.messages")
    assert again[0]["parts"][0]["arguments"] == {"source": {**source, "data": blob}}
    output = sentry.named("chat gemini").json_attribute("gen_ai.output.messages")
    assert output[0]["parts"][0]["arguments"] == {"inline_data": {"data": blob}}
    output = sentry.named("chat streamed").json_attribute("gen_ai.output.messages")
    assert output[0]["parts"][0]["arguments"] == sent


def test_a_data_url_in_arguments_of_a_learned_shape_is_never_sent():
    """Arguments of a shape the scrubber learned (checked by one regex, not read again)
    that now hold a base64 data URL where text was lose it, as any arguments do: a
    learned shape's strings never begin as a data URL, in either separators' form."""
    from sentry_agents import serialize_messages

    png = "iVBORw0KGgoAAAANSUhEUg" * 4
    url = "data:image/png;base64," + png

    def call(ident: str, arguments: str) -> dict[str, Any]:
        function = {"name": "upload", "arguments": arguments}
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": ident, "type": "function", "function": function}],
        }

    for dumped in (json.dumps, lambda value: json.dumps(value, separators=(",", ":"))):
        for round_ in range(3):  # the shape is learned on the first, matched after
            image = url if round_ == 2 else f"cat {round_}.png"
            messages = [call(f"c{round_}", dumped({"image": image, "size": 3}))]
            sent = json.loads(serialize_messages(messages))
            arguments = sent[0]["parts"][0]["arguments"]
            assert arguments == {"image": "[Blob substitute]" if image == url else image, "size": 3}


def test_media_in_role_parts_tool_calls_and_responses_is_never_sent(sentry):
    """Messages already in Sentry's role/parts shape are passed through, but a
    ``tool_call``'s arguments and a ``tool_call_response``'s response lose their media as
    any provider's do (JSON text stays text), as a ``blob`` part loses its content."""
    png = "iVBORw0KGgoAAAANSUhEUg" * 50
    url = "data:image/png;base64," + png
    history = [
        {
            "role": "assistant",
            "parts": [
                {"type": "tool_call", "id": "a", "name": "upload", "arguments": {"image": url}},
                {
                    "type": "tool_call",
                    "id": "b",
                    "name": "upload",
                    "arguments": json.dumps({"image": url}),
                },
            ],
        },
        {
            "role": "tool",
            "parts": [
                {"type": "tool_call_response", "id": "a", "response": url},
                {"type": "tool_call_response", "id": "b", "response": {"source": {"base64": png}}},
            ],
        },
    ]
    with sentry_agents.chat("m", messages=history) as llm:
        llm.set_output(history[:1])

    assert png.encode() not in sentry.raw()
    blob = "[Blob substitute]"
    span = sentry.named("chat m")
    for key in ("gen_ai.input.messages", "gen_ai.output.messages"):
        calls = span.json_attribute(key)[0]["parts"]
        assert calls[0]["arguments"] == {"image": blob}
        assert calls[1]["arguments"] == json.dumps({"image": blob}, separators=(",", ":"))
    responses = span.json_attribute("gen_ai.input.messages")[1]["parts"]
    assert [r["response"] for r in responses] == [blob, {"source": {"base64": blob}}]


def test_json_on_a_later_line_of_a_tool_result_is_scrubbed(sentry):
    """A tool result of several parts (an MCP result's text blocks joined one per line,
    JSON Lines, JSON after a heading): each line that begins a JSON object or array is
    scrubbed as that JSON, on the client's tool span, the MCP server's span and in the
    next model call's history alike; pretty-printed JSON stays one document, and text
    without a secret is sent as is."""
    config = json.dumps({"host": "db.internal", "password": "CANARY-1"})
    other = json.dumps({"api_key": "CANARY-2", "region": "eu"})
    pretty = json.dumps({"rows": [{"token": "CANARY-3"}], "n": 1}, indent=2)
    results = {
        "heading": {
            "content": [{"type": "text", "text": "Settings:"}, {"type": "text", "text": config}]
        },
        "two documents": {
            "content": [{"type": "text", "text": config}, {"type": "text", "text": other}]
        },
        "json lines": f"{config}\n{other}",
        "pretty": f"Rows:\n{pretty}",
        "no secret": 'Found:\n{"city": "Lyon"}\n[1, 2]',
    }
    for name, result in results.items():
        with sentry_agents.execute_tool(name, mcp_server="db") as tool:
            tool.set_result(result)
        with sentry_agents.mcp_server("tools/call", name, request_id=1) as server:
            server.set_result(result)
    # The same text sent back to the model, in the next call's history.
    history = [
        {"role": "tool", "tool_call_id": "c1", "content": f"Settings:\n{config}"},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "t1", "content": f"{config}\n{other}"}
            ],
        },
    ]
    with sentry_agents.chat("m", messages=history):
        pass
    raw = sentry.raw()
    assert b"CANARY" not in raw
    sent = {
        s.name: s.attributes["gen_ai.tool.call.result"]
        for s in sentry.spans()
        if s.op == "gen_ai.execute_tool"
    }
    heading, config_sent = sent["execute_tool heading"].split("\n")
    assert heading == "Settings:"
    assert json.loads(config_sent) == {"host": "db.internal", "password": "[Filtered]"}
    lines = [json.loads(line) for line in sent["execute_tool two documents"].split("\n")]
    assert lines == [
        {"host": "db.internal", "password": "[Filtered]"},
        {"api_key": "[Filtered]", "region": "eu"},
    ]
    assert sent["execute_tool json lines"] == sent["execute_tool two documents"]
    title, document = sent["execute_tool pretty"].split("\n", 1)
    assert title == "Rows:"
    assert json.loads(document) == {"rows": [{"token": "[Filtered]"}], "n": 1}
    assert sent["execute_tool no secret"] == results["no secret"]
    messages = sentry.named("chat m").json_attribute("gen_ai.input.messages")
    response = messages[0]["parts"][0]["response"]
    assert response == 'Settings:\n{"host":"db.internal","password":"[Filtered]"}'
    assert messages[1]["parts"][0]["response"] == sent["execute_tool two documents"]


def test_text_around_json_lines_is_kept_and_data_that_cannot_be_read_is_cut(sentry):
    """Only JSON that parses is scrubbed in a text that does not begin like JSON (the
    lines around it are kept; a line of code that merely starts with a bracket is left
    alone); a text that begins like JSON but cannot be read is cut after its first
    secret's key, its later lines included."""
    doc = 'Send this body:\n{"api_key": "CANARY-1", "model": "gpt-4o"}\nThen read the reply.\n'
    code = "import requests\n[get(u, headers={'authorization': auth()}) for u in urls]\nsave()\n"
    fence = 'Config:\n```json\n{\n  "password": "CANARY-2"\n}\n```\nDone.'
    cut_short = '{"city": "Paris"}\n{"token": "CANARY-3", "city": "Ly'
    python_repr = "{'token': 'CANARY-4', 'accounts':\n[Account(api_key='CANARY-5')]}"
    results = {"doc": doc, "fence": fence, "cut short": cut_short, "repr": python_repr}
    for name, result in results.items():
        with sentry_agents.execute_tool(name) as tool:
            tool.set_result(result)
    with sentry_agents.execute_tool("run", arguments={"code": code}):
        pass
    assert b"CANARY" not in sentry.raw()

    def sent(name: str) -> str:
        return sentry.named(f"execute_tool {name}").attributes["gen_ai.tool.call.result"]

    heading, body, rest = sent("doc").split("\n", 2)
    assert (heading, rest) == ("Send this body:", "Then read the reply.\n")
    assert json.loads(body) == {"api_key": "[Filtered]", "model": "gpt-4o"}
    assert sent("fence").startswith("Config:\n```json\n{") and sent("fence").endswith(
        "}\n```\nDone."
    )
    assert sent("cut short") == '{"city": "Paris"}\n{"token": [Filtered]'
    assert sent("repr") == "{'token': [Filtered]"
    arguments = sentry.named("execute_tool run").json_attribute("gen_ai.tool.call.arguments")
    assert arguments == {"code": code}


def test_code_and_lines_of_json_that_never_parses_are_sent_scrubbed(sentry):
    """A tool's result of code with braces on lines of their own keeps the code as
    written and scrubs the JSON line in it; lines beginning JSON that never parses,
    past what is read of them, are cut after the first secret's key that follows."""
    code = "void f(char *token)\n{\n    use(token);\n}\n" * 10
    results = {
        "code": code + '{"password": "CANARY-1", "a": 1}\n' + code,
        "brackets": "Log\n" + "[\n" * 16_000 + '{"password": "CANARY-2"}\nDone.\n',
    }
    for name, result in results.items():
        with sentry_agents.execute_tool(name) as tool:
            tool.set_result(result)
    assert b"CANARY" not in sentry.raw()

    def sent(name: str) -> str:
        return sentry.named(f"execute_tool {name}").attributes["gen_ai.tool.call.result"]

    assert sent("code").startswith(code + '{"password":"[Filtered]","a":1}\n')
    assert sent("brackets").startswith("Log\n[\n[\n")


def test_pretty_printed_json_cut_short_is_scrubbed_object_by_object_however_deep():
    """A tree written as indented JSON and cut short (a tool's long result, a stopped
    stream): each object or array open where it stops begins a line and fails to parse
    there, read to the end each, whatever their number; every whole object in them
    is still scrubbed in place and the rest sent, not all cut after the first secret's
    key as text past what is read of lines that never parse is."""
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    rows = [{"id": i, "api_key": f"CANARY-{i}"} for i in range(2_000)]
    tree: Any = rows
    for name in "cbaz":
        tree = [{"name": name, "children": tree}]
    text = json.dumps(tree, indent=2)[:-200]
    sent = scrub_text(text, scrubber)
    assert "CANARY" not in sent
    head = text[: text.index("{\n", text.index('"c"'))]
    assert sent.startswith(head + '{"id":0,"api_key":"[Filtered]"}')
    assert '{"id":1990,"api_key":"[Filtered]"}' in sent


def test_text_that_begins_like_json_is_cut_after_a_bare_secret_key_too(sentry):
    """An object literal with bare keys (``{password: "..."}``, as JavaScript writes it
    and models sometimes answer) begins like JSON and cannot be read: it is cut after
    its first secret's key, as a quoted key is; it was sent whole."""
    literal = '{city: "Paris", password: "CANARY-BARE", note: "x"}'
    nested = '[{user: "ada", auth: {token: "CANARY-NESTED"}}]'
    for name, text in {"literal": literal, "nested": nested}.items():
        with sentry_agents.execute_tool(name, arguments=text) as tool:
            tool.set_result(text)
    assert b"CANARY" not in sentry.raw()
    literal_sent = sentry.named("execute_tool literal").attributes["gen_ai.tool.call.result"]
    assert literal_sent == '{city: "Paris", password: [Filtered]'
    nested_sent = sentry.named("execute_tool nested").attributes["gen_ai.tool.call.result"]
    assert nested_sent == '[{user: "ada", auth: [Filtered]'


def test_a_secret_key_written_with_escapes_in_text_cut_short_is_never_sent(sentry):
    """A tool's JSON cut short (a stopped stream, a truncated file) naming a secret under
    a key written with escapes (``"db\\/password"``, ``"api\\"key"``) or longer than 256
    characters: cut after that key, as a key written plainly is. It was sent whole."""
    keys = {"solidus": "db\\/password", "quote": 'api\\"key', "long": "x" * 300 + "_token"}
    for name, key in keys.items():
        with sentry_agents.execute_tool(name) as tool:
            tool.set_result('{"city": "Paris", "' + key + '": "CANARY", "more": [1, 2')
    assert b"CANARY" not in sentry.raw()
    for name, key in keys.items():
        sent = sentry.named(f"execute_tool {name}").attributes["gen_ai.tool.call.result"]
        assert sent == '{"city": "Paris", "' + key + '": [Filtered]'


# Secrets' keys as JSON text writes them with escapes, or longer than 256 characters.
ESCAPED_SECRET_KEYS = (
    "db\\/password",
    "pass\\u0077ord",
    'api\\"key',
    "user\\\\password",
    "x" * 300 + "_api_key",
)


def test_a_secret_key_written_with_escapes_in_json_encoded_twice_and_cut_short_is_cut():
    """JSON encoded twice (a tool's result that is a JSON string of JSON) and cut short,
    naming a secret under a key written with escapes or longer than 256 characters: its
    quotes are escaped once more (``\\"db\\\\/password\\":``), so neither the keys read
    plainly nor those read with escapes find it. It is cut after that key, as the same
    text whole (which parses) is scrubbed; it was sent whole."""
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for key in ESCAPED_SECRET_KEYS:
        inner = '{"city": "Paris", "' + key + '": "CANARY", "more": [1, 2, 3]}'
        for encoded in (json.dumps(inner), json.dumps(json.dumps(inner))):
            # cut in a list, and in an escape (a backslash before the quote of "more")
            for end in (len(encoded) - 4, encoded.index("more") - 1):
                sent = scrub_text(encoded[:end], scrubber)
                assert "CANARY" not in sent, sent
                assert sent.startswith(encoded[:8]) and sent.endswith(" [Filtered]"), sent


def test_a_secret_key_written_with_escapes_in_json_encoded_twice_within_text_cut_short():
    """JSON encoded twice as a value of JSON cut short (a tool's result holding a JSON
    string of JSON: ``{"r": "{\\"db\\\\/password\\": ...``), or on a line after other
    JSON or after a JSON string, naming a secret under a key written with escapes or
    longer than 256 characters: read decoded, what cannot be read is not kept. It was
    sent whole."""
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for key in ESCAPED_SECRET_KEYS:
        inner = json.dumps('{"city": "Paris", "' + key + '": "CANARY", "more": [1, 2, 3]}')
        for outer in (
            '{"r": ' + inner,
            json.dumps(json.dumps({"r": json.loads(inner)}))[:-8],
            "[" + inner,
            '{"x": 1}\n' + inner,
            '"a", ' + inner,  # a JSON string first, then more: neither JSON nor a string cut short
            '"note" {"r": ' + inner,
        ):
            sent = scrub_text(outer[:-4], scrubber)
            assert "CANARY" not in sent, sent


def test_a_secret_key_in_a_python_repr_cut_short_is_read_as_python_writes_escapes():
    """A Python ``repr`` (or ``ascii``) of a dict cut short, naming a secret under a key
    whose words a control character parts (``'api\\nkey'``, ``"it's api\\x0bkey"``):
    its escapes are read as Python writes them, as a JSON key's are read as JSON writes
    them, so it is cut after that key; read as the letter escaped (``apinkey``), it was
    sent whole."""
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for key in ("api\nkey", "auth\ttoken", "api\x0bkey", "it's api\x0bkey", "é api\x0bkey"):
        for write in (repr, ascii):
            text = write({"city": "Paris", key: "CANARY", "more": [1, 2, 3]})[:-4]
            sent = scrub_text(text, scrubber)
            assert sent == text[: text.index("CANARY") - 2] + " [Filtered]", sent


def test_a_quoted_secret_key_inside_a_longer_one_in_the_other_quotes_is_cut_after():
    """Text that cannot be read holding a key in single quotes within what reads as a
    key in double quotes whose closing quote is escaped and followed by a colon
    (``"{'password': \\":``): cut after that secret's key, as the regex finding keys
    referring back to the backslashes cut it."""
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    texts = {
        "{\"q\": \"{'password': \\\": 'CANARY'}": '{"q": "{\'password\': [Filtered]',
        "\"{'password': \\\": 'CANARY'": "\"{'password': [Filtered]",
        "{'q': '{\"token\": \\': \"CANARY\"}": "{'q': '{\"token\": [Filtered]",
    }
    for text, sent in texts.items():
        assert scrub_text(text, scrubber) == sent


def test_key_names_match_by_their_words_but_token_counts_stay(sentry):
    arguments = {
        "X-Api-Key": "CANARY-1",
        "access_token": "CANARY-2",
        "client_secret": "CANARY-3",
        "OPENAI_API_KEY": "CANARY-4",
        "refresh_token": "CANARY-5",
        "apiKey": "CANARY-6",
        "db_password": "CANARY-7",
        "password2": "CANARY-8",  # a number is a word of its own (Django's password1/2)
        "apiKey2": "CANARY-9",
        "max_tokens": 256,
        "token_count": 12,
        "author": "Jane",
        "tokenizer": "cl100k",
        "sha256": "abc",
        "auth0_domain": "acme.auth0.com",  # the identity provider, not an auth secret
    }
    with sentry_agents.execute_tool("call_api", arguments=arguments) as tool:
        # JSON text read from a file with its byte order mark
        tool.set_result('\ufeff{"password": "CANARY-10", "ok": true}')
    raw = sentry.raw()
    assert not any(f"CANARY-{i}".encode() in raw for i in range(1, 11))
    span = sentry.named("execute_tool call_api")
    sent = span.json_attribute("gen_ai.tool.call.arguments")
    assert sent["max_tokens"] == 256 and sent["token_count"] == 12
    assert sent["author"] == "Jane" and sent["tokenizer"] == "cl100k" and sent["sha256"] == "abc"
    assert sent["auth0_domain"] == "acme.auth0.com"
    result = json.loads(span.attributes["gen_ai.tool.call.result"])
    assert result == {"password": "[Filtered]", "ok": True}


def test_decorated_agents_and_tools_scrub_arguments_by_parameter_name(sentry):
    @sentry_agents.agent
    def run(question: str, api_key: str) -> dict[str, str]:
        return {"answer": "Rain.", "token": "CANARY-RETURN"}

    @sentry_agents.tool
    def fetch(city: str, password: str) -> str:
        """Fetch the weather."""
        return "rain"

    @sentry_agents.agent
    def single(api_key: str) -> str:
        return "ok"

    run("Weather?", "CANARY-ARG")
    fetch("Paris", password="CANARY-TOOL")
    single("CANARY-SINGLE")
    raw = sentry.raw()
    for canary in (b"CANARY-RETURN", b"CANARY-ARG", b"CANARY-TOOL", b"CANARY-SINGLE"):
        assert canary not in raw
    agent = sentry.named("invoke_agent run")
    output = agent.json_attribute("gen_ai.output.messages")[0]["parts"][0]["content"]
    assert json.loads(output) == {"answer": "Rain.", "token": "[Filtered]"}
    tool = sentry.named("execute_tool fetch").json_attribute("gen_ai.tool.call.arguments")
    assert tool == {"city": "Paris", "password": "[Filtered]"}


def test_tool_definition_defaults_of_secrets_are_scrubbed(sentry):
    def search(query: str, api_key: str = "CANARY-DEFAULT", limit: int = 5) -> str:
        """Search the web."""
        return query

    with sentry_agents.chat("m", tools=[search]):
        pass
    assert b"CANARY-DEFAULT" not in sentry.raw()
    definitions = sentry.named("chat m").json_attribute("gen_ai.tool.definitions")
    properties = definitions[0]["parameters"]["properties"]
    assert properties["api_key"]["default"] == "[Filtered]"
    assert properties["limit"]["default"] == 5


def test_a_tool_of_no_known_shape_is_never_sent_as_its_text(sentry):
    """A tool in ``tools=`` with no name, type, function or schema (a dict of some other
    shape, an object of the app's) was named by its ``str``: a dict's repr, unscrubbed,
    with its secrets. It is a placeholder now; a tool given by its name stays named."""

    class Settings:
        def __repr__(self) -> str:
            return "Settings(api_key='CANARY-OBJECT')"

    def search(query: str) -> str:
        """Search the web."""
        return query

    tools = [{"api_key": "CANARY-DICT", "region": "eu"}, Settings(), 3.5, "web_search", search]
    with sentry_agents.chat("m", tools=tools):
        pass
    raw = sentry.raw()
    assert b"CANARY-DICT" not in raw
    assert b"CANARY-OBJECT" not in raw
    definitions = sentry.named("chat m").json_attribute("gen_ai.tool.definitions")
    assert [d["name"] for d in definitions] == [
        "[unconvertible tool]",
        "[unconvertible tool]",
        "[unconvertible tool]",
        "web_search",
        "search",
    ]


def test_a_tools_name_type_or_description_that_is_not_text_is_never_sent_as_its_text(sentry):
    """A tool whose ``name``, ``type`` or ``description`` is a dict (or another object)
    was sent with that value's repr, unscrubbed; the name is a placeholder now, the type
    ``function``, the description left out."""
    secret = {"api_key": "CANARY"}
    tools = [
        {"type": "function", "function": {"name": secret, "parameters": {}}},
        {"name": "lookup", "type": secret, "description": secret},
        {"type": secret},
        {"name": "", "description": "Finds things."},
    ]
    with sentry_agents.chat("m", tools=tools):
        pass
    assert b"CANARY" not in sentry.raw()
    definitions = sentry.named("chat m").json_attribute("gen_ai.tool.definitions")
    assert [(d["type"], d["name"], d.get("description")) for d in definitions] == [
        ("function", "[unconvertible tool]", None),
        ("function", "lookup", None),
        ("function", "[unconvertible tool]", None),
        ("function", "", "Finds things."),
    ]


def test_unknown_blocks_are_structure_and_one_bad_message_is_a_placeholder(sentry, mocker):
    from sentry_agents import _messages

    real = _messages._convert_one

    def fails_on_the_second(item, default_role):
        if isinstance(item, dict) and item.get("content") == "UNREADABLE":
            raise RuntimeError("a message shape nobody foresaw")
        return real(item, default_role)

    mocker.patch.object(_messages, "_convert_one", side_effect=fails_on_the_second)
    messages = [
        {"role": "user", "content": [{"type": "custom_block", "api_key": "CANARY-BLOCK"}]},
        {"role": "user", "content": "UNREADABLE", "password": "CANARY-REPR"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c", "function": {"name": "f", "arguments": '{"secret": "CANARY-KEPT"}'}}
            ],
        },
    ]
    with sentry_agents.chat("m", messages=messages):
        pass
    raw = sentry.raw()
    for canary in (b"CANARY-BLOCK", b"CANARY-REPR", b"CANARY-KEPT"):
        assert canary not in raw
    sent = sentry.named("chat m").json_attribute("gen_ai.input.messages")
    assert sent[0]["parts"] == [{"type": "custom_block", "api_key": "[Filtered]"}]
    assert sent[1]["parts"] == [{"type": "text", "content": "[unconvertible message]"}]
    assert sent[2]["parts"][0]["arguments"] == {"secret": "[Filtered]"}


def test_containers_and_namespaces_are_structure_never_their_text(sentry):
    """A deque, a UserList, a mapping's views, a SimpleNamespace, an argparse Namespace
    and an attrs instance were recorded as their text, which is the repr of what they
    hold: secrets and all. They are converted as lists and dicts are, and scrubbed; a
    conversation kept in a deque is read as its messages."""
    import argparse
    import collections
    import types

    call = {"id": "c", "type": "function", "function": {"name": "f", "arguments": ""}}
    history = collections.deque(
        [
            {"role": "user", "content": "log me in"},
            {
                "role": "assistant",
                "tool_calls": [
                    {**call, "function": {"name": "login", "arguments": '{"password": "CANARY-1"}'}}
                ],
            },
        ],
        maxlen=20,
    )
    values: dict[str, Any] = {
        "deque": collections.deque([{"password": "CANARY-2"}]),
        "user_list": collections.UserList([{"api_key": "CANARY-3"}]),
        "items": {"token": "CANARY-4", "city": "Paris"}.items(),
        "values": {"a": {"secret": "CANARY-5"}}.values(),
        "namespace": types.SimpleNamespace(city="Paris", password="CANARY-6"),
        "arguments": argparse.Namespace(city="Paris", api_key="CANARY-7"),
    }
    try:
        import attr
    except ImportError:  # attrs is optional here
        pass
    else:

        @attr.s
        class Login:
            user = attr.ib(default="ada")
            password = attr.ib(default="CANARY-8")
            dsn = attr.ib(default="postgres://ada:CANARY-9@db", repr=False)

        values["attrs"] = Login()
    with sentry_agents.chat("m", messages=history):
        pass
    for name, value in values.items():
        with sentry_agents.execute_tool(name, arguments={"held": value}) as tool:
            tool.set_result(value)
    raw = sentry.raw()
    for n in range(1, 10):
        assert f"CANARY-{n}".encode() not in raw
    sent = sentry.named("chat m").json_attribute("gen_ai.input.messages")
    assert [m["role"] for m in sent] == ["user", "assistant"]
    assert sent[1]["parts"][0]["arguments"] == {"password": "[Filtered]"}
    results = {
        name: json.loads(sentry.named(f"execute_tool {name}").attributes["gen_ai.tool.call.result"])
        for name in values
    }
    assert results["deque"] == [{"password": "[Filtered]"}]
    assert results["items"] == {"token": "[Filtered]", "city": "Paris"}
    assert results["namespace"] == {"city": "Paris", "password": "[Filtered]"}
    assert results["arguments"] == {"city": "Paris", "api_key": "[Filtered]"}
    if "attrs" in results:
        assert results["attrs"] == {"user": "ada", "password": "[Filtered]"}


def test_dataclass_fields_kept_out_of_its_text_are_kept_out_of_sentry(sentry):
    """``field(repr=False)`` is how a dataclass keeps a secret out of its text; a name the
    deny list does not know (``dsn``) was sent all the same."""
    import dataclasses

    @dataclasses.dataclass
    class Database:
        host: str
        dsn: str = dataclasses.field(repr=False, default="postgres://ada:CANARY-DSN@db/app")

    with sentry_agents.execute_tool("connect", arguments={"db": Database("db")}) as tool:
        tool.set_result(Database("db"))
    assert b"CANARY-DSN" not in sentry.raw()
    span = sentry.named("execute_tool connect")
    assert span.json_attribute("gen_ai.tool.call.arguments") == {"db": {"host": "db"}}
    assert json.loads(span.attributes["gen_ai.tool.call.result"]) == {"host": "db"}


def test_content_not_sent_when_gate_closed(sentry, mocker):
    sentry.init(send_default_pii=False)
    to_messages = mocker.spy(sentry_agents._model, "to_gen_ai_messages")
    with sentry_agents.invoke_agent("A", messages="secret prompt canary-1") as agent:
        with sentry_agents.chat("m", messages=[{"role": "user", "content": "canary-2"}]) as llm:
            llm.set_output("canary-3")
            llm.set_usage(input_tokens=3, output_tokens=4)
            llm.set_finish_reasons("stop")
        with sentry_agents.execute_tool("lookup", arguments={"q": "canary-4"}) as tool:
            tool.set_result("canary-5")
        agent.set_output("canary-6")
    raw = sentry.raw()
    assert b"canary" not in raw
    assert to_messages.call_count == 0, "content must not even be converted when the gate is closed"
    chat = sentry.named("chat m").attributes
    assert chat["gen_ai.usage.input_tokens"] == 3
    assert chat["gen_ai.request.model"] == "m"
    assert json.loads(chat["gen_ai.response.finish_reasons"]) == ["stop"]
    assert sentry.named("execute_tool lookup").attributes["gen_ai.tool.name"] == "lookup"


@pytest.mark.skipif(not HAS_DATA_COLLECTION, reason="sentry-sdk without data_collection")
def test_data_collection_gate_and_overrides(sentry):
    sentry.init(
        send_default_pii=False, data_collection={"gen_ai": {"inputs": True, "outputs": False}}
    )
    with sentry_agents.chat("m", messages="in-text") as llm:
        llm.set_output("out-text")
    with sentry_agents.chat(
        "forced", messages="in2", record_inputs=False, record_outputs=True
    ) as llm:
        llm.set_output("out2")
    attrs = sentry.named("chat m").attributes
    assert "gen_ai.input.messages" in attrs and "gen_ai.output.messages" not in attrs
    forced = sentry.named("chat forced").attributes
    assert "gen_ai.input.messages" not in forced and "gen_ai.output.messages" in forced


def test_configure_forces_the_gate(sentry):
    sentry.init(send_default_pii=False)
    sentry_agents.configure(record_inputs=True, record_outputs=True)
    with sentry_agents.chat("m", messages="hello") as llm:
        llm.set_output("bye")
    attrs = sentry.named("chat m").attributes
    assert "hello" in attrs["gen_ai.input.messages"] and "bye" in attrs["gen_ai.output.messages"]


@pytest.mark.parametrize("unclear", ["false", "no", 0, 1, "", [], object()])
def test_a_content_gate_that_is_not_a_bool_never_opens_it(sentry, sdk_log, unclear):
    """``record_inputs="false"`` turned recording on (the string is true to ``bool``):
    ``configure`` refuses anything but ``True``, ``False`` and ``None``; a helper given
    one records nothing of that content, even with sentry-sdk's gate open, and says why
    in sentry-sdk's log."""
    sentry.init(send_default_pii=True, debug=True)
    with pytest.raises(TypeError, match="record_inputs must be True, False or None"):
        sentry_agents.configure(record_inputs=unclear)
    with pytest.raises(TypeError, match="record_outputs must be True, False or None"):
        sentry_agents.configure(record_outputs=unclear)
    with sentry_agents.chat(
        "m", messages="canary-in", record_inputs=unclear, record_outputs=unclear
    ) as llm:
        llm.set_output("canary-out")
    assert b"canary" not in sentry.raw()
    assert "record_inputs must be True, False or None" in sdk_log.text


@pytest.mark.parametrize("unclear", ["false", "no", 1, ""])
def test_capture_errors_that_is_not_a_bool_sends_no_error_event(sentry, sdk_log, unclear):
    """``capture_errors="false"`` (read from an environment variable) sent error events,
    as ``record_inputs="false"`` recorded content: the string is true to ``bool``.
    ``configure`` refuses it (and ``genai_prices="false"``, which imported and used the
    package); a helper given one sends no error event, and says why."""
    sentry.init(debug=True)
    with pytest.raises(TypeError, match="capture_errors must be True or False"):
        sentry_agents.configure(capture_errors=unclear)
    with pytest.raises(TypeError, match="genai_prices must be True or False"):
        sentry_agents.configure(genai_prices=unclear)
    assert sentry_agents._config.settings() == sentry_agents._config.Settings()
    error = TimeoutError("the model took too long")
    with pytest.raises(TimeoutError) as raised:
        with sentry_agents.chat("m", capture_errors=unclear):
            raise error
    assert raised.value is error
    assert sentry.named("chat m").is_error()
    assert sentry.events() == []
    assert "capture_errors must be True, False or None" in sdk_log.text


@pytest.mark.parametrize(
    ("type_name", "module"), [("bool_", "numpy"), ("bool", "numpy")], ids=["numpy<2", "numpy2"]
)
def test_numpys_bool_is_a_bool(sentry, type_name, module):
    """numpy's bool (``numpy.bool_``; since NumPy 2 ``numpy.bool``, ``bool_`` an alias of
    it) is read as the bool it holds: configure raised TypeError and a helper given one
    recorded nothing. (A stand-in named and placed as numpy's: numpy is not needed.)"""

    NumpyBool = numpy_bool(type_name, module)
    sentry.init(send_default_pii=False)
    sentry_agents.configure(record_inputs=NumpyBool(True))
    with sentry_agents.chat("m", messages="canary-in", record_outputs=NumpyBool(False)) as llm:
        llm.set_output("canary-out")
    raw = sentry.raw()
    assert b"canary-in" in raw and b"canary-out" not in raw


def _anthropic_integration(include_prompts: bool) -> Any:
    from sentry_sdk.integrations.anthropic import AnthropicIntegration

    if "include_prompts" not in inspect.signature(AnthropicIntegration.__init__).parameters:
        pytest.skip("this sentry-sdk's AI integrations have no include_prompts")
    return AnthropicIntegration(include_prompts=include_prompts)


@pytest.mark.skipif(not HAS_TRANSACTIONS, reason="send_default_pii: sentry-sdk 2.x")
def test_an_ai_integration_set_not_to_include_prompts_closes_the_gate(sentry):
    """``send_default_pii=True`` with an AI integration of sentry-sdk's set up with
    ``include_prompts=False``: that integration records no content, and neither do our
    spans (unless ``configure`` forces it), where they recorded everything."""
    sentry.init(send_default_pii=True, integrations=[_anthropic_integration(False)])
    with sentry_agents.chat("m", provider="anthropic", messages="canary-in") as llm:
        llm.set_output("canary-out")
    with sentry_agents.execute_tool("t", arguments={"q": "canary-arg"}):
        pass
    sentry_agents.configure(record_inputs=True)
    with sentry_agents.chat("forced", messages="canary-forced") as llm:
        llm.set_output("canary-hidden")
    raw = sentry.raw()
    assert b"canary-forced" in raw
    for hidden in (b"canary-in", b"canary-out", b"canary-arg", b"canary-hidden"):
        assert hidden not in raw


@pytest.mark.skipif(not HAS_TRANSACTIONS, reason="send_default_pii: sentry-sdk 2.x")
def test_an_ai_integration_given_a_false_include_prompts_closes_the_gate(sentry):
    """sentry-sdk's integrations test ``include_prompts`` for truth: ``include_prompts=0``
    closes theirs, and must close ours (only ``False`` itself did)."""
    sentry.init(send_default_pii=True, integrations=[_anthropic_integration(0)])  # type: ignore[arg-type]
    with sentry_agents.chat("m", messages="canary-in") as llm:
        llm.set_output("canary-out")
    assert b"canary" not in sentry.raw()


@pytest.mark.skipif(not HAS_TRANSACTIONS, reason="send_default_pii: sentry-sdk 2.x")
def test_an_ai_integration_including_prompts_leaves_the_gate_open(sentry):
    sentry.init(send_default_pii=True, integrations=[_anthropic_integration(True)])
    with sentry_agents.chat("m", messages="canary-in") as llm:
        llm.set_output("canary-out")
    raw = sentry.raw()
    assert b"canary-in" in raw and b"canary-out" in raw


def test_an_image_or_file_by_url_keeps_no_signature_or_credentials(sentry):
    """A pre-signed URL given as an image (OpenAI ``image_url``, Anthropic's URL source,
    a Responses ``input_image``) is as good as a credential for as long as it is valid:
    its signature and any ``user:password@`` are filtered as an MCP resource URI's are."""
    signed = "https://b.s3.amazonaws.com/cat.png?X-Amz-Expires=300&X-Amz-Signature=CANARY1"
    sas = "https://acct.blob.core.windows.net/c/cat.png?sv=2024&sig=CANARY2"
    userinfo = "https://ada:CANARY3@files.example.com/cat.png"
    messages = [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": signed}}]},
        {"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": sas}}]},
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_image", "image_url": userinfo}],
        },
    ]
    with sentry_agents.chat("m", messages=messages) as llm:
        llm.set_output([{"type": "image", "source": {"type": "url", "url": signed}}])
    raw = sentry.raw()
    assert b"CANARY" not in raw
    attributes = sentry.named("chat m").attributes
    uris = [
        part["uri"]
        for key in ("gen_ai.input.messages", "gen_ai.output.messages")
        for message in json.loads(attributes[key])
        for part in message["parts"]
        if part["type"] == "uri"
    ]
    assert uris == [
        signed.replace("CANARY1", "[Filtered]"),
        sas.replace("CANARY2", "[Filtered]"),
        "https://[Filtered]:[Filtered]@files.example.com/cat.png",
        signed.replace("CANARY1", "[Filtered]"),
    ]


def test_embeddings_inputs_are_scrubbed_as_rerank_documents_are(sentry):
    """Records embedded as JSON (text or structured inputs) kept their secrets, while the
    same records given to ``rerank`` as documents were scrubbed."""
    record = {"name": "Ada", "api_key": "CANARY-EMBED"}
    with sentry_agents.embeddings(
        "text-embedding-3-small", inputs=[json.dumps(record), {"password": "CANARY-PART"}]
    ):
        pass
    with sentry_agents.rerank("rerank-v3.5", documents=[json.dumps(record)]):
        pass
    raw = sentry.raw()
    assert b"CANARY" not in raw
    sent = sentry.named("embeddings text-embedding-3-small").json_attribute(
        "gen_ai.embeddings.input"
    )
    assert json.loads(sent[0]) == {"name": "Ada", "api_key": "[Filtered]"}


# --- URIs (an MCP resource's): credentials filtered, whatever the gate says ----------------

DEFAULT_SCRUBBER = scrubber_for(DEFAULT_SCRUB_KEYS)


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("postgres://admin:hunter2@db/x", "postgres://[Filtered]:[Filtered]@db/x"),
        ("https://ghp_abc@github.com/o/r", "https://[Filtered]:[Filtered]@github.com/o/r"),
        ("postgres://a:p@ss#1@db/x", "postgres://[Filtered]:[Filtered]@db/x"),
        ("postgres://a:p?ss@db:5432/x", "postgres://[Filtered]:[Filtered]@db:5432/x"),
        ("https://host/file?api_key=abc&v=2", "https://host/file?api_key=[Filtered]&v=2"),
        (
            "https://h/?X-Api-Key=1&apiKey=2&max_tokens=3",
            "https://h/?X-Api-Key=[Filtered]&apiKey=[Filtered]&max_tokens=3",
        ),
        (
            "s3://b/k?X-Amz-Security-Token=t&token_count=3",
            "s3://b/k?X-Amz-Security-Token=[Filtered]&token_count=3",
        ),
        ("https://h/cb#access_token=t&state=s", "https://h/cb#access_token=[Filtered]&state=s"),
        # Pre-signed URLs: the signature is what grants access.
        (
            "s3://b/k?X-Amz-Credential=c&X-Amz-Signature=s&X-Amz-Expires=60",
            "s3://b/k?X-Amz-Credential=[Filtered]&X-Amz-Signature=[Filtered]&X-Amz-Expires=60",
        ),
        (
            "https://a.blob.core.windows.net/c/f?sv=2024&sig=abc%3D&se=2026",
            "https://a.blob.core.windows.net/c/f?sv=2024&sig=[Filtered]&se=2026",
        ),
        ("gs://b/o?X-Goog-Signature=abc", "gs://b/o?X-Goog-Signature=[Filtered]"),
        (
            "https://h/?api%5Fkey=k&db+password=p",
            "https://h/?api%5Fkey=[Filtered]&db+password=[Filtered]",
        ),
        (
            "https://h/p?next=https://u:p@i/q?token=t&ok=1",
            "https://h/p?next=https://[Filtered]:[Filtered]@i/q?token=[Filtered]&ok=1",
        ),
        ("jdbc:mysql://root:pw@db/app", "jdbc:mysql://[Filtered]:[Filtered]@db/app"),
        # Nothing to hide: kept as written.
        ("file:///notes.txt", "file:///notes.txt"),
        ("config://app", "config://app"),
        ("https://host?email=ada@example.com", "https://host?email=ada@example.com"),
        ("https://host/x?token=&token", "https://host/x?token=&token"),
        ("mailto:ada@example.com", "mailto:ada@example.com"),
        ("db://x/password/y", "db://x/password/y"),
    ],
)
def test_filter_uri_hides_userinfo_and_secret_parameters(uri, shown):
    from sentry_agents._privacy import filter_uri

    assert filter_uri(uri, DEFAULT_SCRUBBER) == shown


def test_filter_uri_follows_the_deny_list_but_always_hides_userinfo():
    from sentry_agents._privacy import filter_uri

    uri = "https://u:p@h/?customer_ref=c&api_key=k"
    custom = scrubber_for(DEFAULT_SCRUB_KEYS | {"customer_ref"})
    assert filter_uri(uri, custom) == (
        "https://[Filtered]:[Filtered]@h/?customer_ref=[Filtered]&api_key=[Filtered]"
    )
    off = scrubber_for(frozenset())
    assert filter_uri(uri, off) == "https://[Filtered]:[Filtered]@h/?customer_ref=c&api_key=k"


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("str")


@pytest.mark.parametrize(
    "hostile",
    [
        None,
        12,
        b"postgres://a:CANARY@h",
        _Unprintable(),
        "",
        "@",
        "//@",
        "?=&=#=;=",
        "http://[::1",
        "http://a:CANARY@[::1/x",
        "\ud800://u:CANARY@h?token=\udc00",
        "https://h/?token=%ZZ%ff\ud800",
        "x://\x00:CANARY\n@h",
        "//" + "a?b" * 100_000 + "@",
        "@" + "//" * 500_000,
        "@" + "//a#b" * 100_000,
        "?" + "token=1&" * 200_000,
        "//" + "x" * 1_000_000 + ":CANARY@h",
        "https://h/?token=" + "9" * 10_000,
    ],
    ids=lambda v: type(v).__name__ + str(len(v) if isinstance(v, (str, bytes)) else ""),
)
def test_filter_uri_is_total_and_linear_on_hostile_values(hostile):
    import time

    from sentry_agents._privacy import filter_uri

    started = time.perf_counter()
    shown = filter_uri(hostile, DEFAULT_SCRUBBER)
    assert time.perf_counter() - started < 2.0
    assert isinstance(shown, str)
    assert "CANARY" not in shown
    if isinstance(hostile, str) and "token=" in hostile:
        assert "token=1" not in shown and "token=9" not in shown


@given(user=st.text(), password=st.text(min_size=1), rest=st.text())
def test_filter_uri_never_sends_a_password_it_can_tell_from_the_path(user, password, rest):
    """Whatever the user name and password, but for a ``/`` in them (which begins the
    path) and a ``=`` (after a ``?`` or ``#``, a query's: ``host?to=ada@example.com``)."""
    from sentry_agents._privacy import filter_uri

    assume("/" not in user + password and "=" not in user + password)
    canary = f"\x01{password}\x02"
    uri = f"db://{user}:{canary}@host/{rest}"
    assert canary not in filter_uri(uri, DEFAULT_SCRUBBER)


def sent_everywhere(sentry, arguments: dict[str, Any]) -> list[Any]:
    """``arguments`` as a model's tool call and as a tool's result text: what
    ``serialize_messages`` (the direct writer), the general message path, a chat span's
    input messages and a tool span's arguments and result made of them, each parsed."""
    from sentry_agents import serialize_messages, to_gen_ai_messages
    from sentry_agents._config import settings
    from sentry_agents._jsonable import dumps
    from sentry_agents._privacy import scrub_messages

    if sentry.mode == "static":  # older 2.x cut strings at 1,024 characters
        sentry.init(max_value_length=100_000)
    text = json.dumps(arguments, ensure_ascii=False)
    messages = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "f", "arguments": text}}
            ],
        },
        {"role": "tool", "tool_call_id": "c", "content": text},
    ]
    direct = serialize_messages(messages)
    general = dumps(
        scrub_messages(to_gen_ai_messages(messages), scrubber_for(settings().scrub_keys))
    )
    assert direct == general
    with sentry_agents.chat("m", messages=messages):
        pass
    with sentry_agents.execute_tool("f", arguments=arguments) as tool:
        tool.set_result(text)
    span = json.loads(direct)
    chat = sentry.named("chat m").json_attribute("gen_ai.input.messages")
    assert chat == span
    tool_span = sentry.named("execute_tool f")
    return [
        span[0]["parts"][0]["arguments"],
        json.loads(span[1]["parts"][0]["response"]),
        tool_span.json_attribute("gen_ai.tool.call.arguments"),
        json.loads(tool_span.attributes["gen_ai.tool.call.result"]),
    ]


def test_deny_listed_names_in_any_script_are_scrubbed(sentry):
    """Letters of every script make words: ``пароль`` and ``密码`` were dropped from the
    deny list (no ASCII letter in them) and ``contraseña`` became ``contrase``."""
    sentry_agents.configure(scrub_keys=DEFAULT_SCRUB_KEYS | {"пароль", "密码", "contraseña"})
    arguments = {
        "Пароль": "CANARY-1",
        "密码": "CANARY-2",
        "user_密码": "CANARY-3",
        "CONTRASEÑA": "CANARY-4",
        "pa\u017f\u017fword": "CANARY-5",  # a long s folds to s: the default list's password
        "пароль2": "CANARY-6",  # noqa: RUF001
        "contrase": "kept",
        "паролька": "kept",
    }
    for sent in sent_everywhere(sentry, arguments):
        assert sent == {k: "kept" if v == "kept" else "[Filtered]" for k, v in arguments.items()}
    assert b"CANARY" not in sentry.raw()


def test_names_written_in_another_unicode_form_are_scrubbed(sentry):
    """A name is matched in its composed compatibility form (NFKC), however it is
    written: an accent apart from its letter (macOS file names, some keyboards), full-width
    letters (East Asian input), a deny-listed name given decomposed."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "contraseña")
    assert decomposed != "contraseña"
    sentry_agents.configure(
        scrub_keys=DEFAULT_SCRUB_KEYS | {"contraseña", unicodedata.normalize("NFD", "clé")}
    )
    arguments = {
        decomposed: "CANARY-1",
        "ｐａｓｓｗｏｒｄ": "CANARY-2",  # noqa: RUF001
        "ＡＰＩ＿ＫＥＹ": "CANARY-3",  # noqa: RUF001
        "user_clé": "CANARY-4",
        "contrase": "kept",
    }
    for sent in sent_everywhere(sentry, arguments):
        assert sent == {k: "kept" if v == "kept" else "[Filtered]" for k, v in arguments.items()}
    assert b"CANARY" not in sentry.raw()


@pytest.mark.parametrize(
    "text",
    [
        'Done.\r{"password": "CANARY"}',  # a line broken by \r alone (old Mac, some tools)
        'Done.\r\n{"password": "CANARY"}\r\nBye.',
        ' \ufeff{"password": "CANARY"}',  # a blank, then a file's byte order mark
        '\u00a0\ufeff\r\n{"password": "CANARY"}',
        '\u3000[{"token": "CANARY"}]',
        'Result:\r  \ufeff{"api_key": "CANARY"} trailing',
    ],
)
def test_json_after_a_carriage_return_or_blanks_and_marks_is_scrubbed(sentry, text):
    """``scrub_text`` read JSON only at the start of the text or of a line after ``\\n``:
    a ``\\r`` line break, or white space before a byte order mark, let it through, on
    both message writers and in a tool's result alike."""
    from sentry_agents import serialize_messages, to_gen_ai_messages
    from sentry_agents._jsonable import dumps
    from sentry_agents._privacy import scrub_messages

    messages = [
        {"role": "tool", "tool_call_id": "c", "content": text},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t", "content": text}],
        },
    ]
    direct = serialize_messages(messages)
    assert direct == dumps(scrub_messages(to_gen_ai_messages(messages), DEFAULT_SCRUBBER))
    assert "CANARY" not in direct
    with sentry_agents.chat("m", messages=messages):
        pass
    with sentry_agents.execute_tool("f", arguments={"note": text}) as tool:
        tool.set_result(text)
    assert b"CANARY" not in sentry.raw()
    assert "[Filtered]" in sentry.named("execute_tool f").attributes["gen_ai.tool.call.result"]


def test_a_name_added_in_camel_case_matches_every_spelling_of_it(sentry):
    """``configure`` lowercased each name before splitting it into words, so
    ``customerRef`` became the one word ``customerref`` and matched no ``customerRef``
    key. Names keep their spelling; a name of several words matches them run together."""
    sentry_agents.configure(scrub_keys=DEFAULT_SCRUB_KEYS | {"customerRef"})
    spellings = ["customerRef", "customer_ref", "CUSTOMER-REF", "CustomerREF", "customerref"]
    arguments = {key: f"CANARY-{i}" for i, key in enumerate(spellings)}
    arguments.update({"customer": "kept", "customer_name": "kept", "ref_hint": "kept"})
    for sent in sent_everywhere(sentry, arguments):
        assert sent == {k: "kept" if v == "kept" else "[Filtered]" for k, v in arguments.items()}
    assert b"CANARY" not in sentry.raw()
    assert "customerRef" in sentry_agents._config.settings().scrub_keys


def test_a_name_given_as_one_word_matches_that_word_in_any_case():
    """``customerref`` has no word boundary to go by: it matches keys where it is one
    word, in any case, not ``customer_ref``. Default names, given as one word or as
    several, match both spellings (``api_key``: ``apikey`` and ``API-Key``)."""
    from sentry_agents import serialize_messages

    sentry_agents.configure(scrub_keys=DEFAULT_SCRUB_KEYS | {"customerref"})
    arguments = {
        "customerref": "CANARY",
        "CUSTOMERREF": "CANARY",
        "customer_ref": "kept",
        "ipAddress": "CANARY",
        "ipaddress": "CANARY",
        "accesskey": "CANARY",
    }
    message = {
        "role": "assistant",
        "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": json.dumps(arguments)}}],
    }
    sent = json.loads(serialize_messages([message]))[0]["parts"][0]["arguments"]
    assert sent == {k: "kept" if v == "kept" else "[Filtered]" for k, v in arguments.items()}


def test_secrets_named_in_the_plural_are_scrubbed_and_token_counts_kept(sentry):
    """``api_keys``, ``passwords``, ``access_tokens`` went out as written: a key's word
    now matches a deny-listed word (or a name's last word) with ``s`` or ``es`` added.
    A name matched only in the plural names a count too: a number (or null) under it is
    kept, so every usage count of OpenAI, Anthropic and Google stays, and text or a list
    under it (``tokens: ["..."]``, ``max_tokens: "..."``) is filtered."""
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": 5,
        "total_tokens": 15,
        "input_tokens": 7,
        "output_tokens": 3,
        "cached_tokens": 0,
        "reasoning_tokens": 2,
        "cache_read_input_tokens": 4,
        "cache_creation_input_tokens": 1,
        "prompt_token_count": 10,
        "candidates_token_count": 5,
        "thoughts_token_count": 2,
        "cached_content_token_count": 0,
        "total_token_count": 17,
        "promptTokenCount": 10,
        "tokens": 1500,
        "max_tokens": None,
        "maxOutputTokens": 256,
        "api_keys": 2,
    }
    arguments = {
        "api_keys": {"openai": "CANARY-1"},
        "apiKeys": ["CANARY-2"],
        "X-Api-Keys": "CANARY-3",
        "passwords": ["CANARY-4"],
        "secrets": "CANARY-5",
        "access_tokens": ["CANARY-6"],
        "refreshTokens": "CANARY-7",
        "credentials": "CANARY-8",
        "ip_addresses": ["CANARY-9"],
        "sessions": {"id": "CANARY-10"},
        "tokens": ["CANARY-11"],
        "max_tokens": "CANARY-12",
        "usage": usage,
        "tokenizer": "kept",
        "keys": "kept",
        "authors": "kept",
        "status": "kept",
    }
    expected = {k: v if v == "kept" or k == "usage" else "[Filtered]" for k, v in arguments.items()}
    for sent in sent_everywhere(sentry, arguments):
        assert sent == expected
    assert b"CANARY" not in sentry.raw()


def test_secret_names_glued_into_one_word_are_scrubbed_and_counts_kept(sentry):
    """Keys written as one lowercase word (``newpassword``, ``clientsecret``,
    ``authtoken``) were not split into words and went out as written. A word that ends
    with a secret's name, or begins with one, is a secret's key; glued in the plural or
    to a count word it names a count too, and words made from a name (``tokenizer``,
    ``secretary``) are not secrets."""
    arguments = {
        "newpassword": "CANARY-1",
        "sslpassword": "CANARY-2",
        "dbpassword": "CANARY-3",
        "clientsecret": "CANARY-4",
        "secretkey": "CANARY-5",
        "authtoken": "CANARY-6",
        "refreshtoken": "CANARY-7",
        "idtoken": "CANARY-8",
        "bearertoken": "CANARY-9",
        "userpassword": "CANARY-10",
        "accesstoken": "CANARY-11",
        "apisecret": "CANARY-12",
        "awscredentials": {"key": "CANARY-13"},
        "passwordhash": "CANARY-14",
        "openaiapikey": "CANARY-15",
        "NEWPASSWORD": "CANARY-16",
        "newpassword2": "CANARY-17",
        "authtokens": ["CANARY-18"],
        "maxtokens": "CANARY-19",
        "oldpwd": "CANARY-20",
        "inputtokens": 120,
        "outputtokens": None,
        "tokencount": 12,
        "maxtoken": 64,
        "tokenizer": "cl100k",
        "tokenizers": ["o200k"],
        "tokenization": "bpe",
        "secretary": "Ada",
        "passwordless": True,
        "sessions": 3,
        "author": "Jane",
        "oauth_provider": "google",
    }
    expected = {k: "[Filtered]" if "CANARY" in json.dumps(v) else v for k, v in arguments.items()}
    for sent in sent_everywhere(sentry, arguments):
        assert sent == expected
    assert b"CANARY" not in sentry.raw()


def test_connection_strings_one_time_passwords_and_card_codes_are_scrubbed(sentry):
    """``dsn``, ``database_url``, ``connection_string``, ``otp``, ``cvv``/``cvc``, ``ssn``,
    ``signing_key`` and ``secret_key`` were not deny-listed (a DSN and a database URL
    hold a password); ``pin`` is not, nor a count of one-time passwords' digits."""
    arguments = {
        "dsn": "https://CANARY-1@o1.ingest.sentry.io/1",
        "SENTRY_DSN": "CANARY-2",
        "sentrydsn": "CANARY-3",
        "DATABASE_URL": "postgres://u:CANARY-4@db/app",
        "databaseUrl": "CANARY-5",
        "connection_string": "AccountKey=CANARY-6",
        "storageConnectionString": "CANARY-7",
        "otp": 918273645,
        "totp": "CANARY-8",
        "cvv": "CANARY-9",
        "card_cvc": 123,
        "ssn": "CANARY-10",
        "customer_ssn": "CANARY-11",
        "signingKey": "CANARY-12",
        "SECRET_KEY": "CANARY-13",
        "awssecretkey": "CANARY-14",
        "pin": True,
        "otp_length": 6,
        "url": "https://example.com",
        "database": "app",
    }
    kept = {"pin", "otp_length", "url", "database"}
    expected = {k: v if k in kept else "[Filtered]" for k, v in arguments.items()}
    for sent in sent_everywhere(sentry, arguments):
        assert sent == expected
    raw = sentry.raw()
    assert b"CANARY" not in raw and b"918273645" not in raw


@pytest.mark.parametrize(
    ("key", "decision"),
    [
        ("newpassword", (True, False)),
        ("clientsecret", (True, False)),
        ("secretkey", (True, False)),
        ("tokenvalue", (True, False)),
        ("tokensused", (True, True)),  # as tokens_used: a number under it is how many
        ("tokensremaining", (True, True)),
        ("ssnsuffix", (True, False)),  # another name's plural at the start stays a secret
        ("passwordsused", (True, False)),
        ("passwordminlength", (True, False)),
        ("maxtokens", (True, True)),
        ("inputtokens", (True, True)),
        ("authtokens", (True, True)),
        ("openaiapikeys", (True, True)),
        ("maxtoken", (True, True)),
        ("tokencount", (True, True)),
        ("tokenscount", (True, True)),
        ("tokenexpires", (True, True)),
        ("tokenizer", (False, False)),
        ("tokenise", (False, False)),
        ("secretariat", (False, False)),
        ("secretly", (False, False)),
        ("passwordless", (False, False)),
        ("author", (False, False)),
        ("oauth", (False, False)),
        ("possession", (False, False)),
        ("cookiecutter", (False, False)),
        ("sessiontimeout", (False, False)),
        ("pin", (False, False)),
        ("design", (False, False)),
    ],
)
def test_a_glued_key_is_decided_by_the_name_at_its_start_or_end(key, decision):
    """``Scrubber.decide`` on one-word keys: (a secret's key, a count's too)."""
    assert DEFAULT_SCRUBBER.decide(key) == decision


def test_glued_names_follow_the_configured_list():
    """A name glues only while it is deny-listed: without ``token`` in the list,
    ``authtoken`` is kept; a name of the user's own is matched as a word, not glued."""
    scrubber = scrubber_for(frozenset({"password", "customer_ref"}))
    assert scrubber.decide("newpassword") == (True, False)
    assert scrubber.decide("authtoken") == (False, False)
    assert scrubber.decide("customerref") == (True, False)
    assert scrubber.decide("oldcustomerref") == (False, False)


def test_tool_definition_defaults_are_judged_as_values_under_their_names(sentry):
    """A parameter named in the plural keeps a count as its default (``max_tokens=256``)
    and loses anything else (``api_keys=...``)."""

    def generate(
        prompt: str,
        max_tokens: int = 256,
        api_keys: str = "CANARY-DEFAULT",
        passwords: tuple[str, ...] = ("CANARY-TUPLE",),
    ) -> str:
        """Generate."""
        return prompt

    with sentry_agents.chat("m", tools=[generate]):
        pass
    assert b"CANARY" not in sentry.raw()
    definitions = sentry.named("chat m").json_attribute("gen_ai.tool.definitions")
    properties = definitions[0]["parameters"]["properties"]
    assert properties["max_tokens"]["default"] == 256
    assert properties["api_keys"]["default"] == "[Filtered]"
    assert properties["passwords"]["default"] == "[Filtered]"


@pytest.mark.parametrize("hooked", [False, True])
def test_media_in_tool_results_in_a_model_calls_history_is_never_sent(sentry, hooked):
    """A tool's result sent back to the model (an OpenAI tool message, an Anthropic
    ``tool_result``, a Responses output, a Gemini function response) holding media as a
    data URL or as JSON text: the chat span's input messages hold it as the tool span
    holds the same result, media as the blob substitute, written directly or (with a
    redaction hook) by the general conversion."""
    png = "iVBORw0KGgoAAAANSUhEUg" * 50
    image = {"type": "image", "data": png, "mimeType": "image/png"}
    results = [
        "data:image/png;base64," + png,
        json.dumps({"image": image, "api_key": "CANARY-KEY"}),
        "\xa0" + json.dumps({"image": image, "note": "caf\u00e9"}),
        json.dumps([{"source": {"type": "base64", "media_type": "image/png", "data": png}}]),
    ]
    history: list[Any] = [{"role": "user", "content": "draw it"}]
    for i, result in enumerate(results):
        history.append({"role": "tool", "tool_call_id": f"c{i}", "content": result})
        history.append(
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "content": result}],
            }
        )
        history.append({"type": "function_call_output", "call_id": f"r{i}", "output": result})
        with sentry_agents.execute_tool(f"tool {i}") as tool:
            tool.set_result(result)
    blocks = [{"type": "text", "text": results[1]}]
    history.append(
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "b", "content": blocks}],
        }
    )
    with sentry_agents.execute_tool("blocks") as tool:
        tool.set_result(blocks)
    history.append(
        {
            "role": "user",
            "parts": [{"function_response": {"name": "draw", "response": {"image": image}}}],
        }
    )
    sentry_agents.configure(redact=(lambda kind, value: value) if hooked else None)
    try:
        with sentry_agents.chat("m", messages=history):
            pass
    finally:
        sentry_agents.configure(redact=None)

    raw = sentry.raw()
    assert png.encode() not in raw and b"CANARY" not in raw
    sent = sentry.named("chat m").json_attribute("gen_ai.input.messages")
    responses = [
        part["response"]
        for message in sent
        for part in message["parts"]
        if part["type"] == "tool_call_response"
    ]
    # The oldest messages may be dropped to fit the budget (smaller on older sentry-sdk).
    assert len(responses) >= 5
    expected = [
        sentry.named(f"execute_tool tool {i}").attributes["gen_ai.tool.call.result"]
        for i in range(len(results))
        for _ in range(3)
    ]
    assert responses[:-2] == expected[len(expected) - len(responses) + 2 :]
    as_tool_sent = json.loads(
        sentry.named("execute_tool blocks").attributes["gen_ai.tool.call.result"]
    )
    assert responses[-2] == [{"type": "text", "content": as_tool_sent[0]["text"]}]
    assert responses[-1] == {"image": {**image, "data": "[Blob substitute]"}}


def test_media_in_json_text_held_anywhere_is_never_sent(sentry):
    """Media in JSON text as the scrubber reads it (inside a result's field, as an MCP
    text block holds it; after a byte order mark; encoded twice; on a later line of JSON
    Lines) is sent as the blob substitute, whether the result fits its budget or not."""
    png = "iVBORw0KGgoAAAANSUhEUg" * 50
    image = json.dumps({"image": {"type": "image", "data": png, "mimeType": "image/png"}})
    results = {
        "field": {"content": [{"type": "text", "text": image}]},
        "bom": "\ufeff" + image,
        "twice": json.dumps(image),
        "lines": '{"page": 1}\n' + image,
        "over budget": [{"type": "text", "text": image}] * 200,
    }
    for name, result in results.items():
        with sentry_agents.execute_tool(name) as tool:
            tool.set_result(result)

    assert png.encode() not in sentry.raw()
    sent = {
        name: sentry.named(f"execute_tool {name}").attributes["gen_ai.tool.call.result"]
        for name in results
    }
    blob = {"image": {"type": "image", "data": "[Blob substitute]", "mimeType": "image/png"}}
    assert json.loads(json.loads(sent["field"])["content"][0]["text"]) == blob
    assert json.loads(sent["bom"]) == blob
    assert json.loads(json.loads(sent["twice"])) == blob
    assert sent["lines"].splitlines()[0] == '{"page": 1}'
    assert json.loads(sent["lines"].splitlines()[1]) == blob
    assert json.loads(json.loads(sent["over budget"])[0]["text"]) == blob


def test_media_in_json_text_after_any_white_space_is_never_sent(sentry):
    """JSON text that begins or ends with white space past ASCII's (a no-break space, an
    em space, a vertical tab) is read for media as it is for secrets: its media is sent
    as the blob substitute and its secrets as ``[Filtered]``, whether the result fits
    its budget or not."""
    png = "iVBORw0KGgoAAAANSUhEUg" * 50
    source = {"type": "base64", "media_type": "image/png", "data": png}
    image = json.dumps({"type": "image", "source": source, "api_key": "CANARY-KEY"})
    results = {
        "no-break space": "\xa0" + image,
        "em space": "\u2003" + json.dumps([json.loads(image)]),
        "trailing": "\ufeff\u3000" + image + "\x0b",
        "over budget": ["\xa0" + image] * 2_000,
    }
    for name, result in results.items():
        with sentry_agents.execute_tool(name) as tool:
            tool.set_result(result)

    raw = sentry.raw()
    assert png.encode() not in raw and b"CANARY" not in raw
    sent = {
        name: sentry.named(f"execute_tool {name}").attributes["gen_ai.tool.call.result"]
        for name in results
    }
    blob = {
        "type": "image",
        "source": {**source, "data": "[Blob substitute]"},
        "api_key": "[Filtered]",
    }
    assert json.loads(sent["no-break space"]) == blob
    assert json.loads(sent["em space"]) == [blob]
    assert json.loads(sent["trailing"]) == blob
    over = json.loads(sent["over budget"])
    assert len(over) < 2_000 and json.loads(over[0]) == blob


def test_text_is_read_as_json_past_the_same_white_space_for_secrets_and_media():
    """Scrubbing and media removal allow the same characters before JSON text: each one
    ``str.isspace`` (``re``'s ``\\s``) accepts, and a byte order mark."""
    from sentry_agents._jsonable import LEADING_SPACE, text_without_media

    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()} | {"\ufeff"}
    assert set(LEADING_SPACE) == spaces
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    for space in sorted(spaces):
        text = space + '{"base64": "iVBO", "password": "p"}'
        assert json.loads(text_without_media(text)) == {
            "base64": "[Blob substitute]",
            "password": "p",
        }
        assert json.loads(scrub_text(text, scrubber)) == {
            "base64": "iVBO",
            "password": "[Filtered]",
        }


# A data URL written into a message's text, as a user pastes an image into their words.
_PASTED_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ" * 20
_PASTED = "data:image/png;base64," + _PASTED_PNG


def _pasted(text: str) -> str:
    return f"look: {text} ok?"


def _text_messages() -> dict[str, Any]:
    """Messages holding a data URL as their text, in each shape a writer takes."""
    return {
        "plain": [{"role": "user", "content": _pasted(_PASTED)}],
        "plain non-ascii": [{"role": "user", "content": _pasted(_PASTED) + " caf\u00e9"}],
        "bare": [{"role": "user", "content": _PASTED}],
        "string": _pasted(_PASTED),
        "one block": [{"role": "user", "content": [{"type": "text", "text": _pasted(_PASTED)}]}],
        "blocks": [
            {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": _PASTED, "signature": "s"},
                    {"type": "text", "text": _PASTED},
                    {"type": "tool_use", "id": "t", "name": "f", "input": {"a": 1}},
                ],
            }
        ],
        "tool calls": [
            {
                "role": "assistant",
                "content": _pasted(_PASTED),
                "reasoning_content": _PASTED,
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            }
        ],
        "one tool call": [
            {
                "role": "assistant",
                "content": _pasted(_PASTED),
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            }
        ],
        "refusal": [{"role": "assistant", "content": None, "refusal": _PASTED, "tool_calls": []}],
        "role/parts": [
            {
                "role": "user",
                "parts": [
                    {"type": "text", "content": _pasted(_PASTED)},
                    {"type": "reasoning", "content": _PASTED},
                ],
            }
        ],
        "responses": [
            {"type": "reasoning", "summary": [{"type": "summary_text", "text": _PASTED}]},
            {"type": "message", "role": "user", "content": _pasted(_PASTED)},
        ],
        "gemini": [{"role": "user", "parts": [{"text": _pasted(_PASTED)}]}],
        "two pasted": [{"role": "user", "content": _PASTED + _PASTED + "\n" + _pasted(_PASTED)}],
    }


@pytest.mark.parametrize("name", list(_text_messages()))
def test_data_urls_in_a_messages_text_are_written_alike_on_every_path(name):
    """A base64 data URL in a message's text (or reasoning) becomes the blob substitute,
    the words around it kept, byte for byte alike whether written directly (and again
    from the reuse cache) or by the general conversion."""
    from sentry_agents import serialize_messages, to_gen_ai_messages
    from sentry_agents._jsonable import dumps
    from sentry_agents._privacy import scrub_messages

    messages = _text_messages()[name]
    direct = serialize_messages(messages, max_bytes=100_000)
    again = serialize_messages(messages, max_bytes=100_000)
    general = dumps(scrub_messages(to_gen_ai_messages(messages), scrubber_for(DEFAULT_SCRUB_KEYS)))
    assert direct == again == general
    assert _PASTED_PNG[:20] not in direct and "base64" not in direct
    assert "[Blob substitute]" in direct


@pytest.mark.parametrize("hooked", [False, True])
def test_data_urls_in_a_messages_text_are_never_sent(sentry, hooked):
    """A data URL typed or pasted into a message's text is sent as the blob substitute in
    input messages, system instructions, an output given as text, a provider's response,
    an Anthropic answer and a stream (the data URL split across chunks), with or without
    a redaction hook."""
    sentry_agents.configure(redact=(lambda kind, value: value) if hooked else None)
    for name, messages in _text_messages().items():
        with sentry_agents.chat(f"in {name}", messages=messages):
            pass
    with sentry_agents.chat(
        "system",
        messages=[
            {"role": "system", "content": _pasted(_PASTED)},
            {"role": "user", "content": "hi"},
        ],
        system_instructions=_PASTED,
    ):
        pass
    with sentry_agents.chat("output") as llm:
        llm.set_output(_pasted(_PASTED))
    with sentry_agents.chat("openai") as llm:
        llm.set_response(
            {
                "id": "r",
                "object": "chat.completion",
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": _pasted(_PASTED)},
                        "finish_reason": "stop",
                    }
                ],
            }
        )
    with sentry_agents.chat("anthropic") as llm:
        llm.set_response(
            {
                "id": "msg",
                "type": "message",
                "role": "assistant",
                "model": "claude",
                "content": [{"type": "text", "text": _pasted(_PASTED)}],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 1, "output_tokens": 1},
            }
        )
    text = _pasted(_PASTED)
    chunks = [
        {"id": "s", "object": "chat.completion.chunk", "model": "m", "choices": [choice]}
        for choice in [
            *(
                {"index": 0, "delta": {"content": text[i : i + 7]}, "finish_reason": None}
                for i in range(0, len(text), 7)
            ),
            {"index": 0, "delta": {}, "finish_reason": "stop"},
        ]
    ]
    with sentry_agents.chat("stream") as llm:
        for _ in llm.stream(iter(chunks)):
            pass

    assert _PASTED_PNG[:20].encode() not in sentry.raw()
    expected = [{"type": "text", "content": "look: [Blob substitute] ok?"}]
    for name in ("output", "openai", "anthropic", "stream"):
        assert (
            sentry.named(f"chat {name}").json_attribute("gen_ai.output.messages")[0]["parts"]
            == expected
        ), name
    assert sentry.named("chat in plain").json_attribute("gen_ai.input.messages") == [
        {"role": "user", "parts": expected}
    ]
    assert sentry.named("chat system").json_attribute("gen_ai.system_instructions") == [
        {"type": "text", "content": "[Blob substitute]"},
        *expected,
    ]


def test_data_urls_inside_tool_data_text_are_never_sent(sentry):
    """A data URL inside longer text in a tool's arguments or result (markdown showing a
    chart, a note quoting an image) is replaced in place, as in a message's text: on the
    tool's span, in the model's tool call and in the history's tool result alike, whether
    within budget or cut to it; and in embeddings input and a guardrail's reason."""
    arguments = {
        "note": _pasted(_PASTED),
        "list": ["a", "![chart](" + _PASTED + ")"],
        "query": "a;b",
    }
    for sent in sent_everywhere(sentry, arguments):
        assert sent == {
            "note": "look: [Blob substitute] ok?",
            "list": ["a", "![chart]([Blob substitute])"],
            "query": "a;b",
        }
    long = "x" * 30_000 + " " + _PASTED + " " + "y" * 30_000
    with sentry_agents.execute_tool("long") as tool:
        tool.set_result([long, {"text": "see " + _PASTED}])
    with sentry_agents.embeddings("e", inputs=["an image: " + _PASTED]):
        pass
    with sentry_agents.guardrail("g") as check:
        check.set_outcome(False, reason="it holds " + _PASTED)
    assert _PASTED_PNG[:20].encode() not in sentry.raw()
    result = json.loads(sentry.named("execute_tool long").attributes["gen_ai.tool.call.result"])
    assert result[0].startswith("xxx")  # cut to the budget or whole, its media replaced
    assert sentry.named("guardrail g").attributes["sentry_agents.guardrail.reason"] == (
        "it holds [Blob substitute]"
    )


def test_credentials_in_urls_inside_tool_data_are_filtered(sentry):
    """A URL in a tool's arguments or result (a database URL, a webhook, a pre-signed
    link, inside prose or markdown) has its userinfo and its secret-named query values
    filtered as a resource URI's are, whatever key holds it: on the tool's span, in the
    model's tool call and in the history's tool result alike. Other text is kept."""
    arguments = {
        "endpoint": "postgres://admin:CANARY-1@db.example.com:5432/app",
        "webhook": "post to https://hooks.example.com/x?token=CANARY-2&v=2, then stop.",
        "link": "[file](https://h.example.com/f.png?X-Amz-Signature=CANARY-3)",
        "repo": ["https://CANARY-4@github.com/org/repo.git"],
        "note": "mail bob@example.com or see https://example.com/a?page=2",
    }
    for sent in sent_everywhere(sentry, arguments):
        assert sent == {
            "endpoint": "postgres://[Filtered]:[Filtered]@db.example.com:5432/app",
            "webhook": "post to https://hooks.example.com/x?token=[Filtered]&v=2, then stop.",
            "link": "[file](https://h.example.com/f.png?X-Amz-Signature=[Filtered])",
            "repo": ["https://[Filtered]:[Filtered]@github.com/org/repo.git"],
            "note": "mail bob@example.com or see https://example.com/a?page=2",
        }
    result = "Uploaded: https://b.s3.amazonaws.com/f?X-Amz-Signature=CANARY-5&X-Amz-Expires=60"
    with sentry_agents.execute_tool("upload") as tool:
        tool.set_result(result)
    history = [{"role": "tool", "tool_call_id": "c", "content": result}]
    with sentry_agents.chat("m2", messages=history):
        pass
    with sentry_agents.guardrail("g") as check:
        check.set_outcome(False, reason={"why": "unsafe", "url": "ftp://u:CANARY-6@h/"})

    assert b"CANARY" not in sentry.raw()
    sent = sentry.named("execute_tool upload").attributes["gen_ai.tool.call.result"]
    assert sent == (
        "Uploaded: https://b.s3.amazonaws.com/f?X-Amz-Signature=[Filtered]&X-Amz-Expires=60"
    )
    (message,) = sentry.named("chat m2").json_attribute("gen_ai.input.messages")
    assert message["parts"][0]["response"] == sent


def test_urls_in_tool_data_are_kept_whole_with_scrubbing_off(sentry):
    """``scrub_keys=()`` turns scrubbing off: URLs are sent as given too."""
    sentry_agents.configure(scrub_keys=())
    url = "https://user:pass@h.example.com/x?token=t"
    with sentry_agents.execute_tool("t", arguments={"url": url}):
        pass
    assert sentry.named("execute_tool t").json_attribute("gen_ai.tool.call.arguments") == {
        "url": url
    }


def test_an_agents_tools_given_again_are_converted_once_and_scrubbed_as_configured(sentry, mocker):
    """The same tools, given at every model call, are converted, scrubbed and written
    once and reused; with other scrubbed keys, another budget or a redaction hook (which
    must see each), they are converted again, never sent as scrubbed for another."""
    from sentry_agents import _message_json, _model

    _message_json._reuse.clear()
    converted = mocker.spy(_model, "tool_definitions")
    schema = {"type": "object", "properties": {"region": {"type": "string", "default": "eu-1"}}}
    tools = [{"type": "function", "function": {"name": "lookup", "parameters": schema}}]

    def call(**options: Any) -> dict[str, Any]:
        with sentry_agents.chat("m", tools=tools, **options):
            pass
        sent = sentry.gen_ai_spans()[-1].json_attribute("gen_ai.tool.definitions")
        return sent[0]["parameters"]["properties"]["region"]

    assert [call() for _ in range(3)] == [{"type": "string", "default": "eu-1"}] * 3
    assert converted.call_count == 1
    sentry_agents.configure(scrub_keys={"region"})
    assert call() == {"type": "string", "default": "[Filtered]"}
    assert converted.call_count == 2
    sentry_agents.configure(scrub_keys=sentry_agents.DEFAULT_SCRUB_KEYS, max_message_bytes=5_000)
    assert call() == {"type": "string", "default": "eu-1"}
    assert converted.call_count == 3
    seen: list[str] = []
    sentry_agents.configure(redact=lambda kind, value: seen.append(kind) or value)
    call()
    call()
    assert converted.call_count == 5 and seen.count("tool.definitions") == 2


def test_a_long_json_text_of_few_values_nested_as_deep_as_can_be_read_is_sent_as_before(
    sentry,
):
    """A long JSON text of few values (read as JSON before the deny-listed words are
    looked for) nested about as deep as the stack left lets ``json`` read it, a string in
    it beginning as JSON, holding no deny-listed word: sent as it is, as when those words
    were looked for first (then it was never read), not lost to the depth its reading and
    scrubbing take together."""
    import sys

    from sentry_agents import serialize_messages

    if sentry.mode == "static":  # older 2.x cut strings at 1,024 characters
        sentry.init(max_value_length=100_000)
    scrubber = scrubber_for(DEFAULT_SCRUB_KEYS)
    limit = sys.getrecursionlimit()
    inner = '"{' + "a" * 20_000 + '"'  # a string beginning as JSON: read again, deeper
    texts = ["[" * depth + inner + "]" * depth for depth in range(limit - 250, limit)]
    for text in texts:
        assert scrub_text(text, scrubber) is text
        message = {"role": "tool", "tool_call_id": "c", "content": text}
        sent = serialize_messages([message], max_bytes=100_000)
        assert json.loads(sent)[0]["parts"][0]["response"] == text
    sentry_agents.configure(max_message_bytes=100_000)
    for text in texts[-80:]:
        with sentry_agents.chat("m", messages=[{"role": "user", "content": text}]):
            pass
    spans = sentry.gen_ai_spans()
    assert len(spans) == 80
    for span, text in zip(spans, texts[-80:]):
        sent = json.loads(span.attributes["gen_ai.input.messages"])
        assert sent == [{"role": "user", "parts": [{"type": "text", "content": text}]}]
