"""`PhraseTable.find` searches a pattern only at the tokens that can open it: the same matches as a
brute-force search of every pattern's regex over the whole text (less those a negation denies)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ttpmap.classify._phrases import PhraseTable, _negated, _pattern_words, compile_pattern, load_phrases

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
    "at.exe",
    "com.apple.quarantine|namedfork",
    "new-inboxrule|set-inboxrule",
    "e-mail* ~ sent",
    "microsoft.powershell_profile* ~~ modif*",
    "$web.x_y",
    "add* ~~ security ~ group*",
)
_WORDS = sorted(
    {w.rstrip("*") for p in _PATTERNS for t in p.split() for w in t.split("|") if w != "~"}
    | {
        "encrypted",
        "files",
        "the",
        "of",
        "data",
        "ransom",
        "Ransomware",
        "SUPPLY",
        "x",
        "é",
        "a_b",
        "café",
        "no",
        "not",
        "didn't",
        "before",
        "any",
        "e",
        "mail",
        "file",
        "encrypting",
        "drive",
        "by",
        "at",
        "exe",
        "com",
        "apple",
        "quarantine",
        "new",
        "inboxrule",
        "newinboxrule",
        "microsoft",
        "powershell",
        "security",
        "groups",
        "added",
        "web",
    }
)
# Separators: inside a pattern's reach, at its edge (sentence ends, "-", "_") and non-ASCII ones.
_SEPS = [" ", "  ", " - ", "-", ", ", ". ", "\n", "_", "’", "\u00a0", " (", "—", "", "/", "é", ";", "  \t "]
_SEPS += ["! ", "?", "? ", ".", "\n\n", "\r\n", " \n "]


@cache
def _regex(pattern: str) -> re.Pattern[str]:
    # compiled once: the lexicon holds more patterns than the `re` module's own cache
    return compile_pattern(pattern)[0]


def _brute_force(table: PhraseTable, text: str) -> list[tuple[int, int, int]]:
    """Each pattern's first match over the whole text that no negation denies (the negation rule
    itself is tested in test_phrases.py)."""
    out = []
    for k, pattern in enumerate(table.patterns):
        own = _pattern_words(pattern)
        for m in _regex(pattern).finditer(text):
            if not _negated(text, m.start(), m.end(), own):
                out.append((k, m.start(), m.end()))
                break
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
def _texts(draw: st.DrawFn, vocabulary: Sequence[str] = _WORDS) -> str:
    n = draw(st.integers(0, 30))
    words = draw(st.lists(st.tuples(st.sampled_from(vocabulary), st.integers(0, 3)), min_size=n, max_size=n))
    seps = draw(st.lists(st.sampled_from(_SEPS), min_size=n + 1, max_size=n + 1))
    return seps[0] + "".join(_case(w, how) + s for (w, how), s in zip(words, seps[1:], strict=True))


@settings(max_examples=400, deadline=None)
@given(_texts())
def test_find_matches_a_brute_force_search(text):
    assert _TABLE.find(text) == _brute_force(_TABLE, text)


# Patterns with a later word that opens with a separator character ("$", "'"): the separator
# before it must give back what it took (it is not possessive there).
_OPENING_SEPARATORS = ("upload* to $web", "upload* ~ $web", "the 'quoted word", "encrypt* ~ -files")
_THEIR_WORDS = (
    "upload",
    "uploaded",
    "to",
    "$web",
    "web",
    "the",
    "'quoted",
    "quoted",
    "word",
    "encrypted",
    "-files",
    "files",
)


@cache
def _backtracking(pattern: str) -> re.Pattern[str]:
    """The regex of `pattern` with its possessive quantifiers made greedy (backtracking) again."""
    regex = _regex(pattern)
    source = regex.pattern.replace("}+", "}").replace(r"\w++", r"\w+").replace(r"\w*+", r"\w*")
    return re.compile(source, regex.flags)


@settings(max_examples=80, deadline=None)
@given(st.one_of(_texts(), _texts(_THEIR_WORDS)))
@example("files uploaded to $web, the 'quoted word; encrypted all -files")
def test_possessive_quantifiers_keep_every_match(text):
    # Wherever a match may start (no word character or "-" before it), each pattern's regex matches
    # the same span as its backtracking twin: a possessive part never keeps what the rest needs.
    starts = [m.start() for m in re.finditer(r"(?<![\w-])", text)]
    for pattern in (*_PATTERNS, *_OPENING_SEPARATORS):
        fast, slow = _regex(pattern), _backtracking(pattern)
        for at in starts:
            a, b = fast.match(text, at), slow.match(text, at)
            assert (a and a.span()) == (b and b.span()), (pattern, at)


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


def _vocab_filter_and_view(text: str, only: np.ndarray | None = None, table=None, vec=None):  # type: ignore[no-untyped-def]
    """What the predictor passes: its vocabulary's `VocabFilter` and the text's `TokenView`, built
    from the scorer's tokens of the text's sentences (default: this module's table and vocabulary)."""
    from ttpmap.classify._phrases import TokenView, VocabFilter
    from ttpmap.classify._text import sentences_of
    from ttpmap.classify._vectorizer import SentenceVectorizer, _fold, split_span_tokens

    table = _TABLE if table is None else table
    vec = _VEC if vec is None else vec
    spans = sentences_of(text)
    folded = None if "\u0130" in text else _fold(text)
    flat = split_span_tokens([text], [spans], [folded])
    view = None if folded is None else TokenView.of(folded, spans, vec.token_ids(flat), flat)
    assert isinstance(vec, SentenceVectorizer)
    return VocabFilter(table, only, vec.words), view


def _fit_vocabulary():  # type: ignore[no-untyped-def]
    from ttpmap.classify._vectorizer import SentenceVectorizer

    # Half the words, so that a text holds tokens inside and outside the vocabulary.
    words = [_case(w, 0) for w in _WORDS[::2]]
    vec = SentenceVectorizer(min_df=1)
    vec.fit_transform([" ".join(words), " ".join(reversed(words))])
    return vec


_VEC = _fit_vocabulary()


@settings(max_examples=400, deadline=None)
@given(_texts(), st.lists(st.booleans(), min_size=len(_PATTERNS), max_size=len(_PATTERNS)))
def test_find_on_the_scorers_tokens_matches_a_brute_force_search(text, only):
    """The predictor's path (`VocabFilter` on a `TokenView`) finds what `find` finds."""
    mask = np.array(only, dtype=bool)
    vocab, view = _vocab_filter_and_view(text, mask)
    if view is not None:
        assert vocab.find(text, view) == [m for m in _brute_force(_TABLE, text) if mask[m[0]]]
    else:  # a token across a sentence edge, or a letter whose lower case moves offsets
        assert _TABLE.find(text, mask) == [m for m in _brute_force(_TABLE, text) if mask[m[0]]]


def test_find_on_the_scorers_tokens_of_the_shipped_samples():
    from pathlib import Path

    for path in sorted(Path(__file__).parents[2].joinpath("datasets", "samples").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        vocab, view = _vocab_filter_and_view(text)
        assert view is not None, path.name
        assert vocab.find(text, view) == _brute_force(_TABLE, text), path.name


def test_a_match_opened_by_a_word_outside_the_vocabulary_comes_first():
    from ttpmap.classify._vectorizer import SentenceVectorizer

    table = PhraseTable.build([("encrypt* files|data", "T1486")], ["T1486"])
    vec = SentenceVectorizer(min_df=1)
    vec.fit_transform(["encrypted files", "encrypted data"])
    text = "It encrypts files first. Then the encrypted data and the encryption files."
    vocab, view = _vocab_filter_and_view(text, table=table, vec=vec)
    assert view is not None
    assert view.oov == ["it", "encrypts", "first", "then", "the", "and", "the", "encryption"]
    assert vocab.find(text, view) == table.find(text) == [(0, 3, 17)]


def test_a_hyphenated_word_matches_across_a_line_break_and_no_pattern_across_a_sentence_end():
    """A match is searched for only in a stretch of text that no match can cross: a sentence end
    ends every stretch, a line break only for patterns without a hyphenated word ("file-encrypting
    tool" matches "file" and "encrypting tool" on two lines)."""
    from ttpmap.classify._vectorizer import SentenceVectorizer

    table = PhraseTable.build(
        [
            ("file-encrypting tool*", "T1486"),
            ("files ~ were encrypted", "T1486"),
            ("mega.nz upload*", "T1567"),
        ],
        ["T1486", "T1567"],
    )
    vec = SentenceVectorizer(min_df=1)
    vec.fit_transform(["file encrypting tool files were encrypted", "mega nz uploads"])
    text = "The files? Were encrypted by a file\nencrypting tool — files were\nencrypted; mega.nz uploads."
    vocab, view = _vocab_filter_and_view(text, table=table, vec=vec)
    assert view is not None
    found = vocab.find(text, view)
    assert found == table.find(text) == _brute_force(table, text)
    assert [(k, text[a:b]) for k, a, b in found] == [(0, "file\nencrypting tool"), (2, "mega.nz uploads")]


def test_a_pattern_is_tried_only_where_its_rarest_other_words_follow_in_the_stretch():
    """Places: the tokens of a pattern's first word that a token of each of its two rarest other
    words follows before the stretch ends ("added a security policy" lacks "group"); a word's
    longest inner token counts as a word ("at.exe": "exe", and a pattern word holding "." has no
    stretch but the text)."""
    from ttpmap.classify._vectorizer import SentenceVectorizer

    table = PhraseTable.build(
        [("add* ~~ security ~ group*", "T1098"), ("at.exe", "T1053")], ["T1098", "T1053"]
    )
    vec = SentenceVectorizer(min_df=1)
    vec.fit_transform(["added security groups at exe", "they add a security group"])
    text = "Security groups were added. At noon they added a security policy; added a security group; then at.exe ran."
    vocab, view = _vocab_filter_and_view(text, table=table, vec=vec)
    assert view is not None
    keep, starts = vocab._places(text, view)
    assert keep.tolist() == [True, True]
    assert starts == {
        0: [text.index("added a security group")],
        1: [text.index("At noon"), text.index("at.exe")],
    }
    assert vocab.find(text, view) == table.find(text) == _brute_force(table, text)


def _batch_found(texts: list[str], only: np.ndarray | None = None, table=None, vec=None):  # type: ignore[no-untyped-def]
    """What the predictor finds in a batch: `VocabFilter.places` over the batch's `TokenBatch`, then
    `matches` for each text it holds; for the others, `VocabFilter.find` on the view of all the
    text's tokens (`TokenView.whole`), or `find` for a text with U+0130."""
    from ttpmap.classify._phrases import TokenBatch, TokenView, VocabFilter
    from ttpmap.classify._text import sentences_of
    from ttpmap.classify._vectorizer import _fold, split_span_tokens

    table = _TABLE if table is None else table
    vec = _VEC if vec is None else vec
    spans = [sentences_of(t) for t in texts]
    folded = [None if "\u0130" in t else _fold(t) for t in texts]
    flat = split_span_tokens(texts, spans, folded)
    vocab = VocabFilter(table, only, vec.words)
    places = vocab.places(texts, TokenBatch.join(texts, folded, spans, vec.token_ids(flat), flat))
    out = []
    for t, fold, where in zip(texts, folded, places, strict=True):
        view = None if where is not None or fold is None else TokenView.whole(fold, vec.token_ids)
        if where is not None:
            out.append(vocab.matches(t, *where))
        else:
            out.append(table.find(t, only) if view is None else vocab.find(t, view))
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        _texts() | st.sampled_from(["x" * 2500 + " files were encrypted", "İ ransomware"]),
        min_size=1,
        max_size=6,
    ),
    st.lists(st.booleans(), min_size=len(_PATTERNS), max_size=len(_PATTERNS)),
)
def test_find_on_a_batch_of_the_scorers_tokens_matches_a_brute_force_search(texts, only):
    """The predictor's path for a batch of texts (one `TokenBatch`, `VocabFilter.places`) finds in
    each what `find` finds, also next to a text that the batch cannot hold (a token cut at a
    sentence edge, a letter whose lower case moves offsets)."""
    mask = np.array(only, dtype=bool)
    assert _batch_found(texts, mask) == [[m for m in _brute_force(_TABLE, t) if mask[m[0]]] for t in texts]


