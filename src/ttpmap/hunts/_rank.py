"""Ranking hunts by how well they fit the article: technique, evidence, platform, specificity.

A hunt's fit is the product of

* the confidence of the technique it serves (the best one when it serves several), times the rule's
  level weight, times 0.75 when the rule is tagged with the technique's parent or a sub-technique;
* the strength of that technique's evidence: a prose sentence counts fully, a line of a list or
  table (or an ATT&CK ID written alone) counts 0.6;
* the platform: the hunt's platform (from its Sigma ``logsource``) named in the article counts
  fully, a hunt over logs of any platform (proxy, web server, DNS) 0.85, any hunt when the article
  names no platform 0.8, and a hunt for a platform the article does not involve 0.15;
* the technique's place in the rule: a rule found only through a generic technique it is tagged
  with besides its main one (a command interpreter, tool transfer, obfuscation, decoding, registry
  change or web protocol: most intrusions show them) counts 0.6; a web-shell hunt also tagged
  "Windows Command Shell" fits a web-shell article, not every article that shows cmd.exe;
* specificity: +10 % for each tool or program the hunt looks for that the article names (two at
  most); shells and script hosts every hunt lists, and hunts that list more than eight programs,
  get nothing. A hunt for one to three programs none of which the article names counts 0.8 (a
  certutil hunt fits an article about certutil better than one that never names it).

Hunts whose fit is under `FLOOR` are left out and counted. The article's platforms are inferred
from its text with `infer_platforms`, each with the sentence that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ttpmap._results import Evidence, Technique

__all__ = [
    "FLOOR",
    "PLATFORMS",
    "PLATFORM_NAMES",
    "Fit",
    "evidence_strength",
    "fit",
    "infer_platforms",
    "rule_platform",
    "tools_in",
]

FLOOR: Final = 0.15
PLATFORMS: Final[tuple[str, ...]] = ("windows", "linux", "macos", "cloud", "network", "saas")
PLATFORM_NAMES: Final[dict[str, str]] = {
    "windows": "Windows",
    "linux": "Linux",
    "macos": "macOS",
    "cloud": "cloud (IaaS)",
    "network": "network devices",
    "saas": "SaaS / identity",
}
_MATCH: Final = 1.0
_ANY_LOGS: Final = 0.85
_NO_PLATFORM: Final = 0.8
_MISMATCH: Final = 0.15
_LIST_EVIDENCE: Final = 0.6
_NO_EVIDENCE: Final = 0.8
_SECONDARY: Final = 0.6
_GENERIC_TECHNIQUES: Final = frozenset({"T1059", "T1105", "T1027", "T1140", "T1112", "T1071"})
_TOOL_BONUS: Final = 0.1
_MAX_TOOLS: Final = 2
_MAX_TOOL_LIST: Final = 8
_TOOL_SPECIFIC: Final = 3
_TOOL_NOT_NAMED: Final = 0.8

# per platform: cues matched ignoring case, and names matched as written (RDP, AWS, Mac)
_CUES: Final[dict[str, tuple[str, str]]] = {
    "windows": (
        r"\bwindows\b(?! ?phone)|\bpowershell\b|\bcmd\.exe\b|\b\w+\.(?:exe|dll|lnk|hta|vbs|bat|ps1|msi)\b|"
        r"\bwindows registry\b|\bregistry (?:keys?|values?|run keys?)\b|\bHK(?:LM|CU|EY_[A-Z_]+)\b|"
        r"\bCurrentVersion\\Run\b|\brundll32\b|\bregsvr32\b|\bmshta\b|\bwscript\b|"
        r"\blsass\b|\bmimikatz\b|\bactive directory\b|\bdomain controllers?\b|\bgroup policy\b|"
        r"\bremote desktop\b|\bpsexec\b|\bschtasks\b|\bscheduled tasks?\b|\bvba\b|\bmacros?\b|"
        r"\bmicrosoft (?:word|excel|office)\b|\bw3wp\b|\bexchange server\b|\bsysmon\b|\bkerberos\b|"
        r"\bADMIN\$|\bsvchost\b",
        r"\b(?:RDP|SMB|WMI|IIS|NTLM)\b",
    ),
    "linux": (
        r"\blinux\b|\bubuntu\b|\bdebian\b|\bcentos\b|\bred hat\b|\brhel\b|\bbash\b|\bcron(?:tab| ?jobs?)?\b|"
        r"\bsystemd\b|\bsshd\b|\bauthorized_keys\b|/etc/|/tmp/|/root/|/bin/|\bchmod\b|\bnohup\b|"
        r"\bkernel modules?\b|\besxi\b|\bdocker\b|\bkubernetes\b",
        r"\b(?:ELF|LKM)\b",
    ),
    "macos": (
        r"\bmacos\b|\bmac ?os ?x?\b|\bos x\b|\bmacbook|\bapple\b|\bosascript\b|\bapplescript\b|"
        r"\bkeychain\b|\blaunch ?agents?\b|\blaunch ?daemons?\b|\blaunchd\b|\.dmg\b|\bgatekeeper\b|"
        r"\bxprotect\b|\bnotariz|\bmach-o\b|~/Library/",
        r"\b(?:Macs?|DMG)\b",
    ),
    "cloud": (
        r"\bamazon web services\b|\bcloudtrail\b|\bazure\b(?! ?ad\b)|\bgoogle cloud\b|\bkubernetes\b|"
        r"\binstance metadata\b|169\.254\.169\.254|"
        r"\bcloud (?:accounts?|tenants?|console|instances?|workloads?|environments?|providers?)\b",
        r"\b(?:AWS|EC2|S3|IAM|GCP|EKS|AKS|GKE|Lambda)\b",
    ),
    "network": (
        r"\b(?:firewall|VPN) (?:appliances?|gateways?|concentrators?|devices?)\b|\brouters?\b|"
        r"\bfortinet\b|\bforti(?:gate|os|web|manager)\b|\bpalo alto\b|\bpan-os\b|\bglobalprotect\b|"
        r"\bcisco (?:asa|ios|ftd|firepower)\b|\bivanti\b|\bpulse secure\b|\bconnect secure\b|"
        r"\bcitrix (?:netscaler|adc|gateway)\b|\bnetscaler\b|\bbig-ip\b|\bsonicwall\b|\bjuniper\b|"
        r"\bedge devices?\b|\bnetwork devices?\b|\bappliances?\b",
        r"(?!x)x",
    ),
    "saas": (
        r"\bmicrosoft 365\b|\boffice 365\b|\bexchange online\b|\boutlook on the web\b|\bentra id\b|"
        r"\bazure ad\b|\bokta\b|\bgoogle workspace\b|\bgmail\b|\bsharepoint\b|\bonedrive\b|"
        r"\bsalesforce\b|\bsingle sign-on\b|\bmailbox(?:es)?\b|\binbox rules?\b|\bmail forwarding\b|"
        r"\bforwarding rules?\b",
        r"\b(?:M365|O365|OWA|SSO|OAuth|Entra)\b",
    ),
}
_PATTERNS: Final[dict[str, tuple[re.Pattern[str], re.Pattern[str]]]] = {
    p: (re.compile(anycase, re.IGNORECASE), re.compile(written)) for p, (anycase, written) in _CUES.items()
}

_PRODUCT_PLATFORM: Final[dict[str, str]] = {
    "windows": "windows",
    "linux": "linux",
    "macos": "macos",
    "aws": "cloud",
    "azure": "cloud",
    "gcp": "cloud",
    "kubernetes": "cloud",
    "m365": "saas",
    "okta": "saas",
    "google_workspace": "saas",
    "onelogin": "saas",
    "github": "saas",
    "cisco": "network",
    "fortios": "network",
    "fortigate": "network",
    "paloalto": "network",
    "juniper": "network",
}
_AZURE_SAAS_SERVICES: Final = frozenset({"signinlogs", "auditlogs", "riskdetection", "identityprotection"})

_TOOL: Final = re.compile(r"[\\/]([A-Za-z][A-Za-z0-9_-]{2,})(?:\.exe)?\*?\"")
_NOT_TOOLS: Final = frozenset(
    [
        "security",
        "system",
        "install",
        "installer",
        "setup",
        "update",
        "updater",
        "create",
        "add",
        "run",
        "runonce",
        "start",
        "query",
        "find",
        "download",
        "transfer",
        "token",
        "command",
        "extensions",
        "paths",
        "processes",
        "services",
        "sessions",
        "servers",
        "reg",
        "net",
        "net1",
        "passwd",
        "operational",
        "apt",
        "apt-get",
        "dnf",
        "yum",
        "rpm",
        "dpkg",
        "zypper",
        "puppet",
        "chef-client",
        "ansible-playbook",
        "cloud-init",
        "waagent",
        "google_guest_agent",
        "trustedinstaller",
        "msiexec",
        "ccmexec",
        "azureconnectedmachineagent",
        "gc_worker",
        "explorer",
        "node",
        "bash",
        "dash",
        "sh",
        "base64",
        "route",
        "hostname",
    ]
)
_GENERIC_TOOLS: Final = frozenset(
    [
        "cmd",
        "powershell",
        "pwsh",
        "rundll32",
        "regsvr32",
        "mshta",
        "wscript",
        "cscript",
        "wmic",
        "bitsadmin",
        "msbuild",
        "installutil",
        "regasm",
        "regsvcs",
        "curl",
        "wget",
        "zsh",
    ]
)
_WORD: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LIST_LINE: Final = re.compile(r"^\s*(?:[-*\u2022\u00b7>|#]|\d{1,3}[.)]\s|T\d{4})")
_ATTACK_ID: Final = re.compile(r"\bT\d{4}(?:[./]\d{3})?\b")


@dataclass(frozen=True, slots=True)
class Fit:
    """How well one hunt fits the article: the score, the technique it rests on and why."""

    score: float
    technique: Technique
    evidence: Evidence | None
    evidence_kind: str
    platform: str | None
    platform_match: str
    platform_evidence: Evidence | None
    tools: tuple[str, ...]


def infer_platforms(text: str, sentences: Sequence[Evidence] = ()) -> dict[str, Evidence]:
    """The platforms the article involves, each with the first sentence (or span) that names it.

    Parameters
    ----------
    text : str
        The article.
    sentences : sequence of Evidence, optional
        The article's sentences (offsets into `text`); the evidence is the sentence holding the first
        cue, else the cue itself.
    """
    found: dict[str, Evidence] = {}
    for platform in PLATFORMS:
        hits = [m for rx in _PATTERNS[platform] if (m := rx.search(text)) is not None]
        if hits:
            first = min(hits, key=lambda m: m.start())
            found[platform] = _sentence_at(first.start(), first.end(), text, sentences)
    return found


def rule_platform(logsource: tuple[str, str, str]) -> str | None:
    """The platform a Sigma rule's logs come from, or None for logs of any platform (proxy, DNS ...)."""
    _category, product, service = (s.lower() for s in logsource)
    if product == "azure" and service in _AZURE_SAAS_SERVICES:
        return "saas"
    return _PRODUCT_PLATFORM.get(product)


