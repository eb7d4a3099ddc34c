"""The import direction drawn in docs/layout.md, read from the source files' import statements.

`functions.common`: the shared core (its top-level modules) -> subject packages, each importing only
lower-ranked ones -> the functions. `localcloud`: tls and loopback -> kvs -> aws -> alexa and
cameras -> the orchestration modules. Nothing in `functions` imports the local cloud, the stacks,
the benchmarks or the tests.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYOUT_DOC = ROOT / "docs" / "layout.md"

# Rank of each package; a module may import its own package and lower ranks only. "" is the
# shared core (top-level modules of functions/common).
COMMON_RANKS = {"": 0, "cells": 1, "registry": 1, "detections": 1, "kvs": 2, "alexa": 3, "bus": 4}
# In localcloud, the top-level modules are the orchestration (rank 5), but for two shared pieces.
LOCALCLOUD_RANKS = {"kvs": 1, "aws": 2, "alexa": 3, "cameras": 3}
LOCALCLOUD_SHARED = frozenset({"tls", "loopback"})
NEVER_IN_FUNCTIONS = ("localcloud", "infra", "bench", "tests", "app")
FUNCTION_RANK = 10
ORCHESTRATION_RANK = 5


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool) -> set[str]:
    """Every module an import statement names, at any depth (function bodies, TYPE_CHECKING)."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from package import module` names the module.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def project_imports(roots: Iterable[str] = ("functions", "localcloud")) -> dict[str, set[str]]:
    modules = {
        module_name(path): path
        for root in roots
        for path in (ROOT / root).rglob("*.py")
        if "node_modules" not in path.parts
    }
    return {
        name: imports_of(path.read_text(), name, path.name == "__init__.py") for name, path in modules.items()
    }


def place(module: str) -> tuple[str, str, int] | None:
    """(tree, group, rank) of a project module; None outside functions and localcloud."""
    parts = module.split(".")
    if module in ("functions", "functions.common", "localcloud"):
        return None  # `from <package> import <module>`: the module is checked, the package is empty
    if parts[0] == "functions":
        return _place_in_functions(parts)
    if parts[0] == "localcloud":
        if parts[1] in LOCALCLOUD_RANKS:
            return ("localcloud", parts[1], LOCALCLOUD_RANKS[parts[1]])
        if parts[1] in LOCALCLOUD_SHARED:
            return ("localcloud", "shared", 0)
        return ("localcloud", "orchestration", ORCHESTRATION_RANK)
    return None


def _place_in_functions(parts: list[str]) -> tuple[str, str, int]:
    if parts[1] != "common":
        return ("functions", parts[1], FUNCTION_RANK)
    is_package = len(parts) > 3 or (ROOT / "functions" / "common" / parts[2]).is_dir()
    group = parts[2] if is_package else ""
    return ("functions.common", group, COMMON_RANKS.get(group, -1))


def violations(graph: Mapping[str, Iterable[str]]) -> list[str]:
    found = []
    for importer, targets in graph.items():
        here = place(importer)
        if here is None:
            continue
        for target in sorted(targets):
            root = target.split(".")[0]
            if here[0].startswith("functions") and root in NEVER_IN_FUNCTIONS:
                found.append(f"{importer} imports {target}: functions never import {root}")
                continue
            there = place(target)
            if there is None:
                continue
            if here[0] == "functions.common" and there[0] == "functions":
                found.append(f"{importer} imports {target}: functions.common never imports a function")
            elif here[0] == there[0] != "functions" and here[1] != there[1] and there[2] >= here[2]:
                wrong = f"{here[1] or 'shared'} may not import {there[1] or 'shared'}"
                found.append(f"{importer} imports {target}: {wrong}")
    return found


def test_imports_run_one_way() -> None:
    assert violations(project_imports()) == []


@pytest.mark.parametrize(
    ("importer", "target"),
    [
        ("functions.common.registry.store", "functions.common.alexa.outbound"),
        ("functions.common.settings", "functions.common.cells.config"),
        ("functions.common.kvs.clients", "functions.common.alexa"),
        ("functions.common.alexa.grants", "functions.alexa_skill.tokens"),
        ("functions.alexa_skill.logic", "localcloud.aws.client"),
        ("functions.common.deadline", "infra.settings"),
        ("localcloud.kvs.models", "localcloud.aws.moto_server"),
        ("localcloud.aws.bootstrap", "localcloud.cloud"),
        ("localcloud.tls", "localcloud.cameras.media"),
    ],
)
def test_the_check_catches_an_import_the_wrong_way(importer: str, target: str) -> None:
    assert len(violations({importer: {target}})) == 1


def test_the_check_reads_imports_inside_functions_and_relative_ones() -> None:
    source = "from . import sibling\n\ndef f():\n    from localcloud.aws import client\n"
    found = imports_of(source, "functions.common.registry.store", is_package=False)
    assert {"functions.common.registry.sibling", "localcloud.aws.client"} <= found
    assert violations({"functions.common.registry.store": found})


def packages() -> list[Path]:
    return sorted(
        path.parent
        for tree in ("functions/common", "localcloud")
        for path in (ROOT / tree).rglob("__init__.py")
        if path.parent != ROOT / tree
    )


def test_every_subject_package_has_a_rank_and_says_what_it_may_import() -> None:
    for package in packages():
        relative = package.relative_to(ROOT)
        top = relative.parts[2] if relative.parts[0] == "functions" else relative.parts[1]
        assert top in (COMMON_RANKS if relative.parts[0] == "functions" else LOCALCLOUD_RANKS), relative
        if len(relative.parts) == (3 if relative.parts[0] == "functions" else 2):
            docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
            assert "May import:" in docstring, relative


def test_docs_layout_names_every_package() -> None:
    text = LAYOUT_DOC.read_text()
    missing = [str(p.relative_to(ROOT)) for p in packages() if f"{p.relative_to(ROOT)}/" not in text]
    assert missing == []
