"""Ranking hunts by how well they fit the article: technique, evidence, platform, specificity.

A hunt's fit is the product of

* the confidence of the technique it serves (the best one when it serves several), times the rule's
  level weight, times 0.75 when the rule is tagged with the technique's parent or a sub-technique;
* the strength of that technique's evidence: a prose sentence counts fully, a line of a list or
  table (or an ATT&CK ID written alone) counts 0.6; a technique whose only evidence is one phrase
  (``"deploying ransomware"``, reported through the phrase table) counts half, against one shown by
  the classifier, by its name or by several sentences;
* the platform: the hunt's platform (from its Sigma ``logsource``) named in the article counts
  fully, a hunt over logs of any platform (proxy, web server, DNS) 0.85, any hunt when the article
  names no platform 0.8, and a hunt for a platform the article does not involve 0.15;
* the technique's place in the rule: a rule found only through a generic technique it is tagged
  with besides its main one (a command interpreter, tool transfer, obfuscation, decoding, registry
  change or web protocol: most intrusions show them) counts 0.6; a web-shell hunt also tagged
  "Windows Command Shell" fits a web-shell article, not every article that shows cmd.exe;
* specificity: +50 % for each thing the hunt looks for that the article names (three at most):
  the values of its Sigma ``detection`` (`detection_observables`: programs, event IDs such as
  4625, paths, file names, cloud and identity API operations, addresses such as 169.254.169.254),
  not those of its ``filter`` selections. Shells and script hosts every hunt lists count nothing.
  A hunt for one to five programs (`tools_in`) when the article names nothing it looks for counts
  0.8 (a certutil hunt fits an article about certutil better than one that never names it; so does
  a hunt for PowerShell alone in an article that never names PowerShell, though a shell the
  article names adds nothing). What the article names counts only when it meets the rule's
  ``condition`` (`detection_requirements`): a hunt for Office applications spawning certutil gains
  nothing from an article that names certutil but no Office application; a selection of shells,
  common folders or short values needs no naming, and programs count by what people call them
  ("Word document", IIS). When the article names two or more of those values, a technique shown by
  one phrase only is not discounted (the values corroborate it), unless the hunt is for a
  platform the article does not involve. An emerging-threat rule (SigmaHQ's ``detection.emerging-threats``)
  is for the threat its folder names (Pikabot, CVE-2023-36874): that name stands for what it
  looks for.

Hunts whose fit is under `FLOOR` are left out and counted. The article's platforms are inferred
from its text with `infer_platforms`, each with the sentence that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from ttpmap._results import Evidence, Technique

__all__ = [
    "FLOOR",
    "PLATFORMS",
    "PLATFORM_NAMES",
    "Fit",
    "article_words",
    "detection_observables",
    "detection_requirements",
    "evidence_strength",
    "fit",
    "infer_platforms",
    "named_in",
    "rule_platform",
    "threat_names",
    "tools_in",
    "unmet_requirement",
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
_ONE_PHRASE: Final = 0.5
_CORROBORATING: Final = 2
_NAMED_BONUS: Final = 0.5
_MAX_NAMED: Final = 3
_MAX_TOOL_LIST: Final = 8
_TOOL_SPECIFIC: Final = 3
_FEW_TOOLS: Final = 5
_TOOL_NOT_NAMED: Final = 0.8

# per platform: cues matched ignoring case (a trailing * matches any word ending), and names matched
# as written (RDP, AWS, Mac). Plain substring search with word boundaries: a regex alternation of
# these took 50 ms on a 24,000-character report.
_CUES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "windows": (
        (
            "windows", "powershell", "cmd.exe", "windows registry", "registry key*", "registry value*",
            "run key*", "hklm", "hkcu", "hkey_local_machine", "hkey_current_user", "currentversion\\run",
            "rundll32", "regsvr32", "mshta", "wscript", "lsass", "mimikatz", "active directory",
            "domain controller*", "remote desktop", "psexec", "schtasks",
            "scheduled task*", "vba", "macro*", "microsoft word", "microsoft excel", "microsoft office",
            "w3wp", "exchange server*", "sharepoint server*", "sysmon", "kerberos", "admin$", "svchost",
        ),
        ("RDP", "SMB", "WMI", "IIS", "NTLM", "Group Policy", "GPO"),
    ),
    "linux": (
        (
            "linux", "ubuntu", "debian", "centos", "red hat", "rhel", "bash", "cron", "crontab*",
            "cron job*", "cronjob*", "systemd", "sshd", "authorized_keys", "/etc/", "/tmp/", "/root/",
            "/bin/", "chmod", "nohup", "kernel module*", "esxi", "docker", "kubernetes",
        ),
        ("ELF", "LKM"),
    ),
    "macos": (
        (
            "macos", "mac os", "os x", "macbook*", "apple", "osascript", "applescript", "keychain*",
            "launchagent*", "launch agent*", "launchdaemon*", "launch daemon*", "launchd", ".dmg",
            "gatekeeper", "xprotect", "notariz*", "mach-o", "~/library/",
        ),
        ("Mac", "Macs", "DMG"),
    ),
    "cloud": (
        (
            "amazon web services", "cloudtrail", "azure", "google cloud", "kubernetes", "instance metadata",
            "169.254.169.254", "cloud account*", "cloud tenant*", "cloud console", "cloud instance*",
            "cloud workload*", "cloud environment*", "cloud provider*",
        ),
        ("AWS", "EC2", "S3", "IAM", "GCP", "EKS", "AKS", "GKE", "Lambda"),
    ),
    "network": (
        (
            "firewall appliance*", "firewall device*", "vpn appliance*", "vpn gateway*", "vpn concentrator*",
            "vpn device*", "router*", "fortinet", "fortigate", "fortios", "fortiweb", "fortimanager",
            "palo alto", "pan-os", "globalprotect", "cisco asa", "cisco ios", "cisco ftd",
            "cisco firepower", "ivanti", "pulse secure", "connect secure", "citrix netscaler", "citrix adc",
            "citrix gateway", "netscaler", "big-ip", "sonicwall", "juniper", "edge device*",
            "network device*", "appliance*",
        ),
        (),
    ),
    "saas": (
        (
            "microsoft 365", "office 365", "exchange online", "outlook on the web", "entra id", "azure ad",
            "okta", "google workspace", "gmail", "sharepoint online", "onedrive", "salesforce", "single sign-on",
            "mailbox*", "inbox rule*", "mail forwarding", "forwarding rule*",
        ),
        ("M365", "O365", "OWA", "SSO", "OAuth", "Entra"),
    ),
}  # fmt: skip
# Linux cues that macOS shares (its shell, Unix folders, cron, ssh): on their own they point to Linux
# only when the article names no macOS (a macOS stealer's "curl ... | bash" into /tmp).
_UNIX_SHARED: Final = frozenset(
    ["bash", "cron", "crontab*", "cron job*", "cronjob*", "sshd", "authorized_keys", "/etc/", "/tmp/",
     "/root/", "/bin/", "chmod", "nohup"]
)  # fmt: skip
# A router's own shell and folders ("appends a line to /etc/rc.local") are the device's, where no Linux
# host telemetry runs: with no other Linux cue, a router article is about network devices only (an
# appliance such as BIG-IP, whose shell admins use, keeps its Linux hunts).
_ROUTERS: Final = frozenset(["router*"])
_NOT_CUES: Final[dict[str, tuple[str, ...]]] = {"azure": ("azure ad",)}  # "Azure AD" is identity (SaaS)
_WINDOWS_FILE: Final = re.compile(r"\.(?:exe|dll|lnk|hta|vbs|bat|ps1|msi)\b", re.IGNORECASE)
# a sentence that says the platforms it names are not involved ("on macOS and Linux the code does
# nothing", "Linux hosts are not affected"): its cues do not count
_PLATFORM_DENIAL: Final = re.compile(
    r"\b(?:does|do|did)\s+nothing\b|\bunaffected\b"
    r"|\bnot\s+(?:affected|vulnerable|targeted|impacted|supported)\b"
    r"|\b(?:does|do|did|is|are|was|were)(?:\s+not|n['’]t)\s+(?:run|work|affect|target|impact|execute|function)",
    re.IGNORECASE,
)

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
        "curl",
        "wget",
        "zsh",
    ]
)
_GENERIC_THREAT_WORDS: Final = frozenset(
    [
        "activity",
        "malware",
        "campaign",
        "exploit",
        "exploits",
        "exploitation",
        "ransomware",
        "group",
        "indicators",
    ]
)
_SKIP_MODIFIERS: Final = frozenset(
    {
        "re",
        "cidr",
        "base64",
        "base64offset",
        "utf16",
        "utf16le",
        "utf16be",
        "wide",
        "expand",
        "fieldref",
        "exists",
    }
)
_EVENT_ID_FIELDS: Final = frozenset({"eventid", "eventcode", "event_id"})
_MAX_ALTERNATIVES: Final = 64
# values that articles name by what people call them: programs, Mimikatz's modules, browsers' files
_PROGRAM_CALLED: Final[dict[str, tuple[str, ...]]] = {
    "winword": ("microsoft word", "word document", "word documents", "word file", "word files", "word attachment", "word doc", "microsoft office", "office document", "office documents", "macro", "macros"),
    "powerpnt": ("powerpoint",),
    "msaccess": ("microsoft access",),
    "mspub": ("microsoft publisher",),
    "eqnedt32": ("equation editor",),
    "chrome": ("browser", "browsers", "web browser"),
    "iexplore": ("internet explorer",),
    "msedge": ("microsoft edge",),
    "w3wp": ("iis", "web shell", "webshell", "web shells", "webshells", "web server", "web servers"),
    "umworkerprocess": ("exchange server", "exchange servers"),
    "apache2": ("apache", "web shell", "webshell", "web shells", "webshells", "web server", "web servers"),
    "sekurlsa::": ("mimikatz",),
    "lsadump::": ("mimikatz",),
    "schtasks": ("scheduled task", "scheduled tasks"),
    "software\\microsoft\\windows\\currentversion\\run": ("run key", "run keys", "autorun key", "autorun keys"),
    "7045": ("new service", "malicious service", "installed a service", "installs a service", "as a service"),
    "logins.json": ("browser credentials", "browser passwords", "saved passwords", "stored passwords", "browser cookies", "cookies"),
}  # fmt: skip
_MIN_EVENT_ID: Final = 100
_MIN_OBSERVABLE: Final = 4
_VALUE_EDGES: Final = "*?'\" \\/"
_GENERIC_OBSERVABLES: Final = frozenset({"http:", "https:", "ftp:", "file:", "true", "false", "null"})
# detection values an article names without naming what the hunt looks for: command verbs, account
# and folder names every intrusion touches
_COMMON_VALUES: Final = frozenset(
    [
        "save", "export", "delete", "copy", "move", "sync", "view", "user", "stop", "config", "client",
        "post", "decode", "password", "erase", "socks", "addfile", "administrators", "administratoren",
        "administrateurs", "authori", "autori", "appdata", "temp", "programdata", "downloads",
        "users\\public", "windows\\temp", "appdata\\local\\temp", "appdata\\roaming", "%temp%",
        "%appdata%", "%public%", "autoupdate", "autoupdater", "updateservice",
    ]
)  # fmt: skip
_WORD: Final = re.compile(r"[a-z0-9][a-z0-9_-]*")
_BULLET: Final = re.compile(r"^\s*(?:[-*\u2022\u00b7]|\d{1,3}[.)])\s+")
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
    named: tuple[str, ...] = ()
    one_phrase: bool = False
    unmet: tuple[str, ...] = ()


def infer_platforms(
    text: str, sentences: Sequence[Evidence] = (), words: frozenset[str] | None = None
) -> dict[str, Evidence]:
    """The platforms the article involves, each with the first sentence (or span) that names it.

    Parameters
    ----------
    text : str
        The article.
    sentences : sequence of Evidence, optional
        The article's sentences (offsets into `text`); the evidence is the sentence holding the first
        cue, else the cue itself.
    words : frozenset of str, optional
        `article_words(text)`, when the caller has it already.
    """
    lower = text.lower()
    if words is None:
        words = article_words(text)
    found: dict[str, Evidence] = {}
    denied = [(s.start, s.end) for s in sentences if _PLATFORM_DENIAL.search(s.text)]
    unix_only = False  # every Linux cue found is one macOS shares
    routers_only = False  # every network cue found names a router
    for platform in PLATFORMS:
        anycase, written = _CUES[platform]
        cued = [(h, c) for c in anycase if _may_hold(c, words) and (h := _told(lower, c, denied))[0] >= 0]
        cued += [(h, c) for c in written if _may_hold(c, words) and (h := _told(text, c, denied))[0] >= 0]
        hits = [h for h, _ in cued]
        if platform == "windows" and (m := _WINDOWS_FILE.search(text)) is not None:
            hits.append((m.start(), m.end()))
        if platform == "linux":
            unix_only = all(c in _UNIX_SHARED for _, c in cued)
        if platform == "network":
            routers_only = all(c in _ROUTERS for _, c in cued)
        if hits:
            start, end = min(hits)
            found[platform] = _sentence_at(start, end, text, sentences)
    if "linux" in found and unix_only and ("macos" in found or ("network" in found and routers_only)):
        del found["linux"]
    return found


def _told(haystack: str, cue: str, denied: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """`_find` of `cue` outside the `denied` spans (sentences that deny their platforms)."""
    hit = _find(haystack, cue)
    while hit[0] >= 0 and any(a <= hit[0] < b for a, b in denied):
        hit = _find(haystack, cue, hit[1])
    return hit


def _find(haystack: str, cue: str, start_at: int = 0) -> tuple[int, int]:
    """The first ``(start, end)`` from `start_at` of `cue` in `haystack` as a whole word (a trailing
    ``*``: a word start), or ``(-1, -1)``."""
    prefix = cue.endswith("*")
    needle = cue.rstrip("*")
    excluded = _NOT_CUES.get(needle, ())
    start = haystack.find(needle, start_at)
    while start >= 0:
        end = start + len(needle)
        left_ok = start == 0 or not _is_word_char(haystack[start - 1]) or not _is_word_char(needle[0])
        right_ok = prefix or end == len(haystack) or not _is_word_char(haystack[end])
        right_ok = right_ok or not _is_word_char(needle[-1])
        if left_ok and right_ok and not any(haystack.startswith(x, start) for x in excluded):
            return start, end
        start = haystack.find(needle, start + 1)
    return -1, -1


def _may_hold(cue: str, words: frozenset[str]) -> bool:
    """False when the text cannot hold `cue`: its first word is not one of the text's words."""
    if cue.endswith("*"):
        cue = cue[:-1]
        first = _WORD.match(cue.lower())
        if first is None or first.end() == len(cue):
            return True  # a one-word prefix: any word may start with it
    else:
        first = _WORD.match(cue.lower())
    return first is None or first.group() in words


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def rule_platform(logsource: tuple[str, str, str]) -> str | None:
    """The platform a Sigma rule's logs come from, or None for logs of any platform (proxy, DNS ...)."""
    _category, product, service = (s.lower() for s in logsource)
    if product == "azure" and service in _AZURE_SAAS_SERVICES:
        return "saas"
    return _PRODUCT_PLATFORM.get(product)


