"""What made the results: input checksums, config, code version and package versions.

Every report prints this in its appendix, so a figure in a PDF can be traced to the exact
exports, configuration and software that produced it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

# The packages whose versions decide each stage's results. The cleaning and statistics jobs
# take theirs as a param, so an upgrade reruns them; the provenance job takes them all, so an
# upgrade of a report package reruns the reports, which cite the provenance.
CLEANING_PACKAGES = (
    "pandas",
    "numpy",
    "pandera",
    "openpyxl",
    "pyreadstat",
    # The privacy guard's checks of identity numbers and phone numbers (cleaning/privacy).
    "python-stdnum",
    "phonenumbers",
    "jsonschema",
    "pyyaml",
)
NUMERIC_PACKAGES = (
    "numpy",
    "scipy",
    "highspy",
    "pandas",
    "statsmodels",
    "pingouin",
    # Sets the BLAS threads of the model fits (stats/mixed.py).
    "threadpoolctl",
)
REPORT_PACKAGES = (
    "pandas",
    "numpy",
    "matplotlib",
    # Every number and date in the reports' language, and every block of their HTML.
    "babel",
    "jinja2",
    "pyyaml",
    "papermill",
    "nbformat",
    "nbconvert",
    "ipykernel",
    "jupyter-client",
    "weasyprint",
    # WeasyPrint's PDF writer and font subsetter: the font machinery of every PDF (issue 14).
    "pydyf",
    "fonttools",
    # Measures the text of long tables for their column widths (reports/table_widths.py).
    "pillow",
)
REPORTED_PACKAGES = tuple(
    sorted(
        {"samen-sterker", "snakemake", *CLEANING_PACKAGES, *NUMERIC_PACKAGES, *REPORT_PACKAGES}
    )
)


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


# The fonts report.css and the figures (SVG text, samen_sterker.reports.figures) ask for,
# as fontconfig patterns. WeasyPrint finds them through fontconfig and embeds subsets.
REPORT_FONTS = {
    "DejaVu Sans": "DejaVu Sans",
    "DejaVu Sans Bold": "DejaVu Sans:weight=bold",
    "DejaVu Sans Mono": "DejaVu Sans Mono",
}


def report_fonts() -> dict[str, Any]:
    """The font file fontconfig gives WeasyPrint for each font the reports use, with its
    SHA-256 (a different file, or a fallback font, shows here), and fontconfig's version."""
    def fc_match(pattern: str) -> str | None:
        try:
            found = subprocess.run(["fc-match", "--format=%{file}", pattern],
                                   capture_output=True, text=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError):
            return None
        return found.stdout.strip() or None

    fonts: dict[str, Any] = {}
    for name, pattern in REPORT_FONTS.items():
        file = fc_match(pattern)
        fonts[name] = (
            {"file": file, "sha256": sha256_file(file)} if file and Path(file).is_file()
            else "not found (fc-match, from fontconfig, is missing or found no font)"
        )
    try:
        version = subprocess.run(["fc-match", "--version"], capture_output=True, text=True,
                                 timeout=30, check=False)
        fontconfig = (version.stdout + version.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        fontconfig = "unknown"
    return {"fontconfig": fontconfig, "fonts": fonts}


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


def read_data_quality(path: str | Path) -> list[dict[str, str]]:
    """The rows of results/clean/data_quality.csv as text (one dict per export)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def data_date(
    data_quality: Iterable[Mapping[str, str]], file: str = "results/clean/data_quality.csv"
) -> tuple[str | None, str]:
    """The date of the data: the latest `latest_response_date` over all exports, and why.

    Returns (ISO date or None, explanation). None when no export has a date (no mapping names
    a date_column); exports without one are named in the explanation, as they might be later.
    """
    rows = list(data_quality)
    if not rows:
        return None, f"{file} lists no exports"
    if "latest_response_date" not in rows[0]:
        return None, f"{file} has no latest_response_date column (cleaned by an older version)"
    dates: dict[str, dt.date] = {}
    undated = []
    for number, row in enumerate(rows, start=2):
        text = (row.get("latest_response_date") or "").strip()
        if not text:
            undated.append(row.get("export_id", f"row {number}"))
            continue
        try:
            dates[row.get("export_id", f"row {number}")] = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"{file}, row {number}, column 'latest_response_date': not an ISO date"
            ) from None
    if not dates:
        return None, (
            "no export has a completion date: give date_column and date_format in the mapping "
            f"of {sorted(undated)}"
        )
    latest = max(dates.values())
    reason = f"latest response date over {len(dates)} export(s) with a date_column ({file})"
    if undated:
        reason += f"; without a date (not counted): {sorted(undated)}"
    return latest.isoformat(), reason


def git_describe(directory: str | Path) -> str:
    """The git commit of `directory` ('-dirty' when files differ from it), read now."""
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            check=True,
            cwd=directory,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


def collect_provenance(
    manifest: Mapping[str, Any],
    config: Mapping[str, Any],
    code_version: str,
    data_quality: Iterable[Mapping[str, str]] | None = None,
    *,
    year: int | None = None,
    code_fingerprints: Mapping[str, str] | None = None,
    packages: Mapping[str, str] | None = None,
    fonts: Mapping[str, Any] | None = None,
    python: str | None = None,
    earlier_manifests: Mapping[int, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The provenance record of one cohort year's results (results/provenance/{year}.json).

    manifest: that year's clean manifest (input checksums); config: the config slices that
    made the numbers; data_quality: the rows of its data_quality.csv, for the date of the
    data; code_fingerprints: SHA-256 of the package code of each stage (samen_sterker.plan),
    which is what decides whether the record, and the reports citing it, are current;
    packages, fonts and python as the job's params read them (else read now);
    earlier_manifests: the clean manifests of the earlier cohort years whose measurements the
    trend over years reads, so that their inputs are cited too.
    """
    date, reason = (
        data_date(data_quality) if data_quality is not None else (None, "no data quality table")
    )
    record = {
        "data_date": date,
        "data_date_source": reason,
        "inputs": manifest.get("inputs", manifest),
        "config_sha256": config_sha256(config),
        "config": dict(config),
        "code_version": code_version,
        "code_fingerprints": dict(code_fingerprints or {}),
        "earlier_years": {
            str(earlier): {
                "inputs": dict(earlier_manifest.get("inputs", {})),
                "cleaning_config_sha256": config_sha256(earlier_manifest.get("settings", {})),
            }
            for earlier, earlier_manifest in sorted((earlier_manifests or {}).items())
        },
        "python": python or platform.python_version(),
        "packages": dict(packages) if packages is not None else package_versions(),
        # Versions of WeasyPrint, pydyf and fonttools are in packages.
        "report_fonts": dict(fonts) if fonts is not None else report_fonts(),
        "synthetic_data": bool(
            config.get("synthetic_data", (config.get("analysis") or {}).get("synthetic_data"))
        ),
    }
    if year is not None:
        record["year"] = int(year)
    return record
