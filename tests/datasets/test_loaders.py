"""Loaders over the shared data (skipped with a message when the data home lacks it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ttpmap._exceptions import DataNotFoundError
from ttpmap.datasets import (
    load_annoctr,
    load_attack_descriptions,
    load_attack_procedures,
    load_bootstrap,
    load_tram2,
    load_tram2_sentences,
    load_ttpdrill,
    normalize_sentence,
    resolve_labels,
    tram50_label,
)

pytestmark = pytest.mark.shared


def need(home: Path, relative: str) -> Path:
    path = home / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent: set TTPMAP_DATA_HOME to the folder with ttpmap's shared data")
    return path


def test_missing_data_home_says_how_to_fix(tmp_path, catalog):
    with pytest.raises(DataNotFoundError, match="TTPMAP_DATA_HOME"):
        load_tram2(tmp_path, catalog=catalog)


def test_resolve_labels_follows_revocations(catalog):
    assert resolve_labels(["T1574.002", "t1059/001", "T1086"], catalog) == ("T1059.001", "T1574.001")
    assert tram50_label("T1027.002") == "T1027"
    assert tram50_label("T1059.001") == "T1059.001"


def test_tram2(data_home, catalog):
    need(data_home, "datasets/tram2/reports.jsonl")
    reports = load_tram2(data_home, catalog=catalog)
    assert len(reports) == 151
    assert sum(1 for r in reports if not r.labels) == 2
    iranian = [r for r in reports if "Iranian Government" in r.title]
    assert len(iranian) == 2
    assert len({r.group for r in iranian}) == 1
    assert len({r.group for r in reports}) == 150
    labels = {lab for r in reports for lab in r.labels}
    assert "T1574.002" not in labels
    assert "T1574.001" in labels
    tram50 = {lab for r in reports for lab in r.extra["labels_tram50"]}
    assert len(tram50) == 50
    for r in reports:
        for start, end, tid in r.spans:
            assert 0 <= start < end <= len(r.text)
            assert tid in r.labels


def test_tram2_sentences(data_home, catalog):
    need(data_home, "datasets/tram2/single_label.json")
    sents = load_tram2_sentences(data_home, catalog=catalog)
    assert len(sents) == 5089
    assert all(len(s.labels) == 1 for s in sents)


def test_bootstrap_excludes_tram2_overlap(data_home, catalog):
    need(data_home, "datasets/tram2/bootstrap-training-data.json")
    need(data_home, "datasets/tram2/single_label.json")
    everything = load_bootstrap(data_home, catalog=catalog)
    tram_sentences = [s.text for s in load_tram2_sentences(data_home, catalog=catalog)]
    kept = load_bootstrap(data_home, catalog=catalog, exclude=tram_sentences)
    assert len(everything) == 11130
    assert 3600 <= len(everything) - len(kept) <= 3700
    banned = {normalize_sentence(t) for t in tram_sentences}
    assert not any(normalize_sentence(s.text) in banned for s in kept)


def test_ttpdrill_ids_are_mapped(data_home, catalog):
    need(data_home, "datasets/ttpdrill/sentences.csv")
    sents = load_ttpdrill(data_home, catalog=catalog)
    assert 4500 < len(sents) < 4938
    active = {t.id for t in catalog.active_techniques()}
    assert all(s.labels[0] in active for s in sents)
    hidden = [s for s in sents if s.text.startswith("HiddenWasp installs reboot persistence")]
    assert hidden[0].labels == (catalog.resolve("T1156").id,)


def test_attack_sources(catalog):
    procs = load_attack_procedures(catalog)
    assert len(procs) > 15000
    assert all("(Citation" not in p.text for p in procs[:500])
    descs = load_attack_descriptions(catalog)
    assert len(descs) == len(catalog.active_techniques())
    by_sentence = load_attack_descriptions(catalog, by_sentence=True)
    assert len(by_sentence) > 3 * len(descs)
    supply = [r for r in by_sentence if r.labels == ("T1195.002",)]
    assert supply[0].text.startswith("Compromise Software Supply Chain.")
    assert all(len(r.text) <= 2000 and r.extra["source"] == "attack_descriptions" for r in by_sentence)
    whole = next(d.text for d in descs if d.labels == ("T1195.002",))
    assert all(r.text in whole for r in supply)


def test_annoctr_reports_carry_vendor_groups_and_mention_spans(data_home, catalog):
    need(data_home, "datasets/annoctr/train.jsonl")
    reports = load_annoctr(data_home, catalog=catalog)
    assert len(reports) == 70
    assert {r.extra["vendor"] for r in reports} == {
        "intel471",
        "proofpoint",
        "zscaler",
        "lab52",
        "quoteintelligence",
    }
    assert all(r.group == f"annoctr:{r.extra['vendor']}" for r in reports)
    assert sum(len(r.spans) for r in reports) > 1800
    for r in reports:
        for start, end, tid in r.spans:
            assert 0 <= start < end <= len(r.text)
            assert not catalog.resolve(tid).deprecated
    encrypted = [r for r in reports if "T1486" in r.labels]
    assert encrypted
    assert all(any(t == "T1486" for *_, t in r.spans) for r in encrypted)
