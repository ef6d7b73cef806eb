"""The couple-aware 95% interval of a share of participants (docs/methods.md, "Reliable and
clinically significant change"): Korn & Graubard's (1998) beta interval with an effective
sample size, with couples as clusters, as R's `survey::svyciprop(method = "beta")` on
`svydesign(ids = ~couple_id)`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

CI_LEVEL = 0.95
CI_METHOD = (
    "Korn & Graubard (1998) beta interval with the effective sample size of couples as "
    "clusters (linearisation variance, df = couples - 1), as R survey::svyciprop(method = "
    "'beta'); effective sample size at most the number of people; one couple: 0 to 1"
)


def effective_sample_size(
    in_class: np.ndarray, couple_index: np.ndarray, level: float = CI_LEVEL
) -> float:
    """Korn & Graubard's df-adjusted effective sample size of the share of in_class.

    n_eff = p(1 - p) / Var(p), Var(p) the linearisation variance of the mean with couples as
    clusters, C/(C - 1) * sum_c (a_c - p m_c)^2 / n^2 for C couples, couple c having m_c
    people of whom a_c are in the class (survey's svymean with ids = ~couple). Then
    n_eff * (t_{n-1} / t_{C-1})^2 at alpha/2 (svyciprop's df adjustment).

    Where survey gives no number or more than n, n_eff is n before the df adjustment:
    Var(p) = 0 (p = 0 or 1, or every couple's share exactly p) makes p(1 - p) / Var(p) 0/0 or
    infinite, and a design effect below 1 (partners unlike each other) would make an interval
    narrower than n independent people's. Korn & Graubard truncate it there too.
    couple_index[i] is person i's couple numbered 0, 1, ... (at least two couples).
    """
    y = np.asarray(in_class, dtype=float)
    couples = int(couple_index.max()) + 1
    n = y.size
    p = float(y.mean())
    deviation_sums = np.bincount(couple_index, weights=y - p)
    variance = couples / (couples - 1) * float(np.sum(deviation_sums**2)) / n**2
    binomial_variance = p * (1 - p)
    effective = n if variance * n <= binomial_variance else binomial_variance / variance
    alpha = 1 - level
    # stdtrit(df, q) and betaincinv(a, b, q) are what scipy.stats' t.ppf and beta.ppf call, the
    # same numbers without the distribution objects' overhead (40 times faster; a year's
    # statistics compute about 16 shares per outcome and group).
    t_people = special.stdtrit(n - 1, alpha / 2)
    t_couples = special.stdtrit(couples - 1, alpha / 2)
    return float(effective * (t_people / t_couples) ** 2)


def couple_share_interval(
    in_class: np.ndarray, couple_ids: Sequence[str] | np.ndarray, level: float = CI_LEVEL
) -> tuple[float, float]:
    """(low, high) of the share of in_class (booleans, one per person, couple_ids[i] the
    couple of person i): Clopper-Pearson's beta quantiles at the effective sample size.

    With one couple the design has 0 degrees of freedom (survey stops: "only one primary
    sampling unit"); the interval is then 0 to 1, its limit as the df go to 0 (the effective
    sample size goes to 0): nothing is known about how couples differ. A share of 0 has lower
    limit 0 and a share of 1 upper limit 1, as Clopper-Pearson's (a beta quantile of shape 0).
    """
    in_class = np.asarray(in_class, dtype=bool)
    _, couple_index = np.unique(np.asarray(couple_ids), return_inverse=True)
    if couple_index.max() < 1:
        return 0.0, 1.0
    n_eff = effective_sample_size(in_class, couple_index, level)
    count, n = int(in_class.sum()), in_class.size
    inside, outside = n_eff * count / n, n_eff * (n - count) / n
    alpha = 1 - level
    low = 0.0 if count == 0 else float(special.betaincinv(inside, outside + 1, alpha / 2))
    high = 1.0 if count == n else float(special.betaincinv(inside + 1, outside, 1 - alpha / 2))
    return low, high