def tools_in(queries: Mapping[str, str]) -> frozenset[str]:
    """The programs a hunt's queries look for that make it specific (``certutil``, ``osascript``).

    Shells and script hosts are left out, unless the hunt looks for nothing else and for at most
    three of them (a PowerShell download cradle); a hunt that lists more than eight programs (a
    parent spawning any of many children) names none.
    """
    text = " ".join(queries.values())
    tools = frozenset(t for t in (m.lower() for m in _TOOL.findall(text)) if t not in _NOT_TOOLS)
    if len(tools) > _MAX_TOOL_LIST:
        return frozenset()
    if tools <= _GENERIC_TOOLS and len(tools) <= _TOOL_SPECIFIC:
        return tools
    return tools - _GENERIC_TOOLS


def threat_names(key: str) -> frozenset[str]:
    """The threat an emerging-threat rule is for, from its folder (SigmaHQ's ``rules-emerging-threats/
    YEAR/Malware/Pikabot/...``): the folder name and its distinctive parts, lower-cased, so that
    `fit` treats them as the programs the hunt looks for."""
    parts = key.split("#", 1)[0].split("/")
    if len(parts) < 2:
        return frozenset()
    folder = parts[-2].lower()
    names = {folder}
    names.update(
        p
        for p in re.split(r"[-_ ]", folder)
        if len(p) >= 4 and not p.isdigit() and p not in _GENERIC_THREAT_WORDS
    )
    return frozenset(names)


