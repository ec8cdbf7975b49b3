"""JSON Lines output: one brief per line."""

from __future__ import annotations

import json
import os
from typing import IO, Any

from ttpmap._atomic import atomic_open
from ttpmap._exceptions import InvalidParameterError
from ttpmap.export._common import brief_dicts

__all__ = ["brief_line", "to_jsonl"]


def brief_line(brief: Any) -> str:
    """One brief as a single JSON line (compact, UTF-8 characters kept), ending in a newline."""
    (d,) = brief_dicts((brief,), what="brief_line")
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n"


def to_jsonl(briefs: Any, path_or_file: str | os.PathLike[str] | IO[str]) -> int:
    """Write briefs as JSON Lines, one brief per line; return how many were written.

    Parameters
    ----------
    briefs : Brief, dict or iterable of them
        Consumed lazily, so a stream from `Analyzer.analyze_many` is never held in memory.
        `BatchError` items (failed articles) are skipped.
    path_or_file : path or text file
        A path is written whole or not at all (a temporary file renamed into place); an open
        text file is written to as is and left open.
    """
    if hasattr(path_or_file, "write"):
        return _write_lines(briefs, path_or_file)  # type: ignore[arg-type]
    if not isinstance(path_or_file, str | os.PathLike):
        raise InvalidParameterError(
            f"to_jsonl() writes to a path or an open text file, got {type(path_or_file).__name__}"
        )
    with atomic_open(path_or_file, "w") as fh:
        return _write_lines(briefs, fh)


def _write_lines(briefs: Any, fh: IO[str]) -> int:
    count = 0
    for d in brief_dicts(briefs, what="to_jsonl()"):
        fh.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count
