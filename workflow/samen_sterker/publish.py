"""`make publish YEAR=2024`: the bundle a municipality's reports are sent and archived as.

The bundle holds the cohort year's PDFs (every language), their SHA-256 sums and the year's
provenance, as one reproducible tar.gz. It is only made from a clean git working tree, after
Snakemake has brought the year up to date, and only when the provenance names the code that
is checked out: a published report must be traceable to a commit that computed it.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

from samen_sterker.plan import stage_fingerprints
from samen_sterker.provenance import git_describe, sha256_file

PROFILE = "workflow/profiles/default"


class PublishError(RuntimeError):
    """The bundle cannot be made; the message says why and what to do."""


def working_tree_changes(project: Path) -> list[str]:
    """`git status --porcelain` lines (ignored files such as results/ are not listed)."""
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise PublishError(f"{project} is not a git working tree: {error}") from None
    return [line for line in status.splitlines() if line.strip()]


def bring_up_to_date(project: Path, year: int, cores: str = "all") -> None:
    """Run Snakemake for the year's checksums (and so for everything of that year)."""
    target = f"results/reports/{year}/SHA256SUMS"
    command = [
        sys.executable, "-m", "snakemake", "--cores", cores,
        "--workflow-profile", PROFILE, target,
    ]  # fmt: skip
    if subprocess.run(command, cwd=project, check=False).returncode != 0:
        raise PublishError(f"the pipeline did not finish for {year}: see the messages above")


def check_provenance(provenance: dict, project: Path) -> None:
    """The year's numbers and documents were made by the code checked out now."""
    recorded = provenance.get("code_fingerprints") or {}
    current = stage_fingerprints(project)
    stale = sorted(stage for stage, value in current.items() if recorded.get(stage) != value)
    if stale:
        raise PublishError(
            f"the provenance of {provenance.get('year')} does not name the checked-out code "
            f"for stage(s) {stale}; run `make` and publish again"
        )


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes, mtime: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), mtime, 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    archive.addfile(info, io.BytesIO(data))


def write_bundle(project: Path, year: int, commit: str) -> Path:
    """results/publication/samen-sterker-{year}.tar.gz: same inputs, same bytes."""
    reports = project / "results" / "reports" / str(year)
    provenance_path = project / "results" / "provenance" / f"{year}.json"
    sums = (reports / "SHA256SUMS").read_text(encoding="utf-8")
    pairs = (line.split("  ", 1) for line in sums.splitlines() if line.strip())
    listed = {name: digest for digest, name in pairs}  # PDF name → its SHA-256
    pdfs = list(listed)
    for name in pdfs:  # what is shipped is what the checksums say
        if sha256_file(reports / name) != listed[name]:
            raise PublishError(f"{reports / name} differs from its SHA256SUMS line; run `make`")
    provenance = json.loads(provenance_path.read_text(encoding="utf-8"))
    mtime = 0  # fixed, so the bundle's bytes depend on its contents only
    folder = f"samen-sterker-{year}"
    readme = (
        f"Samen Sterker evaluation reports, cohort year {year}.\n"
        f"Made from git commit {commit}; date of the data {provenance.get('data_date')}.\n"
        "Check the PDFs with: sha256sum -c SHA256SUMS\n"
        "provenance.json lists the input checksums, config, code and package versions.\n"
    )
    target = project / "results" / "publication" / f"{folder}.tar.gz"
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        _add_bytes(archive, f"{folder}/README.txt", readme.encode("utf-8"), mtime)
        _add_bytes(archive, f"{folder}/SHA256SUMS", sums.encode("utf-8"), mtime)
        _add_bytes(archive, f"{folder}/provenance.json", provenance_path.read_bytes(), mtime)
        for name in sorted(pdfs):
            _add_bytes(archive, f"{folder}/{name}", (reports / name).read_bytes(), mtime)
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as stream:
        stream.write(buffer.getvalue())
    partial.replace(target)
    return target


def publish(project: Path, year: int, *, cores: str = "all") -> Path:
    """Check, bring up to date and bundle one cohort year; returns the bundle's path."""
    changes = working_tree_changes(project)
    if changes:
        shown = "\n".join(f"  {line}" for line in changes[:20])
        raise PublishError(
            "the working tree has uncommitted changes; a published report must come from a "
            f"commit. Commit or stash them, then publish again:\n{shown}"
        )
    bring_up_to_date(project, year, cores)
    provenance = json.loads(
        (project / "results" / "provenance" / f"{year}.json").read_text(encoding="utf-8")
    )
    check_provenance(provenance, project)
    return write_bundle(project, year, git_describe(project))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("year", type=int, help="cohort year, e.g. 2024")
    parser.add_argument("--cores", default="all")
    parser.add_argument("--project", type=Path, default=Path.cwd())
    args = parser.parse_args(argv)
    try:
        bundle = publish(args.project.resolve(), args.year, cores=args.cores)
    except PublishError as error:
        print(f"make publish: {error}", file=sys.stderr)
        return 1
    print(f"Publication bundle: {bundle.relative_to(args.project.resolve())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
