"""The documentation: every Python snippet in README.md and docs/*.md runs (the convention
is in ``tests/snippets.py``), and the API reference covers every public name, each with a
docstring that renders as Markdown."""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import sentry_agents
from sentry_agents import console, testing
from snippets import extract

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(sentry_agents.__file__).resolve().parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
RUNNER = Path(__file__).with_name("snippets.py")
REFERENCE = ROOT / "docs" / "reference.md"
PUBLIC_MODULES = {
    "sentry_agents": sentry_agents,
    "sentry_agents.testing": testing,
    "sentry_agents.console": console,
}
OFFLINE_ENV = {
    k: v
    for k, v in os.environ.items()
    if k
    not in ("SENTRY_DSN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
}


def run_page(page: Path) -> subprocess.CompletedProcess[str]:
    shown = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
    return subprocess.run(
        [sys.executable, str(RUNNER), str(shown)],
        capture_output=True,
        text=True,
        timeout=300,
        env=OFFLINE_ENV,
        cwd=ROOT,
    )


# --- snippets --------------------------------------------------------------------------


def test_readme_and_docs_have_snippets():
    assert extract(ROOT / "README.md"), "the README's quick start is a python block"
    assert len([p for p in PAGES if extract(p)]) >= 8


@pytest.mark.parametrize(
    "page", [p for p in PAGES if extract(p)], ids=lambda p: str(p.relative_to(ROOT))
)
def test_snippets_run(page):
    result = run_page(page)
    assert result.returncode == 0, result.stderr[-8000:]


def test_a_broken_snippet_fails_with_its_file_and_line(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n"
        "\n"
        "```python\n"
        "answer = 42\n"
        "```\n"
        "\n"
        "```text\n"
        "raise SystemExit(3)  # a fragment: never run\n"
        "```\n"
        "\n"
        "```python\n"
        "assert answer == 42  # names carry over from earlier blocks\n"
        "raise RuntimeError('stale snippet')\n"
        "```\n"
    )
    result = run_page(page)
    assert result.returncode == 1
    assert f"{page}:12: this snippet failed" in result.stderr
    # The traceback points into the Markdown file, at the failing line.
    assert f'File "{page}", line 13' in result.stderr
    assert "raise RuntimeError('stale snippet')" in result.stderr


def test_a_snippet_that_reaches_the_network_fails(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\n"
        "import urllib.request\n"
        "try:\n"
        "    urllib.request.urlopen('http://example.com/', timeout=5)\n"
        "except OSError:\n"
        "    pass  # swallowed: the page still fails\n"
        "```\n"
    )
    result = run_page(page)
    assert result.returncode == 1
    assert "example.com; snippets run offline" in result.stderr


def test_indented_blocks_are_found_and_dedented(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('!!! note\n    ```python\n    x = 1\n    ```\n\n```py title="a"\ny = 2\n```\n')
    assert [(s.line, s.code) for s in extract(page)] == [(3, "x = 1\n"), (7, "y = 2\n")]


def test_the_readmes_relative_links_point_at_files():
    """The docs build checks the links of docs/; the README is not part of it."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if "://" not in t]
    assert local, "the README links into docs/"
    assert not [t for t in local if not (ROOT / t).exists()]


# --- the API reference -----------------------------------------------------------------


def documented_paths() -> list[str]:
    return re.findall(r"^::: ([\w.]+)\s*$", REFERENCE.read_text(encoding="utf-8"), re.M)


def resolve(path: str) -> Any:
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(path)


def public_names() -> list[tuple[str, Any]]:
    return [
        (f"{module_name}.{name}", getattr(module, name))
        for module_name, module in PUBLIC_MODULES.items()
        for name in module.__all__
    ]


def test_the_reference_lists_every_public_name():
    paths = documented_paths()
    objects = [resolve(p) for p in paths]
    missing = [
        path
        for path, obj in public_names()
        if path not in paths
        # a class or function re-exported by a second public module is documented once
        and not (is_code(obj) and any(o is obj for o in objects))
    ]
    assert not missing, f"add to docs/reference.md: {missing}"


def test_the_reference_lists_only_public_names():
    public = {path for path, _ in public_names()} | set(PUBLIC_MODULES)
    assert not [p for p in documented_paths() if p not in public]


def attribute_docstrings() -> dict[str, str]:
    """Module-level names documented by a string right after their assignment."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        for node, after in zip(body, body[1:]):
            if not isinstance(node, (ast.Assign, ast.AnnAssign)):
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                for target in targets:
                    if isinstance(target, ast.Name) and isinstance(after.value.value, str):
                        found[target.id] = after.value.value
    return found


def is_code(obj: Any) -> bool:
    """A class or function (a pytest fixture included), as opposed to a data attribute."""
    return inspect.isclass(obj) or inspect.isroutine(getattr(obj, "__wrapped__", obj))


def docstring(obj: Any) -> str | None:
    obj = getattr(obj, "__wrapped__", obj)  # a pytest fixture
    if inspect.isclass(obj):
        return vars(obj).get("__doc__")
    if isinstance(obj, (staticmethod, classmethod)):
        return obj.__func__.__doc__
    return obj.__doc__


def documented_objects() -> list[tuple[str, str | None]]:
    """Every public name and the public members of public classes, with their docstrings."""
    attributes = attribute_docstrings()
    out = [(name, module.__doc__) for name, module in PUBLIC_MODULES.items()]
    for path, obj in public_names():
        if is_code(obj):
            out.append((path, docstring(obj)))
        else:
            out.append((path, attributes.get(path.rsplit(".", 1)[1])))
        if not inspect.isclass(obj):
            continue
        for klass in obj.__mro__:
            if not klass.__module__.startswith("sentry_agents"):
                continue
            for name, member in vars(klass).items():
                if name.startswith("_"):
                    continue
                if callable(member) or isinstance(member, (property, staticmethod, classmethod)):
                    out.append((f"{path}.{name}", docstring(member)))
    return out


def test_every_public_name_has_a_docstring():
    assert not [path for path, doc in documented_objects() if not (doc and doc.strip())]


def test_docstrings_are_markdown_not_restructured_text():
    """The reference renders docstrings as Markdown: Sphinx roles and ``::`` blocks show
    up as literal punctuation there."""
    bad = [
        path
        for path, doc in documented_objects()
        if doc and (re.search(r":(class|func|meth|data|attr|mod|exc):`", doc) or "::\n" in doc)
    ]
    assert not bad
