"""The workflow stays lint-clean: Snakemake's own linter, snakefmt and ruff (as `make lint`)."""

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def run(*command, cwd):
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def test_snakemake_lint_is_clean(repo):
    result = run(str(BIN / "snakemake"), "--lint", cwd=repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "good condition" in result.stdout + result.stderr


def test_snakefmt_and_ruff_are_clean(repo):
    snakefmt = run(str(BIN / "snakefmt"), "--check", "Snakefile", "workflow/rules", cwd=repo)
    assert snakefmt.returncode == 0, snakefmt.stderr
    ruff = run(str(BIN / "ruff"), "check", "workflow", "tests", "benchmarks", cwd=repo)
    assert ruff.returncode == 0, ruff.stdout
