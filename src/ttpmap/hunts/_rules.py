"""Reading Sigma rules: the metadata ttpmap ranks and cites, from YAML alone (no pySigma needed)."""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from ttpmap._exceptions import DataNotFoundError, InvalidParameterError, RuleError
from ttpmap.hunts._rank import detection_observables, detection_requirements

__all__ = [
    "LEVELS",
    "STATUSES",
    "RuleInfo",
    "corpus_name",
    "iter_corpus",
    "load_yaml",
    "rule_info",
]

LEVELS: Final[tuple[str, ...]] = ("critical", "high", "medium", "low", "informational")
STATUSES: Final[tuple[str, ...]] = ("stable", "test", "experimental")
UNUSABLE_STATUSES: Final = frozenset({"deprecated", "unsupported"})
MAX_RULE_BYTES: Final = 1_000_000
_TECHNIQUE_TAG: Final = re.compile(r"attack\.(t\d{4}(?:\.\d{3})?)", re.IGNORECASE)
_OTHER_ATTACK_TAG: Final = re.compile(r"attack\.(?:[gsc]\d{4}|ta\d{4}|m\d{4}|ds\d{4})", re.IGNORECASE)
_TAR_SUFFIXES: Final = (".tar.gz", ".tgz", ".tar")
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What ttpmap needs from one Sigma rule to index, rank and cite it.

    `key` is the rule's path inside its corpus (POSIX separators); `techniques` are the ATT&CK IDs
    of its ``attack.tNNNN[.NNN]`` tags as written (upper-cased); `tactics` the tactic shortnames of
    its other ``attack.*`` tags; `phase` the pack's custom ``kill_chain_phase`` field;
    `observables` what its detection looks for that an article can name (`detection_observables`);
    `requires` what an article must name for its condition to hold (`detection_requirements`).
    """

    key: str
    uid: str
    name: str
    title: str
    description: str
    status: str
    level: str
    author: str
    references: tuple[str, ...]
    false_positives: tuple[str, ...]
    license: str
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    tags: tuple[str, ...]
    phase: str
    logsource: tuple[str, str, str]
    observables: tuple[str, ...] = ()
    requires: tuple[tuple[tuple[str, ...], ...], ...] = ()

    @property
    def label(self) -> str:
        """The rule's pack ID (``UC_...``) or Sigma ``name``, else its Sigma ``id``, else its path."""
        return self.name or self.uid or self.key

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "uid": self.uid,
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "status": self.status,
            "level": self.level,
            "author": self.author,
            "references": list(self.references),
            "false_positives": list(self.false_positives),
            "license": self.license,
            "techniques": list(self.techniques),
            "tactics": list(self.tactics),
            "tags": list(self.tags),
            "phase": self.phase,
            "logsource": list(self.logsource),
            "observables": list(self.observables),
            "requires": [[list(group) for group in alt] for alt in self.requires],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RuleInfo:
        category, product, service = d["logsource"]
        return cls(
            key=str(d["key"]),
            uid=str(d["uid"]),
            name=str(d["name"]),
            title=str(d["title"]),
            description=str(d["description"]),
            status=str(d["status"]),
            level=str(d["level"]),
            author=str(d["author"]),
            references=tuple(d["references"]),
            false_positives=tuple(d["false_positives"]),
            license=str(d["license"]),
            techniques=tuple(d["techniques"]),
            tactics=tuple(d["tactics"]),
            tags=tuple(d["tags"]),
            phase=str(d["phase"]),
            logsource=(str(category), str(product), str(service)),
            observables=tuple(d.get("observables", ())),
            requires=tuple(tuple(tuple(group) for group in alt) for alt in d.get("requires", ())),
        )


def load_yaml(text: str) -> list[Any]:
    """Every document of a YAML file (the C loader when PyYAML has it), aliases bounded."""
    from ttpmap._safe_yaml import load_all

    return load_all(text)


