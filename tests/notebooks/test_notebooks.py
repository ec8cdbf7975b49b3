"""The tutorial notebooks: stored without outputs, in step with ``notebooks/_build.py``, and run headless.

Each notebook is executed with nbclient in a kernel of this interpreter, from the ``notebooks/``
folder, as a user would run it; a cell that raises fails the test with the cell and its traceback.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import nbclient
import nbformat
import pytest

from ttpmap._datahome import get_data_home

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
NAMES = [
    "01-quickstart.ipynb",
    "02-retrain.ipynb",
    "03-evaluate.ipynb",
    "04-analyst-loop.ipynb",
    "05-spacy-and-html.ipynb",
]
#: Plots (image/png outputs) each notebook draws.
PLOTS = {
    "01-quickstart.ipynb": 1,
    "02-retrain.ipynb": 1,
    "03-evaluate.ipynb": 3,
    "04-analyst-loop.ipynb": 1,
    "05-spacy-and-html.ipynb": 0,
}
#: Markup that a notebook's HTML outputs must show (the brief's page, displaCy's spans).
HTML_SHOWN = {"05-spacy-and-html.ipynb": ('class="ttpmap-brief"', 'class="spans"')}
NEED_TRAINING_DATA = {"02-retrain.ipynb", "03-evaluate.ipynb", "04-analyst-loop.ipynb"}
#: Files from the data home that the notebooks training on TRAM2 read.
TRAINING_DATA = (
    "datasets/tram2/reports.jsonl",
    "datasets/tram2/single_label.json",
    "datasets/tram2/bootstrap-training-data.json",
    "datasets/ttpdrill/sentences.csv",
    "datasets/annoctr/train.jsonl",
)
CELL_TIMEOUT = 600


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ttpmap_notebooks_build", NOTEBOOKS / "_build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_notebooks_are_the_four_documented_ones():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_no_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    fix = "strip it with 'python notebooks/_build.py'"
    for cell in nb.cells:
        assert not cell.get("attachments"), f"{name} cell {cell.id} has attachments; {fix}"
        assert not cell.metadata, f"{name} cell {cell.id} has metadata {dict(cell.metadata)}; {fix}"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name} cell {cell.id} has outputs; {fix}"
            assert cell.execution_count is None, f"{name} cell {cell.id} has an execution count; {fix}"
    assert set(nb.metadata) <= {"kernelspec", "language_info"}, f"{name}: extra notebook metadata; {fix}"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_matches_its_generator(name):
    text = (NOTEBOOKS / name).read_text(encoding="utf-8")
    assert text == _generator().render(name), (
        f"{name} differs from notebooks/_build.py: edit the cells there and run 'python notebooks/_build.py'"
    )


def test_generator_check_mode_agrees(capsys):
    assert _generator().main(["--check"]) == 0, capsys.readouterr().err


def test_python3_kernel_runs_this_interpreter():
    from jupyter_client.manager import KernelManager

    cmd = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(cmd[0]) == Path(sys.executable), (
        f"the 'python3' kernel starts {cmd[0]}, not {sys.executable}: install ipykernel in this environment"
    )


def _require_training_data() -> None:
    home = get_data_home()
    missing = [rel for rel in TRAINING_DATA if not (home / rel).is_file()]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} absent from {home}: set TTPMAP_DATA_HOME to the folder with ttpmap's "
            "shared data to run the training notebooks"
        )


def _run(name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    return nb


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        NAMES[0],
        pytest.param(NAMES[1], marks=pytest.mark.shared),
        pytest.param(NAMES[2], marks=pytest.mark.shared),
        pytest.param(NAMES[3], marks=pytest.mark.shared),
        NAMES[4],
    ],
)
def test_notebook_runs_headless_and_draws_its_plots(name, monkeypatch):
    if name in NEED_TRAINING_DATA:
        _require_training_data()
    # The kernel inherits this environment: an MPLBACKEND such as Agg would stop inline figures.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = _run(name)
    outputs = [o for c in _code_cells(nb) for o in c.outputs]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert not errors, errors
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not [t for t in stderr if "Warning" in t], f"{name} printed warnings: {stderr}"
    pngs = sum("image/png" in o.get("data", {}) for o in outputs)
    assert pngs >= PLOTS[name], f"{name} drew {pngs} plots, expected {PLOTS[name]}"
    assert all(c.execution_count for c in _code_cells(nb))
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    for markup in HTML_SHOWN.get(name, ()):
        assert any(markup in h for h in html), f"{name} shows no HTML output with {markup}"
