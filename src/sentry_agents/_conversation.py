"""Conversation ids: every gen_ai span started under :func:`conversation` carries one."""

from __future__ import annotations

import functools
import inspect
from contextvars import ContextVar, Token
from typing import Any, Callable, Optional, TypeVar

from . import _sdk

F = TypeVar("F", bound=Callable[..., Any])

_conversation_id: ContextVar[Optional[str]] = ContextVar(
    "sentry_agents_conversation_id", default=None
)


def current_conversation_id() -> Optional[str]:
    """The id set by :func:`conversation` here, if any.

    An id set on the scope (``sentry_sdk.ai.set_conversation_id``) needs no lookup:
    every sentry-sdk that has one writes it onto gen_ai spans as they finish.
    """
    return _conversation_id.get()


class conversation:
    """Under this block (or decorated call), gen_ai spans carry ``gen_ai.conversation.id``.

    The previous id is restored on exit. Where sentry-sdk supports it, the id is also
    put on the scope, so spans made by sentry-sdk's own AI integrations carry it too.
    """

    def __init__(self, conversation_id: str) -> None:
        self.conversation_id = str(conversation_id)
        self._tokens: list[tuple[Token[Optional[str]], Any]] = []

    def __enter__(self) -> conversation:
        scope_cm: Any = None
        try:
            scope_cm = _sdk.use_new_scope()
            scope_cm.__enter__()
            _sdk.set_scope_conversation_id(self.conversation_id)
        except Exception:
            _sdk.logger.debug("sentry_agents: could not set the conversation id on the scope")
        self._tokens.append((_conversation_id.set(self.conversation_id), scope_cm))
        return self

    def __exit__(self, *exc_info: Any) -> None:
        token, scope_cm = self._tokens.pop()
        _conversation_id.reset(token)
        if scope_cm is not None:
            try:
                scope_cm.__exit__(None, None, None)
            except Exception:
                _sdk.logger.debug("sentry_agents: could not restore the scope")

    async def __aenter__(self) -> conversation:
        return self.__enter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        self.__exit__(*exc_info)

    def __call__(self, func: F) -> F:
        conversation_id = self.conversation_id
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with conversation(conversation_id):
                    return await func(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            with conversation(conversation_id):
                return func(*args, **kwargs)

        return run  # type: ignore[return-value]
