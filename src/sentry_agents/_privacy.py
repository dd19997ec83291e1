"""Scrubbing of secrets from content, and the user's redaction hook.

Pure functions, no sentry-sdk import. A key is a secret's key when the words of one
deny-listed name appear in it, adjacent and in order (or run together as one of its
words), whatever the case and the separators: ``api_key`` matches ``X-Api-Key``,
``OPENAI_API_KEY``, ``apiKey`` and ``apikey``; a word matches in the plural too
(``api_keys``, ``access_tokens``). A key written as one word holding a common secret's
name glued at its end or start is a secret's key too (``newpassword``, ``authtoken``,
``secretkey``; not ``tokenizer``). The deny list is sentry-sdk's own (its
``EventScrubber`` lists) with a few additions. Numbers (and ``null``) under count-like
keys (``token_count``, ``session_timeout``) and under names matched only in the plural
or glued to a count word (``max_tokens``, ``input_tokens``, ``maxtokens``,
``tokencount``) are kept.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from bisect import bisect_left
from contextvars import ContextVar
from typing import Any, Callable, Iterator, Optional
from urllib.parse import unquote_plus

from ._evaluation import LABELLED
from ._jsonable import (
    JSON_HEADS,
    LEADING_SPACE,
    MAX_DEPTH,
    MAX_INT_BITS,
    MIN_DEEP_CHARS,
    MIN_LONG_INT_DIGITS,
    decode_prefix,
    dumps,
    is_plain_json,
    json_may_hold_media,
    loads_finite,
    nests_within,
    safe_str,
    scan_json,
)

FILTERED = "[Filtered]"

# sentry-sdk's EventScrubber deny lists (DEFAULT_DENYLIST and DEFAULT_PII_DENYLIST),
# then names secrets commonly go by that those lists only catch in other spellings.
_SDK_KEYS = [
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "session",
    "csrftoken",
    "sessionid",
    "x_csrftoken",
    "x_forwarded_for",
    "set_cookie",
    "cookie",
    "authorization",
    "proxy-authorization",
    "x_api_key",
    "aiohttp_session",
    "connect.sid",
    "csrf_token",
    "csrf",
    "_csrf",
    "_csrf_token",
    "phpsessid",
    "_session",
    "symfony",
    "user_session",
    "_xsrf",
    "xsrf-token",
    "x_real_ip",
    "ip_address",
    "remote_addr",
]
# A signature (``X-Amz-Signature``, ``X-Goog-Signature``, an Azure SAS ``sig``) is what
# lets a pre-signed URL be used by whoever holds it. A DSN, a database URL or a
# connection string holds a password; a one-time password, a card's security code and a
# social security number are credentials or personal data under any name. ``pin`` is not
# listed: it names a pinned message, a version pin or a GPIO pin more often than a PIN.
_MORE_KEYS = [
    "pwd",
    "passphrase",
    "credential",
    "access_key",
    "bearer",
    "jwt",
    "signature",
    "sig",
    "secret_key",
    "signing_key",
    "dsn",
    "database_url",
    "connection_string",
    "otp",
    "cvv",
    "cvc",
    "ssn",
]

DEFAULT_SCRUB_KEYS: frozenset[str] = frozenset(k.lower() for k in [*_SDK_KEYS, *_MORE_KEYS])
"""The names whose values are scrubbed by default (see ``configure(scrub_keys=...)``)."""

_CAMEL = re.compile(r"([a-z0-9])([A-Z])|([A-Z])([A-Z][a-z])")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_NAMES_WITH_DIGITS = frozenset({"auth0"})
"""Words kept whole: names whose digits are part of them (a product, not a number)."""
_COUNT_WORDS = frozenset(
    [
        "count",
        "counts",
        "num",
        "number",
        "max",
        "min",
        "limit",
        "total",
        "size",
        "length",
        "len",
        "ttl",
        "timeout",
        "expires",
        "expiry",
        "expiration",
        "age",
        "index",
    ]
)
_GLUED_AT_END = frozenset(
    [
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "token",
        "credential",
        "credentials",
        "apikey",
        "accesskey",
        "privatekey",
        "secretkey",
        "signingkey",
        "authorization",
        "cookie",
        "signature",
        "jwt",
        "ipaddress",
        "dsn",
        "databaseurl",
        "connectionstring",
        "otp",
        "cvv",
        "cvc",
        "ssn",
    ]
)
"""Deny-listed words that name a secret at the end of a longer word too (``newpassword``,
``clientsecret``, ``authtoken``, ``sentrydsn``). ``session`` and ``auth`` are not: many
English words end so (``possession``, ``oauth``), and a session is seldom a credential."""
_GLUED_AT_START = _GLUED_AT_END - {
    "cookie",
    "signature",
    "authorization",
    "ipaddress",
    "dsn",
    "databaseurl",
    "connectionstring",
    "secretkey",
}
"""Deny-listed words that name a secret at the start of a longer word too (``secretkey``,
``passwordhash``, ``tokenvalue``): those at the end but ``cookie`` (``cookiecutter``),
``signature``, ``authorization`` and the names of addresses and connections, which begin
words that are not secrets (``secretkey`` begins with ``secret`` already)."""
_DERIVED = ("iz", "is", "ary", "ari", "ion", "ive", "ly", "less")
"""How an English word made from a name at its start goes on (``tokenizer``,
``tokenise``, ``secretary``, ``secretariat``, ``secretion``, ``secretive``, ``secretly``,
``passwordless``): such a word is not the name glued to another."""
_CACHE_ITEMS = 4096
_CACHE_KEY_CHARS = 128


def words(key: str) -> tuple[str, ...]:
    """A key's words: camelCase, case and separators ignored, digits a word of their own
    (``password2`` is ``password`` and ``2``) but in names that end in one (``auth0``,
    the identity provider, is not ``auth``). Letters and digits of every script are word
    characters and words are case-folded (``Пароль`` is ``пароль``, ``contraseña`` one
    word), so a name in any language is matched as an English one is; ASCII keys take a
    faster path that splits them exactly alike."""
    if not key.isascii():
        return _unicode_words(key)
    spaced = _CAMEL.sub(lambda m: f"{m[1] or m[3]} {m[2] or m[4]}", key)
    found: list[str] = []
    for word in _SEPARATORS.split(spaced.lower()):
        if word in _NAMES_WITH_DIGITS:
            found.append(word)
        elif word:
            found += (part for part in _DIGITS.split(word) if part)
    return tuple(found)


def _unicode_words(key: str) -> tuple[str, ...]:
    """``words`` of any text. Each character is given a shape (``A`` upper or title
    case, ``a`` lower case, ``x`` a letter without case, ``0`` a decimal digit, a space
    anything else), the ASCII rules are applied to the shapes, and a change between a
    cased and a caseless script is a word boundary too (``密码Token``: ``密码`` and
    ``token``). On ASCII text this is exactly the ASCII path of ``words``. The key is
    first brought to its compatibility composed form (NFKC), as every name is: a letter
    and its accent written apart (``n`` and U+0303) are the one letter written whole,
    full-width letters the ASCII ones."""
    key = unicodedata.normalize("NFKC", key)
    if key.isascii():
        return words(key)
    shape = _shape(key)
    found_cuts = {m.start() + 1 for m in _CAMEL.finditer(shape)}
    found_cuts.update(m.start() for m in _SCRIPT_CHANGE.finditer(shape))
    cuts = sorted(found_cuts)
    found: list[str] = []
    for run in _WORD_RUN.finditer(shape):
        start, end = run.span()
        first = bisect_left(cuts, start + 1)
        bounds = [start, *cuts[first : bisect_left(cuts, end, first)], end]
        for begin, stop in zip(bounds, bounds[1:]):
            word = key[begin:stop].casefold()
            if word in _NAMES_WITH_DIGITS:
                found.append(word)
                continue
            inner = [begin, *(m.start() for m in _DIGIT_CHANGE.finditer(shape, begin, stop)), stop]
            found += (key[a:b].casefold() for a, b in zip(inner, inner[1:]) if a < b)
    return tuple(found)


def _shape(text: str) -> str:
    """One shape character per character of ``text`` (see ``_unicode_words``); a
    combining mark takes the shape of what it is written on."""
    shapes: list[str] = []
    previous = " "
    for char in text:
        if char.isupper() or char.istitle():
            previous = "A"
        elif char.islower():
            previous = "a"
        elif char.isdecimal():
            previous = "0"
        elif char.isalnum():
            previous = "x"
        elif unicodedata.category(char)[0] == "M":
            previous = "x" if previous == " " else previous
        else:
            previous = " "
        shapes.append(previous)
    return "".join(shapes)


def _long_mark_run(text: str) -> bool:
    """Whether the decomposed form of ``text`` (not ASCII) holds a run of more than
    ``_MAX_MARKS`` combining marks, which Unicode's stream-safe text never does (UAX #15):
    NFKC sorts each run by class, and CPython sorts it by insertion, in time growing with
    the square of its length (Zalgo text, or marks of two classes alternating: 32 KB in
    1.6 s). Text already in NFKC is not looked at. Nor is text in NFC (prose with a
    no-break space, full-width punctuation) holding no character that decomposes to a
    mark only by compatibility: its marks are in order but for a precomposed
    character's own few, so they are sorted in linear time, whatever their runs
    (translating it costs about 45 ns a character; these tests, about 6)."""
    if unicodedata.is_normalized("NFKC", text):
        return False
    table, compatible = _mark_reading()
    if unicodedata.is_normalized("NFC", text) and compatible.search(text) is None:
        return False
    return _MARK_RUN in text.translate(table)


_MAX_MARKS = 30
_MARK_RUN = "\x00" * (_MAX_MARKS + 1)
_mark_readings: list[tuple[dict[int, str], re.Pattern[str]]] = []


def _mark_reading() -> tuple[dict[int, str], re.Pattern[str]]:
    """A ``str.translate`` table writing each character whose decomposed form (NFKD)
    holds a combining mark as that form, each mark ``\\x00`` and anything else ``\\x01``
    (and ``\\x00`` itself as ``\\x01``): the marks in a row in a text's decomposed form
    are the ``\\x00`` in a row in its translation. And a regex of the characters that
    decompose to a mark by compatibility alone (U+00B4, the spacing acute, say). Made at
    their first use (about 15 ms; about 200 KB, held for the process)."""
    if not _mark_readings:
        table = {0: "\x01"}
        compatible: list[str] = []
        for point in range(0x80, _LAST_MARK + 1):
            char = chr(point)
            if unicodedata.combining(char) or unicodedata.decomposition(char):
                decomposed = unicodedata.normalize("NFKD", char)
                marks = "".join(
                    "\x00" if unicodedata.combining(part) else "\x01" for part in decomposed
                )
                if "\x00" in marks:
                    table[point] = marks
                    if decomposed != unicodedata.normalize("NFD", char):
                        compatible.append(char)
        pattern = re.compile(f"[{''.join(map(re.escape, compatible))}]")
        _mark_readings.append((table, pattern))
    return _mark_readings[0]


_LAST_MARK = 0x1FFFF
"""Past the planes of scripts and symbols (where Unicode 15 has its last combining mark,
U+1E94A) lie ideographs, tags and variation selectors, none of which decomposes to one."""

_WORD_RUN = re.compile(r"[^ ]+")
_SCRIPT_CHANGE = re.compile(r"(?<=[aA])(?=x)|(?<=x)(?=[aA])")
_DIGIT_CHANGE = re.compile(r"(?<=[aAx])(?=0)|(?<=0)(?=[aAx])")


_scrubbers = itertools.count()


_KEPT = (False, False)
"""A key's decision when it names no secret."""


