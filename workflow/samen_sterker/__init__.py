"""Samen Sterker evaluation pipeline: reading, cleaning, models and reports.

The package holds all logic; Snakemake rules and notebooks only call it.
"""

__version__ = "0.1.0"

import sys

# jsonschema (config and sheet validation here; nbformat in every notebook job) imports
# rfc3987_syntax when it is installed (jupyter-events pulls it in), which builds a Lark grammar
# on import: about 1.2 CPU-s in every job, for an `iri` format check no schema here uses.
# Marked absent before jsonschema loads, jsonschema skips that one check (issue 14). A process
# that imported it before this package keeps it.
sys.modules.setdefault("rfc3987_syntax", None)
