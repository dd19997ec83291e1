"""The package's shape: the public names, the layers of its modules, and where
sentry-sdk is touched. A change that breaks one of these rules fails here first."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import sentry_agents

PACKAGE = Path(sentry_agents.__file__).resolve().parent

PUBLIC = {
    "DEFAULT_SCRUB_KEYS",
    "AgentSpan",
    "ChatSpan",
    "CreateAgentSpan",
    "EmbeddingsSpan",
    "EvaluationSpan",
    "GenAISpan",
    "GuardrailSpan",
    "HandoffSpan",
    "MCPNotificationSpan",
    "MCPServerSpan",
    "Redactor",
    "RerankSpan",
    "ToolSpan",
    "Usage",
    "__version__",
    "agent",
    "chat",
    "configure",
    "conversation",
    "create_agent",
    "current_span",
    "embeddings",
    "evaluate",
    "execute_tool",
    "guardrail",
    "handoff",
    "invoke_agent",
    "rerank",
    "mcp_meta",
    "mcp_notification",
    "mcp_server",
    "serialize_messages",
    "to_gen_ai_messages",
    "tool",
    "tool_definition",
    "traces_sampler",
    "usage_from",
}

# Each module's layer, lowest first. A module imports only from its own layer or below.
LAYERS = {
    "data": [
        "_log",
        "_keys",
        "_jsonable",
        "_budget",
        "_privacy",
        "_bounded",
        "_tool_definitions",
        "_messages",
        "_models",
        "_usage",
        "_input_usage",
        "_cost",
        "_config",
        "_message_json",
        "_merge",
        "_responses",
        "_chunks",
        "_requests",
        "_evaluation",
        "_ranking",
        "_sampling",
        "_mcp_data",
    ],
    "adapter": ["_guard", "_sdk", "_sdk.integrations", "_sdk.propagation"],
    "lifecycle": ["_activations", "_decorate", "_conversation", "_span", "_stream"],
    "kinds": [
        "_model",
        "_agent",
        "_chat",
        "_embeddings",
        "_tool",
        "_handoff",
        "_evaluate",
        "_guardrail",
        "_rerank",
        "_mcp",
    ],
    "viewing": [
        "_envelopes",
        "_render",
        "console",
        "_capture",
        "_pytest_plugin",
        "testing",
        "__main__",
    ],
    "public": ["__init__"],
}
RANK = {module: rank for rank, layer in enumerate(LAYERS.values()) for module in layer}
# Who may import sentry-sdk at all: the adapter, and public sentry-sdk API where the
# module's purpose is sentry-sdk itself (its logger, envelopes, transports, init).
SENTRY_SDK_USERS = {
    "_sdk": "tracing API and internals",
    "_sdk.integrations": "event processor and before_send_span",
    "_sdk.propagation": "continue_trace, get_traceparent, get_baggage, scopes",
    "_guard": "sentry_sdk.utils.logger",
    "_envelopes": "sentry_sdk.envelope.Envelope",
    "console": "sentry_sdk.transport.Transport",
    "_capture": "sentry_sdk.init and flush",
}


def module_files() -> dict[str, Path]:
    files = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts)
        files[name[: -len(".__init__")] if name.endswith(".__init__") else name] = path
    return files


def imports_of(name: str, path: Path) -> tuple[set[str], set[str]]:
    """(our modules, top-level third-party modules) that ``name`` imports anywhere in it,
    lazy and type-only imports included."""
    if name == "__init__":
        package: list[str] = []
    elif path.name == "__init__.py":
        package = name.split(".")
    else:
        package = name.split(".")[:-1]
    ours: set[str] = set()
    others: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:
                submodule = f"{target}.{alias.name}" if target else alias.name
                ours.add(submodule if submodule in RANK else target or "__init__")
        elif isinstance(node, ast.ImportFrom) and node.module:
            others.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            others.update(alias.name.split(".")[0] for alias in node.names)
    return {module for module in ours if module in RANK}, others


def test_public_names_are_exactly_these_and_importable():
    assert set(sentry_agents.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(sentry_agents, name) is not None, name
        exec(f"from sentry_agents import {name}", {})


def test_every_public_callable_and_class_has_a_docstring():
    for name in PUBLIC - {"__version__", "DEFAULT_SCRUB_KEYS", "Redactor"}:
        assert (getattr(sentry_agents, name).__doc__ or "").strip(), name


def test_every_module_is_in_a_layer_and_declares_all():
    files = module_files()
    assert set(files) == set(RANK), set(files) ^ set(RANK)
    for name in files:
        if name == "__init__":
            continue
        module = importlib.import_module(f"sentry_agents.{name}")
        assert isinstance(getattr(module, "__all__", None), list), f"{name} declares no __all__"
        for exported in module.__all__:
            assert hasattr(module, exported), f"{name}.__all__ names a missing {exported}"


def test_imports_go_down_the_layers_only_and_never_in_a_circle():
    files = module_files()
    graph = {name: imports_of(name, path)[0] for name, path in files.items()}
    upward = [
        f"{name} -> {target}"
        for name, targets in graph.items()
        for target in targets
        if RANK[target] > RANK[name]
    ]
    assert not upward, upward
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        assert name not in visiting, " -> ".join([*visiting[visiting.index(name) :], name])
        visiting.append(name)
        for target in sorted(graph[name]):
            visit(target)
        visiting.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_only_the_adapter_and_its_named_users_touch_sentry_sdk():
    for name, path in module_files().items():
        uses_sdk = "sentry_sdk" in imports_of(name, path)[1]
        assert uses_sdk == (name in SENTRY_SDK_USERS), name


def test_data_shaping_modules_import_no_sentry_sdk_and_no_provider_sdk():
    banned = {"sentry_sdk", "openai", "anthropic", "google", "langchain_core", "litellm", "mcp"}
    for name in LAYERS["data"]:
        assert not imports_of(name, module_files()[name])[1] & banned, name


def test_attribute_keys_are_written_only_in_keys():
    """A key Sentry's conventions rename is changed in one place: ``_keys``. (Content
    kinds such as ``"tool.arguments"``, what the redaction hook is told, are not keys.)"""
    from sentry_agents import _keys

    named = {v for v in vars(_keys).values() if isinstance(v, str) and "." in v}
    for name, path in module_files().items():
        if name == "_keys":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        literals = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and (node.value.startswith("gen_ai.") or node.value in named)
            and id(node) not in docstrings
        ]
        assert not literals, f"{name} writes keys itself: {literals}"


def test_tests_use_their_own_fakes_not_the_examples_offline_mode():
    """The tests' fakes are their own (``fakes.py``): the examples' offline mode is for
    users to copy, and a change to it must not change what a test checks. (A test of an
    example runs or imports that example, which uses its offline mode.)"""
    for path in Path(__file__).resolve().parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                names = [module, *(f"{module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
                names = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            else:
                continue
            for name in names:
                assert "_offline" not in str(name).split("."), f"{path.name} imports {name}"


def names_read_from_dicts(tree: ast.AST) -> tuple[set[str], list[str]]:
    """The names ``tree`` reads from dicts (``d.get("name")``, ``get("name")`` after
    ``get = d.get``, ``d["name"]`` and ``"name" in d``), and the ``get`` calls given a
    name that is not a constant."""
    read: set[str] = set()
    unnamed: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "get")
            or (isinstance(node.func, ast.Name) and node.func.id == "get")
        ):
            if node.args and isinstance(node.args[0], ast.Constant):
                read.add(node.args[0].value)
            else:
                unnamed.append(ast.unparse(node))
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            read.add(node.slice.value)
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant):
            read.update(node.left.value for op in node.ops if isinstance(op, ast.In))
    return {name for name in read if isinstance(name, str)}, unnamed


def test_the_message_writers_read_only_names_they_declare():
    """An SDK object is read by its fields (and reused by them) only when no name the
    conversion reads is a property of its class: every name read is in ``READ_NAMES``,
    by the direct writers and by the general conversion alike."""
    from sentry_agents._messages import _GOOGLE_PART_FIELDS, READ_NAMES

    tree = ast.parse((PACKAGE / "_message_json.py").read_text())
    writers = {"_direct", "_openai_tool_result", "_openai_tool_calls", "_read_blocks"}
    direct: set[str] = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and function.name in writers:
            direct |= names_read_from_dicts(function)[0]
    assert len(direct) > 10
    assert direct <= READ_NAMES, direct - READ_NAMES

    converted: set[str] = set(_GOOGLE_PART_FIELDS)
    unnamed: list[str] = []
    for node in ast.walk(ast.parse((PACKAGE / "_messages.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("field", "has_field"):
            if isinstance(node.args[1], ast.Constant):
                converted.add(node.args[1].value)
            else:
                unnamed.append(ast.unparse(node))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("getattr", "vars"):
            unnamed.append(ast.unparse(node))
    assert len(converted) > 30
    assert converted <= READ_NAMES, converted - READ_NAMES
    # A name given as a variable comes from a tuple of names checked here, or is one of
    # the item's own keys or declared fields (whether an item reference holds only an id).
    assert sorted(unnamed) == ["field(item, name)"] * 2 + ["has_field(item, key)"], unnamed
    assert {"role", "parts", "content", "type"} <= READ_NAMES


def test_the_response_readers_read_only_names_they_declare():
    """A response (or its usage) is read from its models' fields only when no name read
    is a property of their classes: every name the readers read from fields is declared."""
    from sentry_agents._messages import READ_NAMES
    from sentry_agents._models import RESPONSE_READ_NAMES
    from sentry_agents._responses import _BESIDE_CONTENT
    from sentry_agents._usage import _USAGE_SHAPE

    read, unnamed = names_read_from_dicts(ast.parse((PACKAGE / "_responses.py").read_text()))
    assert {"choices", "usage", "message", "stop_reason", "status"} <= read
    # A name given as a variable comes from a tuple of names checked here.
    assert unnamed == ["get(name)"], unnamed
    usage = next(
        function
        for function in ast.walk(ast.parse((PACKAGE / "_usage.py").read_text()))
        if isinstance(function, ast.FunctionDef) and function.name == "usage_of_fields"
    )
    usage_read, unnamed = names_read_from_dicts(usage)
    assert {"prompt_tokens", "cached_tokens", "thinking_tokens", "prompt_token_count"} <= usage_read
    assert unnamed == ["get(name)"], unnamed  # a name of ``_USAGE_SHAPE``
    usage_read |= set(_USAGE_SHAPE)
    read |= usage_read
    read |= set(_BESIDE_CONTENT)
    assert read <= READ_NAMES | RESPONSE_READ_NAMES, read - READ_NAMES - RESPONSE_READ_NAMES


def test_the_chunk_readers_read_only_names_they_declare():
    """A stream's chunk is read from its models' fields only when no name read is a
    property of their classes: every name the fields reading reads is declared."""
    from sentry_agents._chunks import _GOOGLE_FIELDS, _GOOGLE_READ, _GOOGLE_USAGE
    from sentry_agents._messages import READ_NAMES
    from sentry_agents._models import RESPONSE_READ_NAMES

    tree = ast.parse((PACKAGE / "_chunks.py").read_text())
    readers = {"add", "add_text", "_chat_text", "_openai_fields", "_openai_choices"}
    readers |= {"_calls_fields", "_google_fields", "_google_candidates", "_google_call"}
    read: set[str] = set()
    unnamed: list[str] = []
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef) and function.name in readers:
            names, more = names_read_from_dicts(function)
            read |= names
            unnamed += more
            read |= {  # what ``_with_held(value, name)`` reads
                node.args[1].value
                for node in ast.walk(function)
                if isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "_with_held"
                and isinstance(node.args[1], ast.Constant)
            }
    # A name given as a variable comes from a tuple of names checked here.
    assert sorted(unnamed) == ["get(name)"] * 2 + ["usage.get(name)"], unnamed
    read |= {*_GOOGLE_FIELDS, *_GOOGLE_READ, *_GOOGLE_USAGE}
    assert {"choices", "delta", "index", "tool_calls", "function", "usage"} <= read
    assert {"candidates", "parts", "function_call", "args", "usage_metadata"} <= read
    assert read <= READ_NAMES | RESPONSE_READ_NAMES, read - READ_NAMES - RESPONSE_READ_NAMES
