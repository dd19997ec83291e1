"""Turning arbitrary Python values into JSON-safe copies, and reading fields by shape.

Pure functions, no sentry-sdk import: the caller's objects are never mutated and
nothing here raises, whatever it is given (cycles, NaN, bytes, lone surrogates,
objects whose ``__repr__`` raises, deep nesting).
"""

from __future__ import annotations

import collections
import dataclasses
import enum
import json
import math
import operator
import re
import reprlib
import sys
import types
from collections.abc import (
    AsyncIterator,
    Coroutine,
    ItemsView,
    Iterable,
    Iterator,
    Mapping,
    MappingView,
    Set,
    ValuesView,
)
from typing import Any, Callable, Optional, Union, cast

BLOB_SUBSTITUTE = "[Blob substitute]"
MAX_DEPTH = 24

_MISSING = object()


def field(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` for mappings, ``obj.name`` for objects; ``default`` when absent.

    A field a pydantic model does not have is answered from its class, without the
    exception its ``__getattr__`` would raise (responses are read by probing fields).
    """
    cls = type(obj)
    if cls is dict:
        return obj.get(name, default)
    try:
        kind = _kinds.get(cls)
    except TypeError:  # a class its metaclass made unhashable: read by plain getattr
        kind = _PLAIN
    if kind is None:
        kind = _kind_of(cls)
    if kind is _MAPPING:
        try:
            return obj.get(name, default)
        except Exception:
            return default
    if kind is not _PLAIN and name not in kind:
        extra = obj.__pydantic_extra__
        if not extra or name not in extra:
            return default
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


# How each class seen is read: as a mapping, by plain getattr, or (pydantic v2 models)
# only for the names it declares: its fields and its class attributes.
_MAPPING: frozenset[str] = frozenset({"<mapping>"})
_PLAIN: frozenset[str] = frozenset({"<plain>"})
_kinds: dict[type, frozenset[str]] = {}
_kinds_bytes = 0
_KINDS_MAX_CLASSES = 512
KINDS_MAX_BYTES = 2 * 1024 * 1024
"""How each class is read is kept for at most 512 classes and 2 MiB of name tables (a
pydantic model's takes about 4 KB)."""
_KIND_OVERHEAD = 200  # the dict slot and the class's share of the table


def declared_fields(cls: type) -> Optional[dict[str, Any]]:
    """The fields a pydantic (v2) model class declares; ``None`` for any other class."""
    fields = getattr(cls, "__pydantic_fields__", None)
    if isinstance(fields, dict) and "__pydantic_extra__" in getattr(cls, "__slots__", ()):
        return fields
    return None


def _kind_of(cls: type) -> frozenset[str]:
    kind = _PLAIN
    try:
        if issubclass(cls, Mapping):
            kind = _MAPPING
        else:
            fields = declared_fields(cls)
            if fields is not None:
                kind = frozenset(fields) | frozenset(dir(cls))
    except Exception:
        kind = _PLAIN
    global _kinds_bytes
    cost = _KIND_OVERHEAD + (0 if kind is _PLAIN or kind is _MAPPING else sys.getsizeof(kind))
    if cost > KINDS_MAX_BYTES:
        return kind
    if len(_kinds) >= _KINDS_MAX_CLASSES or _kinds_bytes + cost > KINDS_MAX_BYTES:
        _kinds.clear()
        _kinds_bytes = 0
    _kinds[cls] = kind
    _kinds_bytes += cost
    return kind


def has_field(obj: Any, name: str) -> bool:
    return field(obj, name, _MISSING) is not _MISSING


def safe_str(value: Any) -> str:
    """``str(value)`` that cannot raise and always yields valid UTF-8 text.

    Text is told by its type, not ``isinstance``: that reads ``__class__``, which a
    proxy may answer with ``str`` (and ``str``'s own methods then refuse it) or raise."""
    if type(value) is str and value.isascii():
        return value
    if issubclass(type(value), str):
        return clean_text(value)
    try:
        text = str(value)
        if " at 0x" in text and isinstance(value, _ONE_SHOT):
            raise TypeError  # a memory address says nothing: its type is what is known
    except Exception:
        try:
            return f"<{type(value).__name__}>"
        except Exception:
            return "<unprintable>"
    return clean_text(text) if isinstance(text, str) else "<unprintable>"


_ONE_SHOT = (Iterator, AsyncIterator, Coroutine)
"""What is not read for its content (it can be read once, and that read is the
application's): a generator, an iterator, a coroutine, written as its type's name."""


def shown(value: Any) -> str:
    """``value`` in an error message: its short repr, else its type's name."""
    try:
        return reprlib.repr(value)
    except Exception:
        return f"a {type(value).__name__}"


def instance_of(obj: Any, kinds: Union[type, tuple[type, ...]]) -> bool:
    """``isinstance`` that answers ``False`` where it would raise (an object whose
    ``__class__`` raises, as a proxy's ``__getattribute__`` may)."""
    try:
        return isinstance(obj, kinds)
    except Exception:
        return False


def name_str(value: Any) -> str:
    """A name or identifier given by the user (an agent's, a model's, a provider's, an
    id) as text: ``safe_str`` of what it stands for (``name_value``)."""
    if type(value) is str and value.isascii():
        return value
    return safe_str(name_value(value))


def name_value(value: Any) -> Any:
    """What a value given as a name stands for, where ``str`` would write Python's own
    notation: bytes decoded as UTF-8 (an invalid byte replaced), an Enum member its value
    when that is text, a number or bytes (``str`` writes ``P.OPENAI`` for most members:
    the value only for a ``str`` mix-in's and, from Python 3.11, an ``IntEnum``'s), a
    list, tuple, set or dict its JSON (``null``, not ``None``); anything else itself.
    Never raises: a value that cannot be read stands for itself."""
    try:
        kind = type(value)
        if issubclass(type(kind), enum.EnumMeta):  # by its metaclass: faster than by Enum
            held = value.value
            if issubclass(type(held), str):
                return str.__str__(held)
            if not issubclass(type(held), _ENUM_VALUES):  # a structure's content is not read
                return value
            value, kind = held, type(held)
        if issubclass(kind, _BLOBS):
            return bytes(value).decode("utf-8", "replace")
        if issubclass(kind, _CONTAINERS):
            return dumps(jsonable(value))
    except Exception:
        pass
    return value


_CONTAINERS = (list, tuple, dict, set, frozenset)
_ENUM_VALUES = (int, float, bytes, bytearray, memoryview)


def optional_str(value: Any) -> Optional[str]:
    """``name_str(value)``, or ``None`` for ``None``."""
    return None if value is None else name_str(value)


def known_name(value: Any) -> Optional[str]:
    """A name as text (``name_str``), or ``None`` for one not known: ``None`` or empty.
    What is not known is left out of span names and attributes, never sent as the text
    ``"None"`` or as empty text."""
    return None if value is None else name_str(value) or None


def exact_number(value: Any) -> Union[int, float, None]:
    """An int or float (not a bool) as the plain number it holds, as ``json`` writes it:
    a subclass (numpy's, or one whose methods lie) read past its own methods. ``None``
    for anything else, told by its type (``__class__`` may lie or raise)."""
    kind = type(value)
    if kind is int or kind is float:
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return None
    if issubclass(kind, int):
        return int.__int__(value)
    if issubclass(kind, float):
        return float.__float__(value)
    return None


def scalar_number(value: Any) -> Union[int, float, None]:
    """``exact_number``, and the number a numpy-like scalar (``numpy.float32``,
    ``numpy.int64``, a one-element tensor) holds, told by shape without importing numpy:
    what its ``item()`` gives, else its ``__index__``, else its ``__float__``. ``None``
    for a bool (numpy's ``item()`` gives one), for anything else, and when reading raises."""
    number = exact_number(value)
    kind = type(value)
    if number is not None or kind is bool:
        return number
    try:
        if callable(getattr(kind, "item", None)):
            return exact_number(value.item())
        if hasattr(kind, "__index__"):
            return exact_number(operator.index(value))
        if hasattr(kind, "__float__"):
            return exact_number(float(value))
    except Exception:
        return None
    return None


def finite_number(value: Any) -> Optional[float]:
    """An int or float (not a bool) as a finite float; ``None`` for anything else."""
    number = exact_number(value)
    if number is None:
        return None
    try:
        real = float(number)
    except OverflowError:  # beyond a float's range
        return None
    return real if math.isfinite(real) else None


def clean_text(text: str) -> str:
    """Text that UTF-8 (and so JSON on the wire) can carry: surrogate pairs joined,
    each lone surrogate replaced by U+FFFD; a ``str`` subclass as a plain ``str`` (what
    scrubbing and keys see is what ``json`` writes)."""
    if type(text) is not str:
        text = str.__str__(text)
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def jsonable(value: Any) -> Any:
    """A copy of ``value`` made of dict/list/str/int/float/bool/None that ``json.dumps`` accepts."""
    return _convert(value, 0, set())


def convert_at(value: Any, depth: int, seen: set[int]) -> Any:
    """``jsonable``'s copy of ``value`` met ``depth`` levels down, inside the containers
    whose ids are ``seen``: what a walk converting a container item by item gives each
    item (``_bounded``'s)."""
    return _convert(value, depth, seen)


def jsonable_key(key: Any) -> str:
    """A mapping's key as ``jsonable`` writes it."""
    return _key(key)


def _convert(value: Any, depth: int, seen: set[int]) -> Any:
    # Text, numbers and bytes are told by their type: ``isinstance`` reads ``__class__``,
    # which a proxy answers with the class it stands for, or raises.
    kind = type(value)
    if value is None or kind is bool:
        return value
    if issubclass(kind, str):
        return clean_text(value)
    number = exact_number(value)
    if type(number) is int:
        return number if number.bit_length() <= MAX_INT_BITS else int_text(number)
    if number is not None:
        return number if math.isfinite(number) else safe_str(number)
    if issubclass(kind, _BLOBS):
        return BLOB_SUBSTITUTE
    if depth >= MAX_DEPTH:
        return "[...]"
    marker = id(value)
    if marker in seen:
        return "[Circular]"
    seen.add(marker)
    try:
        return _convert_container(value, depth, seen)
    except Exception:  # its ``__class__`` or ``__dict__`` answered once, then raised
        return _type_name(value)
    finally:
        seen.discard(marker)


_BLOBS = (bytes, bytearray, memoryview)


def _convert_container(value: Any, depth: int, seen: set[int]) -> Any:
    try:
        mapping = isinstance(value, Mapping)
    except Exception:  # a class its metaclass made unhashable, or a ``__class__`` that
        return safe_str(value)  # raises: no abstract class can tell
    if mapping:
        try:
            items = list(value.items())
        except Exception:  # not its text, which would list what it holds
            return _type_name(value)
        out = {_key(k): _convert(v, depth + 1, seen) for k, v in items}
        return out if len(out) == len(items) else _keyed(items, depth, seen)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_convert(v, depth + 1, seen) for v in list(value)]
    dumped = _dump_model(value)
    if dumped is not _MISSING:
        return _convert(dumped, depth + 1, seen)
    if isinstance(value, _COLLECTIONS):
        try:
            held: list[Any] = list(cast(Iterable[Any], value))  # a MappingView iterates
        except Exception:
            return _type_name(value)
        if isinstance(value, ItemsView):  # a mapping's items, keyed as the mapping is
            out = {_key(k): _convert(v, depth + 1, seen) for k, v in held}
            return out if len(out) == len(held) else _keyed(held, depth, seen)
        return [_convert(v, depth + 1, seen) for v in held]
    return safe_str(value)


def _keyed(items: list[tuple[Any, Any]], depth: int, seen: set[int]) -> dict[str, Any]:
    """A mapping's items converted again key by key (``distinct_key``): two of its keys
    were written alike (rare: the common case is one dict comprehension)."""
    out: dict[str, Any] = {}
    suffixes: dict[str, int] = {}
    for key, item in items:
        out[distinct_key(_key(key), out, suffixes)] = _convert(item, depth + 1, seen)
    return out


def distinct_key(name: str, written: Mapping[str, Any], suffixes: dict[str, int]) -> str:
    """``name``, or where a key of the same mapping was already written as it (keys that
    differ only in lone surrogates, ``1`` and ``"1"``), the first of ``name~2``,
    ``name~3``, ... not yet written: no value replaces another. ``suffixes`` (one per
    mapping) keeps the last number taken per name, so many keys alike cost linear time."""
    if name not in written:
        return name
    number = suffixes.get(name, 1)
    while True:
        number += 1
        suffixed = f"{name}~{number}"
        if suffixed not in written:
            suffixes[name] = number
            return suffixed


_COLLECTIONS = (collections.deque, collections.UserList, MappingView, Set)
"""Containers that are not lists, tuples or sets, converted as lists are: their text
(``str``) is the ``repr`` of what they hold, which would show what scrubbing removes."""


def _type_name(value: Any) -> str:
    """What stands for a value that cannot be read: its type, never its text."""
    return f"[{safe_str(type(value).__name__)}]"


INT64_LIMIT = 1 << 63
"""Integers from ``-INT64_LIMIT`` up to (not including) it fit the 64 bits in which
Sentry stores an integer attribute."""

MAX_INT_BITS = 10_000
"""Larger integers (about 3,000 digits) are written as text saying their size: Python
refuses to write an integer of more than 4,300 digits, which would lose the whole value."""


def int_text(number: int) -> str:
    """``str(number)``, or for an integer past ``MAX_INT_BITS`` its size."""
    if number.bit_length() <= MAX_INT_BITS:
        return str(number)
    return f"[integer of {number.bit_length()} bits]"


def _key(key: Any) -> str:
    """A mapping's key as text; a number, ``True``, ``False`` or ``None`` as JSON writes
    it (``true``, not ``True``), so that ``key_json`` tells keys apart as written."""
    kind = type(key)  # not ``isinstance``: a key's ``__class__`` may lie or raise
    if issubclass(kind, str):  # a str subclass as the plain str (its hash and equality too)
        return key if kind is str and key.isascii() else clean_text(key)
    if issubclass(kind, int) and int.bit_length(key) > MAX_INT_BITS:
        return int_text(key)
    if key is None or issubclass(kind, (int, float)):
        return json.dumps(key)
    return safe_str(key)


def _is_namespace(value: Any) -> bool:
    """A ``SimpleNamespace`` or an ``argparse.Namespace``: only its attributes, which
    its text lists, secrets too (``argparse`` looked up, not imported: a namespace of it
    exists only once it is)."""
    if isinstance(value, types.SimpleNamespace):
        return True
    argparse = sys.modules.get("argparse")
    namespace = getattr(argparse, "Namespace", None)
    return isinstance(namespace, type) and isinstance(value, namespace)


def _dump_model(value: Any) -> Any:
    """Fields of a pydantic model, dataclass or attrs instance or a namespace (its
    attributes), the dict of ``to_dict()``, or ``_MISSING``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        try:  # a field kept out of its text (repr=False: a password, say) is kept out here
            return {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.repr}
        except Exception:
            return _MISSING
    dump = getattr(type(value), "model_dump", None)
    if callable(dump):
        try:
            return value.model_dump(mode="python", exclude_none=True)
        except Exception:
            return _MISSING
    if _is_namespace(value):
        try:
            return dict(vars(value))
        except Exception:
            return _MISSING
    attributes = getattr(type(value), "__attrs_attrs__", None)  # an attrs class
    if isinstance(attributes, tuple):
        try:  # as a dataclass's: a field with repr=False is kept out
            return {a.name: getattr(value, a.name) for a in attributes if a.repr is not False}
        except Exception:
            return _MISSING
    to_dict = getattr(type(value), "to_dict", None)
    if callable(to_dict):
        try:
            result = value.to_dict()
        except Exception:
            return _MISSING
        return result if isinstance(result, Mapping) else _MISSING
    return _MISSING


def dumps(value: Any) -> str:
    """Compact JSON of an already-jsonable value, keeping non-ASCII text as is; always
    valid UTF-8 (a lone surrogate that reached the value is replaced)."""
    if _encode is None:
        text = _ENCODER.encode(value)
    else:
        try:
            text = "".join(_encode(value, 0))
        except RecursionError:  # a cycle or deep nesting: said as json.dumps says it
            text = _ENCODER.encode(value)
    return text if text.isascii() else clean_text(text)


def _not_jsonable(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def key_writer(default: Callable[[Any], Any]) -> Callable[[Any], Optional[str]]:
    """A ``key_json`` that gives each value other than JSON to ``default``, which returns
    what stands for it in the key, or raises ``TypeError`` (no key)."""
    encode: Callable[[Any], str]
    if _make_encoder is None:
        encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=default).encode
    else:
        chunks = _make_encoder(
            None, default, json.encoder.encode_basestring, None, ":", ",", False, False, True
        )

        def encode(value: Any) -> str:
            return "".join(chunks(value, 0))

    def key(value: Any) -> Optional[str]:
        try:
            return encode(value)
        except Exception:  # not JSON, a cycle, or a value whose methods raise
            return None

    return key


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
# json's C encoder made once (``json.dumps`` makes one per call, a third of the cost of
# a small value), without the circular check: a cycle still ends in an error
# (RecursionError), and ``dumps`` is given acyclic copies. A key encoder is made the same
# way, with NaN allowed.
_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encode = (
    None
    if _make_encoder is None
    else _make_encoder(
        None, _not_jsonable, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
)

key_json = key_writer(_not_jsonable)
"""JSON text that tells apart what a value holds, as a lookup key (dict keys that are not
text are told apart as ``jsonable`` writes them); ``None`` when it holds anything but JSON
values, a cycle, or nesting too deep to write."""


def json_arguments(value: Any) -> Any:
    """``jsonable(parse_json_maybe(value))``, without the copying walk for the common case:
    JSON text that cannot hold what the walk would change (non-ASCII keys or text, which
    may hide lone surrogates, or an integer past ``MAX_INT_BITS``, looked for only in
    text long enough to hold one) is decoded into a jsonable value directly, non-finite
    numbers written as text as the walk does, and only text of more than ``MAX_DEPTH``
    brackets is then read for nesting past ``MAX_DEPTH`` (``nests_within``: a list of
    records is not copied for it)."""
    if type(value) is str and value.isascii() and "\\u" not in value:
        # The scanner itself: ``decode`` adds two regex matches and a call per value, and
        # differs from it only by skipping JSON white space around the value.
        start = 0 if value[:1] not in _JSON_SPACE else len(value) - len(value.lstrip(_JSON_SPACE))
        try:
            parsed, end = scan_json(value, start)
        except StopIteration:
            return value
        except ValueError as error:
            if not too_long_integer(error):
                return value
            return jsonable(parse_json_maybe(value))
        except RecursionError:  # nested past what the scanner reads: kept as written
            return jsonable(parse_json_maybe(value))
        if end != len(value) and value[end:].strip(_JSON_SPACE):
            return value
        if len(value) >= MIN_LONG_INT_DIGITS and has_long_digit_run(value):
            return jsonable(parsed)  # an integer past MAX_INT_BITS, written as its size
        if (
            len(value) >= MIN_DEEP_CHARS
            and value.count("{") + value.count("[") > MAX_DEPTH
            and not nests_within(parsed)
        ):
            return jsonable(parsed)  # a container past MAX_DEPTH, replaced
        return parsed
    return jsonable(parse_json_maybe(value))


def nests_within(value: Any) -> bool:
    """Whether decoded JSON holds no container ``MAX_DEPTH`` levels down, which
    ``jsonable`` would replace: read a level at a time, without copying (a long list of
    records, more than ``MAX_DEPTH`` brackets in all, most often nests two deep)."""
    level = [value]
    for _ in range(MAX_DEPTH):
        inner = []
        for node in level:
            kind = type(node)
            items = node.values() if kind is dict else node if kind is list else ()
            for item in items:
                if type(item) is dict or type(item) is list:
                    inner.append(item)
        if not inner:
            return True
        level = inner
    return False


def call_arguments(value: Any) -> Any:
    """A tool call's arguments as a message part sends them: ``json_arguments``, their
    media left out (``without_media``) as the tool's span leaves it out of the same
    arguments and of its result."""
    converted = json_arguments(value)
    if type(value) is str and not json_may_hold_media(value):
        return converted
    return without_media(converted)


def json_may_hold_media(text: str) -> bool:
    """Whether ``without_media`` may change what JSON text (or text that is no JSON)
    holds: it names ``base64`` (a data URL, a field, a source's type), has a ``data`` or
    ``blob`` member (where media blocks hold their base64) or a ``\\u`` escape that
    may spell one. Text without lets a tool call's arguments skip the walk."""
    return "base64" in text or '"data' in text or '"blob' in text or "\\u" in text


MIN_DEEP_CHARS = 2 * (MAX_DEPTH + 1)
"""The length of the shortest JSON text nesting past ``MAX_DEPTH`` (each level opens and
closes): shorter text (most tool arguments) is not counted."""
MIN_LONG_INT_DIGITS = 3_011
"""Digits of the smallest integer past ``MAX_INT_BITS`` (``2**10000``): only text this
long can hold one, so shorter text (nearly all) is not searched."""
_LONG_INT = re.compile(f"[0-9]{{{MIN_LONG_INT_DIGITS}}}")
"""A run of digits as long as that (in a number, or in text: the walk then only costs
time)."""
_DIGIT = re.compile("[0-9]")
_DIGITS = re.compile("[0-9]*")


def has_long_digit_run(text: str) -> bool:
    """Whether ``text`` holds a run of ``MIN_LONG_INT_DIGITS`` digits (``_LONG_INT``),
    looking at one character in that many: any such run holds one of them, and only
    the run around a digit among them is read (a regex trying every character of a file
    of 5 MB took 45 ms). The run's end is found first, then its last that many
    characters matched once: searching around the digit retried from every start (runs
    of 3,010 digits filling 300 KB took 0.5 s)."""
    step = MIN_LONG_INT_DIGITS
    sampled = text[step - 1 :: step]
    found = _DIGIT.search(sampled)
    while found is not None:
        at = step - 1 + found.start() * step
        end = _DIGITS.match(text, at, at + step).end()  # type: ignore[union-attr]
        if end >= step and _LONG_INT.match(text, end - step) is not None:
            return True
        found = _DIGIT.search(sampled, found.start() + 1)
    return False


_JSON_SPACE = " \t\n\r"


def is_plain_json(value: Any, depth: int = 0) -> bool:
    """Whether ``jsonable(value)`` would be ``value`` itself: exact dicts with ASCII
    keys, lists, ASCII text, ints, bools, ``None`` and finite floats, within
    ``MAX_DEPTH``. Such a value can be written as it is, without the copying walk."""
    kind = type(value)
    if kind is str:
        return value.isascii()  # type: ignore[no-any-return]
    if kind is int:
        return value.bit_length() <= MAX_INT_BITS  # type: ignore[no-any-return]
    if kind is bool or value is None:
        return True
    if kind is float:
        return math.isfinite(value)
    if depth >= MAX_DEPTH:
        return False
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                return False
            item_kind = type(item)
            if item_kind is str:  # the commonest, without a call
                if not item.isascii():
                    return False
            elif item_kind is int:
                if item.bit_length() > MAX_INT_BITS:
                    return False
            elif item_kind is not bool and item is not None and not is_plain_json(item, depth + 1):
                return False
        return True
    if kind is list:
        for item in value:
            item_kind = type(item)
            if item_kind is str:
                if not item.isascii():
                    return False
            elif item_kind is int:
                if item.bit_length() > MAX_INT_BITS:
                    return False
            elif item_kind is not bool and item is not None and not is_plain_json(item, depth + 1):
                return False
        return True
    return False


def _finite(text: str) -> Any:
    number = float(text)
    return number if math.isfinite(number) else safe_str(number)


def _non_finite(name: str) -> str:
    return safe_str(float(name))


def _integer(text: str) -> Any:
    """A JSON integer; past the digits Python converts (``sys.set_int_max_str_digits``,
    4,300 by default) the text saying its size, as ``int_text`` says a large one's."""
    try:
        return int(text)
    except ValueError:
        return f"[integer of {len(text.lstrip('-'))} digits]"


def too_long_integer(error: ValueError) -> bool:
    """Whether decoding JSON failed on an integer of more digits than Python converts:
    JSON all the same, which ``_LONG_DECODER`` (and ``_LONG_ARGUMENTS_DECODER``) read.
    The JSON decoder says text is no JSON with a ``JSONDecodeError``; the integer
    conversion raises a plain ``ValueError``."""
    return type(error) is ValueError


_ARGUMENTS_DECODER = json.JSONDecoder(parse_float=_finite, parse_constant=_non_finite)
scan_json = _ARGUMENTS_DECODER.scan_once  # type: ignore[attr-defined]
# The same decoders reading integers one by one, for the rare text that holds one too
# long to convert (a hook for every integer would slow down all other text).
_LONG_ARGUMENTS_DECODER = json.JSONDecoder(
    parse_float=_finite, parse_constant=_non_finite, parse_int=_integer
)
_LONG_DECODER = json.JSONDecoder(parse_int=_integer)


def loads_finite(text: str) -> Any:
    """``json.loads`` with non-finite numbers (``NaN``, ``Infinity``) read as text, so
    what it gives can be written back as strict JSON, and integers too long to convert
    as their size (``_integer``). Raises ``ValueError`` for text that is not JSON, and
    ``RecursionError`` for JSON nested too deep to read (callers catch both)."""
    try:
        return _ARGUMENTS_DECODER.decode(text)
    except ValueError as error:
        if not too_long_integer(error):
            raise
        return _LONG_ARGUMENTS_DECODER.decode(text)


def decode_prefix(text: str, start: int) -> tuple[Any, int]:
    """The JSON value that begins at ``start`` (as ``loads_finite`` reads it) and where it
    ends; what follows it is not read. Raises ``ValueError`` where none begins, and
    ``RecursionError`` where one is nested too deep to read."""
    try:
        return _ARGUMENTS_DECODER.raw_decode(text, start)
    except ValueError as error:
        if not too_long_integer(error):
            raise
        return _LONG_ARGUMENTS_DECODER.raw_decode(text, start)


def parse_json_maybe(value: Any) -> Any:
    """Decode a JSON string (tool arguments often arrive as one); anything else as is.

    Text that does not parse stays text, and so does JSON nested deeper than Python's
    recursion limit lets ``json`` read (``RecursionError``): it is kept as written, as
    invalid JSON is, rather than losing the message or the stream it came in. An integer
    too long to convert is read as its size (``_integer``)."""
    if issubclass(type(value), str):  # not ``isinstance``: ``__class__`` may lie or raise
        try:
            return json.loads(value)
        except ValueError as error:
            if too_long_integer(error):
                try:
                    return _LONG_DECODER.decode(value)
                except (ValueError, RecursionError):
                    return value
            return value
        except RecursionError:
            return value
    return value


def as_list(value: Any) -> Optional[list[Any]]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return None


def as_sequence(value: Any) -> Optional[list[Any]]:
    """``as_list``, and a list of what a ``deque``, a ``UserList`` or a mapping's
    ``values()`` holds (a conversation kept in a bounded deque, say); ``None`` for
    anything else."""
    items = as_list(value)
    if items is None and isinstance(value, _SEQUENCES):
        try:
            return list(value)
        except Exception:
            return None
    return items


_SEQUENCES = (collections.deque, collections.UserList, ValuesView)


def without_media(value: Any, media: bool = False) -> Any:
    """``value`` (jsonable) without the media it may hold, which is never sent: base64
    data URLs, ``base64`` fields and the base64 data of the providers' media blocks
    (Anthropic's base64 source, Gemini's inline data, OpenAI's input audio, MCP's image,
    audio and resource blocks) become the blob substitute. ``media``: ``value`` is held
    where only media is (``inline_data``, ``input_audio``). ``value`` itself (not a
    copy) when it holds no media."""
    return _without_media(value, media, 0)


def _without_media(value: Any, media: bool, depth: int) -> Any:
    """``without_media`` at ``depth``: past ``_MEDIA_DEPTH`` levels (JSON text nested that
    deep) ``RecursionError``, whatever the stack's depth, so that media is judged alike
    wherever the value is met."""
    if depth > _MEDIA_DEPTH:
        raise RecursionError("nested too deep to look for media")
    kind = type(value)
    if kind is str:
        if value[:1] in _MEDIA_TEXT_STARTS or "\n" in value or "\r" in value:
            return text_without_media(value)
        if ";" in value and ";base64," in value:  # a data URL inside prose (rare)
            return text_media_removed(value)
        return value
    if kind is list:
        changed: Optional[list[Any]] = None
        for index, item in enumerate(value):
            new = _without_media(item, False, depth + 1)
            if new is not item:
                if changed is None:
                    changed = list(value)
                changed[index] = new
        return value if changed is None else changed
    if kind is dict:
        media = media or is_media_block(value)
        out: Optional[dict[str, Any]] = None
        for key, item in value.items():
            if type(item) is str and (
                key == "base64" or (media and key in MEDIA_DATA and " " not in item)
            ):
                new = BLOB_SUBSTITUTE
            else:
                new = _without_media(item, key in MEDIA_HOLDERS, depth + 1)
            if new is not item:
                if out is None:
                    out = dict(value)
                out[key] = new
        return value if out is None else out
    return value


def text_without_media(text: str) -> str:
    """Text as it is sent where media is not: the blob substitute for a base64 data URL,
    JSON held in it (within white space, ``LEADING_SPACE``, encoded twice, or one
    document a line, as ``scrub_text`` reads it) written again without media
    (``without_media``), and a data URL inside other text replaced in place
    (``text_media_removed``). Only text naming what media is held under is read as
    JSON."""
    if is_data_url(text):
        return BLOB_SUBSTITUTE
    if not may_hold_media(text):
        if text[:1] in JSON_HEADS or "\n" in text or "\r" in text:
            return text  # searched for ``base64``, which every data URL holds: none
        return text_media_removed(text)
    body = text.strip(LEADING_SPACE)
    head = body[:1]
    if head in ('"', "{", "["):
        try:
            parsed = loads_finite(body)
            cleaned = without_media(parsed)
        except RecursionError:  # too deep to tell media from text: none may be sent
            return BLOB_SUBSTITUTE
        except ValueError:  # not JSON
            pass
        else:
            return text if cleaned is parsed else dumps(cleaned)
    if "\n" not in text and "\r" not in text:
        return text_media_removed(text)
    out: list[str] = []
    changed = False
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")  # holds no line break: read as one document
        cleaned = text_without_media(content)
        changed = changed or cleaned is not content
        out.append(line if cleaned is content else cleaned + line[len(content) :])
    return "".join(out) if changed else text


def may_hold_media(text: str) -> bool:
    """Whether ``text_without_media`` may change ``text`` held in data: it may begin as
    JSON or has lines, and names what media is held under (cheap tests, by substring;
    a long line of prose is not searched)."""
    if text[:1] not in JSON_HEADS and "\n" not in text and "\r" not in text:
        return False
    # What media is held under in any JSON that ``without_media`` changes: a ``base64``
    # field or data URL, a media type's field (every media block has one, but OpenAI's
    # input audio) or ``input_audio``. Tested one by one: ``any`` over a tuple costs
    # twice as much, and this runs for every string of a tool result that may be JSON.
    return (
        "base64" in text
        or "ime_type" in text
        or "imeType" in text
        or "edia_type" in text
        or "ediaType" in text
        or "input_audio" in text
    )


LEADING_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
"""White space (each character ``str.isspace`` and ``re``'s ``\\s`` accept) and the byte
order mark (a file read as UTF-8), in any order, may surround JSON text: the one
definition by which scrubbing and media removal read text as JSON alike."""
JSON_HEADS = frozenset('{["' + LEADING_SPACE)
"""The first characters of a string that may hold a JSON object or array (or a JSON
string holding one: JSON encoded twice). A string that begins otherwise is read as JSON
only when it has more than one line (``\n`` or ``\r`` breaks them): every shortcut past
``scrub_text`` and ``text_without_media`` tests exactly that."""
_MEDIA_DEPTH = 200
"""Levels of JSON held in text that ``text_without_media`` reads: deeper text naming
media is replaced whole (any stack leaves room for these levels, and few JSON texts
are deeper)."""
_MEDIA_TEXT_STARTS = JSON_HEADS | {"d"}
"""First characters of text ``text_without_media`` may change without lines: JSON, or
a data URL."""


MEDIA_DATA = frozenset({"data", "blob"})
"""Fields of a media block holding its content as base64 (which has no spaces: prose
held there, a text file's, is kept)."""
MEDIA_HOLDERS = frozenset({"inline_data", "inlineData", "input_audio"})
"""Fields whose object is media (Gemini's inline data, OpenAI's input audio)."""
_MEDIA_TYPE_KEYS = ("mime_type", "mimeType", "media_type", "mediaType")
_MEDIA_BLOCK_TYPES = frozenset({"base64", "image", "audio", "video", "file", "document"})


def is_media_block(block: dict[Any, Any]) -> bool:
    """Whether ``block`` is a media block or source, whose ``data`` or ``blob`` text is
    base64 content, not prose: its type is one of media, or it has no type and names a
    media type (a typed one, such as Anthropic's ``text`` source, holds text)."""
    kind = block.get("type")
    if kind is not None:
        if not isinstance(kind, str):  # a block not yet converted: its type as converted
            kind = jsonable(kind)
        return isinstance(kind, str) and kind in _MEDIA_BLOCK_TYPES
    return any(k in block for k in _MEDIA_TYPE_KEYS)


def is_data_url(text: str) -> bool:
    """Whether ``text`` is a base64 data URL."""
    return text.startswith("data:") and ";base64," in text[:256]


def text_media_removed(text: str) -> str:
    """A message's text as sent: each base64 data URL in it (an image pasted into a
    user's words, or a whole text that is one) replaced in place by the blob substitute,
    the words around it kept. ``text`` itself when it holds none: one substring test (in
    C) for text without ``;base64,``, the hot path of every message (callers test for
    ``;`` first, one ``memchr``, then for ``;base64,``: a sixth of the time on a long
    text without semicolons).

    Found from each ``;base64,`` (never by a regex run from each ``data:``, which text
    repeating it would make cost quadratic time): the nearest ``data:`` before it, with
    no white space or comma between (the media type and its parameters, at most
    ``_MAX_MEDIA_TYPE`` characters), and the base64 after it (standard or URL-safe
    alphabet, percent escapes, padding) up to the first other character. A data URL
    written right after another's base64 is told apart: the ``data`` before its ``:`` is
    not the first's base64."""
    at = text.find(";base64,")
    if at < 0:
        return text
    out: list[str] = []
    last = searched = 0  # no data URL begins before ``searched`` (text read once)
    while at >= 0:
        start = text.rfind("data:", max(searched, at - _MAX_MEDIA_TYPE), at)
        if start < 0 or _MEDIA_TYPE.fullmatch(text, start + 5, at) is None:
            searched = at  # a ``data:`` before it stays apart from any later ``;base64,``
            at = text.find(";base64,", at + 8)
            continue
        end = _BASE64.match(text, at + 8).end()  # type: ignore[union-attr]  # (may be empty)
        if text.startswith("data:", end - 4):  # another data URL begins right after
            end -= 4
        out += (text[last:start], BLOB_SUBSTITUTE)
        last = searched = end
        at = text.find(";base64,", max(end, at + 8))
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


_MAX_MEDIA_TYPE = 1024
"""Characters between ``data:`` and ``;base64,`` searched (a media type's names take 127
each at most, its parameters the rest)."""
_MEDIA_TYPE = re.compile(r"[^\s,]*")
_BASE64 = re.compile(r"[A-Za-z0-9+/_%-]*={0,2}")


__all__ = [
    "BLOB_SUBSTITUTE",
    "INT64_LIMIT",
    "JSON_HEADS",
    "LEADING_SPACE",
    "MAX_DEPTH",
    "MEDIA_DATA",
    "MEDIA_HOLDERS",
    "as_list",
    "as_sequence",
    "call_arguments",
    "clean_text",
    "convert_at",
    "declared_fields",
    "decode_prefix",
    "distinct_key",
    "dumps",
    "exact_number",
    "field",
    "finite_number",
    "has_field",
    "has_long_digit_run",
    "instance_of",
    "int_text",
    "is_data_url",
    "is_media_block",
    "is_plain_json",
    "json_arguments",
    "json_may_hold_media",
    "jsonable",
    "jsonable_key",
    "key_json",
    "known_name",
    "loads_finite",
    "may_hold_media",
    "name_str",
    "name_value",
    "nests_within",
    "optional_str",
    "parse_json_maybe",
    "safe_str",
    "scalar_number",
    "shown",
    "text_media_removed",
    "text_without_media",
    "too_long_integer",
    "without_media",
]
