"""The compact ATT&CK catalog: techniques, tactics and procedure examples, saved as gzip JSON."""

from __future__ import annotations

import gzip
import io
import json
import os
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

from ttpmap._atomic import atomic_write
from ttpmap._exceptions import CatalogError, UnknownTechniqueError
from ttpmap.attack._ids import backward_moves, forward_moves, is_tactic_id, normalize_id

__all__ = ["CATALOG_FORMAT", "Catalog", "Procedure", "TacticInfo", "TechniqueInfo", "load_catalog"]

CATALOG_FORMAT: Final = "ttpmap-attack-catalog/1"
SourceType = Literal["group", "software", "campaign"]
_SOURCE_TYPES: Final = ("group", "software", "campaign")
_V19_TACTICS: Final = {
    "stealth": "defense-evasion",
    "defense-impairment": "defense-evasion",
    "TA0112": "TA0005",
}


@dataclass(frozen=True, slots=True)
class TechniqueInfo:
    """An ATT&CK technique or sub-technique as the catalog knows it.

    `tactics` are tactic shortnames in matrix order; `revoked_by` is the ATT&CK ID that replaced a
    revoked technique; `description` has citations and markdown links stripped; `created` is the
    date ATT&CK first published it (``YYYY-MM-DD``; None in catalogs saved before it was kept).
    """

    id: str
    name: str
    description: str
    tactics: tuple[str, ...]
    platforms: tuple[str, ...]
    parent: str | None
    url: str
    deprecated: bool = False
    revoked: bool = False
    revoked_by: str | None = None
    created: str | None = None

    @property
    def is_subtechnique(self) -> bool:
        """True for a sub-technique such as ``T1059.001``."""
        return self.parent is not None


@dataclass(frozen=True, slots=True)
class TacticInfo:
    """An ATT&CK tactic: ID (``'TA0002'``), shortname (``'execution'``), name and 0-based matrix order."""

    id: str
    shortname: str
    name: str
    order: int


@dataclass(frozen=True, slots=True)
class Procedure:
    """A procedure example: how a group, software or campaign used a technique (citations stripped)."""

    technique_id: str
    text: str
    source_id: str
    source_name: str
    source_type: str


