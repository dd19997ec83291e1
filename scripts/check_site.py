"""Check that the built documentation site opens offline: no page, stylesheet or script
loads anything from another host at view time (fonts, CDN scripts, images).

Usage: ``python scripts/check_site.py site`` (``make docs`` runs it after the build).
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

# Attributes that make a browser fetch something when the page is shown. Plain links
# (<a href>) are only followed when clicked, so they may point anywhere.
_FETCHED = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}
_REMOTE = re.compile(r"^\s*(https?:)?//", re.I)
_CSS_REMOTE = re.compile(r"(@import\s+(url\()?|url\()\s*['\"]?\s*(https?:)?//", re.I)


class _Fetches(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") in ("canonical", "alternate"):
            return  # metadata, never fetched
        for name in _FETCHED.get(tag, ()):
            value = values.get(name) or ""
            if _REMOTE.match(value):
                self.remote.append(f"<{tag} {name}={value!r}>")


def remote_fetches(site: Path) -> list[str]:
    problems = []
    for page in sorted(site.rglob("*.html")):
        parser = _Fetches()
        parser.feed(page.read_text(encoding="utf-8"))
        problems += [f"{page.relative_to(site)}: {item}" for item in parser.remote]
    for sheet in sorted(site.rglob("*.css")):
        for match in _CSS_REMOTE.finditer(sheet.read_text(encoding="utf-8")):
            problems.append(f"{sheet.relative_to(site)}: {match.group(0)}")
    return problems


def main() -> int:
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "site")
    if not (site / "index.html").is_file():
        print(f"check_site: no {site}/index.html; build the site first", file=sys.stderr)
        return 1
    problems = remote_fetches(site)
    for problem in problems:
        print(f"check_site: fetched from another host: {problem}", file=sys.stderr)
    if problems:
        return 1
    pages = len(list(site.rglob("*.html")))
    print(f"check_site: {pages} pages in {site}/ load nothing from other hosts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
