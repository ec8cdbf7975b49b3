"""``ttpmap feed`` and ``ttpmap batch``: many articles in, briefs, JSONL, STIX and Navigator layers out."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ttpmap._atomic import atomic_open, atomic_write
from ttpmap._batch import BatchError, LazyAnalyzer, analyze_many
from ttpmap._exceptions import InputError, InvalidParameterError

__all__ = ["register"]

ARTICLE_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".json"})


def register(subparsers: Any) -> None:
    """Add the ``feed`` and ``batch`` commands."""
    feed = subparsers.add_parser(
        "feed",
        help="analyze every new entry of RSS/Atom feeds, one brief per entry (resumable)",
        description="Read RSS or Atom feeds (URLs or files), analyze each entry not analyzed before, and "
        "write one brief per entry. A state file remembers what was done: rerunning skips it, and an "
        "interrupted run loses nothing and writes nothing twice.",
        epilog="Exit status: 0 when the run completed (entries that could not be analyzed are listed on "
        "stderr and tried again next run), 1 when a feed could not be read, 2 on bad arguments.",
    )
    feed.add_argument("sources", nargs="+", metavar="URL|FILE", help="feed URLs or feed files")
    feed.add_argument(
        "--out", type=Path, default=Path("briefs"), help="folder for the briefs (default: ./briefs)"
    )
    feed.add_argument(
        "--format",
        choices=("markdown", "json", "jsonl"),
        default="markdown",
        help="one .md or .json file per entry, or lines appended to OUT/briefs.jsonl",
    )
    feed.add_argument("--state", type=Path, help="state file (default: OUT/.ttpmap-feed-state.json)")
    feed.add_argument(
        "--fetch-full",
        action="store_true",
        help="fetch the page behind each entry's link and analyze it instead of the summary",
    )
    _add_common(feed, what="this run's briefs")
    feed.set_defaults(func=_run_feed)

    batch = subparsers.add_parser(
        "batch",
        help="analyze article files or folders in parallel; JSONL, STIX and Navigator out",
        description="Analyze every article file given (.txt, .md, .html, .json; folders are searched "
        "recursively) in parallel, in order. Without --jsonl, --stix or --navigator, JSONL goes to "
        "standard output.",
        epilog="Exit status: 0 when every article was analyzed, 1 when some could not be (each is listed on "
        "stderr), 2 on bad arguments.",
    )
    batch.add_argument("paths", nargs="+", metavar="PATH", help="article files or folders of them")
    batch.add_argument("--jsonl", help="write the briefs as JSON Lines to this file (- for standard output)")
    batch.add_argument("--encoding", help="the files' text encoding when it is not UTF-8")
    _add_common(batch, what="the briefs")
    batch.set_defaults(func=_run_batch)


def _add_common(p: argparse.ArgumentParser, *, what: str) -> None:
    from ttpmap.cli import add_model_pin

    p.add_argument("--stix", type=Path, help=f"also write {what} as a STIX 2.1 bundle to this file")
    p.add_argument("--navigator", type=Path, help=f"also write an ATT&CK Navigator layer of {what}")
    p.add_argument("--layer-name", help="the Navigator layer's name")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (-1: all cores; default 1)")
    p.add_argument("--batch-size", type=int, default=8, help="articles per task (default 8)")
    p.add_argument(
        "--dask", metavar="ADDRESS", help="run on a Dask cluster (scheduler address, e.g. tcp://host:8786)"
    )
    p.add_argument("--model", help="model directory (default: the shipped model, or $TTPMAP_MODEL)")
    add_model_pin(p)
    p.add_argument("--hunt-rules", help="a Sigma rule directory to recommend hunts from")
    p.add_argument("--severity-rules", help="a severity rules YAML file")


def _analyzer(args: argparse.Namespace) -> LazyAnalyzer:
    return LazyAnalyzer(
        args.model,
        hunt_rules=args.hunt_rules,
        severity_rules=args.severity_rules,
        model_sha256=args.model_sha256,
    )


@contextlib.contextmanager
def _backend(address: str | None) -> Iterator[None]:
    """Run joblib work on the Dask cluster at `address`, or locally."""
    if not address:
        yield
        return
    try:
        import joblib
        from distributed import Client
    except ImportError:
        raise InputError("--dask needs Dask distributed: pip install 'ttpmap[dask]'") from None
    try:
        client = Client(address, timeout="15s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {address} ({exc}); check --dask") from None
    with client, joblib.parallel_backend("dask"):
        yield


def _write_json(path: Path, data: Any) -> None:

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def _write_extras(args: argparse.Namespace, briefs: list[dict[str, Any]]) -> None:
    from ttpmap.export import to_navigator_layer, to_stix_bundle

    if args.stix is not None:
        _write_json(args.stix, to_stix_bundle(briefs))
    if args.navigator is not None:
        _write_json(args.navigator, to_navigator_layer(briefs, name=args.layer_name))


def _run_feed(args: argparse.Namespace) -> int:
    from ttpmap.feeds import run_feeds

    _check_jobs(args)
    keep = args.stix is not None or args.navigator is not None
    briefs: list[dict[str, Any]] = []
    with _backend(args.dask):
        report = run_feeds(
            args.sources,
            _analyzer(args),
            args.out,
            fmt=args.format,
            state_file=args.state,
            fetch_full=args.fetch_full,
            n_jobs=args.jobs,
            batch_size=args.batch_size,
            on_brief=(lambda brief, entry: briefs.append(brief.to_dict())) if keep else None,
        )
    feed_failures = [e for e in report.errors if e.key is None]
    if report.feeds == 0 and feed_failures:
        raise InputError("no feed could be read: " + "; ".join(e.message for e in feed_failures))
    for error in report.errors:
        print(f"ttpmap feed: {error}", file=sys.stderr)
    if keep and briefs:
        _write_extras(args, briefs)
    elif keep:
        print("ttpmap feed: no new briefs; --stix/--navigator files left as they were", file=sys.stderr)
    entry_errors = len(report.errors) - len(feed_failures)
    print(
        f"{report.written} new brief{'s' if report.written != 1 else ''} in {args.out} "
        f"({report.skipped} already done, {report.duplicates} duplicates, "
        f"{entry_errors} entr{'y' if entry_errors == 1 else 'ies'} not analyzed) from {report.feeds} feed"
        f"{'s' if report.feeds != 1 else ''}"
    )
    return 1 if feed_failures else 0


class _FromFile:
    """Reads each article from its path in the worker process, then analyzes it."""

    __slots__ = ("analyzer", "encoding")

    def __init__(self, analyzer: Any, encoding: str | None) -> None:
        self.analyzer = analyzer
        self.encoding = encoding

    def resolve(self) -> _FromFile:
        resolve = getattr(self.analyzer, "resolve", None)
        return _FromFile(resolve() if resolve is not None else self.analyzer, self.encoding)

    def analyze(self, path: str) -> Any:
        from ttpmap._article import Article

        return self.analyzer.analyze(Article.from_file(path, encoding=self.encoding))


def article_paths(paths: Iterable[str]) -> Iterator[str]:
    """Article files named, and those found (sorted, recursively, hidden ones left out) in folders."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    full = os.path.join(root, name)
                    if (
                        not name.startswith(".")
                        and Path(name).suffix.lower() in ARTICLE_SUFFIXES
                        and os.path.isfile(full)  # no FIFO, socket or device found in a folder
                    ):
                        yield full
        elif path.exists():
            yield str(path)  # named on purpose: read within the size limit and the read deadline
        else:
            raise InputError(f"{path}: no such file or folder; pass article files or folders of them")


