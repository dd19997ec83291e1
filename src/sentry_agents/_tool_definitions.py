"""Tool definitions: provider tool shapes and plain Python functions to one JSON form.

Pure functions, no sentry-sdk import. The output is a list of
``{"type": "function", "name", "description", "parameters"}`` as
``gen_ai.tool.definitions`` expects.
"""

from __future__ import annotations

import enum
import functools
import inspect
import sys
import types
import typing
from collections.abc import Mapping
from typing import Any, Callable, Optional, Union

from ._jsonable import as_list, field, instance_of, jsonable, safe_str, shown

ToolDefinition = dict[str, Any]

_JSON_TYPES: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    tuple: "array",
    set: "array",
    dict: "object",
    type(None): "null",
}


UNCONVERTIBLE_TOOL = "[unconvertible tool]"
"""The name given to a tool that cannot be read, in place of it alone."""


def tool_definitions(tools: Any) -> list[ToolDefinition]:
    """Convert a list of tools (any provider's shape, or Python functions) to definitions.

    A tool that cannot be read, or is of no shape known (neither a callable, a name nor
    a provider's definition), becomes a placeholder named ``UNCONVERTIBLE_TOOL``, never
    its text; the others are kept.
    """
    items = as_list(tools)
    if items is None:
        items = [tools]
    out: list[ToolDefinition] = []
    for tool in items:
        try:
            out.extend(_convert(tool))
        except Exception:
            out.append({"type": "function", "name": UNCONVERTIBLE_TOOL})
    return out


FORMATS = ("chat_completions", "responses", "anthropic", "google")
"""The provider shapes ``tool_definition`` gives besides its default."""


def tool_definition(func: Callable[..., Any], format: Optional[str] = None) -> ToolDefinition:
    """The JSON-schema definition of a Python function, for ``tools=`` or a provider.

    Name from the function, description from the first paragraph of its own docstring
    (never one inherited from a base class), parameters from the signature and type
    hints (a hint it cannot map allows any value). A ``functools.partial`` is described
    as its function without the arguments it binds (the model is not to set them); a
    callable object by its class's name and its ``__call__``. By default the shape
    ``gen_ai.tool.definitions`` uses (``{"type": "function", "name", "description",
    "parameters"}``); ``format`` gives a provider's: ``"chat_completions"`` (OpenAI
    ``{"type": "function", "function": {...}}``), ``"responses"`` (OpenAI Responses,
    with ``"strict": False`` as optional parameters need), ``"anthropic"``
    (``input_schema``) or ``"google"`` (a function declaration).
    Raises ``ValueError`` for any other ``format``, and ``TypeError`` for anything not
    callable (a ``classmethod`` or ``staticmethod`` object is read as its function); a
    callable that cannot be read (attributes that raise, a signature or hints that cannot
    be read) is given what can be read of it, at least its name and parameters that
    allow any value.
    """
    if format is not None and not (instance_of(format, str) and format in FORMATS):
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {shown(format)}")
    if instance_of(func, (classmethod, staticmethod)):
        func = _attr(func, "__func__", func)
    if not callable(func):
        raise TypeError(
            "tool_definition() describes a function or another callable, not "
            f"{_type_name(func)}; pass the function itself"
        )
    try:
        definition = _function_definition(func)
    except Exception:  # what reading each part apart did not contain
        definition = {"type": "function", "name": callable_name(func)}
        definition["parameters"] = {"type": "object", "properties": {}}
    return definition if format is None else in_format(definition, format)


def in_format(definition: ToolDefinition, format: str) -> ToolDefinition:
    """A definition of the default shape in one of ``FORMATS``."""
    name = definition["name"]
    description = definition.get("description")
    parameters = definition.get("parameters", {"type": "object", "properties": {}})
    if format == "chat_completions":
        function: ToolDefinition = {"name": name}
        if description:
            function["description"] = description
        function["parameters"] = parameters
        return {"type": "function", "function": function}
    out: ToolDefinition = {"type": "function"} if format == "responses" else {}
    out["name"] = name
    if description:
        out["description"] = description
    out["input_schema" if format == "anthropic" else "parameters"] = parameters
    if format == "responses":
        # The Responses API treats a function as strict unless told otherwise, and a
        # strict schema must list every property as required.
        out["strict"] = False
    return out


