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
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain, pairwise, repeat

import numpy as np

from ttpmap.classify._vectorizer import SEPARATOR, _fold

__all__ = [
    "DENIAL_TOKENS",
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

# A "." that a word character follows is inside a token ("cfo@fabrikam.com", "sa.tmp", "v2.1"),
# not a sentence end: a gap passes over it.
_SEP = r"(?:[^\w.!?;\n]|\.(?=\w)){1,4}"
# Words and separators share no character: one way to split, so a gap backtracks over at most ten
# words, and only over how many: within one, a word or a separator given back could not be followed
# by what follows it (a separator by a word character, a word by a separator), so both are
# possessive, which spares the regex engine the tries that fail (the same matches, found faster).
_GAPS = {"~": r"(?:" + _SEP + r"+\w++){0,3}", "~~": r"(?:" + _SEP + r"+\w++){0,10}"}
_OPENS_WORD = re.compile(r"\w")
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
            alts.append(rx + (r"\w*+" if star else ""))  # a separator or the end follows a word
        literals.append(tuple(alt.rstrip("*").split("-")[0] for alt in token.split("|")))
        body = "(?:" + "|".join(alts) + ")"
        if parts:
            # possessive before a word that opens with a word character (not "$", "'", "-" ...)
            opens_word = all(_OPENS_WORD.match(alt) for alt in token.split("|"))
            parts.append(gap + _SEP + ("+" if opens_word else ""))
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
        patterns = self.patterns
        return self._matches(text, candidates, lambda k: tokens.starts(_needs(patterns[k])[1]))

    def _matches(
        self,
        text: str,
        candidates: Iterable[int],
        starts: Callable[[int], list[int]],
        denials: Sequence[int] | None = None,
    ) -> list[tuple[int, int, int]]:
        """`find` over the `candidates` (pattern indices, in order) whose words the text has;
        `starts` gives, for a pattern whose first word constrains the tokens, the offsets (in order)
        of the tokens where a match of it may start; `denials`, if given, the offsets (in order) of
        the text's `DENIAL_TOKENS` tokens (`_negated`)."""
        low = ""
        words: frozenset[str] = frozenset()
        out = []
        patterns = self.patterns
        prepared = _prepared_list(patterns)
        for k in candidates:
            got = prepared[k]
            if got is None:
                got = prepared[k] = _prepared(patterns[k])
            regex, anchors, firsts, whole, first, plain, heads = got
            at = starts(k) if first else None
            if at is not None:
                m = _match_at(regex, text, at)
            elif heads:  # found in the text itself: no lower-case copy of it
                m = _first_match(regex, text, text, heads)
            else:
                low = low or text.lower()
                m = _first_match(regex, text, low, firsts)
            if m is None or (m := _affirmed(regex, text, m, patterns[k], denials, at)) is None:
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


def _match_at(regex: re.Pattern[str], text: str, starts: Sequence[int]) -> re.Match[str] | None:
    """The first match of `regex` that starts at one of the offsets `starts` (in order)."""
    return next(filter(None, map(regex.match, repeat(text), starts)), None)


def _affirmed(
    regex: re.Pattern[str],
    text: str,
    m: re.Match[str] | None,
    pattern: str,
    denials: Sequence[int] | None = None,
    starts: Sequence[int] | None = None,
) -> re.Match[str] | None:
    """`m`, or the next match of `regex`, that no negation holds: "did not encrypt any systems",
    "no files were encrypted", "before any ransomware was deployed" state that it did not happen.
    `starts`, if given, are the offsets (in order) where a match can start: the next one is tried
    only there, not searched for from every offset (slow for a regex that opens with a look-behind)."""
    while m is not None and _negated(text, m.start(), m.end(), _pattern_words(pattern), denials):
        if starts is None:
            m = regex.search(text, m.end())
        else:
            m = _match_at(regex, text, starts[bisect_left(starts, m.end()) :])
    return m


def _negated(
    text: str, start: int, end: int, own: frozenset[str], denials: Sequence[int] | None = None
) -> bool:
    """Whether a negation among the three words before `start` (in its sentence) or inside the
    match denies it; a word of the pattern itself (``no ransom note``) and "not only" do not.

    `denials`, if given, are the offsets (in order) of the `DENIAL_TOKENS` tokens of `text` (which
    holds none of `_CASE_FOLDS`): each match of `_NEGATION_HINT` holds such a token ("no" as a whole
    word is one, "n't" ends with "t"), so without one in the window there is none."""
    lo = max(0, start - _NEGATION_REACH)
    if denials is not None:
        at = bisect_left(denials, lo)
        if at == len(denials) or denials[at] >= end:
            return False
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
#: Tokens (letters and digits only) of which `denies` needs one to deny: a quick first test.
DENIAL_TOKENS = _NEGATORS | {"t", "any"}
# Any of the words `_negated` looks for (a cheap first test: most matches have none near them).
# (no, not, none, nor, nothing, never, neither, without, cannot, any; factored, with a look-ahead
# for their first letters: each position of the text not opening one of them fails at once.)
_NEGATION_HINT = re.compile(
    r"\b(?=[nwca])(?:n(?:o(?:t|ne|r|thing)?|e(?:ver|ither))|without|cannot|any)\b|n['’]t\b", re.I
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
_LEADING = re.compile(r"[^a-z0-9]+")
_Alts = tuple[tuple[str, bool], ...]
#: Characters of a pattern word that only match themselves and end a `tokenize` token.
_PIECE_ENDS = frozenset("._$'’")
_PIECES = re.compile("[" + re.escape("".join(sorted(_PIECE_ENDS))) + "]")
_NEEDS: dict[str, tuple[tuple[_Alts, ...], _Alts]] = {}
_Prepared = tuple[
    re.Pattern[str], tuple[str, ...], tuple[str, ...], tuple[bool, ...], _Alts, bool, tuple[str, ...]
]
_PREPARED: dict[str, _Prepared] = {}


def _prepared(pattern: str) -> _Prepared:
    """`_compiled`'s parts, the alternatives of the pattern's first word (`_needs`), whether
    every anchor is ASCII letters and digits only, and the first characters of its possible first
    words if each is one of `_PIECE_ENDS`, which only match themselves (else empty): a match starts
    where one of those stands in the text ("$file_name"), found without lower-casing the text."""
    got = _PREPARED.get(pattern)
    if got is None:
        regex, anchors, firsts, whole = _compiled(pattern)
        plain = all(_ALNUM.fullmatch(a) is not None for a in anchors)
        heads = tuple(sorted({w[:1] for w in firsts}))
        heads = heads if set(heads) <= _PIECE_ENDS else ()
        got = _PREPARED[pattern] = (regex, anchors, firsts, whole, _needs(pattern)[1], plain, heads)
    return got


_PREPARED_LISTS: dict[int, tuple[tuple[str, ...], list[_Prepared | None]]] = {}


def _prepared_list(patterns: tuple[str, ...]) -> list[_Prepared | None]:
    """A list of the `_prepared` parts of `patterns` (None until first needed), one per table's
    tuple of patterns (kept while it is among the last few): no lookup by string per pattern."""
    got = _PREPARED_LISTS.get(id(patterns))
    if got is None or got[0] is not patterns:
        if len(_PREPARED_LISTS) >= 8:
            _PREPARED_LISTS.clear()
        got = _PREPARED_LISTS[id(patterns)] = (patterns, [None] * len(patterns))
    return got[1]


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
    a hyphenated one opens one of its joins (`_opening_tokens`). An alternative that opens with
    other characters holds the token that its first letters and digits open (`_inner_tokens`), but
    a match of it starts before that token: its word constrains the tokens, not where matches start.
    A word with an alternative that holds no letter or digit constrains nothing.
    """
    got = _NEEDS.get(pattern)
    if got is None:
        needs: list[_Alts] = []
        inner: list[_Alts] = []  # words with a longer token inside (`_piece_tokens`), after the rest
        first: _Alts = ()
        for n, token in enumerate(t for t in pattern.lower().split() if t not in _GAPS):
            alts: list[tuple[str, bool]] = []
            pieces: list[tuple[str, bool]] = []
            at_start = True  # every alternative opens where a token starts
            for alt in token.split("|"):
                opens = _opening_tokens(alt)
                if not opens:
                    opens, at_start = _inner_tokens(alt), False
                if not opens:
                    break
                alts.extend(opens)
                pieces.extend(_piece_tokens(alt) or opens)
            else:
                needs.append(tuple(dict.fromkeys(alts)))
                first = needs[-1] if n == 0 and at_start else first
                if pieces != alts:
                    inner.append(tuple(dict.fromkeys(pieces)))
        got = _NEEDS[pattern] = (tuple(needs + inner), first)
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
    # a character of `_PIECE_ENDS` after it ends the token ("at.exe" opens the token "at")
    return [(prefix, prefix == alt or word[len(prefix) : len(prefix) + 1] in _PIECE_ENDS)] if prefix else []


def _piece_tokens(alt: str) -> list[tuple[str, bool]]:
    """The longest token that a match of `alt` holds, if `alt` is letters and digits in pieces
    joined by characters of `_PIECE_ENDS` ("com.apple.quarantine" holds "quarantine", "$web" "web"),
    as ``(prefix, whole)``; empty for any other `alt`. Each of those characters, matched only by
    itself, becomes a space in `tokenize`, as does what follows the word in a match (a non-word
    character): each piece is a token (the last only starts one, if `alt` ends with ``*``)."""
    word = alt.rstrip("*")
    parts = word.split("-")
    if len(parts) > 1 and all(map(_ALNUM.fullmatch, parts)) and len(parts[-1]) > len(parts[0]):
        # "e-mail*" holds a token that "mail" or "email" opens: the joins that end with the last part
        return [("".join(parts[n:]), word == alt) for n in range(len(parts) - 1, -1, -1)]
    parts = _PIECES.split(word)
    if len(parts) < 2 or not all(_ALNUM.fullmatch(p) for p in parts if p):
        return []
    held = [(p, n + 1 < len(parts) or word == alt) for n, p in enumerate(parts) if p]
    return [max(held, key=lambda t: len(t[0]))] if held else []


def _inner_tokens(alt: str) -> list[tuple[str, bool]]:
    """`_opening_tokens` of what follows the characters other than ASCII letters and digits that
    open `alt` ("__eventfilter", "$web", "'quoted"): those become spaces in `tokenize`, so a match
    holds a token there (empty if no letter or digit follows)."""
    lead = _LEADING.match(alt)
    return _opening_tokens(alt[lead.end() :]) if lead is not None and lead.end() < len(alt) else []


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
        edges = np.fromiter(chain.from_iterable(spans), dtype=np.int64, count=2 * len(spans))
        return cls._of_edges(folded, edges, ids, flat)

    @classmethod
    def whole(cls, folded: str, token_ids: Callable[[list[str]], np.ndarray]) -> TokenView | None:
        """The view of a text folded by `_fold`, from all its tokens (`token_ids` gives their IDs):
        for a text whose sentences split a token."""
        flat = [*folded.split(), SEPARATOR]
        return cls.of(folded, [(0, len(folded))], token_ids(flat), flat)

    @classmethod
    def _of_edges(
        cls, folded: str, edges: np.ndarray, ids: np.ndarray, flat: Sequence[str]
    ) -> TokenView | None:
        """`of`, given the sentences' start and end offsets in order (`edges`)."""
        word = np.frombuffer(folded.encode("ascii"), dtype=np.uint8) > 32
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


class TokenBatch(TokenView):
    """The `TokenView` of several texts joined by one character each (as ``"\\n".join(texts)``):
    offsets are into the joined text, in which the n-th text starts at ``bases[n]``; `owner` gives
    the text of each token, and `ok` whether a text's tokens are held (as `TokenView.of` would
    give a view of it, not None)."""

    __slots__ = ("bases", "ok", "owner")

    def __init__(self, view: TokenView, bases: np.ndarray, owner: np.ndarray, ok: np.ndarray) -> None:
        super().__init__(view.ids, view.offsets, view.oov_at, view.oov)
        self.bases = bases
        self.owner = owner
        self.ok = ok

    @classmethod
    def join(
        cls,
        texts: Sequence[str],
        folded: Sequence[str | None],
        spans: Sequence[Sequence[tuple[int, int]]],
        ids: np.ndarray,
        flat: Sequence[str],
    ) -> TokenBatch:
        """`TokenView.of` of several `texts` at once: their `_fold` (None for a text with U+0130,
        which is not held), their sentences `spans`, and the tokens of all those sentences in order
        (`flat`, each sentence's followed by `SEPARATOR`) with their `ids`."""
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        bases = np.zeros(len(texts), dtype=np.int64)
        np.cumsum(lengths[:-1] + 1, out=bases[1:])
        n_sents = np.array([len(s) for s in spans], dtype=np.int64)
        of = np.repeat(np.arange(len(texts)), 2 * n_sents)  # the text of each sentence edge
        edges = np.fromiter(chain.from_iterable(chain.from_iterable(spans)), dtype=np.int64, count=len(of))
        joined = " ".join(f if f is not None else " " * len(t) for t, f in zip(texts, folded, strict=True))
        word = np.frombuffer(joined.encode("ascii"), dtype=np.uint8) > 32
        ok = np.array([f is not None for f in folded], dtype=bool)
        # a text whose sentence edges go back, leave it, or split a token is not held
        bad = (edges < 0) | (edges > lengths[of])
        bad[1:] |= (edges[1:] < edges[:-1]) & (of[1:] == of[:-1])
        at = np.clip(edges + bases[of], 1, max(len(word) - 1, 1))
        if len(word) > 1:
            bad |= word[at - 1] & word[at] & (edges > 0) & (edges < lengths[of])
        ok[of[bad]] = False
        opens = np.empty(len(word), dtype=bool)
        opens[:1] = word[:1]
        np.greater(word[1:], word[:-1], out=opens[1:])  # a word character after a space
        offsets = np.flatnonzero(opens)
        owner = np.searchsorted(bases, offsets, side="right") - 1
        size = _sizes(ids, n_sents)  # each text's entries of `ids`
        ok &= np.bincount(owner, minlength=len(texts)) == size - n_sents
        kept = ids != -2
        if not ok.all():
            kept &= np.repeat(ok, size) if int(size.sum()) == len(ids) else False
            offsets, owner = offsets[ok[owner]], owner[ok[owner]]
        seq = ids[kept]
        oov = list(map(flat.__getitem__, np.flatnonzero(kept & (ids == -1)).tolist()))
        view = TokenView(seq, offsets, np.flatnonzero(seq == -1), oov)
        return cls(view, bases, owner, ok)


def _sizes(ids: np.ndarray, n_sents: np.ndarray) -> np.ndarray:
    """How many entries of `ids` (tokens and separators, -2) each text has, its `n_sents` sentences
    each ending with a separator; all 0 unless `ids` ends with one and holds that many."""
    ends = np.flatnonzero(ids == -2)
    size = np.zeros(len(n_sents), dtype=np.int64)
    if len(ends) and len(ends) == int(n_sents.sum()) and ends[-1] == len(ids) - 1:
        last = np.cumsum(n_sents) - 1
        size[:] = np.diff(np.where(last >= 0, ends[np.maximum(last, 0)] + 1, 0), prepend=0)
    return size


class VocabFilter:
    """`PhraseTable.find` for the patterns `only`, with its word tests run on a `TokenView` in NumPy.

    A pattern word's alternative ``(prefix, whole)`` holds at a token that is `prefix` (if `whole`) or
    starts with it: the tokens of an ID range of the sorted vocabulary `words`, or a token outside it
    found by string. A match holds a token of each of its pattern's words (`_needs`) and none of the
    characters that it cannot cross (`_BREAKERS`: a sentence end, and a line break unless a word of
    the pattern is hyphenated), so a pattern is searched for only if one stretch of the text between
    two such characters holds a token of its first word and of its rarest other words (`_tested`),
    and only at the tokens of its first word that such a token of each other follows (or is) in it.
    """

    def __init__(self, table: PhraseTable, only: np.ndarray | None, words: Sequence[str]) -> None:
        self.table = table
        self.indices = _indices(len(table.patterns), only)
        atoms: dict[tuple[str, bool], list[int]] = {}  # alternative -> the tested words it opens
        word_pattern: list[int] = []  # tested word -> position of its pattern in `indices`
        n_words = np.zeros(len(self.indices), dtype=np.int64)
        self.unconstrained = np.zeros(len(self.indices), dtype=bool)
        first_word, kind = [], np.zeros(len(self.indices), dtype=np.int64)
        for i, k in enumerate(self.indices):
            needs, first = _needs(table.patterns[k])
            tested = _tested(needs, bool(first))
            self.unconstrained[i] = not tested
            n_words[i] = len(tested)
            kind[i] = _breaker_kind(table.patterns[k])
            for n in tested:
                for alt in dict.fromkeys(needs[n]):
                    atoms.setdefault(alt, []).append(len(word_pattern))
                first_word.append(n == 0 and bool(first))
                word_pattern.append(i)
        self.word_pattern = np.array(word_pattern, dtype=np.int64)
        self.first_word = np.array(first_word, dtype=bool)
        self.word_kind = kind[self.word_pattern]
        self.n_tested = n_words
        self.alone = n_words == 1  # patterns with one tested word
        self._index_words(atoms, words)
        # the vocabulary IDs of `DENIAL_TOKENS` (ID -1 last, False), and those outside it
        self.denial = np.zeros(len(words) + 1, dtype=bool)
        ids = [bisect_left(words, w) for w in sorted(DENIAL_TOKENS)]
        inside = [
            i for i, w in zip(ids, sorted(DENIAL_TOKENS), strict=True) if i < len(words) and words[i] == w
        ]
        self.denial[inside] = True
        self.denial_outside = DENIAL_TOKENS - {words[i] for i in inside}

    def _index_words(self, atoms: dict[tuple[str, bool], list[int]], words: Sequence[str]) -> None:
        """The tested words of each vocabulary ID (`id_words` from `id_ptr`, ID -1 last, holding
        none), and of the alternatives that a token outside the vocabulary can hold, by string."""
        pairs: set[tuple[int, int]] = set()
        self.outside_whole: dict[str, list[int]] = {}
        self.outside_prefix: dict[str, list[int]] = {}
        for (prefix, whole), held in atoms.items():
            lo = bisect_left(words, prefix)
            if whole:
                hi = lo + (lo < len(words) and words[lo] == prefix)
                if hi == lo:
                    self.outside_whole.setdefault(prefix, []).extend(held)
            else:  # tokens hold only a-z and 0-9, which sort before "{"
                hi = bisect_left(words, prefix + "{", lo)
                self.outside_prefix.setdefault(prefix, []).extend(held)
            pairs.update((token, w) for token in range(lo, hi) for w in held)
        ordered = sorted(pairs)
        counts = np.bincount([t for t, _ in ordered], minlength=len(words) + 1)[: len(words) + 1]
        self.id_count = counts.astype(np.int64)
        self.id_ptr = np.concatenate(([0], np.cumsum(self.id_count)))
        self.id_words = np.array([w for _, w in ordered], dtype=np.int64)
        self.prefixes = sorted(self.outside_prefix)
        self.prefix_words = [self.outside_prefix[p] for p in self.prefixes]
        # the first three characters (or all, if fewer) of each prefix and whole word outside: a
        # token outside the vocabulary whose first one, two or three are none of them holds none
        self.heads = frozenset(a[:3] for a in [*self.prefixes, *self.outside_whole])
        # the longest other prefix that each prefix starts with (-1: none): in sorted order, the
        # prefixes of one are a chain of those before it, kept on a stack
        self.prefix_parent = []
        chain: list[int] = []
        for n, prefix in enumerate(self.prefixes):
            while chain and not prefix.startswith(self.prefixes[chain[-1]]):
                chain.pop()
            self.prefix_parent.append(chain[-1] if chain else -1)
            chain.append(n)

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
        keep, starts = self._places(text, view)
        candidates = [self.indices[i] for i in np.flatnonzero(keep).tolist()]
        if not candidates:
            return []
        return self.table._matches(text, candidates, lambda k: starts.get(k, []))

    def _places(self, text: str, view: TokenView) -> tuple[np.ndarray, dict[int, list[int]]]:
        """Which patterns (by position in `indices`) to search for, and for each pattern index
        with a first word, the offsets (in order) of the tokens of that word in a stretch of the
        text that holds a token of each of the pattern's `_tested` words."""
        keep, starts = self._places_of(text, view, np.zeros(1, dtype=np.int64))
        return keep[0], starts[0]

    def places(
        self, texts: Sequence[str], batch: TokenBatch
    ) -> list[tuple[list[int], dict[int, list[int]], list[int]] | None]:
        """For each of `texts`, whose tokens `batch` holds, the pattern indices to search for in it
        and where (`matches` takes them): `_places` for every text at once; None for a text that
        `batch` does not hold."""
        keep, starts = self._places_of("\n".join(texts), batch, batch.bases, batch.owner)
        indices = self.indices
        return [
            ([indices[i] for i in np.flatnonzero(row).tolist()], found, denials) if ok else None
            for row, found, denials, ok in zip(
                keep, starts, self._denials(batch), batch.ok.tolist(), strict=True
            )
        ]

    def _denials(self, batch: TokenBatch) -> list[list[int]]:
        """For each text of `batch`, the offsets of its `DENIAL_TOKENS` tokens, in order."""
        found = self.denial[batch.ids]  # ID -1 indexes the last cell, which is False
        if self.denial_outside and batch.oov:
            outside = [
                q for q, t in zip(batch.oov_at.tolist(), batch.oov, strict=True) if t in self.denial_outside
            ]
            found[outside] = True
        at = np.flatnonzero(found)
        owner = batch.owner[at]
        local = (batch.offsets[at] - batch.bases[owner]).tolist()
        cut = np.searchsorted(owner, np.arange(len(batch.bases) + 1)).tolist()
        return [local[a:b] for a, b in pairwise(cut)]

    def matches(
        self, text: str, candidates: list[int], starts: dict[int, list[int]], denials: list[int]
    ) -> list[tuple[int, int, int]]:
        """``table.find(text, only)`` from what `places` gave for `text`."""
        if not text.isascii() and any(c in text for c in _CASE_FOLDS):
            return self.table._search(text, self.indices)
        if not candidates:
            return []
        return self.table._matches(text, candidates, lambda k: starts.get(k, []), denials)

    def _places_of(
        self, text: str, view: TokenView, bases: np.ndarray, owner: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[dict[int, list[int]]]]:
        """`_places` of the texts joined in `text`, the n-th from offset ``bases[n]``, the tokens of
        `view` (offsets into `text`) being those of the texts `owner` (None: all of the first)."""
        keep = np.tile(self.unconstrained, (len(bases), 1))
        starts: list[dict[int, list[int]]] = [{} for _ in bases]
        owner = np.zeros(len(view.ids), dtype=np.int64) if owner is None else owner
        token, word, group = self._paired(view, owner, keep.reshape(-1))
        if not len(word):
            return keep, starts
        offsets = view.offsets[token]
        width = len(text) + 1
        first = self.first_word[word]
        alone = self.alone[self.word_pattern[word]]
        # a pair read that is not of a one-word pattern's first word is of a group that holds all
        opens = np.flatnonzero(first & ~alone)
        other = np.flatnonzero(~first)
        if len(other):  # a match holds its other words' tokens at or after its start, in its stretch
            opens = opens[self._in_stretch(text, word, group // len(self.indices), offsets, opens, other)]
        opens = np.concatenate([np.flatnonzero(first & alone), opens])
        places = _distinct(group[opens] * width + offsets[opens])  # by group, then offset
        if len(places):
            keep.reshape(-1)[places // width] = True
            _starts_by_text(places, width, bases, self.indices, starts)
        return keep, starts

    def _in_stretch(
        self,
        text: str,
        word: np.ndarray,
        text_of: np.ndarray,
        offsets: np.ndarray,
        opens: np.ndarray,
        other: np.ndarray,
    ) -> np.ndarray:
        """Which of the pairs `opens` (of a first word, at `offsets` in `text`) have, for each other
        tested word of their pattern, a pair among `other` of the same text (`text_of`) at or after
        them and before their stretch ends."""
        width = len(text) + 1
        n_words = len(self.word_pattern)
        # by (text, tested word), then offset (stable: timsort, faster here on keys in sorted runs)
        others = np.sort((text_of[other] * n_words + word[other]) * width + offsets[other], kind="stable")
        at = offsets[opens]
        span = _stretch_ends(text, at, self.word_kind[word[opens]]) - at
        count = self.n_tested[self.word_pattern[word[opens]]] - 1  # the other words of each one's pattern
        ok = np.ones(len(opens), dtype=bool)
        for rank in range(int(count.max(initial=0))):  # a pattern's other tested words follow its first
            sel = np.flatnonzero(ok & (count > rank))  # the rarest first: it rules out the most
            lo = (text_of[opens[sel]] * n_words + word[opens[sel]] + 1 + rank) * width + at[sel]
            found = others[np.minimum(np.searchsorted(others, lo), len(others) - 1)]
            ok[sel] = (found >= lo) & (found < lo + span[sel])
        return ok

    def _paired(
        self, view: TokenView, owner: np.ndarray, flat_keep: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs of a token of `view` and a tested word it holds that `_places_of` reads, with
        their group (``text * n_patterns + pattern``, the text from `owner`): those of a pattern with
        one tested word, its first, and those of a group that holds tokens of all its pattern's
        tested words. Marks in `flat_keep` (by group) the patterns whose one tested word is not the first.

        Which groups hold which words is found on the distinct (text, word) pairs, far fewer than
        the tokens' pairs ("malicious" holds 55 tested words): only the pairs read are made per token."""
        n = len(self.indices)
        tokens, ptr, which, word = self._held(view, owner)
        extra_token, extra_word = self._held_outside(view)
        word = np.concatenate([word, extra_word])
        pattern = self.word_pattern[word]
        text_of = np.concatenate([owner[tokens[ptr[:-1]]][which], owner[extra_token]])
        group = text_of * n + pattern  # a pattern in one text
        lone = ~self.first_word[word] & self.alone[pattern]  # the tested word of a pattern that has one
        flat_keep[group[lone]] = True
        # the groups that hold tokens of all the tested words of their pattern, from the distinct
        # (text, tested word) pairs
        n_words, n_texts = len(self.word_pattern), len(flat_keep) // n if n else 0
        held = np.zeros(n_texts * n_words, dtype=bool)
        held[text_of * n_words + word] = True
        got = np.flatnonzero(held)
        full = np.bincount(got // n_words * n + self.word_pattern[got % n_words], minlength=len(flat_keep))
        read = (full == np.tile(self.n_tested, n_texts))[group] & ~lone
        d = len(which)
        sel = np.flatnonzero(read[:d])
        lo, count = ptr[which[sel]], np.diff(ptr)[which[sel]]  # the tokens of each distinct pair
        at = np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
        out = read[d:]
        return (
            np.concatenate([tokens[at], extra_token[out]]),
            np.concatenate([np.repeat(word[sel], count), extra_word[out]]),
            np.concatenate([np.repeat(group[sel], count), group[d:][out]]),
        )

    def _held(
        self, view: TokenView, owner: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The tokens of the vocabulary that hold a tested word, by (text of `owner`, ID), in order
        (`tokens`: positions in `view`); the distinct (text, ID) ``i`` has the tokens
        ``tokens[ptr[i]:ptr[i + 1]]``; and the pairs of a distinct one (`which`) and a tested word
        that it holds (`word`)."""
        ids = view.ids
        some = np.flatnonzero(self.id_count[ids])  # ID -1 indexes the last cell, which counts none
        key = owner[some] * len(self.id_count) + ids[some]
        order = np.argsort(key, kind="stable")
        tokens, key = some[order], key[order]
        ptr = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=np.int64)
        uid = ids[tokens[ptr]]
        ptr = np.append(ptr, len(key))
        count = self.id_count[uid]
        which = np.repeat(np.arange(len(uid)), count)
        first = np.repeat(self.id_ptr[uid] - (np.cumsum(count) - count), count)
        return tokens, ptr, which, self.id_words[first + np.arange(len(which))]

    def _held_outside(self, view: TokenView) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of a token outside the vocabulary (its position in `view`) and a tested word it holds."""
        none = np.zeros(0, dtype=np.int64)
        if not view.oov or not (self.outside_prefix or self.outside_whole):
            return none, none
        heads = self.heads
        known = {
            t: held
            for t in set(view.oov)
            if (t[:3] in heads or t[:2] in heads or t[:1] in heads) and (held := self._outside(t))
        }
        extra_token: list[int] = []
        extra_word: list[int] = []
        if known:
            for q, t in zip(view.oov_at.tolist(), view.oov, strict=True):
                if t in known:
                    extra_token += [q] * len(known[t])
                    extra_word += known[t]
        return np.array(extra_token, dtype=np.int64), np.array(extra_word, dtype=np.int64)

    def _outside(self, token: str) -> list[int]:
        """The tested words that `token`, outside the vocabulary, holds: those of the prefixes it
        starts with, which are the prefix sorted last before it and the prefixes of that one."""
        held = list(self.outside_whole.get(token, ()))
        at = bisect_right(self.prefixes, token) - 1
        while at >= 0:
            if token.startswith(self.prefixes[at]):
                held += self.prefix_words[at]
            at = self.prefix_parent[at]
        return held


def _starts_by_text(
    places: np.ndarray,
    width: int,
    bases: np.ndarray,
    indices: Sequence[int],
    starts: list[dict[int, list[int]]],
) -> None:
    """Fill `starts` (a dict per text) from `places`, sorted keys ``group * width + offset`` into the
    joined text (a group is ``text * len(indices) + position in indices``): pattern index -> the
    offsets of its places in the text, in order."""
    n = len(indices)
    of = places // width
    at = (places % width - bases[of // n]).tolist()  # offsets in each text
    edges = np.flatnonzero(np.r_[True, of[1:] != of[:-1]])  # where each group's places start
    group = of[edges]
    lo, hi = edges.tolist(), [*edges[1:].tolist(), len(places)]
    pattern_of = [indices[i] for i in (group % n).tolist()]
    cut = np.searchsorted(group // n, np.arange(len(bases) + 1)).tolist()  # groups by text
    for t, (a, b) in enumerate(pairwise(cut)):
        if a < b:  # pattern index -> its slice of `at`, made in C
            runs = map(at.__getitem__, map(slice, lo[a:b], hi[a:b]))
            starts[t] = dict(zip(pattern_of[a:b], runs, strict=True))


# Characters that a match of a pattern cannot hold, by `_breaker_kind`: a match holds no sentence
# end (`_SEP`, `\w` and a word's letters exclude ".!?;" and a line break, but for a "." inside a
# token, before a word character), but a hyphenated word's join (``[\s-]?``) may be a line break,
# and a word may hold a "." ("mega.nz").
_BREAKERS = (".!?;\n", ".!?;", "")


def _tested(needs: Sequence[_Alts], first: bool) -> list[int]:
    """The words of `needs` that `VocabFilter` looks for: the first (if `first`: where matches
    start) and of the others those whose shortest alternative is longest (the rarest, as a rule):
    `_OTHERS_TESTED` of them after a first word, else one."""
    rest = range(1 if first else 0, len(needs))
    ranked = sorted(rest, key=lambda n: -min(len(prefix) for prefix, _ in needs[n]))  # stable: ties in order
    return [0, *ranked[:_OTHERS_TESTED]] if first else ranked[:1]


#: Words other than the first that `VocabFilter` looks for in the stretch after a pattern's first
#: word: a second and third word rule out most of the places that one leaves to the regex.
_OTHERS_TESTED = 2


def _breaker_kind(pattern: str) -> int:
    """Which `_BREAKERS` a match of `pattern` cannot hold."""
    words = [alt.rstrip("*") for t in pattern.split() if t not in _GAPS for alt in t.split("|")]
    if any("." in w for w in words):
        return 2
    return 1 if any("-" in w for w in words) else 0


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct `values`, sorted (`np.unique` hashes them in NumPy 2: slower on short arrays);
    a stable sort (timsort) is the faster on values that come in sorted runs, as offsets do."""
    values = np.sort(values, kind="stable")
    return values[np.diff(values, prepend=-1) != 0] if len(values) else values


def _stretch_ends(text: str, offsets: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """For each offset, that of the first character of `_BREAKERS[kind]` after it in `text` (else
    the text's length): a match that starts at the offset ends before it."""
    # each character's `_CLASSES` code ("?" for the characters outside ASCII)
    code = np.frombuffer(text.encode("ascii", "replace").translate(_CLASSES), dtype=np.uint8)
    ends = code == _DOT
    ends[:-1] &= code[1:] != _WORD_CHAR  # a "." before a word character is inside a token
    ends |= code == _END
    if "?" in text:  # rare: found by string, as other characters are "?" before `translate`
        ends[[m.start() for m in _QUESTION.finditer(text)]] = True
    out = np.full(len(offsets), len(text), dtype=np.int64)  # kind 2, and offsets after the last break
    for kind, breaks in enumerate((ends | (code == _LINE_BREAK), ends)):
        where = np.flatnonzero(kinds == kind)
        if len(where):
            at = np.append(np.flatnonzero(breaks), len(text))
            out[where] = at[np.searchsorted(at, offsets[where])]
    return out


_QUESTION = re.compile(r"\?")
_OTHER, _WORD_CHAR, _DOT, _END, _LINE_BREAK = range(5)


def _code(char: str) -> int:
    """An ASCII character's code in `_stretch_ends`: `_WORD_CHAR` for those that ``\\w`` matches and
    "?" (which stands for every character outside ASCII there: some are word characters)."""
    if char.isalnum() or char in "_?":
        return _WORD_CHAR
    return {".": _DOT, "!": _END, ";": _END, "\n": _LINE_BREAK}.get(char, _OTHER)


#: `_code` of each byte, for `bytes.translate` (a byte outside ASCII does not occur).
_CLASSES = bytes(_code(chr(b)) for b in range(128)) + bytes(128)
