"""``ttpmap phrases measure``: candidate patterns measured as training measures them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ttpmap._datahome import get_data_home
from ttpmap._exceptions import InvalidParameterError
from ttpmap._model import load_model
from ttpmap.classify._measure import measure_patterns
from ttpmap.classify._phrases import load_phrases

SHORT_TEXTS = Path(__file__).resolve().parents[2] / "datasets" / "labeled" / "short-texts.jsonl"


@pytest.fixture(scope="module")
def model():
    for relative in ("datasets/tram2/reports.jsonl", "datasets/annoctr/train.jsonl"):
        if not (get_data_home() / relative).is_file():
            pytest.skip(f"{relative} is absent from the data home: set TTPMAP_DATA_HOME")
    return load_model(None)


def test_the_shipped_lexicon_measures_as_the_shipped_model_was_trained(model):
    # the shipped model was trained on the data home plus the short texts (its card says so); the
    # command must count every curated pattern exactly as that training did
    curated = load_phrases()[:40]
    scores = measure_patterns(curated, model.catalog, data=[SHORT_TEXTS], show=0)
    table = model.classifier.phrases_
    trained = {
        (p, str(model.classifier.classes_[j])): (int(n), int(h))
        for p, j, n, h in zip(table.patterns, table.classes, table.matches, table.hits, strict=True)
    }
    assert len(scores) == len(curated)
    for sc in scores:
        assert trained[(sc.pattern, sc.technique)] == (sc.matches, sc.hits), sc


def test_a_miss_is_shown_with_its_report(model):
    (typosquat,) = measure_patterns([("typosquat*", "T1195.001")], model.catalog, show=2)
    assert typosquat.matches > typosquat.hits
    assert typosquat.misses
    assert all(": ..." in m for m in typosquat.misses)
    assert "typosquat" in typosquat.misses[0].lower()
    assert typosquat.precision == (typosquat.hits + 2) / (typosquat.matches + 3)
    assert typosquat.active is (typosquat.precision >= 0.6)


def test_a_revoked_id_measures_as_its_replacement_and_an_unknown_one_is_refused(model):
    (revoked,) = measure_patterns([("side-load*", "T1073")], model.catalog, show=0)
    assert revoked.technique == "T1574.001"
    with pytest.raises(InvalidParameterError, match="T9999"):
        measure_patterns([("side-load*", "T9999")], model.catalog)


def test_the_command_prints_one_line_per_pattern(model, tmp_path):
    candidates = tmp_path / "candidates.tsv"
    candidates.write_text("# mine\nransom note*\tT1486\nsmish*\tT1566.002\n", "utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "ttpmap.cli", "phrases", "measure", str(candidates), "--show", "0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0].split()[:2] == ["reports", "m/h"]
    assert [line.split("  ")[-1] for line in out[1:]] == ["ransom note* -> T1486", "smish* -> T1566.002"]


def test_the_command_refuses_a_file_without_patterns(tmp_path):
    empty = tmp_path / "empty.tsv"
    empty.write_text("# nothing yet\n", "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "ttpmap.cli", "phrases", "measure", str(empty)], capture_output=True, text=True
    )
    assert run.returncode != 0
    assert "no 'pattern<TAB>technique ID' line" in run.stderr
