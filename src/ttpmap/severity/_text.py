"""Matching over an article's tokens: phrases with negation and hedge scope, CVEs with CVSS, actors.

Everything here is built once per rule set (`Matchers`) and applied once per article (`TextView`).
Hyphens between letters or digits are read as spaces (same length, so offsets hold): ``in-the-wild``,
``in the wild`` and ``proof-of-concept`` match the same phrases.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ttpmap._results import Evidence
from ttpmap._sentences import split_sentences
from ttpmap._structure import REFERENCE_HEADING
from ttpmap.severity._patterns import TokenMatcher
from ttpmap.severity._tokenizer import Tokenizer

if TYPE_CHECKING:
    from ttpmap._document import WorkDoc

__all__ = ["CveMention", "Matchers", "PhraseTable", "Span", "TextView", "dehyphenate", "rule_text"]

_HYPHEN = re.compile(r"(?<=[0-9A-Za-z])[-\u2010\u2011\u2013](?=[0-9A-Za-z])")
_LONG_WORD = re.compile(r"\S{64}")
_NOT_NEWLINE = re.compile(r"[^\n]")
_URL = re.compile(r"\b(?:https?|hxxps?|ftp)(?::|\[:\])//[^\s<>\"'()]{1,2048}", re.I)
_CVE = re.compile(r"(?<![\w-])CVE[-\u2010\u2011\u2013](\d{4})[-\u2010\u2011\u2013](\d{4,7})(?!\d)", re.I)
_SCORE = r"(10(?:\.0)?|\d\.\d)"
_CVSS = (
    # CVSS 9.8 | CVSS v3.1 base score of 7.5 | CVSSv3 score: 8.8 | (CVSS score: 9.8)
    re.compile(
        r"\bCVSS(?:\s{0,2}v?[234](?:\.[01])?)?(?:\s{0,2}(?:base|severity))?(?:\s{0,2}(?:score|rating))?"
        r"\s{0,2}(?:of|is|at|:|=|-)?\s{0,2}\(?" + _SCORE + r"(?![\d/]|\.\d)",
        re.I,
    ),
    # base score of 7.5 | severity score: 9.1
    re.compile(
        r"\b(?:base|severity)\s{1,2}score\s{0,2}(?:of|is|:|=)?\s{0,2}" + _SCORE + r"(?![\d/]|\.\d)", re.I
    ),
    # 9.8 on the CVSS scale | (9.8 CVSS) | 9.8/10 CVSS
    re.compile(
        r"(?<![\d.v])" + _SCORE + r"(?:\s{0,2}/\s{0,2}10(?:\.0)?)?\s{0,2}(?:on\s{1,2}the\s{1,2})?CVSS\b", re.I
    ),
)
_BEFORE_CHARS = 400
_AFTER_CHARS = 150
_BAND_FLOOR = {"critical": 9.0, "high": 7.0, "important": 7.0, "medium": 4.0, "moderate": 4.0, "low": 0.1}
_BAND_WORD = r"(critical|high|important|medium|moderate|low)"
_BAND = (
    re.compile(r"\b" + _BAND_WORD + r"[- \u2010\u2011](?:severity|risk|rated)\b", re.I),
    re.compile(r"\b(?:rated|classified)\s{1,2}(?:\S{1,40}\s{1,2})?(?:as\s{1,2})?" + _BAND_WORD + r"\b", re.I),
    re.compile(
        r"\bseverity(?:\s{1,2}(?:rating|level))?(?:\s{1,2}of|\s{0,2}:)?\s{1,2}" + _BAND_WORD + r"\b", re.I
    ),
    re.compile(
        r"\b(critical)\s{1,2}(?:(?:remote\s{1,2}code\s{1,2}execution|RCE|security|zero-day|"
        r"authentication\s{1,2}bypass|privilege\s{1,2}escalation)\s{1,2})?"
        r"(?:vulnerability|vulnerabilities|flaw|flaws|bug|bugs)\b",
        re.I,
    ),
)


def rule_text(doc: WorkDoc) -> str:
    """The text the rules read, as long as ``doc.text``: the article's prose view
    (`Structure.prose`: tables, code, HTML, images and link targets blanked) with its
    headings kept, since a title tells much of a report's severity, and its reference sections
    blanked, since their entries are other articles' titles."""
    structure = doc.structure
    if structure is None:
        return doc.text
    prose = structure.prose
    headings = [b for b in structure.blocks if b.kind == "heading"]
    blank: list[tuple[int, int]] = []
    for i, h in enumerate(headings):
        if blank and h.start < blank[-1][1]:
            continue
        if REFERENCE_HEADING.fullmatch(doc.text[h.start : h.end].strip(" \t#*:.")):
            after = next((n for n in headings[i + 1 :] if n.level <= h.level), None)
            blank.append((h.end, after.start if after is not None else len(prose)))
    edits = [(h.start, h.end, False) for h in headings if not any(s <= h.start < e for s, e in blank)]
    edits += [(s, e, True) for s, e in blank]
    pieces: list[str] = []
    at = 0
    for start, end, blanked in sorted(edits):
        pieces.append(prose[at:start])
        pieces.append(_NOT_NEWLINE.sub(" ", prose[start:end]) if blanked else doc.text[start:end])
        at = end
    pieces.append(prose[at:])
    return "".join(pieces)


