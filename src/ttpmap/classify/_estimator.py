"""`TechniqueClassifier`: ATT&CK techniques and tactics of an article, with evidence sentences.

How it works
------------
1. **Sentence model.** Every sentence-level example (ATT&CK procedure examples, TRAM's bootstrap
   sentences, TTPDrill, sentences of labeled articles covered by a span; sentences of a spanned
   article that no span covers are negatives) trains one linear SVM per technique over TF-IDF word
   1-2-grams, on its positives and a seeded sample of negatives. Coefficients are pruned to the
   `max_coef` largest per technique and kept as a float32 sparse matrix.
2. **Article features.** For each technique, the scores of an article's sentences are pooled (best,
   second best, mean of the top three, how many sentences score above 0 and -0.5), together with the
   best score in the technique's family (parent and sub-techniques), explicit mentions of its ID and
   of its name or an alias, how much training evidence the technique has, and the article's length.
   Sentence scores below `score_floor` count as the floor (they say "no evidence"), so only the
   techniques with a sentence above it are pooled.
3. **Calibration.** One logistic regression over those features, shared by all techniques, is fitted on
   articles the sentence model did not see (internal grouped cross-validation over the multi-sentence
   labeled articles), so its probabilities are calibrated and it applies to techniques that no
   labeled article shows.
   Only (article, technique) pairs of techniques that the labeled articles annotate train it: a
   corpus such as TRAM2 labels 77 techniques, and its silence about the others is no evidence (nor
   are its unlabeled sentences negatives for them).
   A technique the article names (its ATT&CK name or an alias) gets at least `mention_floor_`: the
   share of (article, named technique) pairs in the labeled articles where the article carries the
   label. The sentence model alone under-rates techniques with few training sentences; naming them
   is evidence a reader trusts.
4. **Decisions.** ``threshold="tuned"`` picks a global cut that maximises micro F1 on held-out
   predictions, and per-technique cuts (shrunk toward it) for techniques with enough positive
   articles; techniques that no labeled article shows get the global cut. A technique is dropped
   when one of its sub-techniques is reported (``parents="drop_redundant"``). Tactics get the
   best probability among their techniques and a tuned cut, and always include the tactics of
   predicted techniques.
"""

from __future__ import annotations

import math
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from ttpmap._exceptions import InputError, NotFittedError, UnknownTechniqueError
from ttpmap._results import Tactic, Technique
from ttpmap.classify._mentions import MentionIndex, build_mention_index, load_aliases
from ttpmap.classify._params import Check, Interval, Options, check_params
from ttpmap.classify._phrases import PhraseTable, compile_pattern, load_phrases
from ttpmap.classify._phrases import related as _phrase_related
from ttpmap.classify._predictor import (
    NAME_COL,
    TechniquePredictor,
    _score,
    _tactic_proba,
    _tactic_vector,
    _Weights,
)
from ttpmap.classify._text import check_texts, sentences_of
from ttpmap.classify._vectorizer import Csr, SentenceVectorizer

if TYPE_CHECKING:
    import scipy.sparse as sp

    from ttpmap.attack import Catalog

__all__ = ["TechniqueClassifier", "phrase_outcomes", "progress_callback"]

#: Called as ``callback(stage, done, total)`` during `TechniqueClassifier.fit` (set by the CLI).
progress_callback: ContextVar[Callable[[str, int, int], None] | None] = ContextVar(
    "ttpmap_classify_progress", default=None
)
_SENTENCE_EXAMPLE_MAX_CHARS = 1200


def _report(stage: str, done: int, total: int) -> None:
    cb = progress_callback.get()
    if cb is not None:
        cb(stage, done, total)


def _split_hot(
    vec: SentenceVectorizer, W: sp.csr_matrix, max_hot: int = 12000, min_nnz: int = 20
) -> _Weights:
    """Move the features with at least `min_nnz` non-zero weights (at most `max_hot`) into a dense block."""
    row_nnz = np.diff(W.indptr)
    order = np.argsort(-row_nnz, kind="stable")
    hot = order[: min(max_hot, int((row_nnz >= min_nnz).sum()))]
    is_hot = np.zeros(W.shape[0], dtype=bool)
    is_hot[hot] = True
    new_order = np.concatenate([np.sort(hot), np.flatnonzero(~is_hot)])
    perm = np.empty(W.shape[0], dtype=np.int64)
    perm[new_order] = np.arange(W.shape[0])
    vec.permute(perm)
    W = W[new_order]
    return _Weights(Csr.of(W[: len(hot)]), Csr.of(W[len(hot) :]))


class TechniqueClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Map articles to ATT&CK techniques and tactics, with calibrated confidences and evidence.

    Parameters
    ----------
    catalog : str, path-like, Catalog or None, default=None
        The ATT&CK catalog that defines the label space (active techniques and sub-techniques with
        sentence-level training evidence) and resolves training IDs. ``None``: the default model's.
        Pass a path to keep the estimator clonable.
    C : float, default=0.5
        Regularisation of each technique's sentence-level linear SVM.
    max_negatives : int, default=8000
        Negative sentences sampled (seeded) for each technique's SVM.
    min_examples : int, default=2
        Techniques with fewer sentence-level examples are left out of the label space.
    min_df : int, default=2
        Minimum document frequency of a word n-gram.
    max_coef : int, default=1500
        Non-zero coefficients kept per technique (the largest in magnitude).
    positive_weight : float, default=1.0
        Weight of a technique's positive sentences in its SVM (negatives weigh 1).
    score_floor : float <= -0.5, default=-0.8
        Sentence scores below this count as this when they are pooled into article features: far
        below the SVM margin a score says "no evidence", and its exact value is noise. Only
        techniques with a sentence above it are pooled (``-inf``: no floor).
    short_margin : float or None, default=0.0
        A text of at most three sentences (an RSS summary, an alert title) reports every technique
        whose best sentence scores at least this SVM margin, with at least its decision threshold as
        confidence: probabilities are calibrated on long reports, where one sentence is weak evidence.
        None: short texts are treated like any article.
    inner_cv : int, default=3
        Grouped folds over the multi-sentence labeled articles used to fit calibration and thresholds.
    threshold : "tuned" or float in [0, 1], default="tuned"
        ``"tuned"``: per-technique cuts chosen on held-out folds; a float: one cut for every technique.
    parents : {"drop_redundant", "keep"}, default="drop_redundant"
        ``"drop_redundant"``: a technique is not reported when one of its sub-techniques is (the
        sub-technique says more); ``"keep"``: report both.
    n_jobs : int or None, default=None
        Parallel jobs for the per-technique SVMs.
    random_state : int, default=0
        Seed of the negative sampling and the SVM solver.

    Attributes
    ----------
    classes_ : ndarray of str
        Technique IDs, the columns of `predict` and `predict_proba`.
    thresholds_ : ndarray of float
        Decision cut per class.
    tactic_threshold_ : float
        Cut on a tactic's probability (the best of its techniques').
    annotated_ : ndarray of bool
        Classes that some labeled article carries: calibration and per-class thresholds learn from
        these (a labeled corpus such as TRAM2 annotates only some techniques; its silence about
        the others is not evidence against them). The others get the global cut.
    parent_of_ : ndarray of int
        Index of each sub-technique's parent class, -1 if none.
    attack_version_ : str
        ATT&CK version of the catalog used at fit.
    label_info_ : dict
        ``id -> (name, tactic shortnames, url)`` for every class.
    tactics_ : tuple of (id, shortname, name)
        The catalog's tactics in matrix order.
    vectorizer_ : TfidfVectorizer
        Sentence featurizer.
    coef_ : _Weights
        Pruned sentence-level SVM weights (float32: a dense block for the most used features, sparse
        for the rest); `intercept_` their biases.
    calibrator_ : tuple
        ``(mean, scale, coef, intercept)`` of the standardised logistic regression from article
        features to a probability.
    mentions_ : MentionIndex
        IDs and phrases that count as explicit mentions.
    mention_floor_ : float
        Least probability of a technique the article names.
    predictor_ : TechniquePredictor
        The predict side of the fitted model, without scikit-learn (the predict methods delegate to
        it); ``ttpmap train`` saves it as ``predictor.npz``.

    Examples
    --------
    >>> from ttpmap.classify import TechniqueClassifier
    >>> clf = TechniqueClassifier().fit(texts, labels)  # doctest: +SKIP
    >>> techniques, tactics = clf.explain([report])[0]  # doctest: +SKIP
    """

    _parameter_constraints: Mapping[str, Sequence[Any]] = {
        "catalog": [
            None,
            Check(
                lambda v: isinstance(v, str | os.PathLike) or hasattr(v, "resolve"),
                "a path to a catalog file or a Catalog",
            ),
        ],
        "C": [Interval(float, 0.0, None, closed="neither")],
        "max_negatives": [Interval(int, 1, None)],
        "min_examples": [Interval(int, 1, None)],
        "min_df": [Interval(int, 1, None)],
        "max_coef": [Interval(int, 1, None)],
        "positive_weight": [Interval(float, 0.0, None, closed="neither")],
        "score_floor": [Interval(float, None, -0.5, closed="right")],
        "short_margin": [None, Interval(float, None, None)],
        "inner_cv": [Interval(int, 2, None)],
        "threshold": [Options("tuned"), Interval(float, 0.0, 1.0)],
        "parents": [Options("drop_redundant", "keep")],
        "n_jobs": [None, Interval(int, None, None)],
        "random_state": [Interval(int, 0, None)],
    }

    def __init__(
        self,
        *,
        catalog: Any = None,
        C: float = 0.5,
        max_negatives: int = 8000,
        min_examples: int = 2,
        min_df: int = 2,
        max_coef: int = 1500,
        positive_weight: float = 1.0,
        score_floor: float = -0.8,
        short_margin: float | None = 0.0,
        inner_cv: int = 3,
        threshold: str | float = "tuned",
        parents: str = "drop_redundant",
        n_jobs: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.catalog = catalog
        self.C = C
        self.max_negatives = max_negatives
        self.min_examples = min_examples
        self.min_df = min_df
        self.max_coef = max_coef
        self.positive_weight = positive_weight
        self.score_floor = score_floor
        self.short_margin = short_margin
        self.inner_cv = inner_cv
        self.threshold = threshold
        self.parents = parents
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        tags.non_deterministic = False
        return tags

    # -- fitting ---------------------------------------------------------------------------------

    def fit(
        self,
        X: Iterable[str],
        y: Iterable[Iterable[str]],
        *,
        spans: Sequence[Sequence[tuple[int, int, str]] | None] | None = None,
        groups: Sequence[Any] | None = None,
        label_spaces: Sequence[Iterable[str] | None] | None = None,
        rejected: Sequence[Sequence[tuple[int, int, str]] | None] | None = None,
        evidence_only: Sequence[bool] | None = None,
    ) -> TechniqueClassifier:
        """Fit on labeled articles and sentences.

        Parameters
        ----------
        X : list of str
            Articles and sentences. A text of at most 1,200 characters without spans is a
            sentence-level example of its labels; a longer text is a labeled article whose
            sentences are scored to learn calibration and thresholds.
        y : list of list of str
            Technique IDs of each text (resolved through the catalog: revoked IDs are replaced).
        spans : list of (list of (start, end, id) or None), optional
            Evidence spans per text; sentences of a spanned text that no span touches are negatives.
        groups : list, optional
            Group of each text; texts of one group stay in one internal fold (near-duplicates).
        label_spaces : list of (iterable of str or None), optional
            The techniques each text was annotated for (TRAM2's reports: the techniques TRAM2
            labels; a single-label sentence: none); None (the default for every text) means all. A
            phrase of the lexicon is measured on a text only when the text's label space holds its
            technique's parent.
        rejected : list of (list of (start, end, id) or None), optional
            Techniques an analyst rejected for each text, with the evidence the model showed for them
            (``start == end`` when there is none). A rejected technique is a negative for its text
            (article-level, and each evidence sentence is a negative always kept in its SVM); a
            lexicon phrase, alias or technique name that matches a text where its technique was
            rejected is no longer used (`rejected_phrases_`, `rejected_mentions_`).
        evidence_only : list of bool, optional
            Texts whose spans mark only some of the sentences that show their techniques (a reviewed
            brief's evidence): their other sentences are not taken as negatives.

        Returns
        -------
        self : TechniqueClassifier
        """
        check_params(type(self).__name__, self.get_params(), self._parameter_constraints)
        texts = check_texts(X)
        labels = _check_labels(y, len(texts))
        span_lists = _check_spans(spans, texts)
        spaces = list(label_spaces) if label_spaces is not None else [None] * len(texts)
        if len(spaces) != len(texts):
            raise InputError(f"label_spaces has {len(spaces)} entries for {len(texts)} texts")
        parent_spaces = [None if sp is None else {str(t).partition(".")[0] for t in sp} for sp in spaces]
        group_list = list(groups) if groups is not None else list(range(len(texts)))
        if len(group_list) != len(texts):
            raise InputError(f"groups has {len(group_list)} entries for {len(texts)} articles")
        catalog = _get_catalog(self.catalog)
        labels = [_resolve_all(ls, catalog) for ls in labels]
        span_lists = [
            None if s is None else [(a, b, r) for a, b, tid in s for r in _resolve_all([tid], catalog)]
            for s in span_lists
        ]

        rejections = _check_rejected(rejected, texts, catalog)
        partial = list(evidence_only) if evidence_only is not None else [False] * len(texts)
        if len(partial) != len(texts):
            raise InputError(f"evidence_only has {len(partial)} entries for {len(texts)} texts")
        sent_texts, sent_labels, doc_idx = _sentence_rows(texts, labels, span_lists, partial)
        hard_rows = _rejected_rows(texts, span_lists, rejections)
        sent_texts += [t for t, _, _ in hard_rows]
        sent_labels += [set() for _ in hard_rows]
        doc_idx += [i if _is_document(texts[i], span_lists[i]) else -1 for _, i, _ in hard_rows]
        counts = Counter(lab for ls in sent_labels for lab in ls)
        active = {t.id for t in catalog.active_techniques()}
        classes = sorted(
            (c for c, n in counts.items() if n >= self.min_examples and c in active), key=_id_key
        )
        if not classes:
            raise InputError(
                f"no technique has {self.min_examples} or more sentence-level examples; pass short "
                "labeled sentences or articles with spans"
            )
        docs = [i for i, t in enumerate(texts) if _is_document(t, span_lists[i])]
        if len({group_list[i] for i in docs}) < self.inner_cv:
            raise InputError(
                f"TechniqueClassifier needs labeled articles longer than {_SENTENCE_EXAMPLE_MAX_CHARS} "
                f"characters from at least inner_cv={self.inner_cv} groups to learn how sentence evidence "
                f"adds up; got {len(docs)} such articles"
            )
        self.classes_ = np.array(classes, dtype=object)
        index = {c: j for j, c in enumerate(classes)}
        self.label_info_ = {c: _label_info(catalog, c) for c in classes}
        self.tactics_ = tuple((t.id, t.shortname, t.name) for t in catalog.tactics)
        self.attack_version_ = catalog.version
        self.train_examples_ = np.array([counts.get(c, 0) for c in classes], dtype=np.float64)
        self.family_ = _families(classes)
        self.parent_of_ = np.array([index.get(c.partition(".")[0], -1) if "." in c else -1 for c in classes])
        self.tactic_members_ = _tactic_members(classes, self.label_info_, self.tactics_)

        Y = _binarize(sent_labels, index)
        # Labeled articles only annotate some techniques (TRAM2: 77). Their unlabeled sentences are
        # negatives for those and unknown (-1) for the rest; calibration and thresholds learn from the
        # (article, technique) pairs of annotated techniques only.
        annotated = np.zeros(len(classes), dtype=bool)
        for d in docs:
            annotated[[index[lab] for lab in labels[d] if lab in index]] = True
        from_doc = np.array(doc_idx) >= 0
        block = Y[np.ix_(from_doc, ~annotated)]
        Y[np.ix_(from_doc, ~annotated)] = np.where(block == 1, 1, -1)
        first_hard = len(sent_texts) - len(hard_rows)
        Y[first_hard:] = -1
        for r, (_, _, tid) in enumerate(hard_rows, first_hard):
            if tid in index:
                Y[r, index[tid]] = _HARD_NEGATIVE
        for d in docs:
            annotated[[index[t] for _, _, t in rejections[d] if t in index]] = True
        if not annotated.any():
            raise InputError(
                "the labeled articles carry no technique that has sentence-level examples; give them labels"
            )
        self.annotated_ = annotated
        learned = _mention_phrases(texts, span_lists, parent_spaces)
        rejected_ids = [{t for _, _, t in r} for r in rejections]
        measured = _measure_phrases(classes, texts, labels, parent_spaces, learned, rejected_ids)
        self.phrases_, self.rejected_phrases_ = measured
        doc_groups = np.array([group_list[d] for d in docs], dtype=object)
        folds = _group_folds(doc_groups, self.inner_cv, self.random_state)
        steps = self.inner_cv + 1
        feats: list[np.ndarray] = [np.empty(0)] * len(docs)
        self.mentions_, self.rejected_mentions_ = _without_rejected(
            build_mention_index(classes, catalog, load_aliases()), texts, rejected_ids, index
        )
        for f, held in enumerate(folds):
            _report("calibration folds", f, steps)
            held_docs = {docs[k] for k in held}
            keep = np.array([d not in held_docs for d in doc_idx])
            vec, W, b = self._fit_sentences([t for t, k in zip(sent_texts, keep, strict=True) if k], Y[keep])
            held_texts = [texts[docs[k]] for k in held]
            scored_held = _score(
                held_texts, vec, W, b, self.mentions_, self.family_, self.train_examples_, self.score_floor
            )
            for k, scored in zip(held, scored_held, strict=True):
                feats[k] = scored.features
        _report("sentence model", self.inner_cv, steps)
        self.vectorizer_, self.coef_, self.intercept_ = self._fit_sentences(sent_texts, Y)
        _report("calibration", steps, steps)

        # Calibration and thresholds learn from the (article, technique) pairs the articles annotate.
        cols = np.flatnonzero(annotated)
        doc_y = np.vstack([_binarize([labels[d]], index)[0] for d in docs])[:, cols]
        F3 = np.stack(feats)[:, cols, :]
        F = F3.reshape(-1, F3.shape[2])
        yy = doc_y.ravel().astype(bool)
        self.calibrator_ = _calibrator_arrays(_new_calibrator().fit(F, yy))
        named = F[:, NAME_COL] > 0
        self.mention_floor_ = float(yy[named].mean()) if named.any() else 0.0
        held_proba = np.empty(len(yy))
        width = len(cols)
        for held in folds:
            rows = np.concatenate([np.arange(k * width, (k + 1) * width) for k in held])
            train = np.setdiff1d(np.arange(len(yy)), rows)
            held_proba[rows] = _new_calibrator().fit(F[train], yy[train]).predict_proba(F[rows])[:, 1]
        held_proba[named] = np.maximum(held_proba[named], self.mention_floor_)
        P = held_proba.reshape(len(docs), width)
        if self.threshold == "tuned":
            tuned = _tune_thresholds(P, doc_y)
            self.thresholds_ = np.full(len(classes), _best_cut(P.ravel(), doc_y.ravel().astype(bool)))
            self.thresholds_[cols] = tuned
        else:
            self.thresholds_ = np.full(len(classes), float(self.threshold))
        P_all = np.zeros((len(docs), len(classes)))
        P_all[:, cols] = P
        Y_all = np.zeros((len(docs), len(classes)), dtype=np.int8)
        Y_all[:, cols] = doc_y
        info = (self.classes_, self.label_info_, self.tactics_)
        tac_true = np.vstack([_tactic_vector(np.flatnonzero(Y_all[k]), *info) for k in range(len(docs))])
        tac_proba = np.vstack([_tactic_proba(P_all[k], self.tactic_members_) for k in range(len(docs))])
        self.tactic_threshold_ = _best_cut(tac_proba.ravel(), tac_true.ravel().astype(bool))
        self.predictor_ = TechniquePredictor.from_estimator(self)
        return self

    def _fit_sentences(
        self, texts: list[str], Y: np.ndarray
    ) -> tuple[SentenceVectorizer, _Weights, np.ndarray]:
        import scipy.sparse as sp
        from joblib import Parallel, delayed

        vec = SentenceVectorizer(min_df=self.min_df)
        Xs = vec.fit_transform(texts)
        # Processes, not threads: liblinear's random generator is global, so concurrent fits in threads
        # would make the weights depend on scheduling. Labels go in chunks to ship the matrix rarely.
        n_chunks = max(1, min(Y.shape[1], 8 * max(1, abs(self.n_jobs or 1))))
        chunks = np.array_split(np.arange(Y.shape[1]), n_chunks)
        parts = Parallel(n_jobs=self.n_jobs, prefer="processes")(
            delayed(_fit_chunk)(
                Xs,
                Y[:, js],
                _SvmParams(self.C, self.max_negatives, self.max_coef, self.positive_weight),
                self.random_state + int(js[0]),
                os.getpid(),
            )
            for js in chunks
            if len(js)
        )
        cols = [c for part in parts for c in part]
        rows, data, indptr, bias = [], [], [0], []
        for idx, w, b in cols:
            rows.append(idx)
            data.append(w)
            indptr.append(indptr[-1] + len(idx))
            bias.append(b)
        W = sp.csc_matrix(
            (
                np.concatenate(data).astype(np.float32),
                np.concatenate(rows).astype(np.int32),
                np.array(indptr),
            ),
            shape=(Xs.shape[1], Y.shape[1]),
        ).tocsr()
        return vec, _split_hot(vec, W), np.array(bias, dtype=np.float32)

    # -- predicting: delegated to predictor_ -------------------------------------------------------

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("score_floor", -math.inf)  # pickled before the floor existed: none
        super().__setstate__(state)
        if "calibrator_" in state and "predictor_" not in state:  # pickled before the predictor existed
            self.predictor_ = TechniquePredictor.from_estimator(self)

    def _check_fitted(self) -> TechniquePredictor:
        predictor: TechniquePredictor | None = getattr(self, "predictor_", None)
        if predictor is None:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with labeled articles "
                "first, or load a trained model with ttpmap._model.load_model()."
            )
        return predictor

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated probability of each class for each article, shape ``(n_articles, n_classes)``."""
        return self._check_fitted().predict_proba(X)

    def check_catalog(self, catalog: Catalog) -> None:
        """Raise `ModelError` unless `catalog` is the ATT&CK version this classifier was fitted with."""
        self._check_fitted().check_catalog(catalog)

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Binary indicator matrix over `classes_`: 1 where the article describes the technique."""
        return self._check_fitted().predict(X)

    def predict_tactics(self, X: Iterable[str]) -> tuple[list[str], np.ndarray]:
        """Tactic IDs (matrix order) and a ``(n_articles, n_tactics)`` indicator matrix."""
        return self._check_fitted().predict_tactics(X)

    def explain(self, X: Iterable[str]) -> list[tuple[list[Technique], list[Tactic]]]:
        """Predicted techniques (with up to three evidence sentences each) and tactics of each article.

        See `TechniquePredictor.explain`, which this delegates to.
        """
        return self._check_fitted().explain(X)


# -- helpers ---------------------------------------------------------------------------------------


def _id_key(tid: str) -> tuple[str, str]:
    base, _, sub = tid.partition(".")
    return base, sub


def _get_catalog(value: Any) -> Catalog:
    from ttpmap.datasets._loaders import catalog_at, default_catalog

    if value is None:
        return default_catalog()
    if isinstance(value, str | os.PathLike):
        return catalog_at(value)
    return value  # type: ignore[no-any-return]


def _label_info(catalog: Catalog, tid: str) -> tuple[str, tuple[str, ...], str]:
    info = catalog.techniques[tid]
    name = info.name
    if info.parent is not None and info.parent in catalog.techniques:
        name = f"{catalog.techniques[info.parent].name}: {info.name}"
    url = info.url if info.url.endswith("/") else info.url + "/"
    return name, tuple(info.tactics), url


def _check_labels(y: Any, n: int) -> list[list[str]]:
    if isinstance(y, str) or not isinstance(y, Iterable):
        raise InputError("y must be a list with one list of technique IDs per article, e.g. [['T1059.001']]")
    out = []
    for k, ls in enumerate(y):
        if isinstance(ls, str):
            raise InputError(f"y[{k}] is a str; give each article a list of IDs, e.g. [{ls!r}]")
        items = list(ls)
        if not all(isinstance(x, str) for x in items):
            raise InputError(f"y[{k}] must hold technique IDs as str, got {items!r}")
        out.append(items)
    if len(out) != n:
        raise InputError(f"y has {len(out)} label lists for {n} articles")
    return out


def _check_spans(spans: Any, texts: list[str]) -> list[list[tuple[int, int, str]] | None]:
    if spans is None:
        return [None] * len(texts)
    out: list[list[tuple[int, int, str]] | None] = []
    for k, (s, text) in enumerate(zip(spans, texts, strict=False)):
        if s is None or len(s) == 0:
            out.append(None)
            continue
        checked = []
        for item in s:
            a, b, tid = item
            if not (
                isinstance(a, int | np.integer)
                and isinstance(b, int | np.integer)
                and 0 <= a < b <= len(text)
            ):
                raise InputError(
                    f"spans[{k}] has {item!r}: start and end must satisfy 0 <= start < end <= len(text)"
                )
            checked.append((int(a), int(b), str(tid)))
        out.append(checked)
    if len(out) != len(texts):
        raise InputError(f"spans has {len(out)} entries for {len(texts)} articles")
    return out


def _resolve_all(ids: Iterable[str], catalog: Catalog) -> list[str]:
    out = []
    for raw in ids:
        try:
            info = catalog.resolve(raw)
        except UnknownTechniqueError as exc:
            raise UnknownTechniqueError(f"in the training labels: {exc}") from None
        if not (info.deprecated or info.revoked) and info.id not in out:
            out.append(info.id)
    return out


def _alias_phrases() -> list[tuple[str, str]]:
    """The aliases of ``aliases.tsv`` that are valid phrase patterns, as phrases to be measured."""
    out = []
    for alias, tid in load_aliases():
        try:
            compile_pattern(alias)
        except ValueError:
            continue
        out.append((alias, tid))
    return out


def _mention_phrases(
    texts: Sequence[str],
    spans: Sequence[Sequence[tuple[int, int, str]] | None],
    spaces: Sequence[set[str] | None],
) -> list[tuple[str, str]]:
    """Short annotated mentions ("ransomware", "supply chain attack") of the articles annotated for
    every technique, seen at least twice: candidate phrases, in order of first appearance."""
    seen: Counter[tuple[str, str]] = Counter()
    for text, ss, space in zip(texts, spans, spaces, strict=True):
        if space is not None or not ss:
            continue
        for a, b, tid in ss:
            words = _MENTION_WORDS.findall(text[a:b].lower())
            if 1 <= len(words) <= _MAX_MENTION_WORDS and sum(map(len, words)) >= _MIN_MENTION_CHARS:
                seen[(" ".join(words), tid)] += 1
    return [key for key, n in seen.items() if n >= 2]


def _measure_phrases(
    classes: Sequence[str],
    texts: list[str],
    labels: list[list[str]],
    spaces: Sequence[set[str] | None],
    learned: Sequence[tuple[str, str]] = (),
    rejected: Sequence[set[str]] = (),
) -> tuple[PhraseTable, list[tuple[str, str, int]]]:
    """The shipped phrase lexicon and the `learned` mention phrases, each pattern's precision counted
    on the texts whose label space holds its technique (`phrase_outcomes`).

    A pattern that matches a text where an analyst rejected its technique (`rejected`) is left out;
    those come back as ``(pattern, technique, texts)``."""
    curated = load_phrases()
    table = PhraseTable.build([*curated, *_alias_phrases(), *learned], classes, vouched=[True] * len(curated))
    matches = np.zeros(len(table.patterns), dtype=np.int64)
    hits = np.zeros(len(table.patterns), dtype=np.int64)
    refused = np.zeros(len(table.patterns), dtype=np.int64)
    for _, k, hit, refusal in phrase_outcomes(table, classes, texts, labels, spaces, rejected):
        refused[k] += refusal
        if hit is not None:
            matches[k] += 1
            hits[k] += hit
    keep = np.flatnonzero(refused == 0)
    kept = PhraseTable(
        tuple(table.patterns[k] for k in keep),
        table.classes[keep],
        matches[keep],
        hits[keep],
        table.vouched[keep],
    )
    tids = [str(classes[j]) for j in table.classes]
    gone = [(table.patterns[k], tids[k], int(refused[k])) for k in np.flatnonzero(refused)]
    return kept, gone


def phrase_outcomes(
    table: PhraseTable,
    classes: Sequence[str],
    texts: Sequence[str],
    labels: Sequence[Sequence[str]],
    spaces: Sequence[set[str] | None],
    rejected: Sequence[set[str]] = (),
) -> Iterator[tuple[int, int, bool | None, bool]]:
    """``(text, pattern, hit, refused)`` for each pattern of `table` that matches a text: `hit` is
    whether the text's labels confirm it (None when the text's label space does not hold its
    technique: not counted), `refused` whether an analyst rejected its technique in that text.

    A text with a restricted space (TRAM2's) labels only some sub-techniques: there a sub-technique
    that none of those texts labels is confirmed by any label of its family. Single-label
    sentences (an empty space) are skipped."""
    tids = [str(classes[j]) for j in table.classes]
    wanted = [_phrase_related(t) for t in tids]
    labeled = {lab for d, space in enumerate(spaces) if space for lab in labels[d]}
    family = [
        _phrase_related(t.partition(".")[0]) if "." in t and t not in labeled else w
        for t, w in zip(tids, wanted, strict=True)
    ]
    for d, space in enumerate(spaces):
        no = rejected[d] if rejected else set()
        if space is not None and not space and not no:
            continue
        for k in sorted({k for k, _, _ in table.find(texts[d])}):
            hit = None
            if space is None or tids[k].partition(".")[0] in space:
                confirming = wanted[k] if space is None else family[k]
                hit = any(lab in confirming for lab in labels[d])
            yield d, k, hit, tids[k] in no


#: `Y` value of a sentence an analyst rejected as evidence of a technique: a negative always kept.
_HARD_NEGATIVE = -2
#: Weight of such a sentence in its technique's SVM (sampled negatives weigh 1): an analyst's verdict
#: on this very sentence, against the weak negatives of a technique's sampled background.
_HARD_NEGATIVE_WEIGHT = 10.0


def _check_rejected(
    rejected: Sequence[Sequence[tuple[int, int, str]] | None] | None, texts: list[str], catalog: Catalog
) -> list[list[tuple[int, int, str]]]:
    if rejected is None:
        return [[] for _ in texts]
    rows = list(rejected)
    if len(rows) != len(texts):
        raise InputError(f"rejected has {len(rows)} entries for {len(texts)} texts")
    out: list[list[tuple[int, int, str]]] = []
    for k, (items, text) in enumerate(zip(rows, texts, strict=True)):
        checked: list[tuple[int, int, str]] = []
        for a, b, tid in items or ():
            if not (
                isinstance(a, int | np.integer)
                and isinstance(b, int | np.integer)
                and 0 <= a <= b <= len(text)
            ):
                raise InputError(f"rejected[{k}] has {(a, b, tid)!r}: need 0 <= start <= end <= len(text)")
            checked.extend((int(a), int(b), r) for r in _resolve_all([str(tid)], catalog))
        out.append(checked)
    return out


def _rejected_rows(
    texts: list[str],
    spans: list[list[tuple[int, int, str]] | None],
    rejected: list[list[tuple[int, int, str]]],
) -> list[tuple[str, int, str]]:
    """``(sentence, text index, technique)`` for each sentence of rejected evidence."""
    out: list[tuple[str, int, str]] = []
    for i, items in enumerate(rejected):
        evidence = [(a, b, tid) for a, b, tid in items if b > a]
        if not evidence:
            continue
        for a, b in sentences_of(texts[i]):
            if b > a:
                out.extend((texts[i][a:b], i, tid) for x, z, tid in evidence if x < b and z > a)
    return out


def _without_rejected(
    mentions: MentionIndex, texts: list[str], rejected: Sequence[set[str]], index: Mapping[str, int]
) -> tuple[MentionIndex, list[tuple[str, str, int]]]:
    """`mentions` without the names and aliases of a technique that occur in a text where it was
    rejected, and those as ``(phrase, technique, texts)``."""
    from dataclasses import replace

    from ttpmap.classify._vectorizer import tokenize

    refused: Counter[tuple[tuple[str, ...], int]] = Counter()
    for text, tids in zip(texts, rejected, strict=True):
        cols = {index[t] for t in tids if t in index}
        if not cols:
            continue
        joined = " " + " ".join(tokenize(text)) + " "
        for phrase, classes in mentions.phrases:
            for j in cols.intersection(classes):
                refused[phrase, j] += (" " + " ".join(phrase) + " ") in joined
    refused = +refused
    if not refused:
        return mentions, []
    phrases = tuple(
        (p, kept) for p, js in mentions.phrases if (kept := tuple(j for j in js if (p, j) not in refused))
    )
    gone = [(" ".join(p), str(_class_of(index, j)), n) for (p, j), n in sorted(refused.items())]
    return replace(mentions, phrases=phrases), gone


def _class_of(index: Mapping[str, int], j: int) -> str:
    return next(c for c, k in index.items() if k == j)


_MENTION_WORDS = re.compile(r"[a-z0-9]+")
_MAX_MENTION_WORDS = 3
_MIN_MENTION_CHARS = 4


def _is_document(text: str, spans: Sequence[Any] | None) -> bool:
    return len(text) > _SENTENCE_EXAMPLE_MAX_CHARS or (spans is not None and len(text) > 0)


def _sentence_rows(
    texts: list[str],
    labels: list[list[str]],
    spans: list[list[tuple[int, int, str]] | None],
    evidence_only: Sequence[bool] = (),
) -> tuple[list[str], list[set[str]], list[int]]:
    """Sentence-level examples: short texts whole, spanned articles sentence by sentence (of an
    `evidence_only` article, only the sentences a span touches).

    Returns the texts, their label sets and the index of the article each row comes from (-1 for a
    short text, which every fold trains on).
    """
    rows: list[str] = []
    labs: list[set[str]] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        s = spans[i]
        if s is None:
            if len(text) <= _SENTENCE_EXAMPLE_MAX_CHARS and text.strip():
                rows.append(text)
                labs.append(set(labels[i]))
                owner.append(-1)
            continue
        for a, b in sentences_of(text):
            if b <= a:
                continue
            hit = {tid for x, z, tid in s if x < b and z > a}
            if not hit and evidence_only and evidence_only[i]:
                continue
            rows.append(text[a:b])
            labs.append(hit)
            owner.append(i)
    return rows, labs, owner


def _binarize(label_sets: Iterable[Iterable[str]], index: Mapping[str, int]) -> np.ndarray:
    sets = list(label_sets)
    Y = np.zeros((len(sets), len(index)), dtype=np.int8)
    for r, ls in enumerate(sets):
        for lab in ls:
            j = index.get(lab)
            if j is not None:
                Y[r, j] = 1
    return Y


def _families(classes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Start index of each family (classes are sorted, so a family is contiguous) and each class's family."""
    starts: list[int] = []
    owner: list[int] = []
    last = None
    for j, c in enumerate(classes):
        parent = c.partition(".")[0]
        if parent != last:
            starts.append(j)
            last = parent
        owner.append(len(starts) - 1)
    return np.array(starts, dtype=np.int64), np.array(owner, dtype=np.int64)


def _tactic_members(
    classes: Sequence[str],
    info: Mapping[str, tuple[str, tuple[str, ...], str]],
    tactics: Sequence[tuple[str, str, str]],
) -> tuple[np.ndarray, ...]:
    members: dict[str, list[int]] = defaultdict(list)
    for j, c in enumerate(classes):
        for short in info[c][1]:
            members[short].append(j)
    return tuple(np.array(members.get(short, []), dtype=np.int64) for _, short, _ in tactics)


def _calibrator_arrays(pipe: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    scaler, lr = pipe[0], pipe[-1]
    return (
        scaler.mean_.astype(np.float64),
        scaler.scale_.astype(np.float64),
        lr.coef_[0].astype(np.float64),
        float(lr.intercept_[0]),
    )


def _group_folds(groups: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    uniq = sorted(set(groups.tolist()), key=str)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(uniq))
    fold_of = {uniq[g]: n % k for n, g in enumerate(order)}
    return [np.flatnonzero([fold_of[g] == f for g in groups]) for f in range(k)]


class _SvmParams(NamedTuple):
    C: float
    max_negatives: int
    max_coef: int
    positive_weight: float


def _fit_chunk(
    X: sp.csr_matrix, Y: np.ndarray, params: _SvmParams, seed: int, parent: int | None = None
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    if parent is not None:
        from ttpmap._batch import _exit_with_parent

        _exit_with_parent(parent)  # a parent killed with SIGKILL takes its loky workers with it
    return [_fit_one(X, Y[:, k], params, seed + k) for k in range(Y.shape[1])]


def _fit_one(
    X: sp.csr_matrix, y: np.ndarray, params: _SvmParams, seed: int
) -> tuple[np.ndarray, np.ndarray, float]:
    from sklearn.svm import LinearSVC

    pos = np.flatnonzero(y == 1)
    neg = np.flatnonzero(y == 0)
    if len(neg) > params.max_negatives:
        neg = np.sort(np.random.default_rng(seed).choice(neg, params.max_negatives, replace=False))
    rows = np.sort(np.concatenate([pos, neg, np.flatnonzero(y == _HARD_NEGATIVE)]))
    if len(pos) == 0 or len(rows) == len(pos):
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), -1.0
    weight = {True: params.positive_weight, False: 1.0}
    svm = LinearSVC(C=params.C, tol=1e-2, class_weight=weight, random_state=seed % (2**31))
    sample_weight = np.where(y[rows] == _HARD_NEGATIVE, _HARD_NEGATIVE_WEIGHT, 1.0)
    svm.fit(X[rows], y[rows] == 1, sample_weight=sample_weight)
    w = svm.coef_[0]
    keep = np.flatnonzero(w)
    if len(keep) > params.max_coef:
        keep = np.sort(keep[np.argpartition(-np.abs(w[keep]), params.max_coef)[: params.max_coef]])
    return keep.astype(np.int32), w[keep].astype(np.float32), float(svm.intercept_[0])


def _new_calibrator() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))


