"""The default rules on short written cases: level, exact rules that fire, score bounds."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from severity_helpers import case_doc

from ttpmap._results import SEVERITY_LEVELS

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))


def test_cases_cover_every_default_rule(rules):
    fired = {rule for case in CASES for rule in case["expect"]["rules"]}
    assert set(rules.ids) <= fired, f"rules without a test case: {sorted(set(rules.ids) - fired)}"
    assert len(CASES) >= 40
    assert len({c["id"] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(rules, case):
    doc = case_doc(case)
    severity = rules.assess(doc)
    expect = case["expect"]
    got = sorted(r.rule for r in severity.reasons)
    assert (severity.level, got) == (expect["level"], sorted(expect["rules"])), [
        r.text for r in severity.reasons
    ]
    lo, hi = {"INFO": (0, 19), "LOW": (20, 39), "MEDIUM": (40, 59), "HIGH": (60, 79), "CRITICAL": (80, 100)}[
        severity.level
    ]
    assert lo <= severity.score <= hi
    assert expect.get("min_score", 0) <= severity.score <= expect.get("max_score", 100)
    top = max(SEVERITY_LEVELS.index(r.level) for r in severity.reasons)
    assert SEVERITY_LEVELS.index(severity.level) >= top


@pytest.mark.parametrize("case", CASES[:12], ids=[c["id"] for c in CASES[:12]])
def test_evidence_points_into_the_text(rules, case):
    doc = case_doc(case)
    for reason in rules.evaluate(doc):
        for ev in reason.evidence:
            assert doc.text[ev.start : ev.end] == ev.text
            assert ev in doc.sentences


def test_evaluate_only_reads_the_document(rules):
    doc = case_doc(next(c for c in CASES if c["id"] == "four-phases"))
    before = copy.deepcopy(doc)
    rules.evaluate(doc)
    rules.assess(doc)
    assert doc == before
