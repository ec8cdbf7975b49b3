"""The shipped model on short texts (RSS summaries, alert titles) we wrote before tuning.

`datasets/labeled/short-texts.jsonl` keeps every third record out of every decision ("holdout"); this
test is its one measurement. Scores are parent-level micro precision and recall over the techniques
an analyst expects, after the final output stage, as a brief reports them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ttpmap._model import default_model_dir, load_model
from ttpmap.classify._evaluate import score_short_texts
from ttpmap.datasets import read_articles

SHORT_TEXTS = Path(__file__).resolve().parents[2] / "datasets" / "labeled" / "short-texts.jsonl"


@pytest.fixture(scope="module")
def model():
    m = load_model(default_model_dir())
    if m.classifier is None:
        pytest.skip(f"{default_model_dir()} has no classifier yet: run 'ttpmap train --out models/default'")
    return m


@pytest.fixture(scope="module")
def records():
    return read_articles(SHORT_TEXTS)


def test_the_set_is_as_documented(records):
    assert len(records) >= 60
    assert [r.extra["split"] for r in records] == [
        "holdout" if n % 3 == 2 else "tune" for n in range(len(records))
    ]
    assert sum(1 for r in records if not r.labels) >= 5


def test_holdout_third_keeps_its_measured_level(model, records):
    # a floor under the figures of 2026-12-08 (0.763 and 0.684 over batches 1-16, 316 labels, with the
    # round 14 lexicon; 0.758 and 0.679 over batches 1-15 with round 13), so that a regression fails
    # while the targets below stay open
    scores = score_short_texts(model.classifier, records, "holdout")["micro"]
    assert scores["precision"] >= 0.74, scores
    assert scores["recall"] >= 0.66, scores


_PER_BATCH = (
    "held-out thirds of batches 4 to 16, written blind to the code: recall 0.600 (12 of 20), 0.786"
    " (11 of 14), 0.857 (18 of 21), 0.529 (9 of 17), 0.667 (16 of 24), 0.700 (14 of 20), 0.684 (13 of"
    " 19), 0.556 (10 of 18), 0.667 (8 of 12), 0.389 (7 of 18), 0.667 (12 of 18), 0.571 (16 of 28),"
    " 0.462 (12 of 26); batches 11 to 16 were written to avoid the obvious keyword and to spread over"
    " the whole of ATT&CK"
)
_PRECISION_NOT_MET = (
    "issue 17's target is not met on the grown held-out third: the shipped model's precision measured"
    " 0.763 (216 of 283; 0.563-0.857 per batch from batch 4 on); " + _PER_BATCH
)
_RECALL_NOT_MET = (
    "issue 17's target is not met yet: the shipped model's holdout recall measured 0.684 (216 of 316); "
    + _PER_BATCH
)


@pytest.mark.xfail(strict=True, reason=_PRECISION_NOT_MET)
def test_holdout_third_precision(model, records):
    scores = score_short_texts(model.classifier, records, "holdout")["micro"]
    assert scores["precision"] >= 0.80, scores


@pytest.mark.xfail(strict=True, reason=_RECALL_NOT_MET)
def test_holdout_third_recall(model, records):
    scores = score_short_texts(model.classifier, records, "holdout")["micro"]
    assert scores["recall"] >= 0.80, scores


def test_one_sentence_that_states_a_technique_is_reported(model):
    for text, expected in [
        ("Threat actors used Rubeus to kerberoast service accounts.", "T1558"),
        ("LockBit affiliates encrypted VMware ESXi hosts.", "T1486"),
        # a ransomware family named is the impact told (issue 17: "REvil, DarkSide ... get no T1486")
        ("The Colonial Pipeline attack by DarkSide forced the company to shut down its pipeline.", "T1486"),
        # the vendors' word in every spelling: spear-phishing, spearphishing, spear phishing
        ("The group spearphished finance staff at two regional banks.", "T1566"),
        # wordings unlike the labeled records the patterns were written from
        (
            "The operator opened an interactive shell inside the billing container with kubectl exec -it.",
            "T1609",
        ),
        ("On every Mac it infects, the backdoor adds itself to the user's login items.", "T1547"),
    ]:
        techniques, _ = model.classifier.explain([text])[0]
        assert expected in {t.id.partition(".")[0] for t in techniques}, (text, techniques)


def test_a_short_text_that_tells_no_attack_reports_only_the_ids_it_writes(model):
    told = "Threat actors used Rubeus to kerberoast service accounts."
    for text, ids in [
        ("How to detect Kerberoasting in your domain: audit event 4769 for RC4 service tickets.", set()),
        ("Our EDR now stops ransomware encryption attempts in real time, available today.", set()),
        ("How to hunt for Kerberoasting (T1558.003) with event 4769.", {"T1558.003"}),
    ]:
        techniques, _ = model.classifier.explain([text, told])[0]
        assert {t.id for t in techniques} == ids, (text, techniques)
    assert model.classifier.explain([told])[0][0]
