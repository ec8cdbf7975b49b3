"""The built-in use-case pack: every rule valid for pySigma and for our ATT&CK catalog; the cache fresh."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ttpmap._exceptions import RuleError
from ttpmap.hunts._convert import convert_rule
from ttpmap.hunts._pack import build_pack, cache_path, load_pack, read_pack_rule, rules_dir

RULE_FILES = sorted(rules_dir().glob("*.yml"))


def test_pack_has_rules():
    assert len(RULE_FILES) >= 60


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_parses_with_pysigma(path: Path):
    from sigma.collection import SigmaCollection

    _, doc = read_pack_rule(path)
    collection = SigmaCollection.from_dicts([doc], collect_errors=True)
    assert collection.errors == []
    (rule,) = collection.rules
    assert rule.errors == []
    assert str(rule.id) == doc["id"]
    assert rule.name == doc["name"]
    assert rule.custom_attributes["kill_chain_phase"] == doc["kill_chain_phase"]


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_tags_are_current_attack_ids(path: Path, catalog):
    from ttpmap.attack import KILL_CHAIN_PHASES, phase_for_tactic

    info, _ = read_pack_rule(path)
    tactic_names = {t.shortname for t in catalog.tactics}
    assert info.tactics, "a pack rule names its ATT&CK tactics"
    assert set(info.tactics) <= tactic_names
    for tid in info.techniques:
        resolved = catalog.resolve(tid)
        assert resolved.id == tid, f"{tid} is revoked or moved: tag {resolved.id} instead"
        assert not resolved.deprecated, f"{tid} is deprecated"
        assert set(resolved.tactics) & set(info.tactics), f"none of {tid}'s tactics is tagged"
    assert info.phase in KILL_CHAIN_PHASES
    assert info.phase in {phase_for_tactic(t) for t in info.tactics}


def test_use_case_and_sigma_ids_are_unique():
    infos = [read_pack_rule(p)[0] for p in RULE_FILES]
    assert not [k for k, n in Counter(i.name for i in infos).items() if n > 1]
    assert not [k for k, n in Counter(i.uid for i in infos).items() if n > 1]


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.stem)
def test_rule_converts_to_splunk(path: Path):
    _, doc = read_pack_rule(path)
    conversion = convert_rule(doc)
    assert "spl" in conversion.queries, conversion.failures


def test_cache_matches_fresh_conversion():
    cached = json.loads(cache_path().read_text("utf-8"))
    fresh = build_pack()
    assert cached["format"] == fresh["format"]
    assert cached["backends"] == fresh["backends"]
    assert cached["rules"] == fresh["rules"], "pack.json is stale: run `python -m ttpmap.hunts._pack`"


def test_stale_cache_entry_is_reconverted_with_a_warning(monkeypatch, tmp_path):
    from ttpmap.hunts import _pack

    doc = json.loads(cache_path().read_text("utf-8"))
    doc["rules"][0]["sha256"] = "0" * 64
    doc["rules"][0]["queries"]["spl"] = "stale query"
    fake = tmp_path / "pack.json"
    fake.write_text(json.dumps(doc), "utf-8")
    monkeypatch.setattr(_pack, "cache_path", lambda: fake)
    _pack.load_pack.cache_clear()
    try:
        with pytest.warns(RuntimeWarning, match="stale for 1 rule"):
            entries = _pack.load_pack()
    finally:
        _pack.load_pack.cache_clear()
    assert len(entries) == len(RULE_FILES)
    assert all(conversion.queries.get("spl") != "stale query" for _, conversion in entries)


def test_malformed_pack_rule_names_the_file(tmp_path):
    bad = tmp_path / "uc_bad.yml"
    bad.write_text("title: x\nname: UC_BAD\nlogsource: {category: process_creation}\ndetection: [unclosed\n")
    with pytest.raises(RuleError, match=r"uc_bad\.yml:\d+: invalid YAML"):
        read_pack_rule(bad)
    bad.write_text(
        "title: x\nid: 1\nname: uc_bad\nlogsource: {category: process_creation}\n"
        "detection: {s: {Image: a}, condition: s}\n"
    )
    with pytest.raises(RuleError) as err:
        read_pack_rule(bad)
    message = str(err.value)
    for needle in ("use-case ID", "UUID", "falsepositives", "kill_chain_phase", "technique tag"):
        assert needle in message


@pytest.mark.shared
def test_pack_covers_the_40_most_frequent_techniques(pack, catalog):
    """The 40 techniques most frequent in TRAM2 labels and ATT&CK procedure examples each have a rule."""
    from ttpmap._datahome import get_data_home

    reports = get_data_home() / "datasets/tram2/reports.jsonl"
    if not reports.is_file():
        pytest.skip(f"{reports} is absent: set TTPMAP_DATA_HOME to the folder with ttpmap's shared data")
    tram: Counter[str] = Counter()
    for line in filter(None, reports.read_text("utf-8").split("\n")):
        for label in set(json.loads(line)["labels"]):
            tram[catalog.resolve(label).id] += 1
    active = {t.id for t in catalog.active_techniques()}
    procedures = Counter(p.technique_id for p in catalog.procedures if p.technique_id in active)
    top_tram, top_proc = max(tram.values()), max(procedures.values())
    score = {t: tram[t] / top_tram + procedures[t] / top_proc for t in set(tram) | set(procedures)}
    top40 = sorted(score, key=lambda t: (-score[t], t))[:40]
    index = pack._index
    missing = [t for t in top40 if t not in index]
    assert not missing, f"no pack rule tagged with {missing}"
    for required in (
        "T1195.002",
        "T1566.001",
        "T1566.002",
        "T1059.001",
        "T1059.003",
        "T1105",
        "T1053.005",
        "T1547.001",
        "T1003.001",
        "T1041",
        "T1486",
    ):
        assert required in index


@pytest.mark.parametrize(
    ("technique", "expected", "platform"),
    [
        ("T1558.003", {"UC_KERBEROAST_RC4_TICKET", "UC_KERBEROAST_TOOL"}, "windows"),
        ("T1621", {"UC_OKTA_MFA_PUSH_FATIGUE"}, "saas"),
        ("T1528", {"UC_ENTRA_OAUTH_CONSENT"}, "saas"),
        ("T1611", {"UC_CONTAINER_ESCAPE"}, "linux"),
    ],
)
def test_pack_hunts_for_what_batch_2_articles_hunt_first(pack, tech, technique, expected, platform):
    """Kerberoasting, MFA push fatigue, OAuth consent and container escape each have a pack hunt
    (issue 20's batch 2 of test articles found none), with an SPL query and the platform of its logs."""
    from ttpmap.hunts._rank import rule_platform

    hunts = pack.hunts_for([tech(technique, 0.9)], max_per_technique=5)
    assert expected <= {h.id for h in hunts}
    infos = {info.label: info for info, _ in load_pack()}
    for hunt in hunts:
        if hunt.id in expected:
            assert hunt.spl
            assert rule_platform(infos[hunt.id].logsource) == platform
