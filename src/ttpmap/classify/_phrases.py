"""Plain-word phrasings of techniques (``classify/data/phrases.tsv``), each with a measured precision.

A pattern is words separated by spaces: ``word*`` matches any word that starts with ``word``,
``a|b`` matches either word, ``~`` lets up to three other words stand between its neighbours, ``~~``
up to ten (a statement told in a longer clause: "an outsourcing firm's network ... its clients"), and a
``-`` inside a word also matches a space or nothing ("supply-chain" finds "supply chain"). Matching is
case-insensitive, on whole words, never across a sentence end.

`PhraseTable.measured` counts, over labeled texts, how often a phrase occurs in a text labeled with its
technique (or that technique's parent or sub-technique); a phrase reports its technique only when
that precision, smoothed as ``(hits + 1) / (matches + 2)``, reaches `MIN_PRECISION`. A pattern of the
curated lexicon (``phrases.tsv``) is *vouched* for: its curator's word counts as one more hit in one
more match, ``(hits + 2) / (matches + 3)``, so it reports its technique until labeled texts show it
imprecise (a first miss, with no hit, is enough), where a pattern learned from the data needs a hit first.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from itertools import chain

import numpy as np

from ttpmap.classify._vectorizer import SEPARATOR, _fold

__all__ = [
    "MIN_MATCHES",
    "MIN_PRECISION",
    "PhraseTable",
    "compile_pattern",
    "denies",
    "load_phrases",
    "related",
]

#: Smoothed precision a phrase needs on the labeled texts to report its technique.
MIN_PRECISION = 0.6
#: Texts a phrase must match in the labeled data before its precision counts as measured.
MIN_MATCHES = 1

_SEP = r"[^\w.!?;\n]{1,4}"
# Words and separators share no character: one way to split, so a gap backtracks over at most ten words.
_GAPS = {"~": r"(?:" + _SEP + r"\w+){0,3}", "~~": r"(?:" + _SEP + r"\w+){0,10}"}
_WORD = re.compile(r"[\w.$'’-]+\*?")


def compile_pattern(pattern: str) -> tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...]]:
    """The regex of one lexicon pattern, literals of which every match contains at least one, and
    the literals one of which every match starts with (lower case)."""
    parts: list[str] = []
    literals: list[tuple[str, ...]] = []
    gap = ""
    for token in pattern.lower().split():
        if token in _GAPS:
            gap = _GAPS[token]
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
            parts.append(gap + _SEP)
        parts.append(body)
        gap = ""
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
    vouched: np.ndarray  # bool: a curated pattern (phrases.tsv), trusted until the data says otherwise

    @classmethod
    def build(
        cls, phrases: Iterable[tuple[str, str]], classes: Sequence[str], *, vouched: Iterable[bool] = ()
    ) -> PhraseTable:
        """Keep the patterns whose technique (else its parent) is one of `classes`; `vouched` flags
        the curated ones, in order (missing flags are False)."""
        index = {str(c): j for j, c in enumerate(classes)}
        flags = iter(vouched)
        pats, cols, vouch = [], [], []
        for pattern, tid in phrases:
            v = next(flags, False)
            j = index.get(tid, index.get(tid.partition(".")[0], -1))
            if j >= 0:
                compile_pattern(pattern)
                pats.append(pattern)
                cols.append(j)
                vouch.append(v)
        zeros = np.zeros(len(pats), dtype=np.int64)
        return cls(
            tuple(pats), np.array(cols, dtype=np.int64), zeros, zeros.copy(), np.array(vouch, dtype=bool)
        )

    @property
    def precision(self) -> np.ndarray:
        """Smoothed precision of each pattern on the labeled texts it was measured on (a vouched
        pattern counts its curator's word as one hit in one match)."""
        v = self.vouched.astype(np.float64)
        return (self.hits + 1.0 + v) / (self.matches + 2.0 + v)

    @property
    def active(self) -> np.ndarray:
        """Patterns measured on enough texts (or vouched for), precise enough to report their technique."""
        enough: np.ndarray = (self.matches >= MIN_MATCHES) | self.vouched
        return enough & (self.precision >= MIN_PRECISION)

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
        return PhraseTable(self.patterns, self.classes, matches, hits, self.vouched)

    def find(self, text: str, only: np.ndarray | None = None) -> list[tuple[int, int, int]]:
        """``(pattern index, start, end)`` of the first match of each pattern in `text`.

        A pattern is searched for only if each of its words can be found among the text's
        `tokenize` tokens, and only where a token that can open it starts (`_needs`).
        """
        indices = _indices(len(self.patterns), only)
        if not text.isascii() and any(c in text for c in _CASE_FOLDS):
            return self._search(text, indices)
        tokens = _Tokens(text)
        candidates = [k for k in indices if tokens.have(_needs(self.patterns[k])[0])]
        return self._matches(text, candidates, tokens.starts)

    def _matches(
        self, text: str, candidates: Iterable[int], starts: Callable[[_Alts], list[int]]
    ) -> list[tuple[int, int, int]]:
        """`find` over the `candidates` (pattern indices, in order) whose words the text has;
        `starts` gives the offsets of the tokens that one of a word's alternatives can open."""
        low = ""
        words: frozenset[str] = frozenset()
        out = []
        patterns = self.patterns
        for k in candidates:
            regex, anchors, firsts, whole, first, plain = _prepared(patterns[k])
            if first:
                m = next(filter(None, map(partial(regex.match, text), starts(first))), None)
            else:
                low = low or text.lower()
                m = _first_match(regex, text, low, firsts)
            m = _affirmed(regex, text, m, patterns[k])
            if m is None:
                continue
            # A match holds one of the anchors (as a whole word, if `whole`): tested only for an
            # anchor outside ASCII letters and digits, where case folding may differ from lower().
            # The match's own text holding one is enough (`_holds`); else the whole text is read.
            if not plain and not _holds(m.group().lower(), anchors, whole):
                low = low or text.lower()
                if not words and any(whole):
                    words = frozenset(_WORDS.findall(low)) or frozenset([""])
                if not any(a in words if w else a in low for a, w in zip(anchors, whole, strict=True)):
                    continue
            out.append((int(k), m.start(), m.end()))
        return out

    def _search(self, text: str, indices: Sequence[int]) -> list[tuple[int, int, int]]:
        low = text.lower()
        same = len(low) == len(text)  # lower() keeps offsets (it may not, for a few non-ASCII letters)
        words = frozenset(_WORDS.findall(low))
        out = []
        for k in indices:
            regex, anchors, firsts, whole = _compiled(self.patterns[k])
            if not any(a in words if w else a in low for a, w in zip(anchors, whole, strict=True)):
                continue
            m = _first_match(regex, text, low, firsts) if same else regex.search(text)
            m = _affirmed(regex, text, m, self.patterns[k])
            if m is not None:
                out.append((int(k), m.start(), m.end()))
        return out


def related(tid: str) -> set[str]:
    """IDs whose label confirms a phrase for `tid`: itself, its parent, and (for a parent) any sub."""
    parent = tid.partition(".")[0]
    return {tid, parent} if "." in tid else {tid} | {f"{tid}.{n:03d}" for n in range(1, 40)}


def _holds(low: str, anchors: Sequence[str], whole: Sequence[bool]) -> bool:
    """Whether `low`, the lower case of a match, holds one of the `anchors` (as a ``\\w+`` word of
    it, if `whole`): then so does the lower case of the whole text, since a match starts and ends at
    word edges and `str.lower` maps each character on its own, but for a final sigma (an anchor
    with a sigma is not tested here)."""
    words: set[str] | None = None
    for a, w in zip(anchors, whole, strict=True):
        if "σ" in a or "ς" in a:
            return False
        if not w:
            if a in low:
                return True
            continue
        words = set(_WORDS.findall(low)) if words is None else words
        if a in words:
            return True
    return False


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


def _affirmed(
    regex: re.Pattern[str], text: str, m: re.Match[str] | None, pattern: str
) -> re.Match[str] | None:
    """`m`, or the next match of `regex`, that no negation holds: "did not encrypt any systems",
    "no files were encrypted", "before any ransomware was deployed" state that it did not happen."""
    while m is not None and _negated(text, m.start(), m.end(), _pattern_words(pattern)):
        m = regex.search(text, m.end())
    return m


def _negated(text: str, start: int, end: int, own: frozenset[str]) -> bool:
    """Whether a negation among the three words before `start` (in its sentence) or inside the
    match denies it; a word of the pattern itself (``no ransom note``) and "not only" do not."""
    lo = max(0, start - _NEGATION_REACH)
    if _NEGATION_HINT.search(text, lo, end) is None:
        return False
    head = text[lo:start]
    head = head[max(head.rfind(c) for c in _SENTENCE_ENDS) + 1 :]
    before = _NEGATION_WORDS.findall(head.lower().replace("’", "'"))[-3:]
    return denies(before, _NEGATION_WORDS.findall(text[start:end].lower().replace("’", "'")), own)


def denies(before: Sequence[str], inside: Sequence[str] = (), own: frozenset[str] = frozenset()) -> bool:
    """Whether a negation among the lower-case words `before` a phrase or `inside` it denies the
    phrase: "no", "not", "never" ..., a word ending in "n't" (or "didn" then "t", as `tokenize`
    splits it), or "before any" just before it; a word of the phrase itself (`own`: ``no ransom
    note``) and "not only" do not."""
    words = [*before, *inside]
    for i, word in enumerate(words):
        if word in own:
            continue
        negator = (
            word in _NEGATORS or word.endswith("n't") or (word == "t" and i and words[i - 1].endswith("n"))
        )
        if negator and not (word == "not" and words[i + 1 : i + 2] == ["only"]):
            return True
    return list(before[-2:]) == ["before", "any"]


@cache
def _pattern_words(pattern: str) -> frozenset[str]:
    words = pattern.lower().replace("’", "'").split()
    return frozenset(w.rstrip("*") for token in words for w in token.split("|"))


_NEGATORS = frozenset(["no", "not", "never", "without", "nor", "neither", "none", "nothing", "cannot"])
# Any of the words `_negated` looks for (a cheap first test: most matches have none near them).
_NEGATION_HINT = re.compile(
    r"\b(?:no|not|never|without|nor|neither|none|nothing|cannot|any)\b|n['’]t\b", re.I
)
_NEGATION_WORDS = re.compile(r"\w+(?:['’]\w+)?")
_NEGATION_REACH = 60
_SENTENCE_ENDS = ".!?;\n"
_WORDS = re.compile(r"\w+")
_Compiled = tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...], tuple[bool, ...]]
_CACHE: dict[str, _Compiled] = {}


