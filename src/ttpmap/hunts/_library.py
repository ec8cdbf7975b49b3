"""`HuntLibrary`: Sigma rules indexed by ATT&CK technique, recommending hunts for a brief."""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import yaml

from ttpmap._exceptions import InvalidParameterError, RuleError, UnknownTechniqueError
from ttpmap._results import Evidence, Hunt, Technique
from ttpmap.hunts._convert import BACKENDS, FIELDS, Conversion, convert_rule
from ttpmap.hunts._rank import (
    FLOOR,
    PLATFORM_NAMES,
    Fit,
    article_words,
    detection_requirements,
    fit,
    infer_platforms,
    named_in,
    rule_platform,
    threat_names,
    tools_in,
    unmet_requirement,
)
from ttpmap.hunts._rules import UNUSABLE_STATUSES, RuleInfo, corpus_name, iter_corpus, load_yaml, rule_info

if TYPE_CHECKING:
    from ttpmap.attack import Catalog

__all__ = ["ConversionFailure", "HuntLibrary", "Recommendation"]

_STATUS_RANK: Final = {"stable": 0, "test": 1, "experimental": 2}
_LEVEL_RANK: Final = {"critical": 0, "high": 1, "medium": 2, "low": 3, "informational": 4}
_LEVEL_WEIGHT: Final = {"critical": 1.0, "high": 0.85, "medium": 0.6, "low": 0.4, "informational": 0.25}
_RELATED_FACTOR: Final = 0.75
_HIGH: Final = 0.65
_MEDIUM: Final = 0.35
_MAX_SHOWN_VALUES: Final = 5
_SIGMAHQ_BLOB: Final = "https://github.com/SigmaHQ/sigma/blob/master/"
_DRL_FILE: Final = "LICENSE.Detection.Rules.md"


class ConversionFailure(NamedTuple):
    """A rule that could not be used for one target: ``(rule, backend, reason)``.

    `rule` is the rule's path in its corpus; `backend` is a `Hunt` query field (``'spl'``,
    ``'kql'``, ``'kql_sentinel'``) or ``'parse'`` when the file itself could not be read.
    """

    rule: str
    backend: str
    reason: str


class Recommendation(NamedTuple):
    """What `HuntLibrary.recommend` returns: the hunts kept, best first, and what was left out.

    `below_floor` hunts fitted the article too poorly to show; `over_cap` were past ``max_hunts``;
    `platforms` are the platforms inferred from the article, each with the sentence that names it.
    """

    hunts: list[Hunt]
    below_floor: int
    over_cap: int
    platforms: dict[str, Evidence]

    @property
    def left_out(self) -> int:
        """Hunts found for the techniques but not kept (under the floor or past the cap)."""
        return self.below_floor + self.over_cap


