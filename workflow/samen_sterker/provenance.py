"""What made the results: input checksums, config, code version and package versions.

Every report prints this in its appendix, so a figure in a PDF can be traced to the exact
exports, configuration and software that produced it.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

# The packages whose versions decide the numbers and the documents.
REPORTED_PACKAGES = (
    "samen-sterker", "snakemake", "pandas", "numpy", "scipy", "statsmodels", "pingouin",
    "pandera", "matplotlib", "papermill", "nbconvert", "weasyprint", "pyreadstat", "openpyxl",
)


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def config_sha256(config: Mapping[str, Any]) -> str:
    """SHA-256 of the effective config (schema defaults included), key order independent."""
    canonical = json.dumps(config, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def package_versions(names: Iterable[str] = REPORTED_PACKAGES) -> dict[str, str]:
    """Installed version of each named distribution ('not installed' when absent)."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def collect_provenance(manifest: Mapping[str, Any], config: Mapping[str, Any],
                       code_version: str) -> dict[str, Any]:
    """The provenance record of one pipeline run (results/provenance.json)."""
    return {
        "inputs": manifest.get("inputs", manifest),
        "config_sha256": config_sha256(config),
        "config": dict(config),
        "code_version": code_version,
        "python": platform.python_version(),
        "packages": package_versions(),
        "synthetic_data": bool(config.get("synthetic_data", False)),
    }
