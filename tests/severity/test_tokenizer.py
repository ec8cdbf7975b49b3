"""The severity tokenizer: spaCy's English tokens, with special cases added only when a text needs them."""

from __future__ import annotations

import pytest
import spacy
from severity_helpers import make_doc
from spacy.lang.en import English

from ttpmap.severity import SeverityRules, _text
from ttpmap.severity._text import Tokenizer

TRICKY = [
    "It isn't exploited, they don't know; we can't say. It wasn’t patched (it’s not).",
    "Dont panic: cant, wont, isnt and Im are contractions too. Y'all ain't gonna like it.",
    "Mr. Smith met Dr. Jones at 10a.m. on Feb. 3rd, e.g. in the U.S. vs. the U.K. etc.",
    "No. 5 says no. Ruled: no :) (: :-) <3 ^_^ o.O :P C++ and 5km at 3pm.",
    "tabs\tand\nnewlines\u00a0and non\u00a0breaking  spaces  '' ' 'cause 'bout ’em",
    "https://example.com/path?q=don't isn't-it hyphen-ated (CVE-2024-3400) [1] “quoted” ‘single’",
]


def _tokens(doc):
    return [(t.orth_, t.norm_, t.idx, t.whitespace_, t.is_stop, t.like_num, t.shape_) for t in doc]


@pytest.fixture(scope="module")
def blank():
    return spacy.blank("en")


@pytest.mark.parametrize("text", TRICKY)
def test_fresh_tokenizer_gives_spacy_blank_english_tokens(blank, text):
    assert _tokens(Tokenizer().make_doc(text)) == _tokens(blank.make_doc(text))


@pytest.mark.parametrize("order", [1, -1])
def test_one_tokenizer_over_many_texts_gives_the_same_tokens_in_any_order(blank, order):
    tokenizer = Tokenizer()
    for text in TRICKY[::order]:
        assert _tokens(tokenizer.make_doc(text)) == _tokens(blank.make_doc(text))
    assert tokenizer._pending, "the texts above need only some special cases"


def test_every_english_special_case_alone_and_in_context(blank):
    tokenizer = Tokenizer()
    for key in English.Defaults.tokenizer_exceptions:
        for text in (key, f"({key}) x{key}. {key}, “{key}”"):
            assert _tokens(tokenizer.make_doc(text)) == _tokens(blank.make_doc(text)), text


def test_make_docs_matches_make_doc(blank):
    docs = Tokenizer().make_docs(TRICKY)
    assert [_tokens(d) for d in docs] == [_tokens(blank.make_doc(t)) for t in TRICKY]


def test_after_enough_text_every_special_case_is_added(blank, monkeypatch):
    monkeypatch.setattr(_text, "_EAGER_AFTER_CHARS", 100)
    tokenizer = Tokenizer()
    tokenizer.make_doc("short")
    assert tokenizer._pending
    text = " ".join(TRICKY)
    assert _tokens(tokenizer.make_doc(text)) == _tokens(blank.make_doc(text))
    assert not tokenizer._pending


NEGATED = [
    {
        "id": "denied",
        "level": "LOW",
        "score": 25,
        "description": "Exploitation is denied.",
        "when": {"phrases": {"match": ["exploited"], "polarity": "negated"}},
    }
]


@pytest.mark.parametrize(
    "text",
    [
        "The flaw isn't exploited.",
        "The flaw wasn’t exploited.",
        "The flaw hasnt been exploited.",
        "Attackers can't have exploited it.",
    ],
)
def test_contractions_negate(text):
    rules = SeverityRules(NEGATED)
    assert [r.rule for r in rules.evaluate(make_doc(text))] == ["denied"]


def test_without_a_contraction_there_is_no_negation():
    rules = SeverityRules(NEGATED)
    assert rules.evaluate(make_doc("The flaw is exploited.")) == []
