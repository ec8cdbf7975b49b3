"""Plain-word phrasings of techniques (``classify/data/phrases.tsv``), each with a measured precision.

A pattern is words separated by spaces: ``word*`` matches any word that starts with ``word``,
``a|b`` matches either word, ``~`` lets up to three other words stand between its neighbours and a
``-`` inside a word also matches a space or nothing ("supply-chain" finds "supply chain"). Matching is
case-insensitive, on whole words, never across a sentence end.

`PhraseTable.measure` counts, over labeled texts, how often a phrase occurs in a text labeled with its
technique (or that technique's parent or sub-technique); a phrase reports its technique only when
that precision, smoothed as ``(hits + 1) / (matches + 2)``, reaches `MIN_PRECISION`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ttpmap.classify._vectorizer import tokenize

__all__ = ["MIN_MATCHES", "MIN_PRECISION", "PhraseTable", "compile_pattern", "load_phrases", "related"]

#: Smoothed precision a phrase needs on the labeled texts to report its technique.
MIN_PRECISION = 0.6
#: Texts a phrase must match in the labeled data before its precision counts as measured.
MIN_MATCHES = 1

_SEP = r"[^\w.!?;\n]{1,4}"
_GAP = r"(?:" + _SEP + r"\w+){0,3}"  # words and separators share no character: one way to split
_WORD = re.compile(r"[\w.$'’-]+\*?")


def compile_pattern(pattern: str) -> tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...]]:
    """The regex of one lexicon pattern, literals of which every match contains at least one, and
    the literals one of which every match starts with (lower case)."""
    parts: list[str] = []
    literals: list[tuple[str, ...]] = []
    gap = False
    for token in pattern.lower().split():
        if token == "~":
            gap = True
            continue
        alts = []
        for alt in token.split("|"):
            star = alt.endswith("*")
            word = alt.rstrip("*")
            if not word or not _WORD.fullmatch(alt):
                raise ValueError(f"bad word {alt!r} in phrase pattern {pattern!r}")
            rx = r"[\s-]?".join(re.escape(w) for w in word.split("-"))
            alts.append(rx + (r"\w*" if star else ""))
        literals.append(tuple(alt.rstrip("*").split("-")[0] for alt in token.split("|")))
        body = "(?:" + "|".join(alts) + ")"
        if parts:
            parts.append(_GAP + _SEP if gap else _SEP)
        parts.append(body)
        gap = False
    if not parts:
        raise ValueError(f"empty phrase pattern {pattern!r}")
    regex = re.compile(r"(?<![\w-])" + "".join(parts) + r"(?![\w])", re.IGNORECASE)
    # The token whose shortest alternative is longest: the most selective cheap test.
    return regex, max(literals, key=lambda alts: min(len(a) for a in alts)), literals[0]


def load_phrases(text: str | None = None) -> list[tuple[str, str]]:
    """``(pattern, technique ID)`` pairs of a lexicon (default: the shipped ``phrases.tsv``)."""
    if text is None:
        text = resources.files("ttpmap.classify").joinpath("data/phrases.tsv").read_text(encoding="utf-8")
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        pattern, sep, tid = line.partition("\t")
        if not sep or not tid.strip():
            raise ValueError(f"phrases.tsv line {n}: expected 'pattern<TAB>technique ID'")
        out.append((pattern.strip(), tid.strip()))
    return out


@dataclass(frozen=True)
class PhraseTable:
    """Lexicon patterns with the class each one reports and its measured precision."""

    patterns: tuple[str, ...]
    classes: np.ndarray  # class index of each pattern
    matches: np.ndarray  # labeled texts the pattern matched
    hits: np.ndarray  # of those, texts labeled with its technique

    @classmethod
    def build(cls, phrases: Iterable[tuple[str, str]], classes: Sequence[str]) -> PhraseTable:
        """Keep the patterns whose technique (else its parent) is one of `classes`."""
        index = {str(c): j for j, c in enumerate(classes)}
        pats, cols = [], []
        for pattern, tid in phrases:
            j = index.get(tid, index.get(tid.partition(".")[0], -1))
            if j >= 0:
                compile_pattern(pattern)
                pats.append(pattern)
                cols.append(j)
        zeros = np.zeros(len(pats), dtype=np.int64)
        return cls(tuple(pats), np.array(cols, dtype=np.int64), zeros, zeros.copy())

    @property
    def precision(self) -> np.ndarray:
        """Smoothed precision of each pattern on the labeled texts it was measured on."""
        return (self.hits + 1.0) / (self.matches + 2.0)

    @property
    def active(self) -> np.ndarray:
        """Patterns measured on enough texts, precise enough to report their technique."""
        return (self.matches >= MIN_MATCHES) & (self.precision >= MIN_PRECISION)

    def measured(
        self, texts: Sequence[str], labels: Sequence[Iterable[str]], classes: Sequence[str]
    ) -> PhraseTable:
        """A copy with `matches` and `hits` counted over labeled `texts`."""
        related_ids = [related(str(classes[j])) for j in self.classes]
        matches = np.zeros(len(self.patterns), dtype=np.int64)
        hits = np.zeros(len(self.patterns), dtype=np.int64)
        for text, labs in zip(texts, labels, strict=True):
            found = self.find(text)
            if not found:
                continue
            own = set(labs)
            for k in {k for k, _, _ in found}:
                matches[k] += 1
                hits[k] += bool(own & related_ids[k])
        return PhraseTable(self.patterns, self.classes, matches, hits)

    def find(self, text: str, only: np.ndarray | None = None) -> list[tuple[int, int, int]]:
        """``(pattern index, start, end)`` of the first match of each pattern in `text`.

        A pattern is searched for only if each of its words can be found among the text's
        `tokenize` tokens (`_could_match`); the search itself is unchanged.
        """
        if text.isascii() or not any(c in text for c in _CASE_FOLDS):
            tokens = sorted(set(tokenize(text)))
            exact = frozenset(tokens)
            keep = [
                k for k in _indices(len(self.patterns), only) if _could_match(self.patterns[k], tokens, exact)
            ]
            return self._search(text, keep)
        return self._search(text, _indices(len(self.patterns), only))

    def _search(self, text: str, indices: Sequence[int]) -> list[tuple[int, int, int]]:
        if not indices:
            return []
        low = text.lower()
        same = len(low) == len(text)  # lower() keeps offsets (it may not, for a few non-ASCII letters)
        words: frozenset[str] = frozenset()
        out = []
        for k in indices:
            regex, anchors, firsts, whole = _compiled(self.patterns[k])
            if not words and any(whole):
                words = frozenset(_WORDS.findall(low)) or frozenset([""])
            if not any(a in words if w else a in low for a, w in zip(anchors, whole, strict=True)):
                continue
            m = _first_match(regex, text, low, firsts) if same else regex.search(text)
            if m is not None:
                out.append((int(k), m.start(), m.end()))
        return out


def related(tid: str) -> set[str]:
    """IDs whose label confirms a phrase for `tid`: itself, its parent, and (for a parent) any sub."""
    parent = tid.partition(".")[0]
    return {tid, parent} if "." in tid else {tid} | {f"{tid}.{n:03d}" for n in range(1, 40)}


def _first_match(regex: re.Pattern[str], text: str, low: str, firsts: Sequence[str]) -> re.Match[str] | None:
    """`regex.search(text)`, tried only where one of its possible first words starts: a search from
    every position is slow when the pattern opens with a look-behind."""
    starts: set[int] = set()
    for word in firsts:
        at = low.find(word)
        while at >= 0:
            starts.add(at)
            at = low.find(word, at + 1)
    for at in sorted(starts):
        m = regex.match(text, at)
        if m is not None:
            return m
    return None


_WORDS = re.compile(r"\w+")
_Compiled = tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...], tuple[bool, ...]]
_CACHE: dict[str, _Compiled] = {}


def _compiled(pattern: str) -> _Compiled:
    """`compile_pattern`'s parts, and for each anchor whether it is a whole word of the pattern (a
    match then holds it as a whole ``\\w+`` word, so a set of the text's words can test it)."""
    got = _CACHE.get(pattern)
    if got is None:
        regex, anchors, firsts = compile_pattern(pattern)
        tokens = [set(token.split("|")) for token in pattern.lower().split() if token != "~"]
        own = next(t for t in tokens if {a.rstrip("*").split("-")[0] for a in t} == set(anchors))
        whole = tuple(a in own and _WORDS.fullmatch(a) is not None for a in anchors)
        got = _CACHE[pattern] = (regex, anchors, firsts, whole)
    return got


