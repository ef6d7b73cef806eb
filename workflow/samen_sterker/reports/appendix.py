"""The appendix both reports end with: methods and references, data quality per export,
and provenance (SHA-256s, code and package versions).

Statistical terms belong here, not before the appendix; the municipal report adds its
technical details (samen_sterker.reports.technical_appendix) to the methods.
"""

from __future__ import annotations

import pandas as pd

from samen_sterker.reports import blocks
from samen_sterker.reports import formatting as fmt
from samen_sterker.reports.context import ReportContext
from samen_sterker.reports.technical_appendix import technical_details


def methods_appendix(ctx: ReportContext) -> str:
    """Methods in brief, with the references."""
    t = ctx.t
    thresholds = ctx.stats["thresholds"]
    municipal = ctx.stats.get("kind") != "overview"
    items = [
        t("method_design"),
        # Only the municipal report shows a margin around each timepoint's mean (Table 2).
        *([t("method_descriptives")] if municipal else []),
        t("method_paired"),
        t("method_effect_size"),
        t("method_mixed"),
        t("method_reliable"),
        t(
            "disclosure_rule",
            min_respondents=thresholds["min_respondents"],
            min_couples=thresholds["min_couples"],
        ),
    ]
    references = [
        t("reference_hawkins"),
        t("reference_conradi"),
        t("reference_jacobson"),
        t("reference_korn_graubard"),
        t("reference_lakens"),
        t("reference_funk_rogge"),
        t("reference_nji"),
        t("reference_barnett"),
        # Every report shows the completers' change with its couple-aware margin.
        t("reference_bell_mccaffrey"),
    ]
    return (
        blocks.heading(t("appendix_heading"), 2, needs_room=True)
        + blocks.heading(t("methods_heading"), 3)
        + blocks.bullets(items)
        # The municipal report's checks; the overview shows its own in overview.appendix.
        + (technical_details(ctx) if municipal else "")
        + blocks.heading(t("references_heading"), 3)
        + blocks.bullets(references, "references")
    )


def _exports_by_municipality(ctx: ReportContext) -> dict[str, set[str]]:
    """Export id → CBS codes of the municipalities it holds kept responses of (this year)."""
    quality = ctx.data_quality
    if quality is None or "municipality_codes" not in quality.columns:
        return {}
    return {
        row["export_id"]: set(filter(None, row["municipality_codes"].split("|")))
        for row in quality.to_dict("records")
    }


def report_exports(ctx: ReportContext) -> list[str]:
    """Export ids behind this report: the year's exports, or those of its municipality."""
    exports = _exports_by_municipality(ctx)
    if ctx.stats.get("kind") == "overview":
        return sorted(exports)
    code = ctx.stats["municipality_code"]
    return sorted(export_id for export_id, codes in exports.items() if code in codes)


# A report lists its files one by one while the list fits one page's table; a longer list (a
# national year holds hundreds of exports) is summarised per kind of file and per reason, and
# the per-file figures stay in data_quality.csv, exclusions.csv and provenance.json.
FILES_LISTED_AT_MOST = blocks.ROWS_KEPT_ON_ONE_PAGE


def data_quality_appendix(
    ctx: ReportContext,
    *,
    show_counts: bool = True,
    hide_municipalities: set[str] | frozenset[str] = frozenset(),
) -> str:
    """Rows read, kept and excluded per export, and why (counts only, never values); per
    kind of export and per reason when there are more than FILES_LISTED_AT_MOST exports.

    Counts of exports from hide_municipalities (suppressed ones) are not shown.
    """
    t = ctx.t
    hidden_exports = {
        export_id
        for export_id, codes in _exports_by_municipality(ctx).items()
        if codes & set(hide_municipalities)
    }
    out = [blocks.heading(t("data_quality_heading"), 3)]
    quality = ctx.data_quality
    if quality is None or quality.empty:
        return "".join(out) + blocks.paragraph(t("data_quality_missing"))
    export_ids = report_exports(ctx)
    if export_ids:
        quality = quality[quality["export_id"].isin(export_ids)]
    listed = len(quality) <= FILES_LISTED_AT_MOST
    shown = quality["export_id"].map(
        lambda export_id: show_counts and export_id not in hidden_exports
    )
    out.append(
        _rows_per_export(ctx, quality, shown) if listed else _rows_per_kind(ctx, quality, shown)
    )
    if not show_counts:
        out.append(blocks.paragraph(t("data_quality_counts_hidden"), "note"))
        return "".join(out)
    exclusions = ctx.exclusions
    if exclusions is not None and not exclusions.empty:
        exclusions = exclusions[exclusions["export_id"].isin(quality.loc[shown, "export_id"])]
        if not exclusions.empty:
            out.append(_exclusion_reasons(ctx, exclusions, per_export=listed))
            return "".join(out)
    out.append(blocks.paragraph(t("exclusions_none")))
    return "".join(out)


ROW_COUNTS = ("rows_read", "rows_kept", "rows_excluded")


def _row_count_header(ctx: ReportContext, first: list[str]) -> list[str]:
    t = ctx.t
    return [*first, t("col_rows_read"), t("col_rows_kept"), t("col_rows_excluded")]


def _rows_per_export(ctx: ReportContext, quality: pd.DataFrame, shown: pd.Series) -> str:
    rows = []
    for record, show in zip(quality.to_dict("records"), shown, strict=True):
        counts = [ctx.count(int(record[c])) for c in ROW_COUNTS] if show else ["–"] * 3
        rows.append([record["export_id"], record.get("format", ""), *counts])
    rows.sort(key=lambda row: row[0])
    return blocks.table(
        _row_count_header(ctx, [ctx.t("col_export"), ctx.t("col_format")]),
        rows,
        caption=ctx.caption("table", ctx.t("data_quality_caption")),
        numeric_columns=[2, 3, 4],
        css_class="wide",
    )


