"""The rest of Sentry's AI monitoring: evaluations, guardrails, rerank, users, prompts,
stop sequences, cost, agent-aware sampling and message budgets, read from what the real
sentry-sdk sends over HTTP to a server on 127.0.0.1, in both tracing modes."""

from __future__ import annotations

import asyncio
import enum
import functools
import json
import logging
import math
import subprocess
import sys
from typing import Any, Literal, Optional

import pytest
import sentry_sdk
from sentry_sdk.envelope import Envelope

import sentry_agents
from conftest import HAS_DATA_COLLECTION, HAS_TRANSACTIONS, Sentry
from fakes import numpy_bool, numpy_scalar
from sentry_agents import DEFAULT_SCRUB_KEYS
from sentry_agents._envelopes import SpanRecord

pytest_plugins = ["pytester"]

QUESTIONS = {
    "accuracy": {
        "type": "score",
        "criteria": ["incorrect", "partly correct", "correct"],
        "instructions": "Is the answer right?",
    },
    "department": {
        "type": "choice",
        "criteria": {"billing": "Money matters", "technical": "Anything else"},
    },
    "harmful": {"type": "boolean"},
    "auth_issue": {"type": "noul", "instructions": "Is this about logging in?"},
}
ANSWERS = {
    "accuracy": {"type": "score", "score": 2, "confidence": 0.9, "legend": {"2": "correct"}},
    "department": {
        "type": "choice",
        "choice": "billing",
        "probabilities": {"billing": 0.64, "technical": 0.36},
        "confidence": 0.28,
    },
    "harmful": {"type": "boolean", "probability": 0.01},
    "auth_issue": {"type": "noul", "noul": 0.98},
}


def envelope_items(sentry: Sentry) -> list[tuple[str, dict[str, Any]]]:
    """(item type, payload) of every envelope item the server received."""
    sentry.flush()
    with sentry.server.lock:
        bodies = list(sentry.server.bodies)
    items = []
    for body in bodies:
        for item in Envelope.deserialize(body).items:
            payload = item.payload.json
            if payload is None and item.payload.bytes:
                payload = json.loads(item.payload.bytes)
            items.append((item.type or "", payload))
    return items


def transactions(sentry: Sentry) -> list[dict[str, Any]]:
    return [payload for kind, payload in envelope_items(sentry) if kind == "transaction"]


def typed_attribute(sentry: Sentry, span_name: str, key: str) -> Any:
    """The typed v2 attribute ``{"type": ..., "value": ...}`` of a span sent as a span item."""
    for kind, payload in envelope_items(sentry):
        if kind == "span":
            for span in payload.get("items", []):
                if span.get("name") == span_name and key in span.get("attributes", {}):
                    return span["attributes"][key]
    return None


# --- evaluations -----------------------------------------------------------------------


def test_evaluation_span_in_the_documented_shape(sentry):
    with sentry_agents.invoke_agent("Support Agent"):
        with sentry_agents.evaluate(
            "typesafe/jev-1.13", provider="typesafe", state="Refund sent.", questions=QUESTIONS
        ) as evaluation:
            evaluation.set_answers(ANSWERS)
            evaluation.set_response_model("jev-1.13.2")
            evaluation.set_usage(input_tokens=310, output_tokens=12)
    span = sentry.named("evaluate typesafe/jev-1.13")
    a = span.attributes
    assert span.op == "gen_ai.evaluate"
    assert a["gen_ai.operation.name"] == "evaluate"
    assert a["gen_ai.provider.name"] == "typesafe"
    assert a["gen_ai.request.model"] == "typesafe/jev-1.13"
    assert a["gen_ai.response.model"] == "jev-1.13.2"
    assert a["gen_ai.agent.name"] == "Support Agent"
    assert (a["gen_ai.usage.input_tokens"], a["gen_ai.usage.output_tokens"]) == (310, 12)
    assert span.json_attribute("gen_ai.input.messages") == [
        {"type": "evaluation", "state": "Refund sent.", "questions": QUESTIONS}
    ]
    assert span.json_attribute("gen_ai.output.messages") == [
        {"type": "evaluation", "answers": ANSWERS}
    ]
    agent = sentry.named("invoke_agent Support Agent").attributes
    assert agent["gen_ai.usage.input_tokens"] == 310, "an evaluation is a model call"


def test_evaluation_content_follows_the_gate_and_blobs_are_replaced(sentry):
    sentry.init(send_default_pii=False)
    with sentry_agents.evaluate("jev", state="x", questions=QUESTIONS) as evaluation:
        evaluation.set_answers(ANSWERS)
    closed = sentry.named("evaluate jev").attributes
    assert "gen_ai.input.messages" not in closed and "gen_ai.output.messages" not in closed
    sentry.init()
    state = ["Look at this:", "data:image/png;base64,iVBORw0KGgo=", b"\x89PNG"]
    with sentry_agents.evaluate("jev2", state=state):
        pass
    sent = sentry.named("evaluate jev2").json_attribute("gen_ai.input.messages")
    assert sent == [
        {"type": "evaluation", "state": ["Look at this:", "[Blob substitute]", "[Blob substitute]"]}
    ]


def test_evaluation_state_of_a_conversation_sends_no_base64_media(sentry):
    """A judge's state is often the conversation it grades: the providers' media blocks in
    it have their base64 data replaced, as in message parts, and text stays text."""
    sentry.init()
    image = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    state = [
        {
            "role": "user",
            "content": [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": image},
                },
                {
                    "type": "document",
                    "source": {"type": "text", "media_type": "text/plain", "data": "Refund policy"},
                },
            ],
        },
        {"role": "user", "parts": [{"inline_data": {"mime_type": "image/png", "data": image}}]},
        {
            "role": "user",
            "content": [{"type": "input_audio", "input_audio": {"data": image, "format": "wav"}}],
        },
        {"role": "tool", "content": [{"type": "image", "data": image, "mimeType": "image/png"}]},
        {"uri": "file:///chart.png", "mimeType": "image/png", "blob": image},
        {"type": "image", "base64": image, "mime_type": "image/png"},
        {"data": "Refund sent on Monday.", "format": "markdown"},
    ]
    with sentry_agents.evaluate("jev", state=state):
        pass
    sent = sentry.named("evaluate jev").attributes["gen_ai.input.messages"]
    assert image not in sent
    assert sent.count("[Blob substitute]") == 6
    assert "Refund policy" in sent and "Refund sent on Monday." in sent


def test_evaluation_shapes_sentry_cannot_read_are_logged_and_sent_as_given(sentry, sdk_log):
    sentry.init(debug=True)
    questions = {"accuracy": {"type": "score", "criteria": "low, high"}, "x": {"type": "stars"}}
    answers = {"accuracy": {"type": "score", "score": "high"}, "y": {"type": "noul", "noul": 1}}
    with sentry_agents.evaluate("jev", questions=questions) as evaluation:
        evaluation.set_answers(answers)
    span = sentry.named("evaluate jev")
    assert span.json_attribute("gen_ai.input.messages")[0]["questions"] == questions
    assert span.json_attribute("gen_ai.output.messages")[0]["answers"] == answers
    logged = "\n".join(r.getMessage() for r in sdk_log.records if r.levelno == logging.DEBUG)
    assert "question 'accuracy': criteria of a score question must be a list of strings" in logged
    assert "question 'x': type must be one of score, choice, boolean, noul" in logged
    assert "answer 'accuracy': score must be a number, not str" in logged
    assert "answer 'y': no question of that name was asked" in logged
    assert "Sentry shows it raw" in logged


def test_evaluation_answers_and_questions_are_scrubbed_as_other_content(sentry):
    """Answers went out unscrubbed (a secret under ``api_key``, JSON in an explanation);
    questions' fields and the evaluated state are scrubbed too. Question names and the
    labels keying criteria, probabilities and legends are the caller's (``auth_issue``,
    ``token_leak``), and the fields Sentry reads are kept."""
    questions = {
        **QUESTIONS,
        "leak": {"type": "choice", "criteria": {"token_leak": "A token was shown"}},
        "secret_q": {"type": "noul", "instructions": '{"password": "CANARY-Q"}'},
    }
    answers = {
        **ANSWERS,
        "leak": {
            "type": "choice",
            "choice": "token_leak",
            "probabilities": {"token_leak": 0.9},
            "reason": "The reply showed a key.",
            "api_key": "CANARY-ANSWER",
        },
        "secret_q": {
            "type": "noul",
            "noul": 0.5,
            "explanation": 'Found:\n{"access_token": "CANARY-EXPLAINED", "scope": "read"}',
        },
    }
    state = {"reply": "done", "authorization": "CANARY-STATE"}
    with sentry_agents.evaluate("jev", state=state, questions=questions) as evaluation:
        evaluation.set_answers(answers)
    assert b"CANARY" not in sentry.raw()
    span = sentry.named("evaluate jev")
    sent_in = span.json_attribute("gen_ai.input.messages")[0]
    assert sent_in["state"] == {"reply": "done", "authorization": "[Filtered]"}
    assert sent_in["questions"] == {
        **questions,
        "secret_q": {"type": "noul", "instructions": '{"password":"[Filtered]"}'},
    }
    sent = span.json_attribute("gen_ai.output.messages")
    assert sent == [
        {
            "type": "evaluation",
            "answers": {
                **answers,
                "leak": {**answers["leak"], "api_key": "[Filtered]"},
                "secret_q": {
                    "type": "noul",
                    "noul": 0.5,
                    "explanation": 'Found:\n{"access_token":"[Filtered]","scope":"read"}',
                },
            },
        }
    ]


def test_evaluation_fields_are_filtered_when_the_deny_list_names_them(sentry):
    sentry_agents.configure(scrub_keys=DEFAULT_SCRUB_KEYS | {"score"})
    with sentry_agents.evaluate("jev", questions=QUESTIONS) as evaluation:
        evaluation.set_answers({"accuracy": {"type": "score", "score": 2}})
    answers = sentry.named("evaluate jev").json_attribute("gen_ai.output.messages")[0]["answers"]
    assert answers == {"accuracy": {"type": "score", "score": "[Filtered]"}}


def test_evaluation_over_budget_cuts_the_state_and_keeps_the_questions(sentry):
    """A long state (a graded conversation) over the budget (20 kB inside a transaction,
    with ``stream_gen_ai_spans=False``) took the questions' place: the object kept the
    cut state and lost its questions, which Sentry reads to show the answers."""
    sentry_agents.configure(max_message_bytes=2_000)
    with sentry_agents.evaluate("jev", state="x" * 10_000, questions=QUESTIONS):
        pass
    sent = sentry.named("evaluate jev").attributes["gen_ai.input.messages"]
    assert len(sent.encode()) <= 2_000
    (evaluation,) = json.loads(sent)
    assert evaluation["type"] == "evaluation"
    assert evaluation["questions"] == QUESTIONS
    assert evaluation["state"].startswith("xxx")
    assert evaluation["state"].endswith("...[truncated]")


def test_evaluation_set_response_reads_answers_model_and_usage(sentry):
    response = {
        "model": "jev-1.13.2",
        "answers": {"harmful": {"type": "boolean", "probability": 0.2}},
        "usage": {"input_tokens": 40, "output_tokens": 2},
    }
    with sentry_agents.evaluate("jev", questions={"harmful": {"type": "boolean"}}) as evaluation:
        evaluation.set_response(response)
    span = sentry.named("evaluate jev")
    assert span.attributes["gen_ai.response.model"] == "jev-1.13.2"
    assert span.attributes["gen_ai.usage.total_tokens"] == 42
    assert span.json_attribute("gen_ai.output.messages")[0]["answers"] == response["answers"]


def test_evaluation_shape_checks():
    from sentry_agents._evaluation import answer_problems, question_problems

    for question in QUESTIONS.values():
        assert question_problems(question) == []
    for answer in ANSWERS.values():
        assert answer_problems(answer) == []
    assert question_problems({"type": "noul", "criteria": ["a"]}) == [
        "a noul question has no criteria"
    ]
    assert question_problems({"type": "choice", "criteria": ["a"]}) == [
        "criteria of a choice question must map each label to a string"
    ]
    assert answer_problems({"type": "boolean"}) == ["a boolean answer needs 'probability'"]
    assert answer_problems({"type": "choice", "choice": "a", "confidence": True}) == [
        "confidence must be a number, not bool"
    ]
    assert answer_problems({"type": "noul", "noul": 0.5, "legend": {}}) == [
        "only a score answer has a legend"
    ]
    assert answer_problems("yes") == ["must be an object, not str"]


# --- guardrails ------------------------------------------------------------------------


def run_guarded_agent() -> None:
    with sentry_agents.invoke_agent("Support Agent", model="gpt-4o-mini", provider="openai"):
        with sentry_agents.guardrail("pii", stage="input") as check:
            check.set_outcome(False, reason="an email address")
        with sentry_agents.chat("gpt-4o-mini", provider="openai") as llm:
            llm.set_usage(input_tokens=100, output_tokens=10)


