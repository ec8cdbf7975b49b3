"""Integration tests on the full ATT&CK Enterprise v18.1 bundle (built once per session, ~12 s)."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest

from ttpmap.attack import KILL_CHAIN_PHASES, Catalog, load_catalog, phase_for_tactic, phases_for
from ttpmap.attack._download import pinned_sha256
from ttpmap.attack._ids import moves

pytestmark = [pytest.mark.shared, pytest.mark.slow]


def test_counts(catalog_181: Catalog) -> None:
    active = catalog_181.active_techniques()
    assert sum(not t.is_subtechnique for t in active) == 216
    assert sum(t.is_subtechnique for t in active) == 475
    assert len(active) == 691
    assert len(catalog_181.techniques) == 835
    assert len(catalog_181.tactics) == 14
    assert len(catalog_181.procedures) == 16_017


def test_metadata(catalog_181: Catalog, bundle_181: Path) -> None:
    assert catalog_181.version == "18.1"
    assert catalog_181.domain == "enterprise-attack"
    assert catalog_181.spec_version == "2.0"
    assert catalog_181.bundle_sha256 == pinned_sha256("18.1")
    assert catalog_181.copyright.startswith("Copyright 2015-2025, The MITRE Corporation.")


def test_tactics_in_matrix_order(catalog_181: Catalog) -> None:
    assert [t.id for t in catalog_181.tactics] == [
        "TA0043", "TA0042", "TA0001", "TA0002", "TA0003", "TA0004", "TA0005",
        "TA0006", "TA0007", "TA0008", "TA0009", "TA0011", "TA0010", "TA0040",
    ]  # fmt: skip
    assert [t.order for t in catalog_181.tactics] == list(range(14))
    for tactic in catalog_181.tactics:
        assert phase_for_tactic(tactic.shortname) in KILL_CHAIN_PHASES


def test_known_technique(catalog_181: Catalog) -> None:
    ps = catalog_181.resolve("https://attack.mitre.org/techniques/T1059/001/")
    assert ps.name == "PowerShell"
    assert ps.parent == "T1059"
    assert ps.tactics == ("execution",)
    assert "Windows" in ps.platforms
    assert ps.url == "https://attack.mitre.org/techniques/T1059/001"
    assert [t.shortname for t in catalog_181.tactics_of("T1078")] == [
        "initial-access", "persistence", "privilege-escalation", "defense-evasion",
    ]  # fmt: skip
    assert ps.created == "2020-03-09"
    assert catalog_181.techniques["T1657"].created == "2023-08-18"


def test_no_citations_or_markdown_links_left(catalog_181: Catalog) -> None:
    link = re.compile(r"\]\(https?://")
    for t in catalog_181.techniques.values():
        assert "(Citation:" not in t.description, t.id
        assert not link.search(t.description), t.id
    for p in catalog_181.procedures:
        assert "(Citation:" not in p.text
        assert not link.search(p.text), p.text
        assert p.text
        assert p.text == p.text.strip()
        assert p.source_type in ("group", "software", "campaign")
        assert p.technique_id in catalog_181.techniques


def test_revoked_ids_resolve_to_active_techniques(catalog_181: Catalog) -> None:
    revoked = [t for t in catalog_181.techniques.values() if t.revoked]
    assert len(revoked) == 132
    assert all(t.revoked_by for t in revoked)
    for t in revoked:
        target = catalog_181.resolve(t.id)
        assert not target.revoked
    assert catalog_181.resolve("T1086").id == "T1059.001"


def test_deprecated_are_flagged(catalog_181: Catalog) -> None:
    deprecated = [t for t in catalog_181.techniques.values() if t.deprecated]
    assert deprecated
    assert all(catalog_181.resolve(t.id).deprecated for t in deprecated if not t.revoked)


def test_every_v19_id_of_the_move_table_maps_onto_v18(catalog_181: Catalog) -> None:
    for move in moves():
        assert move.v18_id in catalog_181.techniques
        back = catalog_181.resolve(move.v19_id)
        assert not back.revoked, move
        assert not back.deprecated, move
    assert catalog_181.resolve("T1685").name == "Disable or Modify Tools"
    assert catalog_181.resolve("T1685.005").id == "T1070.001"
    assert catalog_181.resolve("T1684.002").id == "T1672"


def test_phases_for_a_report(catalog_181: Catalog) -> None:
    phases = phases_for(["T1566.001", "T1059.001", "T1685", "T1071.001", "T1486", "T1595"], catalog_181)
    assert [p.name for p in phases] == [
        "Reconnaissance", "Delivery", "Exploitation", "Installation", "Command and Control",
        "Actions on Objectives",
    ]  # fmt: skip
    assert [p.order for p in phases] == [1, 3, 4, 5, 6, 7]


def test_save_load_round_trip_and_speed(catalog_181: Catalog, tmp_path: Path) -> None:
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    catalog_181.save(a)
    start = time.perf_counter()
    loaded = load_catalog(a)
    seconds = time.perf_counter() - start
    loaded.save(b)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert loaded.procedures == catalog_181.procedures
    assert dict(loaded.techniques) == dict(catalog_181.techniques)
    assert a.stat().st_size < 2_000_000
    assert seconds < 1.0  # generous for a shared CI box; measured ~50 ms on the build machine


def test_shipped_catalog_is_this_build(catalog_181: Catalog, tmp_path: Path) -> None:
    from ttpmap._model import default_model_dir

    shipped = default_model_dir() / "attack-catalog.json.gz"
    if not shipped.is_file():
        pytest.skip(f"{shipped} is absent: build it with `ttpmap attack build --bundle ... --out {shipped}`")
    rebuilt = tmp_path / "rebuilt.json.gz"
    catalog_181.save(rebuilt)
    assert shipped.read_bytes() == rebuilt.read_bytes()
