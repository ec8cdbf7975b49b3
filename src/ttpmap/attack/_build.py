"""Build a `Catalog` from an ATT&CK Enterprise STIX bundle with mitreattack-python."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import zlib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from ttpmap._exceptions import CatalogError
from ttpmap.attack._catalog import Catalog, Procedure, TacticInfo, TechniqueInfo
from ttpmap.attack._text import clean_text

__all__ = ["build_catalog", "read_bundle"]

_DOMAIN = "enterprise-attack"
_OTHER_DOMAINS = {"mobile-attack": "Mobile", "ics-attack": "ICS"}
_SOURCE_TYPES = {"intrusion-set": "group", "malware": "software", "tool": "software", "campaign": "campaign"}
_VERSION_IN_NAME = re.compile(r"(?:^|[-_ ]|v)(\d{1,2}\.\d{1,2})(?=\.json|$|[-_ ])")


def read_bundle(path: str | os.PathLike[str]) -> tuple[dict[str, Any], str]:
    """Read a STIX bundle (``.json`` or gzip) and return it with the SHA-256 of its uncompressed bytes.

    Raises
    ------
    CatalogError
        Naming the file, if it is missing, a truncated gzip, not JSON, or not a STIX bundle.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise CatalogError(f"cannot read the STIX bundle: {exc.strerror or exc}", p) from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise CatalogError(
                f"truncated or corrupt gzip file ({exc}); download the bundle again", p
            ) from exc
    digest = hashlib.sha256(raw).hexdigest()
    try:
        bundle = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogError(
            f"not JSON ({exc}); expected an ATT&CK Enterprise STIX bundle such as enterprise-attack.json",
            p,
        ) from exc
    if (
        not isinstance(bundle, dict)
        or bundle.get("type") != "bundle"
        or not isinstance(bundle.get("objects"), list)
    ):
        raise CatalogError(
            "not a STIX bundle (expected a JSON object with type 'bundle' and a list of 'objects'); "
            "download one with `ttpmap attack download --version X`",
            p,
        )
    return bundle, digest


def build_catalog(bundle_path: str | os.PathLike[str], *, version: str | None = None) -> Catalog:
    """Build a catalog from an ATT&CK Enterprise STIX 2.0 or 2.1 bundle (``.json`` or ``.json.gz``).

    Reading uses mitreattack-python (the ``train`` extra) and takes seconds for a full bundle; save the
    result with `Catalog.save` and read it back with `load_catalog` at run time.

    Parameters
    ----------
    bundle_path : path-like
        The bundle, e.g. ``enterprise-attack-18.1.json.gz``.
    version : str, optional
        The ATT&CK version, when neither the bundle's ``x-mitre-collection`` nor the file name
        (``enterprise-attack-18.1.json``) gives it.

    Raises
    ------
    CatalogError
        Naming the file, for anything that is not a readable ATT&CK Enterprise bundle.
    """
    path = Path(bundle_path)
    bundle, digest = read_bundle(path)
    objects = [o for o in bundle["objects"] if isinstance(o, dict)]
    spec_version = _spec_version(bundle, objects)
    _check_domain(objects, path)
    attack_version = _attack_version(objects, path, version)

    try:
        import stix2
        from mitreattack.stix20 import MitreAttackData
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise CatalogError(
            "building a catalog needs mitreattack-python: pip install 'ttpmap[train]'", path
        ) from exc
    try:
        store = stix2.MemoryStore(stix_data=bundle, allow_custom=True)
        mad = MitreAttackData(src=store)
        return _extract(mad, store, attack_version, digest, spec_version, path)
    except CatalogError:
        raise
    except Exception as exc:  # mitreattack/stix2 raise many kinds; wrap them with the file name.
        raise CatalogError(f"not a valid ATT&CK STIX bundle ({type(exc).__name__}: {exc})", path) from exc


def _spec_version(bundle: Mapping[str, Any], objects: list[dict[str, Any]]) -> str:
    if isinstance(bundle.get("spec_version"), str):
        return str(bundle["spec_version"])
    versions = {o.get("spec_version") for o in objects if isinstance(o.get("spec_version"), str)}
    if "2.1" in versions:
        return "2.1"
    return "2.0"


def _check_domain(objects: list[dict[str, Any]], path: Path) -> None:
    domains: set[str] = set()
    for o in objects:
        if o.get("type") == "x-mitre-matrix":
            domains.update(_external_ids(o))
    if not domains:  # no matrix: fall back to the domains the tactics and techniques declare
        for o in objects:
            d = o.get("x_mitre_domains") if o.get("type") in ("x-mitre-tactic", "attack-pattern") else None
            if isinstance(d, list):
                domains.update(x for x in d if isinstance(x, str))
    if _DOMAIN in domains:
        return
    for other, label in _OTHER_DOMAINS.items():
        if other in domains:
            raise CatalogError(
                f"this is an ATT&CK for {label} bundle ({other}); ttpmap needs ATT&CK Enterprise "
                "(enterprise-attack.json from https://github.com/mitre-attack/attack-stix-data)",
                path,
            )
    if not any(o.get("type") == "attack-pattern" for o in objects):
        raise CatalogError(
            "a STIX bundle without ATT&CK techniques (no attack-pattern objects); expected ATT&CK Enterprise",
            path,
        )
    raise CatalogError(
        "not an ATT&CK Enterprise bundle (no x-mitre-matrix or x_mitre_domains naming enterprise-attack)",
        path,
    )


