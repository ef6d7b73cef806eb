"""Participation, attrition, and the publication cells of an outcome (respondents and couples
per timepoint; the rules are in samen_sterker.disclosure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from samen_sterker.disclosure.decide import publication_cell


def wide_scores(frame: pd.DataFrame, timepoints: Sequence[str]) -> pd.DataFrame:
    """One row per participant (couple_id, participant_id), one score column per timepoint."""
    duplicated = frame.duplicated(["participant_id", "timepoint"], keep=False)
    if duplicated.any():
        rows = ", ".join(str(i) for i in frame.index[duplicated][:20])
        raise ValueError(
            "measurements: more than one value for the same participant_id, timepoint and "
            f"outcome in rows {rows} (columns participant_id, timepoint, outcome)"
        )
    wide = frame.pivot(index=["couple_id", "participant_id"], columns="timepoint", values="value")
    wide = wide.reindex(columns=list(timepoints))
    wide.columns.name = None
    return wide.reset_index().sort_values(["couple_id", "participant_id"], ignore_index=True)


def _cell_of(wide: pd.DataFrame, mask: pd.Series, thresholds: Mapping[str, int]) -> dict:
    return publication_cell(int(mask.sum()), int(wide.loc[mask, "couple_id"].nunique()), thresholds)


def outcome_publication(
    wide: pd.DataFrame,
    timepoints: Sequence[str],
    baseline: str,
    course_end: str,
    thresholds: Mapping[str, int],
) -> dict:
    """Publication cells per timepoint and for the course change of one outcome."""
    by_timepoint = {tp: _cell_of(wide, wide[tp].notna(), thresholds) for tp in timepoints}
    course_change = _cell_of(wide, wide[baseline].notna() & wide[course_end].notna(), thresholds)
    reasons = [
        f"{scope}:{reason}"
        for scope, cell in (
            (baseline, by_timepoint[baseline]),
            (course_end, by_timepoint[course_end]),
            ("course_change", course_change),
        )
        for reason in cell["reasons"]
    ]
    return {
        "suppressed": bool(reasons),
        "reasons": reasons,
        "by_timepoint": by_timepoint,
        "course_change": course_change,
    }


def group_publication(
    frame: pd.DataFrame, timepoints: Sequence[str], primary: dict, thresholds: Mapping[str, int]
) -> dict:
    """Group-level publication: counts over any outcome per timepoint; verdict of the primary."""
    by_timepoint = {}
    for tp in timepoints:
        at_tp = frame[frame["timepoint"] == tp]
        by_timepoint[tp] = publication_cell(
            at_tp["participant_id"].nunique(), at_tp["couple_id"].nunique(), thresholds
        )
    return {
        "suppressed": primary["suppressed"],
        "reasons": list(primary["reasons"]),
        "by_timepoint": by_timepoint,
    }


def attrition_comparison(completers: np.ndarray, noncompleters: np.ndarray) -> dict:
    """Welch test of non-completers' baseline scores against completers'."""
    completers = np.asarray(completers, dtype=float)
    noncompleters = np.asarray(noncompleters, dtype=float)
    if completers.size < 2 or noncompleters.size < 2:
        return {
            "available": False,
            "reason": "fewer than 2 completers or fewer than 2 non-completers",
            "n_completers": int(completers.size),
            "n_noncompleters": int(noncompleters.size),
        }
    var_c = completers.var(ddof=1) / completers.size
    var_n = noncompleters.var(ddof=1) / noncompleters.size
    difference = noncompleters.mean() - completers.mean()
    se = np.sqrt(var_c + var_n)
    if se == 0:
        return {
            "available": False,
            "reason": "baseline scores have SD 0 in both groups",
            "n_completers": int(completers.size),
            "n_noncompleters": int(noncompleters.size),
        }
    df = (var_c + var_n) ** 2 / (
        var_c**2 / (completers.size - 1) + var_n**2 / (noncompleters.size - 1)
    )
    # Welch's t by hand: scipy's ttest_ind warns about precision when a group's scores are
    # all equal (an SD of 0 is valid here). Equal to R t.test(var.equal = FALSE) (tested).
    t_value = difference / se
    half_width = stats.t.ppf(0.975, df) * se
    return {
        "available": True,
        "n_completers": int(completers.size),
        "n_noncompleters": int(noncompleters.size),
        "mean_completers": float(completers.mean()),
        "mean_noncompleters": float(noncompleters.mean()),
        "difference": float(difference),
        "ci_low": float(difference - half_width),
        "ci_high": float(difference + half_width),
        "t": float(t_value),
        "df": float(df),
        "p_value": float(2 * stats.t.sf(abs(t_value), df)),
        "method": "Welch two-sample t-test of baseline scores (Welch-Satterthwaite df); "
        "partners treated as independent, descriptive check only",
    }


def participation(
    wide: pd.DataFrame, timepoints: Sequence[str], baseline: str, course_end: str
) -> dict:
    """Who took part in one outcome, who completed, and whether non-completers differed."""
    measured = wide[list(timepoints)].notna()
    any_measurement = measured.any(axis=1)
    persons = wide[any_measurement]
    partners_per_couple = persons.groupby("couple_id")["participant_id"].nunique()
    at_baseline = wide[baseline].notna()
    complete = at_baseline & wide[course_end].notna()
    n_baseline = int(at_baseline.sum())
    n_complete = int(complete.sum())
    response = n_complete / n_baseline if n_baseline else None
    return {
        "participants": int(any_measurement.sum()),
        "couples": int(partners_per_couple.size),
        "couples_both_partners": int((partners_per_couple >= 2).sum()),
        "couples_one_partner": int((partners_per_couple == 1).sum()),
        "measurements_per_timepoint": {tp: int(measured[tp].sum()) for tp in timepoints},
        "participants_at_baseline": n_baseline,
        "complete_pairs": n_complete,
        "complete_pair_couples": int(wide.loc[complete, "couple_id"].nunique()),
        "post_response_rate": response,
        "attrition_rate": None if response is None else 1 - response,
        "completers_vs_noncompleters": attrition_comparison(
            wide.loc[complete, baseline].to_numpy(),
            wide.loc[at_baseline & ~complete, baseline].to_numpy(),
        ),
    }
