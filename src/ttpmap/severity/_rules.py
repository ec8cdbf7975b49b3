"""`SeverityRules`: explainable severity from rules that are data."""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ttpmap._exceptions import RuleError
from ttpmap._gc import gc_paused
from ttpmap._results import SEVERITY_LEVELS, Evidence, Reason, Severity, SeverityLevel
from ttpmap.severity._schema import (
    BANDS,
    ActorCondition,
    CountCondition,
    CveCondition,
    FallbackCondition,
    FiredCondition,
    Invalid,
    PhrasesCondition,
    Rule,
    TechniqueIdsCondition,
    TechniqueTacticCondition,
    check_confidence,
    check_cues,
    check_scoring,
    parse_rule,
)
from ttpmap.severity._text import Matchers, Span, TextView
from ttpmap.severity._yaml import KeyPath, LineMap, read_yaml

if TYPE_CHECKING:
    from ttpmap._document import WorkDoc

__all__ = ["FORMAT", "SeverityRules"]

FORMAT = "ttpmap-severity-rules/1"
_MAX_EVIDENCE = 3
_MAX_LISTED = 5
_TOP_KEYS = ("format", "scoring", "confidence", "cues", "rules")


@dataclass
class _Hit:
    count: int
    evidence: list[Evidence] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    # where the condition matched, for `within_sentences`: one mapping (sentence index -> matched
    # text) per part; a `fired` condition has one part per group
    parts: list[dict[int, str]] = field(default_factory=list)