def tools_in(queries: Mapping[str, str]) -> frozenset[str]:
    """The programs a hunt's queries look for that make it specific (``certutil``, ``osascript``).

    Shells and script hosts are left out, and a hunt that lists more than eight programs (a parent
    spawning any of many children) names none.
    """
    text = " ".join(queries.values())
    tools = frozenset(t for t in (m.lower() for m in _TOOL.findall(text)) if t not in _NOT_TOOLS)
    if len(tools) > _MAX_TOOL_LIST:
        return frozenset()
    return tools - _GENERIC_TOOLS


def evidence_strength(technique: Technique) -> tuple[float, Evidence | None, str]:
    """How strongly the article shows `technique`: the factor, the sentence to quote and its kind.

    Kinds: ``'prose'`` (a sentence of at least six words that is not a list or table line and not
    only an ATT&CK ID), ``'list'`` (anything else the technique rests on) and ``'none'``.
    """
    if not technique.evidence:
        return _NO_EVIDENCE, None, "none"
    for ev in technique.evidence:
        if _is_prose(ev.text):
            return 1.0, ev, "prose"
    return _LIST_EVIDENCE, technique.evidence[0], "list"


def fit(
    techniques: Sequence[tuple[Technique, float]],
    platform: str | None,
    tools: frozenset[str],
    platforms: Mapping[str, Evidence],
    words: frozenset[str],
    main: str | None = None,
) -> Fit:
    """The fit of one hunt serving `techniques` (each with its library score: confidence x level x
    relation), for an article with `platforms` and the lower-cased `words`; `main` is the rule's
    main technique (its first tag): a generic technique other than it counts less."""
    if platform is None:
        plat, match, plat_ev = _ANY_LOGS, "any", None
    elif not platforms:
        plat, match, plat_ev = _NO_PLATFORM, "unknown", None
    elif platform in platforms:
        plat, match, plat_ev = _MATCH, "match", platforms[platform]
    else:
        plat, match, plat_ev = _MISMATCH, "mismatch", None
    named = tuple(sorted(t for t in tools if t in words))
    spec = 1.0 + _TOOL_BONUS * min(len(named), _MAX_TOOLS)
    if not named and 0 < len(tools) <= _TOOL_SPECIFIC:
        spec = _TOOL_NOT_NAMED
    best: Fit | None = None
    family = main.split(".", 1)[0] if main else None
    for tech, base in techniques:
        strength, ev, kind = evidence_strength(tech)
        tech_family = tech.id.split(".", 1)[0]
        generic = tech_family in _GENERIC_TECHNIQUES and tech_family != family
        place = _SECONDARY if generic else 1.0
        score = base * strength * plat * spec * place
        if best is None or score > best.score:
            best = Fit(score, tech, ev, kind, platform, match, plat_ev, named)
    assert best is not None
    return best


def article_words(text: str) -> frozenset[str]:
    """The lower-cased words of an article, as `fit` matches tool names against them."""
    return frozenset(_WORD.findall(text.lower()))


def _is_prose(text: str) -> bool:
    line = text.strip()
    if _LIST_LINE.match(line) or "|" in line:
        return False
    words = _ATTACK_ID.sub(" ", line).split()
    return len(words) >= 6


def _sentence_at(start: int, end: int, text: str, sentences: Sequence[Evidence]) -> Evidence:
    for s in sentences:
        if s.start <= start < s.end:
            return s
    return Evidence(text[start:end], start, end)
