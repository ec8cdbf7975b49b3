"""Files that appear whole or not at all: written beside the target, fsynced, then renamed into place.

Every file ttpmap writes for a user (briefs, JSONL, catalogs, model directories, feed state,
downloads) goes through `atomic_open`, so an interrupted run never leaves a half-written file and
never replaces a good one with a broken one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_open", "atomic_write", "fsync_dir"]


@contextlib.contextmanager
def atomic_open(
    path: str | os.PathLike[str],
    mode: str = "wb",
    *,
    prefix: str | None = None,
    suffix: str = ".tmp",
) -> Iterator[IO[Any]]:
    """Open a temporary file beside `path` (``mode`` ``"wb"`` or ``"w"``: UTF-8, ``\\n`` newlines).

    When the block ends normally the file is flushed, fsynced, made readable (``0o644``) and renamed
    to `path`; when it raises, the temporary file is removed and `path` is left as it was. The
    handle's ``name`` is the temporary file's path, for checks that read it back before the rename.
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_open writes new files: mode 'wb' or 'w', got {mode!r}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix or f".{target.name}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    try:
        encoding, newline = ("utf-8", "\n") if mode == "w" else (None, None)
        with open(tmp, mode, encoding=encoding, newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def atomic_write(path: str | os.PathLike[str], data: bytes, *, prefix: str | None = None) -> None:
    """Write `data` to `path` whole or not at all (see `atomic_open`)."""
    with atomic_open(path, "wb", prefix=prefix) as fh:
        fh.write(data)


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
