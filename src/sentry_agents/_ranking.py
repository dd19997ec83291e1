"""Rerank results in one shape: ``[{"index": i, "score": s, "document": ...}]``.

Pure functions, no sentry-sdk import. Reads Cohere and Jina (``results`` with
``relevance_score``), Voyage (``data``), the Vercel AI SDK (``ranking`` with
``originalIndex``), sentence-transformers' ``CrossEncoder.rank`` (``corpus_id``,
``score`` and ``text``), lists of such items, and lists of ``(index, score)`` pairs.
Scores and indices may be numpy scalars (read by shape, see ``scalar_number``).
``index`` is the document's position in the request; items stay in the order given
(best first).
"""

from __future__ import annotations

from typing import Any, Optional

from ._jsonable import as_list, field, finite_number, jsonable, scalar_number

_LIST_FIELDS = ("results", "data", "ranking")


def ranking(result: Any) -> list[dict[str, Any]]:
    """The ranking a rerank call returned, each item as ``index``, ``score`` and
    ``document`` where known."""
    items = as_list(result)
    if items is None:
        for name in _LIST_FIELDS:
            items = as_list(field(result, name))
            if items is not None:
                break
    if items is None:
        return [{"document": jsonable(result)}]
    return [_item(item) for item in items]


def _item(item: Any) -> dict[str, Any]:
    if isinstance(item, (list, tuple)) and len(item) == 2:
        index, score = _index(item[0]), _score(item[1])
        if index is not None and score is not None:
            return {"index": index, "score": score}
    if isinstance(item, (str, int, float)) or item is None:
        return {"document": jsonable(item)}
    out: dict[str, Any] = {}
    index = _index(field(item, "index", field(item, "originalIndex", field(item, "corpus_id"))))
    if index is not None:
        out["index"] = index
    score = _score(field(item, "relevance_score", field(item, "score")))
    if score is not None:
        out["score"] = score
    document = field(item, "document", field(item, "text"))
    if document is not None:
        text = field(document, "text")
        out["document"] = text if isinstance(text, str) else jsonable(document)
    return out or {"document": jsonable(item)}


def _index(value: Any) -> Optional[int]:
    number = scalar_number(value)
    return number if isinstance(number, int) else None


def _score(value: Any) -> Optional[float]:
    return finite_number(scalar_number(value))


__all__ = ["ranking"]