def _function_definition(func: Callable[..., Any]) -> ToolDefinition:
    func = _attr(func, "__sentry_agents_wrapped__", func)
    target, bound = _unpartial(func)
    call = _call_method(target)
    signature = signature_of(func)
    hints = _type_hints(target if call is None else call)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, param in signature.parameters.items() if signature else []:
        if (
            param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
            or name in ("self", "cls")
            or name in bound
        ):
            continue
        properties[name] = json_schema(hints.get(name, param.annotation))
        if param.default is inspect.Parameter.empty:
            required.append(name)
        else:
            default = json_value(param.default)
            if default is not None:
                properties[name]["default"] = default
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    definition: ToolDefinition = {"type": "function", "name": callable_name(target)}
    description = docstring_summary(target)
    if description:
        definition["description"] = description
    definition["parameters"] = parameters
    return definition


_MAX_PARTIALS = 100  # a partial's ``func`` (a subclass's property) may lead back to it


def _unpartial(func: Any) -> tuple[Any, set[str]]:
    """The callable a ``functools.partial`` (of partials) calls, and the names of the
    keyword arguments they bind; ``func`` itself for anything else. The search stops at
    a partial whose ``func`` cannot be read (a subclass's property that raises)."""
    bound: set[str] = set()
    for _ in range(_MAX_PARTIALS):
        if not instance_of(func, functools.partial):
            break
        keywords = _attr(func, "keywords", None)
        if type(keywords) is dict:
            bound.update(key for key in keywords if type(key) is str)
        inner = _attr(func, "func", None)
        if inner is None:
            break
        func = inner
    return func, bound


def _call_method(target: Any) -> Any:
    """The ``__call__`` of a callable object's class, which holds its hints; ``None`` for
    a function, method or class, or an object wrapping one (``functools.update_wrapper``),
    whose own hints are read, and for an object ``inspect`` cannot tell apart (its
    ``__class__`` raises)."""
    try:
        source = inspect.unwrap(target)
    except Exception:
        source = target
    try:
        if inspect.isroutine(source) or inspect.isclass(source):
            return None
    except Exception:
        return None
    return _attr(type(source), "__call__", None)


def callable_name(func: Any) -> str:
    """The name a function is known by: its ``__name__``, a partial's function's, or a
    callable object's class name (what ``tool_definition`` and the decorators call it).
    An object whose ``__name__`` is not a string, or raises, is named by its type."""
    func = _unpartial(func)[0]
    name = _attr(func, "__name__", None)
    if not instance_of(name, str):
        name = _attr(type(func), "__name__", None)
    return safe_str(name) if instance_of(name, str) else "callable"


def _type_name(obj: Any) -> str:
    name = _attr(type(obj), "__name__", None)
    return safe_str(name) if instance_of(name, str) else "this object"


def _attr(obj: Any, name: str, default: Any) -> Any:
    """``getattr`` that answers ``default`` whatever the lookup raises (a proxy's
    ``__getattr__``, a property)."""
    try:
        return getattr(obj, name, default)
    except Exception:
        return default


def _type_hints(func: Any) -> dict[str, Any]:
    """Resolved hints; string annotations (``from __future__ import annotations``) may
    name ``typing`` members the module did not import at top level. A function's globals
    are given: ``get_type_hints`` would look for them along ``__wrapped__``, for ever
    when it leads back to the function."""
    globalns = None if instance_of(func, type) else _globals_of(func)
    for localns in (None, vars(typing)):
        try:
            return typing.get_type_hints(func, globalns=globalns, localns=localns)
        except Exception:
            continue
    return _each_hint(func)


def _globals_of(func: Any) -> dict[str, Any]:
    """The globals of the function ``func`` wraps (``inspect.unwrap``, which stops at a
    cycle), else its own; none (as ``get_type_hints`` has it) when neither has any."""
    try:
        source = inspect.unwrap(func)
    except Exception:
        source = func
    for each in (source, func):
        found = _attr(each, "__globals__", None)
        if type(found) is dict:
            return found
    return {}


def _each_hint(func: Any) -> dict[str, Any]:
    """The hints that can be resolved, one by one, when not all of them can: a name
    imported only under ``TYPE_CHECKING`` leaves that parameter unknown (any value), not
    every parameter of the function."""
    try:
        annotations = dict(_attr(func, "__annotations__", None) or {})
        globalns = _attr(inspect.unwrap(func), "__globals__", None)
        if globalns is None:  # a class: its module's names
            globalns = vars(sys.modules[func.__module__])
    except Exception:
        return {}
    hints: dict[str, Any] = {}
    for name, annotation in annotations.items():
        one = types.SimpleNamespace(__annotations__={name: annotation})
        try:
            hints.update(typing.get_type_hints(one, globalns=globalns, localns=vars(typing)))
        except Exception:
            continue
    return hints


