"""The parts: vectorizer, mentions, metrics, baseline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from ttpmap.attack import Catalog
from ttpmap.classify import TfidfSvcBaseline
from ttpmap.classify._mentions import MentionIndex, build_mention_index, load_aliases
from ttpmap.classify._metrics import set_scores, to_parent
from ttpmap.classify._text import sentences_of
from ttpmap.classify._vectorizer import SentenceVectorizer, split_tokens, tokenize

DOCS = [
    "cmd.exe was run",
    "cmd.exe ran PowerShell",
    "the run",
    "",
    "run the cmd.exe cmd.exe",
    "HKCU\\Run_key 2x",
]


def test_vectorizer_matches_scikit_learn():
    ours = SentenceVectorizer(min_df=1).fit_transform(DOCS).toarray()
    ref = TfidfVectorizer(token_pattern=r"[a-zA-Z0-9]+", ngram_range=(1, 2), sublinear_tf=True).fit_transform(
        DOCS
    )
    np.testing.assert_allclose(np.sort(ours, axis=1), np.sort(ref.toarray(), axis=1), atol=1e-6)


def test_span_tokens_are_the_tokens_of_the_pieces():
    from ttpmap.classify._vectorizer import split_span_tokens

    texts = ["Run cmd.exe. Then PowerShell ran.", "İstanbul 5K café — ÉTÉ. Next one.", ""]
    spans = [sentences_of(t) for t in texts]
    pieces = [t[s:e] for t, bounds in zip(texts, spans, strict=True) for s, e in bounds]
    assert split_span_tokens(texts, spans) == split_tokens(pieces)
    assert split_span_tokens(texts[1:2], spans[1:2])[:3] == ["i", "stanbul", "5k"]


_PIECES = [
    "a",
    "ab",
    "abcdefgh",
    "abcdefghi",
    "abcdefghijklmnop",
    "abcdefghijklmnopq",
    "x" * 40,
    "7z",
    "İ",
    "é",
]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    texts=st.lists(
        st.lists(st.sampled_from([*_PIECES, " ", ". ", "-", "\n", ". Next "]), max_size=30).map("".join),
        min_size=1,
        max_size=4,
    ),
    vocab=st.lists(st.sampled_from([*_PIECES[:8], "next", "abcdefghijklmnopqr", "ie"]), max_size=8),
    marked=st.lists(st.integers(0, 200), max_size=12),
)
def test_span_tokens_are_the_split_tokens_and_their_ids(texts, vocab, marked):
    from ttpmap.classify._vectorizer import _fold, split_span_tokens

    vec = SentenceVectorizer(min_df=1)
    vec.fit_transform([" ".join(vocab) or "zzz"])
    spans = [sentences_of(t) for t in texts]
    folded = [None if "\u0130" in t else _fold(t) for t in texts]
    flat = split_span_tokens(texts, spans, folded)
    tokens = vec.span_tokens(texts, spans, folded)
    np.testing.assert_array_equal(tokens.ids, vec.token_ids(flat))
    assert tokens.strings(np.arange(len(flat))) == flat
    at = np.unique(np.array([m % len(flat) for m in marked], dtype=np.int64))
    partial = tokens.partial(at)
    assert [partial[q] for q in at.tolist()] == [flat[q] for q in at.tolist()]
    tokens.fill(partial, np.arange(len(flat)))
    assert partial == flat


def test_vectorizer_transform_equals_fit_transform():
    v = SentenceVectorizer(min_df=1)
    X = v.fit_transform(DOCS)
    np.testing.assert_array_equal(v.transform(DOCS).toarray(), X.toarray())
    assert split_tokens(["a b", "c.d"]) == ["a", "b", "\x00", "c", "d", "\x00"]
    assert tokenize("It’s “PowerShell”\u00a0—\u00a0café_2") == ["it", "s", "powershell", "caf", "2"]


@pytest.fixture(scope="module")
def mentions(catalog_path):
    cat = Catalog.load(catalog_path)
    classes = ["T1053.005", "T1059.001", "T1566.001", "T1574.001"]
    return build_mention_index(classes, cat, load_aliases())


def _find(index, text):
    sents = sentences_of(text)
    flat = split_tokens([text[s:e] for s, e in sents])
    ends = [i for i, w in enumerate(flat) if w == "\x00"]
    return index.find(text, sents, flat, ends)


def test_id_mentions_resolve_revoked_ids(mentions):
    by_id, _ = _find(mentions, "We saw T1059.001 and T1574.002. Not xT1053.005 nor T10590.")
    assert by_id == {1: [0], 3: [0]}


def test_name_and_alias_mentions(mentions):
    text = (
        "Nothing here.\nIt created a Scheduled-Task. Then a spear-phishing attachment arrived.\n"
        "PowerShell ran."
    )
    _, by_name = _find(mentions, text)
    assert by_name == {0: [1], 2: [2], 1: [3]}


def test_names_in_advice_are_no_mentions(mentions):
    text = (
        "Defenders should restrict PowerShell and train staff against spearphishing attachments. "
        "The actor ran PowerShell. We recommend auditing T1053.005."
    )
    by_id, by_name = _find(mentions, text)
    assert by_name == {1: [1]}
    assert by_id == {0: [2]}


def test_ambiguous_and_plain_noun_names_are_no_mentions(catalog_path):
    cat = Catalog.load(catalog_path)
    classes = ["T1087.001", "T1136.001", "T1566.001", "T1598.002", "T1590.005", "T1589.001", "T1195.002"]
    index = build_mention_index(classes, cat, load_aliases())
    text = (
        "A textbook software supply chain compromise. The local account was reused. "
        "We list IP addresses and credentials below. A spearphishing attachment arrived."
    )
    _, by_name = _find(index, text)
    named = {classes[j] for j in by_name}
    # "Local Account" names two techniques, and reconnaissance sub-techniques are plain nouns;
    # the alias table says which technique "spearphishing attachment" means.
    assert named == {"T1195.002", "T1566.001"}


def test_phrase_starts_from_token_ids_match_the_string_path(mentions):
    text = (
        "PowerShell ran; then powershell again. A scheduled task and a spearphishing attachment "
        "followed, and xyzzyunknown scheduled plugh."
    )
    flat = split_tokens([text[s:e] for s, e in sentences_of(text)])
    # A vocabulary that lacks some phrase words, as a real one does: their starts go by string.
    vec = SentenceVectorizer(min_df=1)
    vec.fit_transform(["powershell ran then", "a scheduled", "spearphishing"])
    at, lengths = mentions.phrase_starts(flat, vec.token_ids(flat), vec)
    ref_at, ref_lengths = mentions.phrase_starts(flat)
    np.testing.assert_array_equal(at, ref_at)
    np.testing.assert_array_equal(lengths, ref_lengths)
    starts = {flat[p] for p in at.tolist()}
    assert {"powershell", "scheduled", "spearphishing"} <= starts
    # Refitted, the same vectorizer numbers its tokens anew: its cached table must follow.
    vec.fit_transform(["attachment followed spearphishing", "task scheduled a", "xyzzyunknown"])
    at, lengths = mentions.phrase_starts(flat, vec.token_ids(flat), vec)
    np.testing.assert_array_equal(at, ref_at)
    np.testing.assert_array_equal(lengths, ref_lengths)


def test_phrases_at_sentence_edges_and_side_by_side_are_found(mentions):
    text = "Scheduled task. PowerShell scheduled task spearphishing attachment PowerShell"
    _, by_name = _find(mentions, text)
    assert by_name == {0: [0, 1], 1: [1], 2: [1]}


_WORDS = ["a", "b", "c", "d", "should"]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    phrases=st.lists(st.lists(st.sampled_from(_WORDS[:4]), min_size=1, max_size=4), min_size=1, max_size=6),
    sentences=st.lists(st.lists(st.sampled_from(_WORDS), max_size=12), max_size=5),
)
def test_phrase_mentions_are_every_phrase_inside_a_sentence_without_advice(phrases, sentences):
    table: dict[tuple[str, ...], set[int]] = {}
    for j, phrase in enumerate(phrases):
        table.setdefault(tuple(phrase), set()).add(j)
    index = MentionIndex(ids={}, phrases=tuple((p, tuple(sorted(js))) for p, js in sorted(table.items())))
    flat = [w for words in sentences for w in [*words, "\x00"]]
    ends = [i for i, w in enumerate(flat) if w == "\x00"]
    _, by_name = index.find("", [], flat, ends)
    expected: dict[int, list[int]] = {}
    for k, words in enumerate(sentences):
        if "should" in words:
            continue
        for phrase, js in table.items():
            n = len(phrase)
            if any(tuple(words[p : p + n]) == phrase for p in range(len(words) - n + 1)):
                for j in js:
                    expected.setdefault(j, []).append(k)
    assert by_name == expected


def test_a_mention_index_pickles_to_the_same_bytes_in_every_process(catalog_path):
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, pickle\n"
        "from ttpmap.attack import Catalog\n"
        "from ttpmap.classify._mentions import MentionIndex, build_mention_index, load_aliases\n"
        f"cat = Catalog.load({catalog_path!r})\n"
        "index = build_mention_index(['T1053.005', 'T1059.001', 'T1566.001'], cat, load_aliases())\n"
        "print(hashlib.sha256(pickle.dumps(index)).hexdigest())\n"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_metrics():
    s = set_scores([["T1059.001", "T1105"], ["T1486"]], [["T1059.003", "T1105"], []])
    assert s["micro"]["precision"] == 0.5
    assert s["micro"]["recall"] == pytest.approx(1 / 3)
    p = set_scores([["T1059.001", "T1105"], ["T1486"]], [["T1059.003", "T1105"], []], mapper=to_parent)
    assert p["micro"]["precision"] == 1.0
    assert p["macro"]["recall"] == pytest.approx((1 + 1 + 0) / 3)


def test_baseline_contract():
    texts = ["powershell ran a script", "schtasks created a task", "powershell again", "a scheduled task"]
    y = [["T1059.001"], ["T1053.005"], ["T1059.001"], ["T1053.005"]]
    b = TfidfSvcBaseline(min_df=1).fit(texts, y)
    assert b.predict_labels(["powershell"]) == [["T1059.001"]]


def _reference_rows(vec, ids, n):
    """`transform_ids` the slow way: count each row's unigram and bigram columns in Python."""
    n_tok = vec.n_tokens_
    bigrams = dict(zip(vec.bigram_keys_.tolist(), vec.bigram_cols_.tolist(), strict=True))
    rows: list[dict[int, int]] = [{} for _ in range(n)]
    row = 0
    for i, a in enumerate(ids.tolist()):
        if a == -2:
            row += 1
            continue
        cols = []
        if a >= 0 and vec.unigram_col_[a] >= 0:
            cols.append(int(vec.unigram_col_[a]))
        b = int(ids[i + 1]) if i + 1 < len(ids) else -1
        if a >= 0 and b >= 0 and a * n_tok + b in bigrams:
            cols.append(bigrams[a * n_tok + b])
        for c in cols:
            rows[row][c] = rows[row].get(c, 0) + 1
    data, indices, indptr = [], [], [0]
    for counts in rows:
        cols = sorted(counts)
        values = [np.float32((np.log(counts[c]) + 1.0) * np.float64(vec.idf_[c])) for c in cols]
        norm = 0.0
        for v in values:
            norm += float(v) ** 2
        norm = np.float32(np.sqrt(norm) or 1.0)
        data += [v / norm for v in values]
        indices += cols
        indptr.append(len(indices))
    return np.array(data, dtype=np.float32), np.array(indices, dtype=np.int32), np.array(indptr)