class SeverityRules:
    """Explainable severity rules: a YAML file that users can read, extend and diff.

    Each rule is a plain mapping (``id``, ``level``, ``score``, ``description``, ``when``) checked by
    the one validating path, `add`. The highest rule that fires sets the level; every other rule that
    fires adds its boost to the score (capped at 100), which may lift the level by at most
    ``scoring.escalation`` bands and never above ``scoring.max_escalated_level``. Evidence is never
    subtracted.

    Parameters
    ----------
    rules : iterable of mapping, default=()
        Rules as plain mappings, the way the YAML file writes them.
    scoring, confidence, cues : mapping, default=None
        The file's sections of the same names; keys left out take the shipped defaults.

    Notes
    -----
    Text is split into tokens as ``spacy.blank("en")`` splits it, and token patterns are spaCy
    `Matcher` patterns over the attributes a tokenizer gives (ORTH, NORM, LOWER, LENGTH, IS_* and
    LIKE_* flags); ttpmap matches them itself, without importing spaCy. The matchers are built once
    per instance, on first use. Negation and hedge cues
    (the ``cues`` section) scope over a match within its sentence, as ``WorkDoc.sentences`` gives
    them. An instance is safe to share between threads; `evaluate` and `assess` only read the
    document.

    See Also
    --------
    SeverityRules.default : the rules shipped with ttpmap.
    SeverityRules.from_file : rules from a user's YAML file.

    Examples
    --------
    >>> from ttpmap.severity import SeverityRules
    >>> rules = SeverityRules.default()
    >>> "active-exploitation" in rules
    True
    """

    def __init__(
        self,
        rules: Iterable[Mapping[str, Any]] = (),
        *,
        scoring: Mapping[str, Any] | None = None,
        confidence: Mapping[str, Any] | None = None,
        cues: Mapping[str, Any] | None = None,
    ) -> None:
        self._setup({"scoring": scoring, "confidence": confidence, "cues": cues}, None, {})
        self.add(rules)

    def _setup(self, sections: Mapping[str, Any], path: Path | None, lines: LineMap) -> None:
        self._lock = threading.Lock()
        self._matchers: Matchers | None = None
        self._rules: list[Rule] = []
        self._path = path
        defaults = _shipped_settings()

        def pick(name: str) -> Any:
            """The section, with keys it leaves out taken from the shipped defaults."""
            value = sections.get(name)
            if value is None:
                return defaults[name]
            return {**defaults[name], **value} if isinstance(value, Mapping) else value

        try:
            self._scoring = check_scoring(pick("scoring"))
            self._confidence = check_confidence(pick("confidence"))
            self._cues = check_cues(pick("cues"))
        except Invalid as exc:
            raise RuleError(exc.message, path, _line(lines, exc.where) if path else None) from None

    @classmethod
    def default(cls) -> SeverityRules:
        """The rules shipped with ttpmap (``ttpmap/severity/rules.yaml``)."""
        data, lines = _shipped_rules()
        return cls._from_data(copy.deepcopy(data), lines, _shipped_path("rules.yaml"))

    @classmethod
    def from_file(cls, path: str | Path) -> SeverityRules:
        """Read rules from a YAML file; settings it leaves out take the shipped defaults.

        Raises
        ------
        RuleError
            With ``.path`` and ``.line`` of the first bad rule or value, and what is wrong with it.
        """
        path = Path(path)
        return cls._from_data(*read_yaml(path), path)

    @classmethod
    def _from_data(cls, data: Any, lines: LineMap, path: Path) -> SeverityRules:
        if not isinstance(data, Mapping):
            raise RuleError(f"a rules file is a mapping with the keys {', '.join(_TOP_KEYS)}", path, 1)
        for key in data:
            if key not in _TOP_KEYS:
                raise RuleError(
                    f"unknown top-level key {key!r}; expected one of {', '.join(_TOP_KEYS)}",
                    path,
                    lines.get((key,)),
                )
        if data.get("format", FORMAT) != FORMAT:
            raise RuleError(
                f"'format' must be {FORMAT!r}; got {data['format']!r}", path, lines.get(("format",))
            )
        rules = data.get("rules")
        if not isinstance(rules, list):
            raise RuleError("'rules' must be a list of rules", path, lines.get(("rules",), 1))
        self = cls.__new__(cls)
        self._setup(data, path, lines)
        self._add(rules, path, lines)
        return self

    def to_file(self, path: str | Path) -> None:
        """Write the rules and settings as YAML that `from_file` reads back unchanged."""
        data = {
            "format": FORMAT,
            "scoring": self._scoring,
            "confidence": self._confidence,
            "cues": {k: list(v) if isinstance(v, tuple) else v for k, v in self._cues.items()},
            "rules": self.rules,
        }
        Path(path).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    def add(self, rules: Iterable[Mapping[str, Any]]) -> None:
        """Validate and add rules (plain mappings); raise `RuleError` on the first bad one."""
        if isinstance(rules, Mapping):
            raise RuleError("add() takes a list of rules; got one mapping: wrap it in a list")
        self._add(list(rules), None, {})

    def _add(self, rules: Sequence[Any], path: Path | None, lines: LineMap) -> None:
        known = {r.id for r in self._rules}
        new: list[Rule] = []
        for i, spec in enumerate(rules):
            where: KeyPath = ("rules", i)
            try:
                rule = parse_rule(spec, where)
            except Invalid as exc:
                message = exc.message if path else f"rule {i}: {exc.message}"
                raise RuleError(message, path, _line(lines, exc.where)) from None
            if rule.id in known:
                raise RuleError(f"duplicate rule id {rule.id!r}", path, _line(lines, (*where, "id")))
            known.add(rule.id)
            new.append(rule)
        for i, rule in enumerate(new):
            for cond in rule.when:
                missing = [r for g in getattr(cond, "groups", ()) for r in g if r not in known]
                if missing:
                    where = ("rules", i, "when", "fired")
                    raise RuleError(
                        f"rule {rule.id!r}: 'fired' names {missing[0]!r}, which is not a rule here",
                        path,
                        _line(lines, where),
                    )
        with self._lock:
            self._rules.extend(new)
            self._matchers = None

    def remove(self, rule_id: str) -> None:
        """Remove the rule with this ID; raise `KeyError` if there is none."""
        with self._lock:
            kept = [r for r in self._rules if r.id != rule_id]
            if len(kept) == len(self._rules):
                raise KeyError(f"no rule with id {rule_id!r}")
            self._rules = kept
            self._matchers = None

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules = []
            self._matchers = None

    @property
    def rules(self) -> list[dict[str, Any]]:
        """The rules as the plain mappings they were added as (copies)."""
        return [copy.deepcopy(dict(r.spec)) for r in self._rules]

    @property
    def ids(self) -> list[str]:
        """The rule IDs, in evaluation order."""
        return [r.id for r in self._rules]

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return any(r.id == rule_id for r in self._rules)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rules)

    def __repr__(self) -> str:
        where = f", path={str(self._path)!r}" if self._path else ""
        return f"SeverityRules(<{len(self)} rules>{where})"

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"], state["_matchers"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._matchers = None

    # -- evaluation ---------------------------------------------------------------------------

    def evaluate(self, doc: WorkDoc) -> list[Reason]:
        """Every rule that fires on `doc`, as reasons in rule order. Only reads `doc`."""
        return self._evaluate(doc)[0]

    def assess(self, doc: WorkDoc) -> Severity:
        """The article's severity: level, 0-100 score, 0-100 confidence and the reasons that fired.

        Reasons come most serious first. Only reads `doc`.
        """
        return self._assess(doc)[0]

    def _assess(self, doc: WorkDoc) -> tuple[Severity, dict[str, float]]:
        reasons, view = self._evaluate(doc)
        level, score = self._score(reasons)
        severity = Severity(level, score, self._confidence_of(doc, reasons), tuple(_ranked(reasons)), "rules")
        cves = view.cves(_ioc_cves(doc))
        counts = {
            "techniques": float(len({t.id for t in doc.techniques})),
            "phases": float(len({p.name for p in doc.phases})),
            "hunts": float(len({h.id for h in doc.hunts})),
            "high_fidelity_iocs": float(sum(1 for i in doc.iocs if i.fidelity == "high")),
            "cves": float(len(cves)),
            "max_cvss": max((c.rating or 0.0 for c in cves), default=0.0),
        }
        return severity, counts

    def _evaluate(self, doc: WorkDoc) -> tuple[list[Reason], TextView]:
        rules, view = self._prepare(doc)
        reasons: list[Reason] = []
        fallbacks: list[Rule] = []
        combined: list[Rule] = []
        fired: dict[str, _Fired] = {}
        for rule in rules:
            if any(isinstance(c, FallbackCondition) for c in rule.when):
                fallbacks.append(rule)
            elif any(isinstance(c, FiredCondition) for c in rule.when):
                combined.append(rule)
            elif (done := self._fire(rule, doc, view, {})) is not None:
                fired[rule.id] = done
        for rule in combined:
            if (done := self._fire(rule, doc, view, fired)) is not None:
                fired[rule.id] = done
        reasons.extend(f.reason for f in fired.values())
        for rule in fallbacks:
            if not any(r.level != "INFO" for r in reasons):
                done = self._fire(rule, doc, view, {})
                if done is not None:
                    reasons.append(done.reason)
        order = {r.id: i for i, r in enumerate(rules)}
        reasons.sort(key=lambda r: order[r.rule])
        return reasons, view

    def _score(self, reasons: Sequence[Reason]) -> tuple[SeverityLevel, int]:
        if not reasons:
            return "INFO", 0
        top = max(reasons, key=lambda r: (SEVERITY_LEVELS.index(r.level), r.score))
        boosts = {r.id: r.boost for r in self._rules}
        total = top.score
        for r in reasons:
            if r is not top:
                b = boosts.get(r.rule)
                total += self._scoring["boost"][r.level] if b is None else b
        total = min(100, total)
        top_i = SEVERITY_LEVELS.index(top.level)
        reached = max(i for i, lv in enumerate(SEVERITY_LEVELS) if total >= BANDS[lv][0])
        cap = SEVERITY_LEVELS.index(self._scoring["max_escalated_level"])
        level_i = max(top_i, min(reached, top_i + self._scoring["escalation"], cap))
        level = SEVERITY_LEVELS[level_i]
        return level, min(total, BANDS[level][1])

    def _confidence_of(self, doc: WorkDoc, reasons: Sequence[Reason]) -> int:
        c = self._confidence
        value = c["base"] + min(c["max_from_reasons"], c["per_reason"] * len(reasons))
        high = sum(1 for i in doc.iocs if i.fidelity == "high")
        value += min(c["max_from_iocs"], c["per_high_fidelity_ioc"] * high)
        if doc.techniques:
            mean = sum(float(t.confidence) for t in doc.techniques) / len(doc.techniques)
            value += round(c["techniques"] * max(0.0, min(1.0, mean)))
        if len(doc.sentences) <= c["short_sentences"]:
            value = min(value, c["max_short"])
        return int(max(0, min(100, value)))

    def _prepare(self, doc: WorkDoc) -> tuple[list[Rule], TextView]:
        with self._lock:
            rules = list(self._rules)
            if self._matchers is None:
                with gc_paused():
                    self._matchers = self._build_matchers(rules)
            matchers = self._matchers
        return rules, matchers.view(doc)

    def _build_matchers(self, rules: Sequence[Rule]) -> Matchers:
        phrases: dict[str, Sequence[str]] = {}
        patterns: dict[str, Sequence[Sequence[dict[str, Any]]]] = {}
        names: dict[str, Sequence[str]] = {"#actors": _default_actors()[0]}
        for rule in rules:
            for i, cond in enumerate(rule.when):
                key = f"{rule.id}#{i}"
                if isinstance(cond, PhrasesCondition):
                    phrases[key] = cond.match
                    patterns[key] = cond.patterns
                elif isinstance(cond, ActorCondition):
                    names[key] = cond.names
        return Matchers(phrases, patterns, names, self._cues)

    def _fire(self, rule: Rule, doc: WorkDoc, view: TextView, fired: Mapping[str, _Fired]) -> _Fired | None:
        hits: list[_Hit] = []
        within: int | None = None
        for i, cond in enumerate(rule.when):
            if isinstance(cond, FiredCondition):
                hit = _fired(cond, fired)
                within = cond.within_sentences
            else:
                hit = _CHECKS[type(cond)](cond, f"{rule.id}#{i}", doc, view)
            if hit is None:
                return None
            hits.append(hit)
        if within is not None and not _near(hits, within, view):
            return None
        counted = [h for c, h in zip(rule.when, hits, strict=True) if not isinstance(c, FallbackCondition)]
        values: dict[str, str] = {"count": str((counted or hits)[0].count)}
        evidence: dict[Evidence, None] = {}
        refs: dict[str, None] = {}
        for hit in hits:
            for k, v in hit.values.items():
                values.setdefault(k, v)
            evidence.update(dict.fromkeys(hit.evidence))
            refs.update(dict.fromkeys(hit.refs))
        reason = Reason(
            rule.id,
            _format(rule.description, values),
            rule.level,
            rule.score,
            tuple(list(evidence)[:_MAX_EVIDENCE]),
            tuple(refs),
        )
        places: dict[int, str] = {}
        for hit in hits:
            for part in hit.parts:
                places.update(part)
        return _Fired(reason, places)


