"""Run feeds through an analyzer into an output folder, once per entry, surviving interruptions."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from ttpmap._atomic import atomic_write, fsync_dir
from ttpmap._batch import BatchError, analyze_many
from ttpmap._exceptions import InputError, InvalidParameterError
from ttpmap.export._jsonl import brief_line
from ttpmap.feeds._reader import FeedEntry, Fetch, read_feed
from ttpmap.feeds._state import TMP_PREFIX, TMP_SUFFIX, FeedState, locked

if TYPE_CHECKING:
    from ttpmap._brief import Brief

__all__ = ["FORMATS", "JSONL_NAME", "STATE_NAME", "FeedError", "FeedRunReport", "output_name", "run_feeds"]

FORMATS = ("markdown", "json", "jsonl")
STATE_NAME = ".ttpmap-feed-state.json"
JSONL_NAME = "briefs.jsonl"
#: One run at a time writes into an output folder, whatever its state file (``OUT/.ttpmap-feed-out.lock``).
OUT_LOCK_NAME = ".ttpmap-feed-out"
#: The state file of the run that last appended to ``briefs.jsonl``: only it may cut off what it wrote.
WRITER_NAME = ".ttpmap-jsonl-writer.json"
_EXTENSIONS = {"markdown": "md", "json": "json"}

logger = logging.getLogger("ttpmap.feeds")


@dataclass(frozen=True, slots=True)
class FeedError:
    """A feed that could not be read, or an entry that could not be analyzed."""

    source: str
    key: str | None
    title: str | None
    message: str

    def __str__(self) -> str:
        what = self.title or self.key
        return f"{self.source}: {what}: {self.message}" if what else f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class FeedRunReport:
    """What one `run_feeds` call did.

    Attributes
    ----------
    written : int
        Briefs written in this run.
    skipped : int
        Entries already processed by an earlier run (found in the state file).
    duplicates : int
        Entries seen twice in this run (the same key in two feeds).
    errors : tuple of FeedError
        Feeds that could not be read and entries that could not be analyzed; they are not
        recorded as processed, so the next run tries them again.
    outputs : tuple of Path
        Files written or appended to.
    state_file : Path
    """

    written: int
    skipped: int
    duplicates: int
    errors: tuple[FeedError, ...]
    outputs: tuple[Path, ...]
    state_file: Path
    feeds: int = 0
    entries: int = 0
    keys: tuple[str, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.errors


def output_name(title: str | None, key: str, ext: str) -> str:
    """A safe, stable file name for an entry's brief: a slug of its title and a hash of its key.

    >>> output_name("Édge VPN: CVE-2024-3400 / loader!", "https://example.org/1", "md")
    'edge-vpn-cve-2024-3400-loader-18c17418f5.md'
    """
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].strip("-") or "entry"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}.{ext}"


def run_feeds(
    sources: Iterable[str | os.PathLike[str] | bytes] | str | os.PathLike[str],
    analyzer: Any,
    out_dir: str | os.PathLike[str],
    fmt: Literal["markdown", "json", "jsonl"] = "markdown",
    state_file: str | os.PathLike[str] | None = None,
    *,
    fetch: Fetch | None = None,
    fetch_full: bool = False,
    n_jobs: int | None = 1,
    batch_size: int = 8,
    progress: bool | None = None,
    on_brief: Callable[[Brief, FeedEntry], None] | None = None,
) -> FeedRunReport:
    """Analyze every new entry of the feeds and write one brief per entry into `out_dir`.

    The state file (an append-only journal) records each entry's key once its brief is safely on
    disk, so a rerun skips it. Interrupting a run (Ctrl-C, a crash, a killed process) loses
    nothing and writes nothing twice: each brief file is written to a temporary file and renamed
    into place before its key is committed, and with ``fmt="jsonl"`` each commit also records how
    many bytes of ``briefs.jsonl`` are committed, so a line written by a run that died before
    committing it is cut off before the entry is analyzed again.

    Parameters
    ----------
    sources : iterable of str, path or bytes
        Feed URLs, feed files or feed bytes (see `read_feed`).
    analyzer : Analyzer, model path or None
        None uses the default model.
    out_dir : path
        Created if needed. Briefs are named ``<title-slug>-<hash of key>.md`` (or ``.json``);
        with ``fmt="jsonl"`` they are appended to ``briefs.jsonl``.
    fmt : {"markdown", "json", "jsonl"}, default="markdown"
    state_file : path, optional
        Default: ``out_dir/.ttpmap-feed-state.json``. Locked while a run uses it, and so is
        `out_dir`: one run at a time writes into a folder, whatever its state file, and a run cuts
        off only JSONL bytes that its own state file's interrupted run wrote.
    fetch, fetch_full
        Passed to `read_feed`.
    n_jobs, batch_size, progress
        Passed to `analyze_many`.
    on_brief : callable, optional
        Called as ``on_brief(brief, entry)`` after each brief is committed.

    Returns
    -------
    FeedRunReport
    """
    if fmt not in FORMATS:
        raise InvalidParameterError(f"fmt must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if isinstance(sources, str | bytes | os.PathLike):
        sources = [sources]
    sources = list(sources)
    if not sources:
        raise InvalidParameterError("run_feeds() needs at least one feed URL or file")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; pass a folder for the briefs (--out)")
    out.mkdir(parents=True, exist_ok=True)
    state_path = Path(state_file) if state_file is not None else out / STATE_NAME
    state_path.parent.mkdir(parents=True, exist_ok=True)
    busy = f"another ttpmap feed run is writing into {out}; wait for it to finish or pass another --out"
    with locked(out / OUT_LOCK_NAME, busy=busy), locked(state_path):
        _remove_stale_temporaries(out)
        state = FeedState.load(state_path)
        run = _Run(state, out, fmt, on_brief)
        try:
            pending = run.pending(sources, fetch, fetch_full)
            results = analyze_many(
                analyzer,
                pending,
                n_jobs=n_jobs,
                batch_size=batch_size,
                as_tuples=True,
                progress=progress,
                on_error="record",
            )
            for result, entry in results:
                run.handle(result, entry)
        finally:
            run.close()
    return run.report(state_path)


def _remove_stale_temporaries(out: Path) -> None:
    for tmp in out.glob(f"{TMP_PREFIX}*{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)


class _Run:
    def __init__(
        self,
        state: FeedState,
        out: Path,
        fmt: str,
        on_brief: Callable[[Brief, FeedEntry], None] | None,
    ) -> None:
        self.state = state
        self.out = out
        self.fmt = fmt
        self.on_brief = on_brief
        self.errors: list[FeedError] = []
        self.outputs: dict[Path, None] = {}
        self.keys: list[str] = []
        self.skipped = self.duplicates = self.feeds = self.entries = 0
        self.jsonl = _JsonlSink(out / JSONL_NAME, state) if fmt == "jsonl" else None

    def pending(
        self, sources: list[str | os.PathLike[str] | bytes], fetch: Fetch | None, fetch_full: bool
    ) -> Iterator[tuple[Any, FeedEntry]]:
        seen: set[str] = set()
        for source in sources:
            label = "<bytes>" if isinstance(source, bytes | bytearray) else os.fspath(source)
            try:
                entries = read_feed(source, fetch=fetch, fetch_full=fetch_full)
            except InputError as exc:
                self.errors.append(FeedError(str(label), None, None, str(exc)))
                continue
            self.feeds += 1
            for entry in entries:
                self.entries += 1
                if entry.key in self.state:
                    self.skipped += 1
                elif entry.key in seen:
                    self.duplicates += 1
                elif entry.article is None:
                    seen.add(entry.key)
                    self.errors.append(
                        FeedError(entry.feed, entry.key, entry.title, entry.error or "unreadable")
                    )
                else:
                    seen.add(entry.key)
                    yield entry.article, entry

    def handle(self, result: Any, entry: FeedEntry) -> None:
        if isinstance(result, BatchError):
            message = f"{result.error_type}: {result.message}"
            self.errors.append(FeedError(entry.feed, entry.key, entry.title, message))
            return
        record: dict[str, Any] = {"title": entry.title, "link": entry.link, "feed": entry.feed}
        if self.jsonl is not None:
            size = self.jsonl.append(brief_line(result))
            self.state.commit(entry.key, {**record, "file": JSONL_NAME}, jsonl=(JSONL_NAME, size))
            self.outputs[self.jsonl.path] = None
        else:
            path = self.out / output_name(entry.title, entry.key, _EXTENSIONS[self.fmt])
            text = result.to_markdown() if self.fmt == "markdown" else result.to_json()
            atomic_write(path, (text.rstrip("\n") + "\n").encode("utf-8"), prefix=TMP_PREFIX)
            self.state.commit(entry.key, {**record, "file": path.name})
            self.outputs[path] = None
        self.keys.append(entry.key)
        if self.on_brief is not None:
            self.on_brief(result, entry)

    def close(self) -> None:
        if self.jsonl is not None:
            self.jsonl.close()
        self.state.close()

    def report(self, state_path: Path) -> FeedRunReport:
        return FeedRunReport(
            written=len(self.keys),
            skipped=self.skipped,
            duplicates=self.duplicates,
            errors=tuple(self.errors),
            outputs=tuple(self.outputs),
            state_file=state_path,
            feeds=self.feeds,
            entries=self.entries,
            keys=tuple(self.keys),
        )


class _JsonlSink:
    """Appends lines with fsync; first cuts off bytes that this state's own interrupted run wrote.

    Bytes past the committed size are cut off only when this state file's run was the last to
    append (``WRITER_NAME`` names it): bytes another run appended are never cut off.
    """

    def __init__(self, path: Path, state: FeedState) -> None:
        self.path = path
        actual = path.stat().st_size if path.exists() else 0
        committed = state.jsonl.get(path.name)
        self._state = state
        self._writer = path.with_name(WRITER_NAME)
        self._me = str(state.path.resolve())
        if committed is not None and actual > committed and _last_writer(self._writer) != self._me:
            logger.warning(
                "%s: another run (another --state) appended after this state's last commit; keeping its "
                "lines and appending after them",
                path,
            )
            committed = None
        self._known = committed is not None
        if committed is None:
            committed = actual  # not ours: keep what is there and append after it
        elif actual > committed:
            logger.warning(
                "%s: removing %d bytes written by an interrupted run; their entries are analyzed again",
                path,
                actual - committed,
            )
            with open(path, "r+b") as fh:
                fh.truncate(committed)
                fh.flush()
                os.fsync(fh.fileno())
        elif actual < committed:
            logger.warning("%s is shorter than the state file records; appending to it as it is", path)
            committed = actual
        self.size = committed
        self._fh: IO[bytes] | None = None

    def append(self, line: str) -> int:
        if not self._known:
            self._state.set_jsonl(self.path.name, self.size)  # committed before our first byte
            self._known = True
        if self._fh is None:
            if _last_writer(self._writer) != self._me:
                record = json.dumps({"state": self._me}).encode("utf-8")
                atomic_write(self._writer, record + b"\n", prefix=TMP_PREFIX)
            new = not self.path.exists()
            self._fh = open(self.path, "ab")  # noqa: SIM115 - kept open for the run, closed in close()
            if new:
                fsync_dir(self.path.parent)
            if self.size and not _ends_with_newline(self.path, self.size):
                self._write(b"\n")
        self._write(line.encode("utf-8"))
        return self.size

    def _write(self, data: bytes) -> None:
        assert self._fh is not None
        self._fh.write(data)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.size += len(data)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _last_writer(path: Path) -> str | None:
    try:
        record = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    state = record.get("state") if isinstance(record, dict) else None
    return state if isinstance(state, str) else None


def _ends_with_newline(path: Path, size: int) -> bool:
    with open(path, "rb") as fh:
        fh.seek(size - 1)
        return fh.read(1) == b"\n"