def rule_info(doc: Any, key: str, *, license: str = "", requirements: bool = True) -> RuleInfo | None:
    """The `RuleInfo` of one parsed YAML document, or None when it is not a detection rule.

    Correlation and filter documents, and documents without ``detection`` and ``logsource``, are not
    detection rules. Raises `RuleError` for a detection rule whose metadata has the wrong types.
    Without `requirements`, `RuleInfo.requires` is left empty (a corpus reads them when it converts
    the rule: parsing every condition of a large corpus up front doubles its load time).
    """
    if not isinstance(doc, Mapping) or not isinstance(doc.get("detection"), Mapping):
        return None
    logsource = doc.get("logsource")
    if not isinstance(logsource, Mapping):
        return None
    tags = doc.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise RuleError("'tags' must be a list of strings such as 'attack.t1059.001'", key)
    techniques: list[str] = []
    tactics: list[str] = []
    for tag in tags:
        tag = tag.strip()
        m = _TECHNIQUE_TAG.fullmatch(tag)
        if m:
            tid = m.group(1).upper()
            if tid not in techniques:
                techniques.append(tid)
        elif tag.lower().startswith("attack.") and not _OTHER_ATTACK_TAG.fullmatch(tag):
            shortname = tag[len("attack.") :].lower().replace("_", "-")
            if shortname and shortname not in tactics:
                tactics.append(shortname)
    refs = _strings(doc.get("references"), "references", key)
    return RuleInfo(
        key=key,
        uid=_text(doc.get("id")),
        name=_text(doc.get("name")),
        title=_text(doc.get("title")) or Path(key).stem,
        description=" ".join(_text(doc.get("description")).split()),
        status=_text(doc.get("status")).lower(),
        level=_text(doc.get("level")).lower(),
        author=_text(doc.get("author")),
        references=tuple(refs),
        false_positives=tuple(_strings(doc.get("falsepositives"), "falsepositives", key)),
        license=_text(doc.get("license")) or license,
        techniques=tuple(techniques),
        tactics=tuple(tactics),
        tags=tuple(t.strip().lower() for t in tags),
        phase=_text(doc.get("kill_chain_phase")),
        logsource=(
            _text(logsource.get("category")),
            _text(logsource.get("product")),
            _text(logsource.get("service")),
        ),
        observables=detection_observables(doc["detection"]),
        requires=detection_requirements(doc["detection"]) if requirements else (),
    )


def iter_corpus(path: Path) -> Iterator[tuple[str, str | None, str]]:
    """Yield ``(key, text, problem)`` for every ``.yml``/``.yaml`` file of a folder or tar archive.

    `text` is None when the file cannot be read; `problem` then says why. Archive members are read
    in memory, never extracted.
    """
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()):
            key = file.relative_to(path).as_posix()
            if any(part.startswith(".") for part in file.relative_to(path).parts):
                continue
            try:
                if file.stat().st_size > MAX_RULE_BYTES:
                    yield key, None, f"larger than {MAX_RULE_BYTES:,} bytes"
                    continue
                yield key, file.read_text("utf-8"), ""
            except (OSError, UnicodeDecodeError) as exc:
                yield key, None, f"cannot read: {exc}"
        return
    if not path.exists():
        raise DataNotFoundError(
            f"{path} not found: pass a folder of Sigma rules (.yml) or a .tar.gz of one, "
            "e.g. the SigmaHQ rules release"
        )
    if not path.name.lower().endswith(_TAR_SUFFIXES):
        raise InvalidParameterError(
            f"{path} is neither a folder nor a .tar.gz/.tgz/.tar archive of Sigma rules; pass the folder "
            "that holds the .yml files"
        )
    try:
        found = sorted(_read_archive(path), key=lambda item: item[0])
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InvalidParameterError(f"{path}: not a readable tar archive ({exc})") from exc
    yield from found


def _read_archive(path: Path) -> Iterator[tuple[str, str | None, str]]:
    """The archive's rules in one pass over its (compressed) stream, in whatever order they are stored.

    Sorting the members first and then extracting each would seek back in a compressed stream,
    which decompresses it again from the start for every member.
    """
    with tarfile.open(path, "r|*") as tar:
        for member in tar:
            if not (member.isfile() and member.name.endswith((".yml", ".yaml"))):
                continue
            key = member.name.lstrip("./")
            if member.size > MAX_RULE_BYTES:
                yield key, None, f"larger than {MAX_RULE_BYTES:,} bytes"
                continue
            handle = tar.extractfile(member)
            if handle is None:
                yield key, None, "cannot read the archive member"
                continue
            try:
                yield key, handle.read().decode("utf-8"), ""
            except UnicodeDecodeError as exc:
                yield key, None, f"not UTF-8: {exc}"


def corpus_name(path: Path) -> str:
    """A corpus's name for `Hunt.source['pack']`: the folder name, or the archive name without suffix."""
    name = path.resolve().name
    for suffix in _TAR_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


def _strings(value: Any, what: str, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if not isinstance(value, list):
        raise RuleError(f"'{what}' must be a list of strings", key)
    return [str(v).strip() for v in value if v is not None and str(v).strip()]