class HuntLibrary:
    """Sigma rules indexed by the ATT&CK techniques they detect, with SPL and KQL for each.

    Build one with `HuntLibrary.default` (ttpmap's use-case pack, converted ahead of time) or
    `HuntLibrary.from_directory` (any Sigma corpus, converted on demand), then call `hunts_for`
    with the techniques of a brief.

    Attributes
    ----------
    name : str
        ``'ttpmap'`` for the built-in pack, else the corpus folder or archive name.
    catalog : Catalog or None
        The ATT&CK catalog rule tags and requested IDs are resolved through (revocations, v18<->v19
        moves); without one, IDs are matched as written.
    failures : list of ConversionFailure
        Rules that could not be read or converted, with the reason. Reported, never raised; a
        corpus's list grows as rules are converted on demand (`coverage` converts them all).

    Examples
    --------
    >>> from ttpmap import Technique
    >>> from ttpmap.hunts import HuntLibrary
    >>> library = HuntLibrary.default()
    >>> t = Technique(id="T1195.002", name="Compromise Software Supply Chain",
    ...               tactics=("initial-access",), confidence=0.8)
    >>> hunt = library.hunts_for([t])[0]
    >>> hunt.id, hunt.confidence
    ('UC_SUPPLY_CHAIN', 'Medium')
    >>> "datamodel=Endpoint.Processes" in hunt.spl, hunt.kql.startswith("DeviceProcessEvents")
    (True, True)
    """

    def __init__(self, *, name: str, catalog: Catalog | None = None) -> None:
        self.name = name
        self.catalog = catalog
        self.failures: list[ConversionFailure] = []
        self._rules: list[RuleInfo] = []
        self._docs: list[Mapping[str, Any] | None] = []
        self._conversions: list[Conversion | None] = []
        self._index: dict[str, list[int]] = {}
        self._children: dict[str, list[str]] = {}
        self._unknown_tags: Counter[str] = Counter()
        self._skipped: Counter[str] = Counter()
        self._resolved: dict[str, str | None] = {}
        self._sigmahq = False
        self._tools: dict[int, frozenset[str]] = {}
        self._lock = threading.Lock()

    # -- construction -----------------------------------------------------------------------------

    @classmethod
    def default(cls, catalog: Catalog | None = None) -> HuntLibrary:
        """ttpmap's built-in use-case pack (``ttpmap/hunts/rules``), with conversions cached at build time.

        Parameters
        ----------
        catalog : Catalog, optional
            Resolve requested technique IDs through this catalog (revoked and v19 IDs).
        """
        from ttpmap.hunts._pack import PACK_NAME, load_pack

        library = cls(name=PACK_NAME, catalog=catalog)
        for info, conversion in load_pack():
            library._add(info, None, conversion)
        library._build_index()
        return library

    @classmethod
    def from_directory(cls, path: str | os.PathLike[str], catalog: Catalog | None = None) -> HuntLibrary:
        """Index any Sigma corpus (a folder of ``.yml`` rules, or a ``.tar.gz`` of one) by its ATT&CK tags.

        Rules are parsed for their metadata only; each is converted the first time `hunts_for`
        considers it (or by `coverage`). Deprecated and unsupported rules are skipped, rules that
        cannot be read are listed in `failures`. A corpus with a ``LICENSE.Detection.Rules.md`` (or
        named ``sigmahq*``) is treated as SigmaHQ's: licence DRL-1.1, and a link to the rule on
        GitHub when it has no reference.

        Parameters
        ----------
        path : path-like
            Folder or tar archive of Sigma rules, e.g. an extracted SigmaHQ release.
        catalog : Catalog, optional
            Resolve rule tags through this catalog, so that v18 and v19 IDs (T1562.001 and T1685)
            meet; tags it does not know are reported by `coverage`.

        Raises
        ------
        DataNotFoundError
            If `path` does not exist.
        InvalidParameterError
            If `path` is a file but not a tar archive.
        """
        root = Path(path)
        library = cls(name=corpus_name(root), catalog=catalog)
        licence = ""
        if _is_sigmahq(root):
            library._sigmahq = True
            licence = "DRL-1.1"
        for key, text, problem in iter_corpus(root):
            if text is None:
                library.failures.append(ConversionFailure(key, "parse", problem))
                continue
            try:
                docs = load_yaml(text)
            except yaml.YAMLError as exc:
                library.failures.append(ConversionFailure(key, "parse", f"invalid YAML: {_one_line(exc)}"))
                continue
            for i, doc in enumerate(docs):
                rule_key = key if len(docs) == 1 else f"{key}#{i}"
                try:
                    info = rule_info(doc, rule_key, license=licence, requirements=False)
                except RuleError as exc:
                    library.failures.append(ConversionFailure(rule_key, "parse", str(exc)))
                    continue
                if info is None:
                    library._skipped["not a detection rule"] += 1
                elif info.status in UNUSABLE_STATUSES:
                    library._skipped[info.status] += 1
                else:
                    library._add(info, doc, None)
        library._build_index()
        if not library._rules:
            warnings.warn(
                f"{root}: no usable Sigma detection rules found; hunts_for() will return no hunts",
                UserWarning,
                stacklevel=2,
            )
        return library

    def _add(self, info: RuleInfo, doc: Mapping[str, Any] | None, conversion: Conversion | None) -> None:
        self._rules.append(info)
        self._docs.append(doc)
        self._conversions.append(conversion)
        if conversion is not None:
            self._record_failures(info, conversion)

    def _build_index(self) -> None:
        index: dict[str, list[int]] = {}
        for i, info in enumerate(self._rules):
            for tid in dict.fromkeys(t for t in map(self._canonical_tag, info.techniques) if t):
                index.setdefault(tid, []).append(i)
        for ids in index.values():
            ids.sort(key=self._static_rank)
        children: dict[str, list[str]] = {}
        for tid in sorted(index):
            if "." in tid:
                children.setdefault(tid.split(".", 1)[0], []).append(tid)
        self._index = index
        self._children = children

    def _canonical_tag(self, tid: str) -> str | None:
        resolved = self._resolve(tid)
        if resolved is None:
            self._unknown_tags[tid] += 1
        return resolved

    def _resolve(self, tid: str) -> str | None:
        try:
            return self._resolved[tid]
        except KeyError:
            pass
        if self.catalog is None:
            out: str | None = tid.strip().upper()
        else:
            try:
                out = self.catalog.resolve(tid).id
            except UnknownTechniqueError:
                out = None
        self._resolved[tid] = out
        return out

    # -- recommending -----------------------------------------------------------------------------

    def hunts_for(self, techniques: Sequence[Technique], *, max_per_technique: int = 2) -> list[Hunt]:
        """The best hunts for the techniques of a brief, most confident technique first.

        For each technique, rules tagged with it exactly are preferred; when there are none, rules
        for its parent technique or its sub-techniques are used, with lower confidence. Rules are
        ranked by status and level, then by how many targets they
        convert to: the sum of the status rank (stable 0, test 1, experimental 2) and the level rank
        (critical 0 ... informational 4) first, so a stable low-level rule does not beat a tested
        high-level one, then status alone, then the number of targets. A rule that converts to no
        target is skipped. A rule serving several techniques appears once, listing them all.

        Parameters
        ----------
        techniques : sequence of Technique
            As in `Brief.techniques`; IDs the catalog does not know are skipped.
        max_per_technique : int, default=2
            At most this many hunts per technique.

        Returns
        -------
        list of Hunt
            With `confidence` ``'High'``, ``'Medium'`` or ``'Low'`` from the technique's confidence
            and the rule's level, and `source` naming the pack, rule ID, author, link and licence.

        Raises
        ------
        InvalidParameterError
            If `techniques` is not a sequence of `Technique` or `max_per_technique` is not a
            positive int.
        """
        _check_techniques(techniques)
        _check_count("max_per_technique", "hunts_for", max_per_technique)
        picks = self._picks(techniques, max_per_technique)
        return [self._hunt(idx, served, score, first) for idx, (served, score, first, _) in picks.items()]

    def recommend(
        self,
        techniques: Sequence[Technique],
        text: str,
        *,
        sentences: Sequence[Evidence] = (),
        max_hunts: int | None = None,
        floor: float = FLOOR,
        max_per_technique: int = 2,
    ) -> Recommendation:
        """The hunts that fit an article, best first, each with its `rank` and `why`.

        Candidates are those of `hunts_for`; each is scored by how well it fits the article (see
        ``ttpmap.hunts._rank``): the technique's confidence and the rule's level, the strength of the
        technique's evidence (prose over list lines), the platform (the rule's ``logsource`` against
        the platforms the article names) and the tools the hunt looks for that the article names.
        Twice `max_per_technique` candidates are scored for each technique, and the best
        `max_per_technique` of them kept, so a hunt for the article's platform can take the place of
        one for another. Hunts under `floor` (or past the per-technique limit) are left out, and so
        are those past `max_hunts`; both are counted.

        Parameters
        ----------
        techniques : sequence of Technique
            As in `Brief.techniques`.
        text : str
            The article's text (platforms and tool names are found in it).
        sentences : sequence of Evidence, optional
            The article's sentences, to quote the one that shows a platform.
        max_hunts : int, optional
            Keep at most this many (default: all that reach the floor).
        floor : float, default=0.15
            The least fit a hunt needs to be kept.
        max_per_technique : int, default=2
            As in `hunts_for`.

        Raises
        ------
        InvalidParameterError
            If `max_hunts` is not None or an int >= 1, or as `hunts_for` raises.
        """
        _check_techniques(techniques)
        if max_hunts is not None:
            _check_count("max_hunts", "recommend", max_hunts, "None or ")
        _check_count("max_per_technique", "recommend", max_per_technique)
        # twice the candidates of hunts_for, so that a hunt for the article's platform can replace
        # one for another platform; each technique still keeps at most max_per_technique hunts
        picks = self._picks(techniques, 2 * max_per_technique)
        words = article_words(text)
        lower = text.lower()
        platforms = infer_platforms(text, sentences, words)
        scored = []
        for idx, (served, score, first, by_tech) in picks.items():
            info = self._rules[idx]
            main = self._resolve(info.techniques[0]) if info.techniques else None
            tools = self._programs(idx)
            named = named_in(info.observables, lower, words)
            unmet = unmet_requirement(info.requires, named, lower, words)
            result = fit(by_tech, rule_platform(info.logsource), tools, platforms, words, main, named, unmet)
            scored.append((result, idx, served, score, first))
        scored.sort(key=lambda x: (-x[0].score, self._static_rank(x[1])))
        kept = []
        per_technique: Counter[str] = Counter()
        for x in scored:
            tid = x[0].technique.id
            if x[0].score >= floor and per_technique[tid] < max_per_technique:
                per_technique[tid] += 1
                kept.append(x)
        below = len(scored) - len(kept)
        over = 0
        if max_hunts is not None and len(kept) > max_hunts:
            over = len(kept) - max_hunts
            kept = kept[:max_hunts]
        hunts = []
        for rank, (result, idx, served, score, first) in enumerate(kept, 1):
            hunt = self._hunt(idx, served, score, first)
            hunts.append(replace(hunt, rank=rank, why=_why(result, platforms)))
        return Recommendation(hunts, below, over, platforms)

    def _programs(self, idx: int) -> frozenset[str]:
        """The programs rule `idx` looks for (an emerging-threat rule: the threat its folder names)."""
        tools = self._tools.get(idx)
        if tools is None:
            info = self._rules[idx]
            if "detection.emerging-threats" in info.tags:
                tools = threat_names(info.key)
            else:
                tools = tools_in(self._queries(idx))
            self._tools[idx] = tools
        return tools

    def _picks(
        self, techniques: Sequence[Technique], max_per_technique: int
    ) -> dict[int, tuple[list[str], float, Technique, list[tuple[Technique, float]]]]:
        """Rule index -> (technique IDs served, best score, first technique, (technique, score) pairs)."""
        picks: dict[int, tuple[list[str], float, Technique, list[tuple[Technique, float]]]] = {}
        for tech in sorted(techniques, key=lambda t: -float(t.confidence)):
            tid = self._resolve(tech.id)
            if tid is None:
                continue
            candidates, factor = self._candidates(tid)
            for idx in self._best(candidates, max_per_technique):
                score = (
                    _clamp(float(tech.confidence)) * _LEVEL_WEIGHT.get(self._rules[idx].level, 0.5) * factor
                )
                if idx in picks:
                    served, best, first, by_tech = picks[idx]
                    if tech.id not in served:
                        served.append(tech.id)
                    by_tech.append((tech, score))
                    picks[idx] = (served, max(best, score), first, by_tech)
                else:
                    picks[idx] = ([tech.id], score, tech, [(tech, score)])
        return picks

    def _candidates(self, tid: str) -> tuple[list[int], float]:
        exact = self._index.get(tid)
        if exact:
            return exact, 1.0
        related: dict[int, None] = {}
        parent = tid.split(".", 1)[0]
        if parent != tid:
            related.update(dict.fromkeys(self._index.get(parent, ())))
        for child in self._children.get(tid, ()):
            related.update(dict.fromkeys(self._index[child]))
        return sorted(related, key=self._static_rank), _RELATED_FACTOR

    def _best(self, candidates: list[int], n: int) -> list[int]:
        out: list[int] = []
        window = 2 * n
        start = 0
        while len(out) < n and start < len(candidates):
            batch = candidates[start : start + window]
            start += window
            self._ensure_converted(batch)
            usable = [i for i in batch if self._queries(i)]
            usable.sort(key=self._rank)
            out.extend(usable[: n - len(out)])
        return out

    def _hunt(self, idx: int, served: list[str], score: float, first: Technique) -> Hunt:
        info = self._rules[idx]
        queries = self._queries(idx)
        confidence = "High" if score >= _HIGH else "Medium" if score >= _MEDIUM else "Low"
        return Hunt(
            id=info.label,
            title=info.title,
            techniques=tuple(served),
            phase=self._phase(info, first),
            confidence=confidence,
            spl=queries.get("spl"),
            kql=queries.get("kql"),
            kql_sentinel=queries.get("kql_sentinel"),
            description=info.description,
            level=info.level,
            false_positives=info.false_positives,
            source={
                "pack": self.name,
                "rule_id": info.uid,
                "author": info.author,
                "link": self._link(info),
                "license": info.license,
                "path": info.key,
            },
        )

    def _phase(self, info: RuleInfo, tech: Technique) -> str:
        from ttpmap.attack import KILL_CHAIN_PHASES, phase_for_tactic

        if info.phase in KILL_CHAIN_PHASES:
            return info.phase
        shared = [t for t in info.tactics if t in tech.tactics]
        for shortname in (*shared, *info.tactics, *tech.tactics):
            if self.catalog is not None:
                try:
                    shortname = self.catalog.tactic(shortname).shortname
                except UnknownTechniqueError:
                    continue
            try:
                return phase_for_tactic(shortname)
            except UnknownTechniqueError:
                continue
        return ""

    def _link(self, info: RuleInfo) -> str:
        if info.references:
            return info.references[0]
        if self._sigmahq:
            parts = info.key.split("#", 1)[0].split("/")
            for i, part in enumerate(parts):
                if part.startswith("rules"):
                    return _SIGMAHQ_BLOB + "/".join(parts[i:])
        return ""

    # -- conversion -------------------------------------------------------------------------------

    def _queries(self, idx: int) -> dict[str, str]:
        conversion = self._conversions[idx]
        return conversion.queries if conversion is not None else {}

    def _ensure_converted(self, indices: Iterable[int]) -> None:
        todo = [i for i in indices if self._conversions[i] is None]
        if not todo:
            return
        with self._lock:
            for i in todo:
                if self._conversions[i] is not None:
                    continue
                doc = self._docs[i]
                conversion = convert_rule(doc) if doc is not None else Conversion()
                if doc is not None:
                    requires = detection_requirements(doc["detection"])
                    self._rules[i] = replace(self._rules[i], requires=requires)
                self._record_failures(self._rules[i], conversion)
                self._conversions[i] = conversion
                self._docs[i] = None

    def _record_failures(self, info: RuleInfo, conversion: Conversion) -> None:
        for field_name in FIELDS:
            if field_name in conversion.failures:
                self.failures.append(ConversionFailure(info.key, field_name, conversion.failures[field_name]))

    def _static_rank(self, idx: int) -> tuple[int, int, int, int, str]:
        info = self._rules[idx]
        status = _STATUS_RANK.get(info.status, 3)
        return (
            status + _LEVEL_RANK.get(info.level, 5),
            status,
            1 if "detection.emerging-threats" in info.tags else 0,
            len(info.techniques),
            info.key,
        )

    def _rank(self, idx: int) -> tuple[int, int, int, int, int, str]:
        maturity, status, emerging, n_tags, key = self._static_rank(idx)
        return maturity, status, -len(self._queries(idx)), emerging, n_tags, key

    # -- reporting --------------------------------------------------------------------------------

    def coverage(self) -> dict[str, Any]:
        """How many ATT&CK techniques have a hunt, in total and per target that converts.

        Converts every rule that has a technique tag (slow for a large corpus: the time is in
        ``'seconds'``). Techniques are counted after resolution through the catalog, so a v19 tag
        and its v18 equivalent count once.

        Returns
        -------
        dict
            ``pack``, ``attack_version``, ``rules`` (usable), ``skipped`` (by reason),
            ``techniques`` (``{'any': n, 'spl': n, 'kql': n, 'kql_sentinel': n}``),
            ``techniques_total`` (active techniques in the catalog, or None), ``rules_converted``
            and ``failures`` per target, ``unknown_tags`` (tags the catalog does not know, with
            counts), ``backends`` (registered converter names) and ``seconds``.
        """
        start = time.perf_counter()
        tagged = sorted({i for ids in self._index.values() for i in ids})
        self._ensure_converted(tagged)
        per_field: dict[str, set[str]] = {f: set() for f in FIELDS}
        for tid, ids in self._index.items():
            for i in ids:
                for f in self._queries(i):
                    per_field[f].add(tid)
        converted = {f: sum(1 for i in tagged if f in self._queries(i)) for f in FIELDS}
        failures = Counter(f.backend for f in self.failures)
        return {
            "pack": self.name,
            "attack_version": self.catalog.version if self.catalog is not None else None,
            "rules": len(self._rules),
            "rules_with_techniques": len(tagged),
            "skipped": dict(sorted(self._skipped.items())),
            "techniques": {"any": len(self._index), **{f: len(per_field[f]) for f in FIELDS}},
            "techniques_total": (len(self.catalog.active_techniques()) if self.catalog is not None else None),
            "rules_converted": converted,
            "failures": {f: failures.get(f, 0) for f in ("parse", *FIELDS)},
            "unknown_tags": dict(sorted(self._unknown_tags.items())),
            "backends": dict(BACKENDS),
            "seconds": round(time.perf_counter() - start, 3),
        }

    def __len__(self) -> int:
        return len(self._rules)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"HuntLibrary(name={self.name!r}, rules={len(self._rules)}, techniques={len(self._index)})"


