"""A simulated cohort year with many municipalities that differ in level and course change.

Built on the package simulator (`samen_sterker.simulate`): its couple-level model generates the
participants, then every municipality gets its own level shift u0 ~ N(0, sd_level²) at both
timepoints and its own change shift u1 ~ N(0, sd_change²) after the course, so its true course
change is `course_effect + u1` (on the latent scale; with `round_ratings` the rating is then
rounded to whole points and clipped to 1-10 as the simulator does). Municipality sizes vary as
in the Netherlands: a few large, many of 5-30 couples. Used by the R fixtures of the year model,
`make validate` and the year-model benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from samen_sterker.simulate import (
    RATING,
    MunicipalitySpec,
    SimulationParameters,
    simulate_measurements,
)


def municipality_sizes(n_municipalities: int, rng: np.random.Generator) -> list[int]:
    """Couples per municipality: lognormal around 12, between 3 and 250."""
    sizes = np.exp(rng.normal(np.log(12), 0.8, size=n_municipalities))
    return [int(s) for s in np.clip(np.rint(sizes), 3, 250)]


# Shape of the gamma behind skewed municipal changes: skewness 2 / sqrt(shape) = 1.41.
SKEWED_SHAPE = 2.0


def _change_shifts(rng: np.random.Generator, distribution: str, sd: float, n: int) -> np.ndarray:
    """Municipal change shifts with mean 0 and SD `sd`: normal or a centred gamma."""
    if distribution == "normal":
        return rng.normal(0.0, sd, size=n)
    if distribution == "skewed":
        draws = rng.gamma(SKEWED_SHAPE, 1.0, size=n)
        return sd * (draws - SKEWED_SHAPE) / np.sqrt(SKEWED_SHAPE)
    raise ValueError(f"change_distribution: unknown {distribution!r} (normal or skewed)")


def simulate_municipal_year(
    n_municipalities: int,
    seed: int,
    sd_level: float = 0.5,
    sd_change: float = 0.4,
    course_effect: float = 1.5,
    couples: Sequence[int] | None = None,
    round_ratings: bool = False,
    year: int = 2024,
    sd_shared_change: float = 0.8,
    change_distribution: str = "normal",
    **simulation,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rating measurements (pre, post) and each municipality's true level and change.

    `couples` fixes the couples per municipality (else drawn by `municipality_sizes`);
    `sd_shared_change` is the simulator's change that partners share (issue 11).
    `change_distribution="skewed"` draws the municipal change shifts from a centred gamma
    (shape 2, skewness 1.41) with SD `sd_change`: data the year model's normal random effects
    did not generate. `simulation` goes to `SimulationParameters` (e.g. `mnar_post_slope`,
    `attrition`: dropout that depends on the participant's change).
    """
    rng = np.random.default_rng(seed)
    sizes = list(couples) if couples is not None else municipality_sizes(n_municipalities, rng)
    specs = tuple(
        MunicipalitySpec(
            code=f"GM{9000 + i:04d}",
            name=f"Testgemeente {i + 1}",
            couples=size,
            single_partner_couples=max(0, size // 10),
        )
        for i, size in enumerate(sizes)
    )
    params = SimulationParameters(
        municipalities=specs,
        years=(year,),
        timepoint_means={"pre": 5.0, "post": 5.0 + course_effect},
        round_ratings=False,
        sd_shared_change=sd_shared_change,
        **simulation,
    )
    data = simulate_measurements(params, seed)
    data = data[data["outcome"] == RATING].reset_index(drop=True)
    truth = pd.DataFrame(
        {
            "municipality_code": [s.code for s in specs],
            "couples": sizes,
            "level": rng.normal(0.0, sd_level, size=len(specs)),
            "change_shift": _change_shifts(rng, change_distribution, sd_change, len(specs)),
        }
    )
    truth["true_change"] = course_effect + truth["change_shift"]
    shift = data["municipality_code"].map(truth.set_index("municipality_code")["level"])
    change = data["municipality_code"].map(truth.set_index("municipality_code")["change_shift"])
    value = data["value"] + shift + change * (data["timepoint"] == "post")
    if round_ratings:
        value = np.clip(np.rint(value), 1, 10)
    data["value"] = value.astype(float)
    return data, truth