def test_guardrail_is_under_its_agent_without_ai_markers(sentry):
    sentry_agents.configure(prices={"gpt-4o-mini": {"input": 1.0, "output": 1.0}})
    run_guarded_agent()
    agent = sentry.named("invoke_agent Support Agent")
    span = sentry.named("guardrail pii")
    assert span.op == "guardrail"
    assert span.parent_span_id == agent.span_id
    assert span.status == "ok", "a blocked outcome is not an error"
    a = span.attributes
    assert a["sentry_agents.guardrail.name"] == "pii"
    assert a["sentry_agents.guardrail.stage"] == "input"
    assert a["sentry_agents.guardrail.passed"] is False
    assert a["sentry_agents.guardrail.reason"] == "an email address"
    assert a["gen_ai.agent.name"] == "Support Agent"
    assert not {"gen_ai.operation.name", "gen_ai.operation.type"} & set(a)
    assert not any(k.startswith(("gen_ai.usage.", "gen_ai.cost.")) for k in a)
    assert not span.op.startswith(("gen_ai.", "ai."))
    assert sentry.events() == []
    totals = agent.attributes
    assert totals["gen_ai.usage.input_tokens"] == 100, "only the chat call is counted"
    assert totals["gen_ai.cost.total_tokens"] == pytest.approx(110 / 1e6)


def test_relay_does_not_type_a_guardrail_as_an_llm_call(sentry):
    """Relay's own normalizer (the ``sentry-relay`` package) over what sentry-sdk sent.

    The package normalizes events, so it runs Relay's AI typing of transaction spans:
    transaction mode's events as sent; in streaming mode the span items are put in a
    transaction event first, attributes as span data."""
    relay = pytest.importorskip("sentry_relay")
    run_guarded_agent()
    static = sentry.mode == "static"
    events = transactions(sentry) if static else [_as_transaction(sentry.spans())]
    normalized = [relay.StoreNormalizer().normalize_event(event) for event in events]
    types = {}
    for event in normalized:
        trace = event["contexts"]["trace"]
        types[trace.get("op")] = (trace.get("data") or {}).get("gen_ai.operation.type")
        for span in event.get("spans", []):
            types[span.get("op")] = (span.get("data") or {}).get("gen_ai.operation.type")
    assert types["guardrail"] is None, "not an AI item: no LLM call, no cost"
    assert types["gen_ai.invoke_agent"] == "agent"
    if "gen_ai.chat" in types:  # in transaction mode sentry-sdk sends it as a span item
        assert types["gen_ai.chat"] == "ai_client"
    # The same normalizer types a guardrail with a gen_ai op as an LLM call:
    marked = _as_transaction(sentry.spans())
    for span in marked["spans"]:
        if span["op"] == "guardrail":
            span["op"] = "gen_ai.guardrail"
    typed = relay.StoreNormalizer().normalize_event(marked)
    assert {s["op"]: s["data"].get("gen_ai.operation.type") for s in typed["spans"]}[
        "gen_ai.guardrail"
    ] == "ai_client"


def test_relay_types_evaluations_reranks_and_embeddings_as_llm_calls(sentry):
    """What the docs say of rerank, evaluation and embeddings spans, with Relay's own
    normalizer over what sentry-sdk sent: they count among the LLM calls."""
    relay = pytest.importorskip("sentry_relay")
    with sentry_agents.invoke_agent("RAG Agent"):
        with sentry_agents.evaluate("judge"):
            pass
        with sentry_agents.rerank("ranker"):
            pass
        with sentry_agents.embeddings("embedder"):
            pass
    typed = relay.StoreNormalizer().normalize_event(_as_transaction(sentry.spans()))
    types = {s["op"]: s["data"].get("gen_ai.operation.type") for s in typed["spans"]}
    assert types == {
        "gen_ai.evaluate": "ai_client",
        "gen_ai.rerank": "ai_client",
        "gen_ai.embeddings": "ai_client",
    }


def _as_transaction(spans: list[SpanRecord]) -> dict[str, Any]:
    root = next(s for s in spans if s.parent_span_id is None)
    children = [s for s in spans if s is not root]
    return {
        "type": "transaction",
        "transaction": root.name,
        "start_timestamp": root.start,
        "timestamp": root.end,
        "platform": "python",
        "contexts": {
            "trace": {
                "trace_id": root.trace_id,
                "span_id": root.span_id,
                "op": root.op,
                "data": _data(root),
            }
        },
        "spans": [
            {
                "trace_id": s.trace_id,
                "span_id": s.span_id,
                "parent_span_id": s.parent_span_id,
                "op": s.op,
                "description": s.name,
                "start_timestamp": s.start,
                "timestamp": s.end,
                "data": _data(s),
            }
            for s in children
        ],
    }


def _data(span: SpanRecord) -> dict[str, Any]:
    return {k: v for k, v in span.attributes.items() if not k.startswith("sentry.")}


def test_guardrail_decorator_records_the_returned_outcome(sentry):
    @sentry_agents.guardrail("length", stage="output")
    def short_enough(text: str) -> tuple[bool, str]:
        return len(text) < 5, f"{len(text)} characters"

    class TripwireOutput:
        tripwire_triggered = True
        output_info = "homework request"

    @sentry_agents.guardrail("homework")
    def homework(text: str) -> TripwireOutput:
        return TripwireOutput()

    with sentry_agents.invoke_agent("Writer"):
        assert short_enough("a long answer") == (False, "13 characters")
        homework("help")
    length = sentry.named("guardrail length").attributes
    assert length["sentry_agents.guardrail.passed"] is False
    assert length["sentry_agents.guardrail.reason"] == "13 characters"
    tripwire = sentry.named("guardrail homework").attributes
    assert tripwire["sentry_agents.guardrail.passed"] is False
    assert tripwire["sentry_agents.guardrail.reason"] == "homework request"


def test_guardrail_decorator_keeps_the_agents_sdks_output_info_of_any_type(sentry):
    """The OpenAI Agents SDK's ``GuardrailFunctionOutput`` carries the guardrail's
    findings in ``output_info``, in its docs a pydantic model (the checking agent's
    ``final_output``): only text was kept as the reason, anything else dropped. It is
    the reason now, as JSON, scrubbed as any reason is."""
    agents = pytest.importorskip("agents")
    pydantic = pytest.importorskip("pydantic")

    class HomeworkCheck(pydantic.BaseModel):
        is_math_homework: bool
        reasoning: str
        api_key: str

    @sentry_agents.guardrail("homework", stage="input")
    def homework(text: str) -> Any:
        found = HomeworkCheck(is_math_homework=True, reasoning="solve for x", api_key="k-1")
        return agents.GuardrailFunctionOutput(output_info=found, tripwire_triggered=True)

    @sentry_agents.guardrail("clean")
    def clean(text: str) -> Any:
        return agents.GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)

    with sentry_agents.invoke_agent("Tutor"):
        homework("2x = 4, x?")
        clean("hello")
    blocked = sentry.named("guardrail homework").attributes
    assert blocked["sentry_agents.guardrail.passed"] is False
    assert json.loads(blocked["sentry_agents.guardrail.reason"]) == {
        "is_math_homework": True,
        "reasoning": "solve for x",
        "api_key": "[Filtered]",
    }
    passed = sentry.named("guardrail clean").attributes
    assert passed["sentry_agents.guardrail.passed"] is True
    assert "sentry_agents.guardrail.reason" not in passed


@pytest.mark.parametrize(
    ("type_name", "module"), [("bool_", "numpy"), ("bool", "numpy")], ids=["numpy<2", "numpy2"]
)
def test_guardrail_decorator_reads_numpys_bool_as_a_bool(sentry, type_name, module):
    """A decorated guardrail returning numpy's bool (``(scores < 0.5).all()``), alone or
    first in a ``(passed, reason)`` pair, recorded no outcome at all, and said nothing.
    (A stand-in named and placed as numpy's: numpy is not needed.)"""

    NumpyBool = numpy_bool(type_name, module)

    @sentry_agents.guardrail("alone")
    def alone() -> Any:
        return NumpyBool(False)

    @sentry_agents.guardrail("pair")
    def pair() -> Any:
        return NumpyBool(True), "scores under 0.5"

    alone()
    pair()
    blocked = sentry.named("guardrail alone").attributes
    assert blocked["sentry_agents.guardrail.passed"] is False
    passed = sentry.named("guardrail pair").attributes
    assert passed["sentry_agents.guardrail.passed"] is True
    assert passed["sentry_agents.guardrail.reason"] == "scores under 0.5"


