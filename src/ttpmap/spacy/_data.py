"""A `Brief` as plain data (dicts, lists, numbers, strings) and back, exactly.

``doc._.ttpmap_brief`` must survive ``Doc.to_bytes`` (msgpack, what ``nlp.pipe(n_process=2)`` sends
between processes) and pickling, so a Doc keeps the brief as this data and rebuilds the `Brief` when
it is read. Unlike `Brief.to_dict` it rounds nothing and keeps every field (``Ioc.sentence`` too),
except the article text, which is the Doc's own text.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ttpmap._brief import Brief
from ttpmap._results import Evidence, Hunt, Ioc, Phase, Reason, Severity, Tactic, Technique

__all__ = ["brief_from_data", "brief_to_data"]


def brief_to_data(brief: Brief) -> dict[str, Any]:
    """`brief` without its text, as msgpack- and JSON-ready data."""
    data = dataclasses.asdict(dataclasses.replace(brief, text=""))
    del data["text"]
    return data


def _evidence(items: Any) -> tuple[Evidence, ...]:
    return tuple(Evidence(**e) for e in items)


def brief_from_data(data: dict[str, Any], text: str) -> Brief:
    """The `Brief` that `brief_to_data` was given, with `text` as its article text."""
    sev = data["severity"]
    reasons = tuple(
        Reason(**{**r, "evidence": _evidence(r["evidence"]), "refs": tuple(r["refs"])})
        for r in sev["reasons"]
    )
    iocs = tuple(
        Ioc(**{**i, "sentence": None if i["sentence"] is None else Evidence(**i["sentence"])})
        for i in data["iocs"]
    )
    techniques = tuple(
        Technique(**{**t, "tactics": tuple(t["tactics"]), "evidence": _evidence(t["evidence"])})
        for t in data["techniques"]
    )
    phases = tuple(
        Phase(**{**p, "tactics": tuple(p["tactics"]), "techniques": tuple(p["techniques"])})
        for p in data["phases"]
    )
    hunts = tuple(
        Hunt(**{**h, "techniques": tuple(h["techniques"]), "false_positives": tuple(h["false_positives"])})
        for h in data["hunts"]
    )
    return Brief(
        **{
            **data,
            "severity": Severity(**{**sev, "reasons": reasons}),
            "iocs": iocs,
            "techniques": techniques,
            "tactics": tuple(Tactic(**t) for t in data["tactics"]),
            "phases": phases,
            "hunts": hunts,
            "text": text,
        }
    )
