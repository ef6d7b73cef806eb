"""Cut a group's statistics down to what the year's decisions publish (results/stats/).

A withheld statistic loses every number (mean, median, quartiles, SD, CI, test), a withheld
Wilcoxon test of the course change its V, p, n_nonzero and n_zeros, a timepoint beside a
clinical count not shown exactly its median and quartiles; a protected
count that is not shown exactly loses its count, share and CI and gets its decision instead
(`disclosure`: how, low, high, reason), which is all a report renders. A share and its CI
are shown only where both its count and the number it is a share of are.
"""

from __future__ import annotations

from collections.abc import Mapping

from samen_sterker.disclosure.decide import CLINICAL, RELIABLE, cell_id

KEEP = ("label", "scale_min", "scale_max", "primary", "higher_is_better", "publication")


def withheld(reasons: list[str], **extra: object) -> dict:
    """An analysis whose numbers are not published."""
    return {"available": False, "withheld": True,
            "reason": "withheld: " + ", ".join(reasons), **extra}


def cell_decision(decisions: Mapping, group: str, outcome: str, quantity: str) -> dict:
    """The decision of one count cell (exact when the year's decisions do not name it)."""
    return dict(decisions["cells"].get(cell_id(group, outcome, quantity), {"how": "exact"}))


def _shares(block: dict, decisions: Mapping, group: str, outcome: str, prefix: str,
            categories: tuple[str, ...]) -> None:
    for category in categories:
        decision = cell_decision(decisions, group, outcome, f"{prefix}:{category}")
        share = block[category]
        share["disclosure"] = decision
        if decision["how"] != "exact":
            share.update(count=None, share=None, ci_low=None, ci_high=None)


def _paired_set(paired: dict, scopes: Mapping[str, list[str]]) -> dict:
    out = dict(paired)
    for name in ("course", "waiting_period", "course_vs_waiting"):
        reasons = scopes.get(f"change:{name}")
        if reasons and paired[name].get("available"):
            out[name] = withheld(reasons)
    # The course change's rank test bounds how many went up or down (decide.py,
    # `_rank_test_reasons`); so does the course-minus-waiting test with the waiting period's
    # (a person whose two changes are not down did not go down over the course).
    ranks = scopes.get("wilcoxon:course")
    for name in ("course", "course_vs_waiting"):
        if ranks and out[name].get("available"):
            out[name] = {**out[name], "wilcoxon": withheld(ranks)}
    out["follow_up"] = {
        tp: withheld(scopes[f"change:follow_up:{tp}"])
        if scopes.get(f"change:follow_up:{tp}") else result
        for tp, result in paired["follow_up"].items()
    }
    return out


def _timepoint_row(row: Mapping, scopes: Mapping[str, list[str]], timepoint: str) -> dict:
    """A timepoint's descriptives as published: n only when withheld; without median and
    quartiles beside a clinical count not shown exactly (decide.py, `_quantile_reasons`)."""
    if scopes.get(f"descriptives:{timepoint}"):
        return {"n": row["n"], "withheld": True}
    quantiles = scopes.get(f"quantiles:{timepoint}")
    if quantiles:
        return {**row, "median": None, "q1": None, "q3": None,
                "quantiles_withheld": "withheld: " + ", ".join(quantiles)}
    return dict(row)


def publishable_outcome(block: Mapping, decisions: Mapping, group: str, outcome: str) -> dict:
    """One outcome's statistics of a group as they may be published."""
    scopes = decisions["statistics"][group][outcome]
    out = {key: block[key] for key in KEEP if key in block}
    if block["publication"]["suppressed"]:
        return out | {"withheld": True}
    out["participation"] = dict(block["participation"])
    attrition = scopes.get("attrition_comparison")
    if attrition:
        counts = block["participation"]["completers_vs_noncompleters"]
        out["participation"]["completers_vs_noncompleters"] = withheld(
            attrition, n_completers=counts["n_completers"],
            n_noncompleters=counts["n_noncompleters"])
    out["descriptives"] = {
        tp: _timepoint_row(row, scopes, tp) for tp, row in block["descriptives"].items()
    }
    out["paired"] = _paired_set(block["paired"], scopes)
    out["couple_means"] = _paired_set(block["couple_means"], scopes)
    reliable = block["reliable_change"]
    if reliable.get("available"):
        if scopes["reliable_change"]:
            reliable = withheld(scopes["reliable_change"])
        else:
            reliable = {**reliable, **{c: dict(reliable[c]) for c in RELIABLE}}
            _shares(reliable, decisions, group, outcome, "rc", RELIABLE)
            sensitivity = []
            for row in reliable["sensitivity"]:
                row = {**row, **{c: dict(row[c]) for c in RELIABLE}}
                _shares(row, decisions, group, outcome, f"rc@{row['reliability']}", RELIABLE)
                sensitivity.append(row)
            reliable["sensitivity"] = sensitivity
    out["reliable_change"] = reliable
    clinical = block["clinical_change"]
    if clinical.get("available"):
        if scopes["clinical_change"]:
            clinical = withheld(scopes["clinical_change"], cutoff=clinical["cutoff"])
        else:
            clinical = {**clinical, **{c: dict(clinical[c]) for c in CLINICAL}}
            _shares(clinical, decisions, group, outcome, "cl", CLINICAL)
            for side in ("dysfunctional", "functional"):
                decision = cell_decision(decisions, group, outcome, f"cl:{side}")
                clinical[f"n_started_{side}_disclosure"] = decision
                if decision["how"] != "exact":
                    clinical[f"n_started_{side}"] = None
            if clinical["n_started_dysfunctional"] is None:
                # The classes' n is that count: not shown either, nor their shares and
                # intervals, which give it back beside an exact count (73% of 11 is 15).
                for category in CLINICAL:
                    clinical[category].update(n=None, share=None, ci_low=None, ci_high=None)
    out["clinical_change"] = clinical
    for name in ("mixed_model", "course_model", "headline_change", "pooled_model"):
        if name not in block:
            continue
        model = block[name]
        if scopes.get(name) and model.get("available"):
            model = withheld(scopes[name])
        elif model.get("available") and "contrasts" in model:
            model = dict(model)
            model["contrasts"] = {
                tp: withheld(scopes[f"descriptives:{tp}"])
                if scopes.get(f"descriptives:{tp}") else contrast
                for tp, contrast in model["contrasts"].items()
            }
        out[name] = model
    # Figures derived from a withheld statistic are withheld with it: the tipping point from
    # the headline interval, regression to the mean from the means of its timepoints.
    if "attrition_tipping_point" in block and scopes.get("headline_change"):
        out["attrition_tipping_point"] = withheld(scopes["headline_change"])
    timepoint_scopes = [v for k, v in scopes.items() if k.startswith("descriptives:") and v]
    if "regression_to_the_mean" in block and timepoint_scopes:
        out["regression_to_the_mean"] = withheld(timepoint_scopes[0])
    for key in block:
        if key not in out and key not in ("comparison", "funnel"):
            out[key] = block[key]
    return out


def hidden_outcome(block: Mapping) -> dict:
    """An outcome of a group in no publication: labels only, no numbers at all."""
    out = {key: block[key] for key in KEEP if key in block and key != "publication"}
    return out | {"withheld": True}
