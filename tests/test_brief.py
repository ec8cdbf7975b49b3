from __future__ import annotations

import json

import jsonschema
import pytest

import ttpmap
from ttpmap._brief import brief_schema

SECTIONS = (
    "## Summary",
    "## Indicators of compromise (high-fidelity)",
    "## MITRE ATT&CK techniques",
    "## Kill chain phases observed",
    "## Recommended hunts",
    "## Why this matters",
)


@pytest.fixture(scope="module")
def briefs(analyzer, samples):
    return {p.stem: analyzer.analyze(ttpmap.Article.from_file(p)) for p in samples}


def test_every_sample_brief_validates_against_the_schema(briefs):
    schema = brief_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for brief in briefs.values():
        jsonschema.validate(json.loads(brief.to_json()), schema)


def test_schema_rejects_a_brief_missing_a_contract_key(briefs):
    d = next(iter(briefs.values())).to_dict()
    del d["severity"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(d, brief_schema())


def test_to_dict_has_the_contract_keys(briefs):
    d = briefs["phishing-to-ransomware"].to_dict()
    for key in (
        "title",
        "url",
        "source",
        "published",
        "severity",
        "iocs",
        "techniques",
        "tactics",
        "phases",
        "hunts",
    ):
        assert key in d
    assert set(d["severity"]) >= {"level", "score", "reasons"}
    assert all(set(i) >= {"type", "value", "defanged", "fidelity", "start", "end"} for i in d["iocs"])
    assert all(set(t) >= {"id", "name", "tactics", "confidence", "evidence"} for t in d["techniques"])
    assert all(
        {"id", "title", "techniques", "phase", "confidence", "spl", "kql"} <= set(h) for h in d["hunts"]
    )


def test_offsets_point_into_the_article(briefs, samples):
    for path in samples:
        article = ttpmap.Article.from_file(path)
        brief = briefs[path.stem]
        for ioc in brief.iocs:
            assert 0 <= ioc.start < ioc.end <= len(article.text)
        for technique in brief.techniques:
            for ev in technique.evidence:
                assert article.text[ev.start : ev.end] == ev.text


def test_ransomware_report_finds_what_an_analyst_would(briefs):
    brief = briefs["phishing-to-ransomware"]
    ids = {t.id for t in brief.techniques}
    assert {"T1566.001", "T1486"} <= ids
    values = {i.value for i in brief.iocs}
    assert "91.215.85.17" in values
    assert "71f8854ed9d8b4cb76aa42e81e2c167281bf328e32aeebdb157b99407ad693d9" in values
    assert all(i.fidelity == "high" for i in brief.iocs)
    assert any(p.name == "Actions on Objectives" for p in brief.phases)
    assert brief.severity.level in ("HIGH", "CRITICAL")


def test_compromised_build_dependency_yields_the_supply_chain_hunt(briefs):
    brief = briefs["supply-chain-build-dependency"]
    supply = [t for t in brief.techniques if t.id.startswith("T1195")]
    assert supply, [t.id for t in brief.techniques]
    # a compromised npm build dependency: Compromise Software Dependencies, shown by the sentence that says so
    assert "T1195.001" in {t.id for t in supply}
    told = ("compromised build dependency", "supply chain compromise")
    assert any(phrase in e.text for t in supply for e in t.evidence for phrase in told)
    assert supply[0].source in ("model", "name", "phrase")
    # an npm build dependency on Linux CI runners: the package-install-script hunt, not the Windows one
    hunt = next(h for h in brief.hunts if h.id == "UC_SUPPLY_CHAIN_PACKAGE_SCRIPT")
    assert "UC_SUPPLY_CHAIN" not in {h.id for h in brief.hunts}
    assert set(hunt.techniques) & {t.id for t in supply}
    assert hunt.spl.startswith("| tstats ")
    assert "from datamodel=Endpoint.Processes" in hunt.spl
    assert hunt.kql.startswith("DeviceProcessEvents")
    assert {"T1053.003", "T1070.003"} <= {t.id for t in brief.techniques}


def test_markdown_has_every_section_and_defangs(briefs):
    md = briefs["phishing-to-ransomware"].to_markdown()
    assert md.startswith("# [")
    positions = [md.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    assert "91[.]215[.]85[.]17" in md
    assert "https://attack.mitre.org/techniques/T1486/" in md
    assert "```spl" in md
    assert "```kql" in md


def test_empty_sections_say_so_honestly(analyzer):
    brief = analyzer.analyze(
        "We released version 2.0 of our note-taking app with a new dark theme and faster sync."
    )
    md = brief.to_markdown()
    assert "_No high-fidelity IOCs found in the text._" in md
    assert "_No ATT&CK techniques identified in the text._" in md
    assert brief.severity.level in ("INFO", "LOW")


def test_json_is_deterministic(analyzer, samples):
    article = ttpmap.Article.from_file(samples[0])
    assert analyzer.analyze(article).to_json() == analyzer.analyze(article).to_json()


def test_module_level_analyze_reuses_one_analyzer():
    a = ttpmap.analyze("Attackers used T1059.001 PowerShell.")
    from ttpmap import _analyzer

    first = _analyzer._DEFAULT
    ttpmap.analyze("Another article about T1105 ingress tool transfer.")
    assert _analyzer._DEFAULT is first
    assert isinstance(a, ttpmap.Brief)


def test_analyze_rejects_non_text(analyzer):
    with pytest.raises(ttpmap.InputError):
        analyzer.analyze(42)  # type: ignore[arg-type]
    with pytest.raises(ttpmap.InputError, match="limit"):
        ttpmap.Analyzer(max_bytes=50).analyze("x" * 60)


_WITH_MITIGATIONS = (
    "# Intrusion at a regional bank\n\nThe actor dumped LSASS memory with procdump to steal credentials, and "
    "later disabled Windows Defender real-time monitoring.\n\n## Mitigations\n\nEnsure clear-text passwords are "
    "not stored in LSASS memory, and monitor access to LSASS memory. Turn on tamper protection so Defender "
    "cannot be disabled.\n"
)


def test_advice_to_defenders_is_not_evidence_when_the_article_tells_what_happened(analyzer):
    brief = analyzer.analyze(_WITH_MITIGATIONS)
    lsass = next(t for t in brief.techniques if t.id == "T1003.001")
    assert [e.text for e in lsass.evidence] == [_WITH_MITIGATIONS.split("\n\n")[1]]


def test_in_advice_section_reads_the_heading_over_the_offset():
    from ttpmap._evidence import in_advice_section
    from ttpmap._structure import parse_structure

    structure = parse_structure(_WITH_MITIGATIONS)
    assert not in_advice_section(structure, _WITH_MITIGATIONS.index("The actor"))
    assert in_advice_section(structure, _WITH_MITIGATIONS.index("Ensure"))
    defense = "# Report\n\n## Defense Evasion\n\nThey disabled Defender.\n"
    assert not in_advice_section(parse_structure(defense), defense.index("They"))
