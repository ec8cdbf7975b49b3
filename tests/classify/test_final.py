"""The final output stage: no deprecated or revoked technique, never a parent beside its sub-technique."""

from __future__ import annotations

import pytest

from ttpmap._results import Evidence, Technique
from ttpmap.classify._final import final_techniques


@pytest.fixture(scope="module")
def catalog(catalog_path):
    from ttpmap.datasets._loaders import catalog_at

    return catalog_at(catalog_path)


def tech(tid: str, confidence: float = 0.8, *evidence: Evidence) -> Technique:
    return Technique(tid, "as found", (), confidence, tuple(evidence), "", "model")


def test_deprecated_technique_is_never_reported(catalog, caplog):
    with caplog.at_level("INFO", logger="ttpmap"):
        out = final_techniques([tech("T1061", 0.9), tech("T1486", 0.7)], catalog)
    assert [t.id for t in out] == ["T1486"]
    assert "T1061" in caplog.text
    assert "deprecated" in caplog.text


def test_revoked_technique_becomes_its_replacement_with_the_reason(catalog):
    (out,) = final_techniques([tech("T1574.002")], catalog)
    assert out.id == "T1574.001"
    assert out.name == catalog.resolve("T1574.001").name
    assert "T1574.002 is revoked" in out.note
    assert out.to_dict()["note"] == out.note


def test_parent_is_dropped_beside_its_own_sub_technique(catalog):
    found = [tech("T1003", 0.9), tech("T1003.001", 0.6), tech("T1059", 0.8), tech("T1059.003", 0.7)]
    out = final_techniques([*found, tech("T1105", 0.5)], catalog)
    assert [t.id for t in out] == ["T1059.003", "T1003.001", "T1105"]


def test_duplicates_after_replacement_merge_keeping_the_best(catalog):
    a, b = Evidence("one", 0, 3), Evidence("two", 4, 7)
    out = final_techniques([tech("T1574.001", 0.5, a), tech("T1574.002", 0.9, b)], catalog)
    assert len(out) == 1
    assert out[0].confidence == 0.9
    assert set(out[0].evidence) == {a, b}


def test_analyzer_never_reports_deprecated_ids_or_parent_with_sub():
    from ttpmap import analyze

    text = (
        "The operators used the GUI (T1061) of the remote host. They dumped credentials (T1003) "
        "from LSASS memory with Mimikatz (T1003.001)."
    )
    ids = [t.id for t in analyze(text).techniques]
    assert "T1061" not in ids
    assert "T1003.001" in ids
    assert "T1003" not in ids
