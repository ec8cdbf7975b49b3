"""`PhraseTable.find` searches a pattern only at the tokens that can open it: the same matches as a
brute-force search of every pattern's regex over the whole text."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ttpmap.classify._phrases import PhraseTable, compile_pattern, load_phrases

# The shipped lexicon, and patterns with the rarer syntax: a gap first, words opening with a
# non-letter, holding "_", "." or a non-ASCII letter, hyphens, stars, one-word patterns.
_PATTERNS = (
    *(p for p, _ in load_phrases()),
    "ransomware",
    "wipe* ~ disk*",
    "$web ~ container*",
    "mega.nz|megasync upload*",
    "file_share access*",
    "café* ~ hack*",
    "e-mail attachment*",
    "drive-by compromise|download*",
    "ddos|dos attack*",
    "'quoted word",
)
_WORDS = sorted(
    {w.rstrip("*") for p in _PATTERNS for t in p.split() for w in t.split("|") if w != "~"}
    | {"encrypted", "files", "the", "of", "data", "ransom", "Ransomware", "SUPPLY", "x", "é", "a_b", "café"}
)
# Separators: inside a pattern's reach, at its edge (sentence ends, "-", "_") and non-ASCII ones.
_SEPS = [" ", "  ", " - ", "-", ", ", ". ", "\n", "_", "’", "\u00a0", " (", "—", "", "/", "é", ";", "  \t "]


def _brute_force(table: PhraseTable, text: str) -> list[tuple[int, int, int]]:
    out = []
    for k, pattern in enumerate(table.patterns):
        m = compile_pattern(pattern)[0].search(text)
        if m is not None:
            out.append((k, m.start(), m.end()))
    return out


_TABLE = PhraseTable(
    _PATTERNS,
    np.zeros(len(_PATTERNS), dtype=np.int64),
    np.zeros(len(_PATTERNS), dtype=np.int64),
    np.zeros(len(_PATTERNS), dtype=np.int64),
    np.zeros(len(_PATTERNS), dtype=bool),
)


def _case(word: str, how: int) -> str:
    return (word, word.upper(), word.title(), word[:-1] + "s" if word else word)[how]


@st.composite
def _texts(draw: st.DrawFn) -> str:
    n = draw(st.integers(0, 30))
    words = draw(st.lists(st.tuples(st.sampled_from(_WORDS), st.integers(0, 3)), min_size=n, max_size=n))
    seps = draw(st.lists(st.sampled_from(_SEPS), min_size=n + 1, max_size=n + 1))
    return seps[0] + "".join(_case(w, how) + s for (w, how), s in zip(words, seps[1:], strict=True))


@settings(max_examples=400, deadline=None)
@given(_texts())
def test_find_matches_a_brute_force_search(text):
    assert _TABLE.find(text) == _brute_force(_TABLE, text)


@settings(max_examples=100, deadline=None)
@given(_texts(), st.lists(st.booleans(), min_size=len(_PATTERNS), max_size=len(_PATTERNS)))
def test_find_of_some_patterns_matches_a_brute_force_search(text, only):
    mask = np.array(only, dtype=bool)
    assert _TABLE.find(text, mask) == [m for m in _brute_force(_TABLE, text) if mask[m[0]]]


def test_find_on_the_shipped_samples_matches_a_brute_force_search():
    from pathlib import Path

    for path in sorted(Path(__file__).parents[2].joinpath("datasets", "samples").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert _TABLE.find(text) == _brute_force(_TABLE, text), path.name