def _f1(pred: np.ndarray, true: np.ndarray, beta: float = 1.0) -> float:
    tp = float((pred & true).sum())
    denom = float(beta**2 * true.sum() + pred.sum())
    return (1 + beta**2) * tp / denom if denom else 0.0


def _best_cut(p: np.ndarray, true: np.ndarray, beta: float = 1.0) -> float:
    grid = np.round(np.linspace(0.05, 0.9, 86), 4)
    scores = [_f1(p >= t, true, beta) for t in grid]
    return float(grid[int(np.argmax(scores))])


def _tune_thresholds(P: np.ndarray, Y: np.ndarray, *, min_pos: int = 3, shrink: float = 10.0) -> np.ndarray:
    """A global micro-F1 cut, and per-class cuts shrunk toward it for classes with `min_pos` positives."""
    true = Y.astype(bool)
    glob = _best_cut(P.ravel(), true.ravel())
    out = np.full(P.shape[1], glob)
    grid = np.round(np.linspace(0.05, 0.9, 35), 4)
    for j in range(P.shape[1]):
        npos = int(true[:, j].sum())
        if npos < min_pos:
            continue
        scores = [(_f1(P[:, j] >= t, true[:, j]), -abs(t - glob)) for t in grid]
        t = float(grid[max(range(len(grid)), key=lambda i: scores[i])])
        out[j] = (npos * t + shrink * glob) / (npos + shrink)
    return out
