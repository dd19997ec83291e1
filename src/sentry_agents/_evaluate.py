"""Evaluation spans: ``gen_ai.evaluate``, named ``evaluate {model}``."""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from . import _keys as keys
from ._config import UNSET, Options, Redactor, options
from ._evaluation import evaluation_input, evaluation_output
from ._guard import guard, logger
from ._jsonable import field, instance_of, known_name
from ._model import UsageSpan
from ._usage import usage_from


class EvaluationConfig(NamedTuple):
    model: Optional[str]
    provider: Optional[str] = None
    state: Any = None
    questions: Any = None


class EvaluationSpan(UsageSpan[EvaluationConfig]):
    """One call to an evaluation model: what was evaluated and the questions asked go to
    ``gen_ai.input.messages`` as one evaluation object, the answers to
    ``gen_ai.output.messages`` (both behind the content gate); usage and the response
    model as for an LLM call. A question or answer whose shape Sentry cannot read is
    logged at debug level and sent as given."""

    __slots__ = ()
    _IS_ITS_CALLS = True

    def __init__(self, config: EvaluationConfig, options: Options) -> None:
        super().__init__(keys.EVALUATE, config, options)

    def _record_start_content(self) -> None:
        config = self._config
        if config.state is not None or config.questions is not None:
            self._set_content(
                keys.INPUT_MESSAGES,
                "evaluation.input",
                (config.state, config.questions),
                self._input_object,
                output=False,
            )

    def set_answers(self, answers: Any) -> None:
        """The evaluation's answers, keyed by question: ``{"accuracy": {"type": "score",
        "score": 1}}`` (``score``, ``choice``, ``boolean`` or ``noul`` answers)."""
        self._set_content(
            keys.OUTPUT_MESSAGES, "evaluation.output", answers, self._output_object, output=True
        )

    def set_response(self, response: Any) -> None:
        """Record an evaluation response in one call: its ``answers``, ``model`` and
        ``usage`` (a dict or an object with those fields)."""
        with guard:
            model = field(response, "model")
            if instance_of(model, str):
                self.set_response_model(model)
            usage = field(response, "usage")
            if usage is not None:
                found = usage_from(usage)
                if not found.is_empty():
                    self.set_usage(found)
            answers = field(response, "answers")
            if answers is not None:
                self.set_answers(answers)

    def _input_object(self, given: tuple[Any, Any]) -> Any:
        message, problems = evaluation_input(*given)
        self._report(problems)
        return message

    def _output_object(self, answers: Any) -> Any:
        message, problems = evaluation_output(answers, self._config.questions)
        self._report(problems)
        return message

    def _report(self, problems: list[str]) -> None:
        for problem in problems:
            logger.debug(
                "sentry_agents: %s: %s; Sentry shows it raw (see Sentry's docs on "
                "evaluation spans for the shapes it reads)",
                self._name(),
                problem,
            )


def evaluate(
    model: str,
    *,
    provider: Optional[str] = None,
    state: Any = None,
    questions: Any = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> EvaluationSpan:
    """An evaluation span, ``gen_ai.evaluate`` named ``evaluate {model}``, as ``with``,
    ``async with`` or a decorator.

    ``state`` is what is evaluated (text or content), ``questions`` what is asked of
    it, keyed by name: ``{"accuracy": {"type": "score", "criteria": ["incorrect",
    "correct"], "instructions": "..."}}``; types are ``score`` (criteria a list whose
    index is the score), ``choice`` (criteria mapping each label to its description),
    ``boolean`` and ``noul``. Record the result with ``EvaluationSpan.set_answers``
    (or ``set_response``) and ``EvaluationSpan.set_usage``.
    """
    return EvaluationSpan(
        EvaluationConfig(
            known_name(model),
            known_name(provider),
            state,
            questions,
        ),
        options(record_inputs, record_outputs, redact, capture_errors),
    )


__all__ = ["EvaluationConfig", "EvaluationSpan", "evaluate"]
