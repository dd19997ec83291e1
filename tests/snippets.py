"""Extract the Python snippets of a Markdown page and run them, as ``tests/test_docs.py`` does.

The convention (docs/contributing.md says the same for writers):

- A block fenced as ``python`` (or ``py``, ``python3``) runs. Any other fence does not:
  ``pycon`` for an interactive session, ``text`` for a fragment or an output, ``sh`` for
  commands. There is no other way to skip a block.
- The blocks of one page run in order, in one namespace (``__name__ == "__main__"``), in a
  fresh Python process per page: a block may use the names an earlier block on the same
  page defined, as a reader who runs the page top to bottom would.
- A page runs offline, as the examples do: no ``SENTRY_DSN`` or provider keys in its
  environment, and any connection to a host other than this machine is refused (and fails
  the page). Snippets initialise sentry-sdk without a DSN, with
  ``sentry_agents.console.ConsoleTransport()``, or through ``sentry_agents.testing``, and
  define the tiny fakes they need (a response as the dict a provider returns, say).
- sentry-sdk's auto-enabling integrations are off unless a snippet passes
  ``auto_enabling_integrations=True``: the test environment has every AI SDK installed,
  and importing them all would take most of each page's time. Nothing else of
  ``sentry_sdk.init`` changes.
- Snippets run on every Python and sentry-sdk the project supports (``make matrix``):
  Python 3.9 syntax, and nothing that only one sentry-sdk major version has.
- When a block fails, the test names the file and the block's first line, and the
  traceback shows the failing line of the Markdown file itself.

Run one page by hand: ``python tests/snippets.py docs/streaming.md``.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
import traceback
from pathlib import Path
from typing import Any, NamedTuple

RUNNABLE = frozenset({"python", "py", "python3"})
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")


class Snippet(NamedTuple):
    path: Path
    line: int  # the 1-based line of the block's first line of code
    code: str


def language(info: str) -> str:
    """The language of a fence's info string: ``python`` for ``python title="x"`` or
    ``{.python .extra}``."""
    first = info.strip().split(maxsplit=1)[0] if info.strip() else ""
    return first.lstrip("{").lstrip(".").rstrip("}").lower()


def extract(path: Path) -> list[Snippet]:
    """The runnable blocks of a Markdown page, in order (indented blocks dedented)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    snippets = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
                break
            margin = lines[j][:indent]
            body.append(lines[j][indent:] if not margin.strip() else lines[j].lstrip())
            j += 1
        if language(opening["info"]) in RUNNABLE:
            snippets.append(Snippet(path, i + 2, "\n".join(body) + "\n"))
        i = j + 1
    return snippets


def _is_local(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).split("%", 1)[0]
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def stay_offline(refused: list[str]) -> None:
    """Refuse (and note) every name lookup or connection beyond this machine."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_local(host):
            refused.append(str(host))
            raise socket.gaierror(f"snippets run offline: {host} refused")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            refused.append(str(address[0]))
            raise OSError(f"snippets run offline: {address[0]} refused")
        real_connect(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign]


def no_auto_enabled_integrations() -> None:
    """``sentry_sdk.init`` with ``auto_enabling_integrations=False`` unless given."""
    import sentry_sdk

    init = sentry_sdk.init

    def init_without_auto_enabling(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("auto_enabling_integrations", False)
        return init(*args, **kwargs)

    sentry_sdk.init = init_without_auto_enabling  # type: ignore[assignment]


def run_page(path: Path) -> int:
    """Run a page's blocks in order in one namespace; 0 when all ran, else 1."""
    refused: list[str] = []
    stay_offline(refused)
    no_auto_enabled_integrations()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    for snippet in extract(path):
        # Blank lines in front keep the Markdown file's line numbers in tracebacks.
        source = "\n" * (snippet.line - 1) + snippet.code
        try:
            exec(compile(source, str(path), "exec"), namespace)
        except BaseException:
            traceback.print_exc()
            print(f"\n{path}:{snippet.line}: this snippet failed (above)", file=sys.stderr)
            return 1
    if "sentry_sdk" in sys.modules:
        sys.modules["sentry_sdk"].flush()
    if refused:
        hosts = ", ".join(sorted(set(refused)))
        print(f"\n{path}: a snippet reached for {hosts}; snippets run offline", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run_page(Path(sys.argv[1])))
