"""Batch analysis: a stream of articles in, a stream of briefs out, on any joblib backend."""

from __future__ import annotations

import itertools
import operator
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ttpmap._exceptions import InvalidParameterError

if TYPE_CHECKING:
    from ttpmap._brief import Brief

__all__ = ["BatchError", "LazyAnalyzer", "analyze_many"]

_CHUNKS_PER_WORKER = 16
_PARENT_POLL_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class BatchError:
    """An article that could not be analyzed, yielded in its place by `analyze_many`.

    Attributes
    ----------
    index : int
        The article's position in the input (0-based).
    title, url : str or None
        From the article, when it had them.
    error_type, message : str
        The exception's class name and message.
    context : object
        The context that came with the article (``as_tuples=True``), else None.
    """

    index: int
    title: str | None
    url: str | None
    error_type: str
    message: str
    context: Any = None

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready dict (the context is left out: it may not be JSON)."""
        return {
            "index": self.index,
            "title": self.title,
            "url": self.url,
            "error_type": self.error_type,
            "message": self.message,
        }


class LazyAnalyzer:
    """An `Analyzer` by its options: cheap to pickle, built once per process on first use.

    Workers (loky processes, Dask workers) build the analyzer from the model path the first time
    a task needs it and reuse it for every later task in that process; with `model_sha256` they
    refuse a model folder whose manifest differs from the pin.
    """

    __slots__ = ("hunt_rules", "max_bytes", "model", "model_sha256", "severity_rules")

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        hunt_rules: str | os.PathLike[str] | None = None,
        severity_rules: str | os.PathLike[str] | None = None,
        max_bytes: int | None = None,
        model_sha256: str | None = None,
    ) -> None:
        if model is None:
            from ttpmap._model import default_model_dir

            model = default_model_dir()
        self.model = os.fspath(model)
        self.hunt_rules = None if hunt_rules is None else os.fspath(hunt_rules)
        self.severity_rules = None if severity_rules is None else os.fspath(severity_rules)
        self.max_bytes = max_bytes
        self.model_sha256 = model_sha256

    def resolve(self) -> Any:
        """This process's analyzer for these options (built on the first call)."""
        from ttpmap._analyzer import process_analyzer

        return process_analyzer(
            self.model, self.hunt_rules, self.severity_rules, self.max_bytes, model_sha256=self.model_sha256
        )

    def analyze(self, article: Any) -> Brief:
        """Analyze one article with this process's analyzer."""
        result: Brief = self.resolve().analyze(article)
        return result

    def __reduce__(self) -> tuple[Any, ...]:
        return (_lazy, (self.model, self.hunt_rules, self.severity_rules, self.max_bytes, self.model_sha256))

    def __repr__(self) -> str:
        return f"LazyAnalyzer(model={self.model!r})"


def _lazy(
    model: str,
    hunt_rules: str | None,
    severity_rules: str | None,
    max_bytes: int | None,
    model_sha256: str | None = None,
) -> LazyAnalyzer:
    return LazyAnalyzer(
        model,
        hunt_rules=hunt_rules,
        severity_rules=severity_rules,
        max_bytes=max_bytes,
        model_sha256=model_sha256,
    )