def docstring_summary(func: Any) -> Optional[str]:
    """The first paragraph of a tool's own docstring: a function's or class's, a
    partial's function's, a callable object's class's, else its ``__call__``'s. Never an
    inherited one (``inspect.getdoc`` gives a bare pydantic model ``BaseModel``'s)."""
    try:
        doc = _own_doc(func)
        if not instance_of(doc, str):
            return None
        # As plain text: a subclass of str may override (and break) what is called here.
        doc = inspect.cleandoc(str.__str__(doc))
    except Exception:  # a __doc__ that raises, an object ``inspect`` cannot tell apart
        return None
    return safe_str(doc.split("\n\n", 1)[0].replace("\n", " ").strip()) or None


def _own_doc(func: Any) -> Any:
    func = _unpartial(func)[0]
    # A class's __doc__ is its own (None without a docstring), an object's is its own
    # or its class's; only inspect.getdoc looks further, into the bases.
    doc = func.__doc__
    if doc is None and not (inspect.isroutine(func) or inspect.isclass(func)):
        call = _call_method(func)
        if callable(call) and not isinstance(call, _SLOT_WRAPPERS):
            doc = call.__doc__
    return doc


# A __call__ implemented in C (of a class, of a C type) documents only itself.
_SLOT_WRAPPERS = (types.WrapperDescriptorType, types.MethodWrapperType)


def json_schema(annotation: Any) -> dict[str, Any]:
    """A small JSON schema for a type hint; ``{}`` (anything) when unknown or when the
    hint cannot be read (a dict written as the annotation, which cannot be hashed)."""
    try:
        return _schema(annotation)
    except Exception:
        return {}


def _schema(annotation: Any) -> dict[str, Any]:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return {}
    if instance_of(annotation, type) and issubclass(annotation, enum.Enum):
        return _choices([member.value for member in annotation], annotation)
    if annotation in _JSON_TYPES:
        return {"type": _JSON_TYPES[annotation]}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Union or type(annotation).__name__ == "UnionType":
        options = [json_schema(a) for a in args]
        non_null = [o for o in options if o != {"type": "null"}]
        if len(non_null) == 1 and len(options) == 2:
            return non_null[0]
        return {"anyOf": options}
    if origin is typing.Literal:
        return _choices(list(args), None)
    fixed = [a for a in args if a != ()] if origin is tuple else []  # tuple[()]: ((),) < 3.11
    if fixed and not (len(fixed) == 2 and fixed[1] is Ellipsis):
        # A tuple of fixed length, each position of its own type (as pydantic writes it):
        # ``tuple[int, str]`` is an int then a string, not an array of ints.
        n = len(fixed)
        return {
            "type": "array",
            "prefixItems": [json_schema(a) for a in fixed],
            "minItems": n,
            "maxItems": n,
        }
    if origin in (list, tuple, set, frozenset) or _is_abc(origin, "Sequence"):
        schema: dict[str, Any] = {"type": "array"}
        if args and args[0] is not Ellipsis:
            schema["items"] = json_schema(args[0])
        return schema
    if origin is dict or _is_abc(origin, "Mapping"):
        return {"type": "object"}
    model_schema = getattr(annotation, "model_json_schema", None)
    if callable(model_schema):
        try:
            result = jsonable(model_schema())
            return result if isinstance(result, dict) else {}
        except Exception:
            return {}
    return {}


def _choices(values: list[Any], enum_class: Optional[type]) -> dict[str, Any]:
    """The schema of a ``Literal`` or an ``Enum`` (its members' values), with the type
    all the values share, or the enum's base type, as pydantic writes it."""
    choices = [json_value(v) for v in values]
    kinds = {type(v) for v in choices}
    schema: dict[str, Any] = {}
    for base, name in ((str, "string"), (int, "integer"), (float, "number"), (bool, "boolean")):
        if kinds == {base} or (enum_class is not None and issubclass(enum_class, base)):
            schema["type"] = name
            break
    schema["enum"] = choices
    return schema


_MAX_VALUE_DEPTH = 8


