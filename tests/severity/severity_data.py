"""A small labeled set of security-news articles for the severity model (written for the tests).

Each level has several article templates; the fillers (vendors, products, CVEs, scores, actors)
vary deterministically, so the set is realistic in wording but reproducible.
"""

from __future__ import annotations

import random

VENDORS = ["Ivanti", "Fortinet", "Citrix", "Cisco", "Atlassian", "VMware", "Zyxel", "SonicWall", "Progress"]
PRODUCTS = [
    "Connect Secure",
    "FortiOS",
    "NetScaler ADC",
    "IOS XE",
    "Confluence",
    "vCenter Server",
    "NAS",
    "MOVEit",
]
BUGS = [
    "authentication bypass",
    "command injection",
    "path traversal",
    "deserialization bug",
    "SQL injection",
]
SECTORS = ["healthcare", "logistics", "telecommunications", "government", "manufacturing", "education"]
ACTORS = ["APT41", "Volt Typhoon", "Lazarus Group", "FIN7", "Sandworm", "Charming Kitten", "TA505"]
GANGS = ["LockBit", "BlackCat", "Rhysida", "Black Basta", "Qilin"]
TOOLS = ["ko", "Jib", "Buildpacks", "Bazel", "Earthly"]

TEMPLATES = {
    "CRITICAL": [
        "{vendor} warns of actively exploited {product} flaw\n{vendor} said attackers are exploiting "
        "{cve}, a {bug} in {product}, and urged customers to patch immediately. CISA added the bug to its "
        "Known Exploited Vulnerabilities catalog.",
        "Hackers exploit zero-day in {product} to breach {sector} organisations\nThe flaw, tracked as {cve}, "
        "has been exploited in the wild since March. Investigators attributed the intrusions to {actor}.",
        "Emergency patch: {product} {bug} under active exploitation\nThe bug ({cve}, CVSS 9.{d}) is being "
        "exploited at scale. Threat actors began exploiting the vulnerability within hours of disclosure and "
        "dropped web shells on exposed servers.",
    ],
    "HIGH": [
        "{vendor} fixes critical {bug} in {product}\n{cve} carries a CVSS score of 9.{d}. The company "
        "said the flaw has been exploited against a small number of customers and urges them to upgrade.",
        "{gang} ransomware hits {sector} provider\nThe {gang} operators deployed ransomware, encrypted "
        "files on "
        "file servers and left a ransom note threatening to publish stolen data on their leak site.",
        "Malicious versions of popular npm package steal credentials\nAttackers published a malicious "
        "version "
        "after compromising a maintainer account; the trojanized package sent CI secrets to a remote server.",
    ],
    "MEDIUM": [
        "{vendor} patches high-severity {bug} in {product}\n{cve} has a CVSS score of 7.{d}. The flaw is not "
        "known to be exploited.",
        "Researchers release proof-of-concept exploit for {product} bug\nThe PoC exploit for {cve} "
        "works against "
        "default installations; no attacks have been observed so far.",
        "{actor} targets {sector} firms with new lures\nThe group sent spear phishing emails with a "
        "malicious "
        "attachment that installed a backdoor.",
    ],
    "LOW": [
        "{vendor} fixes medium-severity bug in {product}\n{cve} (CVSS 5.{d}) lets a local user read log "
        "files. Exploitation requires local access.",
        "Researchers describe a theoretical side channel in {product}\nThe attack is theoretical and could "
        "potentially leak timing information under lab conditions.",
        "Security update roundup\n{vendor} shipped fixes for low-severity bugs in {product}, including "
        "{cve}, "
        "a minor information disclosure.",
    ],
    "INFO": [
        "How to build container images for Go services with {tool}\nThis tutorial walks through "
        "configuration, "
        "base images and publishing to a registry.",
        "{vendor} announces general availability of {product} 2.{d}\nThe release adds dashboards, "
        "single sign-on "
        "and faster search.",
        "Recap: our {sector} security summit\nTalks covered cloud architecture, hiring and careers in "
        "security.",
    ],
}

HELD_OUT = [
    (
        "CRITICAL",
        "Attackers are mass-exploiting a flaw in Barracuda ESG\nThe vulnerability, CVE-2023-2868, was "
        "exploited as a zero-day by a China-nexus group tracked as UNC4841.",
    ),
    (
        "CRITICAL",
        "CISA orders agencies to patch actively exploited Chrome bug\nGoogle says an exploit for "
        "CVE-2024-4671 exists in the wild.",
    ),
    (
        # a critical rating without exploitation: MEDIUM, as in datasets/labeled/severity.jsonl
        "MEDIUM",
        "Critical RCE in Jenkins (CVE-2024-23897, CVSS 9.8)\nThe vendor released fixes; exploitation has "
        "not been observed.",
    ),
    (
        "HIGH",
        "Rhysida ransomware claims attack on a hospital chain\nThe operators encrypted files, dropped a "
        "ransom "
        "note and listed the victim on their data leak site.",
    ),
    (
        "MEDIUM",
        "Proof-of-concept released for Cisco IOS XE bug\nResearchers published exploit code for "
        "CVE-2024-20399; the vendor is not aware of attacks.",
    ),
    (
        "MEDIUM",
        "Kimsuky phishing campaign targets think tanks\nThe spear phishing emails carried a malicious "
        "attachment that dropped a backdoor.",
    ),
    ("LOW", "GitLab patches medium-severity XSS\nCVE-2024-4835 (CVSS 5.4) requires user interaction."),
    (
        "LOW",
        "A theoretical attack on TPM sealing\nThe paper describes an attack that could potentially work "
        "in the lab.",
    ),
    (
        "INFO",
        "Getting started with Bazel remote caching\nThis guide covers configuration and CI integration.",
    ),
    ("INFO", "Grafana 11 is now generally available\nThe release brings new dashboards and faster queries."),
]


def labeled_records(per_template: int = 5, seed: int = 0) -> list[dict[str, str]]:
    """Records in the labeled-article format (``id``, ``title``, ``text``, ``severity``)."""
    rng = random.Random(seed)
    out = []
    for level, templates in TEMPLATES.items():
        for t, template in enumerate(templates):
            for k in range(per_template):
                fill = {
                    "vendor": rng.choice(VENDORS),
                    "product": rng.choice(PRODUCTS),
                    "bug": rng.choice(BUGS),
                    "sector": rng.choice(SECTORS),
                    "actor": rng.choice(ACTORS),
                    "gang": rng.choice(GANGS),
                    "tool": rng.choice(TOOLS),
                    "cve": f"CVE-202{rng.randint(3, 5)}-{rng.randint(1000, 49999)}",
                    "d": str(rng.randint(0, 9)),
                }
                title, text = template.format(**fill).split("\n", 1)
                out.append(
                    {"id": f"{level.lower()}-{t}-{k}", "title": title, "text": text, "severity": level}
                )
    return out