class Catalog:
    """An immutable ATT&CK Enterprise catalog, built by `build_catalog` or read by `Catalog.load`.

    Parameters
    ----------
    version : str
        ATT&CK version, e.g. ``'18.1'``.
    domain : str
        ``'enterprise-attack'``.
    bundle_sha256 : str
        SHA-256 of the uncompressed STIX bundle the catalog was built from.
    spec_version : str
        STIX version of that bundle (``'2.0'`` or ``'2.1'``).
    techniques : iterable of TechniqueInfo
        Every technique and sub-technique, including deprecated and revoked ones.
    tactics : iterable of TacticInfo
        Tactics in matrix order.
    procedures : iterable of Procedure
        Procedure examples.
    copyright : str
        MITRE's copyright notice and ATT&CK licence, kept with every saved catalog.

    Examples
    --------
    >>> catalog = load_catalog("attack-catalog.json.gz")  # doctest: +SKIP
    >>> catalog.resolve("t1059/001").name  # doctest: +SKIP
    'PowerShell'
    """

    __slots__ = (
        "_by_shortname",
        "_procedure_rows",
        "_procedures",
        "_tactic_by_id",
        "bundle_sha256",
        "copyright",
        "domain",
        "spec_version",
        "tactics",
        "techniques",
        "version",
    )

    version: str
    domain: str
    bundle_sha256: str
    spec_version: str
    copyright: str
    techniques: Mapping[str, TechniqueInfo]
    tactics: tuple[TacticInfo, ...]
    _procedures: tuple[Procedure, ...] | None
    _procedure_rows: tuple[list[Any], Mapping[str, list[str]]] | None
    _tactic_by_id: dict[str, TacticInfo]
    _by_shortname: dict[str, TacticInfo]

    def __init__(
        self,
        *,
        version: str,
        domain: str,
        bundle_sha256: str,
        spec_version: str,
        techniques: Iterable[TechniqueInfo],
        tactics: Iterable[TacticInfo],
        procedures: Iterable[Procedure] = (),
        copyright: str = "",
    ) -> None:
        s = object.__setattr__
        s(self, "version", version)
        s(self, "domain", domain)
        s(self, "bundle_sha256", bundle_sha256)
        s(self, "spec_version", spec_version)
        s(self, "copyright", copyright)
        by_id = {t.id: t for t in sorted(techniques, key=lambda t: _id_key(t.id))}
        s(self, "techniques", MappingProxyType(by_id))
        tactic_tuple = tuple(sorted(tactics, key=lambda t: t.order))
        s(self, "tactics", tactic_tuple)
        s(self, "_procedures", tuple(procedures))
        s(self, "_procedure_rows", None)
        s(self, "_tactic_by_id", {t.id: t for t in tactic_tuple})
        s(self, "_by_shortname", {t.shortname: t for t in tactic_tuple})

    @property
    def procedures(self) -> tuple[Procedure, ...]:
        """Procedure examples sorted by technique ID, source ID and text (built on first use)."""
        procs = self._procedures
        if procs is None:
            rows, sources = self._procedure_rows or ([], {})
            procs = tuple(
                Procedure(tid, text, sid, sources[sid][0], sources[sid][1]) for tid, sid, text in rows
            )
            object.__setattr__(self, "_procedures", procs)
            object.__setattr__(self, "_procedure_rows", None)
        return procs

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Catalog is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Catalog is immutable: cannot delete {name!r}")

    def __repr__(self) -> str:
        return (
            f"Catalog(domain={self.domain!r}, version={self.version!r}, techniques={len(self.techniques)}, "
            f"tactics={len(self.tactics)}, procedures={self._procedure_count()})"
        )

    def _procedure_count(self) -> int:
        if self._procedure_rows is not None:
            return len(self._procedure_rows[0])
        return len(self._procedures or ())

    @property
    def major_version(self) -> int:
        """The ATT&CK major version (18 for ``'18.1'``); 0 when the version is not numeric."""
        head = self.version.split(".", 1)[0]
        return int(head) if head.isdigit() else 0

    # -- lookups ---------------------------------------------------------------------------------

    def resolve(self, technique_id: str) -> TechniqueInfo:
        """Return the technique for a (loosely written) ID, following revocations and v18<->v19 moves.

        A revoked ID resolves to its replacement; a deprecated technique is returned with
        ``deprecated=True``. A v19 ID resolves on a v18 catalog (and a v18 ID on a v19 catalog)
        through the table in ``ttpmap/attack/data/v18-to-v19-moves.tsv``.

        Raises
        ------
        UnknownTechniqueError
            If the ID is malformed, a tactic ID, or not known to this catalog.
        """
        tid = normalize_id(technique_id)
        if is_tactic_id(tid):
            raise UnknownTechniqueError(
                f"{tid} is an ATT&CK tactic, not a technique: use Catalog.tactic({tid!r})"
            )
        info = self.techniques.get(tid)
        if info is None:
            moved = self._moved(tid)
            info = self.techniques.get(moved) if moved else None
            if info is None:
                raise UnknownTechniqueError(self._unknown_message(tid))
        seen = {info.id}
        while info.revoked and info.revoked_by is not None:
            nxt = self.techniques.get(info.revoked_by)
            if nxt is None or nxt.id in seen:
                break
            seen.add(nxt.id)
            info = nxt
        return info

    def _moved(self, tid: str) -> str | None:
        if self.major_version >= 19:
            return forward_moves().get(tid)
        return backward_moves().get(tid)

    def _unknown_message(self, tid: str) -> str:
        if self.major_version >= 19:
            hint = "a newer ATT&CK version"
        else:
            hint = "ATT&CK v19 or later (a technique new in v19 has no v18 equivalent)"
        return (
            f"{tid} is not a technique of ATT&CK {self.domain} v{self.version} (this catalog) nor in the "
            f"v18<->v19 move table. Check the ID on https://attack.mitre.org; if it comes from {hint}, "
            "build a catalog from that bundle with `ttpmap attack build --bundle PATH`."
        )

    def __contains__(self, technique_id: object) -> bool:
        if not isinstance(technique_id, str):
            return False
        try:
            self.resolve(technique_id)
        except UnknownTechniqueError:
            return False
        return True

    def __len__(self) -> int:
        return len(self.techniques)

    def active_techniques(self) -> list[TechniqueInfo]:
        """Techniques and sub-techniques that are neither deprecated nor revoked, sorted by ID."""
        return [t for t in self.techniques.values() if not (t.deprecated or t.revoked)]

    def tactic(self, id_or_shortname: str) -> TacticInfo:
        """Return a tactic by ID (``'TA0002'``), shortname (``'execution'``) or name (``'Execution'``).

        v19's Stealth and Defense Impairment resolve to Defense Evasion on a v18 catalog.

        Raises
        ------
        UnknownTechniqueError
            If the catalog has no such tactic.
        """
        if not isinstance(id_or_shortname, str):
            raise UnknownTechniqueError(f"a tactic must be a string, not {type(id_or_shortname).__name__}")
        key = id_or_shortname.strip()
        slug = key.casefold().replace(" ", "-").replace("_", "-")
        found = self._by_shortname.get(slug)
        if found is None:
            try:
                tid = normalize_id(key)
            except UnknownTechniqueError:
                tid = ""
            found = self._tactic_by_id.get(tid) if is_tactic_id(tid) else None
            if found is None:
                alias = _V19_TACTICS.get(slug) or _V19_TACTICS.get(tid)
                found = None
                if alias is not None and self.major_version < 19:
                    found = self._by_shortname.get(alias) or self._tactic_by_id.get(alias)
        if found is None:
            known = ", ".join(f"{t.id} {t.shortname}" for t in self.tactics)
            raise UnknownTechniqueError(
                f"{id_or_shortname!r} is not a tactic of ATT&CK {self.domain} v{self.version}; known: {known}"
            )
        return found

    def tactics_of(self, technique_id: str) -> tuple[TacticInfo, ...]:
        """The tactics of a technique (resolved as by `resolve`), in matrix order."""
        info = self.resolve(technique_id)
        return tuple(self._by_shortname[s] for s in info.tactics if s in self._by_shortname)

    # -- persistence -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The catalog as plain JSON-ready data, in the saved format."""
        sources: dict[str, list[str]] = {}
        procs: list[list[str]] = []
        for p in self.procedures:
            sources[p.source_id] = [p.source_name, p.source_type]
            procs.append([p.technique_id, p.source_id, p.text])
        procs.sort()
        return {
            "format": CATALOG_FORMAT,
            "version": self.version,
            "domain": self.domain,
            "bundle_sha256": self.bundle_sha256,
            "spec_version": self.spec_version,
            "copyright": self.copyright,
            "tactics": [[t.id, t.shortname, t.name] for t in self.tactics],
            "techniques": [
                {
                    "id": t.id,
                    "name": t.name,
                    "description": t.description,
                    "tactics": list(t.tactics),
                    "platforms": list(t.platforms),
                    "parent": t.parent,
                    "url": t.url,
                    "deprecated": t.deprecated,
                    "revoked": t.revoked,
                    "revoked_by": t.revoked_by,
                    "created": t.created,
                }
                for t in sorted(self.techniques.values(), key=lambda t: _id_key(t.id))
            ],
            "sources": {k: sources[k] for k in sorted(sources)},
            "procedures": procs,
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the catalog as deterministic gzip JSON (same catalog -> same bytes -> same SHA-256).

        The file is written to a temporary name beside `path` and renamed into place.
        """
        target = Path(path)
        raw = json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(raw.encode("utf-8"))
        try:
            atomic_write(target, buf.getvalue())
        except OSError as exc:
            raise CatalogError(f"cannot write the catalog: {exc.strerror or exc}", target) from exc

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Catalog:
        """Read a catalog saved by `save` (fast: no STIX parsing, no mitreattack import).

        Raises
        ------
        CatalogError
            If the file is missing, not gzip JSON, or not a ttpmap ATT&CK catalog.
        """
        p = Path(path)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise CatalogError(
                f"cannot read the ATT&CK catalog ({exc.strerror or exc}); build one with "
                "`ttpmap attack build --bundle enterprise-attack.json`",
                p,
            ) from exc
        try:
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            doc = json.loads(data)
        except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CatalogError(f"not a ttpmap ATT&CK catalog (not gzip JSON: {exc})", p) from exc
        if not isinstance(doc, dict) or doc.get("format") != CATALOG_FORMAT:
            found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
            raise CatalogError(
                f"not a ttpmap ATT&CK catalog (format {found!r}, expected {CATALOG_FORMAT!r}); "
                "a STIX bundle must first be built with `ttpmap attack build --bundle PATH`",
                p,
            )
        try:
            return cls._from_dict(doc)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise CatalogError(f"corrupt ttpmap ATT&CK catalog ({type(exc).__name__}: {exc})", p) from exc

    @classmethod
    def _from_dict(cls, doc: dict[str, Any]) -> Catalog:
        tactics = [TacticInfo(tid, short, name, i) for i, (tid, short, name) in enumerate(doc["tactics"])]
        techniques = [
            TechniqueInfo(
                id=t["id"],
                name=t["name"],
                description=t["description"],
                tactics=tuple(t["tactics"]),
                platforms=tuple(t["platforms"]),
                parent=t["parent"],
                url=t["url"],
                deprecated=bool(t["deprecated"]),
                revoked=bool(t["revoked"]),
                revoked_by=t["revoked_by"],
                created=t.get("created"),
            )
            for t in doc["techniques"]
        ]
        sources: dict[str, list[str]] = doc["sources"]
        for sid, (_, stype) in sources.items():
            if stype not in _SOURCE_TYPES:
                raise ValueError(f"source {sid} has unknown type {stype!r}")
        rows: list[Any] = doc["procedures"]
        for row in rows:
            tid, sid, text = row
            if sid not in sources or not isinstance(text, str) or not isinstance(tid, str):
                raise ValueError(f"procedure {row!r} names an unknown source or is malformed")
        catalog = cls(
            version=str(doc["version"]),
            domain=str(doc["domain"]),
            bundle_sha256=str(doc["bundle_sha256"]),
            spec_version=str(doc["spec_version"]),
            techniques=techniques,
            tactics=tactics,
            copyright=str(doc.get("copyright", "")),
        )
        object.__setattr__(catalog, "_procedures", None)
        object.__setattr__(catalog, "_procedure_rows", (rows, sources))
        return catalog


def load_catalog(path: str | os.PathLike[str]) -> Catalog:
    """Read a catalog file written by `Catalog.save` (see `Catalog.load`)."""
    return Catalog.load(path)


def _id_key(attack_id: str) -> tuple[str, str]:
    base, _, sub = attack_id.partition(".")
    return base, sub