def dehyphenate(text: str) -> str:
    """`text` as the matchers read it, with the same length (so offsets hold).

    Hyphens between letters or digits become spaces; URLs become runs of underscores, so that
    words inside a link (``/cybercriminals-actively-exploiting-rdp/``) are not read as prose; and
    every run of 64 characters without a space ends in one, because the tokenizer's affix search
    takes time quadratic in the length of a single word.
    """
    text = _HYPHEN.sub(" ", _URL.sub(lambda m: "_" * len(m.group()), text))
    return _LONG_WORD.sub(lambda m: m.group()[:-1] + " ", text)


@dataclass(frozen=True, slots=True)
class Span:
    """A match: token offsets, character offsets into the article, its sentence and its polarity."""

    start: int
    end: int
    start_char: int
    end_char: int
    sentence: Evidence
    polarity: str
    text: str


@dataclass(frozen=True, slots=True)
class CveMention:
    """A CVE in the article, the sentences that name it and the CVSS rating the text quotes."""

    id: str
    sentences: tuple[Evidence, ...]
    cvss: float | None
    band: str | None

    @property
    def rating(self) -> float | None:
        if self.cvss is not None:
            return self.cvss
        return None if self.band is None else _BAND_FLOOR[self.band]

    def describe(self) -> str:
        if self.cvss is not None:
            return f"CVSS {self.cvss:.1f}"
        return f"rated {self.band}" if self.band else "no CVSS rating quoted"


_CUE_KINDS = (
    "negation_before",
    "negation_after",
    "hedge_before",
    "hedge_after",
    "hedge_sentence",
    "terminators",
)
_SCOPED = _CUE_KINDS[:-1]


class PhraseTable:
    """Phrases as token sequences (of NORMs or ORTHs), found at every place they occur."""

    def __init__(self) -> None:
        self._heads: dict[str, list[tuple[tuple[str, ...], str]]] = {}

    def add(self, key: str, phrases: Iterable[Sequence[str]]) -> None:
        for phrase in phrases:
            if phrase:
                entry = (tuple(phrase), key)
                heads = self._heads.setdefault(phrase[0], [])
                if entry not in heads:
                    heads.append(entry)

    def __call__(self, words: Sequence[str]) -> list[tuple[str, int, int]]:
        """``(key, start, end)`` of every occurrence of every phrase in `words`."""
        heads = self._heads
        out = []
        for i, w in enumerate(words):
            for phrase, key in heads.get(w, ()):
                n = len(phrase)
                if n == 1 or tuple(words[i : i + n]) == phrase:
                    out.append((key, i, i + n))
        return out


