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

from ._jsonable import INT64_LIMIT, field, finite_number, instance_of, jsonable, scalar_number

_LIST_FIELDS = ("results", "data", "ranking")


def ranking(result: Any) -> list[dict[str, Any]]:
    """The ranking a rerank call returned, each item as ``index``, ``score`` and
    ``document`` where known."""
    items = _listed(result)
    if items is None:
        for name in _LIST_FIELDS:
            items = _listed(field(result, name))
            if items is not None:
                break
    if items is None:
        return [{"document": jsonable(result)}]
    return [_item(item) for item in items]


def _listed(value: Any) -> Optional[list[Any]]:
    """The items of a list or tuple; ``None`` for anything else, and for a value whose
    ``__class__`` or ``__iter__`` raises (then written as a document, as its text)."""
    if not instance_of(value, (list, tuple)):
        return None
    try:
        return list(value)
    except Exception:
        return None


def _item(item: Any) -> dict[str, Any]:
    if instance_of(item, (list, tuple)):
        pair = _pair(item)
        if pair is not None:
            return pair
    if instance_of(item, (str, int, float)) or item is None:
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
        out["document"] = text if instance_of(text, str) else jsonable(document)
    return out or {"document": jsonable(item)}


def _pair(item: Any) -> Optional[dict[str, Any]]:
    """An ``(index, score)`` pair's item; ``None`` when ``item`` is not one (or its
    items cannot be read: a list whose ``__len__`` or ``__iter__`` raises)."""
    try:
        first, second = item
    except Exception:
        return None
    index, score = _index(first), _score(second)
    return {"index": index, "score": score} if index is not None and score is not None else None


def _index(value: Any) -> Optional[int]:
    """A document's position: an integer within 64 bits (one beyond cannot be a position,
    and one of over 4,300 digits cannot even be written as JSON)."""
    number = scalar_number(value)
    return number if isinstance(number, int) and -INT64_LIMIT <= number < INT64_LIMIT else None


def _score(value: Any) -> Optional[float]:
    return finite_number(scalar_number(value))


__all__ = ["ranking"]