@dataclass(frozen=True)
class _Fired:
    """A rule that fired: its reason, and the sentences (index -> matched text) its evidence lies in."""

    reason: Reason
    places: dict[int, str]


def _near(hits: list[_Hit], within: int, view: TextView) -> bool:
    """Narrow `hits` to the first stretch of ``within + 1`` sentences that holds every part of them
    (their evidence and matched text become that stretch's); False if there is no such stretch."""
    parts = [part for hit in hits for part in hit.parts]
    for start in sorted({i for part in parts for i in part}):
        stretch = range(start, start + within + 1)
        if all(any(i in part for i in stretch) for part in parts):
            break
    else:
        return False
    for hit in hits:
        hit.parts = [{i: t for i, t in part.items() if i in stretch} for part in hit.parts]
        if hit.parts:
            hit.evidence = list(dict.fromkeys(view.sentences[min(part)] for part in hit.parts))
            if "phrase" in hit.values:
                hit.values["phrase"] = hit.parts[0][min(hit.parts[0])]
    return True


# -- conditions ---------------------------------------------------------------------------------


def _phrases(cond: PhrasesCondition, key: str, doc: WorkDoc, view: TextView) -> _Hit | None:
    spans = [s for s in view.matches.get(key, ()) if s.polarity in cond.polarity]
    if len(spans) < cond.min or (cond.max is not None and len(spans) > cond.max):
        return None
    return _Hit(len(spans), _sentences(spans), [], {"phrase": spans[0].text}, [_places(spans, view)])


