"""The severity tokenizer: spacy.blank("en")'s tokens, NORMs, offsets and spaces, without spaCy."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from severity_helpers import make_doc
from spacy.lang.en import English

from ttpmap.severity import SeverityRules
from ttpmap.severity import _tokenizer as tokenizer_module
from ttpmap.severity._tokenizer import DATA_FILE, Tokenizer, dump_rules, export_spacy_english

TRICKY = [
    "It isn't exploited, they don't know; we can't say. It wasn’t patched (it’s not).",
    "Dont panic: cant, wont, isnt and Im are contractions too. Y'all ain't gonna like it.",
    "Mr. Smith met Dr. Jones at 10a.m. on Feb. 3rd, e.g. in the U.S. vs. the U.K. etc.",
    "No. 5 says no. Ruled: no :) (: :-) <3 ^_^ o.O :P C++ and 5km at 3pm.",
    "tabs\tand\nnewlines\u00a0and non\u00a0breaking  spaces  '' ' 'cause 'bout ’em",
    "https://example.com/path?q=don't isn't-it hyphen-ated (CVE-2024-3400) [1] “quoted” ‘single’",
    " leading space, trailing space ",
    "  two leading, two trailing  ",
    "\n\tstarts with a newline and ends with one\n",
    "a.m.) (a.m. U.S.A.: “e.g.”… don't. can't! won't? ’s 's '' “”",
]
# TTPMAP_FUZZ_SCALE=50 runs fifty times the examples (a deeper, local fuzzing run).
_SCALE = max(1, int(os.environ.get("TTPMAP_FUZZ_SCALE", "1")))
_FUZZ = settings(
    max_examples=400 * _SCALE, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
_ALPHABET = st.sampled_from(
    [
        *"abcxyzAEIUSTXmps0123456789",
        *"'’\"“”.,;:!?()[]{}-–—/\\@#$%&*+=<>~^_…",
        *" \n\t\u00a0",
        "n't",
        "N'T",
        "a.m.",
        "p.m",
        ":)",
        ":-)",
        "<3",
        "U.S.",
        "e.g.",
        "i.e.",
        "'s",
        "’s",
        "'ll",
        "can",
        "do",
        "https://",
        "www.",
        ".com",
        "km",
        "°C",
        "$",
        "US$",
        "\u00e9",
        "\u4e2d",
        "\U0001f600",
    ]
)


def _spacy(doc):
    return [(t.orth_, t.norm_, t.idx, bool(t.whitespace_)) for t in doc]


def _ours(tokens):
    return list(zip(tokens.orth, tokens.norm, tokens.idx, tokens.space, strict=True))


@pytest.fixture(scope="module")
def blank(english):
    return english.tokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return Tokenizer()


@pytest.mark.parametrize("text", TRICKY)
def test_tokens_equal_spacy_blank_english(blank, tokenizer, text):
    assert _ours(tokenizer(text)) == _spacy(blank(text))


@pytest.mark.parametrize("order", [1, -1])
def test_many_texts_in_any_order_give_the_same_tokens(blank, order):
    tokenizer = Tokenizer()
    for text in TRICKY[::order] + TRICKY:
        assert _ours(tokenizer(text)) == _spacy(blank(text))


def test_every_english_special_case_alone_and_in_context(blank, tokenizer):
    for key in English.Defaults.tokenizer_exceptions:
        for text in (key, f"({key}) x{key}. {key}, “{key}”", f"{key}{key}:{key})", f"«{key}!"):
            assert _ours(tokenizer(text)) == _spacy(blank(text)), text


def test_norm_is_the_special_cases_else_spacys_norm_exceptions_else_lowercase(blank, tokenizer):
    text = "Don't say “NO”… It’s 5PM"
    tokens = tokenizer(text)
    assert _ours(tokens) == _spacy(blank(text))
    assert tokens.orth == ("Do", "n't", "say", "“", "NO", "”", "…", "It", "’s", "5PM")
    assert tokens.norm == ("do", "not", "say", '"', "no", '"', "...", "it", "'s", "5pm")


@pytest.mark.shared
@pytest.mark.slow
def test_tram2_reports(blank, tokenizer, tram2_texts):
    for n, tokens in enumerate(tokenizer.pipe(tram2_texts)):
        assert _ours(tokens) == _spacy(blank(tram2_texts[n])), f"report {n}"


def test_sample_articles(blank, tokenizer, samples):
    for path in samples:
        text = path.read_text(encoding="utf-8")
        assert _ours(tokenizer(text)) == _spacy(blank(text)), path.name


@_FUZZ
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_tricky_texts_equal_spacy(blank, text):
    assert _ours(Tokenizer()(text)) == _spacy(blank(text))


def test_char_span_equals_spacy_expand(english, tokenizer):
    rng = random.Random(7)
    for text in [*TRICKY, "", " ", "a", "ab  cd\n"]:
        doc = english.make_doc(text)
        tokens = tokenizer(text)
        for _ in range(300):
            start = rng.randint(-2, len(text) + 2)
            end = rng.randint(start, len(text) + 3)
            span = doc.char_span(start, end, alignment_mode="expand")
            expected = None if span is None else (span.start, span.end)
            assert tokens.char_span(start, end) == expected, (text, start, end)


def test_reversed_char_span_raises_as_spacy_does(tokenizer):
    with pytest.raises(IndexError, match="reversed"):
        tokenizer("ab cd  ef").char_span(5, 3)


@pytest.mark.parametrize("text", ["", " ", "   ", "\n", "\t \n", "\u00a0", "x" * 64, "(" * 64, "a." * 32])
def test_edge_texts_equal_spacy(blank, tokenizer, text):
    tokens = tokenizer(text)
    assert _ours(tokens) == _spacy(blank(text))
    assert len(tokens) == len(blank(text))


def test_lone_surrogates_are_tokenized_where_spacy_raises(blank, tokenizer):
    text = "a\ud800b (\udfff). c"
    with pytest.raises(UnicodeEncodeError):
        blank(text)
    tokens = tokenizer(text)
    assert "".join(o + " " * s for o, s in zip(tokens.orth, tokens.space, strict=True)) == text
    assert tokens.orth == ("a\ud800b", "(", "\udfff", ")", ".", "c")


def test_word_splitting_follows_str_isspace():
    every_char = "".join(map(chr, range(sys.maxunicode + 1)))
    assert re.findall(r"\s", every_char) == [c for c in every_char if c.isspace()]


def test_pipe_equals_calls(tokenizer):
    assert tokenizer.pipe(TRICKY) == [tokenizer(text) for text in TRICKY]


def test_threads_sharing_a_tokenizer_give_the_same_tokens(blank, monkeypatch):
    monkeypatch.setattr(tokenizer_module, "_CACHE_SIZE", 20)
    tokenizer_module._load_rules().cache.clear()
    expected = [_spacy(blank(text)) for text in TRICKY]
    tokenizer = Tokenizer()
    failures = []

    def work():
        for _ in range(30):
            for text, want in zip(TRICKY, expected, strict=True):
                if _ours(tokenizer(text)) != want:
                    failures.append(text)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert len(tokenizer_module._load_rules().cache) <= 20


def test_special_case_patterns_follow_from_the_rules():
    """The shipped matcher patterns are what the rules make of each case's string without special cases."""
    rules = tokenizer_module._load_rules()
    assert all(not any(c.isspace() for c in key) or len(key) == 1 for key in rules.specials)
    mine = {
        key: [orth for orth, _ in rules.split(key, specials=False)]
        for key in rules.specials
        if rules.find_prefix(key) or rules.find_infixes(key) or rules.find_suffix(key) or " " in key
    }
    assert mine == rules.data["special_patterns"]


