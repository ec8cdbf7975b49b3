"""`SeverityClassifier`: severity learned from labeled articles, explained by the rules."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ttpmap._document import WorkDoc
from ttpmap._exceptions import InputError, InvalidParameterError, NotFittedError
from ttpmap._results import SEVERITY_LEVELS, Reason, Severity, SeverityLevel
from ttpmap.severity._rules import SeverityRules
from ttpmap.severity._schema import BANDS

__all__ = ["SeverityClassifier", "train_severity"]

_COUNTS = ("techniques", "phases", "hunts", "high_fidelity_iocs", "cves")


class SeverityClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Severity learned from labeled articles: text TF-IDF plus what the pipeline found.

    Features are the article's title and text (word and bigram TF-IDF) and, from the working
    document, the severity rules that fire, the level and score they give, the counts of
    techniques, kill-chain phases, hunts, high-fidelity IOCs and CVEs, and the highest CVSS
    quoted. A multinomial logistic regression maps them to a level.

    Parameters
    ----------
    rules : SeverityRules, path-like or None, default=None
        The rules whose hits are features and whose reasons explain each prediction;
        None uses `SeverityRules.default()`.
    max_features : int, default=20000
        Size of the TF-IDF vocabulary.
    ngram_range : tuple of (int, int), default=(1, 2)
        Word n-grams for the TF-IDF.
    min_df : int, default=1
        Ignore words that occur in fewer training articles.
    C : float, default=4.0
        Inverse regularisation strength of the logistic regression.
    class_weight : {'balanced'} or None, default='balanced'
        Weight levels inversely to their frequency.
    evidence_weight : float, default=1.0
        Scale of the rule and count features against the TF-IDF block.

    Attributes
    ----------
    classes_ : ndarray of str
        The levels seen in training, from lowest to highest.
    rules_ : SeverityRules
        The rules in use.
    vectorizer_ : TfidfVectorizer
        The fitted text vectorizer.
    model_ : LogisticRegression
        The fitted classifier.
    n_train_ : int
        The number of labeled articles it was trained on.

    Examples
    --------
    >>> from ttpmap.severity import SeverityClassifier
    >>> texts = ["Attackers are actively exploiting CVE-2024-3400 (CVSS 10.0) in the wild.",
    ...          "How to build container images with ko and publish them to a registry."]
    >>> clf = SeverityClassifier().fit(texts, ["CRITICAL", "INFO"])
    >>> clf.predict(["The flaw is being actively exploited in the wild."])[0]
    'CRITICAL'
    """

    def __init__(
        self,
        *,
        rules: SeverityRules | str | Path | None = None,
        max_features: int = 20000,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        C: float = 4.0,
        class_weight: str | None = "balanced",
        evidence_weight: float = 1.0,
    ) -> None:
        self.rules = rules
        self.max_features = max_features
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.C = C
        self.class_weight = class_weight
        self.evidence_weight = evidence_weight

    def fit(self, X: Sequence[Any], y: Sequence[str]) -> SeverityClassifier:
        """Fit on articles (texts, `Article` objects or working documents) and their levels."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self._check_params()
        docs = _as_docs(X)
        levels = _as_levels(y)
        if len(levels) != len(docs):
            raise InputError(f"got {len(docs)} articles but {len(levels)} levels; pass one level per article")
        present = sorted(set(levels), key=SEVERITY_LEVELS.index)
        if len(present) < 2:
            raise InputError(
                f"every training article is labeled {present[0]!r}; "
                "a severity model needs at least two levels"
            )
        self.rules_ = _resolve_rules(self.rules)
        self.vectorizer_ = TfidfVectorizer(
            sublinear_tf=True,
            strip_accents="unicode",
            ngram_range=tuple(self.ngram_range),
            min_df=self.min_df,
            max_features=self.max_features,
            dtype=np.float64,
        )
        text = self.vectorizer_.fit_transform([_text_of(d) for d in docs])
        features = self._stack(text, docs)
        self.model_ = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000)
        self.model_.fit(features, np.array([SEVERITY_LEVELS.index(lv) for lv in levels]))
        self.classes_ = np.array([SEVERITY_LEVELS[i] for i in self.model_.classes_], dtype=object)
        self.n_train_ = len(docs)
        return self

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray:
        """Probability of each level in `classes_` for each article."""
        self._check_fitted()
        docs = _as_docs(X)
        features = self._stack(self.vectorizer_.transform([_text_of(d) for d in docs]), docs)
        proba: np.ndarray = self.model_.predict_proba(features)
        return proba

    def predict(self, X: Sequence[Any]) -> np.ndarray:
        """The most probable level for each article."""
        proba = self.predict_proba(X)
        out: np.ndarray = self.classes_[proba.argmax(axis=1)]
        return out

    def assess(self, doc: WorkDoc) -> Severity:
        """The severity of one working document: the model's level, explained by the rules' reasons."""
        self._check_fitted()
        rules_view = self.rules_.assess(doc)
        proba = self.predict_proba([doc])[0]
        best = int(proba.argmax())
        level: SeverityLevel = self.classes_[best]
        p = float(proba[best])
        lo, hi = BANDS[level]
        score = rules_view.score if level == rules_view.level else round(lo + p * (hi - lo))
        note = Reason(
            "model",
            f"A severity model trained on {self.n_train_} labeled articles rates this {level} "
            f"(probability {p:.2f}); the rules alone give {rules_view.level}.",
            level,
            score,
        )
        return Severity(level, score, round(p * 100), (note, *rules_view.reasons), "model")

    def _stack(self, text: Any, docs: Sequence[WorkDoc]) -> Any:
        from scipy import sparse

        evidence = np.array([self._evidence(d) for d in docs], dtype=np.float64) * self.evidence_weight
        return sparse.hstack([text, sparse.csr_matrix(evidence)], format="csr")

    def _evidence(self, doc: WorkDoc) -> list[float]:
        severity, counts = self.rules_._assess(doc)
        fired = {r.rule for r in severity.reasons}
        row = [1.0 if rule_id in fired else 0.0 for rule_id in self.rules_.ids]
        row.extend(1.0 if severity.level == lv else 0.0 for lv in SEVERITY_LEVELS)
        row.append(severity.score / 100)
        row.extend(math.log1p(counts[k]) / 3 for k in _COUNTS)
        row.append(counts["max_cvss"] / 10)
        return row

    def _check_params(self) -> None:
        checks: list[tuple[str, bool, str]] = [
            ("max_features", _is_int(self.max_features, 1), "an int >= 1"),
            ("min_df", _is_int(self.min_df, 1), "an int >= 1"),
            ("C", _is_number(self.C) and self.C > 0, "a float > 0"),
            (
                "evidence_weight",
                _is_number(self.evidence_weight) and self.evidence_weight >= 0,
                "a float >= 0",
            ),
            ("class_weight", self.class_weight in ("balanced", None), "'balanced' or None"),
            (
                "ngram_range",
                isinstance(self.ngram_range, tuple | list)
                and len(self.ngram_range) == 2
                and all(_is_int(n, 1) for n in self.ngram_range)
                and self.ngram_range[0] <= self.ngram_range[1],
                "a tuple (min_n, max_n) with 1 <= min_n <= max_n",
            ),
            (
                "rules",
                self.rules is None or isinstance(self.rules, SeverityRules | str | Path),
                "a SeverityRules, a path to a rules file, or None",
            ),
        ]
        for name, ok, allowed in checks:
            if not ok:
                raise InvalidParameterError(
                    f"The {name!r} parameter of SeverityClassifier must be {allowed}. "
                    f"Got {getattr(self, name)!r} instead."
                )

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(
                "This SeverityClassifier is not fitted yet; call fit() or train_severity() first, "
                "or load a model that has one"
            )


def train_severity(
    records: Iterable[Mapping[str, Any]],
    *,
    prepare: Callable[[Mapping[str, Any]], WorkDoc] | None = None,
    **params: Any,
) -> SeverityClassifier:
    """Fit a `SeverityClassifier` on labeled articles that carry a ``severity`` field.

    Parameters
    ----------
    records : iterable of mapping
        Labeled-article records (``id``, ``title``, ``text``, ``url``, ``labels``, ``severity``);
        records without ``severity`` are skipped.
    prepare : callable, optional
        Turns a record into a filled `WorkDoc` (techniques, phases, hunts, IOCs), e.g. the
        analyzer's pipeline, so that training sees the same evidence as prediction. By default
        only the text is used.
    **params
        Parameters of `SeverityClassifier`.

    Returns
    -------
    SeverityClassifier
        The fitted estimator.
    """
    docs: list[WorkDoc] = []
    levels: list[str] = []
    for i, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise InputError(f"record {i} is a {type(record).__name__}; each record is a mapping with 'text'")
        level = record.get("severity")
        if level is None:
            continue
        name = record.get("id", i)
        if not isinstance(level, str) or level.strip().upper() not in SEVERITY_LEVELS:
            raise InputError(
                f"record {name!r}: severity {level!r} is not one of {', '.join(SEVERITY_LEVELS)}"
            )
        if not isinstance(record.get("text"), str):
            raise InputError(f"record {name!r} has no 'text' string")
        docs.append(prepare(record) if prepare is not None else _doc_from_record(record))
        levels.append(level.strip().upper())
    if not docs:
        raise InputError(
            "no record carries a 'severity' field; label some articles INFO, LOW, MEDIUM, HIGH or CRITICAL"
        )
    return SeverityClassifier(**params).fit(docs, levels)


def _doc_from_record(record: Mapping[str, Any]) -> WorkDoc:
    from ttpmap._article import Article

    return WorkDoc.from_article(
        Article(text=record["text"], title=record.get("title") or None, url=record.get("url") or None)
    )


def _as_docs(articles: Any) -> list[WorkDoc]:
    if isinstance(articles, str | bytes):
        raise InputError("got one str; pass a list of articles (texts, Article objects or documents)")
    try:
        items = list(articles)
    except TypeError:
        raise InputError(f"expected a list of articles; got {type(articles).__name__}") from None
    if not items:
        raise InputError("got no articles; pass at least one")
    from ttpmap._article import Article

    docs = []
    for i, x in enumerate(items):
        if isinstance(x, WorkDoc):
            docs.append(x)
        elif isinstance(x, str):
            docs.append(WorkDoc.from_article(Article(text=x)))
        elif isinstance(x, Article):
            docs.append(WorkDoc.from_article(x))
        else:
            raise InputError(f"article {i} is a {type(x).__name__}; pass str, Article or WorkDoc items")
    return docs


def _as_levels(y: Any) -> list[str]:
    if isinstance(y, str):
        raise InputError("got one str for the levels; pass a list with one level per article")
    out: list[str] = []
    for i, level in enumerate(y):
        value = str(level).strip().upper()
        if value not in SEVERITY_LEVELS:
            raise InputError(f"level {i} is {level!r}; expected one of {', '.join(SEVERITY_LEVELS)}")
        out.append(value)
    return out


def _text_of(doc: WorkDoc) -> str:
    title = getattr(doc.article, "title", None)
    return f"{title}\n{doc.text}" if title else doc.text


def _resolve_rules(rules: SeverityRules | str | Path | None) -> SeverityRules:
    if rules is None:
        return SeverityRules.default()
    if isinstance(rules, SeverityRules):
        return rules
    return SeverityRules.from_file(rules)


def _is_int(value: Any, low: int) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and bool(value >= low)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool) and math.isfinite(value)
