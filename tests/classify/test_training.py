"""The training and evaluation code paths end to end on a tiny data home built from the samples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ttpmap._exceptions import InvalidParameterError
from ttpmap._model import load_model
from ttpmap.classify import TechniqueClassifier, train_model
from ttpmap.classify._evaluate import (
    evaluate_annoctr,
    evaluate_tram2,
    format_annoctr_table,
    format_table,
    save_report,
)
from ttpmap.classify._train import default_corpus

TINY = {"inner_cv": 2, "max_negatives": 200, "min_df": 1, "n_jobs": 1}
SOURCES = ("bootstrap", "ttpdrill", "tram2")


def test_train_model_writes_a_verified_model_dir(tiny_home, catalog_path, tmp_path):
    out = tmp_path / "model"
    root, meta = train_model(
        out,
        data_home=tiny_home,
        data=[tiny_home / "user.jsonl"],
        catalog_path=catalog_path,
        estimator=TechniqueClassifier(catalog=catalog_path, **TINY),
        sources=SOURCES,
    )
    manifest = json.loads((root / "manifest.json").read_text())
    assert set(manifest["files"]) == {"classifier.joblib", "predictor.npz", "attack-catalog.json.gz"}
    assert meta["attack_version"] == "18.1"
    assert meta["training_data"]["tram2_reports"] == 8
    assert meta["training_data"]["user_records"] == 8
    model = load_model(root)
    texts = ["Mimikatz was run to dump credentials from LSASS memory."]
    techniques, tactics = model.predictor.explain(texts)[0]
    assert "T1003.001" in {t.id for t in techniques}
    assert tactics
    np.testing.assert_allclose(model.predictor.predict_proba(texts), model.classifier.predict_proba(texts))


def test_training_is_deterministic(tiny_home, catalog_path):
    from ttpmap.attack import Catalog
    from ttpmap.classify._train import fit_inputs

    cat = Catalog.load(catalog_path)
    sentences, reports = default_corpus(tiny_home, catalog=cat, sources=SOURCES)
    X, y, spans, groups = fit_inputs([*sentences, *reports])
    a = TechniqueClassifier(catalog=catalog_path, **TINY).fit(X, y, spans=spans, groups=groups)
    b = TechniqueClassifier(catalog=catalog_path, **TINY).fit(X, y, spans=spans, groups=groups)
    texts = [r.text for r in reports]
    np.testing.assert_array_equal(a.predict_proba(texts), b.predict_proba(texts))


def test_unknown_source_is_refused(tiny_home, catalog_path):
    from ttpmap.attack import Catalog

    with pytest.raises(InvalidParameterError, match="unknown training sources"):
        default_corpus(tiny_home, catalog=Catalog.load(catalog_path), sources=("tram3",))


def test_evaluate_reports_both_systems(tiny_home, catalog_path, tmp_path):
    result = evaluate_tram2(
        tiny_home,
        catalog_path=catalog_path,
        estimator=TechniqueClassifier(catalog=catalog_path, **TINY),
        n_splits=2,
        sources=SOURCES,
    )
    for system in ("ttpmap", "baseline"):
        for key in ("tram50_exact", "tram50_parent", "full_exact", "full_parent", "tactics"):
            for avg in ("micro", "macro"):
                assert set(result["scores"][system][key][avg]) == {"precision", "recall", "f1", "f0.5"}
    table = format_table(result)
    assert "TRAM-50 techniques, exact ID" in table
    assert "baseline (rcATT)" in table
    json_path, png_path = save_report(result, tmp_path / "eval")
    assert json.loads(json_path.read_text())["scores"]["ttpmap"]["tactics"]["n_reports"] == 8
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_train_and_card(tiny_home, catalog_path, tmp_path, capsys):
    from ttpmap.cli import main

    out = tmp_path / "cli-model"
    args = ["train", "--out", str(out), "--data-home", str(tiny_home), "--catalog", catalog_path]
    code = main([*args, "--sources", "tram2,bootstrap,ttpdrill", "--n-jobs", "1"])
    assert code == 0
    assert "techniques, ATT&CK v18.1" in capsys.readouterr().out
    card = (out / "MODEL_CARD.md").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"]["classifier.joblib"] in card
    assert "--sources tram2,bootstrap,ttpdrill" in card
    assert main([*args, "--sources", "tram2"]) == 2
    assert "already holds" in capsys.readouterr().err


def test_training_and_evaluation_read_articles_as_analysis_does(tmp_path, catalog_path):
    """Reports and user articles longer than a sentence become their prose view (what the analyzer
    classifies), same length and spans; single sentences stay as written."""
    from ttpmap._structure import parse_structure
    from ttpmap.attack import Catalog
    from ttpmap.classify._train import read_user_records

    text = (
        "# Operation Lantern\n\n"
        "![The loader runs rundll32](https://example.com/shot.png)\n\n"
        "The actor sent [spearphishing emails](https://example.com/t1566) with a macro document. "
        "The macro ran PowerShell to download the loader.\n\n"
        "| Tactic | Technique |\n|---|---|\n| Execution | T1059.001 PowerShell |\n"
    )
    start = text.index("PowerShell to")
    span = (start, start + len("PowerShell"), "T1059.001")
    (tmp_path / "datasets" / "tram2").mkdir(parents=True)
    report = {"doc_title": "t", "url": "", "text": text, "labels": ["T1059.001"], "spans": [list(span)]}
    (tmp_path / "datasets" / "tram2" / "reports.jsonl").write_text(json.dumps(report) + "\n")
    sentence = "Rubeus was used to kerberoast service accounts."
    user = tmp_path / "user.jsonl"
    rows = [
        {"id": "a", "title": "a", "text": text, "labels": ["T1059.001"]},
        {"id": "s", "title": "s", "text": sentence, "labels": ["T1558.003"]},
    ]
    user.write_text("".join(json.dumps(r) + "\n" for r in rows))

    _, reports = default_corpus(tmp_path, catalog=Catalog.load(catalog_path), sources=("tram2",))
    article, single = read_user_records([user])
    prose = parse_structure(text).prose
    for record in (reports[0], article):
        assert record.text == prose
        assert len(record.text) == len(text)
        for hidden in ("shot.png", "example.com", "Operation Lantern", "T1059.001 PowerShell"):
            assert hidden not in record.text
        assert "spearphishing emails" in record.text
    assert reports[0].spans == (span,)
    assert reports[0].text[span[0] : span[1]] == "PowerShell"
    assert single.text == sentence


def test_evaluate_annoctr_holds_out_one_vendor_at_a_time(tiny_home, catalog_path):
    result = evaluate_annoctr(
        tiny_home,
        catalog_path=catalog_path,
        estimator=TechniqueClassifier(catalog=catalog_path, **TINY),
        sources=(*SOURCES, "annoctr"),
    )
    text = json.dumps(result)
    assert "acme" in text
    assert "globex" in text
    table = format_annoctr_table(result)
    assert "campaign-level, brief" in table
    assert "2 vendors" in table


def test_severity_only_records_do_not_train_the_technique_classifier(tmp_path):
    """A record with a severity and no technique labels was labeled for severity only: `train`
    (with --severity, on the same file) must not read it as a text that shows no technique."""
    from ttpmap.classify._train import read_user_records

    rows = [
        {"id": "sev", "text": "LockBit affiliates encrypted ESXi hosts.", "labels": [], "severity": "HIGH"},
        {
            "id": "both",
            "text": "Rubeus was used to kerberoast accounts.",
            "labels": ["T1558.003"],
            "severity": "MEDIUM",
        },
        {"id": "neg", "text": "Our quarterly results were strong.", "labels": []},
        {"id": "held", "text": "Mimikatz dumped LSASS.", "labels": ["T1003.001"], "split": "holdout"},
    ]
    data = tmp_path / "mixed.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert [r.id for r in read_user_records([data])] == ["both", "neg"]


def test_annoctr_is_scored_on_the_techniques_of_its_time(catalog_path):
    """AnnoCTR was labeled with the ATT&CK of 2021: a technique created later (Financial Theft,
    2023) cannot be among its labels, so the evaluation's "of its time" row leaves it out."""
    from ttpmap.classify._evaluate import _annotation_era
    from ttpmap.datasets import LabeledArticle
    from ttpmap.datasets._loaders import catalog_at

    catalog = catalog_at(catalog_path)
    reports = [
        LabeledArticle(id="a", title="", text="x", labels=("T1620", "T1486")),
        LabeledArticle(id="b", title="", text="y", labels=("T1059.001",)),
    ]
    era = _annotation_era(reports, catalog)
    assert era is not None
    assert {"T1620", "T1486", "T1059", "T1566"} <= era
    assert "T1657" not in era
    older = _annotation_era(reports[1:], catalog)  # newest label: T1059.001, created 2020-03-09
    assert older is not None
    assert "T1059" in older
    assert "T1620" not in older  # created 2021-10-05
