"""Reviewed techniques in a labeled record: what `Brief.to_label` writes and what reading it makes of a review."""

from __future__ import annotations

import json

import pytest

from ttpmap._exceptions import InputError
from ttpmap.datasets import LabeledArticle, read_articles

TEXT = (
    "The intruders sent a phishing email with a malicious attachment. "
    "The nightly backup job runs as a scheduled task. "
    "They encrypted the file server."
)


def _record(*techniques, labels=()):
    return {"id": "r1", "text": TEXT, "labels": list(labels), "techniques": list(techniques)}


def _item(tid, status, quote=None):
    item = {"id": tid, "status": status}
    if quote is not None:
        start = TEXT.index(quote)
        item["evidence"] = [{"text": quote, "start": start, "end": start + len(quote)}]
    return item


def test_confirmed_and_added_become_labels_and_spans_and_rejected_ones_do_not():
    phishing = "The intruders sent a phishing email with a malicious attachment."
    task = "The nightly backup job runs as a scheduled task."
    rec = LabeledArticle.from_dict(
        _record(
            _item("T1566.001", "confirmed", phishing),
            _item("T1053.005", "rejected", task),
            {"id": "T1486", "status": "added", "evidence": [{"text": "They encrypted the file server."}]},
        )
    )
    assert rec.labels == ("T1566.001", "T1486")
    start = TEXT.index("They encrypted")
    assert rec.spans == ((0, len(phishing), "T1566.001"), (start, len(TEXT), "T1486"))
    assert rec.rejected == ((TEXT.index(task), TEXT.index(task) + len(task), "T1053.005"),)
    again = LabeledArticle.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert (again.labels, again.spans, again.rejected) == (rec.labels, rec.spans, rec.rejected)


def test_a_rejection_without_evidence_is_kept_as_an_empty_span():
    rec = LabeledArticle.from_dict(_record(_item("T1105", "rejected")))
    assert rec.rejected == ((0, 0, "T1105"),)
    assert rec.labels == ()


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (_record(_item("T1105", "predicted")), r"T1105 is still 'predicted'; set its status"),
        (_record(_item("T1105", "maybe")), "status must be one of confirmed, rejected, added"),
        (_record(_item("T1105", "rejected"), labels=["T1105"]), "in 'labels' and rejected"),
        (_record(_item("T1105", "confirmed"), _item("T1105", "rejected")), "both kept and rejected"),
        (
            _record({"id": "T1105", "status": "added", "evidence": [{"text": "not in the article"}]}),
            "is not in the article's text",
        ),
        (
            _record({"id": "T1105", "status": "added", "evidence": [{"text": "x", "start": 0, "end": 3}]}),
            "differs from the article's text",
        ),
        (_record({"status": "added"}), "needs an 'id'"),
        ({"text": TEXT, "labels": [], "techniques": "T1105"}, "'techniques' must be a list"),
    ],
)
def test_a_bad_review_names_the_record_and_what_to_do(record, message, tmp_path):
    path = tmp_path / "corrections.jsonl"
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(InputError, match=message) as err:
        read_articles(path)
    assert f"{path}:1" in str(err.value)


def test_analyze_format_label_writes_one_record_to_review(tmp_path, capsys):
    from ttpmap.cli import main

    article = tmp_path / "article.md"
    article.write_text(
        "# Loader campaign\n\nVictims received a spearphishing email with a malicious Word attachment. "
        "The macro spawns PowerShell to run a script from a remote server.\n"
    )
    assert main(["analyze", str(article), "--format", "label"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    record = json.loads(out)
    assert record["id"] == str(article)  # records appended from several files stay apart
    assert record["text"] == article.read_text()
    assert record["labels"] == []
    assert record["techniques"]
    for t in record["techniques"]:
        assert t["status"] == "predicted"
        for ev in t["evidence"]:
            assert record["text"][ev["start"] : ev["end"]] == ev["text"]
    with pytest.raises(InputError, match="still 'predicted'"):
        LabeledArticle.from_dict(record)
    for t in record["techniques"]:
        t["status"] = "confirmed"
    assert set(LabeledArticle.from_dict(record).labels) == {t["id"] for t in record["techniques"]}
