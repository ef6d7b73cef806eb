"""Cleaning stage: mapped columns only → validated canonical table of measurements.

`clean_exports(config, base_dir)` reads every export in the sheet of exports and returns a
`CleanResult`; structural problems raise one `ExportProblems` listing every problem.
"""

from samen_sterker.cleaning.clean import CleanResult, clean_exports, read_exports_sheet
from samen_sterker.cleaning.municipalities import Municipality, MunicipalityTable, normalise_name
from samen_sterker.cleaning.outputs import write_clean_outputs
from samen_sterker.cleaning.schema import MEASUREMENT_COLUMNS, measurements_schema
from samen_sterker.reading.problems import ExportProblems, Problem

__all__ = [
    "MEASUREMENT_COLUMNS",
    "CleanResult",
    "ExportProblems",
    "Municipality",
    "MunicipalityTable",
    "Problem",
    "clean_exports",
    "measurements_schema",
    "normalise_name",
    "read_exports_sheet",
    "write_clean_outputs",
]