class Scrubber:
    """Which keys hold secrets, for one deny list, with a bounded cache of decisions
    (at most 4,096 keys of up to 128 characters: under 1 MB)."""

    __slots__ = (
        "_decisions",
        "_glued_at_end",
        "_glued_at_start",
        "_glued_endings",
        "_hint",
        "_kept",
        "_multi",
        "_result_shapes",
        "_shape_sources",
        "_shapes",
        "_single",
        "_terms",
        "active",
        "key",
        "structural_keys_kept",
    )

    def __init__(self, names: frozenset[str]) -> None:
        self.key = f"scrubber {next(_scrubbers)}"
        """What stands for this scrubber in a lookup key: text, unique in this process,
        so that keys holding it are left alone by the garbage collector."""
        terms = {found for found in map(words, names) if found}
        # A name of several words matches them run together too (``customerRef``,
        # ``customerref``): the run holds each word, so the hints stay sound.
        terms.update(("".join(term),) for term in list(terms) if len(term) > 1)
        self._terms = tuple(sorted(terms))
        self._single = frozenset(term[0] for term in self._terms if len(term) == 1)
        self._multi = tuple(term for term in self._terms if len(term) > 1)
        self._glued_at_end = tuple(sorted(_GLUED_AT_END & self._single))
        self._glued_at_start = tuple(sorted(_GLUED_AT_START & self._single))
        self._glued_endings = tuple(n + e for n in self._glued_at_end for e in ("", "s", "es"))
        self.active = bool(self._terms)
        """Whether anything is scrubbed at all (an empty deny list: nothing)."""
        self._decisions: dict[str, tuple[bool, bool]] = {}
        self._kept: set[str] = set()
        """The keys among those decided that name no secret (``scrubbed_arguments_json``
        tests a whole object's keys against it at once)."""
        self._shapes: dict[str, re.Pattern[str]] = {}
        """Tool arguments' shapes learned (see ``scrubbed_arguments_json``): by an
        object's text up to its first key's closing quote (and a space after its colon
        when written as ``json.dumps`` writes by default), one regex matching exactly the
        texts of those shapes that ``dumps`` writes as they are (or without those
        spaces)."""
        self._shape_sources: dict[str, list[str]] = {}
        """The patterns joined in each of ``_shapes``' (and ``_result_shapes``') regexes."""
        self._result_shapes: dict[str, re.Pattern[str]] = {}
        """Tool results' shapes learned (see ``scrub_result_text``), by a result's text
        up to its first key's closing quote."""
        self._hint = _hint_pattern(_hint_words(self._terms))
        self.structural_keys_kept = not any(
            self.hides(key, "") for key in ("type", "id", "name", "arguments", "response")
        )
        """Whether the keys of our own message parts are left alone (a deny list could
        name one of them)."""

    def __bool__(self) -> bool:
        return self.active

    def may_hide(self, text: str) -> bool:
        """Whether JSON ``text`` may hold a secret's key: ``False`` only when no deny-listed
        word occurs in it at all (nor a ``\\u`` escape that could spell one). Text that is
        not ASCII is normalized (NFKC) and case-folded as ``words`` treats keys (``ß`` is
        ``ss``, the long s is ``s``), so the folded text holds each folded key whole; text
        holding a long run of combining marks (``_long_mark_run``) may, unread."""
        if "\\u" in text:
            return True
        if not text.isascii():
            if _long_mark_run(text):
                return True
            return self._hint.search(unicodedata.normalize("NFKC", text).casefold()) is not None
        return self._hint.search(text.lower()) is not None

    def decide(self, key: str) -> tuple[bool, bool]:
        """(is this a secret's key, does it also name a count). A key that names a
        secret only in the plural (``max_tokens``, ``api_keys``) names a count too: a
        number under it is how many (``input_tokens: 120``), anything else the secrets."""
        decision = self._decisions.get(key)
        if decision is None:
            # A key in which no deny-listed word occurs at all is no secret's, found for a
            # fraction of splitting it into words (a tool result of many distinct keys is
            # read key by key); the tests check that this never changes a decision.
            decision = self.decide_by_words(key) if self.may_hide(key) else _KEPT
            if len(key) <= _CACHE_KEY_CHARS:
                if len(self._decisions) >= _CACHE_ITEMS:
                    self._decisions.clear()
                    self._kept.clear()
                self._decisions[key] = decision
                if not decision[0]:
                    self._kept.add(key)
        return decision

    def decide_by_words(self, key: str) -> tuple[bool, bool]:
        """``decide``, from the key's words alone (not cached). A key holding a long run
        of combining marks (``_long_mark_run``) is taken for a secret's, unread."""
        if not key.isascii() and _long_mark_run(key):
            return True, False
        found = words(key)
        match = _match(found, self)
        secret = match != _NOT_NAMED
        counting = match == _IN_PLURAL or not _COUNT_WORDS.isdisjoint(found)
        return secret, secret and counting

    def hides(self, key: Any, value: Any) -> bool:
        """Whether ``value`` under ``key`` must not be recorded."""
        if not isinstance(key, str):
            return False
        secret, counting = self.decide(key)
        if not secret:
            return False
        return not (counting and type(value) in _COUNTS)


