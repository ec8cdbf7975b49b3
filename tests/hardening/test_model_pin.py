"""Issue 22 item 6: the model pin travels with the Analyzer to every worker, and the CLI can pin."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ttpmap import Analyzer, ModelIntegrityError
from ttpmap._batch import LazyAnalyzer
from ttpmap._model import (
    CATALOG_FILE,
    CLASSIFIER_FILE,
    MANIFEST_FILE,
    default_model_dir,
    load_model,
    sha256_file,
    write_model_dir,
)
from ttpmap.cli import main


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return write_model_dir(
        tmp_path / "m", {CATALOG_FILE: default_model_dir() / CATALOG_FILE, CLASSIFIER_FILE: {"w": 1}}
    )


def _change(root: Path) -> None:
    with open(root / MANIFEST_FILE, "a", encoding="utf-8") as fh:
        fh.write("\n")  # still a valid manifest, but no longer the pinned one


def test_item6_model_pin_travels_to_workers(model_dir: Path) -> None:
    pin = sha256_file(model_dir / MANIFEST_FILE)
    analyzer = Analyzer(model=load_model(model_dir, sha256=pin))
    shipped = pickle.dumps(analyzer)  # what analyze_many sends to each worker
    _change(model_dir)
    with pytest.raises(ModelIntegrityError, match="pinned"):
        pickle.loads(shipped)


def test_item6_model_pin_unpinned_analyzer_pins_what_it_verified(model_dir: Path) -> None:
    shipped = pickle.dumps(Analyzer(model=model_dir))
    _change(model_dir)
    with pytest.raises(ModelIntegrityError, match="pinned"):
        pickle.loads(shipped)


def test_item6_model_pin_lazy_analyzer_keeps_the_pin(model_dir: Path) -> None:
    lazy = pickle.loads(pickle.dumps(LazyAnalyzer(model_dir, model_sha256="0" * 64)))
    assert lazy.model_sha256 == "0" * 64
    with pytest.raises(ModelIntegrityError, match="pinned"):
        lazy.resolve()


def test_item6_model_pin_cli_flag_and_environment(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    article = tmp_path / "a.txt"
    article.write_text("The actor ran vssadmin delete shadows to inhibit recovery.\n")
    args = ["analyze", str(article), "--model", str(model_dir)]
    assert main([*args, "--model-sha256", "0" * 64]) == 2
    assert "pinned" in capsys.readouterr().err
    monkeypatch.setenv("TTPMAP_MODEL_SHA256", "1" * 64)
    assert main(args) == 2
    assert "pinned" in capsys.readouterr().err
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(article.read_text())
    assert main(["batch", str(folder), "--model", str(model_dir)]) == 2
    assert "pinned" in capsys.readouterr().err
