"""ATT&CK tactics -> Lockheed Martin kill-chain phases (table in ``data/kill-chain.tsv``)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Final

from ttpmap._exceptions import UnknownTechniqueError
from ttpmap._results import Phase
from ttpmap.attack._catalog import Catalog, TechniqueInfo

__all__ = ["KILL_CHAIN_PHASES", "phase_for_tactic", "phases_for"]

KILL_CHAIN_PHASES: Final[tuple[str, ...]] = (
    "Reconnaissance",
    "Weaponization",
    "Delivery",
    "Exploitation",
    "Installation",
    "Command and Control",
    "Actions on Objectives",
)


@cache
def _rows() -> tuple[tuple[str, ...], ...]:
    text = resources.files("ttpmap.attack").joinpath("data/kill-chain.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return tuple(tuple(row) for row in rows[1:])


def tactic_names() -> tuple[str, ...]:
    """The names of ATT&CK Enterprise's tactics (v18 and v19), as ``data/kill-chain.tsv`` lists them."""
    return tuple(name for _, name, _, _ in _rows())


@cache
def _table() -> dict[str, str]:
    table = {shortname: phase for shortname, _, phase, _ in _rows()}
    unknown = set(table.values()) - set(KILL_CHAIN_PHASES)
    if unknown:  # pragma: no cover - guards the shipped data file
        raise RuntimeError(f"kill-chain.tsv names unknown phases: {sorted(unknown)}")
    return table


def phase_for_tactic(shortname: str) -> str:
    """The kill-chain phase of an ATT&CK tactic shortname (``'execution'`` -> ``'Installation'``).

    Raises
    ------
    UnknownTechniqueError
        If the tactic is not in the table.
    """
    key = shortname.strip().casefold().replace(" ", "-") if isinstance(shortname, str) else ""
    try:
        return _table()[key]
    except KeyError:
        raise UnknownTechniqueError(
            f"{shortname!r} is not an ATT&CK Enterprise tactic shortname (e.g. 'execution', "
            f"'defense-evasion'); known: {', '.join(_table())}"
        ) from None


def phases_for(techniques: Iterable[str | TechniqueInfo], catalog: Catalog) -> list[Phase]:
    """The kill-chain phases a set of techniques covers, in kill-chain order.

    Each `Phase` lists the tactic shortnames (matrix order) and technique IDs (sorted) that put it
    there. IDs are resolved through `catalog` (revocations, v18<->v19 moves).

    Raises
    ------
    UnknownTechniqueError
        If a technique ID is not known to the catalog.
    """
    tactic_order = {t.shortname: t.order for t in catalog.tactics}
    by_phase: dict[str, tuple[set[str], set[str]]] = {}
    for item in techniques:
        info = catalog.resolve(item.id if isinstance(item, TechniqueInfo) else item)
        for shortname in info.tactics:
            tactics, ids = by_phase.setdefault(phase_for_tactic(shortname), (set(), set()))
            tactics.add(shortname)
            ids.add(info.id)
    return [
        Phase(
            name=name,
            order=i,
            tactics=tuple(sorted(by_phase[name][0], key=lambda s: (tactic_order.get(s, 99), s))),
            techniques=tuple(sorted(by_phase[name][1], key=lambda t: t.split("."))),
        )
        for i, name in enumerate(KILL_CHAIN_PHASES, start=1)
        if name in by_phase
    ]
