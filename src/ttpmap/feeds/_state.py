"""The feed runner's state file: an append-only journal of the entries that have briefs.

The first line names the format; each later line commits one entry (its key, the file that holds
its brief and, for JSONL output, how many bytes of that file are committed). A line is appended
and flushed to disk after the brief itself is on disk, so each commit costs one short write
however long the history. A torn last line (the process died while appending it) is not a
commit: it is cut off when the state is next loaded.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ttpmap._atomic import atomic_write
from ttpmap._exceptions import InputError

__all__ = ["STATE_FORMAT", "TMP_PREFIX", "TMP_SUFFIX", "FeedState", "locked"]

STATE_FORMAT = "ttpmap-feed-state/1"
#: Temporary files of the runner's outputs (`ttpmap._atomic`), swept when a run starts.
TMP_PREFIX = ".ttpmap-"
TMP_SUFFIX = ".tmp"


@contextlib.contextmanager
def locked(path: Path, *, busy: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``path + '.lock'`` so that two runs never share a state file.

    `busy` is the error message when another run holds the lock.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks, run one at a time
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    while True:
        with open(lock_path, "a+b") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise InputError(
                    busy
                    or f"another ttpmap feed run is using {path}; wait for it to finish or pass another --state"
                ) from None
            if not _same_file(fh.fileno(), lock_path):
                continue  # the run before removed it after we opened it: lock the file there now
            try:
                yield
            finally:
                # Removed while still held, so that no run is left holding a lock on a removed file
                # while another locks a new one (a run that opened the old file sees it gone and retries).
                with contextlib.suppress(OSError):
                    lock_path.unlink()
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
            return


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


class FeedState:
    """Processed entry keys (with the file that holds each brief) and the committed JSONL sizes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        self.jsonl: dict[str, int] = {}
        self._fh: IO[bytes] | None = None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FeedState:
        """Read the journal (cutting off a torn last line), or start empty when there is none."""
        state = cls(Path(path))
        if not state.path.exists():
            return state
        try:
            data = state.path.read_bytes()
        except OSError as exc:
            raise InputError(f"{state.path}: cannot read the feed state ({exc.strerror})") from None
        complete = data.rfind(b"\n") + 1
        lines = data[:complete].splitlines()
        if not lines or _header(lines[0]) != STATE_FORMAT:
            raise InputError(
                f"{state.path} is not a ttpmap feed state file ({STATE_FORMAT}); fix it, or delete it to "
                "analyze every entry again"
            )
        for number, line in enumerate(lines[1:], start=2):
            try:
                record = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise InputError(
                    f"{state.path}:{number}: not a state record; fix the line, or delete the file to analyze "
                    "every entry again"
                ) from None
            state._apply(record)
        if complete < len(data):
            with open(state.path, "r+b") as fh:
                fh.truncate(complete)
                fh.flush()
                os.fsync(fh.fileno())
        return state

    def _apply(self, record: Any) -> None:
        if not isinstance(record, dict):
            return
        for name, size in (record.get("jsonl") or {}).items():
            self.jsonl[str(name)] = int(size)
        key = record.pop("key", None)
        if isinstance(key, str):
            record.pop("jsonl", None)
            self.entries[key] = record

    def __contains__(self, key: object) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def commit(self, key: str, record: dict[str, Any], *, jsonl: tuple[str, int] | None = None) -> None:
        """Record one processed entry (and the new committed size of a JSONL file), durably."""
        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        line: dict[str, Any] = {"key": key, **record, "at": stamp}
        if jsonl is not None:
            line["jsonl"] = {jsonl[0]: jsonl[1]}
        self._append(line)
        self._apply(line)

    def set_jsonl(self, name: str, size: int) -> None:
        """Record that the first `size` bytes of the JSONL file `name` are committed."""
        self._append({"jsonl": {name: size}})
        self.jsonl[name] = size

    def _append(self, record: dict[str, Any]) -> None:
        if self._fh is None:
            if not self.path.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(
                    self.path,
                    (json.dumps({"format": STATE_FORMAT}) + "\n").encode("utf-8"),
                    prefix=TMP_PREFIX,
                )
            self._fh = open(self.path, "ab")  # noqa: SIM115 - kept open for the run, closed in close()
        self._fh.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        """Close the journal (it is reopened on the next commit)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _header(line: bytes) -> str | None:
    try:
        doc = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return doc.get("format") if isinstance(doc, dict) else None
