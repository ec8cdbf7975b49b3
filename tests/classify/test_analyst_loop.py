"""The analyst's loop on a tiny data home: analyze, correct the brief as a label, retrain, compare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ttpmap import Analyzer, Article
from ttpmap.classify import TechniqueClassifier, train_model
from ttpmap.datasets import read_articles

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


@pytest.fixture(scope="module")
def corrected(first_model, tiny_home, catalog_path, tmp_path_factory):
    """The analyst's corrections of the first model's brief, and the model retrained on them."""
    article = Article(ARTICLE, title="March intrusion")
    before = Analyzer(first_model).analyze(article)
    record = _review(
        before.to_label(article),
        reject="T1053.005",
        add="T1566.001",
        evidence="The intruders sent employees an email attachment disguised as a shipping invoice.",
    )
    folder = tmp_path_factory.mktemp("corrections")
    corrections = folder / "corrections.jsonl"
    corrections.write_text(json.dumps(record) + "\n")
    data = [tiny_home / "user.jsonl", corrections]
    root, meta = _train(tiny_home, catalog_path, folder / "acme-v2", data, "acme-v2")
    return before, corrections, root, meta


def test_a_rejected_technique_is_no_longer_predicted_after_retraining_and_an_added_one_is(
    first_model, corrected
):
    before, corrections, second_model, meta = corrected
    found = {t.id: t.source for t in before.techniques}
    # The tiny model names the backup job's scheduled task (by its ATT&CK name) and misses the lure.
    assert found.get("T1053.005") == "name"
    assert "T1566.001" not in found
    (reviewed,) = read_articles(corrections)
    assert "T1566.001" in reviewed.labels
    assert "T1053.005" not in reviewed.labels
    assert {t for _, _, t in reviewed.rejected} == {"T1053.005"}

    after = Analyzer(second_model).analyze(Article(ARTICLE, title="March intrusion"))
    ids = {t.id for t in after.techniques}
    assert "T1053.005" not in ids
    assert "T1566.001" in ids
    assert ids >= set(found) - {"T1053.005"}  # what was confirmed stays
    assert before.model["name"] == "acme-v1"
    assert after.model["name"] == "acme-v2"
    assert ["scheduled task", "T1053.005", 1] in meta["rejected_mentions"]
    assert meta["data_files"][1] == {"path": str(corrections), "records": 1, "labels": 4, "rejected": 1}
    assert meta["base_model"]["name"] == "ttpmap-default"
    # A text that shows a scheduled task the intruders made is still found by the sentence model.
    other = "The dropper calls schtasks /create to run the payload every 30 minutes."
    assert "T1053.005" in {t.id for t in Analyzer(second_model).analyze(other).techniques}


def test_the_card_is_written_for_the_named_model(corrected, tmp_path):
    from ttpmap.classify._card import write_model_card

    _, corrections, root, meta = corrected
    card = write_model_card(root, meta, command="ttpmap train --name acme-v2").read_text()
    assert card.startswith("# acme-v2: ATT&CK technique and tactic classifier")
    assert "ttpmap default model" not in card
    assert "**Base model:** `ttpmap-default`" in card
    assert f"`{corrections}` (1 records)" in card
    assert "| name or alias | `scheduled task` | T1053.005 | 1 |" in card
    assert "calibrated on TRAM2's 8 reports and the articles among your 9 --data records" in card


TINY_SET = [
    {"id": "a", "text": "Mimikatz was run to dump credentials from LSASS memory.", "labels": ["T1003.001"]},
    {"id": "b", "text": ARTICLE, "labels": ["T1566.001", "T1059.001", "T1071.001", "T1486", "T1567.002"]},
    {"id": "c", "text": "The company announced a new product for small businesses.", "labels": []},
    {
        "id": "d",
        "text": "A scheduled task launches the implant at every user logon.",
        "labels": ["T1053.005", "T1547.001"],
    },
]


def _by_hand(gold, pred):
    """Micro and macro P/R/F1 and per-label F1, counted pair by pair."""
    labels = sorted({x for g in gold for x in g} | {x for p in pred for x in p})
    counts = {lab: [0, 0, 0] for lab in labels}  # tp, fp, fn
    for g, p in zip(gold, pred, strict=True):
        for lab in labels:
            counts[lab][0] += lab in g and lab in p
            counts[lab][1] += lab not in g and lab in p
            counts[lab][2] += lab in g and lab not in p

    def prf(tp, fp, fn):
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0

    micro = prf(*(sum(c[k] for c in counts.values()) for k in range(3)))
    per = {lab: prf(*c) for lab, c in counts.items()}
    supported = [per[lab] for lab in labels if counts[lab][0] + counts[lab][2]]
    macro = tuple(sum(x[k] for x in supported) / len(supported) for k in range(3))
    return micro, macro, {lab: f1 for lab, (_, _, f1) in per.items()}


def test_evaluate_data_equals_a_hand_computation(first_model, corrected, tmp_path, capsys):
    from ttpmap.cli import main
    from ttpmap.datasets import default_catalog

    _, _, second_model, _ = corrected
    data = tmp_path / "tiny.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in TINY_SET))
    out = tmp_path / "scores"
    args = ["evaluate", "--data", str(data), "--model", str(first_model), "--model", str(second_model)]
    assert main([*args, "--compare", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    result = json.loads((out / "scores.json").read_text())
    gold = [set(r["labels"]) for r in TINY_SET]
    catalog = default_catalog()
    for model_dir, scored in zip((first_model, second_model), result["models"], strict=True):
        analyzer = Analyzer(model_dir)
        pred = [{t.id for t in analyzer.analyze(r["text"]).techniques} for r in TINY_SET]
        assert [set(p) for p in scored["predictions"]] == pred
        micro, macro, per = _by_hand(gold, pred)
        got = scored["techniques"]
        assert (got["micro"]["precision"], got["micro"]["recall"], got["micro"]["f1"]) == pytest.approx(micro)
        assert (got["macro"]["precision"], got["macro"]["recall"], got["macro"]["f1"]) == pytest.approx(macro)
        assert {lab: v["f1"] for lab, v in got["per_label"].items()} == pytest.approx(per)
        tactics = [{t.shortname for x in s for t in catalog.tactics_of(x)} for s in (*gold, *pred)]
        t_micro, t_macro, _ = _by_hand(tactics[: len(gold)], tactics[len(gold) :])
        assert scored["tactics"]["micro"]["f1"] == pytest.approx(t_micro[2])
        assert scored["tactics"]["macro"]["f1"] == pytest.approx(t_macro[2])
        assert f"{micro[0]:.3f}  {micro[1]:.3f}  {micro[2]:.3f}" in printed
    # What changed on the corrected article: the rejected technique lost, the added one gained.
    changed = {a["id"]: a for a in result["compare"]["articles"]}
    assert "T1053.005" in changed["b"]["removed"]
    assert "T1566.001" in changed["b"]["added"]
    assert "changed from acme-v1 to acme-v2:" in printed


def test_a_model_name_that_cannot_name_a_model_is_refused_before_training(tmp_path, capsys):
    from ttpmap.cli import main

    assert main(["train", "--out", str(tmp_path / "m"), "--name", "acme v2/x"]) == 2
    assert "model name 'acme v2/x'" in capsys.readouterr().err
    assert main(["train", "--out", str(tmp_path / "my model")]) == 2
    assert "--name" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_a_reviewed_briefs_other_sentences_are_not_negatives():
    from ttpmap.classify._estimator import _sentence_rows

    text = "They sent a phishing email. The loader ran PowerShell. It also ran a PowerShell script."
    spans = [[(0, 27, "T1566.001"), (28, 54, "T1059.001")]]
    reviewed, _, _ = _sentence_rows([text], [["T1566.001", "T1059.001"]], spans, [True])
    annotated, labels, _ = _sentence_rows([text], [["T1566.001", "T1059.001"]], spans, [False])
    assert reviewed == ["They sent a phishing email.", "The loader ran PowerShell."]
    assert annotated == [*reviewed, "It also ran a PowerShell script."]
    assert labels[-1] == set()  # an annotated article's unspanned sentence: a negative
