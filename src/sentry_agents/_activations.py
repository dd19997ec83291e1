"""Leaving a run (a span or a conversation block) that was entered more than once at a
time: each exit undoes the entry its own context made.

One helper object may be entered at once in several threads or tasks (a module-level
``conversation`` or ``chat`` object used by a thread pool), each entry setting a context
variable. A context variable's token can only be reset in the context that made it, so
an exit takes the latest entry made in its own context, not the latest of all.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Callable, Optional, TypeVar

E = TypeVar("E", bound=tuple[Any, ...])
T = TypeVar("T")


def leave(
    var: ContextVar[Any], entries: list[E], at: int
) -> Optional[tuple[E, Optional[Exception]]]:
    """Remove from ``entries`` (each holding a token of ``var`` at index ``at``) the latest
    one made in this context, with ``var`` reset by its token; when none was (a token
    already used, or every entry made elsewhere), the latest of all, with the error its
    reset raised. ``None`` when ``entries`` is empty (another thread left the last one
    since the caller looked)."""
    try:
        chosen, error = entries[-1], None
    except IndexError:
        return None
    if len(entries) == 1:  # entered once, as most spans are: no other entry to look at
        try:
            var.reset(chosen[at])
        except Exception as exc:  # another context's token, or one used already
            error = exc
        if entries and entries[0] is chosen:
            del entries[0]
        return chosen, error
    for index in range(len(entries) - 1, -1, -1):
        try:
            entry = entries[index]
            var.reset(entry[at])
        except IndexError:  # just taken by another thread
            continue
        except Exception as exc:  # another context's token, or one used already
            error = error or exc
            continue
        chosen, error = entry, None
        break
    for index in range(len(entries) - 1, -1, -1):
        if entries[index] is chosen:
            del entries[index]
            break
    return chosen, error


def made_inside(item: T, around: T, outer: Callable[[T], Optional[T]]) -> bool:
    """Whether ``around`` is on ``item``'s chain of outer runs (each given by ``outer``):
    ``item`` was entered while ``around`` was current, or inside one that was."""
    chain = outer(item)
    while chain is not None:
        if chain is around:
            return True
        chain = outer(chain)
    return False


__all__ = ["leave", "made_inside"]
