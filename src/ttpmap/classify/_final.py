"""The last word on reported techniques: only active ATT&CK IDs, never a parent beside its own sub-technique."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ttpmap._exceptions import UnknownTechniqueError
from ttpmap._results import Technique

if TYPE_CHECKING:
    from ttpmap.attack import Catalog

__all__ = ["final_techniques"]

_log = logging.getLogger("ttpmap")


def final_techniques(techniques: Sequence[Technique], catalog: Catalog) -> list[Technique]:
    """Techniques fit to report, by decreasing confidence.

    A revoked technique becomes its replacement (the reason in `Technique.note`); a deprecated or
    unknown one is dropped (the reason logged on the ``ttpmap`` logger); duplicates merge (highest
    confidence, evidence of both); a parent is dropped when one of its sub-techniques is reported.
    """
    merged: dict[str, Technique] = {}
    for t in techniques:
        current = _current(t, catalog)
        if current is None:
            continue
        seen = merged.get(current.id)
        if seen is None:
            merged[current.id] = current
            continue
        best, other = (seen, current) if seen.confidence >= current.confidence else (current, seen)
        evidence = tuple(dict.fromkeys([*best.evidence, *other.evidence]))[:3]
        merged[current.id] = replace(best, evidence=evidence, note=best.note or other.note)
    parents_with_subs = {tid.partition(".")[0] for tid in merged if "." in tid}
    for tid in sorted(parents_with_subs & set(merged)):
        _log.info("not reporting %s: its sub-technique is reported", tid)
        del merged[tid]
    return sorted(merged.values(), key=lambda t: (-t.confidence, t.id))


def _current(t: Technique, catalog: Catalog) -> Technique | None:
    """`t` itself when active, its replacement when revoked, None when deprecated or unknown."""
    try:
        info = catalog.resolve(t.id)
    except UnknownTechniqueError:
        _log.info("not reporting %s: ATT&CK v%s does not know it", t.id, catalog.version)
        return None
    if info.deprecated or info.revoked:
        _log.info("not reporting %s: deprecated in ATT&CK v%s without a replacement", t.id, catalog.version)
        return None
    if info.id == t.id:
        return t
    note = f"{t.id} is revoked in ATT&CK v{catalog.version}; reported as its replacement {info.id}"
    return replace(
        t,
        id=info.id,
        name=info.name,
        tactics=tuple(info.tactics),
        url=info.url.rstrip("/") + "/",
        note=note,
    )
