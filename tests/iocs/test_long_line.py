"""Issue 22, item 3 (long single line): the work `find_iocs` does per candidate must not depend on how
far back the line starts. Counted, not timed: the text is a `str` subclass that tallies the characters
its own ``find``/``rfind``/``index``/``rindex``/``count`` scan."""

from __future__ import annotations

from typing import Any

from ttpmap.iocs import find_iocs


class _CountingStr(str):
    scanned = 0

    def _tally(self, name: str, args: tuple[Any, ...]) -> Any:
        lo = args[1] if len(args) > 1 and args[1] is not None else 0
        hi = args[2] if len(args) > 2 and args[2] is not None else len(self)
        lo, hi = max(0, lo if lo >= 0 else len(self) + lo), min(len(self), hi if hi >= 0 else len(self) + hi)
        _CountingStr.scanned += max(0, hi - lo)
        return getattr(str, name)(self, *args)

    def find(self, *args: Any) -> int:  # type: ignore[override]
        return int(self._tally("find", args))

    def rfind(self, *args: Any) -> int:  # type: ignore[override]
        return int(self._tally("rfind", args))

    def index(self, *args: Any) -> int:  # type: ignore[override]
        return int(self._tally("index", args))

    def rindex(self, *args: Any) -> int:  # type: ignore[override]
        return int(self._tally("rindex", args))

    def count(self, *args: Any) -> int:  # type: ignore[override]
        return int(self._tally("count", args))


def _one_line(n_items: int) -> str:
    return " ".join(f"C2 update-{i}.com 185.220.{i // 250 % 250}.{i % 250 + 1}" for i in range(n_items))


def _scanned(text: str) -> tuple[int, int]:
    _CountingStr.scanned = 0
    iocs = find_iocs(_CountingStr(text))
    return _CountingStr.scanned, len(iocs)


def test_long_single_line_scans_a_bounded_window_per_indicator() -> None:
    text = _one_line(4000)  # one line of about 150 KB, 8000 indicators
    assert "\n" not in text
    scanned, found = _scanned(text)
    assert found >= 8000
    # a bounded window around each indicator (the words before it, the rest of its line) and the line once
    assert scanned <= 1000 * found + 2 * len(text), f"{scanned:,} characters scanned for {len(text):,}"


def test_long_single_line_work_grows_linearly() -> None:
    small, _ = _scanned(_one_line(1000))
    large, _ = _scanned(_one_line(4000))
    assert large <= 5 * max(small, 1)