def _attack_version(objects: list[dict[str, Any]], path: Path, given: str | None) -> str:
    if given:
        return str(given)
    for o in objects:
        if o.get("type") == "x-mitre-collection" and isinstance(o.get("x_mitre_version"), str):
            return str(o["x_mitre_version"])
    m = _VERSION_IN_NAME.search(path.name)
    if m:
        return m.group(1)
    raise CatalogError(
        "cannot tell the ATT&CK version: the bundle has no x-mitre-collection and the file name carries "
        "none; pass version='18.1' (or --version) or name the file like enterprise-attack-18.1.json",
        path,
    )


def _external_ids(obj: Any) -> list[str]:
    refs = obj.get("external_references") or []
    return [
        str(r["external_id"])
        for r in refs
        if r.get("source_name") in ("mitre-attack", "mitre-mobile-attack", "mitre-ics-attack")
        and r.get("external_id")
    ]


def _attack_ref(obj: Any) -> tuple[str, str] | None:
    for r in obj.get("external_references") or []:
        if r.get("source_name") == "mitre-attack" and r.get("external_id"):
            return str(r["external_id"]), str(r.get("url") or "")
    return None


def _extract(mad: Any, store: Any, version: str, digest: str, spec_version: str, path: Path) -> Catalog:
    from stix2 import Filter

    matrices = mad.get_tactics_by_matrix()
    enterprise = [name for name in matrices if "enterprise" in str(name).lower()] or list(matrices)
    if not enterprise:
        raise CatalogError("the bundle has no x-mitre-matrix: cannot order the tactics", path)
    tactic_objs = [t for t in matrices[enterprise[0]] if t is not None]
    tactics: list[TacticInfo] = []
    for i, t in enumerate(tactic_objs):
        ref = _attack_ref(t)
        if ref is None:
            raise CatalogError(f"tactic {t.get('name')!r} has no ATT&CK ID", path)
        tactics.append(TacticInfo(ref[0], str(t["x_mitre_shortname"]), str(t["name"]), i))
    order = {t.shortname: t.order for t in tactics}

    revoked_by_stix: dict[str, str] = {}
    for rel in store.query(
        [Filter("type", "=", "relationship"), Filter("relationship_type", "=", "revoked-by")]
    ):
        revoked_by_stix[str(rel["source_ref"])] = str(rel["target_ref"])

    stix_to_attack: dict[str, str] = {}
    raw_techniques = mad.get_techniques(include_subtechniques=True)
    for obj in raw_techniques:
        ref = _attack_ref(obj)
        if ref is not None:
            stix_to_attack[str(obj["id"])] = ref[0]
    techniques: list[TechniqueInfo] = []
    for obj in raw_techniques:
        ref = _attack_ref(obj)
        if ref is None:
            continue
        tid, url = ref
        phases = [
            str(p["phase_name"])
            for p in obj.get("kill_chain_phases") or []
            if p.get("kill_chain_name") == "mitre-attack"
        ]
        tactic_names = tuple(sorted(dict.fromkeys(phases), key=lambda s: (order.get(s, len(order)), s)))
        replacement = revoked_by_stix.get(str(obj["id"]))
        techniques.append(
            TechniqueInfo(
                id=tid,
                name=str(obj["name"]),
                description=clean_text(str(obj.get("description") or "")),
                tactics=tactic_names,
                platforms=tuple(str(p) for p in obj.get("x_mitre_platforms") or ()),
                parent=tid.split(".", 1)[0] if "." in tid else None,
                url=url,
                deprecated=bool(obj.get("x_mitre_deprecated", False)),
                revoked=bool(obj.get("revoked", False)),
                revoked_by=stix_to_attack.get(replacement) if replacement else None,
                created=str(obj["created"])[:10] if obj.get("created") else None,
            )
        )
    if not techniques:
        raise CatalogError("the bundle has no ATT&CK techniques (attack-pattern objects)", path)

    sources: dict[str, tuple[str, str, str]] = {}
    for kind, getter in (
        ("group", mad.get_groups),
        ("software", mad.get_software),
        ("campaign", mad.get_campaigns),
    ):
        for obj in getter():
            ref = _attack_ref(obj)
            if ref is not None:
                sources[str(obj["id"])] = (ref[0], str(obj["name"]), kind)

    procedures: list[Procedure] = []
    uses = store.query([Filter("type", "=", "relationship"), Filter("relationship_type", "=", "uses")])
    for rel in uses:
        if rel.get("revoked", False) or rel.get("x_mitre_deprecated", False):
            continue
        target = stix_to_attack.get(str(rel["target_ref"]))
        src = sources.get(str(rel["source_ref"]))
        text = clean_text(str(rel.get("description") or ""), single_line=True)
        if target is None or src is None or not text:
            continue
        procedures.append(Procedure(target, text, src[0], src[1], src[2]))
    procedures.sort(key=lambda p: (p.technique_id, p.source_id, p.text))

    return Catalog(
        version=version,
        domain=_DOMAIN,
        bundle_sha256=digest,
        spec_version=spec_version,
        techniques=techniques,
        tactics=tactics,
        procedures=procedures,
        copyright=attack_notice(_marking_statement(store)),
    )


def _marking_statement(store: Any) -> str:
    from stix2 import Filter

    for m in store.query([Filter("type", "=", "marking-definition")]):
        definition = m.get("definition") or {}
        statement = definition.get("statement") if hasattr(definition, "get") else None
        if statement:
            return str(statement)
    return ""


def attack_notice(statement: str = "") -> str:
    """MITRE's copyright designation and ATT&CK licence, to keep with every catalog.

    `statement` is the bundle's own copyright marking, put first when present.
    """
    licence = resources.files("ttpmap.attack").joinpath("data/ATTACK-LICENSE.txt").read_text("utf-8")
    return f"{statement}\n\n{licence}" if statement else licence
