"""Evaluation objects in the shape Sentry's AI Agents pages read, and checks of that shape.

Pure functions, no sentry-sdk import. An evaluation span carries one input object
``[{"type": "evaluation", "state": ..., "questions": {...}}]`` and one output object
``[{"type": "evaluation", "answers": {...}}]`` (Sentry's docs on evaluation spans).
Sentry shows a question or answer raw when a field it reads has the wrong type, so each
is checked here; a problem is reported as text for a debug log and the value is sent
as given (nothing the caller wrote is lost).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

from ._jsonable import jsonable, safe_str, without_media

QUESTION_TYPES = ("score", "choice", "boolean", "noul")
EVALUATION = "evaluation"
LABELLED = frozenset({"criteria", "probabilities", "legend"})
"""Fields of a question or answer keyed by the caller's labels (a choice's labels, a
score's values), not by data: neither secrets' keys nor the fields media is held under."""


def evaluation_input(state: Any, questions: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The input object (``state`` and ``questions``) and what is wrong with its shape.

    The questions come before the state: over budget an object keeps its first keys, so
    a long state is what gets cut, not the questions Sentry reads the answers by.
    """
    message: dict[str, Any] = {"type": EVALUATION}
    problems: list[str] = []
    if questions is not None:
        converted = jsonable(questions)
        if isinstance(converted, dict):
            for name, question in converted.items():
                problems.extend(f"question {name!r}: {p}" for p in question_problems(question))
        else:
            problems.append(f"questions must be an object keyed by name, not {_kind(converted)}")
        message["questions"] = _without_media_by_name(converted)
    if state is not None:
        message["state"] = without_media(jsonable(state))
    return [message], problems


def evaluation_output(
    answers: Any, questions: Any = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The output object (``answers``) and what is wrong with its shape; with the
    ``questions`` asked, answers are also checked against them."""
    converted = jsonable(answers)
    problems: list[str] = []
    asked = jsonable(questions) if questions is not None else None
    if isinstance(converted, dict):
        for name, answer in converted.items():
            problems.extend(f"answer {name!r}: {p}" for p in answer_problems(answer))
            if isinstance(asked, dict):
                question = asked.get(name)
                if question is None:
                    problems.append(f"answer {name!r}: no question of that name was asked")
                elif (
                    isinstance(question, dict)
                    and isinstance(answer, dict)
                    and question.get("type") != answer.get("type")
                ):
                    problems.append(
                        f"answer {name!r}: type {answer.get('type')!r} does not match "
                        f"the question's {question.get('type')!r}"
                    )
    else:
        problems.append(f"answers must be an object keyed by question, not {_kind(converted)}")
    return [{"type": EVALUATION, "answers": _without_media_by_name(converted)}], problems


def _without_media_by_name(items: Any) -> Any:
    """Questions or answers keyed by their names without the media they may hold, as the
    state and a guardrail's reason are sent (a judge's ``reason`` quoting an image's data
    URL, JSON text naming a ``base64`` field): each field as ``without_media`` reads it,
    but a map keyed by the caller's labels (``LABELLED``) value by value, its labels never
    read as the fields media is held under (a choice labelled ``base64``). Checked
    after the shape's problems are found: what is replaced is what was given."""
    if not isinstance(items, dict):
        return without_media(items)
    return {name: _judgement_without_media(item) for name, item in items.items()}


def _judgement_without_media(item: Any) -> Any:
    if not isinstance(item, dict):
        return without_media(item)
    rest = {k: v for k, v in item.items() if not (k in LABELLED and isinstance(v, dict))}
    cleaned = without_media(rest)
    if len(rest) == len(item):
        return item if cleaned is rest else cleaned
    return {
        key: cleaned[key]
        if key in rest
        else {label: without_media(value) for label, value in item[key].items()}
        for key in item
    }


def question_problems(question: Any) -> list[str]:
    """What makes ``question`` unreadable for Sentry (empty when nothing does)."""
    if not isinstance(question, dict):
        return [f"must be an object, not {_kind(question)}"]
    kind = question.get("type")
    problems = _type_problems(kind)
    if "instructions" in question and not isinstance(question["instructions"], str):
        problems.append(f"instructions must be a string, not {_kind(question['instructions'])}")
    if "criteria" in question:
        criteria = question["criteria"]
        if kind == "score" and not _all(criteria, list, _is_str):
            problems.append("criteria of a score question must be a list of strings")
        elif kind == "choice" and not _all(criteria, dict, _is_optional_str):
            problems.append("criteria of a choice question must map each label to a string")
        elif kind in ("boolean", "noul"):
            problems.append(f"a {kind} question has no criteria")
    return problems


_ANSWER_FIELDS: dict[str, tuple[str, Callable[[Any], bool], str]] = {
    "boolean": ("probability", lambda v: _is_number(v), "a number"),
    "noul": ("noul", lambda v: _is_number(v), "a number"),
    "score": ("score", lambda v: _is_number(v), "a number"),
    "choice": ("choice", lambda v: isinstance(v, str), "a string"),
}


def answer_problems(answer: Any) -> list[str]:
    """What makes ``answer`` unreadable for Sentry (empty when nothing does)."""
    if not isinstance(answer, dict):
        return [f"must be an object, not {_kind(answer)}"]
    kind = answer.get("type")
    problems = _type_problems(kind)
    if kind in _ANSWER_FIELDS:
        name, check, expected = _ANSWER_FIELDS[kind]
        if name not in answer:
            problems.append(f"a {kind} answer needs {name!r}")
        elif not check(answer[name]):
            problems.append(f"{name} must be {expected}, not {_kind(answer[name])}")
    if "confidence" in answer and not _is_number(answer["confidence"]):
        problems.append(f"confidence must be a number, not {_kind(answer['confidence'])}")
    if "probabilities" in answer and not _all(answer["probabilities"], dict, _is_number):
        problems.append("probabilities must map each label or score to a number")
    if "legend" in answer:
        if kind != "score":
            problems.append("only a score answer has a legend")
        elif not isinstance(answer["legend"], dict):
            problems.append(f"legend must be an object, not {_kind(answer['legend'])}")
    return problems


def _type_problems(kind: Any) -> list[str]:
    if kind in QUESTION_TYPES:
        return []
    return [f"type must be one of {', '.join(QUESTION_TYPES)}, not {kind!r}"]


def _all(value: Any, container: type, check: Callable[[Any], bool]) -> bool:
    if not isinstance(value, container):
        return False
    items: Any = value.values() if isinstance(value, Mapping) else value
    return all(check(item) for item in items)


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_optional_str(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    return "null" if value is None else safe_str(type(value).__name__)


__all__ = [
    "EVALUATION",
    "LABELLED",
    "QUESTION_TYPES",
    "answer_problems",
    "evaluation_input",
    "evaluation_output",
    "question_problems",
]