def _rows_per_kind(ctx: ReportContext, quality: pd.DataFrame, shown: pd.Series) -> str:
    """Files and rows per kind of export, summed over the exports whose counts are shown."""
    t = ctx.t
    counted = quality.loc[shown, ["format", *ROW_COUNTS]]
    counted = counted.astype({c: int for c in ROW_COUNTS})
    per_kind = counted.groupby("format", sort=True).agg(
        files=("format", "size"), **{c: (c, "sum") for c in ROW_COUNTS}
    )
    rows = [
        [kind, ctx.count(int(row["files"])), *(ctx.count(int(row[c])) for c in ROW_COUNTS)]
        for kind, row in per_kind.iterrows()
    ]
    if len(per_kind) > 1:
        rows.append(
            [
                t("total"),
                ctx.count(len(counted)),
                *(ctx.count(int(counted[c].sum())) for c in ROW_COUNTS),
            ]
        )
    note = t("data_quality_per_file_elsewhere", files=ctx.count(len(quality)))
    not_counted = int((~shown).sum())
    if not_counted:
        note += " " + t("data_quality_files_not_counted", plural=not_counted,
                        files=ctx.count(not_counted))
    return blocks.table(
        _row_count_header(ctx, [t("col_format"), t("col_files")]),
        rows,
        caption=ctx.caption("table", t("data_quality_by_kind_caption")),
        numeric_columns=[1, 2, 3, 4],
        css_class="wide",
    ) + blocks.paragraph(note, "note")


def _exclusion_reasons(ctx: ReportContext, exclusions: pd.DataFrame, *, per_export: bool) -> str:
    """How many rows were not used, for which reason: per export, or over all exports."""
    t = ctx.t
    if per_export:
        grouped = exclusions.groupby(["export_id", "reason"]).size().reset_index(name="count")
        return blocks.table(
            [t("col_export"), t("col_reason"), t("col_count")],
            [
                [r["export_id"], ctx.reason_label(r["reason"]), ctx.count(int(r["count"]))]
                for r in grouped.to_dict("records")
            ],
            caption=ctx.caption("table", t("exclusions_caption")),
            numeric_columns=[2],
            css_class="wide",
        )
    grouped = exclusions.groupby("reason").size().reset_index(name="count")
    grouped = grouped.sort_values(["count", "reason"], ascending=[False, True])
    return blocks.table(
        [t("col_reason"), t("col_count")],
        [
            [ctx.reason_label(r["reason"]), ctx.count(int(r["count"]))]
            for r in grouped.to_dict("records")
        ],
        caption=ctx.caption("table", t("exclusions_by_reason_caption")),
        numeric_columns=[1],
        css_class="wide",
    )


def provenance_appendix(ctx: ReportContext, *, files: list[str] | None = None) -> str:
    """Input SHA-256s, config SHA-256, code version, Python and package versions."""
    t = ctx.t
    prov = ctx.provenance or {}
    out = [blocks.heading(t("provenance_heading"), 3), blocks.paragraph(t("provenance_intro"))]
    inputs = prov.get("inputs", {}) or {}
    if files is not None:
        inputs = {path: sha for path, sha in inputs.items() if path in set(files)}
    input_rows = [
        [path, sha if isinstance(sha, str) else str((sha or {}).get("sha256", ""))]
        for path, sha in sorted(inputs.items())
    ]
    if len(input_rows) > FILES_LISTED_AT_MOST:
        out.append(
            blocks.paragraph(
                t(
                    "provenance_inputs_elsewhere",
                    files=ctx.count(len(input_rows)),
                    sha256=ctx.provenance_sha256 or "–",
                )
            )
        )
    elif input_rows:
        out.append(
            blocks.table(
                [t("col_file"), "SHA-256"],
                input_rows,
                caption=ctx.caption("table", t("provenance_inputs_caption")),
                css_class="wide provenance",
            )
        )
    earlier = sorted(prov.get("earlier_years") or {})
    if earlier:
        out.append(
            blocks.paragraph(
                t(
                    "provenance_earlier_years",
                    years=", ".join(earlier),
                    sha256=ctx.provenance_sha256 or "–",
                )
            )
        )
    year = str(ctx.stats.get("year", ""))
    data_date = (prov.get("data_date_by_year") or {}).get(year) or prov.get("data_date")
    general = [
        [
            t("prov_data_date"),
            fmt.format_date(data_date, ctx.lang) if data_date else t("prov_data_date_unknown"),
        ],
        [t("prov_code_version"), str(prov.get("code_version", "–"))],
        [
            t("prov_code_fingerprints"),
            ", ".join(
                f"{stage} {value[:12]}"
                for stage, value in sorted((prov.get("code_fingerprints") or {}).items())
            )
            or "–",
        ],
        [t("prov_config"), str(prov.get("config_sha256", "–"))],
        ["Python", str(prov.get("python", "–"))],
    ]
    general += [
        [name, str(version)] for name, version in sorted((prov.get("packages") or {}).items())
    ]
    out.append(
        blocks.table(
            [t("col_item"), t("col_value")],
            general,
            caption=ctx.caption("table", t("provenance_software_caption")),
            css_class="wide provenance",
        )
    )
    return "".join(out)


def report_files(ctx: ReportContext) -> list[str] | None:
    """Raw file paths behind this report (for the provenance table), from data_quality.csv."""
    if ctx.data_quality is None or "municipality_codes" not in ctx.data_quality.columns:
        return None
    ids = set(report_exports(ctx))
    quality = ctx.data_quality
    return list(quality.loc[quality["export_id"].isin(ids), "file"])
