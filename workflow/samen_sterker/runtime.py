"""Logging for Snakemake scripts: every message and any traceback go to the rule's log file."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def log_to(log_path: str | Path, level: int = logging.INFO) -> Iterator[logging.Logger]:
    """Send logging to `log_path` for the duration; a failure's traceback is logged, then raised.

    Snakemake deletes a failed job's outputs, so the log is where a failure can be read.
    """
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield logging.getLogger("samen_sterker")
    except BaseException:
        logging.getLogger("samen_sterker").error("failed:\n%s", traceback.format_exc())
        raise
    finally:
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()