def _check_techniques(techniques: Any) -> None:
    if isinstance(techniques, str | bytes) or not isinstance(techniques, Sequence):
        raise InvalidParameterError(
            f"hunts_for() takes a list of ttpmap.Technique, got {type(techniques).__name__}; for bare IDs "
            "pass [Technique(id='T1059.001', name='', tactics=(), confidence=1.0)]"
        )
    for item in techniques:
        if not isinstance(item, Technique):
            raise InvalidParameterError(
                f"hunts_for() takes a list of ttpmap.Technique, found a {type(item).__name__} ({item!r}); "
                "for bare IDs pass Technique(id=..., name='', tactics=(), confidence=1.0)"
            )


def _clamp(x: float) -> float:
    return 0.0 if x != x else min(1.0, max(0.0, x))


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _is_sigmahq(root: Path) -> bool:
    if root.is_file():
        return corpus_name(root).lower().startswith("sigmahq") or (root.parent / _DRL_FILE).is_file()
    if not root.is_dir():
        return False
    folders = [root, *(c for c in root.iterdir() if c.is_dir())]
    return any(f.name.lower().startswith("sigmahq") or (f / _DRL_FILE).is_file() for f in folders)


def _why(result: Fit, platforms: Mapping[str, Evidence]) -> dict[str, Any]:
    """The reasons a hunt was kept at its rank, as data and as one plain sentence."""
    tech = result.technique
    evidence = result.evidence.text if result.evidence is not None else None
    parts = [f"{tech.id} {tech.name}".strip() + f" (confidence {float(tech.confidence):.0%})"]
    if result.one_phrase:
        parts.append("shown by one phrase only")
    elif result.evidence_kind == "prose":
        parts.append("shown in a sentence of the article")
    elif result.evidence_kind == "list":
        parts.append("named only in a list or by its ID")
    name = PLATFORM_NAMES.get(result.platform or "", result.platform or "")
    if result.platform_match == "match":
        parts.append(f"a {name} hunt, and the article involves {name}")
    elif result.platform_match == "any":
        parts.append("logs of any platform")
    elif result.platform_match == "unknown":
        parts.append(f"a {name} hunt; the article names no platform")
    else:
        named = ", ".join(PLATFORM_NAMES[p] for p in platforms)
        parts.append(f"a {name} hunt, but the article involves {named}")
    if result.named:
        parts.append("looks for " + ", ".join(result.named) + ", which the article names")
    if result.unmet:
        shown = ", ".join(result.unmet[:_MAX_SHOWN_VALUES]) + (
            ", ..." if len(result.unmet) > _MAX_SHOWN_VALUES else ""
        )
        parts.append(f"its query also needs one of {shown}, which the article does not name")
    platform_evidence = result.platform_evidence
    return {
        "technique": tech.id,
        "technique_name": tech.name,
        "technique_confidence": round(float(tech.confidence), 4),
        "evidence": evidence,
        "evidence_kind": result.evidence_kind,
        "platform": result.platform,
        "platform_match": result.platform_match,
        "platform_evidence": platform_evidence.text if platform_evidence is not None else None,
        "tools": list(result.tools),
        "named": list(result.named),
        "unmet": list(result.unmet),
        "fit": round(result.score, 4),
        "text": "; ".join(parts) + ".",
    }


def _check_count(name: str, method: str, value: object, also: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(
            f"The '{name}' parameter of HuntLibrary.{method} must be {also}an int >= 1. Got {value!r} instead."
        )