def test_guardrail_outcomes_read_alike_however_they_are_given(sentry, sdk_log):
    """Bytes are read as the text they hold, ``None`` records no outcome (as unreadable
    text does, with a warning), and a decorated guardrail's ``passed`` is read as
    ``set_outcome`` reads its argument."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then

    @sentry_agents.guardrail("returned")
    def returned(value: Any) -> Any:
        return value

    given: dict[str, Any] = {
        "bytes false": b"false",
        "bytes TRUE": bytearray(b" TRUE "),
        "text false": "false",
        "none": None,
        "maybe": "maybe",
    }
    for name, value in given.items():
        with sentry_agents.guardrail(name) as check:
            check.set_outcome(value)
    returned({"passed": "false", "reason": "said so"})
    returned({"passed": b"true"})
    returned({"passed": None})

    class Verdict:
        passed = "False"
        reason = "an object"

    returned(Verdict())

    def passed(name: str) -> Any:
        return sentry.named(f"guardrail {name}").attributes.get("sentry_agents.guardrail.passed")

    assert passed("bytes false") is False
    assert passed("bytes TRUE") is True
    assert passed("text false") is False
    assert passed("none") is None
    assert passed("maybe") is None
    assert "guardrail outcome None is not true or false" in sdk_log.text
    outcomes = [
        (
            s.attributes.get("sentry_agents.guardrail.passed"),
            s.attributes.get("sentry_agents.guardrail.reason"),
        )
        for s in sentry.spans()
        if s.name == "guardrail returned"
    ]
    assert outcomes == [(False, "said so"), (True, None), (None, None), (False, "an object")]


def test_a_decorated_guardrails_pair_reads_its_text_as_set_outcome_does(sentry, sdk_log):
    """A ``(passed, reason)`` pair whose ``passed`` is text (a model's verdict) recorded
    no outcome, though the same text alone, or as a dict's ``passed``, is one; and a
    return value whose ``__class__`` raises put a traceback in the log. A pair's text is
    read as ``set_outcome`` reads it; a pair of other text is still no outcome, and a
    value that cannot be read records none, with the usual warning."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then

    class Proxy:
        @property  # type: ignore[misc]
        def __class__(self) -> Any:
            raise RuntimeError("__class__")

    given: dict[str, Any] = {
        "text false": ("false", "a model said so"),
        "text TRUE": (" TRUE ", "fine"),
        "bytes false": (b"false", "as bytes"),
        "other text": ("the text, cleaned", 0.3),
        "proxy": Proxy(),
    }
    for name, value in given.items():
        sentry_agents.guardrail(name)(functools.partial(lambda v: v, value))()
    spans = {s.name: s.attributes for s in sentry.spans()}
    outcomes = {
        name: (
            spans[f"guardrail {name}"].get("sentry_agents.guardrail.passed"),
            spans[f"guardrail {name}"].get("sentry_agents.guardrail.reason"),
        )
        for name in given
    }
    assert outcomes == {
        "text false": (False, "a model said so"),
        "text TRUE": (True, "fine"),
        "bytes false": (False, "as bytes"),
        "other text": (None, None),
        "proxy": (None, None),
    }
    assert "guardrail other text returned tuple, not an outcome" in sdk_log.text
    assert "guardrail proxy returned Proxy, not an outcome" in sdk_log.text
    assert "Traceback" not in sdk_log.text


def test_a_decorated_guardrail_returning_text_or_no_outcome(sentry, sdk_log):
    """A decorated guardrail returning text (a model's verdict) recorded no outcome and
    said nothing: text is read as ``set_outcome`` reads it, ``"true"`` or ``"false"``;
    other text, ``None`` and anything else that is no outcome record none, each with a
    warning in sentry-sdk's debug log, and the span is sent as usual."""
    sentry.init(debug=True)  # sentry-sdk's logger lets its lines through only then
    given: dict[str, Any] = {
        "upper": "FALSE",
        "bytes": b"true",
        "cleaned": "the text, " + "cleaned " * 100,
        "none": None,
        "score": 0.5,
    }
    for name, value in given.items():
        sentry_agents.guardrail(name)(functools.partial(lambda v: v, value))()
    spans = {s.name: s for s in sentry.spans()}
    outcomes = {
        name: spans[f"guardrail {name}"].attributes.get("sentry_agents.guardrail.passed")
        for name in given
    }
    assert outcomes == {"upper": False, "bytes": True, "cleaned": None, "none": None, "score": None}
    assert not any(s.is_error() for s in spans.values())
    assert not any("sentry_agents.guardrail.reason" in s.attributes for s in spans.values())
    assert "guardrail outcome 'the text, cl...aned cleaned ' is not" in sdk_log.text
    assert "cleaned " * 20 not in sdk_log.text, "a long text is cut in the log"
    assert "guardrail none returned NoneType, not an outcome" in sdk_log.text
    assert "guardrail score returned float, not an outcome" in sdk_log.text


def test_guardrail_reason_is_output_content(sentry):
    sentry.init(send_default_pii=False)
    with sentry_agents.guardrail("pii") as check:
        check.set_outcome(True, reason="contains bob@example.com")
    a = sentry.named("guardrail pii").attributes
    assert a["sentry_agents.guardrail.passed"] is True
    assert "sentry_agents.guardrail.reason" not in a


def test_guardrail_reason_is_scrubbed_and_a_structured_one_sent_as_json(sentry):
    """A reason is content: text as is, anything else as JSON (not its Python repr), and
    secrets under deny-listed keys are filtered in both, as in a tool's result."""

    @sentry_agents.guardrail("credentials", stage="output")
    def credentials(text: str) -> tuple[bool, dict[str, str]]:
        return False, {"api_key": "CANARY-1", "where": "line 2"}

    with sentry_agents.invoke_agent("Support Agent"):
        credentials("here is my key")
        with sentry_agents.guardrail("json_reason") as check:
            check.set_outcome(False, reason='{"password": "CANARY-2", "rule": 7}')
        with sentry_agents.guardrail("text_reason") as check:
            check.set_outcome(False, reason="an email address")
    assert b"CANARY" not in sentry.raw()
    reason = "sentry_agents.guardrail.reason"
    structured = json.loads(sentry.named("guardrail credentials").attributes[reason])
    assert structured == {"api_key": "[Filtered]", "where": "line 2"}
    text = json.loads(sentry.named("guardrail json_reason").attributes[reason])
    assert text == {"password": "[Filtered]", "rule": 7}
    assert sentry.named("guardrail text_reason").attributes[reason] == "an email address"


def test_an_ambiguous_outcome_never_raises_into_the_app(sentry, sdk_log):
    """A value whose truth raises (a numpy array of results) is contained and logged: the
    block goes on, the span is sent ok with its reason, and no ``passed`` is guessed."""

    class Ambiguous:
        def __bool__(self) -> bool:
            raise ValueError("The truth value of an array is ambiguous")

    sentry.init(debug=True)
    with sentry_agents.guardrail("per_sentence") as check:
        check.set_outcome(Ambiguous(), reason="scores per sentence")  # type: ignore[arg-type]
    span = sentry.named("guardrail per_sentence")
    assert not span.is_error()
    assert "sentry_agents.guardrail.passed" not in span.attributes
    assert span.attributes["sentry_agents.guardrail.reason"] == "scores per sentence"
    assert "truth value of an array" in sdk_log.text


@pytest.mark.parametrize(
    ("given", "sent"),
    [("false", False), (" FALSE\n", False), ("True", True), (1, True), (0, False)],
)
def test_an_outcome_given_as_text_is_read_as_its_word(sentry, given, sent):
    """A model's or a config's "false" is blocked, not passed (its truth is True)."""
    with sentry_agents.guardrail("from_text") as check:
        check.set_outcome(given)
    assert sentry.named("guardrail from_text").attributes["sentry_agents.guardrail.passed"] is sent


def test_an_outcome_of_other_text_is_not_guessed(sentry, sdk_log):
    sentry.init(debug=True)
    with sentry_agents.guardrail("unclear") as check:
        check.set_outcome("blocked", reason="policy 4")  # type: ignore[arg-type]
    span = sentry.named("guardrail unclear")
    assert "sentry_agents.guardrail.passed" not in span.attributes
    assert span.attributes["sentry_agents.guardrail.reason"] == "policy 4"
    assert "'blocked' is not true or false" in sdk_log.text


# --- rerank ----------------------------------------------------------------------------


def test_rerank_span(sentry):
    cohere_like = {
        "id": "r-1",
        "results": [
            {"index": 2, "relevance_score": 0.92, "document": {"text": "Paris in spring"}},
            {"index": 0, "relevance_score": 0.41},
        ],
    }
    with sentry_agents.invoke_agent("RAG Agent"):
        with sentry_agents.rerank(
            "rerank-v3.5",
            provider="cohere",
            query="Where to go in April?",
            documents=["Rome in summer", "Oslo in winter", "Paris in spring"],
        ) as ranker:
            ranker.set_result(cohere_like)
            ranker.set_usage(input_tokens=64)
    span = sentry.named("rerank rerank-v3.5")
    a = span.attributes
    assert span.op == "gen_ai.rerank"
    assert a["gen_ai.operation.name"] == "rerank"
    assert a["gen_ai.provider.name"] == "cohere"
    assert a["gen_ai.agent.name"] == "RAG Agent"
    assert a["gen_ai.usage.input_tokens"] == 64
    assert span.json_attribute("gen_ai.input.messages") == [
        {"role": "user", "parts": [{"type": "text", "content": "Where to go in April?"}]}
    ]
    assert span.json_attribute("sentry_agents.rerank.documents") == [
        "Rome in summer",
        "Oslo in winter",
        "Paris in spring",
    ]
    assert span.json_attribute("sentry_agents.rerank.results") == [
        {"index": 2, "score": 0.92, "document": "Paris in spring"},
        {"index": 0, "score": 0.41},
    ]


def test_rerank_set_result_records_the_tokens_a_response_reports(sentry):
    """Cohere's ``meta.tokens``, Voyage's and Jina's ``usage.total_tokens`` (a reranker
    writes no tokens: the total is its input), the Voyage SDK's ``total_tokens`` and
    LiteLLM's ``RerankResponse`` (``meta``) were dropped: only the ranking was recorded.
    Cohere's search units are a billing unit, not tokens: not sent as tokens."""
    from collections import namedtuple

    from litellm.types.rerank import RerankResponse

    voyage_item = namedtuple("RerankingResult", ["index", "document", "relevance_score"])

    class VoyageRerankingObject:  # what ``voyageai.Client.rerank`` returns
        def __init__(self) -> None:
            self.results = [voyage_item(1, "b", 0.75)]
            self.total_tokens = 21

    results = [{"index": 1, "relevance_score": 0.75}]
    replies = {
        "cohere": {
            "results": results,
            "meta": {
                "billed_units": {"search_units": 1.0},
                "tokens": {"input_tokens": 48.0, "output_tokens": 0.0},
            },
        },
        "cohere-units": {"results": results, "meta": {"billed_units": {"search_units": 3}}},
        "voyage": {"data": results, "model": "rerank-2.5", "usage": {"total_tokens": 30}},
        "voyage-sdk": VoyageRerankingObject(),
        "jina": {"model": "jina-reranker-v2", "usage": {"total_tokens": 15}, "results": results},
        "litellm": RerankResponse(
            id="r", results=results, meta={"billed_units": {"total_tokens": 40}}
        ),
    }
    for name, reply in replies.items():
        with sentry_agents.rerank(name, documents=["a", "b"]) as ranker:
            ranker.set_result(reply)
    spans = {name: sentry.named(f"rerank {name}").attributes for name in replies}
    counts = {name: span.get("gen_ai.usage.input_tokens") for name, span in spans.items()}
    assert counts == {
        "cohere": 48,
        "cohere-units": None,
        "voyage": 30,
        "voyage-sdk": 21,
        "jina": 15,
        "litellm": 40,
    }
    assert spans["cohere"]["gen_ai.usage.output_tokens"] == 0
    assert spans["jina"]["gen_ai.usage.total_tokens"] == 15
    assert not [key for key in spans["cohere-units"] if key.startswith("gen_ai.usage.")]
    assert spans["voyage"]["gen_ai.response.model"] == "rerank-2.5"
    for span in spans.values():
        assert json.loads(span["sentry_agents.rerank.results"])[0]["index"] == 1
        assert all(value is not None for value in span.values())


def test_rerank_a_later_set_usage_wins_over_set_result(sentry):
    """As a chat span orders ``set_response`` and ``set_usage``: the later one wins."""
    voyage = {"data": [], "usage": {"total_tokens": 30}}
    with sentry_agents.rerank("by-hand") as ranker:
        ranker.set_result(voyage)
        ranker.set_usage(input_tokens=64)
    with sentry_agents.rerank("read") as ranker:
        ranker.set_usage(input_tokens=64)
        ranker.set_result(voyage)
    assert sentry.named("rerank by-hand").attributes["gen_ai.usage.input_tokens"] == 64
    assert sentry.named("rerank read").attributes["gen_ai.usage.input_tokens"] == 30


def test_rerank_content_is_gated_and_budgeted(sentry):
    sentry.init(send_default_pii=False)
    with sentry_agents.rerank("r", query="q", documents=["d"]) as ranker:
        ranker.set_result([(0, 0.5)])
    closed = sentry.named("rerank r").attributes
    assert not {"gen_ai.input.messages", "sentry_agents.rerank.documents"} & set(closed)
    assert "sentry_agents.rerank.results" not in closed
    sentry.init()
    sentry_agents.configure(max_message_bytes=2000)
    with sentry_agents.rerank("r2", documents=["x" * 900] * 10) as ranker:
        ranker.set_result([(i, 1.0 / (i + 1)) for i in range(400)])
    a = sentry.named("rerank r2").attributes
    documents = a["sentry_agents.rerank.documents"]
    assert len(documents.encode()) <= 2000 and json.loads(documents)[-1] == "...[truncated]"
    assert len(a["sentry_agents.rerank.results"].encode()) <= 2000
    assert json.loads(a["sentry_agents.rerank.results"])[0] == {"index": 0, "score": 1.0}


def test_ranking_shapes():
    from sentry_agents._ranking import ranking

    voyage = {"data": [{"index": 1, "relevance_score": 0.8, "document": "b"}], "model": "v"}
    assert ranking(voyage) == [{"index": 1, "score": 0.8, "document": "b"}]
    vercel = {"ranking": [{"originalIndex": 3, "score": 0.5, "document": {"id": 7}}]}
    assert ranking(vercel) == [{"index": 3, "score": 0.5, "document": {"id": 7}}]
    assert ranking(["b", "a"]) == [{"document": "b"}, {"document": "a"}]
    assert ranking([(1, float("nan"))]) == [{"document": [1, "nan"]}]


@pytest.mark.parametrize("with_item", [True, False], ids=["item()", "number protocols"])
def test_rerank_reads_cross_encoder_rank_and_numpy_scalars(sentry, with_item):
    """sentence-transformers' ``CrossEncoder.rank`` returns ``corpus_id``, a numpy
    ``float32`` ``score`` and, asked for, the ``text``; pairs built with numpy
    (``argsort``) hold numpy ints. None of these is an int or a float, so each item was
    recorded as a document of its own repr. (Stand-ins named and placed as numpy's:
    numpy is not needed.)"""
    float32 = numpy_scalar("float32", float, with_item=with_item)
    int64 = numpy_scalar("int64", int, with_item=with_item)
    documents = ["Rome in summer", "Oslo in winter", "Paris in spring"]
    ranked = [
        {"corpus_id": 2, "score": float32(0.5), "text": "Paris in spring"},
        {"corpus_id": int64(0), "score": float32(0.25)},
        {"corpus_id": 1, "score": float32(math.nan)},
    ]
    with sentry_agents.rerank("cross-encoder", query="April?", documents=documents) as ranker:
        ranker.set_result(ranked)
    with sentry_agents.rerank("bm25", documents=documents) as ranker:
        ranker.set_result([(int64(1), float32(2.5)), (float32(0.0), float32(1.0))])
    results = "sentry_agents.rerank.results"
    assert sentry.named("rerank cross-encoder").json_attribute(results) == [
        {"index": 2, "score": 0.5, "document": "Paris in spring"},
        {"index": 0, "score": 0.25},
        {"index": 1},
    ]
    assert sentry.named("rerank bm25").json_attribute(results) == [
        {"index": 1, "score": 2.5},
        {"document": ["float32(0.0)", "float32(1.0)"]},
    ]


def test_ranking_reads_no_bool_as_a_number():
    """numpy's bool gives a bool from ``item()``: not a score nor an index."""
    from sentry_agents._ranking import ranking

    class FakeBool:
        def item(self) -> bool:
            return True

        def __float__(self) -> float:
            return 1.0

    assert ranking([{"index": FakeBool(), "score": FakeBool(), "text": "t"}]) == [{"document": "t"}]


def test_a_ranking_index_beyond_64_bits_leaves_the_rest_of_the_ranking(sentry, sdk_log):
    """An index of over 4,300 digits was kept as a number, which JSON cannot be written
    with: the whole ranking was lost (contained, with a traceback in the log). An index
    beyond 64 bits is no position: it is left out, and the pair holding one is written as
    the document it is, as a pair whose score is no number is."""
    with sentry_agents.rerank("r") as ranker:
        ranker.set_result(
            [{"index": 10**5000, "relevance_score": 0.9}, (2**64, 0.5), (1, 0.25), {"index": 0}]
        )
    assert sentry.named("rerank r").json_attribute("sentry_agents.rerank.results") == [
        {"score": 0.9},
        {"document": [2**64, 0.5]},
        {"index": 1, "score": 0.25},
        {"index": 0},
    ]
    assert "Traceback" not in sdk_log.text


# --- users, prompts, stop sequences ----------------------------------------------------


def test_conversation_user_reaches_sentry_and_the_previous_one_is_restored(sentry):
    sentry_sdk.set_user({"id": "outer"})
    user = {"id": "u-42", "email": "ada@example.com", "username": "ada"}
    with sentry_agents.conversation("conv-1", user=user):
        with sentry_agents.invoke_agent("Chat Agent"):
            with sentry_agents.chat("gpt-4o-mini"):
                pass
    with sentry_agents.invoke_agent("After"):
        pass
    chat = sentry.named("chat gpt-4o-mini").attributes
    after = sentry.named("invoke_agent After").attributes
    if sentry.mode == "static":
        users = {t["transaction"]: t.get("user") for t in transactions(sentry)}
        assert users["invoke_agent Chat Agent"] == user
        assert users["invoke_agent After"] == {"id": "outer"}
    else:
        assert after["user.id"] == "outer"
    splits = sentry_sdk.get_client().options.get("stream_gen_ai_spans") is True
    if sentry.mode == "stream" or splits:  # a span item, with the user's attributes
        assert (chat["user.id"], chat["user.email"], chat["user.name"]) == (
            "u-42",
            "ada@example.com",
            "ada",
        )
    assert chat["gen_ai.conversation.id"] == "conv-1"
    sentry_sdk.set_user(None)


def test_a_conversation_left_in_another_task_is_over_where_it_was_entered(sentry):
    """A conversation entered with ``start()`` in one task and left with ``finish()`` in
    another (a callback pair): where it was entered, later spans carry the conversation
    around it and its user, not the one that ended."""
    sentry_sdk.set_user({"id": "outer-user"})

    async def main() -> None:
        with sentry_agents.conversation("outer"):
            entered = sentry_agents.conversation("inner", user={"id": "inner-user"})
            entered.start()
            with sentry_agents.chat("during"):
                pass

            async def leave() -> None:
                entered.finish()

            await asyncio.create_task(leave())
            with sentry_agents.invoke_agent("After"):
                with sentry_agents.chat("after"):
                    pass

    asyncio.run(main())
    assert sentry.named("chat during").attributes["gen_ai.conversation.id"] == "inner"
    for name in ("invoke_agent After", "chat after"):
        assert sentry.named(name).attributes["gen_ai.conversation.id"] == "outer", name
    if sentry.mode == "static":
        users = {t["transaction"]: t.get("user") for t in transactions(sentry)}
        assert users["invoke_agent After"] == {"id": "outer-user"}
    else:
        assert sentry.named("invoke_agent After").attributes["user.id"] == "outer-user"
    sentry_sdk.set_user(None)


def test_conversation_user_follows_sentry_sdks_gate_in_streaming_mode(sentry):
    if sentry.mode != "stream":
        pytest.skip("transaction events carry the user whatever the gate (sentry-sdk's rule)")
    closed: dict[str, Any] = {"send_default_pii": False}
    opened: dict[str, Any] = {"send_default_pii": True}
    if HAS_DATA_COLLECTION:
        closed = {"send_default_pii": None, "data_collection": {"user_info": False}}
        opened = {"send_default_pii": None, "data_collection": {"user_info": True}}
    sentry.init(**closed)
    with sentry_agents.conversation("conv-2", user="u-7"):
        with sentry_agents.invoke_agent("Chat Agent"):
            pass
    assert "user.id" not in sentry.named("invoke_agent Chat Agent").attributes
    sentry.init(**opened)
    with sentry_agents.conversation("conv-3", user={"id": 7, "email": None}):
        with sentry_agents.invoke_agent("Second"):
            pass
    second = sentry.named("invoke_agent Second").attributes
    assert second["user.id"] == "7" and "user.email" not in second


def test_conversation_user_reaches_transactions_and_their_gen_ai_spans_whatever_the_gate(
    static_sentry,
):
    """What the docs say of transaction mode, over the wire: with ``send_default_pii``
    off, the transaction carries the user and so do the gen_ai spans sentry-sdk splits
    out of it (``user.id``, ``user.name``)."""
    if not HAS_TRANSACTIONS:
        pytest.skip("this sentry-sdk has no transactions")
    static_sentry.init(send_default_pii=False)
    with sentry_agents.conversation("conv-4", user={"id": "u-8", "username": "ada"}):
        with sentry_agents.invoke_agent("Chat Agent"):
            with sentry_agents.chat("m"):
                pass
    (transaction,) = transactions(static_sentry)
    assert transaction["user"] == {"id": "u-8", "username": "ada"}
    if sentry_sdk.get_client().options.get("stream_gen_ai_spans") is True:
        chat = static_sentry.named("chat m").attributes
        assert (chat["user.id"], chat["user.name"]) == ("u-8", "ada")


def test_user_dict_shapes():
    from sentry_agents._conversation import user_dict

    class WebUser:
        id = 5
        email = "a@b.c"
        username = None

    assert user_dict("u1") == {"id": "u1"}
    assert user_dict(12) == {"id": "12"}
    assert user_dict(WebUser()) == {"id": "5", "email": "a@b.c"}
    assert user_dict({"id": None, "segment": "pro"}) == {"segment": "pro"}
    assert user_dict(None) is None
    # Keys written alike each keep their value; a later one is no standard field.
    alike = dict([(1, "one"), ("1", "uno"), ("a\ud800", "x"), ("a\udc00", "y")])
    assert user_dict(alike) == {
        "1": "one",
        "1~2": "uno",
        "a\ufffd": "x",
        "a\ufffd~2": "y",
    }


def test_a_user_object_with_no_user_fields_is_not_sent_as_its_address(sentry, sdk_log):
    """Flask-Login's anonymous user (no ``id``, ``email`` or ``username``) was sent with its
    default text as the id, ``<...AnonymousUserMixin object at 0x7f...>``: a new "user" per
    request on Sentry's pages. It is left out (logged); one that prints as something of
    its own is still taken as the id."""
    from sentry_agents._conversation import user_dict

    sentry.init(debug=True)

    class AnonymousUserMixin:
        is_anonymous = True

    class Named:
        def __str__(self) -> str:
            return "u-9"

    assert user_dict(AnonymousUserMixin()) is None
    assert "no id, email or username" in sdk_log.text
    assert user_dict(Named()) == {"id": "u-9"}
    with sentry_agents.conversation("conv-anon", user=AnonymousUserMixin()):
        with sentry_agents.invoke_agent("Chat Agent"):
            pass
    agent = sentry.named("invoke_agent Chat Agent")
    assert agent.attributes["gen_ai.conversation.id"] == "conv-anon"
    assert b"object at 0x" not in sentry.raw()


def test_prompt_names_on_chat_and_agent(sentry):
    with sentry_agents.invoke_agent("Writer", prompt_name="writer-v3"):
        with sentry_agents.chat("m", prompt_name="outline-v2"):
            pass
    assert sentry.named("invoke_agent Writer").attributes["gen_ai.prompt.name"] == "writer-v3"
    assert sentry.named("chat m").attributes["gen_ai.prompt.name"] == "outline-v2"


def test_stop_sequences_are_a_string_array(sentry):
    with sentry_agents.invoke_agent("A"):
        with sentry_agents.chat("m", stop_sequences=["END", "\n\nHuman:"]):
            pass
        with sentry_agents.chat("one", stop_sequences="STOP"):
            pass
    assert sentry.named("chat m").attributes["gen_ai.request.stop_sequences"] == [
        "END",
        "\n\nHuman:",
    ]
    assert sentry.named("chat one").attributes["gen_ai.request.stop_sequences"] == ["STOP"]
    typed = typed_attribute(sentry, "chat m", "gen_ai.request.stop_sequences")
    if typed is not None:  # sent as a span item: a typed array, not a JSON string
        assert typed == {"type": "array", "value": ["END", "\n\nHuman:"]}
    else:  # inside a transaction event: a JSON array in the span's data
        assert sentry.mode == "static"
        span = next(
            s for t in transactions(sentry) for s in t["spans"] if s["description"] == "chat m"
        )
        assert span["data"]["gen_ai.request.stop_sequences"] == ["END", "\n\nHuman:"]


def test_request_kwargs_of_each_provider(sentry):
    from google.genai import types

    openai_kwargs = {
        "model": "gpt-4o",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "stop": "END",
        "temperature": 0.3,
        "max_completion_tokens": 50,
        "reasoning_effort": "low",
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
    }
    anthropic_kwargs = {
        "model": "claude",
        "system": "Be French.",
        "messages": [{"role": "user", "content": "Hi"}],
        "stop_sequences": ["\n\nHuman:"],
        "max_tokens": 64,
        "top_k": 5,
    }
    google_kwargs = {
        "model": "gemini",
        "contents": "Hi",
        "config": types.GenerateContentConfig(
            stop_sequences=["STOP"], temperature=0.1, max_output_tokens=99, seed=3
        ),
    }
    with sentry_agents.chat("gpt-4o", request=openai_kwargs, temperature=0.9):
        pass
    with sentry_agents.chat("claude", request=anthropic_kwargs):
        pass
    with sentry_agents.chat("gemini", operation="generate_content", request=google_kwargs):
        pass
    openai_span = sentry.named("chat gpt-4o")
    a = openai_span.attributes
    assert a["gen_ai.request.stop_sequences"] == ["END"]
    assert a["gen_ai.request.temperature"] == 0.9, "an explicit keyword wins over the request"
    assert a["gen_ai.request.max_tokens"] == 50
    assert a["gen_ai.request.reasoning.level"] == "low"
    assert openai_span.json_attribute("gen_ai.system_instructions") == [
        {"type": "text", "content": "Be brief."}
    ]
    assert openai_span.json_attribute("gen_ai.tool.definitions")[0]["name"] == "f"
    b = sentry.named("chat claude")
    assert b.attributes["gen_ai.request.stop_sequences"] == ["\n\nHuman:"]
    assert (b.attributes["gen_ai.request.max_tokens"], b.attributes["gen_ai.request.top_k"]) == (
        64,
        5,
    )
    assert b.json_attribute("gen_ai.system_instructions")[0]["content"] == "Be French."
    g = sentry.named("generate_content gemini").attributes
    assert g["gen_ai.request.stop_sequences"] == ["STOP"]
    assert (g["gen_ai.request.max_tokens"], g["gen_ai.request.seed"]) == (99, "3")
    assert g["gen_ai.request.temperature"] == 0.1


def test_a_request_that_cannot_be_read_changes_nothing(sentry):
    class Hostile:
        def __getattr__(self, name: str) -> Any:
            raise RuntimeError(name)

    with sentry_agents.chat("m", request=Hostile(), top_k=2):
        pass
    assert sentry.named("chat m").attributes["gen_ai.request.top_k"] == 2


# --- tool spans carry their agent's model and provider ---------------------------------


def test_tool_spans_carry_the_agents_model_and_provider(sentry):
    with sentry_agents.invoke_agent("Weather Agent", model="gpt-4o", provider="openai"):
        with sentry_agents.execute_tool("get_weather"):
            pass
    with sentry_agents.execute_tool("alone"):
        pass
    a = sentry.named("execute_tool get_weather").attributes
    assert (a["gen_ai.request.model"], a["gen_ai.provider.name"]) == ("gpt-4o", "openai")
    alone = sentry.named("execute_tool alone").attributes
    assert "gen_ai.request.model" not in alone and "gen_ai.provider.name" not in alone


# --- cost ------------------------------------------------------------------------------

SELF_HOSTED = {
    "llama-3.3-70b": {
        "input": 2.0,
        "output": 8.0,
        "cached_input": 0.5,
        "cache_write": 2.5,
        "reasoning": 10.0,
        "context_window": 8192,
    }
}
# By hand: input (1000 - 200 - 100) * 2.0 + 200 * 0.5 + 100 * 2.5 = 1750 ($/1M tokens),
# output (500 - 120) * 8.0 + 120 * 10.0 = 4240.
EXPECTED_COST = {
    "gen_ai.cost.input_tokens": 1750e-6,
    "gen_ai.cost.output_tokens": 4240e-6,
    "gen_ai.cost.total_tokens": 5990e-6,
    "gen_ai.cost.cache_read.input_tokens": 100e-6,
    "gen_ai.cost.cache_creation.input_tokens": 250e-6,
    "gen_ai.cost.reasoning.output_tokens": 1200e-6,
}


def priced_run() -> None:
    with sentry_agents.invoke_agent("Local Agent", model="llama-3.3-70b", provider="vllm"):
        for _ in range(2):
            with sentry_agents.chat("llama-3.3-70b", provider="vllm") as llm:
                llm.set_usage(
                    input_tokens=1000,
                    input_tokens_cached=200,
                    input_tokens_cache_write=100,
                    output_tokens=500,
                    output_tokens_reasoning=120,
                )
        with sentry_agents.chat("unknown-model") as llm:
            llm.set_usage(input_tokens=10, output_tokens=10)


def test_cost_by_sentrys_formula_on_llm_spans_and_summed_on_the_agent(sentry):
    sentry_agents.configure(prices=SELF_HOSTED)
    priced_run()
    chats = [s for s in sentry.spans() if s.name == "chat llama-3.3-70b"]
    assert len(chats) == 2
    for chat in chats:
        for key, value in EXPECTED_COST.items():
            assert chat.attributes[key] == pytest.approx(value, rel=1e-12), key
            assert isinstance(chat.attributes[key], float)
        assert chat.attributes["gen_ai.context.window_size"] == 8192
        assert chat.attributes["gen_ai.context.utilization"] == pytest.approx(1500 / 8192)
    unknown = sentry.named("chat unknown-model").attributes
    assert not any(k.startswith(("gen_ai.cost.", "gen_ai.context.")) for k in unknown)
    agent = sentry.named("invoke_agent Local Agent").attributes
    for key, value in EXPECTED_COST.items():
        assert agent[key] == pytest.approx(2 * value, rel=1e-12), key
    assert "gen_ai.context.utilization" not in agent


def test_serve_shows_the_cost_that_was_sent(sentry):
    from sentry_agents._render import estimate_cost, render_tree

    sentry_agents.configure(prices=SELF_HOSTED)
    priced_run()
    spans = sentry.spans()
    rendered = render_tree(spans)
    chat = next(s for s in spans if s.name == "chat llama-3.3-70b")
    assert estimate_cost(chat.attributes, SELF_HOSTED) == pytest.approx(5990e-6, rel=1e-12)
    assert rendered.count("$0.005990") == 2
    assert "$0.011980" in rendered, "the agent's sum"


def test_price_lookup_and_table_checks():
    from sentry_agents._cost import Pricing, Rates, lookup, model_names, price_table

    table = price_table({"gpt-4o": {"input": 2.5}, "llama-3*": {"input": 1}, "m": Rates(3.0)})
    assert model_names("openai/gpt-4o-2024-08-06") == [
        "openai/gpt-4o-2024-08-06",
        "gpt-4o-2024-08-06",
        "openai/gpt-4o",
        "gpt-4o",
    ]
    found = lookup(table, "openai/gpt-4o-2024-08-06")
    assert found is not None and found.input == 2.5
    assert lookup(table, "gpt-4o-mini") is None, "no prefix guessing"
    wildcard = lookup(table, "llama-3.1-8b")
    assert wildcard is not None and wildcard.input == 1.0
    pricing = Pricing(table)
    assert pricing.rates_for((None, "m"), None) == Rates(3.0)
    for bad in ({"m": {"input": -1}}, {"m": {"inptu": 1}}, {"m": {"input": "1"}}, {"m": 2}):
        with pytest.raises((TypeError, ValueError)):
            sentry_agents.configure(prices=bad)
    with pytest.raises(ValueError):
        price_table({"m": {"context_window": 0}})


def test_prices_beyond_a_float_or_64_bits_are_refused_or_left_out(sentry):
    """A table is refused when a price is an int too large for a float (it raised
    OverflowError) or a context window is over 64 bits (it was sent as such); prices so
    high that a cost overflows leave the span without cost (it was sent as ``"inf"``)."""
    for bad in ({"m": {"input": 10**400}}, {"m": {"input": 1, "context_window": 2**63}}):
        with pytest.raises(ValueError):
            sentry_agents.configure(prices=bad)
    sentry_agents.configure(prices={"m": {"input": 1e308, "output": 1e308}, "ok": {"input": 1}})
    with sentry_agents.invoke_agent("a"):
        with sentry_agents.chat("m") as llm:
            llm.set_usage(input_tokens=10**12, output_tokens=10**12)
        with sentry_agents.chat("ok") as llm:
            llm.set_usage(input_tokens=1_000_000, output_tokens=0)
    for span in sentry.spans():
        costs = {k: v for k, v in span.attributes.items() if k.startswith("gen_ai.cost.")}
        if span.name == "chat m":
            assert costs == {}, costs
        else:
            assert all(isinstance(v, float) and math.isfinite(v) for v in costs.values()), costs
    assert sentry.named("invoke_agent a").attributes["gen_ai.cost.total_tokens"] == 1.0


def test_evaluation_rerank_and_embeddings_calls_are_priced_and_summed_on_the_agent(sentry):
    """What the docs say of every LLM span, for the model calls that are not chats."""
    sentry_agents.configure(prices={"m": {"input": 1.0, "output": 2.0}})
    with sentry_agents.invoke_agent("A"):
        with sentry_agents.evaluate("m") as evaluation:
            evaluation.set_usage(input_tokens=1_000_000, output_tokens=1_000_000)
        with sentry_agents.rerank("m") as ranker:
            ranker.set_usage(input_tokens=1_000_000)
        with sentry_agents.embeddings("m") as vectors:
            vectors.set_usage(input_tokens=1_000_000)
    costs = {span.name: span.attributes.get("gen_ai.cost.total_tokens") for span in sentry.spans()}
    assert costs == {"evaluate m": 3.0, "rerank m": 1.0, "embeddings m": 1.0, "invoke_agent A": 5.0}


def test_a_call_is_priced_by_its_response_model_first_as_sentry_prices_it(sentry):
    """Sentry looks a price up by ``gen_ai.response.model``: so do we, and by the request
    model when the response model has no price."""
    sentry_agents.configure(prices={"alias": {"input": 1.0}, "served": {"input": 2.0}})
    for request_model, response_model in (("alias", "served"), ("served", "unpriced")):
        with sentry_agents.chat(request_model) as llm:
            llm.set_response_model(response_model)
            llm.set_usage(input_tokens=1_000_000, output_tokens=0)
    assert sentry.named("chat alias").attributes["gen_ai.cost.total_tokens"] == 2.0
    assert sentry.named("chat served").attributes["gen_ai.cost.total_tokens"] == 2.0


def test_a_call_that_reports_no_tokens_gets_no_cost(sentry):
    """Sentry leaves a call without cost when it reports no tokens (input and output 0,
    or no usage at all), even for a model it has a price for: so do we, and the agent's
    sum is not made of zeros."""
    sentry_agents.configure(prices={"m": {"input": 1.0, "output": 2.0}})
    with sentry_agents.invoke_agent("A"):
        with sentry_agents.chat("m") as llm:
            llm.set_usage(input_tokens=0, output_tokens=0)
        with sentry_agents.chat("m"):
            pass
    for span in sentry.spans():
        assert not [key for key in span.attributes if key.startswith("gen_ai.cost.")], span.name


def test_context_utilization_is_input_plus_output_over_the_window_as_relay_computes_it(sentry):
    """Relay works out utilization from input + output (the total it recomputes, and
    overwrites ``gen_ai.usage.total_tokens`` with): a ``total_tokens`` given apart from
    them made ours disagree with the total Sentry shows, and a call that reports input
    alone (a rerank, an embeddings call) sent the window without any utilization."""
    sentry_agents.configure(prices={"m": {"input": 1.0, "context_window": 1000}})
    with sentry_agents.chat("m") as llm:
        llm.set_usage(input_tokens=100, output_tokens=50, total_tokens=300)
    with sentry_agents.rerank("m") as ranker:
        ranker.set_usage(input_tokens=40)
    with sentry_agents.embeddings("m") as vectors:
        vectors.set_usage(total_tokens=70)
    assert sentry.named("chat m").attributes["gen_ai.context.utilization"] == 0.15
    assert sentry.named("rerank m").attributes["gen_ai.context.utilization"] == 0.04
    assert sentry.named("embeddings m").attributes["gen_ai.context.utilization"] == 0.07


def test_a_table_entry_without_a_price_sends_no_cost(sentry):
    """An entry with no rate at all was taken as free (every call sent a cost of $0); it
    is refused, and one that gives the context window alone sends the window and no cost."""
    with pytest.raises(ValueError, match="at least one rate"):
        sentry_agents.configure(prices={"m": {}})
    with pytest.raises(ValueError, match="at least one rate"):
        sentry_agents.configure(prices={"m": {"input": None}})
    sentry_agents.configure(prices={"m": {"context_window": 1000}, "free": {"input": 0}})
    for model in ("m", "free"):
        with sentry_agents.chat(model) as llm:
            llm.set_usage(input_tokens=100, output_tokens=50)
    windowed = sentry.named("chat m").attributes
    assert not [k for k in windowed if k.startswith("gen_ai.cost.")]
    assert windowed["gen_ai.context.window_size"] == 1000
    assert windowed["gen_ai.context.utilization"] == 0.15
    assert sentry.named("chat free").attributes["gen_ai.cost.total_tokens"] == 0.0


def gpt_4o_price(genai_prices: Any, **usage: int) -> float:
    """What ``genai-prices`` itself says OpenAI's gpt-4o costs for ``usage``."""
    price = genai_prices.calc_price(
        genai_prices.Usage(**usage), model_ref="gpt-4o", provider_id="openai"
    )
    return float(price.total_price)


def test_a_window_alone_in_the_table_keeps_the_genai_prices_price(sentry):
    genai_prices = pytest.importorskip("genai_prices")
    sentry_agents.configure(prices={"gpt-4o": {"context_window": 1000}}, genai_prices=True)
    with sentry_agents.chat("gpt-4o", provider="openai") as llm:
        llm.set_usage(input_tokens=100, output_tokens=50)
    expected = gpt_4o_price(genai_prices, input_tokens=100, output_tokens=50)
    a = sentry.named("chat gpt-4o").attributes
    assert a["gen_ai.cost.total_tokens"] == pytest.approx(expected)
    assert a["gen_ai.context.window_size"] == 1000


def test_cost_from_genai_prices_when_asked_for(sentry):
    genai_prices = pytest.importorskip("genai_prices")
    sentry_agents.configure(genai_prices=True)
    with sentry_agents.chat("gpt-4o", provider="openai") as llm:
        llm.set_usage(input_tokens=1000, output_tokens=200, input_tokens_cached=400)
    expected = gpt_4o_price(
        genai_prices, input_tokens=1000, output_tokens=200, cache_read_tokens=400
    )
    a = sentry.named("chat gpt-4o").attributes
    assert a["gen_ai.cost.total_tokens"] == pytest.approx(expected)
    assert a["gen_ai.context.window_size"] == 128000


def test_genai_prices_is_not_imported_unless_asked_for(tmp_path):
    program = """
import sys, sentry_sdk, sentry_agents
from sentry_agents.console import MemoryTransport
sentry_sdk.init(transport=MemoryTransport(), traces_sample_rate=1.0)
sentry_agents.configure(prices={"m": {"input": 1}})
with sentry_agents.chat("gpt-4o") as llm:
    llm.set_usage(input_tokens=10, output_tokens=1)
assert "genai_prices" not in sys.modules, "imported without being asked for"
print("ok")
"""
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# --- agent-aware sampling --------------------------------------------------------------


def test_sampler_decisions():
    sampler = sentry_agents.traces_sampler(
        default=0.2, agents=0.5, per_agent={"Batch": 0.0}, routes=["/api/chat"]
    )

    def ctx(op: str, name: str = "", parent: Any = None, **data: Any) -> dict[str, Any]:
        return {
            "transaction_context": {"op": op, "name": name, "data": data},
            "parent_sampled": parent,
        }

    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Support"}
    assert sampler(ctx("gen_ai.invoke_agent", **agent)) == 0.5
    assert sampler(ctx("gen_ai.invoke_agent", **{**agent, "gen_ai.agent.name": "Batch"})) == 0.0
    assert sampler(ctx("gen_ai.chat", **{"gen_ai.operation.name": "chat"})) == 0.5
    assert sampler(ctx("gen_ai.invoke_agent", parent=True, **agent)) == 1.0
    assert sampler(ctx("gen_ai.invoke_agent", parent=False, **agent)) == 0.5
    assert sampler(ctx("http.server", "POST /api/chat")) == 0.5
    assert sampler(ctx("http.server", "GET /health")) == 0.2
    assert sampler(ctx("queue.task", parent=True)) == 1.0
    assert sampler(ctx("queue.task", parent=False)) == 0.0
    assert sampler({"transaction_context": None}) == 0.2
    assert sampler("nonsense") == 0.2  # type: ignore[arg-type]
    too_big = 10**400  # an int beyond a float's range raised OverflowError
    for bad in ({"default": 2}, {"agents": "1"}, {"per_agent": {"a": -0.1}}, {"agents": too_big}):
        with pytest.raises(ValueError):
            sentry_agents.traces_sampler(**bad)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"per_agent": [("Batch", 0.5)]}, "per_agent must be a mapping"),
        ({"per_agent": "Batch"}, "per_agent must be a mapping"),
        ({"per_agent": {1: 0.5}}, "per_agent's keys must be agent names"),
        ({"routes": 5}, "routes must be"),
        ({"routes": [None]}, "routes must be"),
        ({"routes": b"/api/chat"}, "routes must be"),
        ({"routes": ["/api/chat", ""]}, "empty entry of routes"),
        ({"routes": ""}, "empty entry of routes"),
        ({"ops": 5}, "ops must be an op"),
        ({"ops": [b"queue.task"]}, "ops must be text"),
        ({"ops": ""}, "empty entry of ops"),
    ],
)
def test_sampler_arguments_of_the_wrong_type_raise_value_error(arguments, message):
    """``per_agent=[("a", .5)]`` raised AttributeError and ``routes=5`` TypeError, though
    bad arguments are documented to raise ValueError."""
    with pytest.raises(ValueError, match=message):
        sentry_agents.traces_sampler(**arguments)