def _compiled(pattern: str) -> _Compiled:
    """`compile_pattern`'s parts, and for each anchor whether it is a whole word of the pattern (a
    match then holds it as a whole ``\\w+`` word, so a set of the text's words can test it)."""
    got = _CACHE.get(pattern)
    if got is None:
        regex, anchors, firsts = compile_pattern(pattern)
        tokens = [set(token.split("|")) for token in pattern.lower().split() if token not in _GAPS]
        own = next(t for t in tokens if {a.rstrip("*").split("-")[0] for a in t} == set(anchors))
        whole = tuple(a in own and _WORDS.fullmatch(a) is not None for a in anchors)
        got = _CACHE[pattern] = (regex, anchors, firsts, whole)
    return got


# The only characters outside ASCII that a case-insensitive regex matches to an ASCII letter or
# digit, or whose `str.lower` holds one: a text with one of them is searched without `_Tokens`.
_CASE_FOLDS = frozenset("\u0130\u0131\u017f\u212a")
_ALNUM = re.compile(r"[a-z0-9]+")
_Alts = tuple[tuple[str, bool], ...]
_NEEDS: dict[str, tuple[tuple[_Alts, ...], _Alts]] = {}
_Prepared = tuple[re.Pattern[str], tuple[str, ...], tuple[str, ...], tuple[bool, ...], _Alts, bool]
_PREPARED: dict[str, _Prepared] = {}