def _technique_ids(cond: TechniqueIdsCondition, key: str, doc: WorkDoc, view: TextView) -> _Hit | None:
    found = [t for t in doc.techniques if t.confidence >= cond.min_confidence and _in_family(t.id, cond.ids)]
    return _technique_hit(found, cond.min)


def _technique_tactic(cond: TechniqueTacticCondition, key: str, doc: WorkDoc, view: TextView) -> _Hit | None:
    wanted = set(cond.tactics)
    found = [
        t
        for t in doc.techniques
        if t.confidence >= cond.min_confidence
        and wanted.intersection(t.tactics)
        and not _in_family(t.id, cond.exclude_ids)
    ]
    return _technique_hit(found, cond.min)


def _technique_hit(found: list[Any], minimum: int) -> _Hit | None:
    found = list({t.id: t for t in found}.values())
    if len(found) < minimum:
        return None
    evidence = [e for t in found for e in t.evidence[:1]]
    listed = _listing([f"{t.id} {t.name}".strip() for t in found])
    return _Hit(len(found), evidence, [f"technique:{t.id}" for t in found], {"techniques": listed})


def _count(cond: CountCondition, key: str, doc: WorkDoc, view: TextView) -> _Hit | None:
    items: list[tuple[str, str]]  # (ref, label)
    if cond.of == "techniques":
        items = [(f"technique:{t.id}", t.id) for t in doc.techniques if t.confidence >= cond.min_confidence]
    elif cond.of == "tactics":
        items = [
            (f"tactic:{t.shortname}", t.name) for t in doc.tactics if t.confidence >= cond.min_confidence
        ]
    elif cond.of == "phases":
        items = [(f"phase:{p.name}", p.name) for p in sorted(doc.phases, key=lambda p: p.order)]
    elif cond.of == "hunts":
        items = [(f"hunt:{h.id}", h.title) for h in doc.hunts]
    elif cond.of == "cves":
        items = [(f"cve:{c.id}", c.id) for c in view.cves(_ioc_cves(doc))]
    else:
        items = [
            (f"ioc:{i.type}:{i.value}", i.value)
            for i in doc.iocs
            if cond.of == "iocs" or i.fidelity == "high"
        ]
    items = list(dict(items).items())
    n = len(items)
    if n < cond.min or (cond.max is not None and n > cond.max):
        return None
    return _Hit(n, [], [ref for ref, _ in items], {"items": _listing([label for _, label in items])})


