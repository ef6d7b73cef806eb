"""Shared test fixtures: paths of the repository and its demo configuration."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo() -> Path:
    """Root of the repository (where the Snakefile is)."""
    return REPO