def test_sampler_keeps_mcp_requests_and_the_roots_of_the_ops_given_at_the_agents_rate():
    """An MCP server's request (an ``mcp.server`` root) and, with ``ops``, a root whose op
    starts with one of them (a queue worker's task that runs agents, which start no root
    of their own) were sampled at ``default``; a caller's decision still wins."""
    sampler = sentry_agents.traces_sampler(default=0.2, agents=0.5, ops="queue.task")

    def ctx(op: str, parent: Any = None) -> dict[str, Any]:
        return {"transaction_context": {"op": op, "name": "root"}, "parent_sampled": parent}

    assert sampler(ctx("mcp.server")) == 0.5
    assert sampler(ctx("mcp.server", parent=False)) == 0.0
    assert sampler(ctx("queue.task.celery")) == 0.5
    assert sampler(ctx("queue.task.rq", parent=True)) == 1.0
    assert sampler(ctx("queue.publish")) == 0.2
    assert sampler(ctx("http.server")) == 0.2
    no_ops = sentry_agents.traces_sampler(default=0.2, agents=0.5, ops=None)
    assert no_ops(ctx("queue.task.celery")) == 0.2
    assert no_ops(ctx("mcp.server")) == 0.5


def test_sampler_takes_none_for_no_routes_and_no_named_agents():
    """``routes=None`` raised TypeError; ``None`` means none, as for ``per_agent``."""
    sampler = sentry_agents.traces_sampler(default=0.2, agents=0.5, per_agent=None, routes=None)
    request = {"transaction_context": {"op": "http.server", "name": "POST /api/chat"}}
    assert sampler(request) == 0.2
    agent = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "Batch"}
    assert sampler({"transaction_context": {"op": "gen_ai.invoke_agent", "data": agent}}) == 0.5
    routes = sentry_agents.traces_sampler(default=0.2, agents=0.5, routes=(r for r in ["/chat"]))
    assert routes(request) == 0.5


