"""A reader of the repository finds everything the README and docs/ cite: every relative link
(file and #anchor) resolves inside the repository, every path named in backticks exists, and
nothing points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Links and images: [text](target) with an optional #anchor; external ones carry a scheme.
LINK = re.compile(r"\]\(([^)\s]*)\)")
TOP = "functions|localcloud|infra|tests|bench|docs|toolchain|\\.ci"
# This repository's paths in backticks (moto's are its own), always from the repository's root.
NAMED = re.compile(rf"(?<!moto's )`((?:{TOP})/[\w./-]*\w)")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)
IGNORED = set((ROOT / ".gitignore").read_text().split())
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def built(path: str) -> bool:
    """A folder `make` creates, ignored by git (e.g. toolchain/node_modules after `npm ci`)."""
    return any(part + "/" in IGNORED for part in Path(path).parts)


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to
    hyphens, a repeated one suffixed -1, -2, ..."""
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(doc: Path) -> list[tuple[Path, str]]:
    """Each relative link of `doc` as (the file it names, its anchor or '')."""
    text = FENCE.sub("", doc.read_text())
    out = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue
        path, _, anchor = target.partition("#")
        out.append(((doc.parent / path).resolve() if path else doc, anchor))
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_link_resolves_inside_the_repository(doc: Path) -> None:
    dead = []
    for target, anchor in links(doc):
        if not target.is_relative_to(ROOT):
            dead.append(f"{target} is outside the repository")
        elif not target.exists():
            dead.append(f"{target.relative_to(ROOT)} does not exist")
        elif anchor and anchor not in anchors(target.read_text()):
            dead.append(f"{target.relative_to(ROOT)}#{anchor} names no heading")
    assert dead == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_path_named_is_in_the_repository(doc: Path) -> None:
    named = set(NAMED.findall(doc.read_text()))
    assert sorted(path for path in named if not (ROOT / path).exists() and not built(path)) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: str(d.relative_to(ROOT)))
def test_nothing_outside_the_repository_is_cited(doc: Path) -> None:
    text = doc.read_text()
    assert "../shared" not in text
    assert "DESIGN.md" not in text


def test_the_docs_exist_and_the_readme_is_a_front_page() -> None:
    names = {doc.name for doc in DOCS}
    assert {"architecture.md", "configuration.md", "deploying.md", "local-cloud.md", "security.md"} <= names
    assert {"benchmarks.md", "runbook.md", "functions.md"} <= names
    assert len((ROOT / "README.md").read_text().splitlines()) < 250
    assert {"docs/local-cloud.png"} <= {str(t.relative_to(ROOT)) for d in DOCS for t, _ in links(d)}


def test_anchors_follow_githubs_rule() -> None:
    page = (
        "# Alexa skill (`functions/alexa_skill/handler.py: handler`)\n## Cells\n### Cells\n```\n# not\n```\n"
    )
    assert anchors(page) == {"alexa-skill-functionsalexa_skillhandlerpy-handler", "cells", "cells-1"}
