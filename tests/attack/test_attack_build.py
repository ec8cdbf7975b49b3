from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from ttpmap._exceptions import CatalogError, UnknownTechniqueError
from ttpmap.attack import Catalog, Procedure, TacticInfo, TechniqueInfo, build_catalog

DATA = Path(__file__).parent / "data"
FIXTURE_20 = DATA / "mini-enterprise-2.0.json"
FIXTURE_21 = DATA / "mini-enterprise-2.1.json"

MITRE = "Copyright 2015-2025, The MITRE Corporation."


def test_fixture_versions(mini_catalog_both: Catalog) -> None:
    c = mini_catalog_both
    assert c.version == "18.1"
    assert c.domain == "enterprise-attack"
    source = FIXTURE_20 if c.spec_version == "2.0" else FIXTURE_21
    assert c.spec_version in ("2.0", "2.1")
    assert c.bundle_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


def test_fixture_tactics_in_matrix_order(mini_catalog_both: Catalog) -> None:
    assert mini_catalog_both.tactics == (
        TacticInfo("TA0002", "execution", "Execution", 0),
        TacticInfo("TA0005", "defense-evasion", "Defense Evasion", 1),
    )


def test_fixture_techniques_every_field(mini_catalog_both: Catalog) -> None:
    t = mini_catalog_both.techniques
    assert sorted(t) == ["T1059", "T1059.001", "T1064", "T1086", "T1562", "T1562.001"]
    assert t["T1059"] == TechniqueInfo(
        id="T1059",
        name="Command and Scripting Interpreter",
        description="Adversaries may abuse command and script interpreters to execute commands. These "
        "interfaces include PowerShell and cmd.exe.\n\nSee the docs",
        tactics=("execution",),
        platforms=("Windows", "Linux", "macOS"),
        parent=None,
        url="https://attack.mitre.org/techniques/T1059",
        deprecated=False,
        revoked=False,
        revoked_by=None,
        created="2020-01-01",
    )
    assert not t["T1059"].is_subtechnique
    sub = t["T1059.001"]
    assert sub.is_subtechnique
    assert sub.parent == "T1059"
    assert sub.name == "PowerShell"
    assert sub.description == "Adversaries may abuse PowerShell commands and scripts for execution."
    assert sub.url == "https://attack.mitre.org/techniques/T1059/001"
    assert sub.platforms == ("Windows",)
    revoked = t["T1086"]
    assert revoked.revoked
    assert revoked.revoked_by == "T1059.001"
    assert not revoked.deprecated
    deprecated = t["T1064"]
    assert deprecated.deprecated
    assert not deprecated.revoked
    assert deprecated.revoked_by is None
    assert deprecated.tactics == ("execution", "defense-evasion")  # matrix order, not the bundle's
    assert deprecated.description == "**This technique has been deprecated.** Adversaries may use scripts."


def test_fixture_procedures_every_field(mini_catalog_both: Catalog) -> None:
    assert mini_catalog_both.procedures == (
        Procedure(
            "T1059.001",
            "Lazarus Group has used PowerShell to download Cobalt Strike.",
            "G0032",
            "Lazarus Group",
            "group",
        ),
        Procedure(
            "T1059.001",
            "Cobalt Strike can execute a payload on a remote host with PowerShell.",
            "S0154",
            "Cobalt Strike",
            "software",
        ),
        Procedure(
            "T1562.001",
            "During Frankenstein, the threat actors disabled security tools.",
            "C0001",
            "Frankenstein",
            "campaign",
        ),
    )


def test_fixture_active_techniques(mini_catalog_both: Catalog) -> None:
    assert [t.id for t in mini_catalog_both.active_techniques()] == [
        "T1059",
        "T1059.001",
        "T1562",
        "T1562.001",
    ]


def test_copyright_keeps_mitre_notice_and_licence(mini_catalog: Catalog) -> None:
    assert mini_catalog.copyright.startswith(MITRE)
    assert "This work is reproduced and distributed with the permission of The MITRE Corporation." in (
        mini_catalog.copyright
    )
    assert "CAPEC" not in mini_catalog.copyright


def test_stix_20_and_21_give_the_same_catalog() -> None:
    a, b = build_catalog(FIXTURE_20), build_catalog(FIXTURE_21)
    assert dict(a.techniques) == dict(b.techniques)
    assert (a.tactics, a.procedures, a.copyright) == (b.tactics, b.procedures, b.copyright)
    assert (a.spec_version, b.spec_version) == ("2.0", "2.1")


