"""The labeled-article format: reading and writing JSONL and CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ttpmap._exceptions import InputError
from ttpmap.datasets import LabeledArticle, read_articles, write_articles

SAMPLES = Path(__file__).resolve().parents[2] / "datasets" / "labeled"


def test_samples_are_valid_and_spans_point_at_text():
    arts = read_articles(SAMPLES / "sample-articles.jsonl")
    sents = read_articles(SAMPLES / "sample-sentences.jsonl")
    assert len(arts) == 8
    assert len(sents) == 32
    for a in arts:
        assert a.spans
        assert {tid for _, _, tid in a.spans} == set(a.labels)
        for start, end, _ in a.spans:
            assert a.text[start:end].strip() == a.text[start:end]


def test_round_trip(tmp_path):
    rec = LabeledArticle(
        id="a1",
        title="T",
        text="PowerShell ran.",
        labels=("T1059.001",),
        spans=((0, 10, "T1059.001"),),
        tactics=("execution",),
        severity="HIGH",
        group="g",
        extra={"source": "test"},
    )
    path = write_articles([rec], tmp_path / "x.jsonl")
    (back,) = read_articles(path)
    assert back == rec
    assert back.extra == {"source": "test"}
    assert json.loads(path.read_text())["spans"] == [[0, 10, "T1059.001"]]


def test_csv(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('text,labels,title\n"PowerShell, then schtasks",T1059.001; T1053.005,one\n')
    (rec,) = read_articles(path)
    assert rec.labels == ("T1059.001", "T1053.005")
    assert rec.title == "one"
    assert rec.id == "x:2"


def test_unicode_line_separator_inside_a_record(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(
        json.dumps({"text": "a\u2028b", "labels": []}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (rec,) = read_articles(path)
    assert rec.text == "a\u2028b"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "x.jsonl:1: not JSON"),
        ('{"labels": []}', "'text' must be a non-empty string"),
        ('{"text": "abc", "labels": "T1059"}', None),
        ('{"text": "abc", "labels": [1]}', "'labels' must be a list"),
        ('{"text": "abc", "spans": [[0, 9, "T1059"]]}', "each span must be"),
        ('{"text": "abc", "severity": 3}', "'severity' must be a string"),
    ],
)
def test_bad_records_name_file_and_line(tmp_path, line, message):
    path = tmp_path / "x.jsonl"
    path.write_text(line + "\n")
    if message is None:
        assert read_articles(path)[0].labels == ("T1059",)
        return
    with pytest.raises(InputError, match=message):
        read_articles(path)


def test_missing_file_and_bad_csv(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_articles(tmp_path / "nope.jsonl")
    bad = tmp_path / "bad.csv"
    bad.write_text("body,ids\nx,T1059\n")
    with pytest.raises(InputError, match="'text' and 'labels' columns"):
        read_articles(bad)
