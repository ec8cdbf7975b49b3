"""STIX 2.1 bundles built with the `stix2` library, with deterministic IDs."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ttpmap._deps import require
from ttpmap.export._common import brief_dicts, parse_timestamp

__all__ = ["STIX_NAMESPACE", "stix_pattern", "to_stix_bundle"]

STIX_NAMESPACE = uuid.UUID("6f1c3c52-4a5e-5b1e-9d0c-7a7e6d9f5b11")
"""The UUIDv5 namespace of every ID that ttpmap puts in a STIX bundle."""

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_PATTERN_PATHS = {
    "ipv4": "ipv4-addr:value",
    "ipv6": "ipv6-addr:value",
    "domain": "domain-name:value",
    "url": "url:value",
    "email": "email-addr:value",
    "md5": "file:hashes.MD5",
    "sha1": "file:hashes.'SHA-1'",
    "sha256": "file:hashes.'SHA-256'",
    "sha512": "file:hashes.'SHA-512'",
    "filename": "file:name",
    "registry_key": "windows-registry-key:key",
}
_IOC_NAMES = {
    "ipv4": "IPv4 address",
    "ipv6": "IPv6 address",
    "domain": "Domain name",
    "url": "URL",
    "email": "E-mail address",
    "md5": "MD5 file hash",
    "sha1": "SHA-1 file hash",
    "sha256": "SHA-256 file hash",
    "sha512": "SHA-512 file hash",
    "filename": "File name",
    "registry_key": "Windows registry key",
}
_CVE = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,7}$", re.IGNORECASE)
_TACTIC_SHORTNAME = re.compile(r"^[a-z][a-z0-9-]{0,63}$")


def stix_pattern(ioc_type: str, value: str) -> str | None:
    """The STIX 2.1 pattern that matches one IOC, or None for types STIX has no object for.

    >>> stix_pattern("sha256", "A" * 64)
    "[file:hashes.'SHA-256' = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']"
    >>> stix_pattern("url", "http://evil.example/a'b")
    "[url:value = 'http://evil.example/a\\\\'b']"
    """
    path = _PATTERN_PATHS.get(ioc_type)
    if path is None:
        return None
    if ioc_type in {"md5", "sha1", "sha256", "sha512", "domain", "email"}:
        value = value.lower()
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"[{path} = '{escaped}']"


def to_stix_bundle(briefs: Any, *, created: _dt.datetime | str | None = None) -> dict[str, Any]:
    """Build a STIX 2.1 bundle from briefs: reports, indicators, attack-patterns, relationships.

    Each brief becomes a ``report`` whose ``object_refs`` list what it found: an ``indicator``
    (with a STIX pattern) per high-fidelity IOC, an ``attack-pattern`` per ATT&CK technique
    (its ID as a ``mitre-attack`` external reference), a ``vulnerability`` per CVE, and the
    ``relationship`` objects between them. An indicator *indicates* a technique, and a technique
    *targets* a vulnerability, only when the IOC or CVE appears in that technique's evidence
    sentence. Objects shared by several briefs appear once.

    IDs are UUIDv5 of the content and timestamps come from the briefs' ``published`` dates, so
    the same briefs always give the same bundle. Briefs without a published date use `created`
    (default: the Unix epoch, to stay reproducible). Cryptocurrency addresses have no STIX 2.1
    object and are left out; a brief with nothing to report adds no report.

    Parameters
    ----------
    briefs : Brief, dict or iterable of them
        `BatchError` items are skipped.
    created : datetime or ISO 8601 str, optional
        The timestamp of briefs that have no published date.

    Returns
    -------
    dict
        The bundle as JSON-ready data (``json.dumps`` it to write a file).
    """
    stix2 = require("stix2", extra="feeds", feature="Writing STIX 2.1 bundles")
    fallback = parse_timestamp(created) if created is not None else _EPOCH
    if fallback is None:
        from ttpmap._exceptions import InvalidParameterError

        raise InvalidParameterError(f"created must be a datetime or an ISO 8601 string, got {created!r}")
    graph = _Graph()
    for brief in brief_dicts(briefs, what="to_stix_bundle()"):
        graph.add_brief(brief, parse_timestamp(brief.get("published")) or fallback)
    objects = graph.build(stix2)
    bundle_id = _sid("bundle", *sorted(o["id"] for o in objects))
    bundle = stix2.v21.Bundle(objects=objects, id=bundle_id)
    result: dict[str, Any] = json.loads(bundle.serialize())
    return result


def _sid(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(STIX_NAMESPACE, kind + chr(31) + chr(31).join(parts))}"


@dataclass
class _Node:
    kind: str
    props: dict[str, Any]
    first_seen: _dt.datetime
    tactics: set[str] = field(default_factory=set)


class _Graph:
    """The objects of a bundle, shared between briefs, with the earliest time each was seen."""

    def __init__(self) -> None:
        self.identity = _sid("identity", "ttpmap")
        self.nodes: dict[str, _Node] = {}
        self.reports: list[tuple[dict[str, Any], _dt.datetime, list[str]]] = []

    def _node(self, sid: str, kind: str, props: dict[str, Any], when: _dt.datetime) -> _Node:
        node = self.nodes.get(sid)
        if node is None:
            node = self.nodes[sid] = _Node(kind, props, when)
        elif when < node.first_seen:
            node.first_seen = when
        return node

    def add_brief(self, brief: Mapping[str, Any], when: _dt.datetime) -> None:
        refs: list[str] = []
        spans: list[tuple[str, int, int]] = []
        tactic_ids = {
            t.get("id"): t.get("shortname") for t in brief.get("tactics") or [] if isinstance(t, Mapping)
        }
        for tech in brief.get("techniques") or []:
            tid = str(tech["id"])
            sid = _sid("attack-pattern", tid)
            url = tech.get("url") or f"https://attack.mitre.org/techniques/{tid.replace('.', '/')}/"
            node = self._node(
                sid,
                "attack-pattern",
                {
                    "name": str(tech.get("name") or tid),
                    "external_references": [{"source_name": "mitre-attack", "external_id": tid, "url": url}],
                },
                when,
            )
            for tactic in tech.get("tactics") or []:
                shortname = tactic_ids.get(tactic, tactic)
                if isinstance(shortname, str) and _TACTIC_SHORTNAME.match(shortname):
                    node.tactics.add(shortname)
            refs.append(sid)
            for ev in tech.get("evidence") or []:
                spans.append((sid, int(ev.get("start", -1)), int(ev.get("end", -1))))
        for ioc in brief.get("iocs") or []:
            if ioc.get("fidelity", "high") != "high":
                continue
            ioc_type, value = str(ioc["type"]), str(ioc["value"])
            start, end = int(ioc.get("start", -1)), int(ioc.get("end", -1))
            if ioc_type == "cve" and _CVE.match(value):
                cve = value.upper()
                sid = _sid("vulnerability", cve)
                self._node(
                    sid,
                    "vulnerability",
                    {"name": cve, "external_references": [{"source_name": "cve", "external_id": cve}]},
                    when,
                )
                refs.append(sid)
                refs.extend(self._relate(spans, "targets", sid, start, end, when, forward=True))
                continue
            pattern = stix_pattern(ioc_type, value)
            if pattern is None:
                continue
            sid = _sid("indicator", pattern)
            self._node(
                sid,
                "indicator",
                {
                    "name": f"{ioc_type}: {value}"[:256],
                    "description": f"{_IOC_NAMES[ioc_type]} reported as an indicator of compromise",
                    "pattern": pattern,
                    "pattern_type": "stix",
                    "indicator_types": ["malicious-activity"],
                },
                when,
            )
            refs.append(sid)
            refs.extend(self._relate(spans, "indicates", sid, start, end, when, forward=False))
        if refs:
            self.reports.append((dict(brief), when, list(dict.fromkeys(refs))))

    def _relate(
        self,
        spans: list[tuple[str, int, int]],
        rel_type: str,
        sid: str,
        start: int,
        end: int,
        when: _dt.datetime,
        *,
        forward: bool,
    ) -> list[str]:
        """Relationships between `sid` and each technique whose evidence sentence holds [start, end)."""
        out: list[str] = []
        for pattern_id in dict.fromkeys(p for p, s, e in spans if 0 <= s <= start and end <= e):
            source, target = (pattern_id, sid) if forward else (sid, pattern_id)
            rid = _sid("relationship", source, rel_type, target)
            self._node(
                rid,
                "relationship",
                {"relationship_type": rel_type, "source_ref": source, "target_ref": target},
                when,
            )
            out.append(rid)
        return out

    def build(self, stix2: Any) -> list[Any]:
        times = [n.first_seen for n in self.nodes.values()] + [w for _, w, _ in self.reports]
        origin = min(times, default=_EPOCH)
        common = {"created_by_ref": self.identity, "allow_custom": False}
        objects: list[Any] = [
            stix2.v21.Identity(
                id=self.identity, name="ttpmap", identity_class="system", created=origin, modified=origin
            )
        ]
        classes = {
            "attack-pattern": stix2.v21.AttackPattern,
            "indicator": stix2.v21.Indicator,
            "vulnerability": stix2.v21.Vulnerability,
            "relationship": stix2.v21.Relationship,
        }
        for sid in sorted(self.nodes, key=lambda s: (_ORDER[self.nodes[s].kind], s)):
            node = self.nodes[sid]
            props = dict(node.props)
            if node.kind == "attack-pattern" and node.tactics:
                props["kill_chain_phases"] = [
                    {"kill_chain_name": "mitre-attack", "phase_name": t} for t in sorted(node.tactics)
                ]
            if node.kind == "indicator":
                props["valid_from"] = node.first_seen
            objects.append(
                classes[node.kind](
                    id=sid, created=node.first_seen, modified=node.first_seen, **props, **common
                )
            )
        for brief, when, refs in self.reports:
            objects.append(
                stix2.v21.Report(
                    id=_report_id(brief), created=when, modified=when, **_report(brief, when, refs), **common
                )
            )
        return objects


_ORDER = {"attack-pattern": 0, "vulnerability": 1, "indicator": 2, "relationship": 3}


def _report_id(brief: Mapping[str, Any]) -> str:
    url = brief.get("url") or ""
    if url:
        return _sid("report", "url", str(url))
    digest = hashlib.sha256(json.dumps(brief, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    return _sid("report", "content", digest)


def _report(brief: Mapping[str, Any], when: _dt.datetime, refs: list[str]) -> dict[str, Any]:
    severity = brief.get("severity") or {}
    level = str(severity.get("level") or "").upper()
    description = str(brief.get("summary") or "").strip()
    if level:
        extra = f"ttpmap severity: {level} (score {severity.get('score', '?')}/100)."
        description = f"{description}\n\n{extra}" if description else extra
    props: dict[str, Any] = {
        "name": str(brief.get("title") or brief.get("url") or "Untitled article")[:1024],
        "published": when,
        "report_types": ["threat-report"],
        "object_refs": refs,
    }
    if description:
        props["description"] = description
    if level:
        props["labels"] = [f"severity-{level.lower()}"]
    if brief.get("url"):
        props["external_references"] = [
            {"source_name": str(brief.get("source") or "article"), "url": str(brief["url"])}
        ]
    return props
