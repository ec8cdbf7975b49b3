"""Frozen result types that make up a `Brief`.

Every stage of the analysis returns these; `Brief.to_dict()` is built from their `to_dict()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

__all__ = [
    "IOC_TYPES",
    "SEVERITY_LEVELS",
    "Evidence",
    "Hunt",
    "Ioc",
    "Phase",
    "Reason",
    "Severity",
    "Tactic",
    "Technique",
]

IocType = Literal[
    "ipv4",
    "ipv6",
    "domain",
    "url",
    "email",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "cve",
    "filename",
    "registry_key",
    "btc_address",
    "eth_address",
    "xmr_address",
]
IOC_TYPES: tuple[str, ...] = get_args(IocType)
Fidelity = Literal["high", "low"]
SeverityLevel = Literal["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
SEVERITY_LEVELS: tuple[SeverityLevel, ...] = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")


@dataclass(frozen=True, slots=True)
class Evidence:
    """A span of the article's text, with offsets into `Article.text`.

    `block` is the kind of block it was read from (``"paragraph"``, ``"list_item"``, ``"table"``, …)
    when known.
    """

    text: str
    start: int
    end: int
    block: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "start": self.start, "end": self.end}
        if self.block is not None:
            d["block"] = self.block
        return d


@dataclass(frozen=True, slots=True)
class Ioc:
    """An indicator of compromise found in the article.

    `value` is refanged and normalised; `defanged` is true when the author wrote it defanged;
    `start`/`end` are offsets of the matched text in the article; `reason` says why a
    low-fidelity IOC is low.
    """

    type: str
    value: str
    defanged: bool
    fidelity: Fidelity
    start: int
    end: int
    reason: str | None = None
    sentence: Evidence | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "type": self.type,
            "value": self.value,
            "defanged": self.defanged,
            "fidelity": self.fidelity,
            "start": self.start,
            "end": self.end,
        }
        if self.reason is not None:
            d["reason"] = self.reason
        return d


@dataclass(frozen=True, slots=True)
class Technique:
    """An ATT&CK technique or sub-technique that the article describes.

    `source` says what reported it: ``"model"`` (the classifier's evidence), ``"name"`` (the article
    names it, by its ATT&CK name or a common alias, and that carried the confidence),
    ``"phrase"`` (a phrasing from ``classify/data/phrases.tsv`` whose precision was measured on labeled
    texts carried it) or ``"mention"`` (the article writes its ATT&CK ID). `note` says why the ID
    differs from what was found (a revoked technique reported as its replacement).
    """

    id: str
    name: str
    tactics: tuple[str, ...]
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    url: str = ""
    source: str = "model"
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = {
            "id": self.id,
            "name": self.name,
            "tactics": list(self.tactics),
            "confidence": round(float(self.confidence), 4),
            "url": self.url,
            "source": self.source,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True, slots=True)
class Tactic:
    """An ATT&CK tactic (e.g. TA0002 Execution) covered by the article."""

    id: str
    shortname: str
    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "shortname": self.shortname,
            "name": self.name,
            "confidence": round(float(self.confidence), 4),
        }


@dataclass(frozen=True, slots=True)
class Phase:
    """A Lockheed Martin kill-chain phase, with the tactics and techniques that put it there."""

    name: str
    order: int
    tactics: tuple[str, ...] = ()
    techniques: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "order": self.order,
            "tactics": list(self.tactics),
            "techniques": list(self.techniques),
        }


@dataclass(frozen=True, slots=True)
class Hunt:
    """A recommended threat hunt with ready-to-run queries.

    `spl` is Splunk, `kql` Microsoft Defender XDR, `kql_sentinel` Microsoft Sentinel (ASIM, else its
    Log Analytics tables); either is None where the product has no table for the hunt's logs.
    `source` names where the rule came from (pack, rule ID, author, link), as the Sigma licence asks.
    `rank` (1 = fits the article best) and `why` (technique, evidence sentence, platform match,
    tools named, fit score and a plain sentence) are set when the hunt was ranked against an article.
    """

    id: str
    title: str
    techniques: tuple[str, ...]
    phase: str
    confidence: str
    spl: str | None
    kql: str | None
    kql_sentinel: str | None = None
    description: str = ""
    level: str = ""
    false_positives: tuple[str, ...] = ()
    source: dict[str, str] = field(default_factory=dict)
    rank: int | None = None
    why: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "techniques": list(self.techniques),
            "phase": self.phase,
            "confidence": self.confidence,
            "spl": self.spl,
            "kql": self.kql,
            "kql_sentinel": self.kql_sentinel,
            "description": self.description,
            "level": self.level,
            "false_positives": list(self.false_positives),
            "source": dict(self.source),
        }
        if self.rank is not None:
            d["rank"] = self.rank
        if self.why is not None:
            d["why"] = dict(self.why)
        return d


@dataclass(frozen=True, slots=True)
class Reason:
    """One severity rule that fired: its ID, a plain sentence, and what it rests on.

    `evidence` holds spans of the text; `refs` names the techniques, IOCs or hunts
    (e.g. ``"technique:T1486"``, ``"ioc:sha256:…"``, ``"hunt:UC_RANSOMWARE"``).
    """

    rule: str
    text: str
    level: SeverityLevel = "INFO"
    score: int = 0
    evidence: tuple[Evidence, ...] = ()
    refs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "text": self.text,
            "level": self.level,
            "score": self.score,
            "evidence": [e.to_dict() for e in self.evidence],
            "refs": list(self.refs),
        }


@dataclass(frozen=True, slots=True)
class Severity:
    """The brief's severity: a level, a 0-100 score, a 0-100 confidence and every reason."""

    level: SeverityLevel
    score: int
    confidence: int
    reasons: tuple[Reason, ...] = ()
    decided_by: Literal["rules", "model"] = "rules"

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "score": self.score,
            "confidence": self.confidence,
            "decided_by": self.decided_by,
            "reasons": [r.to_dict() for r in self.reasons],
        }