def _prepared(pattern: str) -> _Prepared:
    """`_compiled`'s parts, the alternatives of the pattern's first word (`_needs`), and whether
    every anchor is ASCII letters and digits only."""
    got = _PREPARED.get(pattern)
    if got is None:
        regex, anchors, firsts, whole = _compiled(pattern)
        plain = all(_ALNUM.fullmatch(a) is not None for a in anchors)
        got = _PREPARED[pattern] = (regex, anchors, firsts, whole, _needs(pattern)[1], plain)
    return got


def _indices(n: int, only: np.ndarray | None) -> list[int]:
    return np.flatnonzero(only).tolist() if only is not None else list(range(n))


def _needs(pattern: str) -> tuple[tuple[_Alts, ...], _Alts]:
    """For each word of `pattern` that constrains the text's tokens, its alternatives as
    ``(prefix, whole)``: a match holds a token that starts with `prefix` (is `prefix`, if `whole`);
    and the alternatives of its first word, the token a match starts with (empty if unconstrained).

    In a text without `_CASE_FOLDS`, a pattern word starts where a `tokenize` token starts (the
    regex has a non-word character or the text's start before it) and the ASCII letters and digits
    that open it are that token's first characters, lower-cased; a word that is only letters and
    digits (no ``*``, no ``-``) is followed by a non-word character or the end, so it is the token;
    a hyphenated one opens one of its joins (`_opening_tokens`). A word with an alternative that opens with another character constrains nothing.
    """
    got = _NEEDS.get(pattern)
    if got is None:
        needs: list[_Alts] = []
        first: _Alts = ()
        for n, token in enumerate(t for t in pattern.lower().split() if t not in _GAPS):
            alts: list[tuple[str, bool]] = []
            for alt in token.split("|"):
                opens = _opening_tokens(alt)
                if not opens:
                    break
                alts.extend(opens)
            else:
                needs.append(tuple(dict.fromkeys(alts)))
                first = needs[-1] if n == 0 else first
        got = _NEEDS[pattern] = (tuple(needs), first)
    return got