def _cve(cond: CveCondition, key: str, doc: WorkDoc, view: TextView) -> _Hit | None:
    found = []
    for c in view.cves(_ioc_cves(doc)):
        rating = c.rating
        if cond.min_cvss is not None and (rating is None or rating < cond.min_cvss):
            continue
        if cond.max_cvss is not None and rating is not None and rating >= cond.max_cvss:
            continue
        found.append(c)
    if len(found) < cond.min:
        return None
    found.sort(key=lambda c: -(c.rating or 0.0))
    evidence = [s for c in found for s in c.sentences[:1]]
    return _Hit(
        len(found),
        evidence,
        [f"cve:{c.id}" for c in found],
        {"cve": _listing([c.id for c in found]), "cvss": found[0].describe()},
    )


def _actor(cond: ActorCondition, key: str, doc: WorkDoc, view: TextView) -> _Hit | None:
    spans = list(view.matches.get(key, ()))
    patterns = list(cond.patterns)
    if cond.default_list:
        spans += view.matches.get("#actors", ())
        patterns += _default_actors()[1]
    for pattern in patterns:
        spans += view.char_spans(pattern)
    spans = [s for s in spans if s.polarity in cond.polarity]
    if not spans:
        return None
    names: dict[str, None] = {}
    for s in sorted(spans, key=lambda s: s.start_char):
        if s.text not in names and not any(s.text in n for n in names):
            names[s.text] = None
    return _Hit(
        len(names),
        _sentences(spans),
        [f"actor:{n}" for n in names],
        {"names": _listing(list(names))},
        [_places(spans, view)],
    )


