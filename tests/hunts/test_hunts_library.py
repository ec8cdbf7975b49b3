"""HuntLibrary: choosing hunts for techniques, confidence, provenance, bring-your-own rules."""

from __future__ import annotations

import io
import tarfile
import time
import uuid
from pathlib import Path

import pytest

from ttpmap._exceptions import DataNotFoundError, InvalidParameterError
from ttpmap._results import Hunt, Technique
from ttpmap.hunts import ConversionFailure, HuntLibrary

RULE = """\
title: {title}
id: {uid}
status: {status}
description: test rule
author: {author}
{extra}tags:
{tags}
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\{image}'
    condition: {condition}
falsepositives:
    - none
level: {level}
"""


def write_rule(
    folder: Path,
    name: str,
    *,
    tags,
    level="high",
    status="test",
    condition="selection",
    author="Jane Doe",
    extra="",
    image="x.exe",
) -> Path:
    path = folder / f"{name}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        RULE.format(
            title=name.replace("_", " "),
            uid=rule_uid(name),
            status=status,
            author=author,
            extra=extra,
            tags="\n".join(f"    - {t}" for t in tags),
            image=image,
            condition=condition,
            level=level,
        ),
        "utf-8",
    )
    return path


def rule_uid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


# -- the built-in pack ----------------------------------------------------------------------------


def test_example_brief_supply_chain_case(pack, tech):
    hunts = pack.hunts_for([tech("T1195.002", 0.8)])
    top = hunts[0]
    assert isinstance(top, Hunt)
    assert top.id == "UC_SUPPLY_CHAIN"
    assert top.techniques == ("T1195.002",)
    assert top.phase == "Delivery"
    assert top.confidence == "Medium"
    assert top.spl.startswith("| tstats ")
    assert "from datamodel=Endpoint.Processes where" in top.spl
    assert "Processes.parent_process_path IN (" in top.spl
    assert top.kql.startswith("DeviceProcessEvents\n| where ")
    assert "InitiatingProcessFolderPath" in top.kql
    assert top.kql_sentinel.startswith("imProcessCreate\n")
    assert top.false_positives
    assert top.source == {
        "pack": "ttpmap",
        "rule_id": top.source["rule_id"],
        "author": "ttpmap developers",
        "link": "https://attack.mitre.org/techniques/T1195/002/",
        "license": "Apache-2.0",
        "path": "uc_supply_chain.yml",
    }


