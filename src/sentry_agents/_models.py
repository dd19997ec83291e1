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
from typing import Any, Optional

from ._jsonable import declared_fields
from ._messages import READ_NAMES

# The names the response readers read from a model's fields (``_responses``, ``_usage``;
# ``test_structure`` keeps it complete).
RESPONSE_READ_NAMES = frozenset(
    {"choices", "message", "finish_reason", "model", "id", "usage"}
    | {"prompt_tokens", "completion_tokens", "total_tokens", "prompt_tokens_details"}
    | {"completion_tokens_details", "cached_tokens", "cache_write_tokens"}
    | {"cache_creation_tokens", "reasoning_tokens", "cache_read_input_tokens"}
    | {"cache_creation_input_tokens", "candidates", "model_version", "object", "status"}
    | {"stop_reason", "incomplete_details", "usage_metadata", "prompt_token_count"}
    | {"candidates_token_count", "input_token_details", "output_token_details"}
    | {"input_tokens_details", "output_tokens_details", "input_tokens", "output_tokens"}
    | {"thinking_tokens"}
)
_READ = READ_NAMES | RESPONSE_READ_NAMES


def model_fields(value: Any) -> Optional[dict[str, Any]]:
    """A pydantic model's fields (with its extra fields) as the dict the direct writers
    and the response readers read: a provider SDK's own message, tool call, content block
    or response. ``None`` for any other object,
    and for a class where a name the conversion reads is an attribute of the class (a
    property, say), which computes fields, serializes itself or holds private attributes
    (its dump may hold more than its fields), which looks its attributes up in a way of
    its own, or which is a mapping (read by its keys): only the general path (``field``)
    reads those right, from the object."""
    cls = type(value)
    try:
        known = _class_names.get(cls)
    except TypeError:  # a class its metaclass made unhashable: no model's
        return None
    if known is None:
        known = _name_class(cls)
    name, declared = known
    if not name:
        return None
    fields: dict[str, Any] = value.__dict__
    # A name beside the declared ones, set by hand (``model_copy(update=...)`` puts it
    # there), is no field: ``field`` does not read it. Looked for only when the count of
    # names differs from the declared (the check costs a third of this function): a model
    # both missing a declared field and holding another name is not told apart.
    if len(fields) != len(declared) and not fields.keys() <= declared.keys():
        return None
    extra = getattr(value, "__pydantic_extra__", None)
    if extra is None:
        return fields
    if type(extra) is not dict:  # set by hand to something else: read from the object
        return None
    return {**extra, **fields} if extra else fields  # a field wins over an extra, as in getattr


def _name_class(cls: type) -> tuple[str, dict[str, Any]]:
    """A name for a class read by its fields, unique in this process and in no data
    (it starts with a random token), with the names of its fields; ``""`` for a class
    that is not."""
    try:
        declared = declared_fields(cls)
        decorators = getattr(cls, "__pydantic_decorators__", None)
        readable = (
            declared is not None
            and decorators is not None
            and not decorators.computed_fields
            and not decorators.model_serializers
            and not decorators.field_serializers
            and not getattr(cls, "__private_attributes__", None)
            # A pydantic class keeps no attribute of its own for a field: one found on it
            # (a property, inherited or not) answers instead of the field. Looked up in
            # the classes' own namespaces, as an instance's attributes are (``hasattr``
            # on the class costs an exception per name a pydantic class lacks).
            and all(_READ.isdisjoint(vars(base)) for base in cls.__mro__)
            and _reads_attributes_as_pydantic_does(cls)
            # A mapping is read by its keys (``field`` asks its ``get``), not its fields.
            and not issubclass(cls, Mapping)
        )
    except Exception:
        readable = False
    if len(_class_names) >= _MAX_CLASSES:
        _class_names.clear()
    # The class's own table of its fields, not a copy: an entry holds little of its own.
    known = (f"{_TOKEN}{next(_numbers)}", declared or {}) if readable else _UNREAD
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


_class_names: dict[type, tuple[str, dict[str, Any]]] = {}
_UNREAD: tuple[str, dict[str, Any]] = ("", {})
_MAX_CLASSES = 512
_TOKEN = os.urandom(16).hex()
_numbers = itertools.count()


def class_name(cls: type) -> Optional[str]:
    """The name ``model_fields`` gave ``cls`` (``""`` for a class not read by its fields),
    or ``None`` when it has none (yet, or no longer: at most 512 classes are kept)."""
    known = _class_names.get(cls)
    return None if known is None else known[0]


__all__ = ["RESPONSE_READ_NAMES", "class_name", "model_fields"]