@pytest.mark.parametrize("lookup", ["search", "hash"])
@pytest.mark.parametrize("case", ["fitted", "permuted", "no_bigrams"])
def test_transform_ids_counts_like_the_slow_way(monkeypatch, case, lookup):
    from ttpmap.classify import _vectorizer

    monkeypatch.setattr(_vectorizer, "_HASH_MIN_TOKENS", 0 if lookup == "hash" else 10**9)
    docs = ["run", "cmd", "exe", "the"] if case == "no_bigrams" else [*DOCS, "run run the cmd.exe cmd exe"]
    vec = SentenceVectorizer(min_df=1)
    vec.fit_transform(docs)
    rng = np.random.default_rng(7)
    if case == "permuted":
        vec.permute(rng.permutation(vec.n_features))
    if case == "no_bigrams":
        assert len(vec.bigram_keys_) == 0
    for _ in range(20):
        ids = rng.choice([-2, -1, *range(vec.n_tokens_)], size=int(rng.integers(0, 60)))
        ids = np.append(ids, -2).astype(np.int64)
        n = int((ids == -2).sum())
        X, ends = vec.transform_ids(ids, n)
        data, indices, indptr = _reference_rows(vec, ids, n)
        np.testing.assert_array_equal(ends, np.flatnonzero(ids == -2))
        np.testing.assert_array_equal(X.indptr, indptr)
        np.testing.assert_array_equal(X.indices, indices)
        np.testing.assert_array_equal(X.data, data)
        assert (X.data.dtype, X.indices.dtype, X.indptr.dtype) == (np.float32, np.int32, np.int64)


def test_int_map_finds_its_keys_and_nothing_else():
    from ttpmap.classify._vectorizer import _IntMap

    rng = np.random.default_rng(3)
    for size in (0, 1, 50, 5000):
        keys = rng.choice(10**7, size=size, replace=False)
        values = rng.integers(0, 10**6, size=size)
        index = _IntMap(keys, values)
        queries = np.concatenate([keys, rng.integers(0, 10**7, size=2000), [0, 2**40]])
        expected = dict(zip(keys.tolist(), values.tolist(), strict=True))
        got = index.get(queries)
        assert got.tolist() == [expected.get(q, -1) for q in queries.tolist()]