@pytest.mark.parametrize("name", ["prefix", "suffix", "infix", "url_match"])
def test_compact_patterns_are_spacys_with_the_same_character_classes(name):
    source = tokenizer_module._load_rules().data[name]
    spacy_spans = list(tokenizer_module._class_spans(source["pattern"]))
    compact_spans = list(tokenizer_module._class_spans(source["compact"]))
    assert len(spacy_spans) == len(compact_spans) > 0

    def outside(pattern, spans):
        ends = [0, *(i for span in spans for i in span), len(pattern)]
        return [pattern[a:b] for a, b in zip(ends[::2], ends[1::2], strict=True)]

    assert outside(source["pattern"], spacy_spans) == outside(source["compact"], compact_spans)
    every_char = tokenizer_module._every_char()
    pairs = {
        (source["pattern"][a:b], source["compact"][c:d])
        for (a, b), (c, d) in zip(spacy_spans, compact_spans, strict=True)
    }
    for ours, theirs in pairs:
        assert [m.span() for m in re.finditer(ours + "+", every_char)] == [
            m.span() for m in re.finditer(theirs + "+", every_char)
        ], ours


def test_shipped_rules_equal_the_installed_spacy():
    expected = dump_rules(export_spacy_english())
    assert DATA_FILE.read_text(encoding="utf-8") == expected, (
        f"{DATA_FILE} differs from spaCy {spacy.__version__}'s English tokenizer: "
        "rerun 'python -m ttpmap.severity._tokenizer --write', then this test file"
    )


def test_tokenizing_does_not_import_spacy():
    code = (
        "import sys\n"
        "from ttpmap.severity._tokenizer import Tokenizer\n"
        'tokens = Tokenizer()("It isn\'t exploited :) in the U.S.")\n'
        "assert tokens.orth[:3] == ('It', 'is', \"n't\"), tokens.orth\n"
        "assert 'spacy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})


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