def _opening_tokens(alt: str) -> list[tuple[str, bool]]:
    """The tokens that can open a match of one alternative of a pattern word, as ``(prefix, whole)``
    (none known: empty). A hyphenated word of letters and digits is one of its joins: "e-mail" opens
    "e" (a space or hyphen follows) or "email"; "drive-by*" opens "drive" or a token from "driveby"."""
    word = alt.rstrip("*")
    parts = word.split("-")
    if len(parts) > 1 and all(map(_ALNUM.fullmatch, parts)):
        return [("".join(parts[: i + 1]), i + 1 < len(parts) or word == alt) for i in range(len(parts))]
    head = _ALNUM.match(parts[0])
    prefix = head.group() if head is not None else ""
    return [(prefix, prefix == alt)] if prefix else []


class _Tokens:
    """A text's `tokenize` tokens (its letters and digits, lower-cased, with their offsets): which
    occur, and where the ones that can open a pattern start."""

    def __init__(self, text: str) -> None:
        # `_fold` keeps the length of a text without U+0130 (which has one of `_CASE_FOLDS`).
        self.folded = _fold(text.replace(SEPARATOR, " ") if SEPARATOR in text else text)
        self.seq = self.folded.split()
        self.exact = set(self.seq)
        self._sorted: list[str] | None = None
        self._codes: np.ndarray | None = None
        self._offsets = np.zeros(0, dtype=np.int64)
        self._starts: dict[_Alts, list[int]] = {}

    @property
    def sorted(self) -> list[str]:
        """The distinct tokens, sorted (made when first needed)."""
        if self._sorted is None:
            self._sorted = sorted(self.exact)
        return self._sorted

    def have(self, needs: Sequence[_Alts]) -> bool:
        """Whether each `needs` word has a token."""
        exact = self.exact
        for alts in needs:
            for prefix, whole in alts:
                if prefix in exact:
                    break
                if not whole:
                    tokens = self.sorted
                    at = bisect_left(tokens, prefix)
                    if at < len(tokens) and tokens[at].startswith(prefix):
                        break
            else:
                return False
        return True

    def starts(self, alts: _Alts) -> list[int]:
        """Offsets, in order, of the tokens that one of `alts` can open."""
        got = self._starts.get(alts)
        if got is not None:
            return got
        tokens = self.sorted
        if self._codes is None:
            word = np.frombuffer(self.folded.encode("ascii"), dtype=np.uint8) > 32
            self._offsets = np.flatnonzero(word & ~np.concatenate(([False], word[:-1])))
            code = {t: i for i, t in enumerate(tokens)}
            self._codes = np.fromiter(map(code.__getitem__, self.seq), dtype=np.int64, count=len(self.seq))
        mask = np.zeros(len(tokens), dtype=bool)
        for prefix, whole in alts:
            lo = bisect_left(tokens, prefix)
            if not whole:  # tokens hold only a-z and 0-9, which sort before "{"
                mask[lo : bisect_left(tokens, prefix + "{", lo)] = True
            elif lo < len(tokens) and tokens[lo] == prefix:
                mask[lo] = True
        offsets: list[int] = self._offsets[mask[self._codes]].tolist()
        self._starts[alts] = offsets
        return offsets


