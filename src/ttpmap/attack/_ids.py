"""ATT&CK ID normalisation and the ATT&CK v18 <-> v19 move table."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ttpmap._exceptions import UnknownTechniqueError

__all__ = ["TECHNIQUE_ID_IN_TEXT", "Move", "is_tactic_id", "moves", "normalize_id"]

_URL = re.compile(
    r"^https?://attack\.mitre\.org/(?:versions/v\d{1,3}/)?(?:techniques|tactics)/"
    r"(?P<id>T[A]?\d{4}(?:/\d{3})?)/?(?:[?#].{0,200})?$",
    re.IGNORECASE,
)
_ID = re.compile(r"^(?P<base>T\d{4}|TA\d{4})(?:[./](?P<sub>\d{3}))?$", re.IGNORECASE)
_TACTIC = re.compile(r"^TA\d{4}$")
#: A technique ID written in running text (``T1059``, ``T1059.001``, ``T1059/001``), not inside a word.
TECHNIQUE_ID_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])T1[0-9]{3}(?:[./][0-9]{3})?(?![0-9])")


def normalize_id(value: str) -> str:
    """Return the canonical ATT&CK ID (``'T1059.001'``, ``'TA0002'``) for a loosely written one.

    Accepts any case, surrounding whitespace, ``/`` instead of ``.`` and attack.mitre.org URLs.

    Raises
    ------
    UnknownTechniqueError
        If `value` is not an ATT&CK technique or tactic ID.
    """
    if not isinstance(value, str):
        raise UnknownTechniqueError(
            f"an ATT&CK ID must be a string like 'T1059.001', not {type(value).__name__}"
        )
    text = value.strip()
    if len(text) > 300:
        raise UnknownTechniqueError(
            f"{text[:40]!r}... is not an ATT&CK ID (expected e.g. 'T1059.001' or 'TA0002')"
        )
    url = _URL.match(text)
    if url:
        text = url.group("id")
    m = _ID.match(text)
    if m is None:
        raise UnknownTechniqueError(
            f"{value!r} is not an ATT&CK ID: expected a technique like 'T1059' or 'T1059.001', "
            "a tactic like 'TA0002', or an https://attack.mitre.org/techniques/... URL"
        )
    base = m.group("base").upper()
    sub = m.group("sub")
    if sub is not None:
        if base.startswith("TA"):
            raise UnknownTechniqueError(f"{value!r} is not an ATT&CK ID: tactics have no sub-IDs")
        return f"{base}.{sub}"
    return base


def is_tactic_id(attack_id: str) -> bool:
    """True for a normalised tactic ID such as ``'TA0002'``."""
    return _TACTIC.match(attack_id) is not None


@dataclass(frozen=True, slots=True)
class Move:
    """One row of the v18 -> v19 move table (``data/v18-to-v19-moves.tsv``)."""

    v18_id: str
    v18_name: str
    v19_id: str
    v19_name: str
    source: str


@cache
def moves() -> tuple[Move, ...]:
    """The ATT&CK v18 -> v19 move table shipped with ttpmap (see the file's header for its sources)."""
    text = resources.files("ttpmap.attack").joinpath("data/v18-to-v19-moves.tsv").read_text("utf-8")
    rows: list[Move] = []
    header_seen = False
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not header_seen:
            header_seen = True
            continue
        v18_id, v18_name, v19_id, v19_name, source = line.split("\t")
        rows.append(Move(v18_id, v18_name, v19_id, v19_name, source))
    return tuple(rows)


@cache
def forward_moves() -> dict[str, str]:
    """v18 ID -> v19 ID."""
    return {m.v18_id: m.v19_id for m in moves()}


@cache
def backward_moves() -> dict[str, str]:
    """v19 ID -> the v18 ID it came from; when several v18 IDs merged, the one whose name it kept."""
    out: dict[str, str] = {}
    for m in moves():
        current = out.get(m.v19_id)
        if current is None or m.v18_name.casefold() == m.v19_name.casefold():
            if current is not None and _same_name(current, m.v19_id):
                continue
            out[m.v19_id] = m.v18_id
    return out


def _same_name(v18_id: str, v19_id: str) -> bool:
    return any(
        m.v18_id == v18_id and m.v19_id == v19_id and m.v18_name.casefold() == m.v19_name.casefold()
        for m in moves()
    )
