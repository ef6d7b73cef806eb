"""Executing report notebooks: papermill in a fresh or a shared Jupyter kernel.

papermill executes a template with a parameters dict into an executed notebook, written
atomically; run-specific ids and timings are removed so that the same template and
parameters give the same bytes. Turning that notebook into HTML and PDF is `render`'s part.
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat

from samen_sterker.reports.render import temporary_environment, write_atomically

# Per-cell and per-notebook metadata that records *when* a run happened, not *what* it did;
# removed so that two runs on the same inputs give identical executed notebooks.
_TIMING_KEYS = ("start_time", "end_time", "duration", "exception", "status")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

DEFAULT_EXECUTION_TIMEOUT = 600


class NotebookExecutionError(RuntimeError):
    """A report notebook failed while executing; the message names the failing cell."""


def normalise_executed_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove run-specific ids and timings so reruns give identical notebooks."""
    for index, cell in enumerate(nb.cells):
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            # papermill gives the injected cell a random uuid; a stable id keeps diffs clean.
            cell["id"] = "injected-parameters"
        elif not cell.get("id"):
            cell["id"] = f"cell-{index}"
        cell_meta = cell.get("metadata", {})
        cell_meta.pop("execution", None)
        papermill_meta = cell_meta.get("papermill", {})
        for key in _TIMING_KEYS:
            papermill_meta.pop(key, None)
    papermill_meta = nb.metadata.get("papermill", {})
    for key in _TIMING_KEYS:
        papermill_meta.pop(key, None)
    # Absolute paths of this machine say nothing about the analysis.
    papermill_meta.pop("input_path", None)
    papermill_meta.pop("output_path", None)
    return nb


def _describe_failure(error: Exception, template: Path) -> tuple[str, str]:
    """Return (one-line message naming the cell, full traceback) of a papermill failure."""
    cell_index = getattr(error, "cell_index", None)
    exec_count = getattr(error, "exec_count", None)
    ename = getattr(error, "ename", type(error).__name__)
    evalue = getattr(error, "evalue", str(error))
    source = getattr(error, "source", "") or ""
    traceback = getattr(error, "traceback", None) or [str(error)]
    first_line = next((line for line in source.splitlines() if line.strip()), "")
    where = f"cell {cell_index}" if cell_index is not None else "an unknown cell"
    if exec_count is not None:
        where += f" (In [{exec_count}])"
    message = f"Notebook {template} failed in {where}: {ename}: {evalue}"
    if first_line:
        message += f" -- first line of the cell: {first_line.strip()[:120]}"
    details = "\n".join(
        [message, "", "Cell source:", source, "", "Traceback:"]
        + [_ANSI_ESCAPE.sub("", line) for line in traceback]
    )
    return message, details


@contextmanager
def shared_kernel(
    *, cwd: str | Path | None = None, source_date_epoch_value: int | None = None,
    kernel_name: str = "python3",
) -> Iterator[Any]:
    """One Jupyter kernel for several executions (a report in each language, issue 14).

    Starting a kernel and importing pandas, matplotlib and the report code in it is most of
    a notebook's cost; `execute_notebook(..., kernel=...)` resets the kernel's namespace and
    execution counter before each run, so each executed notebook is the one a fresh kernel
    gives (tests/test_reports_pdf.py compares the bytes).
    """
    from jupyter_client.manager import KernelManager

    env = dict(os.environ, PYTHONHASHSEED="0")
    if source_date_epoch_value is not None:
        env["SOURCE_DATE_EPOCH"] = str(int(source_date_epoch_value))
    manager = KernelManager(kernel_name=kernel_name)
    manager.start_kernel(
        cwd=str(cwd) if cwd is not None else None, env=env, extra_arguments=_KERNEL_ARGUMENTS
    )
    try:
        yield manager
    finally:
        manager.shutdown_kernel(now=True)


