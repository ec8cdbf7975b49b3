"""`TechniquePredictor`: everything a fitted `TechniqueClassifier` needs at predict time, in NumPy only.

`TechniqueClassifier.fit` builds one (``predictor_``) and delegates its predict methods to it. The
predictor imports neither scikit-learn nor SciPy nor joblib, and it saves to one ``.npz`` file:
arrays, plus the vocabulary, labels and mention index as a JSON block stored as bytes. `load`
reads it with ``allow_pickle=False``, so loading runs no code from the file.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from itertools import islice
from operator import itemgetter
from typing import IO, TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ttpmap._exceptions import ModelError
from ttpmap._gc import gc_paused
from ttpmap._general import SHORT_SENTENCES, tells_no_attack
from ttpmap._results import Evidence, Tactic, Technique
from ttpmap.classify._mentions import MentionIndex
from ttpmap.classify._phrases import PhraseTable, TokenBatch, TokenView, VocabFilter, _distinct
from ttpmap.classify._text import check_texts, sentences_of
from ttpmap.classify._vectorizer import Csr, SentenceVectorizer, _fold

if TYPE_CHECKING:
    from ttpmap.attack import Catalog
    from ttpmap.classify._estimator import TechniqueClassifier

__all__ = ["NAME_COL", "PREDICTOR_FORMAT", "TechniquePredictor"]

PREDICTOR_FORMAT = "ttpmap-predictor/1"
_FEATURES = (
    "max",
    "second",
    "top3_mean",
    "log_n_above_0",
    "log_n_above_-0.5",
    "family_max",
    "log_id_mentions",
    "log_name_mentions",
    "log_train_examples",
    "log_n_sentences",
)
#: Column of the name-mention count in the article features.
NAME_COL = _FEATURES.index("log_name_mentions")
_POOLED = 5  # the features pooled from sentence scores come first
_N_EVIDENCE = 3
_BATCH = 32
_ROW_BLOCK = 8192
#: Rows multiplied by the dense block at once (2048 rows of scores: about 4.5 MB each step).
_DENSE_ROWS = 2048
#: Batches with at least this many TF-IDF entries (about ten long reports) use SciPy.
_SCIPY_MIN_NNZ = 40_000
#: Pool scores batch-wide while at most this share of them rise above the floor.
_SPARSE_POOL = 0.05

#: Attributes that cache what the others give: never pickled.
_CACHES = frozenset({"_labels", "_vocab", "_tactics"})

_first = itemgetter(0)  # a sentence's start

LabelInfo = Mapping[str, tuple[str, tuple[str, ...], str]]
TacticRow = tuple[str, str, str]


class _Scored(NamedTuple):
    features: np.ndarray
    sentences: list[tuple[int, int]]
    scores: np.ndarray  # sentence by class, before adding the intercept
    by_id: dict[int, list[int]]
    by_name: dict[int, list[int]]
    tokens: TokenView | None  # the text's tokens, for the phrase table (None: it tokenizes again)
    places: tuple[list[int], dict[int, list[int]], list[int]] | None = None  # `VocabFilter.places`
    proba: np.ndarray | None = None  # the calibrated probabilities of `features`, if computed


class _Weights:
    """Sentence-level weights by feature row: `hot` (the most used features) and `sparse` (the rest).

    The vectorizer's columns are renumbered so that the hot features come first. Large batches
    multiply by the hot rows as a dense block, built on first use; one article needs no dense block.
    """

    def __init__(self, hot: Csr, sparse: Csr) -> None:
        self.hot = hot
        self.sparse = sparse
        self._dense: np.ndarray | None = None

    @classmethod
    def from_dense(cls, dense: np.ndarray, sparse: Csr) -> _Weights:
        """The weights from the hot rows as a dense array and the sparse rest."""
        rows, cols = np.nonzero(dense)
        indptr = np.zeros(dense.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=dense.shape[0]), out=indptr[1:])
        weights = cls(
            Csr(dense[rows, cols].astype(np.float32), cols.astype(np.int32), indptr, dense.shape), sparse
        )
        weights._dense = np.ascontiguousarray(dense, dtype=np.float32)
        return weights

    @property
    def dense(self) -> np.ndarray:
        """The hot rows as a dense float32 array."""
        if self._dense is None:
            hot = self.hot
            dense = np.zeros(hot.shape, dtype=np.float32)
            dense[np.repeat(np.arange(hot.shape[0]), np.diff(hot.indptr)), hot.indices] = hot.data
            self._dense = dense
        return self._dense

    def __getstate__(self) -> dict[str, Any]:
        return {"hot": tuple(self.hot), "sparse": tuple(self.sparse)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        sparse = state["sparse"]
        if isinstance(sparse, tuple):
            sparse = Csr(*sparse)
        elif not isinstance(sparse, Csr):  # pickled before the predictor: a scipy.sparse matrix
            sparse = Csr.of(sparse)
        weights = (
            _Weights(Csr(*state["hot"]), sparse)
            if "hot" in state
            else _Weights.from_dense(state["dense"], sparse)  # pickled with a dense block
        )
        self.__dict__.update(weights.__dict__)

    @property
    def nnz(self) -> int:
        return len(self.hot.data) + len(self.sparse.data)

    def scores(self, X: Csr) -> np.ndarray:
        """``X @ W`` as a dense float32 ``(n_rows, n_classes)`` array."""
        n_hot, k = self.hot.shape
        if len(X.data) >= _SCIPY_MIN_NNZ:
            # A large batch: SciPy's compiled products (CSR by the dense block, CSR by the sparse
            # rest) are several times faster than expanding weight rows in NumPy; its 0.3 s import
            # is paid once. One article stays NumPy-only.
            import scipy.sparse as sp

            Xs = sp.csr_matrix((X.data, X.indices, X.indptr), shape=X.shape)
            out = np.ascontiguousarray(Xs[:, :n_hot] @ self.dense, dtype=np.float32)
            rest = Xs[:, n_hot:] @ self.sparse.to_scipy()
            # Each entry of `rest` added to its cell (SciPy's product holds no duplicate: one entry
            # per cell), as ``out += rest.toarray()`` would, without making and adding a dense copy;
            # `np.add.at` does it in one pass, where ``out[cells] += ...`` gathers, adds and scatters.
            cells = np.repeat(np.arange(X.shape[0], dtype=np.int64) * k, np.diff(rest.indptr))
            cells += rest.indices
            np.add.at(out.reshape(-1), cells, rest.data)
        else:
            out = np.zeros((X.shape[0], k), dtype=np.float32)
            _add_dense_rows(out, X, self.dense)
            _add_product(out, X, self.sparse, n_hot, X.shape[1])
        return out


def _add_dense_rows(out: np.ndarray, X: Csr, dense: np.ndarray) -> None:
    """``out += X[:, :n_hot] @ dense`` (`dense` has `n_hot` rows), the r-th entry of every row at once
    for r = 0, 1, ...: each row's terms are added in the order of its entries, as SciPy's product
    and `_add_product` add them, so the sums are the same to the bit (a zero weight adds nothing).
    Rows are taken by decreasing number of entries, so those with an r-th entry come first."""
    take = np.flatnonzero(X.indices < dense.shape[0])
    if not len(take):
        return
    counts = np.diff(X.indptr)
    counts = np.bincount(np.repeat(np.arange(len(counts)), counts)[take], minlength=len(counts))
    rows = np.argsort(-counts, kind="stable")
    rows = rows[: np.count_nonzero(counts)]
    first = (np.cumsum(counts) - counts)[rows]  # in `take`, the first entry of each row
    # how many rows have an r-th entry, for each r
    n_at = len(rows) - np.searchsorted(counts[rows][::-1], np.arange(int(counts[rows[0]])), side="right")
    acc = np.zeros((len(rows), out.shape[1]), dtype=np.float32)
    for r, n in enumerate(n_at.tolist()):
        for a in range(0, n, _DENSE_ROWS):
            at = take[first[a : min(n, a + _DENSE_ROWS)] + r]
            part = dense[X.indices[at]]
            part *= X.data[at, None]
            acc[a : a + len(at)] += part
    out[rows] += acc


def _add_product(out: np.ndarray, X: Csr, W: Csr, lo_col: int, hi_col: int) -> None:
    """``out += X[:, lo_col:hi_col] @ W``: each entry of X expands into its weight row's non-zeros."""
    n, k = out.shape
    flat_out = out.reshape(-1)
    for lo in range(0, n, _ROW_BLOCK):
        hi = min(n, lo + _ROW_BLOCK)
        a, b = int(X.indptr[lo]), int(X.indptr[hi])
        cols = X.indices[a:b]
        take = np.flatnonzero((cols >= lo_col) & (cols < hi_col))
        c = cols[take] - lo_col
        starts = W.indptr[c]
        lens = W.indptr[c + 1] - starts
        total = int(lens.sum())
        if not total:
            continue
        rows = np.repeat(np.arange(lo, hi), np.diff(X.indptr[lo : hi + 1]))[take]
        pos = np.arange(total) + np.repeat(starts - (np.cumsum(lens) - lens), lens)
        cells = np.repeat(rows * k, lens) + W.indices[pos]
        np.add.at(flat_out, cells, np.repeat(X.data[a:b][take], lens) * W.data[pos])


