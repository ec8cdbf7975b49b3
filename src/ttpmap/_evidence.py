"""What the technique stage reads from a structured article: prose evidence and the article's own ATT&CK table."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ttpmap._exceptions import UnknownTechniqueError
from ttpmap._results import Evidence, Technique
from ttpmap._structure import ADVICE_HEADING
from ttpmap.attack._ids import TECHNIQUE_ID_IN_TEXT

if TYPE_CHECKING:
    from ttpmap._structure import Block, Structure
    from ttpmap.attack import Catalog, TechniqueInfo

__all__ = ["in_advice_section", "mapping_techniques", "prose_evidence", "technique_names"]

_MAPPING_HEADER = re.compile(
    r"\b(?:techniques?|sub-?techniques?|att&ck|mitre|ttps?|tactics?|id)\b", re.IGNORECASE
)
_MAPPING_CONFIDENCE = 0.9


def prose_evidence(structure: Structure, start: int, end: int) -> Evidence | None:
    """The span `start:end` trimmed to its prose (see `Structure.prose`), with its block kind; None if none."""
    prose = structure.prose
    while start < end and prose[start].isspace():
        start += 1
    while end > start and prose[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    block = structure.block_at(start)
    return Evidence(structure.text[start:end], start, end, block.kind if block is not None else None)


def in_advice_section(structure: Structure, offset: int) -> bool:
    """Whether `offset` lies in a section whose heading gives advice ("Recommendations", "Mitigations")."""
    heading = structure.heading_before(offset)
    return (
        heading is not None and ADVICE_HEADING.search(structure.text[heading.start : heading.end]) is not None
    )


def mapping_techniques(structure: Structure, catalog: Catalog, names: dict[str, str]) -> list[Technique]:
    """Techniques listed in the article's own ATT&CK mapping tables, with `source="article-mapping"`.

    A mapping table has a header cell naming techniques, IDs or tactics, and ATT&CK IDs or technique
    names (`names`, from `technique_names`) in its cells; each technique's evidence is its rows.
    """
    found: dict[str, tuple[TechniqueInfo, list[Evidence]]] = {}
    for block in structure.blocks:
        if block.kind != "table" or not _is_mapping(structure.text, block):
            continue
        for row in block.rows:
            row_text = structure.text[row.start : row.end]
            for tid in _row_ids(structure.text, row.cells, names):
                try:
                    info = catalog.resolve(tid)
                except UnknownTechniqueError:
                    continue
                entry = found.setdefault(info.id, (info, []))
                if len(entry[1]) < 3:
                    entry[1].append(Evidence(row_text, row.start, row.end, "table"))
    return [
        Technique(
            info.id,
            info.name,
            tuple(info.tactics),
            _MAPPING_CONFIDENCE,
            tuple(evidence),
            info.url.rstrip("/") + "/",
            "article-mapping",
        )
        for info, evidence in found.values()
    ]


def _is_mapping(text: str, block: Block) -> bool:
    header = next((r for r in block.rows if r.header), None)
    if header is None or not any(_MAPPING_HEADER.search(text[s:e]) for s, e in header.cells):
        return False
    return any(TECHNIQUE_ID_IN_TEXT.search(text, r.start, r.end) for r in block.rows if not r.header) or any(
        "technique" in text[s:e].lower() for s, e in header.cells
    )


def _row_ids(text: str, cells: tuple[tuple[int, int], ...], names: dict[str, str]) -> list[str]:
    ids = [m.group().replace("/", ".") for s, e in cells for m in TECHNIQUE_ID_IN_TEXT.finditer(text, s, e)]
    if ids:
        return ids
    for s, e in cells:
        cell = " ".join(text[s:e].strip("*_` ").split()).lower()
        tid = names.get(cell) or names.get(cell.rpartition(":")[2].strip())
        if tid is not None:
            return [tid]
    return []


def technique_names(catalog: Catalog) -> dict[str, str]:
    """Lower-cased technique names to IDs (the first ID for a name that two techniques share)."""
    names: dict[str, str] = {}
    for info in catalog.active_techniques():
        names.setdefault(info.name.lower(), info.id)
    return names
