"""``ttpmap train --severity``: fit on the tune records, compare on the held-out ones, ship only the winner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from severity_data import labeled_records

from ttpmap import Analyzer
from ttpmap._exceptions import InputError, ModelError
from ttpmap._model import MANIFEST_FILE, SEVERITY_FILE, default_model_dir, load_model
from ttpmap.cli import main
from ttpmap.severity._agreement import agreement
from ttpmap.severity._ship import Comparison, add_severity_model, fit_and_compare


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(default_model_dir(), target)
    (target / SEVERITY_FILE).unlink(missing_ok=True)
    return target


def _records() -> list[dict[str, str]]:
    records = labeled_records(per_template=3)
    for i, r in enumerate(records):
        r["split"] = "holdout" if i % 3 == 2 else "tune"
    return records


def test_fit_and_compare_keeps_holdout_out_of_fitting(model_dir):
    records = _records()
    result = fit_and_compare(records, model_dir)
    n_holdout = sum(r["split"] == "holdout" for r in records)
    assert result.n_tune == result.model.n_train_ == len(records) - n_holdout
    assert result.rules.n == result.learned.n == n_holdout
    assert result.decided_by in ("rules", "model")
    assert result.to_dict()["decided_by"] == result.decided_by


def test_fit_and_compare_passes_settings_to_the_model(model_dir):
    result = fit_and_compare(_records(), model_dir, evidence_weight=0.03, C=2.0)
    assert (result.model.evidence_weight, result.model.C) == (0.03, 2.0)


def test_needs_holdout_records(model_dir):
    records = [{**r, "split": "tune"} for r in _records()]
    with pytest.raises(InputError, match="holdout"):
        fit_and_compare(records, model_dir)


def test_shipped_model_is_listed_and_decides(model_dir):
    result = fit_and_compare(_records(), model_dir)
    winner = Comparison(
        result.model, result.n_tune, agreement(["INFO"], ["LOW"]), agreement(["INFO"], ["INFO"])
    )
    assert winner.decided_by == "model"
    add_severity_model(model_dir, winner)
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert SEVERITY_FILE in manifest["files"]
    assert manifest["severity_model"]["decided_by"] == "model"
    model = load_model(model_dir)
    assert model.severity is not None
    brief = Analyzer(model).analyze("LockBit affiliates encrypted VMware ESXi hosts at a hospital group.")
    assert brief.severity.decided_by == "model"
    with pytest.raises(ModelError, match="--force"):
        add_severity_model(model_dir, winner)


def test_the_model_card_gives_the_severity_model_once(model_dir):
    (model_dir / SEVERITY_FILE).unlink(missing_ok=True)
    card = model_dir / "MODEL_CARD.md"
    classifier_part = card.read_text(encoding="utf-8").split("## Severity model")[0]
    result = fit_and_compare(_records(), model_dir)
    winner = Comparison(
        result.model, result.n_tune, agreement(["INFO"], ["LOW"]), agreement(["INFO"], ["INFO"])
    )
    for _ in range(2):
        add_severity_model(model_dir, winner, overwrite=True)
    text = card.read_text(encoding="utf-8")
    assert text.startswith(classifier_part.rstrip("\n"))
    assert text.count("## Severity model") == 1
    sha = json.loads((model_dir / MANIFEST_FILE).read_text(encoding="utf-8"))["files"][SEVERITY_FILE]
    assert f"SHA-256 `{sha}`" in text
    assert "rules: exact level 0.0%, within one level 100.0% (n=1)" in text
    assert "learned model: exact level 100.0%" in text
    assert "| INFO | 1 | 0 | 0 | 0 | 0 |" in text


def test_cli_writes_the_model_only_if_it_beats_the_rules(model_dir, tmp_path, capsys):
    data = tmp_path / "severity.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _records()), encoding="utf-8")
    code = main(["train", "--severity", "--severity-only", "--data", str(data), "--out", str(model_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "rules: exact" in out
    assert "model: exact" in out
    shipped = (model_dir / SEVERITY_FILE).exists()
    assert shipped == ("the model beats the rules" in out)
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert (SEVERITY_FILE in manifest["files"]) == shipped