class Matchers:
    """The matchers for one rule set: phrase and token patterns, cues and actor names.

    Built from `phrase_keys` (key -> phrases, matched on NORM), `pattern_keys` (key -> token
    patterns), `name_keys` (key -> case-sensitive names, matched on ORTH) and `cues` (on NORM).
    """

    def __init__(
        self,
        phrase_keys: dict[str, Sequence[str]],
        pattern_keys: dict[str, Sequence[Sequence[dict[str, Any]]]],
        name_keys: dict[str, Sequence[str]],
        cues: dict[str, Any],
    ) -> None:
        self.tokenizer = Tokenizer()
        self.window: int = cues["window"]
        self._phrases = PhraseTable()
        self._names = PhraseTable()
        self._cues = PhraseTable()
        for key, phrases in phrase_keys.items():
            self._phrases.add(key, [self.tokenizer(dehyphenate(p)).norm for p in phrases])
        for key, names in name_keys.items():
            self._names.add(key, [self.tokenizer(dehyphenate(p)).orth for p in names])
        for kind in _CUE_KINDS:
            self._cues.add(kind, [self.tokenizer(dehyphenate(p)).norm for p in cues.get(kind, ())])
        self.negation_through: frozenset[str] = frozenset(
            w for p in cues.get("negation_through", ()) for w in self.tokenizer(dehyphenate(p)).norm
        )
        # Patterns reach here through `parse_rule`, which checked each already.
        self._patterns = TokenMatcher()
        for key, patterns in pattern_keys.items():
            if patterns:
                self._patterns.add(key, patterns)

    def view(self, doc: WorkDoc) -> TextView:
        """Tokenize and match the article once."""
        return TextView(self, doc)


