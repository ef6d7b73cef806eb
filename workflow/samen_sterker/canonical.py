"""The canonical measurements table: the contract between cleaning, statistics and simulator.

One row per measurement (docs/architecture.md); `results/clean/measurements.csv` has exactly
these columns in this order.
"""

MEASUREMENT_COLUMNS = [
    "municipality",
    "municipality_code",
    "year",
    "couple_id",
    "participant_id",
    "timepoint",
    "outcome",
    "value",
]