@pytest.fixture
def sampled(sentry):
    """sentry-sdk with our sampler (agents always, nothing else, agent "Batch" never);
    returns the sampling contexts it was asked about."""
    contexts: list[dict[str, Any]] = []
    sampler = sentry_agents.traces_sampler(default=0.0, agents=1.0, per_agent={"Batch": 0.0})

    def recording(context: dict[str, Any]) -> float:
        contexts.append(context)
        return sampler(context)

    sentry.init(traces_sampler=recording, traces_sample_rate=None)
    return sentry, contexts


def plain_root(name: str) -> Any:
    if HAS_TRANSACTIONS and sentry_sdk.get_client().options.get("trace_lifecycle") != "stream":
        return sentry_sdk.start_transaction(op="queue.task", name=name)
    return sentry_sdk.traces.start_span(name=name, attributes={"sentry.op": "queue.task"})


def test_sampler_sees_the_agent_at_the_root_in_both_modes(sampled):
    sentry, contexts = sampled
    with sentry_agents.invoke_agent("Support Agent", model="gpt-4o"):
        with sentry_agents.chat("gpt-4o"):
            pass
    with sentry_agents.invoke_agent("Batch"):
        pass
    with plain_root("nightly job"):
        with sentry_agents.invoke_agent("Inside Job"):
            pass
    assert len(contexts) == 3, "only roots are sampled"
    data = contexts[0]["transaction_context"]["data"]
    assert data["gen_ai.operation.name"] == "invoke_agent"
    assert data["gen_ai.agent.name"] == "Support Agent"
    assert data["gen_ai.request.model"] == "gpt-4o"
    assert contexts[0]["transaction_context"]["op"] == "gen_ai.invoke_agent"
    names = {s.name for s in sentry.spans()}
    assert {"invoke_agent Support Agent", "chat gpt-4o"} <= names
    assert not {"invoke_agent Batch", "nightly job", "invoke_agent Inside Job"} & names