def _hint_words(terms: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    """Words such that a text holding any of the terms holds one of them: one word per
    term (its longest, the rarest in text), none implied by another kept one."""
    chosen: set[str] = set()
    for term in sorted(terms, key=len):
        if not any(kept in word for word in term for kept in chosen):
            chosen.add(max(term, key=len))
    return tuple(sorted(w for w in chosen if not any(o != w and o in w for o in chosen)))


def _hint_pattern(hints: tuple[str, ...]) -> re.Pattern[str]:
    """One regex finding any of ``hints``, grouped by first letter (faster to scan)."""
    groups: dict[str, list[str]] = {}
    for word in sorted(hints):
        groups.setdefault(word[0], []).append(re.escape(word[1:]))
    alternatives = [f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items()]
    return re.compile("|".join(alternatives) or "(?!)")


_NOT_NAMED, _IN_PLURAL, _AS_WRITTEN = 0, 1, 2
_COUNTS = (int, float, type(None))
"""What a key naming a count keeps: a number, or none (``max_tokens: null``)."""


def _match(found: tuple[str, ...], scrubber: Scrubber) -> int:
    """How a key's words hold a deny-listed name: ``_AS_WRITTEN``; ``_IN_PLURAL``, its
    (last) word with ``s`` or ``es`` added (``passwords``, ``api_keys``, ``max_tokens``)
    or glued to a count word (``maxtoken``), and nowhere as written; or ``_NOT_NAMED``.
    Each plural and glued word holds the name, so the hints of ``may_hide`` find it too."""
    single = scrubber._single
    plural = False
    for word in found:
        if word in single:
            return _AS_WRITTEN
        plural = plural or _singular(word) in single or _singular(word, "es") in single
        if word.endswith(scrubber._glued_endings) or word.startswith(scrubber._glued_at_start):
            glued = _glued(word, scrubber._glued_at_end, scrubber._glued_at_start)
            if glued == _AS_WRITTEN:
                return _AS_WRITTEN
            plural = plural or glued == _IN_PLURAL
    for term in scrubber._multi:
        size, head, last = len(term), term[:-1], term[-1]
        for at in range(len(found) - size + 1):
            if found[at : at + size - 1] == head:
                word = found[at + size - 1]
                if word == last:
                    return _AS_WRITTEN
                plural = plural or word in (last + "s", last + "es")
    return _IN_PLURAL if plural else _NOT_NAMED


def _glued(word: str, at_end: tuple[str, ...], at_start: tuple[str, ...]) -> int:
    """How one word holds a name glued to more letters, as keys written in one lowercase
    word do: at its end (``newpassword``; in the plural, ``maxtokens``) or at its start
    (``secretkey``) unless the word is one made from the name (``tokenizer``). Like a
    plural, a name glued to a count word (``maxtoken``, ``tokencount``) names a count."""
    named = _NOT_NAMED
    for name in at_end:
        if word.endswith(name):
            head, plural = word[: -len(name)], False
        elif word.endswith((name + "s", name + "es")):
            head, plural = word[: word.rindex(name)], True
        else:
            continue
        if not head:
            continue
        if not plural and head not in _COUNT_WORDS:
            return _AS_WRITTEN
        named = _IN_PLURAL
    for name in at_start:
        if len(word) > len(name) and word.startswith(name):
            rest = word[len(name) :]
            if rest in ("s", "es") or rest.startswith(_DERIVED):
                continue
            counted = rest in _COUNT_WORDS or (rest[0] == "s" and rest[1:] in _COUNT_WORDS)
            if not counted and not (name in _COUNTED_IN_PLURAL and rest[0] == "s"):
                return _AS_WRITTEN
            named = _IN_PLURAL
    return named


_COUNTED_IN_PLURAL = frozenset(["token"])
"""Names whose plural glued at the start of a key says how many (``tokensused``,
``tokensremaining``, as ``tokens_used`` does); another's plural there is still a secret's
(``ssnsuffix`` may hold the last digits of one)."""


def _singular(word: str, ending: str = "s") -> str:
    """``word`` without a plural ``ending`` (``""`` when it has none)."""
    return word[: -len(ending)] if len(word) > len(ending) and word.endswith(ending) else ""


_last: tuple[frozenset[str], Scrubber] = (DEFAULT_SCRUB_KEYS, Scrubber(DEFAULT_SCRUB_KEYS))


def scrubber_for(names: frozenset[str]) -> Scrubber:
    """The scrubber of a deny list (the configured one is made once)."""
    global _last
    known, scrubber = _last
    if names is known or names == known:
        return scrubber
    scrubber = Scrubber(names)
    _last = (names, scrubber)
    return scrubber


def scrub(value: Any, scrubber: Scrubber) -> Any:
    """A jsonable value with the values under secrets' keys replaced; strings holding a
    JSON object or array are scrubbed inside (and stay strings). ``value`` itself (not a
    copy) when nothing in it is a secret."""
    return _scrub(value, scrubber) if scrubber.active else value


def _scrub(value: Any, scrubber: Scrubber) -> Any:
    kind = type(value)
    if kind is dict:
        out: Optional[dict[Any, Any]] = None
        decisions = scrubber._decisions
        for key, item in value.items():
            new = item
            decision = decisions.get(key) if type(key) is str else None
            if decision is None:
                decision = scrubber.decide(key) if isinstance(key, str) else _KEPT
            if decision[0] and not (decision[1] and type(item) in _COUNTS):
                new = FILTERED
            else:
                item_kind = type(item)
                if item_kind is dict or item_kind is list:
                    new = _scrub(item, scrubber)
                elif item_kind is str and (
                    item[:1] in JSON_HEADS
                    or "\n" in item
                    or "\r" in item
                    or ("/" in item and "://" in item)
                ):
                    new = scrub_text(item, scrubber)
            if out is None:
                if new is item:
                    continue
                out = _copied_before(value, key)
            out[key] = new
        return value if out is None else out
    if kind is list:
        changed: Optional[list[Any]] = None
        for index, item in enumerate(value):
            item_kind = type(item)
            if item_kind is dict or item_kind is list:
                new = _scrub(item, scrubber)
            elif item_kind is str and (
                item[:1] in JSON_HEADS
                or "\n" in item
                or "\r" in item
                or ("/" in item and "://" in item)
            ):
                new = scrub_text(item, scrubber)
            else:
                continue
            if new is not item:
                if changed is None:
                    changed = list(value)
                changed[index] = new
        return value if changed is None else changed
    if kind is str:
        return scrub_text(value, scrubber)
    if isinstance(value, (dict, list)):  # subclasses: by the slow path
        return _scrub(dict(value) if isinstance(value, dict) else list(value), scrubber)
    return value


def _copied_before(value: dict[Any, Any], key: Any) -> dict[Any, Any]:
    """``value``'s items before ``key``: the copy a scrub starts at the first value it
    changes (a dict nothing changes is given back as it is)."""
    out: dict[Any, Any] = {}
    for earlier, kept in value.items():
        if earlier is key:
            break
        out[earlier] = kept
    return out


NOT_PLAIN = object()
"""What ``scrub_plain`` gives for a value that ``is_plain_json`` does not hold for."""


def scrub_plain(value: dict[str, Any], scrubber: Scrubber) -> Any:
    """``scrub(value, scrubber)`` of a dict that ``is_plain_json`` holds for (written as
    it is, without the copying walk), else ``NOT_PLAIN``: the test and the scrub in one
    walk (a tool's input is written on every model call)."""
    if not scrubber.active:
        return value if is_plain_json(value) else NOT_PLAIN
    return _scrub_plain(value, scrubber, 0)


def _scrub_plain(value: Any, scrubber: Scrubber, depth: int) -> Any:
    """``scrub_plain`` of a dict or list ``depth`` levels down: ``_scrub``'s walk, each
    value tested as ``is_plain_json`` tests it (a value under a secret's key too)."""
    if depth >= MAX_DEPTH:
        return NOT_PLAIN
    if type(value) is dict:
        out: Optional[dict[Any, Any]] = None
        decisions = scrubber._decisions
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                return NOT_PLAIN
            decision = decisions.get(key)
            if decision is None:
                decision = scrubber.decide(key)
            item_kind = type(item)
            new = item
            if decision[0] and not (decision[1] and item_kind in _COUNTS):
                if not is_plain_json(item, depth + 1):
                    return NOT_PLAIN
                new = FILTERED
            elif item_kind is str:
                if not item.isascii():
                    return NOT_PLAIN
                if (
                    item[:1] in JSON_HEADS
                    or "\n" in item
                    or "\r" in item
                    or ("/" in item and "://" in item)
                ):
                    new = scrub_text(item, scrubber)
            elif item_kind is dict or item_kind is list:
                new = _scrub_plain(item, scrubber, depth + 1)
                if new is NOT_PLAIN:
                    return NOT_PLAIN
            elif item_kind is int:
                if item.bit_length() > MAX_INT_BITS:
                    return NOT_PLAIN
            elif item_kind is not bool and item is not None and not is_plain_json(item, depth + 1):
                return NOT_PLAIN
            if out is None:
                if new is item:
                    continue
                out = _copied_before(value, key)
            out[key] = new
        return value if out is None else out
    changed: Optional[list[Any]] = None
    for index, item in enumerate(value):
        item_kind = type(item)
        if item_kind is str:
            if not item.isascii():
                return NOT_PLAIN
            if (
                item[:1] not in JSON_HEADS
                and "\n" not in item
                and "\r" not in item
                and ("/" not in item or "://" not in item)
            ):
                continue
            new = scrub_text(item, scrubber)
        elif item_kind is dict or item_kind is list:
            new = _scrub_plain(item, scrubber, depth + 1)
            if new is NOT_PLAIN:
                return NOT_PLAIN
        elif item_kind is int:
            if item.bit_length() > MAX_INT_BITS:
                return NOT_PLAIN
            continue
        elif item_kind is bool or item is None or is_plain_json(item, depth + 1):
            continue
        else:
            return NOT_PLAIN
        if new is not item:
            if changed is None:
                changed = list(value)
            changed[index] = new
    return value if changed is None else changed


def scrubbed_arguments_json(text: str, scrubber: Scrubber) -> Optional[str]:
    """``dumps(scrub(call_arguments(text), scrubber))`` of ASCII text holding one JSON
    object that ``json_arguments`` reads directly (no ``\\u`` escape, not nested past
    ``MAX_DEPTH``, no white space around it, too short to hold an integer past
    ``MAX_INT_BITS``) and that cannot hold media (``json_may_hold_media``), without the
    calls between: ``None`` for any other text (take that path). A flat object (no
    bracket but its first brace) holding no backslash, whose keys are all known to name
    no secret, is written without the scrubbing walk: nothing in it could be changed but
    under a key, and a tool call's arguments are written on every model call of a new
    history.

    An object of a shape learned before (its keys, in order, known to name no secret;
    see ``_learn_shape``) is checked by one regex instead, neither decoded nor encoded
    again: the same keys written compactly, or as ``json.dumps`` writes by default
    (``", "`` and ``": "``), each holding a string, an integer or a literal that
    ``dumps`` writes exactly so and that scrubbing and the media check leave as they are
    (shapes are learned only of text that cannot hold media, and their strings do not
    begin as a data URL does, nor hold one: the text holds no ``;base64,``)."""
    if text[:1] != "{" or not text.isascii() or len(text) >= MIN_LONG_INT_DIGITS:
        return None
    head = text.find('"', 2) + 1
    spaced = text[head + 1 : head + 2] == " "
    shape = scrubber._shapes.get(text[: head + 1] if spaced else text[:head])
    if (
        shape is not None
        and shape.fullmatch(text) is not None
        and (";" not in text or ";base64," not in text)
        and ("/" not in text or "://" not in text)
    ):
        return text.replace('": ', '":').replace(', "', ',"') if spaced else text
    if json_may_hold_media(text):
        return None
    try:
        parsed, end = scan_json(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return None
    if end != len(text) or (
        len(text) >= MIN_DEEP_CHARS
        and text.count("{") + text.count("[") > MAX_DEPTH
        and not nests_within(parsed)
    ):
        return None
    if scrubber.active and (
        # Without a bracket past the first, a backslash (an escaped quote or line
        # break) or a URL, no string in the object can be changed by ``scrub_text``:
        # only keys.
        "[" in text
        or "\\" in text
        or ("/" in text and "://" in text)
        or text.count("{") != 1
        or not parsed.keys() <= scrubber._kept
    ):
        parsed = _scrub(parsed, scrubber)
    elif head > 1 and len(scrubber._shapes) < _MAX_SHAPES and len(text) <= _MAX_SHAPE_CHARS:
        _learn_shape(text, parsed, spaced, scrubber)
    return dumps(parsed)


def _learn_shape(text: str, parsed: dict[str, Any], spaced: bool, scrubber: Scrubber) -> None:
    """Learn the shape of arguments just written as they were given (or without the
    spaces of ``json.dumps``'s default separators), of keys known to name no secret: a
    regex matching the texts of those keys in that order, written in that form, each
    value a string written without escapes that ``_scrub`` leaves as it is, an integer
    written as Python writes it, or a literal. Texts of any other form (nested, a float,
    a key written twice) teach nothing: the regex matches none of them."""
    flat = _SPACED_FLAT if spaced else _COMPACT_FLAT
    if len(parsed) > _MAX_SHAPE_KEYS or flat.fullmatch(text) is None:
        return
    head = text.find('"', 2) + 1
    prefix = text[: head + 1] if spaced else text[:head]
    if spaced:
        members = ", ".join(f'"{re.escape(key)}": (?:{_SPACED_VALUE})' for key in parsed)
    else:
        members = ",".join(f'"{re.escape(key)}":(?:{_FLAT_VALUE})' for key in parsed)
    _add_shape(scrubber, scrubber._shapes, prefix, members, "arguments ")


_MAX_SHAPES = 16
"""Heads of learned shapes kept by a scrubber, of arguments and of results each; past
them, no more are learned (a regex is compiled for each shape learned: a stream of new
shapes must not cost one every call). With at most 2 shapes a head, of at most 8 keys
from text of at most 512 characters, they hold under 2 MB (1.6 MB measured at the bound)."""
_MAX_SHAPES_PER_HEAD = 2
_MAX_SHAPE_KEYS = 8
_MAX_SHAPE_CHARS = 512
# A JSON string without escapes, and a value ``dumps`` writes as given and ``_scrub``
# leaves alone: such a string not beginning as JSON may (``JSON_HEADS``: a brace, a
# bracket or a space, as no quote or control character can) nor as a data URL (media;
# one inside a string is told by ``;base64,`` in the text, tested apart: half the cost
# of a regex telling it), an integer as Python writes it (not ``-0``, ``01``),
# ``true``, ``false``, ``null``.
_TEXT = r'[^"\\\x00-\x1f]'
_INTEGER_OR_LITERAL = r"-?[1-9][0-9]*|0|true|false|null"
_FLAT_VALUE = rf'"(?![ {{\[]|data:){_TEXT}*"|{_INTEGER_OR_LITERAL}'
# As written by ``json.dumps`` by default, a string may not begin with ``: `` nor end
# with ``, ``: taking the separators' spaces out would take those out too.
_SPACED_VALUE = rf'"(?![ {{\[]|: |data:){_TEXT}*(?<!, )"|{_INTEGER_OR_LITERAL}'
_SPACED_KEY = rf'"(?!: ){_TEXT}*(?<!, )"'
_COMPACT_FLAT = re.compile(rf'\{{"{_TEXT}*":(?:{_FLAT_VALUE})(?:,"{_TEXT}*":(?:{_FLAT_VALUE}))*\}}')
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_RESULT_STRING = rf'"(?![ {{\[]){_TEXT}*"'
_RESULT_SCALAR = rf"{_NUMBER}|true|false|null"
_RESULT_ITEM = rf"{_RESULT_STRING}|{_RESULT_SCALAR}"
# A tool result's value: an item, or an array of items, as ``json.dumps`` writes them.
# (A string's first character is checked by a lookahead, and an array is tried before a
# number: ``re`` skips at once a branch of another first character, not a number's
# optional sign. About a fifth less time a match than an optional group, numbers first.)
_RESULT_VALUE = (
    rf"{_RESULT_STRING}|\[(?:(?:{_RESULT_ITEM})(?:, ?(?:{_RESULT_ITEM}))*)?\]|{_RESULT_SCALAR}"
)
_RESULT_FLAT = re.compile(
    rf'\{{"{_TEXT}*": ?(?:{_RESULT_VALUE})(?:, ?"{_TEXT}*": ?(?:{_RESULT_VALUE}))*\}}'
)
_SPACED_FLAT = re.compile(
    rf"\{{{_SPACED_KEY}: (?:{_SPACED_VALUE})(?:, {_SPACED_KEY}: (?:{_SPACED_VALUE}))*\}}"
)


def scrub_result_text(text: str, scrubber: Scrubber) -> str:
    """``scrub_text`` of ASCII text (a tool's result), checked first against the shapes
    of results seen before that scrubbing left as they were: a flat object of keys known
    to name no secret (in the order learned), each holding a string written without
    escapes that does not begin as JSON may, a number, a literal, or an array of those,
    written compactly or with ``json.dumps``'s default separators. Such text is what
    ``scrub_text`` gives back, without reading it (an agent loop's tool results are
    written again on every model call of a new history)."""
    head = text.find('"', 2) + 1
    shape = scrubber._result_shapes.get(text[:head])
    if (
        shape is not None
        and shape.fullmatch(text) is not None
        and ("/" not in text or "://" not in text)
    ):
        return text
    scrubbed = scrub_text(text, scrubber)
    if (
        scrubbed is text
        and head > 1
        and len(text) <= _MAX_SHAPE_CHARS
        and len(scrubber._result_shapes) < _MAX_SHAPES
        and _RESULT_FLAT.fullmatch(text) is not None
    ):
        parsed = loads_finite(text)
        if len(parsed) <= _MAX_SHAPE_KEYS and not any(scrubber.decide(k)[0] for k in parsed):
            members = ", ?".join(f'"{re.escape(key)}": ?(?:{_RESULT_VALUE})' for key in parsed)
            _add_shape(scrubber, scrubber._result_shapes, text[:head], members, "result ")
    return scrubbed


def _add_shape(
    scrubber: Scrubber, shapes: dict[str, re.Pattern[str]], head: str, members: str, kind: str
) -> None:
    """Add the shape of an object of ``members`` to the regex of ``shapes`` under
    ``head`` (``kind`` tells apart where its patterns are kept), at most
    ``_MAX_SHAPES_PER_HEAD`` of them."""
    pattern = f"\\{{{members}\\}}"
    sources = scrubber._shape_sources.setdefault(kind + head, [])
    if pattern in sources or len(sources) >= _MAX_SHAPES_PER_HEAD:
        return
    sources.append(pattern)
    shapes[head] = re.compile("|".join(sources))


def scrub_text(text: str, scrubber: Scrubber, read: Optional[list[Any]] = None) -> str:
    """A string of data scrubbed: JSON held in it (``_json_scrubbed``), then the
    credentials of each URL in it (``urls_filtered``). Only a string that begins as
    JSON may, has lines or holds ``://`` can change (every shortcut past this function
    tests exactly that). The string itself when nothing in it is a secret. ``read``
    (given): the JSON value of a text read whole to scrub it (``_few_values``) is put
    in it when the text is given back as it is, so that a text over its budget is cut
    from that value, not parsed again (a file of 1 MB as JSON text: about 1 ms)."""
    if not scrubber.active:
        return text
    if may_hold_json(text):
        scrubbed = _read_first(text, scrubber, read) if _few_values(text) else None
        # (a URL's credentials it filtered are filtered below, in the text as written)
        if scrubbed is not text and scrubber.may_hide(text):
            text = _json_scrubbed(text, scrubber) if scrubbed is None else scrubbed
    if "/" in text and "://" in text:
        filtered = urls_filtered(text, scrubber)
        if read and filtered is not text:
            read.clear()
        return filtered
    return text


def _read_first(text: str, scrubber: Scrubber, read: Optional[list[Any]] = None) -> Optional[str]:
    """A JSON text of few values (``_few_values``) scrubbed as ``_json_scrubbed`` scrubs
    one document; ``None`` when it is not one (JSON Lines, text that only begins like
    JSON: read line by line, which may cost far more) or is too deep for the stack left:
    it is then read only as the prefilter lets, as before it was read first. The value
    read is put in ``read`` (given) when nothing in it is a secret."""
    try:
        parsed = loads_finite(text)
        scrubbed = _scrub(parsed, scrubber)
    except (ValueError, RecursionError):
        return None
    if scrubbed is not parsed:
        return dumps(scrubbed)
    if read is not None:
        read.append(parsed)
    return text


def _few_values(text: str) -> bool:
    """Whether ``text`` is long and begins as a JSON object or array of few values for its
    length (a file's text in one): parsed and read first, at a fraction of the cost of
    looking for the deny-listed words in all of it (a file of 1 MB in a tool's result:
    22 ms to 10 ms), which is done only once the reading changed something. Each value
    but the first in an object or array follows a comma."""
    return (
        len(text) >= _FEW_VALUES_FROM
        and text[:1] in "{["
        and text.count(",") * _CHARS_PER_VALUE < len(text)
    )


_FEW_VALUES_FROM = 16 * 1024
_CHARS_PER_VALUE = 40


def may_hold_json(text: str) -> bool:
    """Whether ``_json_scrubbed`` may change ``text`` (or a beginning of it): it begins
    as JSON may, or a line of it begins with ``{`` or ``[`` (each such line is read as
    JSON). Told before the deny-listed words are looked for: a text of lines with no
    bracket beginning one (code, prose) is left as it is, however long, for a look at
    its brackets (a file of 1 MB without those words: 26 ms to look for them)."""
    if text[:1] in JSON_HEADS:
        return True
    if "\n" not in text and "\r" not in text:
        return False
    return next(line_brackets(text), None) is not None


def _json_scrubbed(text: str, scrubber: Scrubber) -> str:
    """JSON held in a string, scrubbed. A string that begins like a JSON object or array
    (or JSON text encoded twice) is scrubbed as that JSON; one that does not parse is
    read as the documents it begins with, one per line (JSON Lines, an MCP result's JSON
    blocks joined), and is cut after the first secret's key of any part that does not
    parse. In any other text, each JSON object or array that begins a line and parses
    (JSON after a heading, in a code fence) is scrubbed in place, the text around it
    kept. The string itself when nothing in it is a secret."""
    body = text.lstrip(LEADING_SPACE)
    head = body[:1]
    if head == '"':
        return _scrub_json_string(text, body, scrubber)
    if head in ("{", "["):
        try:
            parsed = loads_finite(body)
        except (ValueError, RecursionError):
            return _scrub_documents(text, scrubber, strict=True)
        scrubbed = _scrub(parsed, scrubber)
        return text if scrubbed is parsed else dumps(scrubbed)
    if "\n" not in text and "\r" not in text:
        return text
    return _scrub_documents(text, scrubber, strict=False)


def _scrub_json_string(text: str, body: str, scrubber: Scrubber) -> str:
    """JSON text encoded twice: the JSON inside scrubbed, as text."""
    try:
        parsed = loads_finite(body)
    except (ValueError, RecursionError):
        cut = _scrub_unparsed(text, scrubber, decoding=False)
        if cut is not text:
            return cut
        opened = _scrub_open_string(body, scrubber)
        if opened is None:  # not a string cut short
            return FILTERED if _secret_decoded_once(text, scrubber) else text
        return text if opened is body else opened
    if not isinstance(parsed, str):
        return text
    inner = scrub_text(parsed, scrubber)
    return text if inner is parsed else dumps(inner)


def _scrub_open_string(body: str, scrubber: Scrubber) -> Optional[str]:
    """JSON text encoded twice and cut short (its closing quote lost, perhaps within an
    escape): the text inside, read as far as it goes, scrubbed and written back without
    a closing quote (``body`` itself when nothing in it is a secret; ``None`` when it is
    no string cut short). Its keys' quotes are escaped (``\\"db\\\\/password\\":``): one
    written with escapes or long is found only so, read once decoded."""
    for end in range(len(body), max(len(body) - _LONGEST_ESCAPE, 0), -1):
        try:
            inner = json.loads(body[:end] + '"')
        except json.JSONDecodeError as error:
            if error.pos < end - _LONGEST_ESCAPE and not error.msg.startswith("Unterminated"):
                return None  # not a string cut short (the quote added is escaped: cut short)
            continue
        if not isinstance(inner, str):
            return None
        scrubbed = scrub_text(inner, scrubber)
        return body if scrubbed is inner else dumps(scrubbed)[:-1]
    return None


_LONGEST_ESCAPE = 6
"""The characters of the longest JSON escape (``\\u00e9``): the most a cut leaves open."""


def _scrub_documents(text: str, scrubber: Scrubber, *, strict: bool) -> str:
    """Each JSON object or array that begins a line of ``text`` and parses, scrubbed in
    place. ``strict`` (text that began like JSON, so data): what lies between them is
    data whose structure cannot be read, cut after its first secret's key as
    ``_scrub_unparsed`` does; otherwise it is kept as written. So is all that follows
    the last document once ``_documents`` reads no further, or filtered whole when no
    secret's key is found in it but what is unread may hold one (``Scrubber.may_hide``)."""
    out: list[str] = []
    last, changed, unread = 0, False, -1
    for at, stop, value in _documents(text):
        if stop < 0:
            unread = at
            break
        gap = text[last:at]
        cut = _scrub_unparsed(gap, scrubber) if strict else gap
        if cut is not gap:
            return "".join(out) + cut
        scrubbed = _scrub(value, scrubber)
        out += (gap, text[at:stop] if scrubbed is value else dumps(scrubbed))
        changed = changed or scrubbed is not value
        last = stop
    tail = text[last:]
    cut = _scrub_unparsed(tail, scrubber) if strict or unread >= 0 else tail
    if unread >= 0 and cut is tail and scrubber.may_hide(text[unread:]):
        # A secret's key not found so (written with escapes, or too long) that the JSON
        # left unread would have named: what is unread is filtered whole.
        cut = f"{text[last:unread]}{FILTERED}"
    if cut is tail and not changed:
        return text
    return "".join(out) + cut


def _documents(text: str) -> Iterator[tuple[int, int, Any]]:
    """(start, end, value) of each JSON object or array that begins a line of ``text``
    (its first included) and parses, in order, none inside another.

    What fails to parse is read at most ``_FAILED_READS`` times the text's length (and
    ``_FAILED_READS_FLOOR`` characters) in all: lines of brackets that open what never
    closes, each read to the end again, would take time growing with the square of the
    text (1.8 s for 32 KB of ``[`` lines). Past that, it yields ``(start, -1, None)``
    where it stops, and reads no further.

    A bracket beginning a line before the place where the JSON before it failed began a
    value of that JSON (a line break cannot be in a string): its value parses if it
    closed before that place, and fails there if not (indented JSON cut short, the
    objects open where it stops). Which it is, is told by matching the brackets read
    (``_closes``), not by reading each to the end again."""
    end = 0
    left = _FAILED_READS * len(text) + _FAILED_READS_FLOOR
    failed, failed_to = 0, 0  # where the last JSON that failed where it is told began, failed
    closes: Optional[dict[int, int]] = None
    brackets = line_brackets(text)
    following = next(brackets, None)
    while following is not None:
        at, following = following, next(brackets, None)
        if at < end or (text[at + 1 : at + 2] != '"' and _OPENS_VALUE.match(text, at) is None):
            continue
        if at < failed_to:
            if closes is None:
                closes = _closes(text, failed, failed_to)
            close = closes.get(at)
            if close is None:  # open where the JSON before it failed: fails there too
                continue
            value, stop, read, _ = _document_at(text, at, close + 1, grow=False)
        else:
            # Read first as far as the next line a bracket begins: the document's own
            # line or lines, most often.
            until = len(text) if following is None else following
            value, stop, read, failing = _document_at(text, at, until)
            if failing > at:
                failed, failed_to, closes = at, failing, None
        if stop < 0:
            left -= read
            if left < 0:
                yield at, -1, None
                return
        elif isinstance(value, (dict, list)):
            yield at, stop, value
            end = stop


_FAILED_READS = 4
_FAILED_READS_FLOOR = 256 * 1024
# How a JSON object or array may begin (``\\s`` holds JSON's white space): a bracket
# that does not (code's ``{`` on a line of its own) is passed over without a parse.
_OPENS_VALUE = re.compile(r'\{\s*["}]|\[\s*[-"\d\[\]{}tfnNI]')


def _document_at(text: str, at: int, until: int, *, grow: bool = True) -> tuple[Any, int, int, int]:
    """(value, end, 0, -1) of the JSON value that begins at ``at``, or ``(None, -1, read,
    failing)`` where none does, ``read`` the characters read to tell, ``failing`` where
    in the text it fails (``-1`` when that is not told: too deep to read).

    It is read in a window of the text from ``at`` to ``until`` (``_FIRST_WINDOW``
    characters at least), ``_GROWTH`` times as long at each try, until the value ends in
    it or it fails where the window's end cannot be why: its reading is then the text's.
    Failing in the whole text, ``json`` would count the lines before the place, in time
    growing with the text (code with ``{`` on lines of their own: 1 s for 260 KB).
    Not ``grow``: read from ``at`` to ``until`` only, and failing anywhere there."""
    size, read = (max(until - at, _FIRST_WINDOW) if grow else until - at), 0
    while True:
        window = text[at : at + size]
        whole = at + size >= len(text)
        try:
            value, stop = decode_prefix(window, 0)
        except RecursionError:  # as deep within the window as in the text
            return None, -1, read + len(window), -1
        except json.JSONDecodeError as error:
            if not grow or (
                error.pos < len(window) - _TOKEN_TAIL
                and not error.msg.startswith("Unterminated string")
            ):
                return None, -1, read + error.pos + 1, at + error.pos
            if whole:
                return None, -1, read + len(window), at + error.pos
        except ValueError:
            if not grow or whole:
                return None, -1, read + len(window), -1
        else:
            return value, at + stop, 0, -1
        read += len(window)
        size *= _GROWTH


def _closes(text: str, start: int, stop: int) -> dict[int, int]:
    """Where each bracket of ``text`` from ``start`` to ``stop`` (JSON as far as it
    parsed) is closed, by the brackets outside its strings; one left open is not in it.
    A string left open where the JSON failed runs to ``stop`` (read once: a regex that
    must close it would read the rest again from each escaped quote in it)."""
    closes: dict[int, int] = {}
    opened: list[int] = []
    for match in _STRUCTURE.finditer(text, start, stop):
        char = text[match.start()]  # a string's quote, or a bracket
        if char in "[{":
            opened.append(match.start())
        elif char in "]}" and opened:
            closes[opened.pop()] = match.start()
    return closes


_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_FIRST_WINDOW = 1024
_GROWTH = 4
# How far before a window's end a failure may be caused by its cut: a literal, a number's
# fraction or exponent, or an escape cut short is reported where it begins.
_TOKEN_TAIL = 16


def line_brackets(text: str) -> Iterator[int]:
    """Where a ``{`` or ``[`` begins a line of ``text``: nothing but white space and byte
    order marks before it since the last line break (``\\n`` or ``\\r``), or since the
    text's start.

    Prose holds few brackets: the lines holding one are found by ``str.find`` (a
    ``memchr``) of each character's next place, the text read once whatever it holds,
    where a regex trying every place took about 17 ns a character (a fetched page of 40
    KB: 0.7 ms). Past ``_FOUND_LINES`` such lines (JSON Lines, code), a regex reads the
    rest, trying only the places after a line break: faster than a loop per line."""
    brace, square = text.find("{"), text.find("[")
    newline, creturn = text.find("\n"), text.find("\r")
    line = 0  # where the line being read begins
    for _ in range(_FOUND_LINES):
        if brace < 0 and square < 0:
            return
        at = square if brace < 0 or 0 <= square < brace else brace
        begins = max(text.rfind("\n", line, at), text.rfind("\r", line, at)) + 1 or line
        lead = text[begins:at].replace("\ufeff", "")
        if not lead or lead.isspace():
            yield at
        # No other bracket on this line begins it: on to the next line.
        if 0 <= newline < at:
            newline = text.find("\n", at)
        if 0 <= creturn < at:
            creturn = text.find("\r", at)
        if newline < 0 and creturn < 0:
            return
        line = 1 + (newline if creturn < 0 or 0 <= newline < creturn else creturn)
        if 0 <= brace < line:
            brace = text.find("{", line)
        if 0 <= square < line:
            square = text.find("[", line)
    found = _LEAD.match(text, line)
    if found is not None:
        yield found.end()
    for found in _BREAK_LEAD.finditer(text, line):
        yield found.end()


_FOUND_LINES = 32
# What may come before the JSON on its line: white space other than a line break, and
# byte order marks (a run of them read once).
_LEAD = re.compile(r"(?:[^\S\n\r]|\ufeff)*(?=[{\[])")
_BREAK_LEAD = re.compile(r"[\n\r](?:[^\S\n\r]|\ufeff)*(?=[{\[])")


def _scrub_unparsed(text: str, scrubber: Scrubber, *, decoding: bool = True) -> str:
    """Text that looks like JSON but does not parse (cut short, as a stopped stream's tool
    arguments are; two documents run together; a Python ``repr`` of a dict): its
    structure cannot be trusted, so everything after the first secret's key is replaced.
    A key may be quoted (JSON, a ``repr``; written with escapes, read decoded) or bare, as
    a JavaScript object literal writes it after ``{`` or ``,`` (``{password: "..."}``)."""
    first: Optional[int] = None
    for key, end in quoted_keys(text):
        if scrubber.decide(key)[0]:
            first = end
            break
    for match in _BARE_KEY.finditer(text, 0, len(text) if first is None else first):
        if scrubber.decide(match.group(1))[0]:
            first = match.end()
            break
    if "\\" in text or len(text) > _KEY_CHARS + 2:
        first = _escaped_or_long_key(text, scrubber, first)
    if first is not None:
        return f"{text[:first]} {FILTERED}"
    if "\\u" in text:  # a key spelled with escapes: read decoded, and nothing kept
        decoded = _UNICODE_ESCAPE.sub(_python_escape, text)
        keys = (key for key, _ in quoted_keys(decoded))
        if any(scrubber.decide(key)[0] for key in keys):
            return FILTERED
    if decoding and _secret_decoded_once(text, scrubber):
        return FILTERED
    return text


def _secret_decoded_once(text: str, scrubber: Scrubber) -> bool:
    """Whether JSON encoded twice within ``text`` (``{"r": "{\\"db\\\\/password\\": ``)
    names a secret under a key written with escapes or long: read with its escapes of
    quotes, backslashes and solidi decoded once (once only: the text read twice at most)."""
    if '\\"' not in text:
        return False
    decoded = _ESCAPED_ONCE.sub(r"\1", text)
    return _scrub_unparsed(decoded, scrubber, decoding=False) is not decoded


def _escaped_or_long_key(text: str, scrubber: Scrubber, first: Optional[int]) -> Optional[int]:
    """Where the colon of the first secret's key before ``first`` (``None``: anywhere)
    ends, of the quoted keys ``quoted_keys`` does not read: written with escapes
    (``"db\\/password"``, read decoded) or longer than ``_KEY_CHARS``; else ``first``. A
    quote after a backslash opens none (JSON encoded twice is read decoded by
    ``_scrub_open_string``): the text is read about twice at most, however it is written."""
    for match in _ANY_QUOTED_KEY.finditer(text, 0, len(text) if first is None else first):
        double = match.group(1)
        key = match.group(2) if double is None else double
        if "\\" not in key and len(key) <= _KEY_CHARS:
            continue  # read by ``quoted_keys``
        if scrubber.decide(_key_decoded(key, json_quoted=double is not None))[0]:
            return match.end()
    return first


def _key_decoded(key: str, *, json_quoted: bool) -> str:
    """A quoted key's text with its escapes read: as JSON reads them when in double
    quotes and JSON can, else as Python does (a ``repr``'s ``\\x0b``, a control
    character)."""
    if json_quoted:
        try:
            return str(json.loads(f'"{key}"'))
        except ValueError:  # an escape JSON has not (a ``repr``'s), or a control character
            pass
    return _ESCAPED.sub(_python_escape, key)


def quoted_keys(text: str) -> Iterator[tuple[str, int]]:
    """Each key of ``text`` in double or single quotes, escaped or not (JSON encoded
    twice writes ``\\"key\\":``), and where its colon ends, in order: a key whose
    closing quote has as many backslashes before it as its opening one has, or fewer
    (its opening may be read from within a run of them), as a regex whose backslashes
    before the closing quote refer back to those before the opening one finds them.

    Such a regex, tried at each backslash of a long run, reads the rest of the run
    again: 8 s for 40,000 backslashes. Here a run is read from its first backslash only,
    and the counts are compared after the match; past a key refused so, keys are looked
    for again from its first character, where the regex would find the next one (a key
    in the other quotes within it: ``"{'password': \\":``)."""
    at = 0
    while True:
        match = _QUOTED_KEY.search(text, at)
        if match is None:
            return
        double = match.group(2) is not None
        closing = match.group(3 if double else 5)
        if len(closing) <= len(match.group(1)):
            yield match.group(2 if double else 4), match.end()
            at = match.end()
        else:
            at = match.start(2 if double else 4)


# A quoted key and its colon (see ``quoted_keys``): the backslashes before its opening
# quote, read from the first of their run, and those before its closing one.
_QUOTED_KEY = re.compile(r"""(?<!\\)(\\*)(?:"([^"\\]{1,256})(\\*)"|'([^'\\]{1,256})(\\*)')\s*:""")
_KEY_CHARS = 256
"""The longest key ``quoted_keys`` reads."""
# A key in double or single quotes with any escapes in it, and its colon.
_ANY_QUOTED_KEY = re.compile(
    r"""(?<!\\)(?:"([^"\\]*(?:\\.[^"\\]*)*)"|'([^'\\]*(?:\\.[^'\\]*)*)')\s*:""", re.DOTALL
)
# An escape, as Python writes them (a ``repr``) or JSON does: what follows the backslash.
_ESCAPED = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.DOTALL)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", "b": "\b", "a": "\a", "0": "\0"}


def _python_escape(match: re.Match[str]) -> str:
    """The character an escape stands for, read as Python reads it (``\\n``, ``\\x0b``,
    ``\\u00e9``); an escape it has not, the character escaped (``\\/``: ``/``)."""
    escaped = match.group(1)
    if len(escaped) > 1:
        code = int(escaped[1:], 16)
        return chr(code) if code <= 0x10FFFF else escaped
    return _ESCAPES.get(escaped, escaped)


_UNICODE_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4})")
# The escapes of a quote, a backslash and a solidus: what JSON encoded twice adds.
_ESCAPED_ONCE = re.compile(r"""\\(["'\\/])""")
# A bare key and its colon where an object literal has one: after ``{`` or ``,``.
_BARE_KEY = re.compile(r"[{,]\s*([A-Za-z_$][\w$-]{0,255})\s*:")


