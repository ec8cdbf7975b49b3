"""Strict precision and recall on the labeled reports, and sanity checks on the truth files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ttpmap.iocs import IOC_TYPES, find_iocs, refang

from .score import REPORTS, load_truth, score_corpus

PATHS = sorted(REPORTS.glob("*.txt"))


def test_corpus_size() -> None:
    assert len(PATHS) >= 3
    assert all(10_000 <= len(p.read_text(encoding="utf-8")) <= 20_000 for p in PATHS)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_truth_file_is_consistent(path: Path) -> None:
    text, _, iocs, traps = load_truth(path)
    assert iocs
    assert traps
    assert not iocs & traps
    assert {t for t, _ in iocs | traps} <= set(IOC_TYPES)
    plain = refang(text).lower()
    for _, value in iocs:
        assert value.lower().split("/")[0] in plain or value.lower() in plain, value


def test_precision_and_recall_targets() -> None:
    total = score_corpus()["total"]
    assert total.precision >= 0.95, total.false_positives
    assert total.recall >= 0.95, total.false_negatives


def test_every_trap_is_kept_out_of_the_high_fidelity_list_or_counted() -> None:
    """Traps reported as high fidelity are false positives; at most a few may slip through."""
    slipped = 0
    for path in PATHS:
        text, url, _, traps = load_truth(path)
        high = {(i.type, i.value) for i in find_iocs(text, url=url) if i.fidelity == "high"}
        slipped += len(high & traps)
    total_traps = sum(len(json.loads(p.with_suffix(".json").read_text())["traps"]) for p in PATHS)
    assert slipped <= 0.1 * total_traps
