"""cfn-lint, configured by the repository's .cfnlintrc, finds nothing in the synthesized templates
(what `make synth` checks too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.apps import CDK_JSON, build_app, example_context


def test_synthesized_templates_have_no_cfn_lint_errors(tmp_path_factory: pytest.TempPathFactory) -> None:
    outdir = tmp_path_factory.mktemp("cdk-lint")
    app, _ = build_app(example_context(), str(outdir))
    app.synth()
    templates = sorted(str(p) for p in Path(outdir).glob("assembly-*/*.template.json"))
    assert len(templates) == 2, templates  # the example stage's Stateful and Service stacks
    result = subprocess.run(  # noqa: S603 (fixed argv)
        [str(Path(sys.executable).with_name("cfn-lint")), *templates],
        capture_output=True,
        text=True,
        check=False,
        cwd=CDK_JSON.parent,  # the repository root, where cfn-lint reads .cfnlintrc
    )
    assert result.returncode == 0, result.stdout + result.stderr
