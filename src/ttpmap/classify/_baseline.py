"""rcATT's method as a baseline: TF-IDF over whole articles and one LinearSVC per technique."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ttpmap._exceptions import InputError, NotFittedError
from ttpmap.classify._params import Interval, Options, check_params
from ttpmap.classify._text import check_texts

__all__ = ["TfidfSvcBaseline"]


class TfidfSvcBaseline(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """The rcATT baseline (Legoy et al. 2020): TF-IDF of the article, one-vs-rest LinearSVC.

    Parameters
    ----------
    C : float, default=1.0
        LinearSVC regularisation.
    min_df : int, default=2
        Minimum document frequency of a word.
    class_weight : "balanced" or None, default="balanced"
        LinearSVC class weights (rcATT balances them).
    n_jobs : int or None, default=None
        Parallel jobs of the one-vs-rest fit.

    Attributes
    ----------
    classes_ : ndarray of str
        Technique IDs seen in training, the columns of `predict`.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "C": [Interval(float, 0.0, None, closed="neither")],
        "min_df": [Interval(int, 1, None)],
        "class_weight": [Options("balanced"), None],
        "n_jobs": [None, Interval(int, None, None)],
    }

    def __init__(
        self,
        *,
        C: float = 1.0,
        min_df: int = 2,
        class_weight: str | None = "balanced",
        n_jobs: int | None = None,
    ) -> None:
        self.C = C
        self.min_df = min_df
        self.class_weight = class_weight
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    def fit(self, X: Iterable[str], y: Iterable[Iterable[str]]) -> TfidfSvcBaseline:
        """Fit on articles and their technique IDs."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import MultiLabelBinarizer
        from sklearn.svm import LinearSVC

        check_params(type(self).__name__, self.get_params(), self._parameter_constraints)
        texts = check_texts(X)
        labels = [list(ls) for ls in y]
        if len(labels) != len(texts):
            raise InputError(f"y has {len(labels)} label lists for {len(texts)} articles")
        self.vectorizer_ = TfidfVectorizer(
            sublinear_tf=True, min_df=self.min_df, max_df=0.9, stop_words="english"
        )
        Xv = self.vectorizer_.fit_transform(texts)
        mlb = MultiLabelBinarizer()
        Y = mlb.fit_transform(labels)
        keep = (Y.sum(axis=0) > 0) & (Y.sum(axis=0) < len(texts))
        self.classes_ = np.array(mlb.classes_[keep], dtype=object)
        self.always_ = np.array(mlb.classes_[Y.sum(axis=0) == len(texts)], dtype=object)
        self.model_ = OneVsRestClassifier(
            LinearSVC(C=self.C, class_weight=self.class_weight, random_state=0), n_jobs=self.n_jobs
        ).fit(Xv, Y[:, keep])
        return self

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Binary indicator matrix over `classes_`."""
        if not hasattr(self, "model_"):
            raise NotFittedError("This TfidfSvcBaseline instance is not fitted yet; call 'fit' first.")
        texts = check_texts(X)
        return np.asarray(self.model_.predict(self.vectorizer_.transform(texts)), dtype=np.int64)

    def predict_labels(self, X: Iterable[str]) -> list[list[str]]:
        """Technique IDs predicted for each article."""
        P = self.predict(X)
        extra = [str(c) for c in self.always_]
        return [[str(self.classes_[j]) for j in np.flatnonzero(row)] + extra for row in P]
