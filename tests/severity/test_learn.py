"""The learned severity model: fit/predict, scikit-learn conventions, determinism, persistence."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from severity_data import HELD_OUT, labeled_records
from severity_helpers import make_doc
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from ttpmap._exceptions import InputError, InvalidParameterError, NotFittedError
from ttpmap.severity import SeverityClassifier, SeverityRules, train_severity

RECORDS = labeled_records()
TEXTS = [f"{r['title']}\n{r['text']}" for r in RECORDS]
LEVELS = [r["severity"] for r in RECORDS]


@pytest.fixture(scope="module")
def fitted() -> SeverityClassifier:
    return train_severity(RECORDS)


def test_fit_and_predict(fitted):
    assert list(fitted.classes_) == ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"]
    assert fitted.n_train_ == len(RECORDS) == 75
    assert np.mean(fitted.predict(TEXTS) == np.array(LEVELS)) >= 0.95
    held_levels = np.array([level for level, _ in HELD_OUT])
    held = fitted.predict([text for _, text in HELD_OUT])
    assert np.mean(held == held_levels) >= 0.8
    proba = fitted.predict_proba([text for _, text in HELD_OUT])
    assert proba.shape == (len(HELD_OUT), 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_accepts_texts_articles_and_documents(fitted):
    from ttpmap._article import Article

    text = "Attackers are actively exploiting CVE-2024-3400 in the wild."
    by_text = fitted.predict_proba([text])
    np.testing.assert_allclose(fitted.predict_proba([Article(text=text)]), by_text)
    np.testing.assert_allclose(fitted.predict_proba([make_doc(text)]), by_text)


def test_clone_and_params():
    est = SeverityClassifier(C=2.0, ngram_range=(1, 1))
    copy = clone(est)
    assert copy.get_params() == est.get_params()
    assert not hasattr(copy, "model_")
    rules = SeverityRules.default()
    with_rules = clone(SeverityClassifier(rules=rules))
    assert isinstance(with_rules.rules, SeverityRules)
    assert with_rules.rules.ids == rules.ids


def test_deterministic():
    a = SeverityClassifier().fit(TEXTS, LEVELS).predict_proba(TEXTS[:10])
    b = SeverityClassifier().fit(TEXTS, LEVELS).predict_proba(TEXTS[:10])
    np.testing.assert_array_equal(a, b)


def test_pickle_round_trip(fitted):
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(TEXTS[:5]), fitted.predict_proba(TEXTS[:5]))


def test_works_with_cross_validation():
    # unshuffled stratified folds: each fold holds out one article template per level
    scores = cross_val_score(SeverityClassifier(), TEXTS, LEVELS, cv=3)
    assert scores.shape == (3,)
    assert scores.min() >= 0.7
    assert scores.mean() >= 0.8


def test_assess_says_the_model_decided(fitted):
    doc = make_doc(
        "Hackers exploit zero-day in Confluence; the bug has been exploited in the wild since May."
    )
    severity = fitted.assess(doc)
    assert severity.decided_by == "model"
    assert severity.level == "CRITICAL"
    assert severity.reasons[0].rule == "model"
    assert "labeled articles" in severity.reasons[0].text
    assert {"exploited-in-the-wild", "zero-day"} <= {r.rule for r in severity.reasons}
    assert 0 <= severity.confidence <= 100
    assert 80 <= severity.score <= 100


def test_not_fitted():
    with pytest.raises(NotFittedError, match="call fit"):
        SeverityClassifier().predict(["text"])


@pytest.mark.parametrize(
    ("articles", "y", "message"),
    [
        ("one article", ["HIGH"], "got one str"),
        ([], [], "got no articles"),
        (["a", "b"], ["HIGH"], "2 articles but 1 levels"),
        (["a", "b"], ["HIGH", "SEVERE"], "level 1 is 'SEVERE'"),
        (["a", "b"], ["HIGH", "HIGH"], "at least two levels"),
        ([1, 2], ["HIGH", "LOW"], "article 0 is a int"),
    ],
)
def test_bad_input(articles, y, message):
    with pytest.raises(InputError, match=message):
        SeverityClassifier().fit(articles, y)


@pytest.mark.parametrize(
    ("param", "value"),
    [("C", 0), ("max_features", 0), ("ngram_range", (2, 1)), ("class_weight", "auto"), ("rules", 3)],
)
def test_bad_params_say_what_is_allowed(param, value):
    with pytest.raises(InvalidParameterError, match=f"The '{param}' parameter of SeverityClassifier must be"):
        SeverityClassifier(**{param: value}).fit(TEXTS, LEVELS)


def test_train_severity_records():
    records = [*RECORDS[:10], *RECORDS[-10:], {"id": "x", "text": "no label"}]
    clf = train_severity(records, C=1.0)
    assert clf.n_train_ == 20
    assert clf.C == 1.0
    with pytest.raises(InputError, match="record 'bad': severity 'urgent'"):
        train_severity([{"id": "bad", "text": "t", "severity": "urgent"}])
    with pytest.raises(InputError, match="no record carries a 'severity'"):
        train_severity([{"id": "x", "text": "t"}])


def test_train_severity_prepare_hook():
    seen = []

    def prepare(record):
        seen.append(record["id"])
        return make_doc(record["text"])

    train_severity(RECORDS[:5] + RECORDS[-5:], prepare=prepare)
    assert seen == [r["id"] for r in RECORDS[:5] + RECORDS[-5:]]
