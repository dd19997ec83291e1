"""Reading a provider SDK's own objects (pydantic v2 models) by their fields.

Pure functions, no sentry-sdk or provider SDK import. An agent loop keeps the SDK's
objects in its history (``messages.append(completion.choices[0].message)``) and hands
its responses to ``set_response``: read from the model's field values, a plain dict,
they are written without probing each name the way ``field`` does for any object.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from typing import Any, Callable, Optional

from ._jsonable import declared_fields
from ._messages import READ_NAMES

# The names the response readers read from a model's fields (``_responses``, ``_usage``,
# and ``_chunks`` of a stream's chunks), all those read from a response's or its usage's own
# fields among them (``test_structure`` and ``test_responses`` keep it complete).
RESPONSE_READ_NAMES = frozenset(
    {"choices", "message", "finish_reason", "model", "id", "usage", "type", "content"}
    | {"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details"}
    | {"completion_tokens_details", "cached_tokens", "cache_write_tokens"}
    | {"cache_creation_tokens", "reasoning_tokens", "cache_read_input_tokens"}
    | {"cache_creation_input_tokens", "candidates", "model_version", "object", "status"}
    | {"stop_reason", "incomplete_details", "usage_metadata", "prompt_token_count"}
    | {"candidates_token_count", "input_token_details", "output_token_details"}
    | {"input_tokens_details", "output_tokens_details", "input_tokens", "output_tokens"}
    | {"thinking_tokens", "output", "response_id", "tool_use_prompt_token_count"}
    | {"thoughts_token_count", "cached_content_token_count", "total_token_count"}
    | {"index", "delta", "prompt_feedback", "tool_call_chunks", "chunk"}
    | {"partial_args", "will_continue", "iterations", "error"}
)
_READ = READ_NAMES | RESPONSE_READ_NAMES


def _fields_reader(entry: int, doc: str) -> Callable[[Any], Optional[dict[str, Any]]]:
    """A reader of a model's fields that reads the models of a class when item ``entry``
    of its entry in ``_class_names`` is true: one body for ``model_fields`` and
    ``response_fields``, each as fast as a function of its own (a flag argument made
    ``model_fields``, which the message writers call for every message and block, about
    6% slower)."""

    copies = entry == 0  # the message writers count a model's names and key by them

    def read(value: Any) -> Optional[dict[str, Any]]:
        cls = type(value)
        try:
            known = _class_names.get(cls)
        except TypeError:  # a class its metaclass made unhashable: no model's
            return None
        if known is None:
            known = _name_class(cls)
        if not known[entry]:
            return None
        declared = known[1]
        fields: dict[str, Any] = value.__dict__
        # A name beside the declared ones, set by hand (``model_copy(update=...)`` puts it
        # there unless the class keeps extra fields), is no field: ``field`` does not read
        # it. Looked for only when the count of names differs from the declared (the check
        # costs a third of this function), or always for a class that does not keep extra
        # fields apart: there ``model_construct`` leaves out a required field, and
        # ``model_copy(update=...)`` adds another name in its place, the count unchanged.
        if (len(fields) != len(declared) or known[3]) and not fields.keys() <= declared.keys():
            kept = _without_private(fields, declared, copies)
            if kept is None:
                return None
            fields = kept
        extra = getattr(value, "__pydantic_extra__", None)
        if extra is None:
            return fields
        if type(extra) is not dict:  # set by hand to something else: read from the object
            return None
        return {**extra, **fields} if extra else fields  # a field wins, as in getattr

    read.__doc__ = doc
    return read


model_fields = _fields_reader(
    0,
    """A pydantic model's fields (with its extra fields) as the dict the direct writers
    and the response readers read: a provider SDK's own message, tool call, content block
    or response. ``None`` for any other object,
    and for a class where a name the conversion reads is an attribute of the class (a
    property, say), which computes fields, serializes itself or holds private attributes
    (its dump may hold more than its fields), which looks its attributes up in a way of
    its own, or which is a mapping (read by its keys): only the general path (``field``)
    reads those right, from the object.""",
)
response_fields = _fields_reader(
    2,
    """``model_fields`` of a response or of its usage, which the response readers read
    only for the names of ``RESPONSE_READ_NAMES``: its class is read by its fields also
    when it has another name the conversion reads as an attribute, or holds private
    attributes (Google's ``GenerateContentResponse`` has ``text`` and ``parts``
    properties, its usage metadata a private attribute), which change no name read.""",
)


def _without_private(
    fields: dict[str, Any], declared: dict[str, Any], copies: bool
) -> Optional[dict[str, Any]]:
    """``fields`` without the names beside the declared ones that start with an
    underscore: a private attribute set on the object (the ``openai`` and ``anthropic``
    clients set ``_request_id`` on every response they return), which no pydantic field
    can be named and no reader reads. ``None`` when another name is there. Unless
    ``copies``, ``fields`` itself, private names and all: the response readers only look
    names of ``RESPONSE_READ_NAMES`` up, so the copy would cost every response (about
    0.5 µs) for nothing."""
    kept: dict[str, Any] = {}
    for name, value in fields.items():
        if name in declared:
            if copies:
                kept[name] = value
        elif type(name) is not str or not name.startswith("_"):
            return None
    return kept if copies else fields


def _name_class(cls: type) -> _Entry:
    """A name for a class read by its fields, unique in this process and in no data
    (it starts with a random token), with the names of its fields, whether a response
    or usage of the class is read by them, whether its instances' names are all
    checked against them (a class whose extra fields are not kept apart), and whether
    it is a provider SDK's own (``is_response_model``); ``""`` for a class that is not
    read by its fields (by ``model_fields``)."""
    strict = True
    try:
        declared = declared_fields(cls)
        decorators = getattr(cls, "__pydantic_decorators__", None)
        responses = (
            declared is not None
            and decorators is not None
            and not decorators.computed_fields
            and not decorators.model_serializers
            and not decorators.field_serializers
            # A pydantic class keeps no attribute of its own for a field: one found on it
            # (a property, inherited or not) answers instead of the field. Looked up in
            # the classes' own namespaces, as an instance's attributes are (``hasattr``
            # on the class costs an exception per name a pydantic class lacks).
            and all(RESPONSE_READ_NAMES.isdisjoint(vars(base)) for base in cls.__mro__)
            and _reads_attributes_as_pydantic_does(cls)
            # A mapping is read by its keys (``field`` asks its ``get``), not its fields.
            and not issubclass(cls, Mapping)
        )
        readable = (
            responses
            and not getattr(cls, "__private_attributes__", None)
            and all(_READ.isdisjoint(vars(base)) for base in cls.__mro__)
        )
        config = getattr(cls, "model_config", None)
        strict = not isinstance(config, dict) or config.get("extra") != "allow"
    except Exception:
        responses = readable = False
    if len(_class_names) >= _MAX_CLASSES:
        _class_names.clear()
    # The class's own table of its fields, not a copy: an entry holds little of its own.
    name = f"{_TOKEN}{next(_numbers)}" if readable else ""
    if responses:
        module = getattr(cls, "__module__", None)
        sdk = isinstance(module, str) and module.startswith(_SDK_MODULES)
        known = (name, declared or {}, True, strict, sdk)
    else:
        known = _UNREAD
    _class_names[cls] = known
    return known


def _reads_attributes_as_pydantic_does(cls: type) -> bool:
    """Whether ``cls`` looks its attributes up as pydantic's ``BaseModel`` does (an
    override of ``__getattribute__`` or ``__getattr__`` may answer other than its
    fields)."""
    base = next(
        (k for k in cls.__mro__ if k.__name__ == "BaseModel" and k.__module__ == "pydantic.main"),
        None,
    )
    return (
        base is not None
        and cls.__getattribute__ is base.__getattribute__
        and getattr(cls, "__getattr__", None) is getattr(base, "__getattr__", None)
    )


_Entry = tuple[str, dict[str, Any], bool, bool, bool]
_class_names: dict[type, _Entry] = {}
_UNREAD: _Entry = ("", {}, False, True, False)
_MAX_CLASSES = 512
_SDK_MODULES = ("openai.", "anthropic.", "google.genai.")
_TOKEN = os.urandom(16).hex()
_numbers = itertools.count()


def class_name(cls: type) -> Optional[str]:
    """The name ``model_fields`` gave ``cls`` (``""`` for a class not read by its fields),
    or ``None`` when it has none (yet, or no longer: at most 512 classes are kept)."""
    known = _class_names.get(cls)
    return None if known is None else known[0]


def is_response_model(value: Any) -> bool:
    """Whether ``value`` is a model of the ``openai``, ``anthropic`` or ``google-genai``
    SDK that ``response_fields`` reads by its fields: a response or stream chunk those
    clients make anew for each (a stream's chunks can be read later, a batch at a time).
    Another library's models, or the user's own, may be one object yielded again and
    again, changed in between."""
    cls = type(value)
    try:
        known = _class_names.get(cls)
    except TypeError:  # a class its metaclass made unhashable: no model's
        return False
    return (known or _name_class(cls))[4]


__all__ = [
    "RESPONSE_READ_NAMES",
    "class_name",
    "is_response_model",
    "model_fields",
    "response_fields",
]
