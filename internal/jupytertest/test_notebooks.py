"""Sample notebooks run headless with nbconvert and papermill; outputs are checked."""
import glob
import os
import subprocess
import sys

import nbformat
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def text_of(nb):
    parts = []
    for o in outputs(nb):
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            parts.append(str(o.data.get("text/plain", "")))
    return "\n".join(parts)


def check_tour(nb):
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "every code cell ran"
    assert not [o for o in outputs(nb) if o.output_type == "error"]
    text = text_of(nb)
    assert "hello, world" in text
    assert "[brown fox quick the]" in text
    assert "5" in [str(o.data.get("text/plain")) for o in outputs(nb) if o.output_type == "execute_result"]
    mimes = {m for o in outputs(nb) if o.output_type == "display_data" for m in o.data}
    assert {"text/html", "text/markdown"} <= mimes
    assert any("image/png" in o.get("data", {}) for o in outputs(nb))
    assert "42 <nil>" in text


def test_nbconvert_executes_tour(tmp_path):
    out = tmp_path / "tour.ipynb"
    subprocess.run([os.path.join(BIN, "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                    "--ExecutePreprocessor.kernel_name=golab", "--ExecutePreprocessor.timeout=120",
                    "--output", str(out), os.path.join(ROOT, "notebooks", "01-tour.ipynb")],
                   check=True, capture_output=True, timeout=300)
    check_tour(nbformat.read(out, as_version=4))


def test_papermill_executes_tour(tmp_path):
    out = tmp_path / "tour.ipynb"
    subprocess.run([os.path.join(BIN, "papermill"), "-k", "golab", "--no-progress-bar",
                    os.path.join(ROOT, "notebooks", "01-tour.ipynb"), str(out)],
                   check=True, capture_output=True, timeout=300)
    check_tour(nbformat.read(out, as_version=4))


def test_failing_notebook_fails_nbconvert(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "golab", "display_name": "Go (GoLab)", "language": "go"}
    nb.cells = [nbformat.v4.new_code_cell('x := 1'), nbformat.v4.new_code_cell('panic("stop here")'),
                nbformat.v4.new_code_cell('fmt.Println("never")')]
    src = tmp_path / "bad.ipynb"
    nbformat.write(nb, src)
    res = subprocess.run([os.path.join(BIN, "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                          "--output", str(tmp_path / "out.ipynb"), str(src)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode != 0
    assert "stop here" in res.stderr