def _fired(cond: FiredCondition, fired: Mapping[str, _Fired]) -> _Hit | None:
    """At least one fired rule of each group: their evidence and references carry over."""
    chosen: list[Reason] = []
    parts: list[dict[int, str]] = []
    for group in cond.groups:
        found = [fired[r] for r in group if r in fired]
        if not found:
            return None
        chosen.extend(f.reason for f in found)
        parts.append({i: t for f in found for i, t in f.places.items()})
    evidence = [e for r in chosen for e in r.evidence[:1]]
    refs = [ref for r in chosen for ref in r.refs]
    return _Hit(len(chosen), evidence, refs, {"rules": ", ".join(r.rule for r in chosen)}, parts)


def _fallback(cond: FallbackCondition, key: str, doc: WorkDoc, view: TextView) -> _Hit | None:
    return _Hit(0)


_CHECKS: dict[type, Any] = {
    PhrasesCondition: _phrases,
    TechniqueIdsCondition: _technique_ids,
    TechniqueTacticCondition: _technique_tactic,
    CountCondition: _count,
    CveCondition: _cve,
    ActorCondition: _actor,
    FallbackCondition: _fallback,
}


def _in_family(technique_id: str, ids: Sequence[str]) -> bool:
    """True if `technique_id` is one of `ids` or a sub-technique of one."""
    tid = technique_id.upper()
    return any(tid == i or tid.startswith(i + ".") for i in ids)


def _ioc_cves(doc: WorkDoc) -> list[str]:
    return [i.value for i in doc.iocs if i.type == "cve"]


def _sentences(spans: Iterable[Span]) -> list[Evidence]:
    """The first few distinct sentences of `spans`, in text order."""
    out: dict[Evidence, None] = {}
    for s in sorted(spans, key=lambda s: s.start_char):
        out.setdefault(s.sentence)
        if len(out) == _MAX_EVIDENCE:
            break
    return list(out)


def _places(spans: Iterable[Span], view: TextView) -> dict[int, str]:
    """The sentences `spans` lie in (index -> the first match there)."""
    out: dict[int, str] = {}
    for s in spans:
        i = view.sentence_index(s.start_char)
        if i >= 0:
            out.setdefault(i, s.text)
    return out


def _listing(items: Sequence[str]) -> str:
    if len(items) <= _MAX_LISTED:
        return ", ".join(items)
    return f"{', '.join(items[:_MAX_LISTED])} and {len(items) - _MAX_LISTED} more"


def _format(template: str, values: Mapping[str, str]) -> str:
    return template.format_map(values)


def _ranked(reasons: Iterable[Reason]) -> list[Reason]:
    return sorted(reasons, key=lambda r: (-SEVERITY_LEVELS.index(r.level), -r.score))


def _line(lines: LineMap, where: KeyPath) -> int | None:
    while where:
        if where in lines:
            return lines[where]
        where = where[:-1]
    return lines.get(())


def _shipped_path(name: str) -> Path:
    return Path(str(resources.files("ttpmap.severity").joinpath(name)))


@cache
def _shipped_rules() -> tuple[Any, LineMap]:
    return read_yaml(_shipped_path("rules.yaml"))


@cache
def _shipped_settings() -> dict[str, Any]:
    data = _shipped_rules()[0]
    return {k: copy.deepcopy(data[k]) for k in ("scoring", "confidence", "cues")}


@cache
def _default_actors() -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    path = _shipped_path("actors.yaml")
    data, lines = read_yaml(path)
    if not isinstance(data, Mapping):
        raise RuleError("an actor list is a mapping with 'names' and 'patterns'", path, 1)
    try:
        cond = parse_rule(
            {
                "id": "actors",
                "level": "INFO",
                "score": 0,
                "description": "-",
                "when": {"actor": {"names": data.get("names", []), "patterns": data.get("patterns", [])}},
            }
        )
    except Invalid as exc:
        raise RuleError(exc.message, path, _line(lines, exc.where[2:])) from None
    actor = cond.when[0]
    assert isinstance(actor, ActorCondition)
    return actor.names, actor.patterns