# The only characters outside ASCII that a case-insensitive regex matches to an ASCII letter or
# digit, or whose `str.lower` holds one: a text with one of them is searched without `_could_match`.
_CASE_FOLDS = frozenset("\u0130\u0131\u017f\u212a")
_ALNUM = re.compile(r"[a-z0-9]*")
_Needs = tuple[tuple[tuple[str, bool], ...], ...]
_NEEDS: dict[str, _Needs] = {}


def _indices(n: int, only: np.ndarray | None) -> list[int]:
    return np.flatnonzero(only).tolist() if only is not None else list(range(n))


def _needs(pattern: str) -> _Needs:
    """For each word of `pattern` that constrains the text's tokens, its alternatives as
    ``(prefix, whole)``: a match holds a token that starts with `prefix` (is `prefix`, if `whole`).

    In a text without `_CASE_FOLDS`, a pattern word starts where a `tokenize` token starts (the
    regex has a non-word character or the text's start before it) and the ASCII letters and digits
    that open it are that token's first characters, lower-cased; a word that is only letters and
    digits (no ``*``, no ``-``) is followed by a non-word character or the end, so it is the token.
    A word with an alternative that opens with another character constrains nothing.
    """
    got = _NEEDS.get(pattern)
    if got is None:
        needs = []
        for token in pattern.lower().split():
            if token == "~":
                continue
            alts = []
            for alt in token.split("|"):
                head = _ALNUM.match(alt.rstrip("*").split("-")[0])
                prefix = head.group() if head is not None else ""
                if not prefix:
                    break
                alts.append((prefix, prefix == alt))
            else:
                needs.append(tuple(alts))
        got = _NEEDS[pattern] = tuple(needs)
    return got


def _could_match(pattern: str, tokens: Sequence[str], exact: frozenset[str]) -> bool:
    """Whether each word of `pattern` that `_needs` constrains has a token among `tokens` (sorted,
    distinct; `exact` holds the same as a set)."""
    for alts in _needs(pattern):
        for prefix, whole in alts:
            if prefix in exact:
                break
            if not whole:
                at = bisect_left(tokens, prefix)
                if at < len(tokens) and tokens[at].startswith(prefix):
                    break
        else:
            return False
    return True
