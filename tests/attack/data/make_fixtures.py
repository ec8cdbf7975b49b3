"""Write the small ATT&CK STIX fixtures (2.0 and 2.1 forms of the same objects).

Run ``python tests/attack/data/make_fixtures.py`` to regenerate ``mini-enterprise-2.0.json``,
``mini-enterprise-2.1.json`` and the Mobile/ICS look-alikes. Texts are modelled on ATT&CK's own
(identifiers are deterministic, UUID version 4 shaped).
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
T = "2020-01-01T00:00:00.000Z"
MITRE = "identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5"
MARKING = "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"


def uid(name: str) -> uuid.UUID:
    """A deterministic UUID with version 4 bits (STIX 2.0 accepts only version 4)."""
    return uuid.UUID(bytes=uuid.uuid5(NS, name).bytes, version=4)


def sid(kind: str, name: str) -> str:
    return f"{kind}--{uid(name)}"


def common(kind: str, name: str) -> dict[str, Any]:
    return {
        "type": kind,
        "id": sid(kind, name),
        "created": T,
        "modified": T,
        "created_by_ref": MITRE,
        "object_marking_refs": [MARKING],
        "x_mitre_attack_spec_version": "3.2.0",
        "x_mitre_version": "1.0",
        "x_mitre_domains": ["enterprise-attack"],
        "x_mitre_modified_by_ref": MITRE,
    }


def ref(attack_id: str, path: str) -> dict[str, str]:
    return {
        "source_name": "mitre-attack",
        "external_id": attack_id,
        "url": f"https://attack.mitre.org/{path}",
    }


def tactic(attack_id: str, short: str, name: str) -> dict[str, Any]:
    return {
        **common("x-mitre-tactic", short),
        "name": name,
        "description": f"The adversary is doing {name.lower()}.",
        "x_mitre_shortname": short,
        "external_references": [ref(attack_id, f"tactics/{attack_id}")],
    }


def technique(
    attack_id: str,
    name: str,
    description: str,
    phases: list[str],
    platforms: list[str],
    **extra: Any,
) -> dict[str, Any]:
    return {
        **common("attack-pattern", attack_id),
        "name": name,
        "description": description,
        "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": p} for p in phases],
        "x_mitre_platforms": platforms,
        "x_mitre_is_subtechnique": "." in attack_id,
        "x_mitre_deprecated": False,
        "revoked": False,
        "external_references": [
            ref(attack_id, "techniques/" + attack_id.replace(".", "/")),
            {
                "source_name": "Example Ref",
                "description": "An example reference.",
                "url": "https://example.org/r",
            },
        ],
        **extra,
    }


def relationship(
    kind: str, src: str, dst: str, description: str | None = None, **extra: Any
) -> dict[str, Any]:
    rel = {
        **common("relationship", f"{kind}:{src}:{dst}"),
        "relationship_type": kind,
        "source_ref": src,
        "target_ref": dst,
        **extra,
    }
    del rel["x_mitre_domains"]
    if description is not None:
        rel["description"] = description
    return rel


def objects() -> list[dict[str, Any]]:
    execution = tactic("TA0002", "execution", "Execution")
    evasion = tactic("TA0005", "defense-evasion", "Defense Evasion")
    t1059 = technique(
        "T1059",
        "Command and Scripting Interpreter",
        "Adversaries may abuse command and script interpreters to execute commands.(Citation: Example Ref) "
        "These interfaces include [PowerShell](https://attack.mitre.org/techniques/T1059/001) and "
        "<code>cmd.exe</code>.\n\nSee [the docs](https://en.wikipedia.org/wiki/Shell_(computing)) "
        "(Citation: Example Ref)",
        ["execution"],
        ["Windows", "Linux", "macOS"],
    )
    t1059_001 = technique(
        "T1059.001",
        "PowerShell",
        "Adversaries may abuse PowerShell commands and scripts for execution.(Citation: TechNet PowerShell)",
        ["execution"],
        ["Windows"],
    )
    t1562 = technique(
        "T1562",
        "Impair Defenses",
        "Adversaries may maliciously modify components of a victim environment.",
        ["defense-evasion"],
        ["Windows", "Linux"],
    )
    t1562_001 = technique(
        "T1562.001",
        "Disable or Modify Tools",
        "Adversaries may modify and/or disable security tools.",
        ["defense-evasion"],
        ["Windows", "Linux"],
    )
    revoked = technique(
        "T1086", "PowerShell", "Adversaries may abuse PowerShell.", ["execution"], ["Windows"], revoked=True
    )
    deprecated = technique(
        "T1064",
        "Scripting",
        "**This technique has been deprecated.** Adversaries may use scripts.(Citation: Example Ref)",
        ["defense-evasion", "execution"],
        ["Windows", "Linux"],
        x_mitre_deprecated=True,
    )
    group = {
        **common("intrusion-set", "G0032"),
        "name": "Lazarus Group",
        "description": "A North Korean state-sponsored group.",
        "aliases": ["Lazarus Group", "HIDDEN COBRA"],
        "external_references": [ref("G0032", "groups/G0032")],
    }
    software = {
        **common("malware", "S0154"),
        "name": "Cobalt Strike",
        "description": "A commercial adversary simulation tool.",
        "labels": ["malware"],
        "x_mitre_platforms": ["Windows"],
        "x_mitre_aliases": ["Cobalt Strike"],
        "external_references": [ref("S0154", "software/S0154")],
    }
    campaign = {
        **common("campaign", "C0001"),
        "name": "Frankenstein",
        "description": "A 2019 campaign.",
        "aliases": ["Frankenstein"],
        "first_seen": "2019-01-01T00:00:00.000Z",
        "last_seen": "2019-05-01T00:00:00.000Z",
        "x_mitre_first_seen_citation": "(Citation: Talos Frankenstein June 2019)",
        "x_mitre_last_seen_citation": "(Citation: Talos Frankenstein June 2019)",
        "external_references": [ref("C0001", "campaigns/C0001")],
    }
    matrix = {
        **common("x-mitre-matrix", "enterprise"),
        "name": "Enterprise ATT&CK",
        "description": "The Enterprise matrix.",
        "tactic_refs": [execution["id"], evasion["id"]],
        "external_references": [ref("enterprise-attack", "matrices/enterprise")],
    }
    rels = [
        relationship("subtechnique-of", t1059_001["id"], t1059["id"]),
        relationship("subtechnique-of", t1562_001["id"], t1562["id"]),
        relationship("revoked-by", revoked["id"], t1059_001["id"]),
        relationship(
            "uses",
            group["id"],
            t1059_001["id"],
            "[Lazarus Group](https://attack.mitre.org/groups/G0032) has used PowerShell to download "
            "[Cobalt Strike](https://attack.mitre.org/software/S0154).(Citation: Novetta Blockbuster)"
            "(Citation: US-CERT HIDDEN COBRA)",
        ),
        relationship(
            "uses",
            software["id"],
            t1059_001["id"],
            " [Cobalt Strike](https://attack.mitre.org/software/S0154) can execute a payload on a remote "
            "host with PowerShell.(Citation: cobaltstrike manual) ",
        ),
        relationship(
            "uses",
            campaign["id"],
            t1562_001["id"],
            "During [Frankenstein](https://attack.mitre.org/campaigns/C0001), the threat actors disabled "
            "security tools.(Citation: Talos Frankenstein June 2019)",
        ),
        relationship("uses", group["id"], t1562["id"], ""),
        relationship("uses", group["id"], software["id"], "Lazarus Group used Cobalt Strike."),
        relationship(
            "uses", software["id"], t1059["id"], "A withdrawn procedure.(Citation: X)", revoked=True
        ),
    ]
    return [
        {
            "type": "identity",
            "id": MITRE,
            "created": "2017-06-01T00:00:00.000Z",
            "modified": "2017-06-01T00:00:00.000Z",
            "name": "The MITRE Corporation",
            "identity_class": "organization",
            "object_marking_refs": [MARKING],
        },
        {
            "type": "marking-definition",
            "id": MARKING,
            "created": "2017-06-01T00:00:00.000Z",
            "created_by_ref": MITRE,
            "definition_type": "statement",
            "definition": {
                "statement": "Copyright 2015-2025, The MITRE Corporation. MITRE ATT&CK and ATT&CK "
                "are registered trademarks of The MITRE Corporation."
            },
        },
        matrix,
        execution,
        evasion,
        t1059,
        t1059_001,
        t1562,
        t1562_001,
        revoked,
        deprecated,
        group,
        software,
        campaign,
        *rels,
    ]


def collection(objs: list[dict[str, Any]], version: str, domain_name: str) -> dict[str, Any]:
    return {
        **common("x-mitre-collection", domain_name),
        "name": domain_name,
        "description": "A small ATT&CK collection for ttpmap's tests.",
        "x_mitre_version": version,
        "x_mitre_contents": [{"object_ref": o["id"], "object_modified": o.get("modified", T)} for o in objs],
    }


def to_21(objs: list[dict[str, Any]]) -> dict[str, Any]:
    out = copy.deepcopy(objs)
    for o in out:
        o["spec_version"] = "2.1"
        if o["type"] == "marking-definition":
            o["name"] = "MITRE copyright"
        if o["type"] == "malware":
            o["is_family"] = True
    return {"type": "bundle", "id": f"bundle--{uid('bundle-2.1')}", "objects": out}


def to_20(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "bundle",
        "id": f"bundle--{uid('bundle-2.0')}",
        "spec_version": "2.0",
        "objects": copy.deepcopy(objs),
    }


def other_domain(objs: list[dict[str, Any]], domain: str) -> dict[str, Any]:
    out = copy.deepcopy(objs)
    for o in out:
        if "x_mitre_domains" in o:
            o["x_mitre_domains"] = [domain]
        if o["type"] == "x-mitre-matrix":
            o["external_references"][0]["external_id"] = domain
    return to_20(out)


def write(name: str, bundle: dict[str, Any]) -> None:
    (HERE / name).write_text(json.dumps(bundle, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    objs = objects()
    write("mini-enterprise-2.0.json", to_20([*objs, collection(objs, "18.1", "Enterprise ATT&CK")]))
    write("mini-enterprise-2.1.json", to_21([*objs, collection(objs, "18.1", "Enterprise ATT&CK")]))
    write("mini-mobile.json", other_domain(objs, "mobile-attack"))
    write("mini-ics.json", other_domain(objs, "ics-attack"))


if __name__ == "__main__":
    main()
