"""Samen Sterker evaluation pipeline: reading, cleaning, models and reports.

The package holds all logic; Snakemake rules and notebooks only call it.
"""

__version__ = "0.1.0"