def test_sampler_sees_a_model_calls_operation_model_and_provider_at_the_root(sampled):
    """A model call with no agent around it is a root of its own: sentry-sdk's sampler is
    shown its operation name, request model and provider (set before the root starts),
    in both modes; a guardrail root carries no AI marker and is sampled as any root."""
    sentry, contexts = sampled
    with sentry_agents.chat("gpt-4o", provider="openai"):
        pass
    with sentry_agents.evaluate("jev-1.13", provider="typesafe"):
        pass
    with sentry_agents.rerank("rerank-v3.5", provider="cohere"):
        pass
    with sentry_agents.embeddings("text-embedding-3-small", provider="openai"):
        pass
    with sentry_agents.guardrail("pii"):
        pass
    seen = [
        (
            context["transaction_context"]["op"],
            {
                key: value
                for key, value in (context["transaction_context"].get("data") or {}).items()
                if key.startswith("gen_ai.")
            },
        )
        for context in contexts
    ]

    def call(operation: str, model: str, provider: str) -> tuple[str, dict[str, str]]:
        data = {
            "gen_ai.operation.name": operation,
            "gen_ai.request.model": model,
            "gen_ai.provider.name": provider,
        }
        return f"gen_ai.{operation}", data

    assert seen == [
        call("chat", "gpt-4o", "openai"),
        call("evaluate", "jev-1.13", "typesafe"),
        call("rerank", "rerank-v3.5", "cohere"),
        call("embeddings", "text-embedding-3-small", "openai"),
        ("guardrail", {}),
    ]
    names = {s.name for s in sentry.spans()}
    assert {"chat gpt-4o", "evaluate jev-1.13", "rerank rerank-v3.5"} <= names
    assert "guardrail pii" not in names


def test_sampler_keeps_an_mcp_request_and_a_queue_task_running_an_agent(sentry):
    """Through sentry-sdk, in both modes: an ``mcp_server(...)`` root and, with
    ``ops=["queue.task"]``, a worker's task running an agent are sent at an agents rate of
    1.0 while everything else is sampled at 0."""
    sampler = sentry_agents.traces_sampler(default=0.0, agents=1.0, ops=["queue.task"])
    sentry.init(traces_sampler=sampler, traces_sample_rate=None)
    with sentry_agents.mcp_server("tools/call", "get_weather"):
        pass
    with plain_root("nightly job"):
        with sentry_agents.invoke_agent("Inside Job"):
            pass
    if HAS_TRANSACTIONS and sentry_sdk.get_client().options.get("trace_lifecycle") != "stream":
        other = sentry_sdk.start_transaction(op="cron", name="cleanup")
    else:
        other = sentry_sdk.traces.start_span(name="cleanup", attributes={"sentry.op": "cron"})
    with other:
        pass
    names = {s.name for s in sentry.spans()}
    assert {"tools/call get_weather", "nightly job", "invoke_agent Inside Job"} <= names
    assert "cleanup" not in names


def test_sampler_routes_match_the_path_of_a_wsgi_or_aiohttp_request(sentry):
    """``routes=["/api/chat"]`` never matched a Flask or Django request (any WSGI app) or
    an aiohttp one: sentry-sdk names their transaction ``generic WSGI request`` (``generic
    AIOHTTP request``) when it samples it, the path being in ``wsgi_environ``
    (``aiohttp_request``), so the agent runs of the route were sampled at ``default``. A
    route of other than ASCII text matches too, though WSGI gives its path as the bytes
    of its UTF-8, each read as one character."""
    flask = pytest.importorskip("flask")
    from sentry_sdk.integrations.flask import FlaskIntegration

    routes = ["/api/chat", "/api/чат"]
    sampler = sentry_agents.traces_sampler(default=0.0, agents=1.0, routes=routes)
    sentry.init(integrations=[FlaskIntegration()], traces_sampler=sampler, traces_sample_rate=None)
    app = flask.Flask(__name__)
    _agent_route(app, "POST", "/api/chat", "Support Agent")
    _agent_route(app, "POST", "/api/чат", "Агент")
    _agent_route(app, "GET", "/health", "Health Agent")
    with app.test_client() as client:
        client.post("/api/chat")
        client.post("/api/чат")
        client.get("/health")
    names = {s.name for s in sentry.spans()}
    assert "invoke_agent Support Agent" in names
    assert "invoke_agent Агент" in names
    assert "invoke_agent Health Agent" not in names

    class AiohttpRequest:  # what sentry-sdk's AioHttpIntegration passes, as read here
        path = "/api/chat"

    context = {
        "transaction_context": {"op": "http.server", "name": "generic AIOHTTP request"},
        "parent_sampled": None,
        "aiohttp_request": AiohttpRequest(),
    }
    assert sampler(context) == 1.0
    assert sampler({**context, "aiohttp_request": None}) == 0.0


def _agent_route(app: Any, method: str, path: str, agent: str) -> None:
    """A route of the Flask ``app`` that runs the agent named ``agent``."""

    def view() -> str:
        with sentry_agents.invoke_agent(agent):
            pass
        return "ok"

    app.add_url_rule(path, endpoint=agent, view_func=view, methods=[method])


def test_sampler_routes_match_the_url_of_a_wsgi_app_mounted_under_a_prefix(sentry):
    """An app mounted under a prefix (``/api``, by a dispatcher or a server's script
    root) is given ``SCRIPT_NAME="/api"`` and ``PATH_INFO="/chat"``: ``routes=["/api/chat"]``,
    the URL as the user sees it and sentry-sdk reports it, never matched the bare
    ``PATH_INFO``. The prefix is read back as the text it was sent as, as the path is."""
    flask = pytest.importorskip("flask")
    from sentry_sdk.integrations.flask import FlaskIntegration
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client

    sampler = sentry_agents.traces_sampler(default=0.0, agents=1.0, routes=["/api/chat"])
    sentry.init(integrations=[FlaskIntegration()], traces_sampler=sampler, traces_sample_rate=None)
    app = flask.Flask(__name__)
    _agent_route(app, "POST", "/chat", "Mounted Agent")
    _agent_route(app, "GET", "/health", "Health Agent")
    mounted = DispatcherMiddleware(flask.Flask("root"), {"/api": app})
    client = Client(mounted)
    assert client.post("/api/chat").status_code == 200
    assert client.get("/api/health").status_code == 200
    names = {s.name for s in sentry.spans()}
    assert "invoke_agent Mounted Agent" in names
    assert "invoke_agent Health Agent" not in names

    def wsgi(script_name: str, path_info: str) -> dict[str, Any]:
        return {
            "transaction_context": {"op": "http.server", "name": "generic WSGI request"},
            "parent_sampled": None,
            "wsgi_environ": {"SCRIPT_NAME": script_name, "PATH_INFO": path_info},
        }

    unicode_sampler = sentry_agents.traces_sampler(default=0.0, routes=["/апи/chat", "/v1/чат"])
    latin1 = "/апи".encode().decode("latin-1")
    assert unicode_sampler(wsgi(latin1, "/chat")) == 1.0
    assert unicode_sampler(wsgi(latin1, "/other")) == 0.0
    assert unicode_sampler(wsgi("", "/v1/чат".encode().decode("latin-1"))) == 1.0
    assert sampler(wsgi("/api", "/chat")) == 1.0
    assert sampler(wsgi("", "/api/chat")) == 1.0, "an app at the root, as before"
    chat_only = sentry_agents.traces_sampler(default=0.0, routes=["/chat"])
    assert chat_only(wsgi("/api", "/chat")) == 1.0, "a route written for PATH_INFO still matches"
    assert sampler({**wsgi("/api", "/chat"), "wsgi_environ": {"PATH_INFO": "/chat"}}) == 0.0


def test_sampler_routes_match_a_wsgi_url_whose_prefix_ends_in_a_slash():
    """A server that mounts an app at ``/api/`` (or at ``/``) gives a ``SCRIPT_NAME``
    ending in a slash: joined to ``PATH_INFO`` whole, the path read ``/api//chat`` and
    ``routes=["/api/chat"]``, as sentry-sdk's request URL shows the request, never
    matched. The slashes are joined as sentry-sdk joins them; a ``SCRIPT_NAME`` or
    ``PATH_INFO`` that is not text is no part of the path."""

    def wsgi(environ: dict[str, Any]) -> dict[str, Any]:
        return {
            "transaction_context": {"op": "http.server", "name": "generic WSGI request"},
            "parent_sampled": None,
            "wsgi_environ": environ,
        }

    sampler = sentry_agents.traces_sampler(default=0.0, agents=1.0, routes=["/api/chat"])
    assert sampler(wsgi({"SCRIPT_NAME": "/api/", "PATH_INFO": "/chat"})) == 1.0
    assert sampler(wsgi({"SCRIPT_NAME": "/api//", "PATH_INFO": "/chat"})) == 1.0
    assert sampler(wsgi({"SCRIPT_NAME": "/api", "PATH_INFO": "chat"})) == 1.0
    assert sampler(wsgi({"SCRIPT_NAME": "/", "PATH_INFO": "/api/chat"})) == 1.0
    assert sampler(wsgi({"SCRIPT_NAME": "/", "PATH_INFO": "/other"})) == 0.0
    for hostile in (b"/api", None, 3, ["/api"]):
        assert sampler(wsgi({"SCRIPT_NAME": hostile, "PATH_INFO": "/api/chat"})) == 1.0
        assert sampler(wsgi({"SCRIPT_NAME": "/api", "PATH_INFO": hostile})) == 0.0
    root_only = sentry_agents.traces_sampler(default=0.0, agents=1.0, routes=["//"])
    assert root_only(wsgi({"SCRIPT_NAME": "/", "PATH_INFO": "/chat"})) == 0.0


