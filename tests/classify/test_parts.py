"""The parts: vectorizer, mentions, metrics, baseline."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from ttpmap.attack import Catalog
from ttpmap.classify import TfidfSvcBaseline
from ttpmap.classify._mentions import build_mention_index, load_aliases
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


def test_phrases_at_sentence_edges_and_side_by_side_are_found(mentions):
    text = "Scheduled task. PowerShell scheduled task spearphishing attachment PowerShell"
    _, by_name = _find(mentions, text)
    assert by_name == {0: [0, 1], 1: [1], 2: [1]}


def test_a_mention_index_pickles_to_the_same_bytes_in_every_process(catalog_path):
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, pickle\n"
        "from ttpmap.attack import Catalog\n"
        "from ttpmap.classify._mentions import build_mention_index, load_aliases\n"
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