def test_gzip_bundle_has_the_json_sha256(tmp_path: Path) -> None:
    gz = tmp_path / "mini.json.gz"
    gz.write_bytes(gzip.compress(FIXTURE_21.read_bytes()))
    catalog = build_catalog(gz)
    assert catalog.bundle_sha256 == hashlib.sha256(FIXTURE_21.read_bytes()).hexdigest()
    assert len(catalog.procedures) == 3


def _without_collection(tmp_path: Path, name: str) -> Path:
    bundle = json.loads(FIXTURE_20.read_text("utf-8"))
    bundle["objects"] = [o for o in bundle["objects"] if o["type"] != "x-mitre-collection"]
    path = tmp_path / name
    path.write_text(json.dumps(bundle), "utf-8")
    return path


def test_version_from_file_name_without_collection(tmp_path: Path) -> None:
    assert build_catalog(_without_collection(tmp_path, "enterprise-attack-17.1.json")).version == "17.1"


def test_version_argument_wins(tmp_path: Path) -> None:
    assert build_catalog(FIXTURE_20, version="19.0").version == "19.0"


def test_version_unknown_is_a_clear_error(tmp_path: Path) -> None:
    path = _without_collection(tmp_path, "bundle.json")
    with pytest.raises(CatalogError, match="cannot tell the ATT&CK version") as info:
        build_catalog(path)
    assert info.value.path == path


# -- bad bundles ------------------------------------------------------------------------------


def _raises_naming(path: Path, match: str) -> CatalogError:
    with pytest.raises(CatalogError, match=match) as info:
        build_catalog(path)
    assert str(path) in str(info.value)
    assert info.value.path == path
    return info.value


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "enterprise-attack.json"
    path.write_text("<html>404 Not Found</html>", "utf-8")
    _raises_naming(path, "not JSON")


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "enterprise-attack.json"
    path.write_bytes(bytes(range(256)))
    _raises_naming(path, "not JSON")


@pytest.mark.parametrize(
    "content",
    [[1, 2], {"type": "indicator"}, {"type": "bundle"}, {"type": "bundle", "objects": {}}, "bundle"],
)
def test_not_stix(tmp_path: Path, content: object) -> None:
    path = tmp_path / "enterprise-attack.json"
    path.write_text(json.dumps(content), "utf-8")
    _raises_naming(path, "not a STIX bundle")


def test_stix_without_attack(tmp_path: Path) -> None:
    path = tmp_path / "enterprise-attack.json"
    bundle = {"type": "bundle", "id": "bundle--0f0f0f0f-0000-4000-8000-000000000000", "objects": []}
    path.write_text(json.dumps(bundle), "utf-8")
    _raises_naming(path, "without ATT&CK techniques")


@pytest.mark.parametrize(("name", "label"), [("mini-mobile.json", "Mobile"), ("mini-ics.json", "ICS")])
def test_mobile_and_ics_bundles_are_refused(name: str, label: str) -> None:
    err = _raises_naming(DATA / name, f"ATT&CK for {label} bundle")
    assert "Enterprise" in str(err)


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(FIXTURE_20.read_bytes())
    path = tmp_path / "enterprise-attack-18.1.json.gz"
    path.write_bytes(data[: len(data) // 2])
    _raises_naming(path, "truncated or corrupt gzip")


def test_missing_file(tmp_path: Path) -> None:
    _raises_naming(tmp_path / "absent.json", "cannot read")


def test_invalid_stix_object_is_wrapped(tmp_path: Path) -> None:
    bundle = json.loads(FIXTURE_20.read_text("utf-8"))
    for o in bundle["objects"]:
        if o["type"] == "attack-pattern":
            o["id"] = "attack-pattern--not-a-uuid"
            break
    path = tmp_path / "enterprise-attack-18.1.json"
    path.write_text(json.dumps(bundle), "utf-8")
    _raises_naming(path, "not a valid ATT&CK STIX bundle")


def test_tactic_is_not_a_technique(mini_catalog: Catalog) -> None:
    with pytest.raises(UnknownTechniqueError, match=r"Catalog.tactic\('TA0002'\)"):
        mini_catalog.resolve("TA0002")