def evidence_strength(technique: Technique) -> tuple[float, Evidence | None, str]:
    """How strongly the article shows `technique`: the factor, the sentence to quote and its kind.

    Kinds: ``'prose'`` (a sentence of at least six words that is not a list or table line and not
    only an ATT&CK ID, or a bullet that tells what happened in a sentence of at least eight words),
    ``'list'`` (anything else the technique rests on) and ``'none'``. A
    technique whose only evidence is one phrase of the phrase table (`Technique.source`
    ``'phrase'``) gets half the factor of its kind: one generic phrase ("deploying ransomware")
    shows less than a sentence the classifier reads as the technique, its name, or several
    sentences.
    """
    if not technique.evidence:
        return _NO_EVIDENCE, None, "none"
    support = _ONE_PHRASE if _one_phrase(technique) else 1.0
    for ev in technique.evidence:
        if _is_prose(ev.text):
            return support, ev, "prose"
    return _LIST_EVIDENCE * support, technique.evidence[0], "list"


def _one_phrase(technique: Technique) -> bool:
    return technique.source == "phrase" and len({ev.text for ev in technique.evidence}) == 1


def detection_observables(detection: Mapping[str, Any]) -> tuple[str, ...]:
    """What a Sigma rule's ``detection`` looks for that an article can name, lower-cased.

    The values of its selections (not of ``filter...`` selections, which say what it leaves out):
    program names without ``.exe`` (``certutil``), event IDs (``4625``), paths and file names
    (``/root/.ssh/authorized_keys``, ``.lockbit``), API operations (``createaccesskey``),
    addresses (``169.254.169.254``) and command-line fragments. Values with fewer than four
    letters or digits, regular expressions, CIDR ranges and encoded values are left out.
    """
    out: dict[str, None] = {}
    for name, selection in detection.items():
        if (
            not isinstance(name, str)
            or name in ("condition", "timeframe")
            or name.lower().startswith("filter")
        ):
            continue
        for field, value in _field_values(selection):
            observable = _observable(field, value)
            if observable is not None:
                out[observable] = None
    return tuple(out)


