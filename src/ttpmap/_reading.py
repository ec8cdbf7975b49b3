"""Bounded reads: at most ``limit + 1`` bytes from any file, pipe or device, within a deadline.

`st_size` is not trusted (it is 0 for devices, FIFOs and most of ``/proc``): every read stops one
byte past the limit, so an endless source such as ``/dev/zero`` is refused after ``limit + 1``
bytes. A path is opened without blocking, so a FIFO with no writer does not hang the open, and
a source that can wait (a FIFO, a pipe, a terminal, a socket) is read within an overall deadline.
"""

from __future__ import annotations

import os
import select
import stat
import time
from typing import IO

from ttpmap._exceptions import InputError

__all__ = ["DEFAULT_READ_TIMEOUT", "read_bounded", "read_input", "read_stream_bounded"]

#: Seconds a read from a FIFO, pipe or device may take in all (regular files never wait).
DEFAULT_READ_TIMEOUT = 30.0
_BLOCK = 1 << 20


def read_bounded(
    path: str | os.PathLike[str],
    limit: int,
    *,
    what: str | None = None,
    timeout: float | None = None,
    hint: str = "split it, or raise the limit",
) -> bytes:
    """The bytes of `path`, or `InputError` when it holds more than `limit` bytes or cannot be read.

    Reads at most ``limit + 1`` bytes whatever the kind of file; a source that can wait is
    read within `timeout` seconds in all (default `DEFAULT_READ_TIMEOUT`).
    """
    name = what or os.fspath(path)
    timeout = DEFAULT_READ_TIMEOUT if timeout is None else timeout
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name} is a directory; pass a file") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot open ({exc.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{name} is a directory; pass a file")
        waits = not stat.S_ISREG(mode)
        if not waits:
            os.set_blocking(fd, True)
        return _read_fd(fd, limit, name, timeout if waits else None, hint)
    finally:
        os.close(fd)


def read_input(path: str, max_bytes: int | None = None) -> bytes:
    """The CLI's input: a file, or standard input for ``-``, within the article size limit."""
    import sys

    from ttpmap._article import max_input_bytes

    if max_bytes is not None and max_bytes <= 0:
        raise InputError("--max-bytes must be a positive number of bytes")
    limit = max_input_bytes() if max_bytes is None else max_bytes
    hint = "split it, or raise the limit with --max-bytes (or TTPMAP_MAX_INPUT_BYTES)"
    if path == "-":
        return read_stream_bounded(sys.stdin.buffer, limit, hint=hint)
    return read_bounded(path, limit, hint=hint)


def read_stream_bounded(
    stream: IO[bytes],
    limit: int,
    *,
    what: str = "standard input",
    timeout: float | None = None,
    hint: str = "raise the limit",
) -> bytes:
    """At most `limit` bytes of a binary stream (standard input), else `InputError`."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        data = stream.read(limit + 1)
        _check(len(data), limit, what, hint)
        return data
    return _read_fd(fd, limit, what, timeout, hint)


def _read_fd(fd: int, limit: int, name: str, timeout: float | None, hint: str) -> bytes:
    deadline = None if timeout is None else time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        if deadline is not None:
            _wait_readable(fd, deadline, name)
        try:
            block = os.read(fd, min(_BLOCK, limit + 1 - size))
        except BlockingIOError:
            continue
        except OSError as exc:
            raise InputError(f"{name}: cannot read ({exc.strerror})") from None
        if not block:
            break
        chunks.append(block)
        size += len(block)
    _check(size, limit, name, hint)
    return b"".join(chunks)


def _wait_readable(fd: int, deadline: float, name: str) -> None:
    left = deadline - time.monotonic()
    ready = left > 0 and select.select([fd], [], [], left)[0]
    if not ready:
        raise InputError(
            f"{name}: no data within the read deadline; pass a regular file, or feed the pipe faster"
        )


def _check(size: int, limit: int, name: str, hint: str) -> None:
    if size > limit:
        raise InputError(f"{name} is over the {limit:,}-byte limit; {hint}")