# Run silently (no history, no execution count) before each notebook in a shared kernel: an
# empty namespace and a new history session whose execution count starts at 1 again (only
# resetting the count makes IPython's history database complain, in the notebook's output).
# The reset ends with a full garbage collection, which walked every object of pandas,
# matplotlib and the report code each time (0.14 of a report's 1.8 CPU-s, issue 14); what
# survives it is live, so it is frozen out of later collections (gc.freeze) and each reset
# only walks what the previous report made.
_RESET_KERNEL = (
    "import matplotlib.pyplot\nmatplotlib.pyplot.close('all')\n"
    "get_ipython().reset(new_session=True)\n__import__('gc').freeze()\n"
)
# The shared kernel keeps its input history in memory: not in the home folder's SQLite file,
# which every notebook's new session wrote to (and two report jobs at once contend for).
_KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]


def _reset_kernel(manager: Any, timeout: int) -> None:
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(
            _RESET_KERNEL, silent=True, store_history=False, timeout=timeout
        )
        if reply["content"]["status"] != "ok":
            raise NotebookExecutionError(f"could not reset the shared kernel: {reply['content']}")
    finally:
        client.stop_channels()


def execute_notebook(
    template: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any],
    *,
    log_path: str | Path | None = None,
    timeout: int = DEFAULT_EXECUTION_TIMEOUT,
    kernel_name: str = "python3",
    cwd: str | Path | None = None,
    source_date_epoch_value: int | None = None,
    kernel: Any = None,
    metadata: Mapping[str, Any] | None = None,
) -> nbformat.NotebookNode:
    """Execute a report template with papermill, write the executed notebook atomically and
    return it as written.

    Parameters go in as a dict (never papermill's `-p` strings, which turn '0363' into 363).
    On failure the failing cell and its traceback are appended to log_path, no notebook is
    left at output, and NotebookExecutionError names the cell. `kernel` (from shared_kernel)
    runs it in an already started kernel, reset first; its cwd and date are the kernel's.
    `metadata` is added to the notebook's metadata before it is written (once: reading and
    writing a notebook validates it against its schema, a tenth of a report's cost at
    national size)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    template, output = Path(template), Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    env: dict[str, str] = {"PYTHONHASHSEED": "0"}
    if source_date_epoch_value is not None:
        env["SOURCE_DATE_EPOCH"] = str(int(source_date_epoch_value))
    handle, tmp_name = tempfile.mkstemp(
        dir=output.parent, prefix=f".{output.name}.", suffix=".ipynb"
    )
    os.close(handle)
    tmp_path = Path(tmp_name)
    try:
        shared = {}
        if kernel is not None:
            _reset_kernel(kernel, timeout)
            shared["km"] = kernel
        with temporary_environment(**env):
            papermill.execute_notebook(
                str(template),
                str(tmp_path),
                parameters=dict(parameters),
                kernel_name=kernel_name,
                progress_bar=False,
                cwd=str(cwd) if cwd is not None else None,
                execution_timeout=timeout,
                # Written once at the end, not at every cell's start and end (each write
                # validates the whole notebook against its schema); a failed run's
                # notebook is not kept anyway.
                request_save_on_cell_execute=False,
                **shared,
            )
        nb = nbformat.read(tmp_path, as_version=4)
        normalise_executed_notebook(nb)
        nb.metadata.update(copy.deepcopy(dict(metadata or {})))
        write_atomically(output, nbformat.writes(nb).encode("utf-8") + b"\n")
    except PapermillExecutionError as error:
        message, details = _describe_failure(error, template)
        _append_log(log_path, details)
        raise NotebookExecutionError(message) from None
    except Exception as error:  # kernel death, timeout, missing template: log, then re-raise
        _append_log(log_path, f"Notebook {template} could not be executed: {error!r}")
        raise
    finally:
        tmp_path.unlink(missing_ok=True)
    return nb


def _append_log(log_path: str | Path | None, text: str) -> None:
    if log_path is None:
        return
    log_path = Path(log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log:
        log.write(text.rstrip() + "\n")