def analyze_many(
    analyzer: Any,
    articles: Iterable[Any],
    *,
    n_jobs: int | None = 1,
    batch_size: int = 32,
    as_tuples: bool = False,
    progress: bool | None = None,
    on_error: Literal["record", "raise"] = "record",
) -> Iterator[Any]:
    """Analyze a stream of articles, yielding one result per article in input order.

    The input is read lazily, `batch_size` articles to a task, and at most 16 tasks per worker
    are in flight or waiting to be read, so memory stays bounded however long the stream and
    however slowly the results are consumed.
    Tasks run through joblib: ``n_jobs=2`` uses local processes (loky); inside
    ``with joblib.parallel_backend("dask"):`` they run on a Dask cluster. Worker processes build
    one analyzer each, from the model path, and keep it for every later task.

    Parameters
    ----------
    analyzer : Analyzer, path-like or None
        An `Analyzer` (pickled as its model path and options, not its loaded model), a model
        directory, or None for the default model. Any object with ``analyze(article)`` works if it
        can be pickled.
    articles : iterable
        `Article` objects or texts; with ``as_tuples=True``, ``(article, context)`` pairs.
    n_jobs : int or None, default=1
        Workers, as in joblib: ``-1`` for all cores, None for the active backend's default.
    batch_size : int, default=32
        Articles per task.
    as_tuples : bool, default=False
        Yield ``(result, context)`` pairs; the context stays in this process, untouched.
    progress : bool or None, default=None
        Show a progress bar on stderr; None shows one only when stderr is a terminal.
    on_error : {"record", "raise"}, default="record"
        "record" yields a `BatchError` in place of an article that failed and goes on;
        "raise" stops at the first failure and raises its exception.

    Yields
    ------
    Brief or BatchError, or (Brief or BatchError, context) pairs with ``as_tuples=True``.
    """
    if on_error not in ("record", "raise"):
        raise InvalidParameterError(f"on_error must be 'record' or 'raise', got {on_error!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidParameterError(f"batch_size must be a positive int, got {batch_size!r}")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0):
        raise InvalidParameterError(
            f"n_jobs must be a non-zero int (-1 for all cores) or None, got {n_jobs!r}"
        )
    if progress is not None and not isinstance(progress, bool):
        raise InvalidParameterError(f"progress must be True, False or None, got {progress!r}")
    if isinstance(articles, str | bytes):
        raise InvalidParameterError("analyze_many() got one str; pass a list (or other iterable) of articles")
    if not isinstance(articles, Iterable):
        raise InvalidParameterError(
            f"articles must be an iterable of articles, got {type(articles).__name__}"
        )
    if analyzer is None or isinstance(analyzer, str | os.PathLike):
        analyzer = LazyAnalyzer(analyzer)
    elif not callable(getattr(analyzer, "analyze", None)):
        raise InvalidParameterError(
            f"analyzer must be an Analyzer or a model path, got {type(analyzer).__name__}"
        )
    return _stream(analyzer, articles, n_jobs, batch_size, as_tuples, progress, on_error == "record")


def _stream(
    analyzer: Any,
    articles: Iterable[Any],
    n_jobs: int | None,
    batch_size: int,
    as_tuples: bool,
    progress: bool | None,
    record: bool,
) -> Iterator[Any]:
    from joblib import Parallel, delayed
    from joblib.parallel import get_active_backend

    backend, context_n_jobs = get_active_backend()
    workers = max(1, int(backend.effective_n_jobs(context_n_jobs if n_jobs is None else n_jobs)))
    window = workers * _CHUNKS_PER_WORKER
    total = operator.length_hint(articles, -1)
    chunks = _chunks(articles, batch_size, as_tuples)
    parent = os.getpid()
    with (
        _ProgressBar(progress, total if total >= 0 else None) as advance,
        Parallel(n_jobs=n_jobs, return_as="generator", batch_size=1) as parallel,
    ):
        while True:
            batch = list(itertools.islice(chunks, window))
            if not batch:
                return
            tasks = (delayed(_analyze_chunk)(analyzer, items, record, parent) for items, _ in batch)
            for (_, contexts), results in zip(batch, parallel(tasks), strict=True):
                for result, context in zip(results, contexts, strict=True):
                    if as_tuples:
                        if isinstance(result, BatchError) and context is not None:
                            result = _with_context(result, context)
                        yield result, context
                    else:
                        yield result
                advance(len(results))
            del batch


def _with_context(error: BatchError, context: Any) -> BatchError:
    return BatchError(error.index, error.title, error.url, error.error_type, error.message, context)


def _chunks(
    articles: Iterable[Any], batch_size: int, as_tuples: bool
) -> Iterator[tuple[list[tuple[int, Any]], list[Any]]]:
    items: list[tuple[int, Any]] = []
    contexts: list[Any] = []
    for index, item in enumerate(articles):
        if as_tuples:
            if not isinstance(item, tuple) or len(item) != 2:
                raise InvalidParameterError(
                    "as_tuples=True expects (article, context) pairs; "
                    f"item {index} is a {type(item).__name__}"
                )
            article, context = item
        else:
            article, context = item, None
        items.append((index, article))
        contexts.append(context)
        if len(items) == batch_size:
            yield items, contexts
            items, contexts = [], []
    if items:
        yield items, contexts


def _analyze_chunk(
    analyzer: Any, items: list[tuple[int, Any]], record: bool, parent: int | None = None
) -> list[Any]:
    """Run in a worker: analyze each article, turning a failure into a `BatchError` when recording."""
    if parent is not None:
        _exit_with_parent(parent)
    resolve = getattr(analyzer, "resolve", None)
    if resolve is not None:
        analyzer = resolve()  # a model that cannot load fails the batch, not each article
    results: list[Any] = []
    for index, article in items:
        try:
            results.append(analyzer.analyze(article))
        except Exception as exc:
            if not record:
                raise
            results.append(
                BatchError(
                    index=index,
                    title=_field(article, "title"),
                    url=_field(article, "url"),
                    error_type=type(exc).__name__,
                    message=str(exc),
                )
            )
    return results


_WATCHED_PARENT: int | None = None


def _exit_with_parent(parent: int) -> None:
    """In a worker process started by `parent` (loky), end this process when `parent` dies.

    A parent killed with SIGKILL cannot stop its workers, which would otherwise live on, each
    with a loaded model. Workers that `parent` did not start (Dask workers, the parent itself
    with ``n_jobs=1``) are left alone.
    """
    global _WATCHED_PARENT
    if parent == _WATCHED_PARENT or os.getpid() == parent or os.getppid() != parent:
        return
    _WATCHED_PARENT = parent
    threading.Thread(target=_watch_parent, args=(parent,), name="ttpmap-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)  # orphaned: nobody reads our results


def _field(article: Any, name: str) -> str | None:
    value = getattr(article, name, None)
    return value if isinstance(value, str) else None


class _ProgressBar:
    """A rich progress bar on stderr, or nothing when disabled or stderr is not a terminal."""

    def __init__(self, enabled: bool | None, total: int | None) -> None:
        self.enabled = _isatty(sys.stderr) if enabled is None else enabled
        self.total = total
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int], None]:
        if not self.enabled:
            return _ignore
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("analyzing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._progress.start()
        self._task = self._progress.add_task("articles", total=self.total)
        return self._advance

    def _advance(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def _ignore(n: int) -> None:
    return None


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
