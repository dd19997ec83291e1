"""Rerank spans: ``gen_ai.rerank``, named ``rerank {model}``."""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

from . import _keys as keys
from ._config import UNSET, Options, Redactor, options
from ._jsonable import instance_of, jsonable, known_name
from ._messages import to_gen_ai_messages
from ._model import UsageSpan
from ._ranking import ranking


class RerankConfig(NamedTuple):
    model: Optional[str]
    provider: Optional[str] = None
    query: Any = None
    documents: Any = None


class RerankSpan(UsageSpan[RerankConfig]):
    """One call to a reranking model. The query goes to ``gen_ai.input.messages`` (as the
    user's message), the documents to ``sentry_agents.rerank.documents`` and the ranking
    to ``sentry_agents.rerank.results`` (Sentry's conventions have no rerank attributes);
    all are content, behind the gate and within the message budget. Usage and the
    response model as for an LLM call."""

    __slots__ = ()
    _IS_ITS_CALLS = True

    def __init__(self, config: RerankConfig, options: Options) -> None:
        super().__init__(keys.RERANK, config, options)

    def _record_start_content(self) -> None:
        config = self._config
        if config.query is not None:
            self._set_content(
                keys.INPUT_MESSAGES,
                "input.messages",
                config.query,
                to_gen_ai_messages,
                output=False,
            )
        if config.documents is not None:
            documents = config.documents
            listed = documents if instance_of(documents, (list, tuple)) else [documents]
            self._set_content(
                keys.RERANK_DOCUMENTS, "rerank.documents", listed, jsonable, output=False
            )

    def set_result(self, result: Any) -> None:
        """The ranking: a provider's rerank response (Cohere, Voyage, Jina and the like),
        its list of results, what sentence-transformers' ``CrossEncoder.rank`` returns,
        or ``(index, score)`` pairs, best first; numpy scores and indices are read as
        numbers. A response's ``model`` is recorded as the response model and the
        tokens it reports as usage (Cohere's ``meta.tokens``, Voyage's and Jina's
        ``usage.total_tokens``, LiteLLM's ``meta``; Cohere's search units are no tokens
        and are not sent); a later ``set_usage`` wins over them."""
        self._set_call_response(result)
        self._set_content(keys.RERANK_RESULTS, "rerank.results", result, ranking, output=True)


def rerank(
    model: str,
    *,
    provider: Optional[str] = None,
    query: Any = None,
    documents: Any = None,
    record_inputs: Optional[bool] = None,
    record_outputs: Optional[bool] = None,
    redact: Optional[Redactor] = UNSET,
    capture_errors: Optional[bool] = None,
) -> RerankSpan:
    """A rerank span, ``gen_ai.rerank`` named ``rerank {model}``, as ``with``,
    ``async with`` or a decorator: ``query`` and ``documents`` as sent to the model;
    record the ranking (and the tokens a response reports) with ``RerankSpan.set_result``,
    other tokens with ``set_usage``."""
    return RerankSpan(
        RerankConfig(
            known_name(model),
            known_name(provider),
            query,
            documents,
        ),
        options(record_inputs, record_outputs, redact, capture_errors),
    )


__all__ = ["RerankConfig", "RerankSpan", "rerank"]