@pytest.mark.parametrize("upstream", [True, False])
def test_sampler_and_a_parent_decision_from_the_caller(sampled, upstream):
    sentry, contexts = sampled
    headers = {"sentry-trace": f"{'a' * 32}-{'b' * 16}-{1 if upstream else 0}"}
    with sentry_sdk.isolation_scope():
        if sentry.mode == "static":
            transaction = sentry_sdk.continue_trace(headers, op="queue.task", name="job")
            with sentry_sdk.start_transaction(transaction):
                with sentry_agents.invoke_agent("Batch"):
                    pass
        else:
            sentry_sdk.traces.continue_trace(headers)
            with sentry_sdk.traces.start_span(name="job", attributes={"sentry.op": "queue.task"}):
                with sentry_agents.invoke_agent("Batch"):
                    pass
    assert [c["parent_sampled"] for c in contexts] == [upstream]
    names = {s.name for s in sentry.spans()}
    assert ("invoke_agent Batch" in names) is upstream, "a child follows its root"
    assert ("job" in names) is upstream, "a root that is not AI work follows its caller"
    if sentry.mode == "stream":  # our agent at the root of a continued trace
        contexts.clear()
        with sentry_sdk.isolation_scope():
            sentry_sdk.traces.continue_trace(headers)
            with sentry_agents.invoke_agent("Batch"):
                pass
            with sentry_agents.invoke_agent("Support"):
                pass
        assert [c["parent_sampled"] for c in contexts] == [upstream, upstream]
        names = {s.name for s in sentry.spans()}
        assert ("invoke_agent Batch" in names) is upstream, "kept when the caller kept it"
        assert "invoke_agent Support" in names, "an agent run is kept at its own rate"


# --- budgets that follow sentry-sdk ----------------------------------------------------


def sent_size(span: SpanRecord, key: str = "gen_ai.input.messages") -> int:
    return len(span.attributes[key].encode())


def test_default_budget_follows_how_sentry_sdk_sends_the_span(sentry):
    big = [{"role": "user", "content": "x" * 150_000}]
    with sentry_agents.invoke_agent("Reader", messages=big):
        with sentry_agents.chat("m", messages=big):
            pass
        with sentry_agents.guardrail("size") as check:
            check.set_outcome(True, reason="y" * 150_000)
    splits = sentry_sdk.get_client().options.get("stream_gen_ai_spans") is True
    whole = sentry.mode == "stream" or splits
    chat = sentry.named("chat m")
    agent = sentry.named("invoke_agent Reader")
    reason = sentry.named("guardrail size").attributes["sentry_agents.guardrail.reason"]
    if whole:
        assert 150_000 < sent_size(chat) <= 200_000, "a span of its own: sent whole"
    else:
        assert sent_size(chat) <= 20_000, "inside the transaction event, as sentry-sdk cuts"
    if sentry.mode == "stream":
        assert sent_size(agent) > 150_000 and len(reason.encode()) == 150_000
    else:
        assert sent_size(agent) <= 20_000, "the transaction itself"
        assert len(reason.encode()) <= 20_000, "not a gen_ai span: stays in the event"


def test_configured_budget_wins_in_every_mode(sentry):
    sentry_agents.configure(max_message_bytes=5_000)
    big = [{"role": "user", "content": "x" * 150_000}]
    with sentry_agents.invoke_agent("Reader", messages=big):
        with sentry_agents.chat("m", messages=big):
            pass
    assert sent_size(sentry.named("chat m")) <= 5_000
    assert sent_size(sentry.named("invoke_agent Reader")) <= 5_000
    sentry_agents.configure(max_message_bytes=None)
    with sentry_agents.chat("standalone", messages=big):
        pass
    assert sent_size(sentry.named("chat standalone")) <= (
        200_000 if sentry.mode == "stream" else 20_000
    )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (math.nan, ValueError),
        (math.inf, ValueError),
        (-math.inf, ValueError),
        ("lots", ValueError),
        (True, TypeError),
        (object(), TypeError),
        ([300], TypeError),
    ],
)
def test_a_budget_that_is_not_a_number_of_bytes_is_refused_by_name(value, error):
    """A budget of NaN or an infinity left serialize_messages unbudgeted, and text raised
    deep inside: each is the caller's error, raised where it is given, naming it."""
    big = [{"role": "user", "content": "x" * 50_000}]
    with pytest.raises(error, match="max_bytes"):
        sentry_agents.serialize_messages(big, max_bytes=value)
    with pytest.raises(error, match="max_message_bytes"):
        sentry_agents.configure(max_message_bytes=value)


def test_a_budget_int_makes_a_number_of_is_taken(sentry):
    big = [{"role": "user", "content": "x" * 50_000}]
    assert len(sentry_agents.serialize_messages(big, max_bytes="3000").encode()) <= 3_000
    assert len(sentry_agents.serialize_messages(big, max_bytes=3000.0).encode()) <= 3_000
    sentry_agents.configure(max_message_bytes=" 4000 ")
    with sentry_agents.chat("m", messages=big):
        pass
    assert sent_size(sentry.named("chat m")) <= 4_000


def test_gen_ai_spans_kept_in_the_transaction_get_sentry_sdks_budget(static_sentry):
    if "stream_gen_ai_spans" not in sentry_sdk.get_client().options:
        pytest.skip("this sentry-sdk keeps every span in the transaction: covered above")
    static_sentry.init(stream_gen_ai_spans=False)
    with sentry_agents.invoke_agent("Reader"):
        with sentry_agents.chat("m", messages=[{"role": "user", "content": "x" * 150_000}]):
            pass
        with sentry_agents.embeddings("e", inputs=["y" * 1_000] * 150):
            pass
        with sentry_agents.evaluate("j", state="z" * 150_000, questions=QUESTIONS):
            pass
    assert sent_size(static_sentry.named("chat m")) <= 20_000
    embedded = static_sentry.named("embeddings e").attributes["gen_ai.embeddings.input"]
    assert 10_000 < len(embedded.encode()) <= 20_000, "the first inputs that fit"
    assert json.loads(embedded)[-1] == "...[truncated]"
    evaluation = static_sentry.named("evaluate j")
    assert sent_size(evaluation) <= 20_000
    assert evaluation.json_attribute("gen_ai.input.messages")[0]["questions"] == QUESTIONS


# --- sentry-sdk's current conventions --------------------------------------------------

USER_SUITE = """
import pytest
import sentry_sdk
import sentry_agents

STREAMING = hasattr(sentry_sdk, "traces")


def run():
    with sentry_agents.conversation("conv", user={"id": "u-1"}):
        with sentry_agents.invoke_agent("Helper", model="m", provider="openai") as agent:
            with sentry_agents.guardrail("pii", stage="input") as check:
                check.set_outcome(True)
            with sentry_agents.chat("m", messages="hi", stop_sequences=["END"]) as llm:
                llm.set_output("hello")
                llm.set_usage(input_tokens=3, output_tokens=1)
            with sentry_agents.execute_tool("lookup", arguments={"q": 1}) as tool:
                tool.set_result("found")
            with sentry_agents.evaluate("judge", questions={"ok": {"type": "boolean"}}) as e:
                e.set_answers({"ok": {"type": "boolean", "probability": 0.9}})
            with sentry_agents.rerank("ranker", query="q", documents=["a"]) as ranker:
                ranker.set_result([(0, 0.5)])
            agent.set_output("done")


def check(agent_spans):
    run()
    agent = agent_spans.expect("invoke_agent", name="Helper")
    chat = agent_spans.expect("chat", under=agent)
    assert agent_spans.messages(chat) == [
        {"role": "user", "parts": [{"type": "text", "content": "hi"}]}
    ]
    assert agent_spans.expect("guardrail", name="pii", under=agent).op == "guardrail"
    agent_spans.expect("evaluate", under=agent)
    agent_spans.expect("rerank", under=agent)
    assert agent_spans.usage(agent).input_tokens == 3


def test_static(agent_spans):
    check(agent_spans)


@pytest.mark.skipif(not STREAMING, reason="this sentry-sdk has no span streaming")
@pytest.mark.parametrize("agent_spans", ["stream"], indirect=True)
def test_stream(agent_spans):
    check(agent_spans)
"""


def test_a_users_suite_with_the_fixture_passes_with_deprecation_warnings_as_errors(pytester):
    pytester.makepyfile(USER_SUITE)
    result = pytester.runpytest_subprocess(
        "-W", "error::DeprecationWarning", "-p", "no:cacheprovider"
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("errors", 0) == 0, result.stdout.str()
    assert outcomes.get("passed", 0) >= 1
    assert "DeprecationWarning" not in result.stdout.str()


# --- tool definitions in each provider's shape -----------------------------------------


def get_weather(city: str, unit: str = "celsius") -> dict:
    """Current weather for a city.

    More detail that is not part of the description."""
    return {}


def test_tool_definition_in_each_provider_shape():
    import pydantic
    from anthropic.types import ToolParam
    from google.genai import types
    from openai.types.chat import ChatCompletionToolParam
    from openai.types.responses import FunctionToolParam

    parameters = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "default": "celsius"},
        },
        "required": ["city"],
    }
    assert sentry_agents.tool_definition(get_weather) == {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": parameters,
    }
    chat = sentry_agents.tool_definition(get_weather, format="chat_completions")
    assert chat == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather for a city.",
            "parameters": parameters,
        },
    }
    responses = sentry_agents.tool_definition(get_weather, format="responses")
    assert responses["strict"] is False, "strict schemas need every property required"
    anthropic = sentry_agents.tool_definition(get_weather, format="anthropic")
    assert anthropic == {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "input_schema": parameters,
    }
    google = sentry_agents.tool_definition(get_weather, format="google")
    assert google == {
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": parameters,
    }
    # Each is what the provider's own SDK types accept.
    pydantic.TypeAdapter(ChatCompletionToolParam).validate_python(chat)
    pydantic.TypeAdapter(FunctionToolParam).validate_python(responses)
    pydantic.TypeAdapter(ToolParam).validate_python(anthropic)
    declared = types.Tool(function_declarations=[google]).function_declarations
    assert declared is not None and declared[0].parameters is not None
    assert declared[0].parameters.required == ["city"]
    # And every shape reads back as the same definition on a span.
    from sentry_agents._tool_definitions import tool_definitions

    for shaped in (chat, responses, anthropic, google):
        assert tool_definitions([shaped])[0]["parameters"] == parameters
    with pytest.raises(ValueError):
        sentry_agents.tool_definition(get_weather, format="openai")


class SearchTool:
    """Search the docs."""

    def __call__(self, query: str, limit: int = 5) -> list[str]:
        return []


def lookup(order_id: str, note: str = "") -> None:
    """Look an order up."""


# A JSON schema written as the annotation (a dict, which cannot be hashed).
lookup.__annotations__["order_id"] = {"type": "string", "pattern": "^A-[0-9]+$"}


def test_tool_definition_of_partials_callable_objects_and_unmappable_hints():
    """A partial or a callable object (no ``__name__``) raised AttributeError, a dict
    written as an annotation TypeError; in ``tools=`` each lost every tool's definition."""
    fixed_unit = sentry_agents.tool_definition(functools.partial(get_weather, unit="kelvin"))
    assert fixed_unit == {
        "type": "function",
        "name": "get_weather",
        "description": "Current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
    fixed_city = sentry_agents.tool_definition(functools.partial(get_weather, "Paris"))
    assert fixed_city["parameters"] == {
        "type": "object",
        "properties": {"unit": {"type": "string", "default": "celsius"}},
    }
    assert sentry_agents.tool_definition(SearchTool(), format="anthropic") == {
        "name": "SearchTool",
        "description": "Search the docs.",
        "input_schema": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "limit": {"type": "integer", "default": 5},
            },
            "required": ["query"],
        },
    }
    assert sentry_agents.tool_definition(lookup)["parameters"] == {
        "type": "object",
        "properties": {"order_id": {}, "note": {"type": "string", "default": ""}},
        "required": ["order_id"],
    }


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Mixed(enum.Enum):
    ONE = 1
    X = "x"