def scrub_parts(parts: Any, scrubber: Scrubber) -> Any:
    """Scrub message parts: their structured values (tool call arguments and responses,
    blocks of other types) can hold secrets under keys; the content of text and
    reasoning is left alone, though not what else such a part was given."""
    if not scrubber or not isinstance(parts, list):
        return parts
    out = []
    for part in parts:
        if isinstance(part, dict):
            kind = part.get("type")
            if kind not in ("text", "reasoning"):
                part = _scrub(part, scrubber)
                if kind == "uri" and type(part.get("uri")) is str:
                    part = _uri_filtered(part, scrubber)
            elif len(part) > 2 or "content" not in part:
                part = _scrub_beside_text(part, scrubber)
        out.append(part)
    return out


def _uri_filtered(part: dict[str, Any], scrubber: Scrubber) -> dict[str, Any]:
    """A uri part (an image or file by URL) with its URI filtered as an MCP resource's is:
    a pre-signed URL's signature (``X-Amz-Signature``, an Azure SAS ``sig``) or the
    credentials in ``user:password@`` are what lets anyone fetch it."""
    uri = part["uri"]
    filtered = filter_uri(uri, scrubber)
    return part if filtered == uri else {**part, "uri": filtered}


def _scrub_beside_text(part: dict[str, Any], scrubber: Scrubber) -> dict[str, Any]:
    """A text or reasoning part given more than its content (a role/parts message passed
    through as written): everything but the content scrubbed."""
    rest = _scrub({k: v for k, v in part.items() if k != "content"}, scrubber)
    return {k: part[k] if k == "content" else rest[k] for k in part}


