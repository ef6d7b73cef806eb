"""Executing a report template with papermill: parameters as given, deterministic notebooks,
a failing cell named and logged."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from samen_sterker.reports import execution, render


def _template(tmp_path: Path, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("code = 'default'\nyear = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "template.ipynb"
    nbformat.write(nb, path)
    return path


def test_execute_keeps_string_codes_with_leading_zeros_and_is_deterministic(tmp_path):
    template = _template(
        tmp_path, "from IPython.display import HTML\nHTML(f'<h1>{code!r} {year}</h1>')"
    )
    out1, out2 = tmp_path / "out1.ipynb", tmp_path / "out2.ipynb"
    execution.execute_notebook(template, out1, {"code": "0363", "year": 2024}, timeout=60)
    execution.execute_notebook(template, out2, {"code": "0363", "year": 2024}, timeout=60)
    assert "'0363' 2024" in render.notebook_body_html(out1)
    assert out1.read_bytes() == out2.read_bytes()
    nb = nbformat.read(out1, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and injected[0]["id"] == "injected-parameters"


def test_failed_execution_names_the_cell_logs_traceback_and_leaves_no_notebook(tmp_path):
    template = _template(tmp_path, "x = 1\nraise ValueError('kapot in kolom rating')")
    output, log = tmp_path / "out" / "report.ipynb", tmp_path / "logs" / "report.log"
    with pytest.raises(execution.NotebookExecutionError) as info:
        execution.execute_notebook(template, output, {"code": "GM0363"}, log_path=log, timeout=60)
    message = str(info.value)
    assert "cell" in message and "ValueError" in message and "kapot in kolom rating" in message
    logged = log.read_text()
    assert "Traceback" in logged and "raise ValueError" in logged
    assert "\x1b[" not in logged  # ANSI colours stripped
    assert not output.exists()
    assert list(output.parent.iterdir()) == []
