"""`golab run` and papermill (with the papermill_golab translator) run the same notebooks
with the same parameters and give the same outputs."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import golab_bin

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
PARAMS_TXT = os.path.join(ROOT, "kernel", "batch", "testdata", "params.txt")
KERNELSPEC = {"name": "golab", "display_name": "Go (GoLab)", "language": "go"}



@pytest.fixture()
def translator():
    """The papermill_golab package (requirements.txt installs it from install/papermill_golab)."""
    return pytest.importorskip("papermill_golab",
                               reason="the translator is not installed: pip install ./install/papermill_golab")


def papermill(*args, cwd=None, check=True):
    res = subprocess.run([os.path.join(BIN, "papermill"), "--no-progress-bar", *args],
                         capture_output=True, text=True, timeout=600, cwd=cwd)
    if check and res.returncode != 0:
        raise AssertionError(f"papermill {args} failed:\n{res.stderr}")
    return res


def golab_run(*args, check=True):
    res = subprocess.run([golab_bin(), "run", *args], capture_output=True, text=True, timeout=600)
    if check and res.returncode != 0:
        raise AssertionError(f"golab run {args} failed ({res.returncode}):\n{res.stderr}")
    return res


def param_cases(scope):
    cases = []
    with open(PARAMS_TXT, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            sc, arg, want = line.split("\t")
            if sc in scope:
                cases.append(pytest.param(json.loads(arg), want, id=f"line{n}"))
    return cases


@pytest.mark.parametrize("arg,want", param_cases({"both"}))
def test_translator_matches_golab_run(arg, want, translator):
    """papermill's CLI value parsing + the translator give the line golab run injects
    (the same table drives kernel/batch's Go test)."""
    from papermill.cli import _resolve_type
    from papermill_golab import GoTranslator

    name, value = arg.split("=", 1)
    got = GoTranslator.codify_with({name: _resolve_type(value)}, "Parameters", set())
    assert got == f"// Parameters\n{want}\n"


@pytest.mark.parametrize("arg,want", [c for c in param_cases({"go"}) if "=[" in c.values[0]])
def test_translator_lists_match_golab_run(arg, want, translator):
    """Lists (papermill gets them from -y/-f YAML, golab run from -p JSON) render alike."""
    name, value = arg.split("=", 1)
    got = translator.GoTranslator.codify_with({name: json.loads(value)}, "Parameters", set())
    assert got == f"// Parameters\n{want}\n"


def test_translator_assigns_declared_names(translator):
    """Inside papermill's parameterize_notebook the translator sees the parameters cell:
    declared names are assigned (=), the others declared (:=)."""
    from papermill.parameterize import parameterize_notebook

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    p = nbformat.v4.new_code_cell('alpha := 0.5 // help\nvar (\n\tn int = 3\n)\nconst limit = 1\nvar xs []string')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p]
    nb.metadata["papermill"] = {}  # papermill's prepare_notebook_metadata does this first
    out = parameterize_notebook(nb, {"alpha": 1, "n": 2, "limit": 5, "xs": ["a"], "v": None},
                                kernel_name="golab", language="go")
    assert out.cells[1].source == ('// Parameters\nalpha = 1\nn = 2\nlimit := 5\nxs = []string{"a"}\n'
                                   'v := any(nil)\n')
    assert translator.declared_vars(p.source) == {"alpha", "n", "xs"}


def test_translator_is_registered(translator):
    from papermill.translators import papermill_translators
    from papermill_golab import GoTranslator

    assert papermill_translators.find_translator("golab", "go") is GoTranslator
    assert papermill_translators.find_translator("some-other-go-kernel", "go") is GoTranslator


def params_notebook(path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    p = nbformat.v4.new_code_cell('alpha := 0.5\nn := 3\nname := "world"\nvar tags []string')
    p.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# parameters"),
        p,
        nbformat.v4.new_code_cell(
            'fmt.Printf("%T %v|%T %v|%s|%v|%v\\n", alpha, alpha, n, n, name, extra, ratio)'),
        nbformat.v4.new_code_cell("alpha * 2"),
    ]
    nbformat.write(nb, path)


