"""Privacy: secrets scrubbed by default, a redaction hook that cannot leak."""

from __future__ import annotations

import json
import re

import sentry_agents
from sentry_agents import DEFAULT_SCRUB_KEYS

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
