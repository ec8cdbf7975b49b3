"""The rule vocabulary: what a severity rule may say, checked when the rule is added.

A rule is a plain mapping (as written in YAML)::

    id: active-exploitation          # lowercase letters, digits and hyphens; unique
    level: CRITICAL                  # INFO, LOW, MEDIUM, HIGH or CRITICAL
    score: 90                        # within the level's band (see BANDS)
    boost: 10                        # optional: what it adds when another rule sets the level
    description: "..."               # one plain sentence; may use the placeholders its conditions offer
    when:                            # every condition must hold
      phrases: {match: [...], patterns: [...], polarity: affirmed, min: 1}

Condition kinds: `phrases`, `technique_ids`, `technique_tactic`, `count`, `cve`, `actor`, `fired`,
`fallback`. `fired: {all: [[rule-a, rule-b], [rule-c]]}` holds when, in each group, at least one of the
named rules fired (rules with a `fired` condition are evaluated after the others, in file order).
With `within_sentences: N` the parts must also lie close together: some stretch of N + 1 consecutive
sentences holds the evidence of a fired rule of each group and a match of each of the rule's own
`phrases` and `actor` conditions (0: one sentence; 1: the same or the next sentence).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ttpmap._results import SEVERITY_LEVELS, SeverityLevel
from ttpmap.severity._patterns import describe, pattern_problem
from ttpmap.severity._yaml import KeyPath

__all__ = [
    "BANDS",
    "ActorCondition",
    "Condition",
    "CountCondition",
    "CveCondition",
    "FallbackCondition",
    "FiredCondition",
    "Invalid",
    "PhrasesCondition",
    "Rule",
    "TechniqueIdsCondition",
    "TechniqueTacticCondition",
    "check_confidence",
    "check_cues",
    "check_scoring",
    "parse_rule",
]

BANDS: dict[str, tuple[int, int]] = {
    "INFO": (0, 19),
    "LOW": (20, 39),
    "MEDIUM": (40, 59),
    "HIGH": (60, 79),
    "CRITICAL": (80, 100),
}
POLARITIES = ("affirmed", "negated", "hedged")
COUNTABLE = ("techniques", "tactics", "phases", "hunts", "cves", "iocs", "high_fidelity_iocs")
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_TECHNIQUE_ID = re.compile(r"T\d{4}(?:\.\d{3})?")
_TACTIC = re.compile(r"[a-z][a-z-]{1,40}")


class Invalid(Exception):  # noqa: N818 (internal; always converted to RuleError)
    """A rule-file problem, with the key path of the value at fault."""

    def __init__(self, message: str, where: KeyPath = ()) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


@dataclass(frozen=True)
class PhrasesCondition:
    match: tuple[str, ...]
    patterns: tuple[tuple[dict[str, Any], ...], ...]
    polarity: frozenset[str]
    min: int
    max: int | None
    kind: Literal["phrases"] = "phrases"
    placeholders: frozenset[str] = frozenset({"count", "phrase"})


@dataclass(frozen=True)
class TechniqueIdsCondition:
    ids: tuple[str, ...]
    min: int
    min_confidence: float
    kind: Literal["technique_ids"] = "technique_ids"
    placeholders: frozenset[str] = frozenset({"count", "techniques"})


@dataclass(frozen=True)
class TechniqueTacticCondition:
    tactics: tuple[str, ...]
    exclude_ids: tuple[str, ...]
    min: int
    min_confidence: float
    kind: Literal["technique_tactic"] = "technique_tactic"
    placeholders: frozenset[str] = frozenset({"count", "techniques"})


@dataclass(frozen=True)
class CountCondition:
    of: str
    min: int
    max: int | None
    min_confidence: float
    kind: Literal["count"] = "count"
    placeholders: frozenset[str] = frozenset({"count", "items"})


@dataclass(frozen=True)
class CveCondition:
    min_cvss: float | None
    max_cvss: float | None
    min: int
    kind: Literal["cve"] = "cve"
    placeholders: frozenset[str] = frozenset({"count", "cve", "cvss"})


@dataclass(frozen=True)
class ActorCondition:
    names: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    default_list: bool
    polarity: frozenset[str]
    kind: Literal["actor"] = "actor"
    placeholders: frozenset[str] = frozenset({"count", "names"})


@dataclass(frozen=True)
class FiredCondition:
    groups: tuple[tuple[str, ...], ...]
    within_sentences: int | None = None
    kind: Literal["fired"] = "fired"
    placeholders: frozenset[str] = frozenset({"count", "rules"})


@dataclass(frozen=True)
class FallbackCondition:
    kind: Literal["fallback"] = "fallback"
    placeholders: frozenset[str] = frozenset()


Condition = (
    PhrasesCondition
    | TechniqueIdsCondition
    | TechniqueTacticCondition
    | CountCondition
    | CveCondition
    | ActorCondition
    | FiredCondition
    | FallbackCondition
)


@dataclass(frozen=True)
class Rule:
    """A validated rule; `spec` is the mapping it was built from."""

    id: str
    level: SeverityLevel
    score: int
    boost: int | None
    description: str
    when: tuple[Condition, ...]
    spec: Mapping[str, Any] = field(compare=False, repr=False)


_RULE_KEYS = ("id", "level", "score", "boost", "description", "when")


def parse_rule(spec: Any, where: KeyPath = ()) -> Rule:
    """Validate one rule mapping; raise `Invalid` naming the key at fault."""
    if not isinstance(spec, Mapping):
        raise Invalid(
            f"a rule must be a mapping with keys {', '.join(_RULE_KEYS)}; got {describe(spec)}", where
        )
    _no_unknown(spec, _RULE_KEYS, where, "rule")
    for key in ("id", "level", "score", "description", "when"):
        if key not in spec:
            raise Invalid(f"rule is missing {key!r}", where)
    rule_id = spec["id"]
    if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
        raise Invalid(
            f"'id' must be lowercase letters, digits and hyphens (at most 64); got {rule_id!r}",
            (*where, "id"),
        )
    level = spec["level"]
    if level not in SEVERITY_LEVELS:
        raise Invalid(
            f"rule {rule_id!r}: 'level' must be one of {', '.join(SEVERITY_LEVELS)}; got {level!r}",
            (*where, "level"),
        )
    lo, hi = BANDS[level]
    score = _int(spec["score"], (*where, "score"), rule_id, "score", 0, 100)
    if not lo <= score <= hi:
        raise Invalid(
            f"rule {rule_id!r}: 'score' {score} is outside the {level} band {lo}-{hi}", (*where, "score")
        )
    boost = (
        None if spec.get("boost") is None else _int(spec["boost"], (*where, "boost"), rule_id, "boost", 0, 50)
    )
    when = spec["when"]
    if not isinstance(when, Mapping) or not when:
        raise Invalid(
            f"rule {rule_id!r}: 'when' must be a non-empty mapping of conditions ({', '.join(_PARSERS)})",
            (*where, "when"),
        )
    conditions: list[Condition] = []
    for kind, value in when.items():
        parser: Any = _PARSERS.get(kind)
        if parser is None:
            raise Invalid(
                f"rule {rule_id!r}: unknown condition {kind!r}; expected one of {', '.join(_PARSERS)}",
                (*where, "when", kind),
            )
        conditions.append(parser(value, (*where, "when", kind), rule_id))
    kinds = [c.kind for c in conditions]
    if "fallback" in kinds and "fired" in kinds:
        raise Invalid(f"rule {rule_id!r}: 'fallback' and 'fired' cannot be combined", (*where, "when"))
    description = spec["description"]
    if not isinstance(description, str) or not description.strip():
        raise Invalid(
            f"rule {rule_id!r}: 'description' must be a non-empty sentence", (*where, "description")
        )
    offered = frozenset().union(*(c.placeholders for c in conditions))
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(description) if name is not None}
    except ValueError as exc:
        raise Invalid(
            f"rule {rule_id!r}: 'description' is not a valid template ({exc})", (*where, "description")
        ) from None
    bad = sorted(used - offered)
    if bad:
        raise Invalid(
            f"rule {rule_id!r}: 'description' uses {{{bad[0]}}}, which its conditions do not provide "
            f"(available: {', '.join('{' + p + '}' for p in sorted(offered)) or 'none'})",
            (*where, "description"),
        )
    return Rule(rule_id, level, score, boost, description.strip(), tuple(conditions), spec)


def _phrases(value: Any, where: KeyPath, rule_id: str) -> PhrasesCondition:
    if isinstance(value, list):
        value = {"match": value}
    spec = _mapping(value, where, rule_id, "phrases", ("match", "patterns", "polarity", "min", "max"))
    match = tuple(_strings(spec.get("match", []), (*where, "match"), rule_id, "phrases.match"))
    patterns = _token_patterns(spec.get("patterns", []), (*where, "patterns"), rule_id)
    if not match and not patterns:
        raise Invalid(f"rule {rule_id!r}: 'phrases' needs 'match' phrases or token 'patterns'", where)
    low = _int(spec.get("min", 1), (*where, "min"), rule_id, "phrases.min", 1, 1000)
    high = (
        None
        if spec.get("max") is None
        else _int(spec["max"], (*where, "max"), rule_id, "phrases.max", 1, 1000)
    )
    if high is not None and high < low:
        raise Invalid(
            f"rule {rule_id!r}: 'phrases.max' ({high}) is below 'phrases.min' ({low})", (*where, "max")
        )
    return PhrasesCondition(
        match, patterns, _polarity(spec.get("polarity", "affirmed"), (*where, "polarity"), rule_id), low, high
    )


def _technique_ids(value: Any, where: KeyPath, rule_id: str) -> TechniqueIdsCondition:
    if isinstance(value, list):
        value = {"ids": value}
    spec = _mapping(value, where, rule_id, "technique_ids", ("ids", "min", "min_confidence"))
    ids = _technique_list(spec.get("ids"), (*where, "ids"), rule_id, "technique_ids.ids", required=True)
    return TechniqueIdsCondition(
        ids,
        _int(spec.get("min", 1), (*where, "min"), rule_id, "technique_ids.min", 1, 1000),
        _fraction(spec.get("min_confidence", 0.0), (*where, "min_confidence"), rule_id),
    )


def _technique_tactic(value: Any, where: KeyPath, rule_id: str) -> TechniqueTacticCondition:
    if isinstance(value, str | list):
        value = {"tactics": value}
    spec = _mapping(
        value, where, rule_id, "technique_tactic", ("tactics", "exclude_ids", "min", "min_confidence")
    )
    tactics = spec.get("tactics")
    if isinstance(tactics, str):
        tactics = [tactics]
    names = _strings(tactics, (*where, "tactics"), rule_id, "technique_tactic.tactics")
    for i, name in enumerate(names):
        if not _TACTIC.fullmatch(name):
            raise Invalid(
                f"rule {rule_id!r}: tactic {name!r} is not an ATT&CK tactic shortname like 'impact' or "
                "'credential-access'",
                (*where, "tactics", i),
            )
    if not names:
        raise Invalid(f"rule {rule_id!r}: 'technique_tactic' needs at least one tactic", where)
    return TechniqueTacticCondition(
        tuple(names),
        _technique_list(spec.get("exclude_ids", []), (*where, "exclude_ids"), rule_id, "exclude_ids"),
        _int(spec.get("min", 1), (*where, "min"), rule_id, "technique_tactic.min", 1, 1000),
        _fraction(spec.get("min_confidence", 0.0), (*where, "min_confidence"), rule_id),
    )


def _count(value: Any, where: KeyPath, rule_id: str) -> CountCondition:
    spec = _mapping(value, where, rule_id, "count", ("of", "min", "max", "min_confidence"))
    of = spec.get("of")
    if of not in COUNTABLE:
        raise Invalid(
            f"rule {rule_id!r}: 'count.of' must be one of {', '.join(COUNTABLE)}; got {of!r}", (*where, "of")
        )
    low = _int(spec.get("min", 1), (*where, "min"), rule_id, "count.min", 0, 100000)
    high = (
        None
        if spec.get("max") is None
        else _int(spec["max"], (*where, "max"), rule_id, "count.max", 0, 100000)
    )
    if high is not None and high < low:
        raise Invalid(f"rule {rule_id!r}: 'count.max' ({high}) is below 'count.min' ({low})", (*where, "max"))
    return CountCondition(
        str(of), low, high, _fraction(spec.get("min_confidence", 0.0), (*where, "min_confidence"), rule_id)
    )


def _cve(value: Any, where: KeyPath, rule_id: str) -> CveCondition:
    if value is None or value is True:
        value = {}
    spec = _mapping(value, where, rule_id, "cve", ("min_cvss", "max_cvss", "min"))
    low = None if spec.get("min_cvss") is None else _cvss(spec["min_cvss"], (*where, "min_cvss"), rule_id)
    high = None if spec.get("max_cvss") is None else _cvss(spec["max_cvss"], (*where, "max_cvss"), rule_id)
    if low is not None and high is not None and high <= low:
        raise Invalid(
            f"rule {rule_id!r}: 'cve.max_cvss' ({high}) must be above 'cve.min_cvss' ({low})",
            (*where, "max_cvss"),
        )
    return CveCondition(low, high, _int(spec.get("min", 1), (*where, "min"), rule_id, "cve.min", 1, 1000))


def _actor(value: Any, where: KeyPath, rule_id: str) -> ActorCondition:
    if value is None or value is True:
        value = {}
    spec = _mapping(value, where, rule_id, "actor", ("names", "patterns", "default_list", "polarity"))
    names = _strings(spec.get("names", []), (*where, "names"), rule_id, "actor.names")
    patterns = _regexes(spec.get("patterns", []), (*where, "patterns"), rule_id)
    default_list = spec.get("default_list", True)
    if not isinstance(default_list, bool):
        raise Invalid(
            f"rule {rule_id!r}: 'actor.default_list' must be true or false", (*where, "default_list")
        )
    if not default_list and not names and not patterns:
        raise Invalid(
            f"rule {rule_id!r}: 'actor' with default_list: false needs 'names' or 'patterns'", where
        )
    polarity = _polarity(spec.get("polarity", ["affirmed", "hedged"]), (*where, "polarity"), rule_id)
    return ActorCondition(tuple(names), patterns, default_list, polarity)


def _fired(value: Any, where: KeyPath, rule_id: str) -> FiredCondition:
    spec = _mapping(value, where, rule_id, "fired", ("all", "within_sentences"))
    groups = spec.get("all")
    if not isinstance(groups, list) or not groups:
        raise Invalid(
            f"rule {rule_id!r}: 'fired.all' must be a list of groups of rule IDs, "
            "e.g. [[exploited-in-the-wild], [ransomware-impact, wiper-impact]]",
            (*where, "all"),
        )
    out = []
    for i, group in enumerate(groups):
        ids = _strings(group, (*where, "all", i), rule_id, "fired.all group")
        if not ids:
            raise Invalid(f"rule {rule_id!r}: group {i} of 'fired.all' names no rule", (*where, "all", i))
        if rule_id in ids:
            raise Invalid(f"rule {rule_id!r}: 'fired' cannot name the rule itself", (*where, "all", i))
        out.append(tuple(ids))
    within = spec.get("within_sentences")
    if within is not None:
        within = _int(within, (*where, "within_sentences"), rule_id, "fired.within_sentences", 0, 20)
    return FiredCondition(tuple(out), within)


def _fallback(value: Any, where: KeyPath, rule_id: str) -> FallbackCondition:
    if value is not True:
        raise Invalid(f"rule {rule_id!r}: 'fallback' takes the value true; got {value!r}", where)
    return FallbackCondition()


_PARSERS = {
    "phrases": _phrases,
    "technique_ids": _technique_ids,
    "technique_tactic": _technique_tactic,
    "count": _count,
    "cve": _cve,
    "actor": _actor,
    "fired": _fired,
    "fallback": _fallback,
}


def check_scoring(value: Any, where: KeyPath = ("scoring",)) -> dict[str, Any]:
    """Validate the `scoring` section: `escalation` (bands), `max_escalated_level`, `boost` per level."""
    spec = _mapping(value, where, None, "scoring", ("escalation", "max_escalated_level", "boost"))
    escalation = _int(spec.get("escalation", 1), (*where, "escalation"), None, "scoring.escalation", 0, 4)
    cap = spec.get("max_escalated_level", "CRITICAL")
    if cap not in SEVERITY_LEVELS:
        raise Invalid(
            f"'scoring.max_escalated_level' must be one of {', '.join(SEVERITY_LEVELS)}; got {cap!r}",
            (*where, "max_escalated_level"),
        )
    boost_spec = _mapping(spec.get("boost", {}), (*where, "boost"), None, "scoring.boost", SEVERITY_LEVELS)
    boost = {
        lv: _int(boost_spec.get(lv, 0), (*where, "boost", lv), None, f"boost.{lv}", 0, 50)
        for lv in SEVERITY_LEVELS
    }
    return {"escalation": escalation, "max_escalated_level": cap, "boost": boost}


_CONFIDENCE_KEYS = (
    "base",
    "per_reason",
    "max_from_reasons",
    "per_high_fidelity_ioc",
    "max_from_iocs",
    "techniques",
    "short_sentences",
    "max_short",
)


def check_confidence(value: Any, where: KeyPath = ("confidence",)) -> dict[str, int]:
    """Validate the `confidence` section (every value an integer from 0 to 100)."""
    spec = _mapping(value, where, None, "confidence", _CONFIDENCE_KEYS)
    return {k: _int(spec.get(k, 0), (*where, k), None, f"confidence.{k}", 0, 100) for k in _CONFIDENCE_KEYS}


_CUE_LISTS = (
    "negation_before",
    "negation_after",
    "negation_through",
    "hedge_before",
    "hedge_after",
    "hedge_sentence",
    "terminators",
)


def check_cues(value: Any, where: KeyPath = ("cues",)) -> dict[str, Any]:
    """Validate the `cues` section: the negation and hedge phrases and the scope `window` in tokens."""
    spec = _mapping(value, where, None, "cues", ("window", *_CUE_LISTS))
    out: dict[str, Any] = {
        "window": _int(spec.get("window", 8), (*where, "window"), None, "cues.window", 1, 50)
    }
    for key in _CUE_LISTS:
        out[key] = tuple(_strings(spec.get(key, []), (*where, key), None, f"cues.{key}"))
    return out


def _mapping(
    value: Any, where: KeyPath, rule_id: str | None, name: str, keys: Sequence[str]
) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Invalid(f"{_owner(rule_id)}{name!r} must be a mapping; got {describe(value)}", where)
    _no_unknown(value, keys, where, name, rule_id)
    return value


def _no_unknown(
    spec: Mapping[str, Any], keys: Sequence[str], where: KeyPath, name: str, rule_id: str | None = None
) -> None:
    for key in spec:
        if key not in keys:
            raise Invalid(
                f"{_owner(rule_id)}unknown key {key!r} in {name}; expected one of {', '.join(keys)}",
                (*where, key),
            )


def _int(value: Any, where: KeyPath, rule_id: str | None, name: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise Invalid(f"{_owner(rule_id)}{name!r} must be an integer from {lo} to {hi}; got {value!r}", where)
    return value


def _fraction(value: Any, where: KeyPath, rule_id: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise Invalid(
            f"rule {rule_id!r}: 'min_confidence' must be a number from 0 to 1; got {value!r}", where
        )
    return float(value)


def _cvss(value: Any, where: KeyPath, rule_id: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 10.0:
        raise Invalid(f"rule {rule_id!r}: a CVSS bound must be a number from 0 to 10; got {value!r}", where)
    return float(value)


def _strings(value: Any, where: KeyPath, rule_id: str | None, name: str) -> list[str]:
    if not isinstance(value, list):
        raise Invalid(f"{_owner(rule_id)}{name!r} must be a list of strings; got {describe(value)}", where)
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise Invalid(
                f"{_owner(rule_id)}{name!r} item {i} must be a non-empty string; got {item!r}", (*where, i)
            )
    return [item.strip() for item in value]


def _technique_list(
    value: Any, where: KeyPath, rule_id: str, name: str, *, required: bool = False
) -> tuple[str, ...]:
    ids = _strings(value if value is not None else [], where, rule_id, name)
    if required and not ids:
        raise Invalid(f"rule {rule_id!r}: {name!r} needs at least one technique ID like 'T1486'", where)
    for i, tid in enumerate(ids):
        if not _TECHNIQUE_ID.fullmatch(tid.upper()):
            raise Invalid(
                f"rule {rule_id!r}: {tid!r} is not an ATT&CK technique ID like 'T1486' or 'T1059.001'",
                (*where, i),
            )
    return tuple(t.upper() for t in ids)


def _polarity(value: Any, where: KeyPath, rule_id: str) -> frozenset[str]:
    values = [value] if isinstance(value, str) else value
    if value == "any":
        values = list(POLARITIES)
    if not isinstance(values, list) or not values or any(v not in POLARITIES for v in values):
        raise Invalid(
            f"rule {rule_id!r}: 'polarity' must be 'any' or one or more of {', '.join(POLARITIES)}; "
            f"got {value!r}",
            where,
        )
    return frozenset(values)


def _token_patterns(value: Any, where: KeyPath, rule_id: str) -> tuple[tuple[dict[str, Any], ...], ...]:
    if not isinstance(value, list):
        raise Invalid(f"rule {rule_id!r}: 'patterns' must be a list of spaCy token patterns", where)
    out: list[tuple[dict[str, Any], ...]] = []
    for i, pattern in enumerate(value):
        if not isinstance(pattern, list) or not pattern or not all(isinstance(t, Mapping) for t in pattern):
            raise Invalid(
                f"rule {rule_id!r}: pattern {i} must be a non-empty list of token mappings, "
                "e.g. [{NORM: zero}, {NORM: day}]",
                (*where, i),
            )
        problem = pattern_problem(pattern)
        if problem:
            raise Invalid(f"rule {rule_id!r}: pattern {i}: {problem}", (*where, i))
        out.append(tuple(dict(t) for t in pattern))
    return tuple(out)


def _regexes(value: Any, where: KeyPath, rule_id: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for i, text in enumerate(_strings(value, where, rule_id, "actor.patterns")):
        try:
            out.append(re.compile(text))
        except re.error as exc:
            raise Invalid(
                f"rule {rule_id!r}: pattern {text!r} is not a valid regular expression ({exc})", (*where, i)
            ) from None
    return tuple(out)


def _owner(rule_id: str | None) -> str:
    return f"rule {rule_id!r}: " if rule_id else ""