def detection_requirements(detection: Mapping[str, Any]) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """What an article must name for a Sigma rule's ``condition`` to hold on what it names.

    The condition in disjunctive form (negations, which say what the hunt leaves out, dropped): a
    tuple of alternatives, each a tuple of groups, one for each selection it needs whose values an
    article can name (`detection_observables`' values, less the shells, script hosts and common
    words that `named_in` never counts); an article meets an alternative when it names a value of
    every group. ``()`` when nothing needs naming, or the condition cannot be read.
    """
    from sigma.exceptions import SigmaError
    from sigma.rule import SigmaDetections

    groups = {
        str(name): _countable(selection)
        for name, selection in detection.items()
        if name not in ("condition", "timeframe")
    }
    alternatives: list[tuple[str, ...]] = []
    try:
        for condition in SigmaDetections.from_dict(dict(detection)).parsed_condition:
            alternatives.extend(_dnf(condition.parse(postprocess=False), groups))
    except (SigmaError, ValueError, TypeError, AttributeError, _TooManyAlternativesError):
        return ()
    out = {tuple(sorted({groups[n] for n in alt if groups.get(n)})) for alt in alternatives}
    return () if () in out else tuple(sorted(out))


class _TooManyAlternativesError(Exception):
    pass


def _dnf(node: Any, groups: Mapping[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """A parsed condition as alternatives of the selection names each needs (negations: none)."""
    from fnmatch import fnmatchcase

    from sigma.conditions import ConditionAND, ConditionIdentifier, ConditionOR, ConditionSelector

    if isinstance(node, ConditionIdentifier):
        return [(str(node.identifier),)]
    if isinstance(node, ConditionSelector):
        pattern = "*" if node.pattern == "them" else str(node.pattern)
        names: list[tuple[str, ...]] = [(n,) for n in groups if fnmatchcase(n, pattern)]
        if node.cond_class is ConditionOR:
            return names
        return [tuple(n for (n,) in names)]
    if isinstance(node, ConditionOR):
        return [alt for arg in node.args for alt in _dnf(arg, groups)]
    if isinstance(node, ConditionAND):
        out: list[tuple[str, ...]] = [()]
        for arg in node.args:
            out = [a + b for a in out for b in _dnf(arg, groups)]
            if len(out) > _MAX_ALTERNATIVES:
                raise _TooManyAlternativesError
        return out
    return [()]


def _countable(selection: Any) -> tuple[str, ...]:
    """The values of a selection an article must name one of, or ``()`` when one of them is not
    for an article to name (a shell, a common folder, a short or encoded value): the selection then
    holds on what any article tells."""
    values = [_observable(field, value) for field, value in _field_values(selection, skipped=True)]
    if not values or any(v is None or not _countable_value(v) for v in values):
        return ()
    return tuple(sorted({v for v in values if v is not None}))


def _countable_value(value: str) -> bool:
    generic = value in _GENERIC_TOOLS or value in _NOT_TOOLS or value in _COMMON_VALUES
    return not generic and not value.startswith("dword")


def unmet_requirement(
    requires: Sequence[Sequence[Sequence[str]]], named: Iterable[str], lower: str, words: frozenset[str]
) -> tuple[str, ...]:
    """What the article fails to name of `requires` (`detection_requirements`): ``()`` when it names
    a value of each group of one alternative (among `named` or, for a program, by the name people
    call it: ``winword`` as "Word document", ``w3wp`` as IIS); else the values of the first group it
    misses in the alternative it comes closest to."""
    told = set(named)
    best: tuple[str, ...] = ()
    fewest = None
    for alternative in requires:
        missed = [g for g in alternative if not any(v in told or _called(v, lower, words) for v in g)]
        if not missed:
            return ()
        if fewest is None or len(missed) < fewest:
            fewest, best = len(missed), tuple(missed[0])
    return best


def _called(value: str, lower: str, words: frozenset[str]) -> bool:
    return any(named_in((name,), lower, words) for name in _PROGRAM_CALLED.get(value, ()))


def _field_values(selection: Any, field: str = "", skipped: bool = False) -> Iterator[tuple[str, Any]]:
    """``(field, value)`` of a selection; a field with a modifier of `_SKIP_MODIFIERS` (a regular
    expression, an encoding) is left out, or with `skipped` yields ``(field, None)``."""
    if isinstance(selection, Mapping):
        for key, value in selection.items():
            name, *modifiers = str(key).split("|")
            if not _SKIP_MODIFIERS.intersection(m.lower() for m in modifiers):
                yield from _field_values(value, name, skipped)
            elif skipped:
                yield name, None
    elif isinstance(selection, list):
        for item in selection:
            yield from _field_values(item, field, skipped)
    else:
        yield field, selection


def _observable(field: str, value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdecimal()):
        number = int(value)
        return str(number) if field.lower() in _EVENT_ID_FIELDS and number >= _MIN_EVENT_ID else None
    text = str(value).replace("\\\\", "\\").strip().strip(_VALUE_EDGES).lower()
    if text.endswith(".exe"):
        text = text[:-4]
    if sum(ch.isalnum() for ch in text) < _MIN_OBSERVABLE or text in _GENERIC_OBSERVABLES:
        return None
    return text


def named_in(observables: Iterable[str], lower: str, words: frozenset[str]) -> tuple[str, ...]:
    """The `observables` the article (`lower`, its lower-cased text, and `words`) names as written,
    sorted; the shells and script hosts every hunt lists, and common verbs and folders, not counted."""
    named = []
    for obs in observables:
        if not _countable_value(obs):
            continue
        parts = _words_of(obs)
        if parts == (obs,):
            if obs in words:
                named.append(obs)
        elif words.issuperset(parts) and _find(lower, obs)[0] >= 0:
            named.append(obs)
    return tuple(sorted(named))


def fit(
    techniques: Sequence[tuple[Technique, float]],
    platform: str | None,
    tools: frozenset[str],
    platforms: Mapping[str, Evidence],
    words: frozenset[str],
    main: str | None = None,
    named: Sequence[str] = (),
    unmet: tuple[str, ...] = (),
) -> Fit:
    """The fit of one hunt serving `techniques` (each with its library score: confidence x level x
    relation), for an article with `platforms` and the lower-cased `words`; `main` is the rule's
    main technique (its first tag): a generic technique other than it counts less. `tools` are the
    programs the hunt looks for (`tools_in`), `named` what it looks for that the article names
    (`named_in` over `detection_observables`, the programs among them included); `unmet` what the
    rule's condition needs that the article does not name (`unmet_requirement`): then what it names
    counts nothing (certutil, named, of a hunt for Office's children where no Office application is)."""
    if platform is None:
        plat, match, plat_ev = _ANY_LOGS, "any", None
    elif not platforms:
        plat, match, plat_ev = _NO_PLATFORM, "unknown", None
    elif platform in platforms:
        plat, match, plat_ev = _MATCH, "match", platforms[platform]
    else:
        plat, match, plat_ev = _MISMATCH, "mismatch", None
    named_tools = tuple(sorted(t for t in tools if t in words and t not in _GENERIC_TOOLS))
    all_named = () if unmet else _outermost({*named, *named_tools})
    spec = 1.0 + _NAMED_BONUS * min(len(all_named), _MAX_NAMED)
    if not all_named and 0 < len(tools) <= _FEW_TOOLS and not (tools & words):
        spec = _TOOL_NOT_NAMED
    best: Fit | None = None
    family = main.split(".", 1)[0] if main else None
    corroborated = len(all_named) >= _CORROBORATING and match != "mismatch"
    for tech, base in techniques:
        strength, ev, kind = evidence_strength(tech)
        one_phrase = _one_phrase(tech)
        if one_phrase and corroborated:  # the values it names lift the one-phrase discount
            strength /= _ONE_PHRASE
            one_phrase = False
        tech_family = tech.id.split(".", 1)[0]
        generic = tech_family in _GENERIC_TECHNIQUES and tech_family != family
        place = _SECONDARY if generic else 1.0
        score = base * strength * plat * spec * place
        if best is None or score > best.score:
            best = Fit(
                score, tech, ev, kind, platform, match, plat_ev, named_tools, all_named, one_phrase, unmet
            )
    assert best is not None
    return best


@cache
def _words_of(observable: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(observable))


def _outermost(named: set[str]) -> tuple[str, ...]:
    """`named` without the values another one holds (``authorized_keys`` in ``.ssh/authorized_keys``),
    so that one thing the article names counts once."""
    return tuple(sorted(n for n in named if not any(n != m and n in m for m in named)))


def article_words(text: str) -> frozenset[str]:
    """The lower-cased words of an article, as `fit` matches tool names against them."""
    return frozenset(_WORD.findall(text.lower()))


def _is_prose(text: str) -> bool:
    line = text.strip()
    if "|" in line:
        return False
    bullet = _BULLET.match(line)
    if bullet is not None:
        return _is_told(line[bullet.end() :])
    if _LIST_LINE.match(line):
        return False
    words = _ATTACK_ID.sub(" ", line).split()
    return len(words) >= 6


def _is_told(item: str) -> bool:
    """Whether a list item is a sentence that tells what happened (a timeline's bullet), not a
    technique's name or ID in a list."""
    words = _ATTACK_ID.sub(" ", item).split()
    return not _LIST_LINE.match(item) and item.rstrip().endswith((".", "!", "?")) and len(words) >= 8


def _sentence_at(start: int, end: int, text: str, sentences: Sequence[Evidence]) -> Evidence:
    for s in sentences:
        if s.start <= start < s.end:
            return s
    return Evidence(text[start:end], start, end)
