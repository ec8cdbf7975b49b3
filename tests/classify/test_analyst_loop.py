"""The analyst's loop on a tiny data home: analyze, correct the brief as a label, retrain, compare."""

from __future__ import annotations

import json

import pytest

from ttpmap import Analyzer, Article
from ttpmap.classify import TechniqueClassifier, train_model
from ttpmap.datasets import read_articles

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TINY = {"inner_cv": 2, "max_negatives": 200, "min_df": 1, "n_jobs": 1}
SOURCES = ("bootstrap", "ttpdrill", "tram2")
#: Written for this test in the style of an incident write-up; the backup job's scheduled task is not
#: the intruders' (an analyst rejects T1053.005), and the data theft is a technique the tiny model misses.
ARTICLE = (
    "Incident summary: the March intrusion at a logistics firm. The intruders sent employees an email "
    "attachment disguised as a shipping invoice. Once opened, the document spawned PowerShell to run a "
    "script from a remote server. The implant then polled its C2 server over HTTP for new commands. "
    "The company's nightly backup job runs as a scheduled task on the file server and was not touched. "
    "Before leaving, the operators copied the finance share to a cloud storage account they controlled. "
    "Two days later they encrypted every file share and left a ransom note."
)


def _train(home, catalog_path, out, data, name):
    return train_model(
        out,
        data_home=home,
        data=data,
        catalog_path=catalog_path,
        estimator=TechniqueClassifier(catalog=catalog_path, **TINY),
        sources=SOURCES,
        name=name,
    )


@pytest.fixture(scope="module")
def first_model(tiny_home, catalog_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "first"
    root, _ = _train(tiny_home, catalog_path, out, [tiny_home / "user.jsonl"], "acme-v1")
    return root


def _review(record, reject, add, evidence):
    """An analyst's corrections: `reject` rejected, the others confirmed, `add` added with `evidence`."""
    for t in record["techniques"]:
        t["status"] = "rejected" if t["id"] == reject else "confirmed"
    record["techniques"].append({"id": add, "status": "added", "evidence": [{"text": evidence}]})
    return record


def test_a_rejected_technique_is_no_longer_predicted_after_retraining_and_an_added_one_is(
    first_model, tiny_home, catalog_path, tmp_path
):
    article = Article(ARTICLE, title="March intrusion")
    before = Analyzer(first_model).analyze(article)
    found = {t.id: t.source for t in before.techniques}
    # The tiny model names the backup job's scheduled task (by its ATT&CK name) and misses the lure.
    assert found.get("T1053.005") == "name"
    assert "T1566.001" not in found
    record = _review(
        before.to_label(article),
        reject="T1053.005",
        add="T1566.001",
        evidence="The intruders sent employees an email attachment disguised as a shipping invoice.",
    )
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text(json.dumps(record) + "\n")
    (reviewed,) = read_articles(corrections)
    assert "T1566.001" in reviewed.labels and "T1053.005" not in reviewed.labels
    assert {t for _, _, t in reviewed.rejected} == {"T1053.005"}

    data = [tiny_home / "user.jsonl", corrections]
    root, meta = _train(tiny_home, catalog_path, tmp_path / "second", data, "acme-v2")
    after = Analyzer(root).analyze(article)
    ids = {t.id for t in after.techniques}
    assert "T1053.005" not in ids
    assert "T1566.001" in ids
    assert ids >= set(found) - {"T1053.005"}  # what was confirmed stays
    assert after.model["name"] == "acme-v2"
    assert ["scheduled task", "T1053.005", 1] in meta["rejected_mentions"]
    assert meta["data_files"][1] == {"path": str(corrections), "records": 1, "labels": 4, "rejected": 1}
    # A text that names a scheduled task the intruders did make is still read by the sentence model.
    other = Analyzer(root).analyze(Article("The dropper calls schtasks /create to run the payload every 30 minutes."))
    assert "T1053.005" in {t.id for t in other.techniques}
