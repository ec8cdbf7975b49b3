"""`Analyzer`: load a model once, run the pipeline stages over each article, freeze a `Brief`."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ttpmap._article import Article, check_text
from ttpmap._brief import Brief
from ttpmap._document import WorkDoc
from ttpmap._exceptions import (
    InputError,
    InvalidParameterError,
    ModelIntegrityError,
    UnknownTechniqueError,
)
from ttpmap._gc import gc_paused
from ttpmap._model import MANIFEST_FILE, Model, load_model
from ttpmap._results import Severity, Tactic, Technique
from ttpmap.attack._ids import TECHNIQUE_ID_IN_TEXT

if TYPE_CHECKING:
    from ttpmap._batch import BatchError
    from ttpmap.attack import Catalog

__all__ = ["Analyzer", "analyze"]

_SUMMARY_CHARS = 600
_N_MENTION_EVIDENCE = 3
_MIN_SUMMARY_WORDS = 8
_NOT_PROSE = re.compile(r"(?:title|url|published|source):|[#|>*\-\u2022]|\d{1,3}[.)]\s", re.IGNORECASE)


@dataclass(frozen=True)
class _Stage:
    """One pipeline step: what it reads and writes on the `WorkDoc`, and the function that does it."""

    name: str
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    run: Callable[[WorkDoc], None]


class Analyzer:
    """Analyze articles with one model, loaded once; safe to share between threads.

    Parameters
    ----------
    model : path-like or Model, optional
        A model directory (default: the shipped model, or ``$TTPMAP_MODEL``), verified by SHA-256
        before anything in it is unpickled.
    hunt_rules : path-like, optional
        A Sigma rule directory to recommend hunts from instead of the built-in pack.
    severity_rules : path-like, optional
        A severity rules file (YAML) to use instead of the shipped rules.
    max_bytes : int, optional
        The largest article accepted (default ``$TTPMAP_MAX_INPUT_BYTES`` or 10 MiB).
    max_hunts : int, optional
        Keep at most this many hunts in each brief, best fit first (default: all that fit the
        article; hunts under the relevance floor are always left out, and counted).
    model_sha256 : str, optional
        Pin the SHA-256 of the model's ``manifest.json``; a model folder that differs is refused.
        Worker processes (`analyze_many`) always reload the model pinned to the manifest this
        analyzer verified, pinned or not.

    Examples
    --------
    >>> analyzer = Analyzer()
    >>> brief = analyzer.analyze("The actor ran PowerShell (T1059.001) to fetch a payload.")
    >>> [t.id for t in brief.techniques][:1]
    ['T1059.001']
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | Model | None = None,
        *,
        hunt_rules: str | os.PathLike[str] | None = None,
        severity_rules: str | os.PathLike[str] | None = None,
        max_bytes: int | None = None,
        max_hunts: int | None = None,
        model_sha256: str | None = None,
    ) -> None:
        if max_bytes is not None and (not isinstance(max_bytes, int) or max_bytes <= 0):
            raise InvalidParameterError(f"max_bytes must be a positive int, got {max_bytes!r}")
        if max_hunts is not None and (
            isinstance(max_hunts, bool) or not isinstance(max_hunts, int) or max_hunts <= 0
        ):
            raise InvalidParameterError(f"max_hunts must be a positive int, got {max_hunts!r}")
        self.max_hunts = max_hunts
        self.model = model
        self.model_sha256 = model_sha256
        self.hunt_rules = hunt_rules
        self.severity_rules = severity_rules
        self.max_bytes = max_bytes
        with gc_paused():
            self._model = model if isinstance(model, Model) else load_model(model, sha256=model_sha256)
            _check_pin(self._model, model_sha256)
            self._catalog = self._model.catalog
            self._techniques = self._model.techniques
            self._severity_model = self._model.severity
            self._hunts = self._load_hunts(hunt_rules)
            self._severity = self._load_severity(severity_rules)
        self._stages = self._build_stages()
        self._names: dict[str, str] | None = None

    @property
    def catalog(self) -> Catalog:
        """The ATT&CK catalog the model was built against."""
        return self._catalog

    @property
    def stage_names(self) -> list[str]:
        """The pipeline's stages in the order they run."""
        return [s.name for s in self._stages]

    def analyze(self, article: Article | str) -> Brief:
        """Analyze one article (an `Article`, or its text: plain or an HTML document)."""
        with gc_paused():
            doc = WorkDoc.from_article(self._coerce(article))
            for stage in self._stages:
                stage.run(doc)
            return self._freeze(doc)

    def _prepare(self, article: Article | str) -> WorkDoc:
        """The working document after every stage before severity: what a severity model reads."""
        doc = WorkDoc.from_article(self._coerce(article))
        for stage in self._stages:
            if stage.name != "severity":
                stage.run(doc)
        return doc

    def analyze_many(
        self,
        articles: Iterable[Any],
        *,
        n_jobs: int | None = 1,
        batch_size: int = 32,
        as_tuples: bool = False,
        on_error: Literal["record", "raise"] = "record",
        progress: bool | None = None,
    ) -> Iterator[Brief | BatchError | tuple[Brief | BatchError, Any]]:
        """Analyze a stream of articles in input order, on any joblib backend.

        Results come back lazily, one per input, so memory stays bounded. With ``on_error="record"``
        a failed article yields a `BatchError` in its place and the batch goes on. With
        ``as_tuples=True`` the input is ``(article, context)`` pairs and the output
        ``(brief, context)`` pairs. ``n_jobs=None`` uses the active joblib backend's default; inside
        ``with joblib.parallel_backend("dask"):`` the work runs on a Dask cluster.
        """
        from ttpmap._batch import analyze_many

        return analyze_many(
            self,
            articles,
            n_jobs=n_jobs,
            batch_size=batch_size,
            as_tuples=as_tuples,
            on_error=on_error,
            progress=progress,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        model_path = self._model.path if not isinstance(self.model, str | os.PathLike) else self.model
        pin = self._model.manifest_sha256 or self.model_sha256  # what this process verified
        return (
            process_analyzer,
            (str(model_path), self.hunt_rules, self.severity_rules, self.max_bytes, self.max_hunts, pin),
        )

    def __repr__(self) -> str:
        return f"Analyzer(model={str(self._model.path)!r}, attack_version={self._catalog.version!r})"

    def _coerce(self, article: Article | str) -> Article:
        if isinstance(article, Article):
            check_text(article.text, max_bytes=self.max_bytes)
            return article
        if isinstance(article, str):
            return Article.from_text(article, max_bytes=self.max_bytes)
        if isinstance(article, bytes | bytearray):
            return Article.from_bytes(bytes(article), max_bytes=self.max_bytes)
        raise InputError(f"analyze() takes an Article or a str, got {type(article).__name__}")

    def _load_hunts(self, rules: str | os.PathLike[str] | None) -> Any:
        from ttpmap.hunts import HuntLibrary

        if rules is None:
            return HuntLibrary.default(self._catalog)
        return HuntLibrary.from_directory(Path(rules), self._catalog)

    def _load_severity(self, rules: str | os.PathLike[str] | None) -> Any:
        from ttpmap.severity import SeverityRules

        return SeverityRules.default() if rules is None else SeverityRules.from_file(Path(rules))

    def _build_stages(self) -> list[_Stage]:
        stages = [
            _Stage("iocs", ("sentences",), ("iocs",), self._find_iocs),
            _Stage("techniques", ("sentences",), ("techniques", "tactics"), self._find_techniques),
            _Stage("phases", ("techniques",), ("phases",), self._find_phases),
            _Stage("hunts", ("techniques",), ("hunts",), self._find_hunts),
            _Stage(
                "severity", ("iocs", "techniques", "phases", "hunts"), ("severity",), self._assess_severity
            ),
        ]
        _check_stage_order(stages)
        return stages

    def _find_iocs(self, doc: WorkDoc) -> None:
        from ttpmap.iocs._structured import find_structured_iocs

        assert doc.structure is not None
        doc.iocs = find_structured_iocs(doc.structure, doc.article)

    def _find_techniques(self, doc: WorkDoc) -> None:
        from ttpmap._evidence import mapping_techniques, technique_names
        from ttpmap.classify._final import final_techniques

        assert doc.structure is not None
        if self._names is None:
            self._names = technique_names(self._catalog)
        explicit = _explicit_techniques(doc, self._catalog)
        mapped = mapping_techniques(doc.structure, self._catalog, self._names)
        explicit += [t for t in mapped if t.id not in {e.id for e in explicit}]
        classifier = self._techniques
        if classifier is None:
            doc.techniques = final_techniques(explicit, self._catalog)
            doc.tactics = _tactics_of(doc.techniques, self._catalog)
            return
        techniques, tactics = classifier.explain([doc.structure.prose])[0]
        techniques = _with_mapping([_prose_only(t, doc) for t in techniques], mapped)
        found = {t.id for t in techniques}
        named = [t for t in explicit if t.id not in found]
        doc.techniques = final_techniques([*techniques, *named], self._catalog)
        named = [t for t in doc.techniques if t.id not in found]
        if named:
            seen = {t.shortname for t in tactics}
            extra = [t for t in _tactics_of(named, self._catalog) if t.shortname not in seen]
            order = {t.shortname: t.order for t in self._catalog.tactics}
            tactics = sorted([*tactics, *extra], key=lambda t: order.get(t.shortname, 99))
        doc.tactics = list(tactics)

    def _find_phases(self, doc: WorkDoc) -> None:
        from ttpmap.attack import phases_for

        doc.phases = phases_for([t.id for t in doc.techniques], self._catalog)

    def _find_hunts(self, doc: WorkDoc) -> None:
        doc.hunts = self._hunts.hunts_for(doc.techniques)  # every candidate: what severity counts
        ranked = self._hunts.recommend(
            doc.techniques, doc.text, sentences=doc.sentences, max_hunts=self.max_hunts
        )
        doc.ranked_hunts = ranked.hunts
        doc.hunts_left_out = ranked.left_out

    def _assess_severity(self, doc: WorkDoc) -> None:
        model = self._severity_model
        severity: Severity = model.assess(doc) if model is not None else self._severity.assess(doc)
        doc.severity = severity

    def _freeze(self, doc: WorkDoc) -> Brief:
        article = doc.article
        assert doc.severity is not None
        assert doc.structure is not None
        return Brief(
            title=article.title or doc.structure.title,
            url=article.url,
            source=article.source,
            published=article.published,
            summary=_summary(doc),
            severity=doc.severity,
            iocs=tuple(i for i in doc.iocs if i.fidelity == "high"),
            techniques=tuple(doc.techniques),
            tactics=tuple(doc.tactics),
            phases=tuple(doc.phases),
            hunts=tuple(doc.ranked_hunts),
            attack_version=self._catalog.version,
            model={"name": self._model.name, "attack_version": self._catalog.version},
            hunts_left_out=doc.hunts_left_out,
            text=article.text,
        )


def _check_pin(model: Model, pin: str | None) -> None:
    actual = model.manifest_sha256
    if pin is not None and actual is not None and actual != pin.strip().lower():
        path = model.path / "manifest.json"
        raise ModelIntegrityError(
            f"{path}: SHA-256 {actual} differs from the pinned {pin}; the model was changed",
            path,
            pin,
            actual,
        )


def _check_stage_order(stages: Sequence[_Stage]) -> None:
    available = {"article", "sentences"}
    for stage in stages:
        missing = [r for r in stage.requires if r not in available]
        if missing:
            raise InvalidParameterError(
                f"stage {stage.name!r} requires {missing}, which no earlier stage assigns"
            )
        available.update(stage.assigns)


def _with_mapping(techniques: list[Technique], mapped: list[Technique]) -> list[Technique]:
    """The model's techniques, those the article's own ATT&CK table lists marked as such.

    The article's mapping is the stronger statement: its source and at least its confidence win,
    and its table rows join the prose evidence.
    """
    by_id = {t.id: t for t in mapped}
    out = []
    for t in techniques:
        m = by_id.get(t.id)
        if m is not None:
            t = replace(
                t,
                confidence=max(t.confidence, m.confidence),
                evidence=(*t.evidence, *m.evidence),
                source=m.source,
            )
        out.append(t)
    return out


def _explicit_techniques(doc: WorkDoc, catalog: Catalog) -> list[Technique]:
    """Techniques the author names by ATT&CK ID: always reported, whatever the classifier scores."""
    from ttpmap._evidence import prose_evidence

    assert doc.structure is not None
    found: dict[str, list[Any]] = {}
    sentences, k = doc.sentences, 0  # matches come in text order: walk the sentences alongside
    for m in TECHNIQUE_ID_IN_TEXT.finditer(doc.structure.prose):
        try:
            info = catalog.resolve(m.group().replace("/", "."))
        except UnknownTechniqueError:
            continue
        while k < len(sentences) and sentences[k].end <= m.start():
            k += 1
        at = sentences[k] if k < len(sentences) and sentences[k].start <= m.start() else None
        sentence = prose_evidence(doc.structure, at.start, at.end) if at is not None else None
        evidence = found.setdefault(info.id, [info])
        # at most _N_MENTION_EVIDENCE kept: checking each mention against every earlier one is quadratic
        if sentence is not None and len(evidence) <= _N_MENTION_EVIDENCE and sentence not in evidence[1:]:
            evidence.append(sentence)
    return [
        Technique(
            info.id, info.name, tuple(info.tactics), 0.9, tuple(ev), info.url.rstrip("/") + "/", "mention"
        )
        for info, *ev in found.values()
    ]


def _prose_only(technique: Technique, doc: WorkDoc) -> Technique:
    """The technique with each evidence span trimmed to prose and labelled with its block kind; a
    sentence of a section that advises defenders ("Recommendations") only when nothing else shows it."""
    from ttpmap._evidence import in_advice_section, prose_evidence

    structure = doc.structure
    assert structure is not None
    found = [prose_evidence(structure, e.start, e.end) for e in technique.evidence]
    evidence = [e for e in found if e is not None]
    told = [e for e in evidence if not in_advice_section(structure, e.start)]
    return replace(technique, evidence=tuple(told or evidence))


def _tactics_of(techniques: Sequence[Technique], catalog: Catalog) -> list[Tactic]:
    best: dict[str, float] = {}
    for t in techniques:
        for shortname in t.tactics:
            best[shortname] = max(best.get(shortname, 0.0), t.confidence)
    tactics = [catalog.tactic(s) for s in best]
    return [
        Tactic(x.id, x.shortname, x.name, best[x.shortname]) for x in sorted(tactics, key=lambda x: x.order)
    ]


def _summary(doc: WorkDoc) -> str:
    """The first prose paragraphs: no title, byline, date, heading, caption, table, code or navigation."""
    from ttpmap._structure import plain

    assert doc.structure is not None
    structure = doc.structure
    paragraphs = {start for start, _ in structure.summary_paragraphs()}
    parts: list[str] = []
    size = 0
    title = " ".join((doc.article.title or structure.title or "").split())
    for sentence in doc.sentences:
        block = structure.block_at(sentence.start)
        if block is None or block.start not in paragraphs:
            continue
        text = plain(structure.prose[sentence.start : sentence.end])
        if len(text.split()) < _MIN_SUMMARY_WORDS or text == title or _NOT_PROSE.match(text):
            continue
        if size + len(text) > _SUMMARY_CHARS and parts:
            break
        parts.append(text)
        size += len(text) + 1
        if size >= _SUMMARY_CHARS // 2:
            break
    summary = " ".join(parts)
    return summary if len(summary) <= _SUMMARY_CHARS else summary[: _SUMMARY_CHARS - 1].rstrip() + "…"


def process_analyzer(
    model: str,
    hunt_rules: str | None,
    severity_rules: str | None,
    max_bytes: int | None,
    max_hunts: int | None = None,
    model_sha256: str | None = None,
) -> Analyzer:
    """This process's `Analyzer` for these options, built on the first call (unpickling an
    `Analyzer`, batch workers and the spaCy component share it); a model whose manifest changed on
    disk since is loaded anew."""
    try:
        written: float | None = (Path(model) / MANIFEST_FILE).stat().st_mtime
    except OSError:
        written = None  # Analyzer says what is wrong with the folder
    key = (model, written, hunt_rules, severity_rules, max_bytes, max_hunts, model_sha256)
    with _DEFAULT_LOCK:
        cached = _PROCESS_ANALYZERS.get(key)
        if cached is None:
            cached = Analyzer(
                model,
                hunt_rules=hunt_rules,
                severity_rules=severity_rules,
                max_bytes=max_bytes,
                max_hunts=max_hunts,
                model_sha256=model_sha256,
            )
            _PROCESS_ANALYZERS[key] = cached
    return cached


_DEFAULT: Analyzer | None = None
_DEFAULT_LOCK = threading.Lock()
_PROCESS_ANALYZERS: dict[tuple[Any, ...], Analyzer] = {}


def analyze(article: Article | str) -> Brief:
    """Analyze one article with a default `Analyzer`, created on first use and kept.

    For more than a few articles, or another model, create an `Analyzer` and keep it.
    """
    global _DEFAULT
    if _DEFAULT is None:
        with _DEFAULT_LOCK:
            if _DEFAULT is None:
                _DEFAULT = Analyzer()
    return _DEFAULT.analyze(article)
