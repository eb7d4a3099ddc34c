"""A reader of the repository finds everything the README cites in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# Links and images to local files, and this repository's paths in backticks (moto's are its own).
LINKED = re.compile(r"\]\(([^)#:]+)\)")
TOP = "functions|localcloud|infra|tests|bench|docs|toolchain|\\.ci"
NAMED = re.compile(rf"(?<!moto's )`((?:{TOP})/[\w./-]*\w)")


def test_every_file_the_readme_cites_is_in_the_repository() -> None:
    cited = {*LINKED.findall(README), *NAMED.findall(README)}
    assert cited
    assert sorted(path for path in cited if not (ROOT / path).exists()) == []


def test_the_readme_cites_nothing_outside_the_repository() -> None:
    assert "../" not in README
    assert "DESIGN.md" not in README