def _plain_text(parts: Any) -> bool:
    if type(parts) is not list:
        return False
    for part in parts:  # a plain loop: this runs for every message of every span
        if type(part) is not dict or len(part) != 2 or part.get("type") != "text":
            return False
    return True


def scrub_messages(messages: Any, scrubber: Scrubber) -> Any:
    """Scrub the parts of each message; messages made only of text are kept as they are."""
    if not scrubber or not isinstance(messages, list):
        return messages
    return [
        m
        if not isinstance(m, dict) or _plain_text(m.get("parts"))
        else {**m, "parts": scrub_parts(m.get("parts"), scrubber)}
        for m in messages
    ]


def scrub_tool_definitions(definitions: Any, scrubber: Scrubber) -> Any:
    """Tool definitions keep their schemas; only a default value of a secret's parameter
    (``def f(api_key="sk-...")``) is replaced."""
    if not scrubber or not isinstance(definitions, list):
        return definitions
    return [_scrub_defaults(d, scrubber) for d in definitions]


def _scrub_defaults(schema: Any, scrubber: Scrubber) -> Any:
    if isinstance(schema, list):
        return [_scrub_defaults(item, scrubber) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, item in schema.items():
        if key == "properties" and isinstance(item, dict):
            out[key] = {
                name: _scrub_defaults(_filtered_default(name, prop, scrubber), scrubber)
                for name, prop in item.items()
            }
        elif key in _SCHEMA_VALUES:
            out[key] = scrub(item, scrubber)
        elif isinstance(item, (dict, list)):
            out[key] = _scrub_defaults(item, scrubber)
        else:
            out[key] = item
    return out


# Schema keywords whose values are data (a default, examples), not schema: scrubbed as data.
_SCHEMA_VALUES = frozenset({"default", "examples", "example", "const", "enum"})


def _filtered_default(name: Any, prop: Any, scrubber: Scrubber) -> Any:
    """A parameter's schema with its default replaced when the parameter is a secret's:
    judged as a value under that name is (``max_tokens=256`` is a count, kept)."""
    if isinstance(prop, dict) and "default" in prop and scrubber.hides(name, prop["default"]):
        return {**prop, "default": FILTERED}
    return prop


def scrub_evaluation(messages: Any, scrubber: Scrubber) -> Any:
    """An evaluation's input or output object scrubbed: its evaluated ``state`` as data,
    and each question and answer field by field, as output messages' structured parts
    are. Question and answer names (``authIssue``) and the labels keying ``criteria``,
    ``probabilities`` and ``legend`` are the caller's labels, not secrets' keys; the
    fields Sentry reads (``type``, ``score``, ``choice``, ...) are kept unless the deny
    list names them."""
    if not scrubber or not isinstance(messages, list):
        return messages
    out = []
    for message in messages:
        if isinstance(message, dict):
            message = {
                key: _EVALUATION_PARTS.get(key, scrub)(value, scrubber) if key != "type" else value
                for key, value in message.items()
            }
        out.append(message)
    return out


def _scrub_by_name(items: Any, scrubber: Scrubber) -> Any:
    """Questions or answers keyed by their names: each scrubbed, its name kept."""
    if not isinstance(items, dict):
        return scrub(items, scrubber)
    return {name: _scrub_judgement(item, scrubber) for name, item in items.items()}


def _scrub_judgement(item: Any, scrubber: Scrubber) -> Any:
    """One question or answer: a field under a secret's name replaced, the others
    scrubbed as data, a map keyed by labels scrubbed value by value."""
    if not isinstance(item, dict):
        return scrub(item, scrubber)
    out: dict[Any, Any] = {}
    for key, value in item.items():
        if scrubber.hides(key, value):
            out[key] = FILTERED
        elif key in _LABELLED and isinstance(value, dict):
            out[key] = {label: scrub(v, scrubber) for label, v in value.items()}
        else:
            out[key] = scrub(value, scrubber)
    return out


_EVALUATION_PARTS: dict[str, Callable[[Any, Scrubber], Any]] = {
    "questions": _scrub_by_name,
    "answers": _scrub_by_name,
}
_LABELLED = LABELLED


# The userinfo of an authority: from ``//`` to the last ``@`` before the next ``/``; a
# ``?`` or ``#`` on the way is part of it unless a ``=`` follows before the ``@`` (a query
# or fragment holding an address), so a password holding ``@``, ``?`` or ``#`` unencoded
# is caught whole. Each ``?``/``#`` begins one repetition: the text is read one way only.
_USERINFO = re.compile(r"//[^/?#]*(?:[?#][^/?#=]*)*@")
_FILTERED_USERINFO = f"//{FILTERED}:{FILTERED}@"
# One ``name=value`` pair of a query or fragment; ``?`` ends a value too, so the query
# of a URI nested unencoded in a value is read as well.
_URI_PARAM = re.compile(r"([?&#;])([^?&#;=]*)=([^?&#;]*)")
_MAX_COUNT_DIGITS = 18


def urls_filtered(text: str, scrubber: Scrubber) -> str:
    """A string of data (a tool's argument or result, prose or JSON text) with each URL
    in it filtered as ``filter_uri`` filters a resource's URI: its userinfo (a database
    URL's password, a token given as the user name) and the values of its query and
    fragment parameters named as secrets (a pre-signed URL's signature). ``text`` itself
    when nothing changes, and when scrubbing is off (an empty deny list).

    A URL is read from each ``://`` to the first white space, quote, angle bracket,
    backslash or backtick, less the punctuation prose puts after it (``.``, ``,``, ``)``,
    ...); only text holding ``://`` is read, once (callers test that in C, for ``/``
    first: one ``memchr``, a sixth of the time of ``"://" in text`` on JSON, where
    colons are many)."""
    if not scrubber.active:
        return text
    at = text.find("://")
    out: list[str] = []
    last = 0
    while at >= 0:
        end = _URL_TAIL.match(text, at + 3).end()  # type: ignore[union-attr]  # (may be empty)
        url = text[at:end].rstrip(_AFTER_URL)
        try:
            filtered = _filter_uri(url, scrubber)
        except Exception:  # nothing known to raise; a secret is never sent as a fallback
            filtered = FILTERED
        if filtered != url:
            out += (text[last:at], filtered)
            last = at + len(url)
        at = text.find("://", max(end, at + 3))
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


_URL_TAIL = re.compile(r'[^\s"<>\\`]*')
_AFTER_URL = ".,;:!?'\")}"
"""What prose and markdown put right after a URL (never ``]``, which ends the filtered
marker: text filtered twice is filtered alike)."""


def filter_uri(uri: Any, scrubber: Scrubber) -> str:
    """A URI (an MCP resource's) as recorded: every userinfo (``user:password@``, or a
    token as the user name) replaced as a whole, as sentry-sdk's ``sanitize_url`` does,
    and the values of query and fragment parameters under a secret's name replaced.

    A URI is metadata, recorded whatever the content gate says, so its credentials are
    filtered here. Total: anything but text is read as its text, and text that cannot
    be read at all is replaced whole rather than risked.
    """
    text = uri if type(uri) is str else safe_str(uri)
    try:
        return _filter_uri(text, scrubber)
    except Exception:  # nothing known to raise; a secret is never sent as a fallback
        return FILTERED


def _filter_uri(text: str, scrubber: Scrubber) -> str:
    if "@" in text:
        text = _USERINFO.sub(_FILTERED_USERINFO, text)
    if not scrubber.active:
        return text
    starts = [at for at in (text.find("?"), text.find("#")) if at >= 0]
    if not starts:
        return text
    start = min(starts)

    def param(match: re.Match[str]) -> str:
        value = match[3]
        if not value:
            return match[0]
        read: Any = value
        if len(value) <= _MAX_COUNT_DIGITS and value.isascii() and value.isdigit():
            read = int(value)  # a count (``token_count=3``) is kept, as in JSON
        if scrubber.hides(unquote_plus(match[2]), read):
            return f"{match[1]}{match[2]}={FILTERED}"
        return match[0]

    return text[:start] + _URI_PARAM.sub(param, text[start:])


SCRUBBERS: dict[str, Callable[[Any, Scrubber], Any]] = {
    "input.messages": scrub_messages,
    "output.messages": scrub_messages,
    "system_instructions": scrub_parts,
    "tool.definitions": scrub_tool_definitions,
    "tool.arguments": scrub,
    "tool.result": scrub,
    "evaluation.input": scrub_evaluation,
    "evaluation.output": scrub_evaluation,
    "embeddings.input": scrub,
    "rerank.documents": scrub,
    "rerank.results": scrub,
    "mcp.notification": scrub,
    "guardrail.reason": scrub,
}
"""Content kinds (as the redaction hook sees them) and how each is scrubbed."""


class Dropped(Exception):
    """The redaction hook dropped the content, or failed; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_in_hook: ContextVar[bool] = ContextVar("sentry_agents_in_redact_hook", default=False)


def redact(hook: Optional[Callable[[str, Any], Any]], kind: str, value: Any) -> Any:
    """Apply the user's hook; raise ``Dropped`` instead of ever returning the raw value
    when the hook fails or returns something that is not JSON-serializable.

    Content recorded by a span made inside the hook (a model call that masks the text,
    itself recorded) is dropped: running the hook on it would run it again, endlessly.
    """
    if hook is None:
        return value
    if _in_hook.get():
        raise Dropped(f"{kind} recorded inside the redact hook")
    token = _in_hook.set(True)
    try:
        result = hook(kind, value)
    except Exception as exc:
        raise Dropped(f"redact hook raised {type(exc).__name__} for {kind}") from None
    finally:
        _in_hook.reset(token)
    if result is None:
        raise Dropped(f"redact hook dropped {kind}")
    try:
        dumps(result)
    except Exception:
        raise Dropped(f"redact hook returned a value that is not JSON for {kind}") from None
    return result


__all__ = [
    "DEFAULT_SCRUB_KEYS",
    "FILTERED",
    "SCRUBBERS",
    "Dropped",
    "Scrubber",
    "filter_uri",
    "may_hold_json",
    "redact",
    "scrub",
    "scrub_text",
    "scrubber_for",
    "urls_filtered",
    "words",
]
