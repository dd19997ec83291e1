"""Conversation ids: every gen_ai span started under ``conversation`` carries one, and
the conversation's user is the one Sentry shows for them."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar, Token
from typing import Any, Callable, Optional, TypeVar

from . import _sdk
from ._activations import leave, made_inside
from ._bounded import fit_within
from ._budget import cut_text
from ._config import MESSAGE_BYTES_IN_EVENT
from ._decorate import Call, decorate
from ._guard import logger
from ._jsonable import distinct_key, field, loads_finite, name_value, safe_str

F = TypeVar("F", bound=Callable[..., Any])


class _Entry:
    """One entry into a conversation: its id, the entry it was made inside, and whether it
    is still open (an entry left in another context than the one that made it stays that
    context's variable, over)."""

    __slots__ = ("conversation_id", "open", "outer")

    def __init__(self, conversation_id: Optional[str], outer: Optional[_Entry]) -> None:
        self.conversation_id = conversation_id
        self.outer = outer
        self.open = True


_conversation_id: ContextVar[Optional[_Entry]] = ContextVar(
    "sentry_agents_conversation_id", default=None
)


def current_conversation_id() -> Optional[str]:
    """The id set by ``conversation`` here, if any: that of the innermost entry not left.

    An id set on the scope (``sentry_sdk.ai.set_conversation_id``) needs no lookup:
    every sentry-sdk that has one writes it onto gen_ai spans as they finish.
    """
    entry = _conversation_id.get()
    while entry is not None and not entry.open:
        entry = entry.outer
    return None if entry is None else entry.conversation_id


_USER_FIELDS = ("id", "email", "username", "ip_address")
_ABSENT = object()


def user_dict(user: Any) -> Optional[dict[str, Any]]:
    """``user`` as sentry-sdk's ``set_user`` takes it: from a mapping (``id``, ``email``,
    ``username``, ...; ``None`` values and empty text left out), an object with any of
    those attributes (a web framework's user; one whose fields are all empty, as Django's
    anonymous user's are, is left out), or a plain value taken as the id (an object with
    none of them is taken by its text, unless that would be its memory address: left
    out).

    What is sent is valid: the standard fields as text, any other value as a JSON copy,
    lone surrogates replaced. A user that cannot be read (a mapping whose ``items()``
    raises) is logged and left out, so the conversation still runs.
    """
    try:
        return _user_dict(user)
    except Exception as exc:
        logger.warning("sentry_agents: the conversation's user could not be read: %r", exc)
        return None


def _user_dict(user: Any) -> Optional[dict[str, Any]]:
    if user is None:
        return None
    if isinstance(user, (str, int)):
        return {"id": _field_text(user)}
    if isinstance(user, Mapping):
        out: dict[str, Any] = {}
        suffixes: dict[str, int] = {}
        for key, value in list(user.items()):
            if value is not None:
                name = distinct_key(safe_str(key), out, suffixes)
                out[name] = _field_text(value) if name in _USER_FIELDS else value
        extra = {k: v for k, v in out.items() if k not in _USER_FIELDS}
        out = {k: v for k, v in out.items() if k in _USER_FIELDS and v}
        if extra:
            out.update(_extra_fields(extra))
        return out or None
    read = {name: field(user, name, _ABSENT) for name in _USER_FIELDS}
    out = {k: _field_text(v) for k, v in read.items() if v is not None and v is not _ABSENT}
    out = {k: v for k, v in out.items() if v}
    if out:
        return out
    cls: Any = type(user)  # its methods read from the class, not bound
    has_fields = any(v is not _ABSENT for v in read.values())
    if has_fields or (cls.__str__ is object.__str__ and cls.__repr__ is object.__repr__):
        # Fields all empty (Django's AnonymousUser: no id, username ""), or text that
        # would be its memory address (Flask-Login's anonymous user): its text as the id
        # would make every anonymous visitor one user, or each object a new one.
        logger.debug(
            "sentry_agents: the conversation's user (a %s) has no id, email or username; left out",
            cls.__name__,
        )
        return None
    text = _field_text(user)
    if not text:
        logger.warning(
            "sentry_agents: the conversation's user (a %s) has no text; left out", cls.__name__
        )
        return None
    return {"id": text}


def _extra_fields(extra: dict[str, Any]) -> dict[str, Any]:
    """A user's fields other than the standard ones, as JSON values all within the bytes
    a conversation id gets: a transaction carries the whole user, and one over Relay's
    event size limit (an avatar's data URL, say) would lose the whole run. Over it, the
    first fields that fit are kept, cut, and the key ``"..."`` marks the cut."""
    kept = loads_finite(fit_within(extra, MESSAGE_BYTES_IN_EVENT).text)
    return kept if isinstance(kept, dict) else {}


def _field_text(value: Any) -> str:
    """A user field as text within the bytes a conversation id gets (any longer, it is
    sent on every span of the block); empty, so left out, for a value without text of
    its own (its ``__str__`` raises)."""
    return cut_text(_own_text(value) or "", MESSAGE_BYTES_IN_EVENT)


def _own_text(value: Any) -> Optional[str]:
    """``value``'s own text (bytes decoded, an Enum member's value, a list's JSON, as
    ``name_value`` reads a name), valid UTF-8; ``None`` when its ``__str__`` raises. Never a
    placeholder such as its type's name: as an id, that would join every such value
    into one conversation or one user."""
    value = name_value(value)
    if issubclass(type(value), str):
        return safe_str(value)
    try:
        text = str(value)
    except Exception:
        return None
    return safe_str(text) if isinstance(text, str) else None


class conversation:
    """Under this block (or decorated call), gen_ai spans carry ``gen_ai.conversation.id``.

    The previous id is restored on exit. Where sentry-sdk supports it, the id is also
    put on the scope, so spans made by sentry-sdk's own AI integrations carry it too.

    ``user`` (a dict with any of ``id``, ``email``, ``username``, or the id alone) is the
    user of the conversation, set on the block's scope as ``sentry_sdk.set_user`` sets
    it: it fills the User column of Sentry's Conversations page for what is sent from
    the block, under sentry-sdk's own rules for user data (in span-streaming mode only
    with ``data_collection["user_info"]`` or ``send_default_pii``). The previous user is
    back on exit.
    """

    def __init__(self, conversation_id: Optional[str], *, user: Any = None) -> None:
        text = None if conversation_id is None else _own_text(conversation_id)
        if text is None and conversation_id is not None:
            logger.warning(
                "sentry_agents: the conversation id (a %s) has no text; the block has none",
                safe_str(type(conversation_id).__name__),
            )
        self.conversation_id: Optional[str] = (
            None if text is None else cut_text(text, MESSAGE_BYTES_IN_EVENT)
        )
        """The id sent as ``gen_ai.conversation.id``; ``None`` (an id looked up and not
        found, or one without text) is no conversation: the block's spans carry no id,
        not the text "None" or a type's name that would join every such conversation
        into one."""
        self.user = user_dict(user)
        self._tokens: list[tuple[Token[Optional[_Entry]], Any, _Entry, Any, Any]] = []
        """Per entry: the variable's token, the scope's context manager, the entry, the
        scope made current and the one around it."""

    def __enter__(self) -> conversation:
        self._activate()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._deactivate()

    async def __aenter__(self) -> conversation:
        return self.__enter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        self._deactivate()

    def __call__(self, func: F) -> F:
        """Use as a decorator: each call of ``func`` runs under this conversation id."""
        conversation_id, user = self.conversation_id, self.user
        return decorate(func, lambda: conversation(conversation_id, user=user))

    # --- the run protocol of ``_decorate`` ---------------------------------------------------

    def start(self) -> conversation:
        """Enter the conversation without ``with`` (pair with ``finish``)."""
        return self.__enter__()

    def finish(self, error: Optional[BaseException] = None) -> None:
        """Leave the conversation: the previous id is current again."""
        self._deactivate()

    _wants_return = False

    def _record_call(self, call: Call) -> None:
        pass

    def _record_return(self, value: Any) -> None:
        pass

    def _activate(self) -> None:
        scope_cm: Any = None
        scope: Any = None
        around: Any = None
        try:
            around = _sdk.current_scope()
            scope_cm = _sdk.use_new_scope()
            scope = scope_cm.__enter__()
            _sdk.set_scope_conversation_id(self.conversation_id)
            if self.user is not None:
                _sdk.set_scope_user(self.user)
        except Exception:
            logger.debug("sentry_agents: could not set the conversation on the scope")
        entry = _Entry(self.conversation_id, _conversation_id.get())
        self._tokens.append((_conversation_id.set(entry), scope_cm, entry, scope, around))

    def _deactivate(self) -> None:
        if not self._tokens:
            return
        if len(self._tokens) == 1:
            try:
                entry = self._tokens[0][2]
            except IndexError:  # just left by another thread
                return
            if _encloses(entry, _conversation_id.get()):
                self._step_aside()
                return
        left = leave(_conversation_id, self._tokens, 0)
        if left is None:  # just left by another thread
            return
        (_, scope_cm, entry, scope, around), error = left
        if error is not None:
            # Left in another context (a task other than the one that entered it): where
            # it was entered, the entry and the scope stay current; they lead past it.
            logger.debug("sentry_agents: the conversation was left in another context")
            entry.open = False
        if scope_cm is not None:
            try:
                scope_cm.__exit__(None, None, None)
            except Exception:  # a sentry-sdk that raises leaving it in another context
                logger.debug("sentry_agents: could not restore the scope")
            if error is not None and scope is not None:
                try:
                    _sdk.restore_scope(scope, around)
                except Exception:
                    logger.debug("sentry_agents: could not restore the conversation")

    def _step_aside(self) -> None:
        """Leave a conversation while one entered inside it is still current here (two
        runs of a callback handler that overlap, left in the order they were entered):
        that one stays current, and what it restores when it is left, this entry and its
        scope, leads past this conversation to the one around it."""
        try:
            _, scope_cm, entry, scope, around = self._tokens.pop()
        except IndexError:  # just left by another thread
            return
        entry.open = False
        if scope_cm is None:
            return
        try:
            inner = _sdk.current_scope()
            scope_cm.__exit__(None, None, None)
            _sdk.keep_scope(inner)
            if scope is not None:
                _sdk.restore_scope(scope, around)
        except Exception:
            logger.debug("sentry_agents: could not restore the scope")


def _encloses(entry: _Entry, current: Optional[_Entry]) -> bool:
    """Whether ``current`` is an entry made inside ``entry`` and still open."""
    return current is not None and current.open and made_inside(current, entry, _outer)


def _outer(entry: _Entry) -> Optional[_Entry]:
    return entry.outer


__all__ = ["conversation", "current_conversation_id", "user_dict"]