def _score(
    texts: Sequence[str],
    vec: SentenceVectorizer,
    W: _Weights,
    b: np.ndarray,
    mentions: MentionIndex,
    family: tuple[np.ndarray, np.ndarray],
    train_examples: np.ndarray,
    floor: float = -math.inf,
    vocab: VocabFilter | None = None,
    calibrate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Iterator[_Scored]:
    """Sentence scores, mentions and article features of each text, in batches of `_BATCH`, with
    where to look for the phrases of `vocab` (if given) in each, and the features' probabilities
    (if `calibrate` is given: it maps features to them)."""
    for lo in range(0, len(texts), _BATCH):
        # A whole batch is scored before the first of it is yielded: its tokens (a list of
        # ~100,000 strings) are then freed, not held while the caller works, which a garbage
        # collection in between would otherwise walk through.
        yield from _score_batch(
            texts[lo : lo + _BATCH], vec, W, b, mentions, family, train_examples, floor, vocab, calibrate
        )


def _score_batch(
    chunk: Sequence[str],
    vec: SentenceVectorizer,
    W: _Weights,
    b: np.ndarray,
    mentions: MentionIndex,
    family: tuple[np.ndarray, np.ndarray],
    train_examples: np.ndarray,
    floor: float,
    vocab: VocabFilter | None = None,
    calibrate: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[_Scored]:
    sents_list = [sentences_of(t) for t in chunk]
    folded = [None if "\u0130" in t else _fold(t) for t in chunk]
    tokens = vec.span_tokens(chunk, sents_list, folded)
    ids = tokens.ids
    # The strings of the tokens that are read: those outside the vocabulary and their neighbours
    # (the phrase starts and the phrase table read them), then the sentences where a phrase starts.
    flat = tokens.partial(_around(np.flatnonzero(ids == -1), len(ids)))
    X, ends = vec.transform_ids(ids, sum(map(len, sents_list)))
    at, lengths = mentions.phrase_starts(flat, ids, vec)
    tokens.fill(flat, _sentence_tokens(at, ends))
    S_all = W.scores(X)  # without the intercept: adding it would be one more pass over them all
    bounds = np.zeros(len(chunk) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sents_list], out=bounds[1:])
    pooled = _pooled(S_all, bounds, b, floor)
    places = (
        None if vocab is None else vocab.places(chunk, TokenBatch.join(chunk, folded, sents_list, ids, flat))
    )
    found, views = [], []
    for i, (text, sents) in enumerate(zip(chunk, sents_list, strict=True)):
        row, end = int(bounds[i]), int(bounds[i + 1])
        tok_lo = int(ends[row - 1]) + 1 if row else 0
        tok_hi = int(ends[end - 1]) + 1
        first, last = np.searchsorted(at, [tok_lo, tok_hi]).tolist()
        text_flat = flat[tok_lo:tok_hi]
        found.append(
            mentions.find(
                text,
                sents,
                text_flat,
                (ends[row:end] - tok_lo).tolist(),
                (at[first:last] - tok_lo, lengths[first:last]),
            )
        )
        fold = folded[i]
        view = None
        if (places is None or places[i] is None) and vocab is not None and fold is not None:
            view = TokenView.whole(fold, vec.token_ids)  # a text the batch does not hold
        views.append(view)
    F = _doc_features(pooled, np.diff(bounds).tolist(), found, family, train_examples)
    P = None if calibrate is None else calibrate(F)
    return [
        _Scored(
            F[i],
            sents_list[i],
            S_all[bounds[i] : bounds[i + 1]],
            *found[i],
            views[i],
            None if places is None else places[i],
            None if P is None else P[i],
        )
        for i in range(len(chunk))
    ]


def _around(at: np.ndarray, n: int) -> np.ndarray:
    """The positions `at`, and those just before and after them, in ``range(n)``."""
    near = np.zeros(n, dtype=bool)
    near[at] = True
    near[at[at > 0] - 1] = True
    near[at[at < n - 1] + 1] = True
    return np.flatnonzero(near)


def _sentence_tokens(at: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions of the tokens of every sentence that holds a position of `at`; sentence ``k``
    ends at the separator ``ends[k]``."""
    k = _distinct(np.searchsorted(ends, at, side="right"))
    if not len(k):
        return k
    lo = np.where(k > 0, ends[np.maximum(k - 1, 0)] + 1, 0)
    size = ends[np.minimum(k, len(ends) - 1)] - lo
    positions: np.ndarray = np.arange(int(size.sum())) + np.repeat(lo - (np.cumsum(size) - size), size)
    return positions


def _pooled(
    scores: np.ndarray, bounds: np.ndarray, intercept: np.ndarray, floor: float = -math.inf
) -> np.ndarray:
    """The first `_POOLED` features of every class for each article; article ``i`` has the sentence
    score rows ``bounds[i]:bounds[i + 1]`` of `scores` (float32, before adding the `intercept`).

    Sentence scores below `floor` count as `floor`: a class whose best sentence scores no higher
    gets constant pooled features. Few scores rise above a floor (under 1 % on TRAM2), so those are
    pooled for the whole batch at once; when many do, each article's scores are partitioned.
    """
    a, k = len(bounds) - 1, scores.shape[1]
    out = np.zeros((a, k, _POOLED))
    if math.isfinite(floor):
        out[:, :, :3] = floor
    counted = min(floor, -0.5)  # every score above the floor, and above -0.5 for the last count
    # Raw scores are compared with a margin far wider than float32 rounding, then exactly.
    near = (counted - intercept - 1e-2 * (1.0 + np.abs(intercept))).astype(np.float32)
    cells = np.flatnonzero(scores > near)
    if len(cells) > _SPARSE_POOL * scores.size:
        for i in range(a):
            _pool_dense(scores[bounds[i] : bounds[i + 1]] + intercept, floor, out[i])
        return out
    rows, cols = np.divmod(cells, k)
    values = scores.reshape(-1)[cells] + intercept[cols]
    above = values > counted
    if not above.any():
        return out
    rows, cols, values = rows[above], cols[above], values[above]
    group = (np.searchsorted(bounds, rows, side="right") - 1) * k + cols
    order = np.argsort((group << 32) - _ordered_bits(values))  # by group, best score first
    group, values = group[order], values[order]
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    size = np.diff(np.r_[first, len(group)])
    live = values[first] > floor
    first, size, g = first[live], size[live], group[first[live]]
    n_rows = np.diff(bounds)[g // k]
    # The three best, each clipped to the floor; missing ones are sentences below the floor, or,
    # in an article of fewer than three sentences, a repeat of its last.
    pad = np.where(size < n_rows, np.float32(floor), values[first + size - 1])
    top = np.empty((len(g), 3), dtype=np.float32)
    for r in range(3):
        top[:, r] = np.where(size > r, values[np.minimum(first + r, len(values) - 1)], pad)
    np.maximum(top, floor, out=top)
    flat = out.reshape(a * k, _POOLED)
    flat[g, 0] = top[:, 0]
    flat[g, 1] = top[:, 1]
    flat[g, 2] = top.mean(axis=1)
    flat[g, 3] = np.log1p(np.bincount(group, weights=values > 0, minlength=a * k)[g])
    flat[g, 4] = np.log1p(np.bincount(group, weights=values > -0.5, minlength=a * k)[g])
    return out


def _ordered_bits(x: np.ndarray) -> np.ndarray:
    """Integers in the order of the float32 values `x` (which hold no NaN), in ``[-2**31, 2**31)``."""
    bits = x.astype(np.float32, copy=False).view(np.int32).astype(np.int64)
    return np.where(bits < 0, bits ^ 0x7FFFFFFF, bits)


def _pool_dense(S: np.ndarray, floor: float, out: np.ndarray) -> None:
    n = len(S)
    live = np.flatnonzero(S.max(axis=0) > floor)
    St = S[:, live].T
    if n >= 3:
        top = -np.sort(-np.partition(St, n - 3, axis=1)[:, n - 3 :], axis=1)
    else:
        top = -np.sort(-St, axis=1)
        top = np.hstack([top, np.repeat(top[:, -1:], 3 - n, axis=1)])
    np.maximum(top, floor, out=top)
    out[live, 0] = top[:, 0]
    out[live, 1] = top[:, 1]
    out[live, 2] = top.mean(axis=1)
    out[live, 3] = np.log1p(np.count_nonzero(St > 0, axis=1))
    out[live, 4] = np.log1p(np.count_nonzero(St > -0.5, axis=1))


def _doc_features(
    pooled: np.ndarray,
    n: Sequence[int],
    found: Sequence[tuple[Mapping[int, list[int]], Mapping[int, list[int]]]],
    family: tuple[np.ndarray, np.ndarray],
    train_examples: np.ndarray,
) -> np.ndarray:
    """The `_FEATURES` of every class for each article, shape ``(articles, classes, features)``,
    from its `_pooled` ones, its number of sentences `n` and its mentions (by ID, by name)."""
    F = np.empty((*pooled.shape[:2], len(_FEATURES)))
    F[:, :, :_POOLED] = pooled
    starts, owner = family
    F[:, :, 5] = np.maximum.reduceat(F[:, :, 0], starts, axis=1)[:, owner]
    F[:, :, 6:8] = 0.0
    for i, mentioned in enumerate(found):
        for col, mentions in zip((6, 7), mentioned, strict=True):
            if mentions:
                F[i, list(mentions), col] = np.log1p([len(hits) for hits in mentions.values()])
    F[:, :, 8] = np.log1p(train_examples)
    F[:, :, 9] = np.array([math.log(k) for k in n])[:, None]
    return F


def _only_ids(p: np.ndarray, by_id: Mapping[int, list[int]]) -> np.ndarray:
    """`p` of the classes whose ATT&CK ID the text writes, 0 for the others: a short text that tells
    no attack (`tells_no_attack`) reports only the IDs it writes."""
    out = np.zeros_like(p)
    ids = list(by_id)
    out[ids] = p[ids]
    return out


def _top_rows(T: np.ndarray, m: int) -> np.ndarray:
    """Of `T`, a score matrix transposed (a row per column), the row indices of the `m` largest
    values of each column (first row on ties), best first: shape ``(m, n_columns)``."""
    k, n = T.shape
    work = T.copy()
    cols = np.arange(k)
    out = np.zeros((min(m, n), k), dtype=np.int64)
    for i in range(len(out)):
        out[i] = rows = work.argmax(axis=1)
        work[cols, rows] = -np.inf
    return out


def _tactic_proba(p: np.ndarray, members: Sequence[np.ndarray]) -> np.ndarray:
    """Each tactic's probability: the best of its techniques'."""
    sizes = np.array([len(idx) for idx in members])
    out = np.zeros(len(members))
    if sizes.any():
        has = sizes > 0
        starts = np.cumsum(sizes) - sizes
        out[has] = np.maximum.reduceat(p[np.concatenate(members)], starts[has])
    return out


def _tactic_vector(
    chosen: Iterable[int], classes: np.ndarray, info: LabelInfo, tactics: Sequence[TacticRow]
) -> np.ndarray:
    """1 for each tactic (matrix order) of a chosen class."""
    shorts = {s for j in chosen for s in info[classes[j]][1]}
    return np.array([short in shorts for _, short, _ in tactics], dtype=np.int64)


class TechniquePredictor:
    """The predict side of a fitted `TechniqueClassifier`: same methods, same results, NumPy only.

    Build one with `from_estimator` (``TechniqueClassifier.fit`` does) or `load`; attributes carry
    the estimator's names (``classes_``, ``thresholds_``, ``calibrator_``, ...).

    Examples
    --------
    >>> predictor = TechniquePredictor.load("models/default/predictor.npz")  # doctest: +SKIP
    >>> techniques, tactics = predictor.explain([report])[0]  # doctest: +SKIP
    """

    _STATE = (
        "vectorizer_",
        "coef_",
        "intercept_",
        "calibrator_",
        "thresholds_",
        "tactic_threshold_",
        "classes_",
        "parent_of_",
        "family_",
        "tactic_members_",
        "label_info_",
        "tactics_",
        "train_examples_",
        "mentions_",
        "attack_version_",
        "mention_floor_",
        "phrases_",
    )

    def __init__(
        self,
        *,
        vectorizer: SentenceVectorizer,
        coef: _Weights,
        intercept: np.ndarray,
        calibrator: tuple[np.ndarray, np.ndarray, np.ndarray, float],
        thresholds: np.ndarray,
        tactic_threshold: float,
        classes: np.ndarray,
        parent_of: np.ndarray,
        family: tuple[np.ndarray, np.ndarray],
        tactic_members: tuple[np.ndarray, ...],
        label_info: LabelInfo,
        tactics: tuple[TacticRow, ...],
        train_examples: np.ndarray,
        mentions: MentionIndex,
        attack_version: str,
        mention_floor: float = 0.0,
        phrases: PhraseTable | None = None,
        parents: str = "drop_redundant",
        score_floor: float = -math.inf,
        short_margin: float | None = None,
    ) -> None:
        self.vectorizer_ = vectorizer
        self.coef_ = coef
        self.intercept_ = intercept
        self.calibrator_ = calibrator
        self.thresholds_ = thresholds
        self.tactic_threshold_ = tactic_threshold
        self.classes_ = classes
        self.parent_of_ = parent_of
        self.family_ = family
        self.tactic_members_ = tactic_members
        self.label_info_ = label_info
        self.tactics_ = tactics
        self.train_examples_ = train_examples
        self.mentions_ = mentions
        self.attack_version_ = attack_version
        self.mention_floor_ = mention_floor
        self.phrases_ = phrases if phrases is not None else PhraseTable.build((), ())
        self.parents = parents
        self.score_floor = score_floor
        self.short_margin = short_margin

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in _CACHES}

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("score_floor", -math.inf)  # pickled before the floor existed: none
        state.setdefault("phrases_", PhraseTable.build((), ()))
        state.setdefault("short_margin", None)
        self.__dict__.update(state)

    @classmethod
    def from_estimator(cls, clf: TechniqueClassifier) -> TechniquePredictor:
        """The predictor of a fitted `TechniqueClassifier` (shares its arrays)."""
        return cls(
            **{name.rstrip("_"): getattr(clf, name) for name in cls._STATE if hasattr(clf, name)},
            parents=clf.parents,
            score_floor=clf.score_floor,
            short_margin=getattr(clf, "short_margin", None),
        )

    def __repr__(self) -> str:
        return (
            f"TechniquePredictor(n_classes={len(self.classes_)}, attack_version={self.attack_version_!r}, "
            f"parents={self.parents!r}, score_floor={self.score_floor!r})"
        )

    # -- predicting ------------------------------------------------------------------------------

    def _calibrated(self, F: np.ndarray) -> np.ndarray:
        """The probability of each class from its features (the last axis of `F`)."""
        mean, scale, w, b = self.calibrator_
        z = ((F - mean) / scale) @ w + b
        p: np.ndarray = np.exp(-np.logaddexp(0.0, -z))  # the logistic function, without overflow
        named = F[..., NAME_COL] > 0
        p[named] = np.maximum(p[named], self.mention_floor_)
        return p

    def _scored(
        self, X: Iterable[str]
    ) -> Iterator[tuple[str, np.ndarray, _Scored, dict[int, tuple[tuple[int, ...], bool]]]]:
        texts = check_texts(X)
        table = self.phrases_
        active = table.active
        class_of, precision = table.classes.tolist(), table.precision.tolist()
        vocab = self._vocab_filter(active)
        scored = _score(
            texts,
            self.vectorizer_,
            self.coef_,
            self.intercept_,
            self.mentions_,
            self.family_,
            self.train_examples_,
            self.score_floor,
            vocab,
            self._calibrated,
        )
        for text, s in zip(texts, scored, strict=True):
            p = self._calibrated(s.features) if s.proba is None else s.proba
            if self.short_margin is not None and len(s.sentences) <= SHORT_SENTENCES:
                best = (s.scores + self.intercept_).max(axis=0) if len(s.sentences) else p * 0 - np.inf
                sure = best >= self.short_margin
                p[sure] = np.maximum(p[sure], self.thresholds_[sure])
            # class -> (the sentences of its precise phrases, up to three, the first phrase's first;
            # whether the phrases decide it)
            phrased: dict[int, tuple[tuple[int, ...], bool]] = {}
            if vocab is None:
                found = table.find(text, active)
            elif s.places is not None:
                found = vocab.matches(text, *s.places)
            else:
                found = table.find(text, active) if s.tokens is None else vocab.find(text, s.tokens)
            for k, start, _ in found:
                j = class_of[k]
                at = max(0, bisect_right(s.sentences, start, key=_first) - 1)  # the sentence of `start`
                if j not in phrased:
                    phrased[j] = ((at,), bool(p[j] < self.thresholds_[j]))
                elif at not in phrased[j][0] and len(phrased[j][0]) < _N_EVIDENCE:
                    phrased[j] = ((*phrased[j][0], at), phrased[j][1])
                p[j] = max(p[j], precision[k])
            if len(s.sentences) <= SHORT_SENTENCES and tells_no_attack([text[a:b] for a, b in s.sentences]):
                p, phrased = _only_ids(p, s.by_id), {}
            yield text, p, s, phrased

    def _tactic_p(self, p: np.ndarray) -> np.ndarray:
        """`_tactic_proba` of `p`, with the tactics' members gathered once (cached)."""
        members = self.tactic_members_
        cached = self.__dict__.get("_tactics")
        if cached is None or cached[0] is not members:
            sizes = np.array([len(idx) for idx in members], dtype=np.int64)
            has = sizes > 0
            flat = np.concatenate(members) if has.any() else np.zeros(0, dtype=np.int64)
            cached = self.__dict__["_tactics"] = (members, flat, (np.cumsum(sizes) - sizes)[has], has)
        _, flat, starts, has = cached
        out = np.zeros(len(has))
        if len(starts):
            out[has] = np.maximum.reduceat(p[flat], starts)
        return out

    def _vocab_filter(self, active: np.ndarray) -> VocabFilter | None:
        """The phrase table's `VocabFilter` over the vocabulary (None if it is not sorted), cached."""
        key = (self.phrases_, self.vectorizer_.tokens_, active.tobytes())
        cached = self.__dict__.get("_vocab")
        if (
            cached is None
            or cached[0][0] is not key[0]
            or cached[0][1] is not key[1]
            or cached[0][2] != key[2]
        ):
            words = self.vectorizer_.words
            cached = (key, VocabFilter(self.phrases_, active, words) if VocabFilter.usable(words) else None)
            self.__dict__["_vocab"] = cached
        found: VocabFilter | None = cached[1]
        return found

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Calibrated probability of each class for each article, shape ``(n_articles, n_classes)``."""
        return np.vstack([p for _, p, _, _ in self._scored(X)])

    def check_catalog(self, catalog: Catalog) -> None:
        """Raise `ModelError` unless `catalog` is the ATT&CK version this model was fitted with."""
        if catalog.version != self.attack_version_:
            raise ModelError(
                f"this classifier was trained on ATT&CK v{self.attack_version_} but the catalog is "
                f"v{catalog.version}; load the catalog of its model directory or retrain with 'ttpmap train'"
            )
        missing = [c for c in self.classes_ if c not in catalog.techniques]
        if missing:
            raise ModelError(
                f"the catalog lacks {len(missing)} of the classifier's techniques, e.g. {missing[0]}"
            )

    def _decide(self, p: np.ndarray, phrased: Mapping[int, tuple[tuple[int, ...], bool]]) -> np.ndarray:
        """Indices of the classes to report for an article with probabilities `p` (and a precise
        phrase for each class in `phrased`)."""
        chosen = p >= self.thresholds_
        chosen[list(phrased)] = True
        if self.parents == "drop_redundant":
            kids = chosen & (self.parent_of_ >= 0)
            chosen[self.parent_of_[kids]] = False
        return np.flatnonzero(chosen)

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Binary indicator matrix over `classes_`: 1 where the article describes the technique."""
        rows = []
        for _, p, _, phrased in self._scored(X):
            row = np.zeros(len(p), dtype=np.int64)
            row[self._decide(p, phrased)] = 1
            rows.append(row)
        return np.vstack(rows) if rows else np.zeros((0, len(self.classes_)), dtype=np.int64)

    def predict_tactics(self, X: Iterable[str]) -> tuple[list[str], np.ndarray]:
        """Tactic IDs (matrix order) and a ``(n_articles, n_tactics)`` indicator matrix."""
        rows = []
        for _, p, _, phrased in self._scored(X):
            implied = _tactic_vector(self._decide(p, phrased), self.classes_, self.label_info_, self.tactics_)
            rows.append((self._tactic_p(p) >= self.tactic_threshold_) | implied.astype(bool))
        return [t[0] for t in self.tactics_], np.vstack(rows).astype(np.int64)

    def explain(self, X: Iterable[str]) -> list[tuple[list[Technique], list[Tactic]]]:
        """Predicted techniques (with evidence sentences) and tactics of each article.

        Returns
        -------
        list of (list of Technique, list of Tactic)
            Techniques by decreasing confidence; each carries up to three evidence sentences with
            offsets into the article, and its `Technique.source`.
            Tactics in matrix order, including every tactic of a predicted technique.
        """
        out: list[tuple[list[Technique], list[Tactic]]] = []
        items = self._scored(X)
        while True:
            # A batch of articles at a time with the cyclic collector paused, as `Analyzer` does for
            # one: its results are thousands of new objects that hold no cycle.
            with gc_paused():
                batch = [self._explain_one(*item) for item in islice(items, _BATCH)]
            if not batch:
                return out
            out += batch

    @cached_property
    def _labels(self) -> list[tuple[str, str, tuple[str, ...], str]]:
        """``(id, name, tactic shortnames, url)`` of each class, by class index."""
        return [(str(c), *self.label_info_[str(c)]) for c in self.classes_]

    def _explain_one(
        self, text: str, p: np.ndarray, scored: _Scored, phrased: Mapping[int, tuple[tuple[int, ...], bool]]
    ) -> tuple[list[Technique], list[Tactic]]:
        sents, S, by_id, by_name = scored.sentences, scored.scores, scored.by_id, scored.by_name
        decided = self._decide(p, phrased)
        chosen = decided[np.lexsort((decided, -p[decided]))]  # by confidence, then class index
        # a row of sentence scores per class (gathered row by row of S: a column of S is strided),
        # written in row order at once by the addition
        by_class = np.add(S[:, chosen].T, self.intercept_[chosen, None], order="C")
        best = _top_rows(by_class, _N_EVIDENCE)
        n_positive = (by_class[np.arange(len(chosen)), best] > 0).sum(axis=0).tolist()
        labels, floor = self._labels, self.mention_floor_
        techniques = []
        implied: dict[str, float] = {}
        evidence_of: dict[int, Evidence | None] = {}  # one object per sentence, however many cite it
        named = by_name.keys() | by_id.keys() | phrased.keys()
        for j, conf, top, n_pos in zip(
            chosen.tolist(), p[chosen].tolist(), best.T.tolist(), n_positive, strict=True
        ):
            cid, name, tactics, url = labels[j]
            order = top[:n_pos]
            source = "model"
            if j in named:
                here = list(phrased[j][0]) if j in phrased else []
                order = list(
                    dict.fromkeys(
                        [*here, *order[:2], *by_name.get(j, [])[:1], *by_id.get(j, [])[:1], *order[2:]]
                    )
                )
                source = _source(j, conf, by_id, by_name, phrased, floor)
            evidence = []
            for k in sorted(order[:_N_EVIDENCE] or top[:1]):
                if k not in evidence_of:
                    start, end = sents[k]
                    evidence_of[k] = Evidence(text[start:end], start, end) if end > start else None
                if (found := evidence_of[k]) is not None:
                    evidence.append(found)
            techniques.append(Technique(cid, name, tactics, conf, tuple(evidence), url, source))
            for short in tactics:
                if conf > implied.get(short, -1.0):
                    implied[short] = conf
        tac_p = self._tactic_p(p).tolist()
        tactics_out = []
        for k, (tid, short, name) in enumerate(self.tactics_):
            conf = max(tac_p[k], implied.get(short, 0.0))
            if short in implied or conf >= self.tactic_threshold_:
                tactics_out.append(Tactic(id=tid, shortname=short, name=name, confidence=conf))
        return techniques, tactics_out

    # -- saving ----------------------------------------------------------------------------------

    def save(self, file: str | os.PathLike[str] | IO[bytes]) -> None:
        """Write the predictor to one ``.npz`` file (a path or a binary file object), deterministically."""
        vec, W = self.vectorizer_, self.coef_
        mean, scale, w, b = self.calibrator_
        starts, owner = self.family_
        m = self.mentions_
        meta = {
            "format": PREDICTOR_FORMAT,
            "attack_version": self.attack_version_,
            "parents": self.parents,
            "score_floor": None if math.isinf(self.score_floor) else float(self.score_floor),
            "short_margin": None if self.short_margin is None else float(self.short_margin),
            "tactic_threshold": float(self.tactic_threshold_),
            "mention_floor": float(self.mention_floor_),
            "calibrator_intercept": float(b),
            "min_df": int(vec.min_df),
            "words": vec.words,
            "classes": [str(c) for c in self.classes_],
            "label_info": {c: [name, list(tac), url] for c, (name, tac, url) in self.label_info_.items()},
            "tactics": [list(t) for t in self.tactics_],
            "mentions": {
                "ids": dict(m.ids),
                "phrases": [[list(p), list(js)] for p, js in m.phrases],
            },
            "phrase_lexicon": [
                [pat, int(j), int(n), int(h), bool(v)]
                for pat, j, n, h, v in zip(
                    self.phrases_.patterns,
                    self.phrases_.classes,
                    self.phrases_.matches,
                    self.phrases_.hits,
                    self.phrases_.vouched,
                    strict=True,
                )
            ],
        }
        arrays = {
            "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode("utf-8"), dtype=np.uint8),
            "unigram_col": vec.unigram_col_,
            "bigram_keys": vec.bigram_keys_,
            "bigram_cols": vec.bigram_cols_,
            "idf": vec.idf_,
            "hot_data": W.hot.data,
            "hot_indices": W.hot.indices,
            "hot_indptr": W.hot.indptr,
            "hot_shape": np.asarray(W.hot.shape, dtype=np.int64),
            "sparse_data": W.sparse.data,
            "sparse_indices": W.sparse.indices,
            "sparse_indptr": W.sparse.indptr,
            "sparse_shape": np.asarray(W.sparse.shape, dtype=np.int64),
            "intercept": self.intercept_,
            "calibrator_mean": mean,
            "calibrator_scale": scale,
            "calibrator_coef": w,
            "thresholds": self.thresholds_,
            "parent_of": self.parent_of_,
            "family_starts": starts,
            "family_owner": owner,
            "tactic_members": np.concatenate([np.zeros(0, dtype=np.int64), *self.tactic_members_]),
            "tactic_member_counts": np.array([len(x) for x in self.tactic_members_], dtype=np.int64),
            "train_examples": self.train_examples_,
        }
        # Stored, not deflated (inflating ~11 MB took ~70 ms of a 1.5 s cold start, issue #4), with
        # fixed timestamps: the same predictor gives the same bytes and the same SHA-256.
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                with zf.open(info, "w", force_zip64=True) as fh:
                    np.lib.format.write_array(fh, np.asanyarray(array), allow_pickle=False)

    @classmethod
    def load(cls, file: str | os.PathLike[str] | IO[bytes] | bytes) -> TechniquePredictor:
        """Read a file written by `save` (a path, a binary file object or its bytes); no code runs.

        Raises
        ------
        ModelError
            The file is not a predictor of this format, or is damaged.
        """
        name = getattr(file, "name", file)
        where = f"{name}: " if isinstance(name, str | os.PathLike) else ""
        try:
            if isinstance(file, bytes):
                data = file
            elif isinstance(file, str | os.PathLike):
                with open(file, "rb") as fh:
                    data = fh.read()
            else:
                data = file.read()
            if not data.startswith(b"PK\x03\x04"):
                raise ValueError("not a .npz (zip) file")
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                a = {key: z[key] for key in z.files}
            meta = json.loads(a.pop("meta").tobytes().decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != PREDICTOR_FORMAT:
                raise ValueError(f"not a {PREDICTOR_FORMAT} file")
            return cls._from_parts(meta, a)
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            raise ModelError(
                f"{where}not a readable {PREDICTOR_FORMAT} file ({type(exc).__name__}: {exc}); "
                "rebuild the model with 'ttpmap train'"
            ) from None

    @classmethod
    def _from_parts(cls, meta: dict[str, Any], a: dict[str, np.ndarray]) -> TechniquePredictor:
        vec = SentenceVectorizer.from_state(
            min_df=int(meta["min_df"]),
            words=meta["words"],
            unigram_col=a["unigram_col"],
            bigram_keys=a["bigram_keys"],
            bigram_cols=a["bigram_cols"],
            idf=a["idf"],
        )
        sparse = Csr(a["sparse_data"], a["sparse_indices"], a["sparse_indptr"], _shape(a["sparse_shape"]))
        counts = a["tactic_member_counts"]
        members = tuple(np.split(a["tactic_members"], np.cumsum(counts)[:-1])) if len(counts) else ()
        mt = meta["mentions"]
        mentions = MentionIndex(
            ids={str(k): int(v) for k, v in mt["ids"].items()},
            phrases=tuple((tuple(p), tuple(int(j) for j in js)) for p, js in mt["phrases"]),
        )
        return cls(
            vectorizer=vec,
            coef=(
                _Weights.from_dense(a["dense"], sparse)
                if "dense" in a
                else _Weights(
                    Csr(a["hot_data"], a["hot_indices"], a["hot_indptr"], _shape(a["hot_shape"])), sparse
                )
            ),
            intercept=a["intercept"],
            calibrator=(
                a["calibrator_mean"],
                a["calibrator_scale"],
                a["calibrator_coef"],
                float(meta["calibrator_intercept"]),
            ),
            thresholds=a["thresholds"],
            tactic_threshold=float(meta["tactic_threshold"]),
            classes=np.array(meta["classes"], dtype=object),
            parent_of=a["parent_of"],
            family=(a["family_starts"], a["family_owner"]),
            tactic_members=members,
            label_info={c: (str(n), tuple(t), str(u)) for c, (n, t, u) in meta["label_info"].items()},
            tactics=tuple((str(i), str(s), str(n)) for i, s, n in meta["tactics"]),
            train_examples=a["train_examples"],
            mentions=mentions,
            attack_version=str(meta["attack_version"]),
            mention_floor=float(meta["mention_floor"]),
            phrases=_phrase_table(meta.get("phrase_lexicon", [])),
            parents=str(meta["parents"]),
            score_floor=-math.inf if meta.get("score_floor") is None else float(meta["score_floor"]),
            short_margin=None if meta.get("short_margin") is None else float(meta["short_margin"]),
        )


def _phrase_table(rows: Sequence[Sequence[Any]]) -> PhraseTable:
    def column(k: int) -> np.ndarray:
        return np.array([int(r[k]) for r in rows], dtype=np.int64)

    vouched = np.array([len(r) > 4 and bool(r[4]) for r in rows], dtype=bool)  # absent before 2026-12
    return PhraseTable(tuple(str(r[0]) for r in rows), column(1), column(2), column(3), vouched)


def _source(
    j: int,
    conf: float,
    by_id: Mapping[int, Any],
    by_name: Mapping[int, Any],
    phrased: Mapping[int, tuple[tuple[int, ...], bool]],
    floor: float,
) -> str:
    """What carried a reported technique: its ID, its name, a precise phrase or the model."""
    if j in by_id:
        return "mention"
    if j in by_name and conf <= floor:
        return "name"
    if j in phrased and phrased[j][1]:
        return "phrase"
    return "model"


def _shape(a: np.ndarray) -> tuple[int, int]:
    return int(a[0]), int(a[1])
