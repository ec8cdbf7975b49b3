"""The scikit-learn estimator contract of TechniqueClassifier, on a tiny configuration."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, cross_validate

from ttpmap._exceptions import InputError, InvalidParameterError, NotFittedError, UnknownTechniqueError
from ttpmap._results import Tactic, Technique
from ttpmap.classify import TechniqueClassifier
from ttpmap.classify._train import fit_inputs

TINY = {"inner_cv": 2, "max_negatives": 200, "min_df": 1, "n_jobs": 1}


@pytest.fixture(scope="module")
def data(sample_records):
    return fit_inputs(sample_records)


@pytest.fixture(scope="module")
def fitted(catalog_path, data):
    X, y, spans, groups = data
    return TechniqueClassifier(catalog=catalog_path, **TINY).fit(X, y, spans=spans, groups=groups)


@pytest.fixture(scope="module")
def articles(sample_records):
    return [r for r in sample_records if r.spans]


def test_init_stores_params_unchanged(catalog_path):
    clf = TechniqueClassifier(catalog=catalog_path, C=0.25, threshold=0.4, inner_cv=2)
    assert clf.get_params()["C"] == 0.25
    assert clf.threshold == 0.4
    assert clf.catalog == catalog_path
    assert not [k for k in vars(clf) if k.endswith("_")]


def test_init_does_no_validation():
    clf = TechniqueClassifier(C=-1.0, threshold="nonsense")
    assert clf.C == -1.0
    assert clf.threshold == "nonsense"


@pytest.mark.parametrize("method", ["predict", "predict_proba", "explain", "predict_tactics"])
def test_unfitted_raises(method):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(TechniqueClassifier(), method)(["PowerShell ran."])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"C": -1.0}, "'C'"),
        ({"threshold": "best"}, "'threshold'"),
        ({"inner_cv": 1}, "'inner_cv'"),
        ({"max_coef": 0}, "'max_coef'"),
        ({"threshold": 1.5}, "'threshold'"),
    ],
)
def test_param_validation_names_the_parameter(catalog_path, data, params, name):
    X, y, spans, groups = data
    with pytest.raises(InvalidParameterError, match=f"The {name} parameter of TechniqueClassifier must be"):
        TechniqueClassifier(catalog=catalog_path, **{**TINY, **params}).fit(X, y, spans=spans, groups=groups)


def test_fit_learns_label_space_and_metadata(fitted, data):
    _, y, _, _ = data
    assert set(fitted.classes_) == {lab for ls in y for lab in ls}
    assert fitted.thresholds_.shape == (len(fitted.classes_),)
    assert fitted.attack_version_ == "18.1"
    name, tactics, url = fitted.label_info_["T1059.001"]
    assert name == "Command and Scripting Interpreter: PowerShell"
    assert tactics == ("execution",)
    assert url == "https://attack.mitre.org/techniques/T1059/001/"


def test_bare_string_is_refused(fitted):
    for method in (fitted.predict, fitted.predict_proba, fitted.explain):
        with pytest.raises(InputError, match="got one str; pass a list of articles"):
            method("The loader runs PowerShell.")


def test_bad_inputs_are_refused(fitted, catalog_path, data):
    with pytest.raises(InputError, match="empty list"):
        fitted.predict([])
    with pytest.raises(InputError, match="bytes"):
        fitted.predict([b"PowerShell"])
    with pytest.raises(InputError, match="binary"):
        fitted.predict(["a\x00b"])
    X, y, spans, groups = data
    with pytest.raises(InputError, match="label lists"):
        TechniqueClassifier(catalog=catalog_path, **TINY).fit(X, y[:-1])
    with pytest.raises(UnknownTechniqueError, match="T9999"):
        TechniqueClassifier(catalog=catalog_path, **TINY).fit(
            X, [["T9999"], *y[1:]], spans=spans, groups=groups
        )


def test_predict_shapes_and_binary(fitted, articles):
    texts = [a.text for a in articles]
    proba = fitted.predict_proba(texts)
    pred = fitted.predict(texts)
    assert proba.shape == pred.shape == (len(texts), len(fitted.classes_))
    assert ((proba >= 0) & (proba <= 1)).all()
    assert set(np.unique(pred)) <= {0, 1}


def test_fit_is_idempotent_and_forgets(catalog_path, data, articles):
    X, y, spans, groups = data
    texts = [a.text for a in articles]
    a = TechniqueClassifier(catalog=catalog_path, **TINY).fit(X, y, spans=spans, groups=groups)
    b = TechniqueClassifier(catalog=catalog_path, **TINY)
    b.fit(X[:40], y[:40], spans=spans[:40], groups=groups[:40])
    b.fit(X, y, spans=spans, groups=groups)
    np.testing.assert_allclose(a.predict_proba(texts), b.predict_proba(texts))
    assert list(a.classes_) == list(b.classes_)


def test_predict_and_explain_do_not_mutate(fitted, articles):
    before = joblib.hash(fitted.__dict__)
    fitted.predict([a.text for a in articles])
    fitted.explain([a.text for a in articles])
    assert joblib.hash(fitted.__dict__) == before


def test_clone_round_trip(fitted):
    c = clone(fitted)
    assert c.get_params() == fitted.get_params()
    assert not hasattr(c, "classes_")


def test_cross_validate_with_group_kfold(catalog_path, data):
    X, y, spans, groups = data

    def micro_f1(est, Xt, yt):
        pred = est.predict(Xt)
        tp = fp = fn = 0
        for row, gold in zip(pred, yt, strict=True):
            got = {est.classes_[j] for j in np.flatnonzero(row)}
            tp += len(got & set(gold))
            fp += len(got - set(gold))
            fn += len(set(gold) - got)
        return 2 * tp / max(2 * tp + fp + fn, 1)

    # sentences form one group that always trains; the articles are split between two folds
    cv_groups = ["sentences" if s is None else g for s, g in zip(spans, groups, strict=True)]
    splits = [
        (tr, te)
        for tr, te in GroupKFold(n_splits=3).split(X, groups=cv_groups)
        if "sentences" not in {cv_groups[i] for i in te}
    ]
    out = cross_validate(
        TechniqueClassifier(catalog=catalog_path, **TINY),
        X,
        y,
        groups=cv_groups,
        cv=splits,
        scoring=micro_f1,
        params={"spans": spans, "groups": groups},
        error_score="raise",
    )
    assert len(out["test_score"]) == 2
    assert all(0.0 <= s <= 1.0 for s in out["test_score"])


def test_explain_offsets_point_at_the_text(fitted, articles):
    for article, (techniques, tactics) in zip(
        articles, fitted.explain([a.text for a in articles]), strict=True
    ):
        assert techniques, article.id
        for t in techniques:
            assert isinstance(t, Technique)
            assert t.url.startswith("https://attack.mitre.org/techniques/")
            assert 0.0 <= t.confidence <= 1.0
            assert t.evidence
            for e in t.evidence:
                assert article.text[e.start : e.end] == e.text
        shorts = {tac.shortname for tac in tactics}
        assert all(isinstance(tac, Tactic) for tac in tactics)
        for t in techniques:
            assert set(t.tactics) <= shorts


def test_explain_finds_what_the_article_says(fitted):
    text = (
        "The operators sent a spearphishing attachment to the finance team. "
        "Once opened, the macro launched PowerShell with an encoded command. "
        "The implant then encrypted every file on the mapped drives and left a ransom note."
    )
    techniques, _ = fitted.explain([text])[0]
    found = {t.id for t in techniques}
    assert {"T1566.001", "T1059.001", "T1486"} <= found
    ps = next(t for t in techniques if t.id == "T1059.001")
    assert "PowerShell" in ps.evidence[0].text


def test_explicit_id_mention_sets_source(fitted):
    text = "The loader runs an encoded PowerShell command (T1059.001) that downloads the second stage."
    techniques, _ = fitted.explain([text])[0]
    ps = [t for t in techniques if t.id == "T1059.001"]
    assert ps
    assert ps[0].source == "mention"


def test_fixed_threshold(catalog_path, data):
    X, y, spans, groups = data
    clf = TechniqueClassifier(catalog=catalog_path, **{**TINY, "threshold": 0.5}).fit(
        X, y, spans=spans, groups=groups
    )
    assert np.all(clf.thresholds_ == 0.5)


def test_too_few_articles_is_explained(catalog_path, sample_records):
    sentences = [r for r in sample_records if not r.spans]
    X, y, spans, groups = fit_inputs(sentences)
    with pytest.raises(InputError, match="at least inner_cv=2 groups"):
        TechniqueClassifier(catalog=catalog_path, **TINY).fit(X, y, spans=spans, groups=groups)


def test_sklearn_tags():
    tags = TechniqueClassifier().__sklearn_tags__()
    assert tags.input_tags.string
    assert not tags.input_tags.two_d_array


def test_pickle_round_trip(fitted, articles, tmp_path):
    path = tmp_path / "clf.joblib"
    joblib.dump(fitted, path)
    again = joblib.load(path)
    texts = [a.text for a in articles]
    np.testing.assert_allclose(again.predict_proba(texts), fitted.predict_proba(texts))


def test_check_catalog_refuses_another_version(fitted, catalog_path):
    from ttpmap._exceptions import ModelError
    from ttpmap.attack import Catalog

    cat = Catalog.load(catalog_path)
    fitted.check_catalog(cat)
    other = Catalog(
        version="19.0",
        domain=cat.domain,
        bundle_sha256=cat.bundle_sha256,
        spec_version=cat.spec_version,
        techniques=cat.techniques.values(),
        tactics=cat.tactics,
    )
    with pytest.raises(ModelError, match=r"v18\.1 but the catalog is v19\.0"):
        fitted.check_catalog(other)
