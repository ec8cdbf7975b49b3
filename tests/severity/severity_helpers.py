"""Build working documents for severity tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ttpmap._article import Article
from ttpmap._document import WorkDoc
from ttpmap._results import Hunt, Ioc, Phase, Technique

PHASE_ORDER = {
    "Reconnaissance": 1,
    "Weaponization": 2,
    "Delivery": 3,
    "Exploitation": 4,
    "Installation": 5,
    "Command and Control": 6,
    "Actions on Objectives": 7,
}


def make_doc(
    text: str,
    *,
    techniques: Sequence[Mapping[str, Any]] = (),
    phases: Sequence[str] = (),
    hunts: Sequence[str] = (),
    iocs: Sequence[Mapping[str, Any]] = (),
    title: str | None = None,
) -> WorkDoc:
    """A `WorkDoc` for `text`, with what earlier stages would have found."""
    doc = WorkDoc.from_article(Article(text=text, title=title))
    doc.techniques = [
        Technique(
            id=t["id"],
            name=t.get("name", ""),
            tactics=tuple(t.get("tactics", ())),
            confidence=float(t.get("confidence", 0.9)),
        )
        for t in techniques
    ]
    doc.phases = [Phase(name=p, order=PHASE_ORDER[p]) for p in phases]
    doc.hunts = [
        Hunt(
            id=h,
            title=h.replace("_", " ").title(),
            techniques=(),
            phase="",
            confidence="Medium",
            spl=None,
            kql=None,
        )
        for h in hunts
    ]
    doc.iocs = [
        Ioc(type=i["type"], value=i["value"], defanged=False, fidelity=i["fidelity"], start=0, end=0)
        for i in iocs
    ]
    return doc


def case_doc(case: Mapping[str, Any]) -> WorkDoc:
    return make_doc(
        case["text"],
        techniques=case.get("techniques", ()),
        phases=case.get("phases", ()),
        hunts=case.get("hunts", ()),
        iocs=case.get("iocs", ()),
    )
