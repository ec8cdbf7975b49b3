"""JSONL, STIX 2.1 and ATT&CK Navigator outputs, from brief dicts and from `Brief` objects."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from ttpmap._batch import BatchError
from ttpmap._brief import Brief, brief_schema
from ttpmap._exceptions import InvalidParameterError
from ttpmap._results import Evidence, Ioc, Severity, Technique
from ttpmap.export import stix_pattern, to_jsonl, to_navigator_layer, to_stix_bundle

SENTENCE_1 = "They ran PowerShell to beacon to 203.0.113.45 every minute."
SENTENCE_2 = "The actor exploited CVE-2024-3400 on the VPN gateway."


def make_brief(
    title: str = "Edge VPN exploitation leads to PowerShell loader",
    url: str | None = "https://research.example.org/2024/05/edge-vpn",
    published: str | None = "2024-05-17T09:30:00Z",
    techniques: list[tuple[str, str, list[str], float]] | None = None,
) -> dict[str, Any]:
    text_start = 100
    techs = techniques or [
        ("T1059.001", "PowerShell", ["execution"], 0.91),
        ("T1190", "Exploit Public-Facing Application", ["initial-access"], 0.7),
    ]
    evidence = {
        "T1059.001": {"text": SENTENCE_1, "start": text_start, "end": text_start + len(SENTENCE_1)},
        "T1190": {"text": SENTENCE_2, "start": 300, "end": 300 + len(SENTENCE_2)},
    }
    ip_start = text_start + SENTENCE_1.index("203.0.113.45")
    cve_start = 300 + SENTENCE_2.index("CVE-2024-3400")
    return {
        "schema_version": "1.0",
        "title": title,
        "url": url,
        "source": "Example Threat Research",
        "published": published,
        "summary": "An intrusion that began with a VPN exploit.",
        "severity": {"level": "HIGH", "score": 72, "confidence": 60, "decided_by": "rules", "reasons": []},
        "iocs": [
            {"type": "ipv4", "value": "203.0.113.45", "defanged": True, "fidelity": "high",
             "start": ip_start, "end": ip_start + 12},
            {"type": "cve", "value": "CVE-2024-3400", "defanged": False, "fidelity": "high",
             "start": cve_start, "end": cve_start + 13},
            {"type": "sha256", "value": "3F786850E387550FDAB836ED7E6DC881DE23001B5D0B1D7E2C2A6C7D3F1E6A90",
             "defanged": False, "fidelity": "high", "start": 500, "end": 564},
            {"type": "url", "value": "http://update-check.example.net/a'b.ps1", "defanged": True,
             "fidelity": "high", "start": 600, "end": 640},
            {"type": "domain", "value": "Files.Example.com", "defanged": True, "fidelity": "high",
             "start": 700, "end": 717},
            {"type": "email", "value": "ops@example.org", "defanged": False, "fidelity": "high",
             "start": 720, "end": 735},
            {"type": "ipv6", "value": "2001:db8::7", "defanged": False, "fidelity": "high",
             "start": 740, "end": 751},
            {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "defanged": False,
             "fidelity": "high", "start": 760, "end": 792},
            {"type": "btc_address", "value": "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "defanged": False,
             "fidelity": "high", "start": 800, "end": 834},
            {"type": "domain", "value": "example.com", "defanged": False, "fidelity": "low",
             "start": 900, "end": 911, "reason": "benign list"},
        ],
        "techniques": [
            {"id": tid, "name": name, "tactics": tactics, "confidence": conf,
             "url": f"https://attack.mitre.org/techniques/{tid.replace('.', '/')}/", "source": "model",
             "evidence": [evidence[tid]] if tid in evidence else []}
            for tid, name, tactics, conf in techs
        ],
        "tactics": [],
        "phases": [],
        "hunts": [],
        "attack_version": "18.1",
        "model": {"name": "test"},
    }  # fmt: skip


def real_brief(title: str = "A real Brief object", confidence: float = 0.8) -> Brief:
    sentence = Evidence("The actor used scheduled tasks for persistence.", 0, 47)
    return Brief(
        title=title,
        url="https://cert.example.net/advisories/0601",
        source="Example CERT",
        published="2024-06-01T06:15:00Z",
        summary="Scheduled tasks for persistence.",
        severity=Severity("MEDIUM", 45, 50),
        iocs=(Ioc("domain", "drop.example.org", True, "high", 60, 76),),
        techniques=(
            Technique("T1053.005", "Scheduled Task", ("execution", "persistence", "privilege-escalation"),
                      confidence, (sentence,), "https://attack.mitre.org/techniques/T1053/005/"),
        ),
        attack_version="18.1",
    )  # fmt: skip


# --- JSONL -------------------------------------------------------------------------------------


def test_jsonl_one_valid_brief_per_line(tmp_path: Path) -> None:
    briefs = [make_brief(title="first"), real_brief("second"), make_brief(title="third")]
    path = tmp_path / "out" / "briefs.jsonl"
    assert to_jsonl(briefs, path) == 3
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["title"] for line in lines] == ["first", "second", "third"]
    schema = brief_schema()
    for line in lines:
        jsonschema.validate(json.loads(line), schema)
    assert not list(tmp_path.glob("out/.*.tmp"))


def test_jsonl_streams_skips_batch_errors_and_keeps_unicode() -> None:
    error = BatchError(1, "bad", None, "InputError", "empty")
    stream = iter([make_brief(title="Café « APT »"), error, (make_brief(title="pair"), {"ctx": 1})])
    buf = io.StringIO()
    assert to_jsonl(stream, buf) == 2
    first, second = buf.getvalue().splitlines()
    assert "Café « APT »" in first
    assert json.loads(second)["title"] == "pair"


def test_jsonl_rejects_what_is_not_a_brief(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="not a brief"):
        to_jsonl([{"title": "no lists"}], tmp_path / "x.jsonl")
    with pytest.raises(InvalidParameterError, match="got str"):
        to_jsonl("briefs", tmp_path / "x.jsonl")
    with pytest.raises(InvalidParameterError, match="path or an open text file"):
        to_jsonl([make_brief()], 42)  # type: ignore[arg-type]
    assert not (tmp_path / "x.jsonl").exists()


# --- STIX 2.1 ----------------------------------------------------------------------------------


def _validate(bundle: dict[str, Any]) -> Any:
    from stix2validator import validate_string

    return validate_string(json.dumps(bundle))


def _by_type(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [o for o in bundle["objects"] if o["type"] == kind]


def test_stix_bundle_is_valid_and_complete() -> None:
    bundle = to_stix_bundle([make_brief(), real_brief()])
    assert bundle["type"] == "bundle"
    result = _validate(bundle)
    assert result.is_valid, [str(e) for e in result.errors]
    assert result.errors == []
    # only the "SHOULD" warnings that deterministic IDs (UUIDv5) and unhashed references imply
    codes = {re.search(r"\{(\d+)\}", str(w)).group(1) for w in result.warnings}  # type: ignore[union-attr]
    assert codes <= {"103", "302"}, [str(w) for w in result.warnings]
    assert len(result.warnings) > 0

    reports = _by_type(bundle, "report")
    assert [r["name"] for r in reports] == [
        "Edge VPN exploitation leads to PowerShell loader",
        "A real Brief object",
    ]
    ids = {o["id"] for o in bundle["objects"]}
    for report in reports:
        assert report["report_types"] == ["threat-report"]
        assert set(report["object_refs"]) <= ids
    assert reports[0]["published"].startswith("2024-05-17T09:30:00")
    assert reports[0]["labels"] == ["severity-high"]

    patterns = {i["pattern"] for i in _by_type(bundle, "indicator")}
    assert patterns == {
        "[ipv4-addr:value = '203.0.113.45']",
        "[file:hashes.'SHA-256' = '3f786850e387550fdab836ed7e6dc881de23001b5d0b1d7e2c2a6c7d3f1e6a90']",
        "[url:value = 'http://update-check.example.net/a\\'b.ps1']",
        "[domain-name:value = 'files.example.com']",
        "[email-addr:value = 'ops@example.org']",
        "[ipv6-addr:value = '2001:db8::7']",
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
        "[domain-name:value = 'drop.example.org']",
    }  # no low-fidelity example.com, no BTC address: STIX 2.1 has no object for it
    external = {
        ref["external_id"]: ap
        for ap in _by_type(bundle, "attack-pattern")
        for ref in ap["external_references"]
        if ref["source_name"] == "mitre-attack"
    }
    assert set(external) == {"T1059.001", "T1190", "T1053.005"}
    assert [k["phase_name"] for k in external["T1053.005"]["kill_chain_phases"]] == [
        "execution", "persistence", "privilege-escalation",
    ]  # fmt: skip
    (vuln,) = _by_type(bundle, "vulnerability")
    assert vuln["name"] == "CVE-2024-3400"
    assert vuln["external_references"] == [{"source_name": "cve", "external_id": "CVE-2024-3400"}]


def test_stix_relationships_follow_evidence_sentences() -> None:
    bundle = to_stix_bundle(make_brief())
    by_id = {o["id"]: o for o in bundle["objects"]}

    def label(ref: str) -> str:
        obj = by_id[ref]
        if obj["type"] == "attack-pattern":
            return obj["external_references"][0]["external_id"]
        return obj.get("pattern") or obj["name"]

    rels = {
        (label(r["source_ref"]), r["relationship_type"], label(r["target_ref"]))
        for r in _by_type(bundle, "relationship")
    }
    assert rels == {
        ("[ipv4-addr:value = '203.0.113.45']", "indicates", "T1059.001"),
        ("T1190", "targets", "CVE-2024-3400"),
    }
    (report,) = _by_type(bundle, "report")
    assert {r["id"] for r in _by_type(bundle, "relationship")} <= set(report["object_refs"])


def test_stix_is_deterministic_and_shares_objects() -> None:
    a, b = make_brief(), make_brief(title="Second report", url="https://research.example.org/other")
    first = to_stix_bundle([a, b])
    assert to_stix_bundle([copy.deepcopy(a), copy.deepcopy(b)]) == first
    assert json.dumps(first, sort_keys=True) == json.dumps(to_stix_bundle([a, b]), sort_keys=True)
    ids = [o["id"] for o in first["objects"]]
    assert len(ids) == len(set(ids))
    assert len(_by_type(first, "report")) == 2
    assert len(_by_type(first, "attack-pattern")) == 2  # shared, not repeated
    other = to_stix_bundle([a])
    assert other["id"] != first["id"]
    assert {o["id"] for o in _by_type(other, "indicator")} == {o["id"] for o in _by_type(first, "indicator")}


def test_stix_without_dates_uses_created_and_skips_empty_briefs() -> None:
    undated = make_brief(published=None, url=None)
    empty = make_brief(title="Nothing found", techniques=[("T1059.001", "x", [], 0.5)])
    empty["techniques"], empty["iocs"] = [], []
    bundle = to_stix_bundle([undated, empty], created="2024-07-01T00:00:00Z")
    (report,) = _by_type(bundle, "report")
    assert report["published"].startswith("2024-07-01T00:00:00")
    assert "external_references" not in report
    assert _validate(bundle).is_valid
    epoch = to_stix_bundle([undated])
    assert _by_type(epoch, "report")[0]["published"].startswith("1970-01-01")
    with pytest.raises(InvalidParameterError, match="created"):
        to_stix_bundle([undated], created="yesterday")


@pytest.mark.parametrize(
    ("ioc_type", "value", "expected"),
    [
        ("ipv4", "198.51.100.1", "[ipv4-addr:value = '198.51.100.1']"),
        ("sha1", "A" * 40, "[file:hashes.'SHA-1' = '" + "a" * 40 + "']"),
        ("sha512", "b" * 128, "[file:hashes.'SHA-512' = '" + "b" * 128 + "']"),
        ("filename", "C:\\Users\\x\\evil.dll", "[file:name = 'C:\\\\Users\\\\x\\\\evil.dll']"),
        ("registry_key", "HKLM\\Software\\Run", "[windows-registry-key:key = 'HKLM\\\\Software\\\\Run']"),
        ("xmr_address", "4" + "A" * 94, None),
    ],
)
def test_stix_patterns_escape_and_parse(ioc_type: str, value: str, expected: str | None) -> None:
    pattern = stix_pattern(ioc_type, value)
    assert pattern == expected
    if pattern is not None:
        from stix2patterns.validator import validate

        assert validate(pattern, stix_version="2.1")


# --- ATT&CK Navigator --------------------------------------------------------------------------

# The required fields and types of layer format 4.5 (attack-navigator layers/spec/v4.5/layerformat.md).
_LINK_OR_DIVIDER = {
    "oneOf": [
        {
            "type": "object",
            "required": ["label", "url"],
            "properties": {"label": {"type": "string"}, "url": {"type": "string", "pattern": "^https?://"}},
        },
        {"type": "object", "required": ["divider"], "properties": {"divider": {"type": "boolean"}}},
    ]
}
_METADATA_OR_DIVIDER = {
    "oneOf": [
        {
            "type": "object",
            "required": ["name", "value"],
            "additionalProperties": False,
            "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
        },
        {
            "type": "object",
            "required": ["divider"],
            "additionalProperties": False,
            "properties": {"divider": {"type": "boolean"}},
        },
    ]
}
LAYER_45_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "domain", "versions"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "domain": {"enum": ["enterprise-attack", "mobile-attack", "ics-attack"]},
        "versions": {
            "type": "object",
            "required": ["navigator", "layer"],
            "properties": {
                "attack": {"type": "string", "pattern": "^[0-9]+$"},
                "navigator": {"type": "string", "pattern": "^5\\.[0-9]+\\.[0-9]+$"},
                "layer": {"const": "4.5"},
            },
        },
        "sorting": {"enum": [0, 1, 2, 3]},
        "layout": {"type": "object", "properties": {
            "layout": {"enum": ["side", "flat", "mini"]},
            "aggregateFunction": {"enum": ["average", "min", "max", "sum"]},
            "expandedSubtechniques": {"enum": ["none", "all", "annotated"]},
            "showID": {"type": "boolean"}, "showName": {"type": "boolean"},
            "showAggregateScores": {"type": "boolean"}, "countUnscored": {"type": "boolean"}}},
        "hideDisabled": {"type": "boolean"},
        "techniques": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["techniqueID"],
                "additionalProperties": False,
                "properties": {
                    "techniqueID": {"type": "string", "pattern": "^T[0-9]{4}(\\.[0-9]{3})?$"},
                    "tactic": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
                    "comment": {"type": "string"},
                    "enabled": {"type": "boolean"},
                    "score": {"type": "number"},
                    "color": {"type": "string"},
                    "metadata": {"type": "array", "items": _METADATA_OR_DIVIDER},
                    "links": {"type": "array", "items": _LINK_OR_DIVIDER},
                    "showSubtechniques": {"type": "boolean"},
                },
            },
        },
        "gradient": {
            "type": "object",
            "required": ["colors", "minValue", "maxValue"],
            "properties": {
                "colors": {"type": "array", "minItems": 2,
                           "items": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$"}},
                "minValue": {"type": "number"},
                "maxValue": {"type": "number"},
            },
        },
        "legendItems": {"type": "array", "items": {"type": "object", "required": ["label", "color"]}},
        "showTacticRowBackground": {"type": "boolean"},
        "tacticRowBackground": {"type": "string"},
        "selectTechniquesAcrossTactics": {"type": "boolean"},
        "selectSubtechniquesWithParent": {"type": "boolean"},
        "selectVisibleTechniques": {"type": "boolean"},
        "metadata": {"type": "array", "items": _METADATA_OR_DIVIDER},
        "links": {"type": "array", "items": _LINK_OR_DIVIDER},
    },
}  # fmt: skip


def check_layer(layer: dict[str, Any]) -> None:
    jsonschema.validate(layer, LAYER_45_SCHEMA)
    assert layer["gradient"]["maxValue"] > layer["gradient"]["minValue"]
    json.dumps(layer)


def test_navigator_layer_for_one_brief() -> None:
    layer = to_navigator_layer(make_brief())
    check_layer(layer)
    assert layer["name"] == "Edge VPN exploitation leads to PowerShell loader"
    assert layer["versions"] == {"attack": "18", "navigator": "5.1.0", "layer": "4.5"}
    assert layer["domain"] == "enterprise-attack"
    scores = {(t["techniqueID"], t["tactic"]): t["score"] for t in layer["techniques"]}
    assert scores == {("T1059.001", "execution"): 91.0, ("T1190", "initial-access"): 70.0}
    (ps,) = [t for t in layer["techniques"] if t["techniqueID"] == "T1059.001"]
    assert "Edge VPN exploitation" in ps["comment"]
    assert ps["links"] == [{"label": "Edge VPN exploitation leads to PowerShell loader",
                            "url": "https://research.example.org/2024/05/edge-vpn"}]  # fmt: skip
    assert {"name": "evidence", "value": SENTENCE_1} in ps["metadata"]
    assert layer["gradient"]["maxValue"] == 91


def test_navigator_layer_aggregates_frequency_and_confidence() -> None:
    ps, enc = ("T1059.001", "PowerShell", ["execution"]), ("T1486", "Data Encrypted", ["impact"])
    briefs = [
        make_brief(title="A", url="https://a.example/1", techniques=[(*ps, 0.9)]),
        make_brief(title="B", url="https://a.example/2", techniques=[(*ps, 0.5), (*enc, 1.0)]),
        real_brief("C", confidence=0.6),
        make_brief(title="D", url=None, techniques=[(*enc, 0.2)]),
    ]
    layer = to_navigator_layer(briefs, name="Week 21")
    check_layer(layer)
    assert layer["name"] == "Week 21"
    by_id: dict[str, list[dict[str, Any]]] = {}
    for t in layer["techniques"]:
        by_id.setdefault(t["techniqueID"], []).append(t)
    assert by_id["T1059.001"][0]["score"] == pytest.approx(100 * (0.9 + 0.5) / 4)
    assert by_id["T1486"][0]["score"] == pytest.approx(100 * (1.0 + 0.2) / 4)
    # a technique in three tactics is annotated under each, with the same score
    assert sorted(t["tactic"] for t in by_id["T1053.005"]) == [
        "execution",
        "persistence",
        "privilege-escalation",
    ]
    assert {t["score"] for t in by_id["T1053.005"]} == {15.0}
    # seen more often with the same confidence scores higher
    assert by_id["T1059.001"][0]["score"] > by_id["T1053.005"][0]["score"]
    assert by_id["T1486"][0]["comment"].startswith("Seen in 2 of 4 articles: B (1.00); D (0.20)")
    assert [link["url"] for link in by_id["T1486"][0]["links"]] == ["https://a.example/2"]
    assert layer["gradient"]["maxValue"] == 35
    assert {"name": "articles", "value": "4"} in layer["metadata"]


def test_navigator_lists_at_most_ten_articles_and_loads_in_mitreattack(
    capsys: pytest.CaptureFixture[str],
) -> None:
    briefs = [make_brief(title=f"report {i}", url=f"https://r.example/{i}") for i in range(25)]
    layer = to_navigator_layer(iter(briefs))
    check_layer(layer)
    entry = layer["techniques"][0]
    assert entry["comment"].endswith("; and 15 more")
    assert len(entry["links"]) == 10
    from mitreattack.navlayers import Layer

    loaded = Layer(init_data=copy.deepcopy(layer))
    assert capsys.readouterr().out == ""  # mitreattack prints a notice for every field it rejects
    assert {t["techniqueID"] for t in loaded.to_dict()["techniques"]} == {"T1059.001", "T1190"}


def test_navigator_empty_and_bad_arguments() -> None:
    layer = to_navigator_layer([])
    check_layer(layer)
    assert layer["techniques"] == []
    assert "attack" not in layer["versions"]
    assert to_navigator_layer([], attack_version="v17.1")["versions"]["attack"] == "17"
    with pytest.raises(InvalidParameterError, match="domain"):
        to_navigator_layer([], domain="pre-attack")
    with pytest.raises(InvalidParameterError, match="attack_version"):
        to_navigator_layer([], attack_version="latest")
