"""``ttpmap phrases measure``: candidate lexicon patterns measured as training will measure them.

Before a pattern goes into ``phrases.tsv`` (or a user's copy of it), its precision on the labeled
reports decides whether training will use it. This measures candidates on the same reports and by
the same rule as `TechniqueClassifier.fit` (`phrase_outcomes`: TRAM2 only for the techniques it
labels, a sub-technique it never labels by its family; AnnoCTR and your own records for every
technique), and adds what training does not count: matches in the single-label sentences (ATT&CK
procedure examples, TRAM bootstrap, TTPDrill), where a sentence labeled with another technique
warns of a false friend.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ttpmap._exceptions import InvalidParameterError, UnknownTechniqueError
from ttpmap.attack import Catalog
from ttpmap.classify._estimator import phrase_outcomes
from ttpmap.classify._phrases import PhraseTable, related
from ttpmap.classify._train import default_corpus, label_spaces, read_user_records
from ttpmap.datasets import LabeledArticle, resolve_labels

__all__ = ["PatternScore", "measure_patterns"]

_CONTEXT = 80


@dataclass(frozen=True, slots=True)
class PatternScore:
    """One candidate pattern measured on labeled reports and single-label sentences."""

    pattern: str
    technique: str
    matches: int
    hits: int
    sentence_matches: int
    sentence_hits: int
    misses: tuple[str, ...]
    #: the precision training gives it as a curated pattern (`PhraseTable.precision`)
    precision: float
    #: whether training would let it report its technique (`PhraseTable.active`)
    active: bool


def measure_patterns(
    phrases: Sequence[tuple[str, str]],
    catalog: Catalog,
    *,
    data_home: str | os.PathLike[str] | None = None,
    data: Sequence[str | os.PathLike[str]] = (),
    show: int = 3,
) -> list[PatternScore]:
    """Measure ``(pattern, technique ID)`` candidates on the training reports (and `data` files).

    Raises `InvalidParameterError` for a technique ID the catalog does not know, or a pattern the
    lexicon syntax does not accept.
    """
    resolved = [(p, _resolve(t, catalog)) for p, t in phrases]
    ids = sorted({t for _, t in resolved})
    try:
        table = PhraseTable.build(resolved, ids, vouched=[True] * len(resolved))
    except ValueError as exc:
        raise InvalidParameterError(f"{exc}; see the syntax at the top of phrases.tsv") from exc
    sentences, reports = default_corpus(data_home, catalog=catalog)
    reports = [*reports, *read_user_records(data)]
    texts = [r.text for r in reports]
    labels = [list(resolve_labels(r.labels, catalog)) for r in reports]
    spaces = [None if sp is None else set(sp) for sp in label_spaces(reports)]
    counts = np.zeros((len(phrases), 2), dtype=np.int64)
    misses: list[list[str]] = [[] for _ in phrases]
    for d, k, hit, _ in phrase_outcomes(table, ids, texts, labels, spaces):
        if hit is None:
            continue
        counts[k] += (1, hit)
        if not hit and len(misses[k]) < show:
            misses[k].append(_context(table, k, reports[d]))
    in_sentences = _sentence_counts(table, ids, sentences)
    measured = PhraseTable(table.patterns, table.classes, counts[:, 0], counts[:, 1], table.vouched)
    precision, active = measured.precision.tolist(), measured.active.tolist()
    return [
        PatternScore(
            p,
            ids[table.classes[k]],
            int(counts[k, 0]),
            int(counts[k, 1]),
            *in_sentences[k],
            tuple(misses[k]),
            precision[k],
            active[k],
        )
        for k, p in enumerate(table.patterns)
    ]


def _resolve(tid: str, catalog: Catalog) -> str:
    try:
        info = catalog.resolve(tid)
    except UnknownTechniqueError as exc:
        raise InvalidParameterError(
            f"{tid!r} is not an ATT&CK technique in {catalog.version}: {exc}"
        ) from exc
    if info.deprecated:
        raise InvalidParameterError(f"{tid} is deprecated in ATT&CK {catalog.version}: training ignores it")
    return info.id


def _sentence_counts(
    table: PhraseTable, ids: Sequence[str], sentences: Sequence[LabeledArticle]
) -> list[tuple[int, int]]:
    out = np.zeros((len(table.patterns), 2), dtype=np.int64)
    confirming = [related(ids[j]) for j in table.classes]
    for r in sentences:
        for k in {k for k, _, _ in table.find(r.text)}:
            out[k] += (1, bool(confirming[k] & set(r.labels)))
    return [(int(m), int(h)) for m, h in out]


def _context(table: PhraseTable, k: int, record: LabeledArticle) -> str:
    only = np.zeros(len(table.patterns), dtype=bool)
    only[k] = True
    found = table.find(record.text, only)
    start, end = found[0][1:] if found else (0, 0)
    text = record.text
    snippet = " ".join(text[max(0, start - _CONTEXT) : end + _CONTEXT].split())
    return f"{record.id}: ...{snippet}..."
