"""Token patterns without spaCy: the same validation verdicts and the same matches as spaCy's Matcher."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.matcher import Matcher
from spacy.schemas import validate_token_pattern
from spacy.tokens import Doc

from ttpmap.severity import SeverityRules
from ttpmap.severity._patterns import TokenMatcher, pattern_problem


def tokens(orth: Sequence[str], norm: Sequence[str]) -> Any:
    """Tokens with only what TokenMatcher reads: ORTH and NORM."""
    return SimpleNamespace(orth=tuple(orth), norm=tuple(norm))


def shipped_patterns() -> dict[str, list[list[dict[str, Any]]]]:
    """Rule id -> the token patterns of its `phrases` condition (actor patterns are regexes)."""
    return {
        rule["id"]: rule["when"]["phrases"]["patterns"]
        for rule in SeverityRules.default().rules
        if isinstance(rule["when"].get("phrases"), dict) and rule["when"]["phrases"].get("patterns")
    }


@pytest.fixture(scope="module")
def nlp(english: Any) -> Any:
    return english


def spacy_matches(nlp: Any, keys: dict[str, list[list[dict[str, Any]]]], docs: Iterable[Any]) -> list[set]:
    matcher = Matcher(nlp.vocab)
    for key, patterns in keys.items():
        matcher.add(key, patterns)
    strings = nlp.vocab.strings
    return [{(strings[k], s, e) for k, s, e in matcher(doc)} for doc in docs]


def our_matches(keys: dict[str, list[list[dict[str, Any]]]], docs: Iterable[Any]) -> list[set]:
    matcher = TokenMatcher()
    for key, patterns in keys.items():
        matcher.add(key, patterns)
    out = []
    for doc in docs:
        found = matcher(tokens(tuple(t.text for t in doc), tuple(t.norm_ for t in doc)))
        assert found == sorted(found, key=lambda m: (m[1], m[2], m[0]))
        assert len(found) == len(set(found))
        out.append(set(found))
    return out


def assert_same(nlp: Any, keys: dict[str, list[list[dict[str, Any]]]], texts: Sequence[str]) -> int:
    docs = list(nlp.pipe(texts))
    theirs = spacy_matches(nlp, keys, docs)
    ours = our_matches(keys, docs)
    for text, a, b in zip(texts, theirs, ours, strict=True):
        assert a == b, f"{text[:60]!r}: only spaCy {sorted(a - b)}, only ttpmap {sorted(b - a)}"
    return sum(len(a) for a in theirs)


# --- the shipped rules ---


def test_every_shipped_pattern_is_accepted() -> None:
    keys = shipped_patterns()
    assert sum(len(p) for p in keys.values()) >= 10
    for patterns in keys.values():
        for pattern in patterns:
            assert pattern_problem(pattern) is None
            assert validate_token_pattern(pattern) == []


def test_shipped_patterns_on_samples(nlp: Any, samples: list[Path]) -> None:
    texts = [p.read_text(encoding="utf-8") for p in samples]
    assert assert_same(nlp, shipped_patterns(), texts) > 0


@pytest.mark.shared
@pytest.mark.slow
def test_shipped_patterns_on_tram2(nlp: Any, tram2_texts: list[str]) -> None:
    assert assert_same(nlp, shipped_patterns(), tram2_texts) > 20


# --- quantifiers at the edges, where spaCy's choices are easy to get wrong ---

EDGE_PATTERNS = {
    "opt-start": [[{"ORTH": "a", "OP": "?"}, {"ORTH": "b"}]],
    "opt-end": [[{"ORTH": "a"}, {"ORTH": "b", "OP": "?"}]],
    "star-end": [[{"ORTH": "a"}, {"ORTH": "b", "OP": "*"}]],
    "star-start": [[{"ORTH": "b", "OP": "*"}, {"ORTH": "a"}]],
    "plus": [[{"ORTH": "b", "OP": "+"}]],
    "only-optional": [[{"ORTH": "a", "OP": "?"}, {"ORTH": "b", "OP": "*"}]],
    "neg": [[{"ORTH": "a"}, {"ORTH": "b", "OP": "!"}]],
    "range": [[{"ORTH": "a"}, {"OP": "{1,3}"}, {"ORTH": "a"}], [{"ORTH": "b", "OP": "{2,}"}]],
    "zero-token": [[{"ORTH": "a"}, {"ORTH": "b", "OP": "{0}"}, {"ORTH": "c"}]],
    "up-to": [[{"ORTH": "c", "OP": "{,2}"}, {"ORTH": "a"}]],
}


@pytest.mark.parametrize(
    "words", ["a b", "b a b b", "a a b c a", "a c", "b b b", "a", "c a b", "a b c b a a"]
)
def test_quantifier_edges(nlp: Any, words: str) -> None:
    doc = Doc(nlp.vocab, words=words.split())
    assert spacy_matches(nlp, EDGE_PATTERNS, [doc]) == our_matches(EDGE_PATTERNS, [doc])


def test_same_span_once_per_key_and_sorted() -> None:
    matcher = TokenMatcher()
    matcher.add("x", [[{"ORTH": "a", "OP": "?"}, {"ORTH": "a", "OP": "?"}], [{"LOWER": "a"}]])
    matcher.add("w", [[{"ORTH": "a"}]])
    matcher.add("x", [[{"TEXT": "b"}]])
    assert len(matcher) == 2
    words = ("a", "b", "A")
    assert matcher(tokens(words, words)) == [("w", 0, 1), ("x", 0, 1), ("x", 1, 2), ("x", 2, 3)]


def test_lowercase_keys_and_norm_attribute() -> None:
    matcher = TokenMatcher()
    matcher.add("k", [[{"norm": "not"}, {"lower": {"in": ["ok", "fine"]}, "op": "+"}]])
    assert matcher(tokens(("n't", "OK", "Fine"), ("not", "ok", "fine"))) == [("k", 0, 2), ("k", 0, 3)]


# --- random patterns over random tokens, against spaCy ---

WORDS = [
    "a",
    "A",
    "the",
    "zero",
    "day",
    "Day",
    "0",
    "12",
    "3.5",
    "1/2",
    ",",
    ".",
    "!",
    "(",
    "exploit",
    "twenty",
]
NORMS = ["a", "the", "zero", "day", "not", "0"]
TEXTS = [*WORDS, "x", "ay"]
REGEXES = ["^a", "[0-9]", "y$", r"\W", "^(?:a|the)$", "e"]
OPS = ["!", "?", "+", "*", "{0}", "{1}", "{2}", "{0,2}", "{1,3}", "{2,2}", "{0,}", "{1,}", "{,1}", "{,2}"]

strings = st.sampled_from(TEXTS)
string_value = st.one_of(
    strings,
    st.fixed_dictionaries({"IN": st.lists(strings, max_size=4)}),
    st.fixed_dictionaries({"NOT_IN": st.lists(strings, max_size=3)}),
    st.fixed_dictionaries({"REGEX": st.sampled_from(REGEXES)}),
)
length_value = st.one_of(
    st.integers(0, 6),
    st.fixed_dictionaries({"IN": st.lists(st.integers(0, 6), max_size=3)}),
    st.fixed_dictionaries({"NOT_IN": st.lists(st.integers(0, 6), max_size=2)}),
    st.dictionaries(
        st.sampled_from(["==", "!=", ">=", "<=", ">", "<"]), st.integers(0, 6), min_size=1, max_size=2
    ),
)
token_spec = st.fixed_dictionaries(
    {},
    optional={
        "ORTH": string_value,
        "NORM": string_value,
        "LOWER": string_value,
        "LENGTH": length_value,
        "IS_PUNCT": st.booleans(),
        "IS_DIGIT": st.booleans(),
        "LIKE_NUM": st.booleans(),
        "OP": st.sampled_from(OPS),
    },
)
pattern = st.lists(token_spec, min_size=1, max_size=5).filter(lambda p: pattern_problem(p) is None)
pattern_keys = st.dictionaries(
    st.sampled_from(["k1", "k2"]), st.lists(pattern, min_size=1, max_size=3), min_size=1
)
token_seqs = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from([None, *NORMS])), max_size=14)


@settings(max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys=pattern_keys, tokens=token_seqs)
def test_random_patterns_match_as_spacy(
    nlp: Any, keys: dict[str, list[list[dict[str, Any]]]], tokens: list
) -> None:
    for patterns in keys.values():
        for p in patterns:
            assert validate_token_pattern(p) == [], p
    doc = Doc(nlp.vocab, words=[w for w, _ in tokens])
    for token, (word, norm) in zip(doc, tokens, strict=True):
        token.norm_ = norm if norm is not None else word.lower()
    assert spacy_matches(nlp, keys, [doc]) == our_matches(keys, [doc])


LEXICAL = [
    "x.ÀÀ",
    "a.ǅǅ",
    "пример.рф",
    "bücher.ünï",
    "example.测试",
    "mañana.es",
    "8.8.8.8",
    "10.0.0.1",
    "example.com:8080/x",
    "a.b",
    "a",
    "A",
    "Ab",
    "AB",
    "ab1",
    "12",
    "-3",
    "+1,000.5",
    "1/2",
    "1/2/3",
    "twenty",
    "Third",
    "21st",
    "2nd",
    "x2nd",
    "(",
    ")",
    "[",
    "«",
    "»",
    "“",
    "”",
    "``",
    "''",
    "'",
    '"',
    "$",
    "€",
    "US$",
    "...",
    "!?",
    " ",
    "\n",
    "\t",
    "-",
    "—",
    "é",
    "Ünïcode",
    "日本",
    "٣",
    "²",
    "https://x",
    "http://a.b",
    "www.ex",
    "www.",
    "example.com",
    "example.com/",
    "a.b.c.org:80/x",
    "ex.co.uk",
    "x.zz",
    "8.8.8.8",
    "10.0.0.1",
    "192.168.1.1",
    "223.255.255.254",
    "1.2.3.4:8080/p",
    ".com",
    "a.",
    "foo.bar:99",
    "user@example.com",
    "a+b@c-d.e",
    "@x.y",
    "foo@bar",
    "a.b@c.d",
    "evil.exe",
    "file.txt",
    "x.Com",
    "пример.рф",
    "a_b.cd",
    "ftp://h.io",
    "localhost:8080",
    "ABC-12",
    "xXx",
    "Hello",
    "HELLO",
    "hello",
    "aaaaabbbbbccccc",
    "I",
]
FLAGS = [
    "IS_ALPHA",
    "IS_ASCII",
    "IS_DIGIT",
    "IS_LOWER",
    "IS_UPPER",
    "IS_TITLE",
    "IS_PUNCT",
    "IS_SPACE",
    "IS_BRACKET",
    "IS_QUOTE",
    "IS_LEFT_PUNCT",
    "IS_RIGHT_PUNCT",
    "IS_CURRENCY",
    "LIKE_NUM",
    "LIKE_URL",
    "LIKE_EMAIL",
]


@pytest.mark.parametrize("flag", FLAGS)
def test_flags_as_spacy_computes_them(nlp: Any, flag: str) -> None:
    keys = {f"{flag}={value}": [[{flag: value}]] for value in (True, False)}
    doc = Doc(nlp.vocab, words=LEXICAL)
    assert spacy_matches(nlp, keys, [doc]) == our_matches(keys, [doc])


def test_shape_length_and_nested_regex_as_spacy(nlp: Any) -> None:
    keys = {
        "shape": [[{"SHAPE": {"IN": ["Xxxxx", "dd", "xxxx.xxx", "XXXX"]}}], [{"SHAPE": {"REGEX": "^X"}}]],
        "length": [[{"LENGTH": {">": 3.5, "<=": 6}}], [{"LENGTH": {"IS_SUPERSET": [2]}}]],
        "regex-set": [
            [{"TEXT": {"REGEX": {"IN": ["^a", r"\d$"]}}}, {"TEXT": {"REGEX": {"NOT_IN": ["^[a-z]"]}}}]
        ],
        "sets": [[{"LOWER": {"IS_SUBSET": ["a", "hello"]}}, {"ORTH": {"INTERSECTS": ["AB", "ab1"]}}]],
    }
    doc = Doc(nlp.vocab, words=LEXICAL)
    assert spacy_matches(nlp, keys, [doc]) == our_matches(keys, [doc])


# --- validation ---


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ([], "the pattern is empty"),
        ("zero day", "a token pattern is a list of token mappings"),
        ([{"NORM": "zero"}, "day"], "token 1 must be a mapping"),
        ([{"NORMAL": "zero"}], "unknown attribute 'NORMAL'; supported: ORTH, TEXT, NORM, LOWER"),
        ([{"POS": "NOUN"}], "POS needs a trained spaCy pipeline, but ttpmap matches on tokens only"),
        ([{"LEMMA": {"IN": ["be"]}}], "LEMMA needs a trained spaCy pipeline"),
        ([{"ENT_TYPE": "ORG"}], "ENT_TYPE needs a trained spaCy pipeline"),
        ([{"IS_SENT_START": True}], "IS_SENT_START needs a trained spaCy pipeline"),
        (
            [{"_": {"ioc": True}}],
            "custom extension attributes (_) are not available, but ttpmap matches on tokens only",
        ),
        ([{"IS_STOP": True}], "IS_STOP is not supported"),
        ([{"NORM": "a", "OP": "++"}], 'OP must be one of "!", "?", "+", "*"'),
        ([{"NORM": "a", "OP": "{3,1}"}], "OP must be one of"),
        ([{"NORM": "a", "OP": "{,}"}], "OP must be one of"),
        ([{"NORM": "a", "OP": 2}], "OP must be one of"),
        ([{"TEXT": {"REGEX": "(unclosed"}}], "'(unclosed' is not a valid regular expression"),
        ([{"TEXT": {"REGEX": {"IN": ["ok", "[bad"]}}}], "'[bad' is not a valid regular expression"),
        ([{"NORM": {"IN": "day"}}], "NORM.IN takes a list of strings; got str 'day'"),
        ([{"NORM": {"IN": ["day", 1]}}], "NORM.IN takes a list of strings"),
        ([{"NORM": 3}], "NORM takes a string or a mapping"),
        ([{"NORM": {"EQUALS": "a"}}], "NORM takes the operators IN, NOT_IN"),
        ([{"NORM": {">=": "a"}}], "NORM takes the operators"),
        ([{"NORM": {"FUZZY": "exploit"}}], "fuzzy matching) is not supported"),
        ([{"NORM": {}}], "NORM has an empty mapping"),
        ([{"NORM": None}], "NORM has no value (null)"),
        ([{"LENGTH": "3"}], "LENGTH takes a whole number or a mapping"),
        ([{"LENGTH": True}], "LENGTH takes a whole number"),
        ([{"LENGTH": {"REGEX": "3"}}], "LENGTH takes the operators"),
        ([{"LENGTH": {"IN": [1, "2"]}}], "LENGTH.IN takes a list of whole numbers"),
        ([{"LENGTH": {">=": "2"}}], "LENGTH.>= takes a number"),
        ([{"IS_PUNCT": "yes"}], "IS_PUNCT takes true or false"),
        ([{"IS_PUNCT": 1}], "IS_PUNCT takes true or false"),
        ([{1: "a"}], "attribute names are strings"),
        ([{"NORM": "a", "OP": "{0}"}], "can only match zero tokens"),
        ([{"NORM": "a", "OP": "{,0}"}, {"OP": "{0,0}"}], "can only match zero tokens"),
    ],
)
def test_invalid_patterns_are_explained(pattern: Any, message: str) -> None:
    problem = pattern_problem(pattern)
    assert problem is not None
    assert message in problem
    with pytest.raises(ValueError, match="pattern 0 for 'key' is not a valid token pattern"):
        TokenMatcher().add("key", [pattern])


@pytest.mark.parametrize(
    "pattern",
    [
        [{"NORMAL": "zero"}],
        [{"NORM": "a", "OP": "++"}],
        [{"NORM": {"IN": "day"}}],
        [{"NORM": 3}],
        [{"NORM": {"EQUALS": "a"}}],
        [{"NORM": {">=": "a"}}],
        [{"NORM": None}],
        [{"LENGTH": "3"}],
        [{"LENGTH": True}],
        [{"LENGTH": {"IN": [1, "2"]}}],
        [{"IS_PUNCT": "yes"}],
        [{"IS_PUNCT": 1}],
    ],
)
def test_spacy_rejects_what_we_reject(pattern: Any) -> None:
    assert pattern_problem(pattern) is not None
    assert validate_token_pattern(pattern) != []


@pytest.mark.parametrize(
    "pattern",
    [
        [{}],
        [{"OP": "+"}, {"orth": "a"}],
        [{"TEXT": {"REGEX": "^a", "NOT_IN": ["ab"]}, "LENGTH": {">=": 2, "<": 4.5}}],
        [{"LOWER": {"REGEX": {"IN": ["^a", "b$"]}}, "OP": "{2,}"}],
        [{"SHAPE": "Xxxx", "IS_TITLE": True, "LIKE_URL": False, "OP": "{,3}"}, {"NORM": "x", "OP": "!"}],
        [{"ORTH": {"IS_SUBSET": ["a"], "IS_SUPERSET": [], "INTERSECTS": ["a", "b"]}}],
        [{"NORM": "a", "OP": "{0}"}, {"NORM": "b"}],
    ],
)
def test_valid_patterns_are_accepted_as_by_spacy(pattern: Any) -> None:
    assert pattern_problem(pattern) is None
    assert validate_token_pattern(pattern) == []
    TokenMatcher().add("key", [pattern])


def test_add_rejects_a_single_pattern_for_a_list() -> None:
    with pytest.raises(ValueError, match="must be a list of token patterns"):
        TokenMatcher().add("key", {"NORM": "a"})  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    phrases=st.dictionaries(
        st.sampled_from(["p", "q", "r"]),
        st.lists(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3), min_size=1, max_size=3),
        min_size=1,
    ),
    words=st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=15),
)
def test_phrase_table_finds_what_spacys_phrase_matcher_finds(phrases, words):
    from spacy.matcher import PhraseMatcher
    from spacy.vocab import Vocab

    from ttpmap.severity._text import PhraseTable

    vocab = Vocab()
    reference = PhraseMatcher(vocab)
    table = PhraseTable()
    for key, keyed in phrases.items():
        reference.add(key, [Doc(vocab, words=p) for p in keyed])
        table.add(key, keyed)
    doc = Doc(vocab, words=words)
    expected = {(vocab.strings[m], s, e) for m, s, e in reference(doc)} if words else set()
    assert set(table(tuple(words))) == expected
