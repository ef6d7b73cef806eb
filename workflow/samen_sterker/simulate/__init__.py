"""Seeded simulator of Samen Sterker cohorts, and the writer of the synthetic demo exports.

`parameters` says what shapes a cohort (and holds the demo cohort's), `cohort` draws it (the
data-generating model is described there) and `demo_exports` writes the demo cohort as
Qualtrics exports. The same parameters and seed give the same cohort on every machine.
"""

from samen_sterker.simulate.cohort import (
    MAX_ENROLMENT_DRAWS,
    change_correlation,
    find_demo_seed,
    responses_to_measurements,
    simulate_measurements,
    simulate_responses,
)
from samen_sterker.simulate.demo_exports import (
    QUALTRICS_META,
    QUALTRICS_QUESTIONS,
    TIMEPOINT_FILE_LABELS,
    demo_truth,
    exports_sheet,
    municipalities_table,
    qualtrics_export,
    write_demo_cohort,
)
from samen_sterker.simulate.parameters import (
    CSI4,
    CSI4_ITEM_MAXIMA,
    DEMO_PARAMETERS,
    DEMO_SEED,
    RATING,
    MunicipalitySpec,
    SimulationParameters,
)

__all__ = [
    "CSI4",
    "CSI4_ITEM_MAXIMA",
    "DEMO_PARAMETERS",
    "DEMO_SEED",
    "MAX_ENROLMENT_DRAWS",
    "QUALTRICS_META",
    "QUALTRICS_QUESTIONS",
    "RATING",
    "TIMEPOINT_FILE_LABELS",
    "MunicipalitySpec",
    "SimulationParameters",
    "change_correlation",
    "demo_truth",
    "exports_sheet",
    "find_demo_seed",
    "municipalities_table",
    "qualtrics_export",
    "responses_to_measurements",
    "simulate_measurements",
    "simulate_responses",
    "write_demo_cohort",
]