def _run_batch(args: argparse.Namespace) -> int:
    from ttpmap.export import brief_line

    _check_jobs(args)
    for raw in args.paths:
        if not Path(raw).exists():
            raise InputError(f"{raw}: no such file or folder; pass article files or folders of them")
    to_stdout = args.jsonl == "-" or (args.jsonl is None and args.stix is None and args.navigator is None)
    keep = args.stix is not None or args.navigator is not None
    briefs: list[dict[str, Any]] = []
    written = failed = 0
    with contextlib.ExitStack() as stack:
        sink: IO[str] | None = sys.stdout if to_stdout else None
        if args.jsonl not in (None, "-"):
            sink = stack.enter_context(atomic_open(Path(args.jsonl), "w"))
        stack.enter_context(_backend(args.dask))
        items = ((path, path) for path in article_paths(args.paths))
        results = analyze_many(
            _FromFile(_analyzer(args), args.encoding),
            items,
            n_jobs=args.jobs,
            batch_size=args.batch_size,
            as_tuples=True,
        )
        for result, path in results:
            if isinstance(result, BatchError):
                failed += 1
                message = result.message.removeprefix(str(path)).lstrip(": ")  # the path is said once
                print(f"ttpmap batch: {path}: {result.error_type}: {message}", file=sys.stderr)
                continue
            written += 1
            if sink is not None:
                sink.write(brief_line(result))
            if keep:
                briefs.append(result.to_dict())
    if keep:
        _write_extras(args, briefs)
    print(f"ttpmap batch: {written} brief{'s' if written != 1 else ''}, {failed} failed", file=sys.stderr)
    return 1 if failed else 0


def _check_jobs(args: argparse.Namespace) -> None:
    if args.stix is not None:  # before any work: a missing extra is named, not met after the analysis
        from ttpmap._deps import require

        require("stix2", extra="feeds", feature="Writing STIX 2.1 bundles (--stix)")
    if args.jobs == 0:
        raise InvalidParameterError("--jobs must be a positive number of workers, or -1 for all cores")
    if args.batch_size < 1:
        raise InvalidParameterError("--batch-size must be at least 1")