class TextView:
    """One article as the rules see it: tokens, sentences, cue scopes, matches and CVEs."""

    def __init__(self, matchers: Matchers, doc: WorkDoc) -> None:
        text = doc.text
        self.text = text
        self.sentences = list(doc.sentences) or [Evidence(text[s:e], s, e) for s, e in split_sentences(text)]
        self._sent_starts = [s.start for s in self.sentences]
        self._window = matchers.window
        self._through = matchers.negation_through
        self.tokens = tokens = matchers.tokenizer(dehyphenate(rule_text(doc)))
        self._token_sentence = self._map_tokens()
        n = len(tokens)
        cues: dict[str, list[tuple[int, int]]] = {k: [] for k in _CUE_KINDS}
        for kind, s, e in matchers._cues(tokens.norm):
            cues[kind].append((s, e))
        marks = [0] * (n + 1)
        for s, _ in cues["terminators"]:
            marks[s + 1] = 1
        self._terminators = list(itertools.accumulate(marks))
        self._cues_by_sentence: dict[int, dict[str, list[tuple[int, int]]]] = {}
        for kind in _SCOPED:
            for s, e in cues[kind]:
                sent = self._token_sentence[s]
                self._cues_by_sentence.setdefault(sent, {}).setdefault(kind, []).append((s, e))
        self.matches: dict[str, list[Span]] = {}
        found: dict[str, set[tuple[int, int]]] = {}
        for key, s, e in [
            *matchers._phrases(tokens.norm),
            *(matchers._patterns(tokens) if len(matchers._patterns) else ()),
            *matchers._names(tokens.orth),
        ]:
            found.setdefault(key, set()).add((s, e))
        for name, spans in found.items():
            self.matches[name] = [self.span(s, e) for s, e in _longest(spans)]
        self._cves: list[CveMention] | None = None

    def _map_tokens(self) -> list[int]:
        """The index of each token's sentence in `sentences`, or -1 between sentences."""
        import numpy as np

        offsets = np.array(self.tokens.idx, dtype=np.int64)
        starts = np.array(self._sent_starts, dtype=np.int64)
        ends = np.array([s.end for s in self.sentences], dtype=np.int64)
        index = np.searchsorted(starts, offsets, side="right") - 1
        inside = (index >= 0) & (offsets < ends[np.clip(index, 0, None)]) if len(ends) else index < -1
        result: list[int] = np.where(inside, index, -1).tolist()
        return result

    def span(self, start: int, end: int) -> Span:
        """The `Span` of tokens `start:end`, with its sentence and polarity."""
        tokens = self.tokens
        start_char = tokens.idx[start]
        end_char = tokens.idx[end - 1] + len(tokens.orth[end - 1])
        # a match whose leading context token lies in the previous sentence ("shares. Ransomware
        # operators usually ...") belongs to the sentence its last token is in
        sent = self._token_sentence[end - 1]
        if sent < 0:
            sent = self._token_sentence[start]
        sentence = (
            self.sentences[sent]
            if sent >= 0
            else Evidence(self.text[start_char:end_char], start_char, end_char)
        )
        return Span(
            start,
            end,
            start_char,
            end_char,
            sentence,
            self._polarity(start, end, sent),
            self.text[start_char:end_char],
        )

    def char_spans(self, pattern: re.Pattern[str]) -> list[Span]:
        """Matches of a regular expression over the original text, as token spans."""
        out = []
        for m in pattern.finditer(self.text):
            bounds = self.tokens.char_span(m.start(), m.end())
            if bounds is not None and bounds[1] > bounds[0]:
                out.append(self.span(*bounds))
        return out

    def _polarity(self, start: int, end: int, sent: int) -> str:
        cues = self._cues_by_sentence.get(sent)
        if not cues:
            return "affirmed"
        if self._scoped(cues, "negation_before", "negation_after", start, end):
            return "negated"
        if "hedge_sentence" in cues or self._scoped(cues, "hedge_before", "hedge_after", start, end):
            return "hedged"
        return "affirmed"

    def _scoped(
        self, cues: dict[str, list[tuple[int, int]]], before: str, after: str, start: int, end: int
    ) -> bool:
        term = self._terminators
        for _, e in cues.get(before, ()):
            if (
                e <= start
                and start - e <= self._window
                and term[start] == term[e]
                and (before != "negation_before" or self._negation_reaches(e, start))
            ):
                return True
        for s, _ in cues.get(after, ()):
            if s >= end and s - end <= self._window and term[s] == term[end]:
                return True
        return False

    def _negation_reaches(self, cue_end: int, start: int) -> bool:
        """A negation scopes over a match only across the words of `negation_through` (if any are given):
        "no evidence of exploitation", not "did not take responsibility for the attack"."""
        through = self._through
        return not through or all(w in through or w.isdigit() for w in self.tokens.norm[cue_end:start])

    def sentence_index(self, offset: int) -> int:
        i = bisect.bisect_right(self._sent_starts, offset) - 1
        return i if i >= 0 and offset < self.sentences[i].end else -1

    def cves(self, extra: Iterable[str] = ()) -> list[CveMention]:
        """Every CVE the article names, with the CVSS score or band quoted next to it."""
        if self._cves is None:
            self._cves = self._find_cves(extra)
        return self._cves

    def _find_cves(self, extra: Iterable[str]) -> list[CveMention]:
        mentions: list[tuple[int, str]] = []
        sentences: dict[str, list[int]] = {}
        for m in _CVE.finditer(self.text):
            cve = f"CVE-{m.group(1)}-{m.group(2)}"
            mentions.append((m.start(), cve))
            sent = self.sentence_index(m.start())
            seen = sentences.setdefault(cve, [])
            if sent >= 0 and sent not in seen:
                seen.append(sent)
        for value in extra:
            full = _CVE.fullmatch(value.strip())
            if full:
                sentences.setdefault(f"CVE-{full.group(1)}-{full.group(2)}", [])
        scores: dict[str, float] = {}
        bands: dict[str, str] = {}
        only = next(iter(sentences)) if len(sentences) == 1 else None
        for pattern in _CVSS:
            for m in pattern.finditer(self.text):
                score = float(m.group(1))
                owner = only or _nearest(mentions, m.start())
                if owner is not None and score <= 10.0:
                    scores[owner] = max(score, scores.get(owner, 0.0))
        for pattern in _BAND:
            for m in pattern.finditer(self.text):
                band = m.group(1).lower()
                owner = only or _nearest(mentions, m.start())
                if owner is not None and _BAND_FLOOR[band] > _BAND_FLOOR.get(bands.get(owner, ""), -1.0):
                    bands[owner] = band
        return [
            CveMention(cve, tuple(self.sentences[i] for i in sents), scores.get(cve), bands.get(cve))
            for cve, sents in sentences.items()
        ]


def _nearest(mentions: Sequence[tuple[int, str]], offset: int) -> str | None:
    """The CVE a rating at `offset` belongs to: the closest one before it, else one just after it."""
    i = bisect.bisect_right(mentions, (offset, "\uffff"))
    if i > 0 and offset - mentions[i - 1][0] <= _BEFORE_CHARS:
        return mentions[i - 1][1]
    if i < len(mentions) and mentions[i][0] - offset <= _AFTER_CHARS:
        return mentions[i][1]
    return None


def _longest(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop spans inside longer ones; keep the rest in text order."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        if out and s < out[-1][1]:
            continue
        out.append((s, e))
    return out
