from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
from pathlib import Path

import pytest

from ttpmap._exceptions import CatalogError, UnknownTechniqueError
from ttpmap.attack import Catalog, TacticInfo, TechniqueInfo, load_catalog


def _technique(
    tid: str, name: str, tactics: tuple[str, ...] = ("defense-impairment",), **kw: object
) -> TechniqueInfo:
    fields: dict[str, object] = {
        "id": tid,
        "name": name,
        "description": "",
        "tactics": tactics,
        "platforms": ("Windows",),
        "parent": tid.split(".")[0] if "." in tid else None,
        "url": "https://attack.mitre.org/techniques/" + tid.replace(".", "/"),
    }
    fields.update(kw)
    return TechniqueInfo(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def v19_catalog() -> Catalog:
    """A hand-made v19-style catalog: the v18 IDs it moved are simply absent."""
    return Catalog(
        version="19.2",
        domain="enterprise-attack",
        bundle_sha256="0" * 64,
        spec_version="2.1",
        techniques=[
            _technique("T1685", "Disable or Modify Tools"),
            _technique("T1685.005", "Clear Windows Event Logs"),
            _technique("T1684", "Impersonation", ("stealth",)),
            _technique("T1684.001", "Impersonation", ("stealth",)),
            _technique("T1059", "Command and Scripting Interpreter", ("execution",)),
        ],
        tactics=[
            TacticInfo("TA0002", "execution", "Execution", 0),
            TacticInfo("TA0005", "stealth", "Stealth", 1),
            TacticInfo("TA0112", "defense-impairment", "Defense Impairment", 2),
        ],
    )


# -- save / load ------------------------------------------------------------------------------


def test_round_trip(mini_catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "catalog.json.gz"
    mini_catalog.save(path)
    loaded = load_catalog(path)
    assert dict(loaded.techniques) == dict(mini_catalog.techniques)
    assert loaded.tactics == mini_catalog.tactics
    assert loaded.procedures == mini_catalog.procedures
    for name in ("version", "domain", "bundle_sha256", "spec_version", "copyright"):
        assert getattr(loaded, name) == getattr(mini_catalog, name)


def test_saved_format(mini_catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "catalog.json.gz"
    mini_catalog.save(path)
    raw = path.read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert raw[4:8] == b"\x00\x00\x00\x00"  # gzip mtime 0
    doc = json.loads(gzip.decompress(raw))
    assert doc["format"] == "ttpmap-attack-catalog/1"
    assert doc["version"] == "18.1"
    assert doc["domain"] == "enterprise-attack"
    assert doc["spec_version"] == "2.0"
    assert len(doc["bundle_sha256"]) == 64
    assert "The MITRE Corporation" in doc["copyright"]
    assert {"techniques", "tactics", "procedures", "sources"} <= set(doc)


def test_save_is_deterministic(mini_catalog: Catalog, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.json.gz", tmp_path / "b.json.gz", tmp_path / "c.json.gz"
    mini_catalog.save(a)
    mini_catalog.save(b)
    load_catalog(a).save(c)
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b, c)}
    assert len(digests) == 1
    assert not list(tmp_path.glob(".*"))  # no temporary files left


def test_load_does_not_import_mitreattack(mini_catalog: Catalog, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "catalog.json.gz"
    mini_catalog.save(path)
    code = (
        "import sys; from ttpmap.attack import load_catalog; c = load_catalog(sys.argv[1]); "
        "heavy = [m for m in ('mitreattack', 'stix2', 'sklearn', 'spacy') if m in sys.modules]; "
        "print(len(c.techniques), heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "6 []"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"not gzip, not json", "not gzip JSON"),
        (gzip.compress(b"{truncated"), "not gzip JSON"),
        (gzip.compress(b'{"format": "something-else/1"}'), "not a ttpmap ATT&CK catalog"),
        (gzip.compress(b"[1, 2, 3]"), "not a ttpmap ATT&CK catalog"),
        (gzip.compress(b'{"format": "ttpmap-attack-catalog/1", "tactics": []}'), "corrupt"),
        (gzip.compress(b'{"type": "bundle", "objects": []}'), "attack build"),
    ],
)
def test_load_bad_files(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "bad.json.gz"
    path.write_bytes(content)
    with pytest.raises(CatalogError, match=match) as info:
        load_catalog(path)
    assert info.value.path == path
    assert str(path) in str(info.value)


def test_load_truncated_gzip(mini_catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "catalog.json.gz"
    mini_catalog.save(path)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(CatalogError, match="not gzip JSON"):
        load_catalog(path)


def test_load_missing(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read the ATT&CK catalog"):
        Catalog.load(tmp_path / "absent.json.gz")


def test_load_rejects_unknown_source_type(mini_catalog: Catalog, tmp_path: Path) -> None:
    doc = mini_catalog.to_dict()
    doc["sources"]["G0032"][1] = "vendor"
    path = tmp_path / "c.json.gz"
    path.write_bytes(gzip.compress(json.dumps(doc).encode()))
    with pytest.raises(CatalogError, match="unknown type 'vendor'"):
        load_catalog(path)


def test_catalog_is_immutable(mini_catalog: Catalog) -> None:
    with pytest.raises(AttributeError, match="immutable"):
        mini_catalog.version = "19.0"  # type: ignore[misc]
    with pytest.raises(TypeError):
        mini_catalog.techniques["T9999"] = mini_catalog.techniques["T1059"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        mini_catalog.techniques["T1059"].name = "x"  # type: ignore[misc]
    assert isinstance(mini_catalog.procedures, tuple)


# -- resolve ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("T1059", "T1059"),
        ("t1059/001", "T1059.001"),
        ("https://attack.mitre.org/techniques/T1059/001/", "T1059.001"),
        ("T1086", "T1059.001"),  # revoked -> replacement
        ("T1064", "T1064"),  # deprecated: returned, flagged
        ("T1685", "T1562.001"),  # v19 -> v18 through the move table
        ("t1685", "T1562.001"),
    ],
)
def test_resolve(mini_catalog: Catalog, raw: str, expected: str) -> None:
    assert mini_catalog.resolve(raw).id == expected
    assert raw in mini_catalog


def test_resolve_flags_deprecated(mini_catalog: Catalog) -> None:
    assert mini_catalog.resolve("T1064").deprecated
    assert not mini_catalog.resolve("T1086").revoked


def test_unknown_id_says_which_catalog_and_what_to_do(mini_catalog: Catalog) -> None:
    with pytest.raises(UnknownTechniqueError) as info:
        mini_catalog.resolve("T1003")
    msg = str(info.value)
    assert "T1003" in msg
    assert "v18.1" in msg
    assert "ttpmap attack build" in msg
    assert "T1003" not in mini_catalog
    assert "not an id" not in mini_catalog
    assert 1059 not in mini_catalog


def test_v19_id_unknown_to_the_move_table(mini_catalog: Catalog) -> None:
    with pytest.raises(UnknownTechniqueError, match="ATT&CK v19 or later"):
        mini_catalog.resolve("T1690.001")


def test_v18_id_on_a_v19_catalog(v19_catalog: Catalog) -> None:
    assert v19_catalog.resolve("T1562").id == "T1685"
    assert v19_catalog.resolve("T1562.001").id == "T1685"
    assert v19_catalog.resolve("T1562.006").id == "T1685"
    assert v19_catalog.resolve("https://attack.mitre.org/techniques/T1070/001/").id == "T1685.005"
    assert v19_catalog.resolve("T1656").id == "T1684.001"
    assert v19_catalog.resolve("T1059").id == "T1059"
    with pytest.raises(UnknownTechniqueError, match=r"v19\.2"):
        v19_catalog.resolve("T1003")


def test_v19_tactics_on_a_v18_catalog(mini_catalog: Catalog) -> None:
    evasion = mini_catalog.tactic("TA0005")
    assert mini_catalog.tactic("stealth") == evasion
    assert mini_catalog.tactic("defense-impairment") == evasion
    assert mini_catalog.tactic("TA0112") == evasion
    assert mini_catalog.tactic("Defense Impairment") == evasion


def test_v19_catalog_tactics(v19_catalog: Catalog) -> None:
    assert v19_catalog.tactic("TA0112").shortname == "defense-impairment"
    assert v19_catalog.tactic("TA0005").name == "Stealth"
    with pytest.raises(UnknownTechniqueError):
        v19_catalog.tactic("defense-evasion")


@pytest.mark.parametrize("key", ["TA0002", "ta0002", "execution", "Execution", " execution "])
def test_tactic(mini_catalog: Catalog, key: str) -> None:
    assert mini_catalog.tactic(key) == TacticInfo("TA0002", "execution", "Execution", 0)


@pytest.mark.parametrize("key", ["TA0040", "impact", "T1059", "", "nonsense"])
def test_unknown_tactic(mini_catalog: Catalog, key: str) -> None:
    with pytest.raises(UnknownTechniqueError, match=r"not a tactic of ATT&CK enterprise-attack v18\.1"):
        mini_catalog.tactic(key)


def test_tactics_of(mini_catalog: Catalog) -> None:
    assert [t.id for t in mini_catalog.tactics_of("T1064")] == ["TA0002", "TA0005"]
    assert [t.shortname for t in mini_catalog.tactics_of("T1086")] == ["execution"]
    assert [t.shortname for t in mini_catalog.tactics_of("T1685")] == ["defense-evasion"]


def test_repr_and_len(mini_catalog: Catalog) -> None:
    assert len(mini_catalog) == 6
    assert "version='18.1'" in repr(mini_catalog)
    assert mini_catalog.major_version == 18