class TokenView:
    """One text's `tokenize` tokens as token IDs of a vocabulary sorted as strings (-1 for a token
    outside it), with each token's offset: the tokens the scorer already has, for `VocabFilter`."""

    __slots__ = ("ids", "offsets", "oov", "oov_at")

    def __init__(self, ids: np.ndarray, offsets: np.ndarray, oov_at: np.ndarray, oov: list[str]) -> None:
        self.ids = ids
        self.offsets = offsets
        self.oov_at = oov_at  # positions in `ids` of the tokens outside the vocabulary
        self.oov = oov  # those tokens

    @classmethod
    def of(
        cls, folded: str, spans: Sequence[tuple[int, int]], ids: np.ndarray, flat: Sequence[str]
    ) -> TokenView | None:
        """The view of a text folded by `_fold`, from the tokens of its sentences `spans` (`flat`,
        each sentence's followed by `SEPARATOR`, and their `ids`, -2 for the separator); None
        unless those are the text's tokens: no token crosses a sentence edge or lies outside."""
        word = np.frombuffer(folded.encode("ascii"), dtype=np.uint8) > 32
        edges = np.fromiter(chain.from_iterable(spans), dtype=np.int64, count=2 * len(spans))
        if len(edges) and (np.any(edges[1:] < edges[:-1]) or edges[-1] > len(word)):
            return None
        inner = edges[(edges > 0) & (edges < len(word))]
        if np.any(word[inner - 1] & word[inner]):
            return None
        opens = np.empty(len(word), dtype=bool)
        opens[:1] = word[:1]
        np.greater(word[1:], word[:-1], out=opens[1:])  # a word character after a space
        offsets = np.flatnonzero(opens)
        kept = np.flatnonzero(ids != -2)
        if len(kept) != len(offsets):
            return None
        seq = ids[kept]
        oov_at = np.flatnonzero(seq == -1)
        return cls(seq, offsets, oov_at, [flat[q] for q in kept[oov_at].tolist()])


class VocabFilter:
    """`PhraseTable.find` for the patterns `only`, with its word tests run on a `TokenView` in NumPy.

    A pattern word's alternative ``(prefix, whole)`` holds when a token is `prefix` (if `whole`) or
    starts with it: the tokens of an ID range of the sorted vocabulary `words`, or the text's tokens
    outside it in the range of sorted strings from `prefix` to `prefix` + "{" (tokens hold only a-z
    and 0-9, which sort before "{"), or equal to `prefix`.
    """

    def __init__(self, table: PhraseTable, only: np.ndarray | None, words: Sequence[str]) -> None:
        self.table = table
        self.indices = _indices(len(table.patterns), only)
        self.atoms: dict[tuple[str, bool], int] = {}
        alt_atoms: list[int] = []
        word_starts: list[int] = []
        pattern_starts: list[int] = []
        self.constrained: list[int] = []  # positions in `indices` of the patterns with a needed word
        for i, k in enumerate(self.indices):
            needs = _needs(table.patterns[k])[0]
            if not needs:
                continue
            self.constrained.append(i)
            pattern_starts.append(len(word_starts))
            for alts in needs:
                word_starts.append(len(alt_atoms))
                alt_atoms.extend(self.atoms.setdefault(alt, len(self.atoms)) for alt in alts)
        self.alts = list(self.atoms)
        lo = [bisect_left(words, prefix) for prefix, _ in self.alts]
        hi = [
            a + (a < len(words) and words[a] == prefix) if whole else bisect_left(words, prefix + "{", a)
            for a, (prefix, whole) in zip(lo, self.atoms, strict=True)
        ]
        self.lo, self.hi = np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64)
        self.ranges = {alt: (a, int(self.lo[a]), int(self.hi[a])) for alt, a in self.atoms.items()}
        # Atoms that a token outside the vocabulary can hold: prefixes, and words not in it.
        self.outside = [a for a, (_, whole) in enumerate(self.alts) if not whole or hi[a] == lo[a]]
        # Their bounds in sorted strings: from `prefix` up to `prefix` itself (a whole word) or to
        # `prefix` + "{" (a prefix), both included (no token holds "{").
        self.outside_atoms = np.array(self.outside, dtype=np.int64)
        self.outside_lo = np.array([self.alts[a][0] for a in self.outside], dtype=str)
        self.outside_hi = np.array(
            [p if whole else p + "{" for p, whole in (self.alts[a] for a in self.outside)], dtype=str
        )
        # IDs that a pattern's first word can open, and which: tokens are tested only there
        opens = np.zeros(len(words) + 1, dtype=bool)
        for k in self.indices:
            for alt in _needs(table.patterns[k])[1]:
                a = self.atoms[alt]
                opens[self.lo[a] : self.hi[a]] = True
        self.opens = opens  # the last cell, for ID -1, stays False
        self.alt_atoms = np.array(alt_atoms, dtype=np.int64)
        self.word_starts = np.array(word_starts, dtype=np.int64)
        self.pattern_starts = np.array(pattern_starts, dtype=np.int64)

    @staticmethod
    def usable(words: Sequence[str]) -> bool:
        """Whether `words` is a vocabulary of `tokenize` tokens sorted as strings."""
        return (
            all(words)
            and bool(_ALNUM.fullmatch("".join(words) or "a"))
            and all(map(str.__lt__, words, words[1:]))
        )

    def find(self, text: str, view: TokenView) -> list[tuple[int, int, int]]:
        """``table.find(text, only)``, for the text whose tokens `view` holds."""
        if not text.isascii() and any(c in text for c in _CASE_FOLDS):
            return self.table._search(text, self.indices)
        ids = view.ids
        present = np.sort(ids)
        ok = np.searchsorted(present, self.hi) > np.searchsorted(present, self.lo)
        oov = sorted(set(view.oov))
        held: dict[int, tuple[int, int]] = {}  # atom -> the range of `oov` that holds it
        if oov and self.outside:  # whole words outside the vocabulary, and prefixes
            sorted_oov = np.array(oov, dtype=str)
            lo = np.searchsorted(sorted_oov, self.outside_lo)
            hi = np.searchsorted(sorted_oov, self.outside_hi, side="right")
            some = np.flatnonzero(hi > lo)
            ok[self.outside_atoms[some]] = True
            spans = zip(lo[some].tolist(), hi[some].tolist(), strict=True)
            held = dict(zip(self.outside_atoms[some].tolist(), spans, strict=True))
        keep = np.ones(len(self.indices), dtype=bool)
        if len(self.pattern_starts):
            has = np.logical_or.reduceat(ok[self.alt_atoms], self.word_starts)
            keep[self.constrained] = np.logical_and.reduceat(has, self.pattern_starts)
        candidates = [self.indices[i] for i in np.flatnonzero(keep).tolist()]
        if not candidates:
            return []
        return self.table._matches(text, candidates, _Openers(self, view, oov, held).starts)


