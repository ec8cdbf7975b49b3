"""One-line cases from ``tests/data/iocs/cases.jsonl``: each input and the exact IOCs it must yield."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ttpmap.iocs import find_iocs, refang

CASES = Path(__file__).resolve().parents[1] / "data" / "iocs" / "cases.jsonl"


def _load() -> list[dict[str, Any]]:
    with CASES.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


ALL = _load()


def test_the_case_file_is_big_enough() -> None:
    assert len(ALL) >= 60


@pytest.mark.parametrize("case", ALL, ids=[c["text"][:48] for c in ALL])
def test_case(case: dict[str, Any]) -> None:
    iocs = find_iocs(case["text"], url=case.get("url"))
    high = sorted(f"{i.type} {i.value}" for i in iocs if i.fidelity == "high")
    assert high == sorted(case["high"]), case.get("note", "")
    if "low" in case and case["low"] is not None:
        low = sorted(f"{i.type} {i.value}" for i in iocs if i.fidelity == "low")
        assert low == sorted(case["low"]), case.get("note", "")
    for i in iocs:
        assert i.fidelity == "high" or i.reason
        assert 0 <= i.start < i.end <= len(case["text"])
        if i.type in ("url", "filename", "registry_key", "btc_address", "xmr_address"):
            assert refang(case["text"][i.start : i.end]).lower().startswith(i.value.lower()[:8])