PARAMS = [("alpha", "1"), ("n", "7"), ("name", "caf\u00e9 \u2615 \"q\""), ("extra", "True"), ("ratio", "nan")]
WANT = 'float64 1|int 7|caf\u00e9 \u2615 "q"|true|NaN\n'


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_papermill_parameters_reach_outputs(tmp_path, translator):
    src = tmp_path / "params.ipynb"
    params_notebook(src)
    out = tmp_path / "pm.ipynb"
    args = [a for name, value in PARAMS for a in ("-p", name, value)]
    papermill(str(src), str(out), *args)
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and nb.cells.index(injected[0]) == 2, "injected right after the parameters cell"
    assert injected[0].source.startswith("// Parameters\nalpha = 1\nn = 7\n")
    cells = code_cells(nb)
    assert "".join(o.text for o in cells[2].outputs if o.output_type == "stream") == WANT
    assert cells[3].outputs[0].data["text/plain"] == "2"

    # golab run -p injects the same cell and prints the same thing.
    gout = tmp_path / "golab.ipynb"
    golab_run(str(src), "-o", str(gout), "-q", *[a for name, value in PARAMS for a in ("-p", f"{name}={value}")])
    gnb = nbformat.read(gout, as_version=4)
    nbformat.validate(gnb)
    ginjected = [c for c in gnb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert ginjected[0].source == injected[0].source
    assert summarize(gnb) == summarize(nb)


JOB_PROGRESS = re.compile(r"^job \S+: (running for|done in|failed after) ")


def summarize(nb):
    """What must agree between two runs: execution counts, stream text, text/plain and
    text/html of results, errors; no timing, no image bytes. A cell tagged `varies`
    (live figures such as a cluster's memory use) is compared by output kinds only, and
    a cluster job's progress bar, shown only when the job runs long, is left out."""
    cells = []
    for c in code_cells(nb):
        outs = []
        if "varies" in c.metadata.get("tags", []):
            cells.append((c.execution_count, [(o.output_type, sorted(o.get("data", {}))) for o in c.outputs]))
            continue
        for o in c.outputs:
            if o.output_type == "display_data" and JOB_PROGRESS.match(o.data.get("text/plain", "")):
                continue
            if o.output_type == "stream":
                # %time prints the wall time, which differs between runs.
                text = re.sub(r"Wall time: [^\n]*", "Wall time: <masked>", o.text)
                # A stream is a byte stream: where a kernel cuts it into messages is
                # timing, not content, so consecutive pieces are compared joined.
                if outs and outs[-1][0] == "stream" and outs[-1][1] == o.name:
                    outs[-1] = ("stream", o.name, outs[-1][2] + text)
                else:
                    outs.append(("stream", o.name, text))
            elif o.output_type in ("execute_result", "display_data"):
                outs.append((o.output_type, o.data.get("text/plain"), o.data.get("text/html"), sorted(o.data)))
            elif o.output_type == "error":
                outs.append(("error", o.ename, o.evalue))
        cells.append((c.execution_count, outs))
    return cells


NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_golab_run_matches_papermill(path, tmp_path):
    # Each run gets its own copy, so notebooks that write files do so in a temp dir.
    for name in ("golab", "papermill"):
        (tmp_path / name).mkdir()
        shutil.copy(path, tmp_path / name / "nb.ipynb")
    gout = tmp_path / "golab" / "out.ipynb"
    res = golab_run(str(tmp_path / "golab" / "nb.ipynb"), "-o", str(gout))
    assert "0 failed" in res.stderr
    pout = tmp_path / "papermill" / "out.ipynb"
    res = papermill(str(tmp_path / "papermill" / "nb.ipynb"), str(pout), "-k", "golab",
                    "--cwd", str(tmp_path / "papermill"), check=False)
    pnb = nbformat.read(pout, as_version=4)
    if res.returncode != 0:
        # papermill exits 1 for any error output, even in a cell tagged raises-exception
        # (nbclient ran past it); accept exactly that and nothing else.
        failed = [c for c in code_cells(pnb) if any(o.output_type == "error" for o in c.outputs)]
        assert failed and all("raises-exception" in c.metadata.get("tags", []) for c in failed), res.stderr
    gnb = nbformat.read(gout, as_version=4)
    nbformat.validate(gnb)
    assert summarize(gnb) == summarize(pnb)
    assert all(c.metadata["papermill"]["status"] == "completed" for c in code_cells(gnb))
    assert gnb.metadata["papermill"]["exception"] is False