class _Openers:
    """Where the tokens of one text that can open a pattern start: the offsets of the tokens in the
    vocabulary (IDs in `VocabFilter.opens`) sorted by ID, then by offset, so that an ID range is a
    slice; tokens outside it by word."""

    __slots__ = ("_cache", "_filter", "_held", "_ids", "_offsets", "_oov", "_oov_offsets", "_view")

    def __init__(
        self, vocab: VocabFilter, view: TokenView, oov: list[str], held: dict[int, tuple[int, int]]
    ) -> None:
        at = np.flatnonzero(vocab.opens[view.ids])
        at_ids = view.ids[at]
        order = np.argsort(at_ids, kind="stable")
        self._filter = vocab
        self._view = view
        self._ids: list[int] = at_ids[order].tolist()
        self._offsets: list[int] = view.offsets[at[order]].tolist()
        self._oov = oov  # the distinct tokens outside the vocabulary, sorted
        self._held = held  # atom -> the range of `oov` whose tokens hold it (atoms held by none: absent)
        self._oov_offsets: list[int] | None = None
        self._cache: dict[_Alts, list[int]] = {}

    def starts(self, alts: _Alts) -> list[int]:
        """Offsets, in order, of the tokens that one of `alts` can open."""
        got = self._cache.get(alts)
        if got is not None:
            return got
        ids, offsets = self._ids, self._offsets
        ranges = self._filter.ranges
        found: list[int] = []
        pieces = 0
        for alt in alts:
            _, lo, hi = ranges[alt]
            a = bisect_left(ids, lo)
            b = bisect_left(ids, hi, a)
            if b > a:
                found.extend(offsets[a:b])
                pieces += 1 if ids[a] == ids[b - 1] else 2
        if self._held:
            spans = [span for alt in alts if (span := self._held.get(ranges[alt][0])) is not None]
            if spans:
                wanted = {word for lo, hi in spans for word in self._oov[lo:hi]}
                found.extend(
                    at for word, at in zip(self._view.oov, self._oov_at(), strict=True) if word in wanted
                )
                pieces += 2
        if pieces > 1:
            found = sorted(set(found))
        self._cache[alts] = found
        return found

    def _oov_at(self) -> list[int]:
        """The offset of each token outside the vocabulary (made when first needed)."""
        if self._oov_offsets is None:
            view = self._view
            self._oov_offsets = view.offsets[view.oov_at].tolist()
        return self._oov_offsets
