"""Build the sdist and wheel into dist/ and check them as a user would get them.

- ``python -m build`` (the wheel is built from the sdist, so the sdist is complete);
- ``twine check --strict`` on both (metadata and the README as PyPI renders it);
- the wheel holds ``sentry_agents/py.typed`` and no tests, caches or compiled files,
  and the sdist no caches or virtual environments;
- the wheel installed into a fresh virtual environment outside the checkout imports
  from there, its ``__version__`` equals the wheel's metadata version, and the
  quickstart, copied out of the checkout, runs with it.

Usage: ``python scripts/check_dist.py`` (``make dist`` runs it with the build tools).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
# Path parts that must not ship in the wheel (and, but for tests/, in the sdist).
UNWANTED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}
UNWANTED_SUFFIXES = (".pyc", ".pyo")
QUICKSTART_SAYS = ("invoke_agent Weather Agent", "Answer: Pack an umbrella")


def run(*args: object, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], check=True, text=True, **kwargs)


def fail(message: str) -> None:
    print(f"check_dist: {message}", file=sys.stderr)
    sys.exit(1)


def unwanted(names: list[str], *, tests_allowed: bool) -> list[str]:
    """The names that must not ship: caches, compiled files, environments, builds, and
    (unless ``tests_allowed``) tests."""
    return [name for name in names if _unwanted(name, tests_allowed)]


def _unwanted(name: str, tests_allowed: bool) -> bool:
    path = Path(name)
    parts = set(path.parts)
    if parts & UNWANTED_PARTS or name.endswith(UNWANTED_SUFFIXES):
        return True
    if parts & {".venv", "site", "dist", "build"} or any(p.startswith(".venv-") for p in parts):
        return True
    return not tests_allowed and ("tests" in parts or path.name.startswith("test_"))


def check_wheel(wheel: Path) -> str:
    """The wheel's contents; returns its metadata version."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = HeaderParser().parsestr(archive.read(metadata_name).decode("utf-8"))
    if "sentry_agents/py.typed" not in names:
        fail(f"{wheel.name} has no sentry_agents/py.typed")
    bad = unwanted(names, tests_allowed=False)
    if bad:
        fail(f"{wheel.name} holds what it must not: {bad}")
    outside = [n for n in names if not n.startswith(("sentry_agents/", "sentry_agents-"))]
    if outside:
        fail(f"{wheel.name} holds files outside the package: {outside}")
    print(f"check_dist: {wheel.name}: {len(names)} files, py.typed, no tests or caches")
    return str(metadata["Version"])


def check_sdist(sdist: Path) -> None:
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    bad = unwanted(names, tests_allowed=True)
    if bad:
        fail(f"{sdist.name} holds what it must not: {bad}")
    print(f"check_dist: {sdist.name}: {len(names)} files, no caches or environments")


def check_installed(wheel: Path, version: str) -> None:
    """Install the wheel where the checkout cannot be seen, import it, run the demo."""
    with tempfile.TemporaryDirectory(prefix="sentry-agents-dist-") as tmp:
        place = Path(tmp)
        venv = place / "venv"
        run(sys.executable, "-m", "venv", venv)
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SENTRY_DSN")}
        run(python, "-m", "pip", "install", "--quiet", wheel, env=env)
        probe = (
            "import importlib.metadata as m, sentry_agents as s; "
            "print(s.__version__); print(m.version('sentry-agents')); print(s.__file__)"
        )
        out = run(python, "-c", probe, cwd=place, env=env, capture_output=True).stdout.split()
        reported, installed, location = out
        if reported != version or installed != version:
            fail(f"__version__ {reported}, installed metadata {installed}, wheel {version}")
        if Path(location).resolve().is_relative_to(ROOT):
            fail(f"imported from the checkout ({location}), not from the installed wheel")
        print(f"check_dist: installed {version} imports from {Path(location).parent}")
        demo = place / "quickstart.py"
        shutil.copy(ROOT / "examples" / "quickstart.py", demo)
        result = run(python, demo, cwd=place, env=env, capture_output=True)
        missing = [line for line in QUICKSTART_SAYS if line not in result.stdout]
        if missing:
            fail(f"the quickstart did not print {missing}:\n{result.stdout}")
        print("check_dist: the quickstart runs with the installed wheel")


def main() -> None:
    shutil.rmtree(DIST, ignore_errors=True)
    run(sys.executable, "-m", "build", "--outdir", DIST, ROOT)
    wheels, sdists = sorted(DIST.glob("*.whl")), sorted(DIST.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        fail(f"expected one wheel and one sdist in dist/, found {wheels + sdists}")
    run(sys.executable, "-m", "twine", "check", "--strict", *wheels, *sdists)
    version = check_wheel(wheels[0])
    check_sdist(sdists[0])
    check_installed(wheels[0], version)
    print(f"check_dist: sentry-agents {version} is ready in dist/")


if __name__ == "__main__":
    main()