def test_find_on_a_batch_of_the_shipped_samples():
    from pathlib import Path

    paths = sorted(Path(__file__).parents[2].joinpath("datasets", "samples").glob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    assert _batch_found(texts) == [_brute_force(_TABLE, t) for t in texts]


_NEGATION_PIECES = ["no", "not", "None", "nor", "nothing", "NEVER", "neither", "without", "cannot", "any"]
_NEGATION_PIECES += [
    "n't",
    "n’t",
    "know",
    "nOt",
    "anyone",
    "canno",
    "_no",
    "né",
    "ı",
    "x",
    "T",
    "’",
    "'",
    " ",
    "-",
    ".",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_NEGATION_PIECES), max_size=12), st.integers(0, 40), st.integers(0, 40))
def test_the_negation_hint_finds_what_the_plain_alternation_finds(pieces, lo, hi):
    import re

    from ttpmap.classify._phrases import _NEGATION_HINT

    plain = re.compile(r"\b(?:no|not|never|without|nor|neither|none|nothing|cannot|any)\b|n['’]t\b", re.I)
    text = "".join(pieces)
    found, expected = _NEGATION_HINT.search(text, lo, hi), plain.search(text, lo, hi)
    assert (found and found.span()) == (expected and expected.span())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_NEGATION_PIECES), max_size=14), st.integers(0, 80), st.integers(0, 80))
def test_the_denial_tokens_rule_out_only_matches_that_no_negation_holds(pieces, start, end):
    """Given the offsets of the text's `DENIAL_TOKENS` tokens, `_negated` answers as without them
    (for a match that ends at a word's end, in a text without `_CASE_FOLDS`)."""
    import re

    from ttpmap.classify._phrases import _CASE_FOLDS, DENIAL_TOKENS
    from ttpmap.classify._vectorizer import _fold

    text = "".join(pieces)
    start, end = min(start, end, len(text)), min(max(start, end), len(text))
    if any(c in text for c in _CASE_FOLDS) or re.match(r"\w", text[end : end + 1]):
        return
    denials = [m.start() for m in re.finditer(r"[a-z0-9]+", _fold(text)) if m.group() in DENIAL_TOKENS]
    own = frozenset({"x"})
    assert _negated(text, start, end, own, denials) == _negated(text, start, end, own)