def json_value(value: Any) -> Any:
    """``jsonable(value)`` with an ``Enum`` member as its value (in a list, tuple or
    dict too), as a model sends it: a default or a ``Literal`` choice."""
    return jsonable(_members_as_values(value, 0))


def _members_as_values(value: Any, depth: int) -> Any:
    if depth < _MAX_VALUE_DEPTH:
        kind = type(value)
        if issubclass(kind, enum.Enum):
            return _members_as_values(_attr(value, "value", None), depth + 1)
        if kind in (list, tuple):
            return [_members_as_values(v, depth + 1) for v in value]
        if kind is dict:
            return {k: _members_as_values(v, depth + 1) for k, v in value.items()}
    return value


def _is_abc(origin: Any, name: str) -> bool:
    return origin is not None and getattr(origin, "__name__", "") == name


def signature_of(func: Callable[..., Any]) -> Optional[inspect.Signature]:
    """``inspect.signature(func)``, or ``None`` for callables that have none or whose
    signature cannot be read."""
    try:
        return inspect.signature(func)
    except Exception:
        return None


def _convert(tool: Any) -> list[ToolDefinition]:
    if tool is None:
        return []
    if callable(tool) and not instance_of(tool, Mapping) and _is_routine(tool):
        return [tool_definition(tool)]
    declarations = field(tool, "function_declarations")
    if declarations is not None:
        return [_definition(d, "parameters") for d in as_list(declarations) or []]
    function = field(tool, "function")
    if function is not None and not callable(function):
        return [_definition(function, "parameters")]
    if field(tool, "input_schema") is not None:
        return [_definition(tool, "input_schema")]
    if field(tool, "name") is not None:
        return [_definition(tool, "parameters", _text(field(tool, "type"), "function"))]
    tool_type = field(tool, "type")
    if tool_type is not None:
        name = _text(tool_type, UNCONVERTIBLE_TOOL)
        return [{"type": _text(tool_type, "function"), "name": name}]
    if callable(tool):
        return [tool_definition(tool)]
    # A tool given by its name; anything else (a dict of another shape, an object of the
    # app's) is not named by its text: a repr is no tool's name, and may show what
    # scrubbing would have removed.
    return [{"type": "function", "name": _text(tool, UNCONVERTIBLE_TOOL)}]


def _is_routine(tool: Any) -> bool:
    """``inspect.isroutine``, ``False`` where it raises (a ``__class__`` that raises)."""
    try:
        return inspect.isroutine(tool)
    except Exception:
        return False


def _text(value: Any, otherwise: str) -> str:
    """A name, type or description given as text, else ``otherwise``: never the text of
    another value (a dict's repr may show what scrubbing would have removed). Text is told
    by its type, as ``safe_str`` tells it: a proxy's ``__class__`` may claim ``str``."""
    return safe_str(value) if issubclass(type(value), str) else otherwise


def _definition(source: Any, schema_key: str, tool_type: str = "function") -> ToolDefinition:
    name = field(source, "name")
    definition: ToolDefinition = {
        "type": tool_type,
        "name": _text(name, UNCONVERTIBLE_TOOL) if name else "",
    }
    description = _text(field(source, "description"), "")
    if description:
        definition["description"] = description
    schema = field(source, schema_key)
    if schema is None and schema_key == "parameters":
        # Google's JSON-schema field, and the OpenAI Agents SDK's FunctionTool's.
        schema = field(source, "parameters_json_schema")
        if schema is None:
            schema = field(source, "params_json_schema")
    if isinstance(schema, type):
        # A pydantic model class (a LangChain tool's ``input_schema``): its JSON schema,
        # not the class's name.
        schema = _model_schema(schema)
    if schema is not None:
        definition["parameters"] = jsonable(schema)
    return definition


def _model_schema(cls: type) -> Optional[dict[str, Any]]:
    """The JSON schema of a pydantic model class; ``None`` for any other class."""
    model_json_schema = _attr(cls, "model_json_schema", None)
    if not callable(model_json_schema):
        return None
    try:
        schema = model_json_schema()
    except Exception:
        return None
    return schema if isinstance(schema, dict) else None


__all__ = [
    "FORMATS",
    "UNCONVERTIBLE_TOOL",
    "ToolDefinition",
    "callable_name",
    "docstring_summary",
    "in_format",
    "json_schema",
    "signature_of",
    "tool_definition",
    "tool_definitions",
]
