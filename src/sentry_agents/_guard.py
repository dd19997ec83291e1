"""Containing the library's own failures: logged through sentry-sdk's logger (shown with
``debug=True``), never raised into the host application."""

from __future__ import annotations

from typing import Any, Optional

from sentry_sdk.utils import logger


def contained(exc: BaseException) -> None:
    """Log an exception raised while recording; the host app never sees it."""
    logger.warning("sentry_agents: failed to record a span: %r", exc, exc_info=exc)


class _Guard:
    """``with guard:`` contains and logs any ``Exception`` raised inside the block."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, et: Any, exc: Optional[BaseException], tb: Any) -> bool:
        if isinstance(exc, Exception):
            contained(exc)
            return True
        return False


guard = _Guard()

__all__ = ["contained", "guard", "logger"]
