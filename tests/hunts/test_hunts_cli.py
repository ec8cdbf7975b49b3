"""``ttpmap hunts``: registered sub-commands, output formats and errors."""

from __future__ import annotations

import argparse
import json

import pytest

from ttpmap._exceptions import InvalidParameterError, UnknownTechniqueError
from ttpmap.hunts._cli import register


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ttpmap")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


@pytest.fixture(autouse=True)
def _needs_catalog(catalog):
    """The CLI resolves IDs through the default model's catalog."""


def test_hunts_markdown(capsys):
    assert run(["hunts", "T1195.002"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Recommended hunts for T1195.002\n")
    assert "`UC_SUPPLY_CHAIN` · phase: **Delivery**" in out
    assert "```spl\n| tstats " in out
    assert "from datamodel=Endpoint.Processes" in out
    assert "```kql\nDeviceProcessEvents\n| where " in out
    assert "author: ttpmap developers" in out


def test_hunts_json_resolves_loose_and_revoked_ids(capsys):
    assert run(["hunts", "t1574/002", "T1486", "--format", "json", "--max-per-technique", "1"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["techniques"] == ["T1574.001", "T1486"]
    assert [h["id"] for h in doc["hunts"]] == ["UC_DLL_SIDELOAD", "UC_RANSOMWARE_NOTE_FILE"]
    assert all(h["confidence"] in ("High", "Medium", "Low") for h in doc["hunts"])


def test_hunts_with_a_rule_folder(tmp_path, capsys):
    rules = tmp_path / "corp"
    rules.mkdir()
    (rules / "r.yml").write_text(
        "title: Corp rule\nid: 5d0c3b8e-7c9f-4f3e-9a57-3b2f1f0e9a11\nstatus: stable\nauthor: SOC team\n"
        "tags: [attack.execution, attack.t1059.003]\n"
        "logsource: {category: process_creation, product: windows}\n"
        "detection: {s: {Image|endswith: '\\cmd.exe'}, condition: s}\nlevel: high\n",
        "utf-8",
    )
    assert run(["hunts", "T1059.003", "--rules", str(rules), "--format", "json"]) == 0
    (hunt,) = json.loads(capsys.readouterr().out)["hunts"]
    assert hunt["title"] == "Corp rule"
    assert hunt["source"]["pack"] == "corp"
    assert hunt["source"]["author"] == "SOC team"


def test_coverage_table(tmp_path, capsys):
    assert run(["hunts", "coverage"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Hunt coverage (ATT&CK v18.1, 691 active techniques)")
    assert "| ttpmap | " in out
    assert run(["hunts", "coverage", "--format", "json"]) == 0
    (report,) = json.loads(capsys.readouterr().out)
    assert report["techniques"]["spl"] >= 60


def test_unknown_technique_is_our_error():
    with pytest.raises(UnknownTechniqueError, match="T9999 is not a technique"):
        run(["hunts", "T9999"])
    with pytest.raises(UnknownTechniqueError, match="not an ATT&CK ID"):
        run(["hunts", "powershell"])


def test_coverage_takes_no_ids():
    with pytest.raises(InvalidParameterError, match="takes no technique IDs"):
        run(["hunts", "coverage", "T1059"])