def paint(
    color: Color,
    trim: Color = Color.RED,
    only_red: Literal[Color.RED] = Color.RED,
    either: Literal[Color.RED, Color.BLUE] = Color.BLUE,
    level: Level = Level.HIGH,
    colors: list[Color] = [Color.BLUE],  # noqa: B006
    mixed: Mixed = Mixed.ONE,
    mode: Literal["fast", "slow"] = "fast",
    maybe: Optional[Color] = None,
) -> None:
    """Paint something."""


def _inlined(schema: Any, defs: dict[str, Any]) -> Any:
    """A pydantic JSON schema with its ``$ref``s inlined and without titles."""
    if isinstance(schema, list):
        return [_inlined(s, defs) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _inlined(v, defs) for k, v in schema.items() if k not in ("title", "$ref")}
    if "$ref" in schema:
        out.update(_inlined(defs[schema["$ref"].rsplit("/", 1)[1]], defs))
    return out


def test_tool_definition_of_enum_parameters_matches_pydantic():
    """An Enum parameter allowed anything (``{}``), and an Enum default or ``Literal``
    member was its text (``"Color.RED"``): now its members' values, typed as pydantic
    types them."""
    pydantic = pytest.importorskip("pydantic")
    parameters = sentry_agents.tool_definition(paint, format="chat_completions")["function"][
        "parameters"
    ]
    properties = parameters["properties"]
    assert properties["color"] == {"type": "string", "enum": ["red", "blue"]}
    assert properties["trim"] == {"type": "string", "enum": ["red", "blue"], "default": "red"}
    assert properties["only_red"]["default"] == "red"
    assert properties["level"] == {"type": "integer", "enum": [1, 2], "default": 2}
    assert properties["colors"]["items"] == {"type": "string", "enum": ["red", "blue"]}
    assert properties["mixed"] == {"enum": [1, "x"], "default": 1}
    # Optional is the schema of what it holds, as for any other type.
    assert properties["maybe"] == {"type": "string", "enum": ["red", "blue"]}
    expected = pydantic.TypeAdapter(paint).json_schema()
    pydantic_properties = _inlined(expected["properties"], expected.get("$defs", {}))
    for name in ("color", "trim", "either", "level", "colors", "mixed", "mode"):
        assert properties[name] == pydantic_properties[name], name
    # pydantic writes a single choice as a const; the same value is the only choice here.
    assert properties["only_red"]["enum"] == [pydantic_properties["only_red"]["const"]]
    assert properties["only_red"]["type"] == pydantic_properties["only_red"]["type"]
    assert parameters["required"] == expected["required"] == ["color"]
    json.dumps(parameters)


if sys.version_info >= (3, 11):

    class Size(enum.StrEnum):
        SMALL = "s"
        LARGE = "l"

    def order(s: Size = Size.LARGE) -> None:
        """Order one."""


@pytest.mark.skipif(sys.version_info < (3, 11), reason="enum.StrEnum is new in 3.11")
def test_tool_definition_of_a_str_enum_parameter():
    assert sentry_agents.tool_definition(order)["parameters"]["properties"]["s"] == {
        "type": "string",
        "enum": ["s", "l"],
        "default": "l",
    }


def test_tool_definition_of_defaults_holding_enum_members_is_json():
    """Enum members inside a default are written as their values, and the rest as any
    value is (a dict's tuple keys as text, NaN as text): reading the members first had
    left a default's keys unconverted, and the definition could not be sent as JSON."""
    import enum

    class Unit(enum.Enum):
        C = "celsius"

    def forecast(
        options: dict = {(1, 2): Unit.C, "nan": float("nan")},  # noqa: B006
        units: list = [Unit.C],  # noqa: B006
    ) -> None:
        """Forecast."""

    properties = sentry_agents.tool_definition(forecast)["parameters"]["properties"]
    assert json.loads(json.dumps(properties)) == {
        "options": {"type": "object", "default": {"(1, 2)": "celsius", "nan": "nan"}},
        "units": {"type": "array", "default": ["celsius"]},
    }


@pytest.mark.parametrize("not_a_tool", ["get_weather", None, 3, ["get_weather"], {"name": "x"}])
def test_tool_definition_refuses_what_is_not_callable(not_a_tool):
    """Anything not callable was described as its type (a tool named ``str``)."""
    with pytest.raises(TypeError, match="describes a function or another callable"):
        sentry_agents.tool_definition(not_a_tool)


def test_tool_definition_still_reads_every_kind_of_callable():
    """Methods, classes, ``classmethod``/``staticmethod`` objects, partials and callable
    objects are tools."""

    class Weather:
        """Weather service."""

        def forecast(self, city: str) -> str:
            """The forecast."""
            return city

        @staticmethod
        def alerts(region: str) -> list[str]:
            """Alerts for a region."""
            return []

        @classmethod
        def create(cls, key: str) -> Weather:
            """A client."""
            return cls()

    forecast = sentry_agents.tool_definition(Weather().forecast)
    assert forecast["name"] == "forecast"
    assert forecast["parameters"]["required"] == ["city"]
    for method, name, param in (
        (vars(Weather)["alerts"], "alerts", "region"),
        (vars(Weather)["create"], "create", "key"),
    ):
        definition = sentry_agents.tool_definition(method)
        assert definition["name"] == name
        assert definition["parameters"]["required"] == [param]
    assert sentry_agents.tool_definition(Weather)["name"] == "Weather"
    assert sentry_agents.tool_definition(SearchTool())["name"] == "SearchTool"
    assert sentry_agents.tool_definition(functools.partial(get_weather))["name"] == "get_weather"
    assert sentry_agents.tool_definition(len)["name"] == "len"


class Framework:
    """Framework base class: subclass me and implement __call__."""

    def __call__(self, query: str) -> str:
        """Run the tool."""
        return query


class Lookup(Framework):
    def __call__(self, query: str) -> str:
        return query


class Ping(Framework):
    pass


def test_tool_descriptions_are_the_tools_own_docstrings_never_inherited(sentry):
    """``inspect.getdoc`` inherits: a bare pydantic model was described by pydantic's
    ``BaseModel`` docstring, a callable object by ``Call self as a function.``"""
    from pydantic import BaseModel

    class GetWeather(BaseModel):
        city: str

    class GetForecast(BaseModel):
        """The forecast for a city."""

        city: str

    def described(tool: Any) -> Any:
        return sentry_agents.tool_definition(tool).get("description")

    assert described(GetWeather) is None
    assert sentry_agents.tool_definition(GetWeather)["parameters"]["required"] == ["city"]
    assert described(GetForecast) == "The forecast for a city."
    assert described(Lookup) is None
    assert described(Lookup()) is None
    assert described(Ping()) == "Run the tool."  # its __call__'s own docstring
    assert described(SearchTool()) == "Search the docs."
    sentry_agents.tool(Ping())("paris")
    sentry_agents.tool(functools.partial(get_weather, unit="kelvin"))("Paris")
    spans = [s for s in sentry.spans() if s.op == "gen_ai.execute_tool"]
    assert [s.attributes.get("gen_ai.tool.description") for s in spans] == [
        "Run the tool.",
        "Current weather for a city.",
    ]


def test_langchain_and_openai_agents_tools_are_sent_with_their_json_schemas(sentry):
    """A LangChain tool's ``input_schema`` is a pydantic model class: its parameters were
    sent as the class's text (``"<class 'langchain_core.utils.pydantic.lookup'>"``), not
    a schema; they are its JSON schema, with secrets' defaults scrubbed. An OpenAI Agents
    SDK tool's schema (``params_json_schema``) was left out."""
    from langchain_core.tools import tool as langchain_tool

    @langchain_tool
    def lookup(city: str, api_key: str = "CANARY-LC") -> str:
        """Look up the weather."""
        return "rain"

    tools: list[Any] = [lookup]
    try:  # the OpenAI Agents SDK needs Python 3.10
        from agents import function_tool
    except ImportError:
        forecast = None
    else:

        @function_tool
        def forecast(city: str, days: int = 1) -> str:
            """The forecast for a city."""
            return "rain"

        tools.append(forecast)
    with sentry_agents.chat("gpt-4o-mini", provider="openai", tools=tools):
        pass
    sent, *others = sentry.named("chat gpt-4o-mini").json_attribute("gen_ai.tool.definitions")
    assert sent["name"] == "lookup" and sent["description"] == "Look up the weather."
    parameters = sent["parameters"]
    assert parameters["type"] == "object" and parameters["required"] == ["city"]
    assert parameters["properties"]["city"]["type"] == "string"
    assert parameters["properties"]["api_key"]["default"] == "[Filtered]"
    assert b"CANARY-LC" not in sentry.raw()
    if forecast is not None:  # its FunctionTool holds its schema as params_json_schema
        assert others == [
            {
                "type": "function",
                "name": "forecast",
                "description": "The forecast for a city.",
                "parameters": forecast.params_json_schema,
            }
        ]


def test_decorated_tools_are_named_as_their_definitions_name_them(sentry):
    """A callable object or a partial decorated with ``@tool`` (or ``@agent``) gets the
    name ``tool_definition`` gives the model for it, not a placeholder."""
    weather = functools.partial(get_weather, unit="kelvin")
    sentry_agents.tool(Ping())("paris")
    sentry_agents.tool(weather)("Paris")
    sentry_agents.agent(Ping())("paris")
    names = [s.name for s in sentry.spans()]
    assert f"execute_tool {sentry_agents.tool_definition(Ping())['name']}" in names
    assert f"execute_tool {sentry_agents.tool_definition(weather)['name']}" in names
    assert sentry_agents.tool_definition(weather)["name"] == "get_weather"
    assert "invoke_agent Ping" in names


# --- sentry-sdk's AI integrations: their model calls are priced too --------------------


def test_integration_llm_calls_inside_our_agent_are_priced(sentry, provider):
    pytest.importorskip("openai")
    if not hasattr(sentry_sdk.consts.OP, "GEN_AI_CHAT"):
        pytest.skip("this sentry-sdk's AI integrations make ai.* spans")
    from sentry_sdk.integrations.openai import OpenAIIntegration

    from fakes import chat_completion

    client = provider.script("/v1/chat/completions", chat_completion("sunny")).openai()
    sentry.init(integrations=[OpenAIIntegration()])
    sentry_agents.configure(prices={"gpt-4o-mini": {"input": 1.0, "output": 2.0}})
    with sentry_agents.invoke_agent("Weather Agent"):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Paris?"}]
        )
    # chat_completion's usage: 120 input tokens (100 cached), 30 output (12 reasoning).
    expected = (120 * 1.0 + 30 * 2.0) / 1e6
    llm = next(s for s in sentry.spans() if s.op == "gen_ai.chat")
    assert llm.attributes["gen_ai.cost.total_tokens"] == pytest.approx(expected)
    agent = sentry.named("invoke_agent Weather Agent").attributes
    assert agent["gen_ai.cost.total_tokens"] == pytest.approx(expected)
    assert agent["gen_ai.usage.input_tokens"] == 120


def test_evaluation_questions_and_answers_send_no_media_and_no_secrets(sentry):
    """A judge's answers (its free-text ``reason``, a structured one) and the questions'
    instructions are searched for media and secrets as the state and a guardrail's
    reason are: a data URL (whole or inside the text), JSON text naming a ``base64``
    field or holding a secret's key. Labels (a choice labelled ``base64``) are kept."""
    sentry.init()
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ"
    url = "data:image/png;base64," + png
    questions = {
        "match": {"type": "boolean", "instructions": f"Does it show this? {url}"},
        "encoding": {
            "type": "choice",
            "criteria": {"base64": "Base64 text", "hex": "Hex digits"},
        },
    }
    answers = {
        "match": {"type": "boolean", "probability": 0.9, "reason": f"It shows {url} too."},
        "encoding": {
            "type": "choice",
            "choice": "base64",
            "probabilities": {"base64": 0.8, "hex": 0.2},
            "reason": json.dumps(
                {
                    "image": {"type": "image", "data": png, "mimeType": "image/png"},
                    "api_key": "CANARY",
                }
            ),
        },
    }
    with sentry_agents.evaluate("jev", questions=questions) as evaluation:
        evaluation.set_answers(answers)
    with sentry_agents.evaluate("jev2") as evaluation:
        evaluation.set_answers({"match": {"type": "boolean", "probability": 1, "reason": url}})

    raw = sentry.raw()
    assert png.encode() not in raw and b"CANARY" not in raw
    span = sentry.named("evaluate jev")
    asked = span.json_attribute("gen_ai.input.messages")[0]["questions"]
    assert asked["match"]["instructions"] == "Does it show this? [Blob substitute]"
    assert asked["encoding"] == questions["encoding"]
    answered = span.json_attribute("gen_ai.output.messages")[0]["answers"]
    assert answered["match"]["reason"] == "It shows [Blob substitute] too."
    assert json.loads(answered["encoding"].pop("reason")) == {
        "image": {"type": "image", "data": "[Blob substitute]", "mimeType": "image/png"},
        "api_key": "[Filtered]",
    }
    assert answered["encoding"] == {k: v for k, v in answers["encoding"].items() if k != "reason"}
    other = sentry.named("evaluate jev2").json_attribute("gen_ai.output.messages")
    assert other[0]["answers"]["match"]["reason"] == "[Blob substitute]"
