from __future__ import annotations

import pytest

from ttpmap._exceptions import UnknownTechniqueError
from ttpmap._results import Phase
from ttpmap.attack import KILL_CHAIN_PHASES, Catalog, phase_for_tactic, phases_for

CONTENTCTL = {
    "reconnaissance": "Reconnaissance",
    "resource-development": "Weaponization",
    "initial-access": "Delivery",
    "execution": "Installation",
    "persistence": "Installation",
    "privilege-escalation": "Exploitation",
    "defense-evasion": "Exploitation",
    "credential-access": "Exploitation",
    "discovery": "Exploitation",
    "lateral-movement": "Exploitation",
    "collection": "Exploitation",
    "command-and-control": "Command and Control",
    "exfiltration": "Actions on Objectives",
    "impact": "Actions on Objectives",
    "stealth": "Exploitation",
    "defense-impairment": "Exploitation",
}


def test_kill_chain_order() -> None:
    assert KILL_CHAIN_PHASES == (
        "Reconnaissance",
        "Weaponization",
        "Delivery",
        "Exploitation",
        "Installation",
        "Command and Control",
        "Actions on Objectives",
    )


@pytest.mark.parametrize(("tactic", "phase"), sorted(CONTENTCTL.items()))
def test_phase_for_tactic(tactic: str, phase: str) -> None:
    assert phase_for_tactic(tactic) == phase


def test_phase_for_tactic_accepts_names() -> None:
    assert phase_for_tactic("Command and Control") == "Command and Control"
    assert phase_for_tactic(" Defense Impairment ") == "Exploitation"


def test_phase_for_unknown_tactic() -> None:
    with pytest.raises(UnknownTechniqueError, match="not an ATT&CK Enterprise tactic"):
        phase_for_tactic("lunch-break")


def test_phases_for_in_kill_chain_order(mini_catalog: Catalog) -> None:
    phases = phases_for(["T1562.001", "T1059.001", "t1086", mini_catalog.techniques["T1064"]], mini_catalog)
    assert phases == [
        Phase("Exploitation", 4, ("defense-evasion",), ("T1064", "T1562.001")),
        Phase("Installation", 5, ("execution",), ("T1059.001", "T1064")),
    ]


def test_phases_for_empty(mini_catalog: Catalog) -> None:
    assert phases_for([], mini_catalog) == []


def test_phases_for_resolves_v19_ids(mini_catalog: Catalog) -> None:
    assert phases_for(["T1685"], mini_catalog) == [
        Phase("Exploitation", 4, ("defense-evasion",), ("T1562.001",))
    ]


def test_phases_for_unknown_id_is_an_error(mini_catalog: Catalog) -> None:
    with pytest.raises(UnknownTechniqueError, match="T1003"):
        phases_for(["T1059", "T1003"], mini_catalog)
