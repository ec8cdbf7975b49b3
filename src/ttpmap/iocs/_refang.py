"""Refanging: undo the defangs that report authors apply, keeping a map back to the original offsets.

One regex pass over the text. A bracketed token (``[.]``, ``(dot)``, ``[@]``, ``[://]``, ``[/]``...)
is replaced only when it is not itself inside a longer run of brackets or after a backslash, and a
replacement never produces a new token: that is what makes `refang` idempotent.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["FangedText", "fang", "refang"]

_NOT_AFTER_OPEN = r"(?<![\[({<\\])(?<![\[({<] )"
_NOT_BEFORE_CLOSE = r"(?! ?[\])}>])"


def _bracketed(inner: str) -> str:
    # a bracket run of 1-3 chars around `inner`, with no further bracket or backslash around it
    return rf"{_NOT_AFTER_OPEN}[\[({{<]{{1,3}}+ ?(?:{inner}) ?[\])}}>]{{1,3}}+{_NOT_BEFORE_CLOSE}"


_TOKEN_RE = re.compile(
    "|".join(
        (
            # ``hxxp``/``hXXps``/``h**p``/``hxtp``/``fxp`` before a colon or a bracketed colon (any
            # bracket run that `sep` turns into one, so a second pass finds no scheme left), not
            # inside a host name (``0.fxp:``, ``0[.]fxp:``, ``0[dot]fxp:`` are a label followed by a colon)
            r"(?P<scheme>\b(?<![-.\uff0e\u3002\uff61])(?<![.\uff0e\u3002\uff61]\])(?<!(?i:dot)\])(?i:h(?:xx|xt|tx|00|\*\*|__|\[tt\]|\[xx\])p(?P<s>s?)|f[x\*]{1,2}p)(?=(?:[\[({<]{1,3} ?)?:))",
            # separators that stand for ``://`` (``[:]//``, ``[://]``, ``[:/]/``, ``:\/\/``...)
            r"(?P<sep>" + _bracketed(r"://|:/|:") + r"(?:" + _bracketed(r"//|/") + r"|//|/|\\/\\/)?)",
            r"(?P<escsep>(?<!\\):\\/\\/)",
            # bracketed dots, ``[dot]`` and ``[.com]``-style bracketed top-level labels
            r"(?P<dot>" + _bracketed(r"\.|(?i:dot)") + r")",
            r"(?P<tld>(?<=[A-Za-z0-9])\[\.(?P<tldlabel>[A-Za-z]{2,24})\](?![\])}>]))",
            # half brackets around a dot or slash between letters or digits: ``evil[.com``,
            # ``evil.]com``, ``107.150.112.]250``, ``evil.com/]gate``; the lone bracket goes
            r"(?P<halfopen>(?<=[A-Za-z0-9])\[(?=[./][A-Za-z0-9]{1,63}+(?![A-Za-z0-9]*\])))",
            r"(?P<halfclose>(?<=[A-Za-z0-9][./])\](?=[A-Za-z0-9]))",
            # bracketed at signs
            r"(?P<at>" + _bracketed(r"@|(?i:at)") + r")",
            r"(?P<slash>" + _bracketed(r"/") + r")",
            # escapes, not defangs: ``evil\.com`` in regexes, ``\/`` in JSON
            r"(?P<escdot>(?<=[A-Za-z0-9])\\\.(?=[A-Za-z0-9]))",
            r"(?P<escslash>" + _NOT_AFTER_OPEN + r"\\/" + _NOT_BEFORE_CLOSE + ")",
            # full-width and ideographic full stops between letters or digits
            r"(?P<wide>(?<=[A-Za-z0-9])[\uff0e\u3002\uff61](?=[A-Za-z0-9]))",
        )
    )
)

_ESCAPES = frozenset({"escdot", "escslash", "escsep"})
# Where a token can start: sre scans for this character class in C, so plain prose is skipped fast.
_TRIGGER_RE = re.compile(
    r"[\[({<\\:\]\uff0e\u3002\uff61hHfF](?:"
    r"(?<=[hH])(?:[xX*_][xXtT*_]|[tT][xX]|00|\[)"
    r"|(?<=[fF])[xX*]"
    r"|(?<=[\[({<])(?=[\[({<]{0,2} ?[.dD@aA:/])"
    r"|(?<=:)(?=\\/)"
    r"|(?<=\\)(?=[./])"
    r"|(?<=\[)(?<=[A-Za-z0-9]\[)(?=[./][A-Za-z0-9])"
    r"|(?<=[\uff0e\u3002\uff61])"
    r"|(?<=[A-Za-z0-9][./]\])(?=[A-Za-z0-9]))"
)
_OPENERS = "[({<\\"
# a URL's scheme after a spaced `` [.] ``: the next indicator starts there, so the spaces stay
_SCHEME_AHEAD = re.compile(r"(?i:h(?:xx|xt|tx|00|tt)ps?|f[x*]{1,2}p|ftp)(?:\[:|\(:|:)")


def _replacement(m: re.Match[str]) -> str:
    kind = m.lastgroup
    if kind == "scheme":
        tok = m.group().lower()
        return "ftp" if tok.startswith("f") else "https" if m.group("s") else "http"
    if kind == "escsep":
        return "://"
    if kind == "sep":
        return "://" if m.group().count("/") else ":"
    if kind in ("dot", "escdot", "wide"):
        return "."
    if kind == "tld":
        return "." + m.group("tldlabel")
    if kind == "at":
        return "@"
    if kind in ("halfopen", "halfclose"):
        return ""
    return "/"


def refang(text: str) -> str:
    """Return `text` with defanged indicators restored (``hxxp://evil[.]com`` -> ``http://evil.com``).

    Handles ``hxxp``, ``hXXps``, ``h00p``, ``h**p``, ``[:]//``, ``[://]``, ``:\\/\\/``, ``[.]``, ``(.)``,
    ``{.}``, ``[dot]``, ``(dot)``, ``\\.``, ``[at]``, ``(at)``, ``[@]``, ``[/]`` and full-width
    dots. Idempotent: ``refang(refang(t)) == refang(t)``.

    Examples
    --------
    >>> refang("hxxps[:]//evil[.]com/a[.]php and admin[at]evil(dot)com")
    'https://evil.com/a.php and admin@evil.com'
    """
    return fang(text).text


@dataclass(slots=True)
class FangedText:
    """Refanged text plus the map from its offsets back to the original's."""

    text: str
    _f_starts: list[int]
    _f_ends: list[int]
    _o_starts: list[int]
    _o_ends: list[int]
    _defang_prefix: list[int]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a ``[start, end)`` span of the refanged text to the original text."""
        if not self._f_starts:
            return start, end
        return self._map(start, False), self._map(end, True)

    def _map(self, pos: int, is_end: bool) -> int:
        i = bisect_right(self._f_starts, pos - 1 if is_end else pos) - 1
        if i < 0:
            return pos
        if is_end:
            if pos <= self._f_ends[i]:
                return self._o_ends[i]
        elif pos < self._f_ends[i]:
            return self._o_starts[i]
        return pos + self._o_ends[i] - self._f_ends[i]

    def escaped(self, start: int, end: int) -> bool:
        """True when any replacement, defang or escape (``\\.``), was made inside ``[start, end)``."""
        if not self._f_starts:
            return False
        return bisect_right(self._f_starts, end - 1) > bisect_right(self._f_ends, start)

    def defanged(self, start: int, end: int) -> bool:
        """True when a defang (not a mere escape) was undone inside ``[start, end)``."""
        if not self._f_starts:
            return False
        lo = bisect_right(self._f_ends, start)
        hi = bisect_right(self._f_starts, end - 1)
        if hi <= lo:
            return False
        return self._defang_prefix[hi] - self._defang_prefix[lo] > 0


def _tokens(text: str) -> Iterator[tuple[int, int, str, bool]]:
    """``(start, end, replacement, is_defang)`` for every token, left to right, without overlaps."""
    n = len(text)
    pos = 0
    search = _TRIGGER_RE.search
    match = _TOKEN_RE.match
    while True:
        t = search(text, pos)
        if t is None:
            return
        m = match(text, t.start())
        if m is None:
            pos = t.start() + 1
            continue
        s, e = m.span()
        kind = m.lastgroup
        # `` [.] ``/`` [at] `` with a space on both sides: the spaces go too ("user [at] evil [dot] com")
        if (
            kind in ("dot", "at")
            and s > 0
            and e < n
            and text[s - 1] == " "
            and text[e] == " "
            and s - 1 >= pos
            and (s < 2 or text[s - 2] not in _OPENERS)
            and _SCHEME_AHEAD.match(text, e + 1) is None
        ):
            s -= 1
            e += 1
        yield s, e, _replacement(m), kind not in _ESCAPES
        pos = e


def fang(text: str) -> FangedText:
    """Refang `text` and remember where every replacement came from."""
    pieces: list[str] = []
    f_starts: list[int] = []
    f_ends: list[int] = []
    o_starts: list[int] = []
    o_ends: list[int] = []
    prefix = [0]
    last = 0
    flen = 0
    for s, e, rep, is_defang in _tokens(text):
        pieces.append(text[last:s])
        flen += s - last
        pieces.append(rep)
        f_starts.append(flen)
        flen += len(rep)
        f_ends.append(flen)
        o_starts.append(s)
        o_ends.append(e)
        prefix.append(prefix[-1] + is_defang)
        last = e
    if not f_starts:
        return FangedText(text, [], [], [], [], [0])
    pieces.append(text[last:])
    return FangedText("".join(pieces), f_starts, f_ends, o_starts, o_ends, prefix)