def test_default_does_not_import_pysigma(catalog):
    import subprocess
    import sys

    code = (
        "import sys; from ttpmap.hunts import HuntLibrary; from ttpmap import Technique;"
        "lib = HuntLibrary.default();"
        "h = lib.hunts_for([Technique('T1486', '', ('impact',), 0.9)]);"
        "assert h and h[0].spl;"
        "print(any(m == 'sigma' or m.startswith('sigma.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_max_per_technique_and_ranking(pack, tech):
    hunts = pack.hunts_for([tech("T1059.001", 0.9)], max_per_technique=3)
    assert len(hunts) == 3
    levels = [h.level for h in hunts]
    assert levels == sorted(levels, key=["critical", "high", "medium", "low", "informational"].index)
    assert len(pack.hunts_for([tech("T1059.001", 0.9)], max_per_technique=1)) == 1


def test_a_rule_serving_two_techniques_appears_once(pack, tech):
    hunts = pack.hunts_for([tech("T1486", 0.9), tech("T1490", 0.6)], max_per_technique=2)
    ids = [h.id for h in hunts]
    assert len(ids) == len(set(ids))
    recovery = next(h for h in hunts if h.id == "UC_RANSOMWARE_INHIBIT_RECOVERY")
    assert set(recovery.techniques) == {"T1486", "T1490"}


def test_parent_and_sub_technique_fallback(pack, tech):
    parent = pack.hunts_for([tech("T1195", 0.9)])
    assert {h.id for h in parent} == {"UC_SUPPLY_CHAIN", "UC_SUPPLY_CHAIN_PACKAGE_SCRIPT"}
    assert all(h.techniques == ("T1195",) for h in parent)
    phishing = pack.hunts_for([tech("T1566", 0.9)], max_per_technique=1)[0]
    exact = pack.hunts_for([tech("T1566.001", 0.9)], max_per_technique=1)[0]
    assert (phishing.confidence, exact.confidence) == ("Medium", "High")
    sub = pack.hunts_for([tech("T1059.006", 0.9)])
    assert sub
    assert all(h.techniques == ("T1059.006",) for h in sub)


def test_confidence_from_technique_and_level(pack, tech):
    def confidence(tid, c):
        return pack.hunts_for([tech(tid, c)], max_per_technique=1)[0].confidence

    assert confidence("T1486", 0.95) == "High"  # high-level rule, confident technique
    assert confidence("T1486", 0.5) == "Medium"
    assert confidence("T1486", 0.2) == "Low"
    assert confidence("T1082", 0.99) == "Medium"  # low-level rule caps the confidence
    assert confidence("T1082", 0.6) == "Low"


def test_revoked_and_unknown_ids(pack, tech):
    revoked = Technique(id="T1574.002", name="DLL Side-Loading", tactics=(), confidence=0.9)
    hunts = pack.hunts_for([revoked])
    assert [h.id for h in hunts] == ["UC_DLL_SIDELOAD"]
    assert hunts[0].techniques == ("T1574.002",)
    unknown = Technique(id="T9999", name="", tactics=(), confidence=0.9)
    assert pack.hunts_for([unknown]) == []
    assert pack.hunts_for([]) == []


def test_hunts_for_is_fast(pack, tech):
    techniques = [
        tech(t, 0.5 + i / 40)
        for i, t in enumerate(
            [
                "T1105",
                "T1140",
                "T1059.003",
                "T1082",
                "T1071.001",
                "T1027",
                "T1083",
                "T1070.004",
                "T1106",
                "T1057",
                "T1005",
                "T1016",
                "T1547.001",
                "T1204.002",
                "T1053.005",
                "T1041",
                "T1112",
                "T1033",
                "T1036.005",
            ]
        )
    ]
    pack.hunts_for(techniques)
    start = time.perf_counter()
    for _ in range(50):
        pack.hunts_for(techniques)
    per_call = (time.perf_counter() - start) / 50
    assert per_call < 0.005, f"hunts_for took {per_call * 1000:.2f} ms for 19 techniques"


@pytest.mark.parametrize(
    ("techniques", "kwargs", "message"),
    [
        ("T1059.001", {}, "got str"),
        (["T1059.001"], {}, "found a str"),
        ([], {"max_per_technique": 0}, "max_per_technique"),
        ([], {"max_per_technique": True}, "max_per_technique"),
    ],
)
def test_bad_arguments(pack, techniques, kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        pack.hunts_for(techniques, **kwargs)


def test_pack_coverage(pack):
    cov = pack.coverage()
    assert cov["pack"] == "ttpmap"
    assert cov["rules"] == len(pack) >= 60
    assert cov["techniques"]["any"] >= 60
    assert cov["techniques"]["spl"] == cov["techniques"]["any"]
    assert cov["techniques"]["kql"] >= 60
    assert cov["failures"]["spl"] == 0
    assert cov["unknown_tags"] == {}
    assert cov["techniques_total"] == len(pack.catalog.active_techniques())
    assert {f.backend for f in pack.failures} <= {"kql", "kql_sentinel"}


def test_library_without_catalog_matches_ids_as_written():
    library = HuntLibrary.default()
    assert library.catalog is None
    hunts = library.hunts_for([Technique("T1195.002", "", ("initial-access",), 0.9)])
    assert hunts[0].id == "UC_SUPPLY_CHAIN"
    assert library.coverage()["techniques_total"] is None


def test_library_pickles(corpus, tech):
    import pickle

    library = HuntLibrary.from_directory(corpus)
    clone = pickle.loads(pickle.dumps(library))
    technique = Technique("T1059.001", "", ("execution",), 0.9)
    assert clone.hunts_for([technique]) == library.hunts_for([technique])


# -- bring your own rules -------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "myrules"
    write_rule(
        root / "windows",
        "stable_low",
        tags=["attack.execution", "attack.t1059.001"],
        level="low",
        status="stable",
    )
    write_rule(root / "windows", "test_high", tags=["attack.execution", "attack.t1059.001"], level="high")
    write_rule(
        root / "windows",
        "experimental_critical_unconvertible",
        tags=["attack.execution", "attack.t1059.001"],
        level="critical",
        status="experimental",
        condition="selection and undefined_selection",
    )
    write_rule(root / "windows", "deprecated_rule", tags=["attack.t1059.001"], status="deprecated")
    write_rule(
        root / "windows",
        "v19_tag",
        tags=["attack.stealth", "attack.t1685"],
        level="medium",
        author="Someone Else",
        extra="references:\n    - https://example.org/report\n",
    )
    write_rule(root / "windows", "unknown_tag", tags=["attack.t1686.003"])
    (root / "broken.yml").write_text("title: [unclosed\n", "utf-8")
    (root / "correlation.yml").write_text("title: c\ncorrelation: {type: event_count}\n", "utf-8")
    return root


def test_from_directory_indexes_and_ranks(corpus, catalog, tech):
    library = HuntLibrary.from_directory(corpus, catalog)
    assert library.name == "myrules"
    assert len(library) == 5
    hunts = library.hunts_for([tech("T1059.001", 0.9)], max_per_technique=2)
    assert [h.id for h in hunts] == [rule_uid("test_high"), rule_uid("stable_low")]
    assert hunts[0].source["author"] == "Jane Doe"
    assert hunts[0].source["pack"] == "myrules"
    assert hunts[0].source["path"] == "windows/test_high.yml"
    assert hunts[0].phase == "Installation"
    failed = {(f.rule, f.backend) for f in library.failures}
    assert ("broken.yml", "parse") in failed
    assert ("windows/experimental_critical_unconvertible.yml", "spl") in failed
    assert all(isinstance(f, ConversionFailure) and f.reason for f in library.failures)


def test_from_directory_resolves_v19_ids(corpus, catalog, tech):
    library = HuntLibrary.from_directory(corpus, catalog)
    (hunt,) = library.hunts_for([tech("T1562.001", 0.9)])
    assert hunt.title == "v19 tag"
    assert hunt.source["author"] == "Someone Else"
    assert hunt.source["link"] == "https://example.org/report"
    assert hunt.source["license"] == ""
    assert hunt.phase == "Exploitation"
    cov = library.coverage()
    assert cov["unknown_tags"] == {"T1686.003": 1}
    assert cov["skipped"] == {"deprecated": 1, "not a detection rule": 1}
    assert cov["techniques"] == {"any": 2, "spl": 2, "kql": 2, "kql_sentinel": 2}


def test_from_directory_reads_tar_archives(corpus, tmp_path, catalog, tech):
    archive = tmp_path / "sigmahq-mini.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(corpus, arcname="sigmahq-mini")
        tar.addfile(tarfile.TarInfo("sigmahq-mini/README.md"), io.BytesIO(b""))
    library = HuntLibrary.from_directory(archive, catalog)
    assert library.name == "sigmahq-mini"
    assert len(library) == 5
    hunt = library.hunts_for([tech("T1059.001", 0.9)], max_per_technique=1)[0]
    assert hunt.source["license"] == "DRL-1.1"
    assert hunt.source["link"] == ""  # no rules/ folder to link into on GitHub


def test_sigmahq_link_and_licence_without_references(tmp_path, catalog, tech):
    root = tmp_path / "sigma-release"
    write_rule(root / "rules" / "windows", "plain", tags=["attack.execution", "attack.t1059.003"])
    (root / "LICENSE.Detection.Rules.md").write_text("Detection Rule License 1.1", "utf-8")
    (hunt,) = HuntLibrary.from_directory(root, catalog).hunts_for([tech("T1059.003")])
    assert hunt.source["license"] == "DRL-1.1"
    assert hunt.source["link"] == "https://github.com/SigmaHQ/sigma/blob/master/rules/windows/plain.yml"


def test_missing_and_wrong_paths(tmp_path):
    with pytest.raises(DataNotFoundError, match="not found"):
        HuntLibrary.from_directory(tmp_path / "nope")
    single = tmp_path / "rule.yml"
    single.write_text("title: x\n", "utf-8")
    with pytest.raises(InvalidParameterError, match="neither a folder nor"):
        HuntLibrary.from_directory(single)


def test_empty_corpus_warns(tmp_path):
    with pytest.warns(UserWarning, match="no usable Sigma detection rules"):
        library = HuntLibrary.from_directory(tmp_path)
    assert library.hunts_for([Technique("T1059", "", (), 1.0)]) == []
