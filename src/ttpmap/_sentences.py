"""A linear-time sentence splitter for threat reports.

Lines are first grouped into blocks: a line break ends a block after a blank line, a short line
(a heading, a table row, a date line), a line that ends a sentence, or before a list item, table
row, heading or quote; other line breaks are soft wraps inside a paragraph. Within a block, a
sentence ends after `.`, `!` or `?` followed by space and a capital letter, a digit or a quote,
except after common abbreviations. Defanged dots (``evil[.]com``) and version numbers never end a
sentence because no space follows them.

Both steps run their regular expressions once over the whole text, not once per line or block;
possessive quantifiers and atomic groups keep the time linear in the length of the text.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "vs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "inc",
        "ltd",
        "corp",
        "co",
        "fig",
        "figs",
        "no",
        "nos",
        "approx",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "st",
        "al",
        "ver",
        "v",
    ]
)
_CLOSERS = "\"'\u201d\u2019)\\]"
_ITEM = r"[ \t]{0,8}(?:[-*\u2022|#>]|\d{1,3}[.)][ \t])"
_SHORT_LINE = 50
_MAX_SENTENCE = 2000
# At the start of a line's text: the line runs on into the next one unless it is short or ends a
# sentence (with one of `.!?:;`, then only closing quotes or brackets, then spaces or tabs).
_RUNS_ON = (
    rf"(?=\S[^\n]{{{_SHORT_LINE - 2}}}[^\S\n]*+\S)"
    rf"(?!(?>[^\n]*(?<=[^\s{_CLOSERS}]))(?<=[.!?:;])[{_CLOSERS}]*+[ \t]*+$)"
)
_LINE = r"(?>\S(?:[^\n]*\S)?)"
# One match per block; group 2 spans its text, from its first to its last non-space character.
# Group 1 is set when the block's first line is a list item, which stands alone.
_BLOCK = re.compile(
    rf"^(?:(?={_ITEM})())?[^\S\n]*+"
    rf"((?(1)|(?:{_RUNS_ON}{_LINE}[^\S\n]*+\n(?!{_ITEM})[^\S\n]*+(?=\S))*+){_LINE})",
    re.MULTILINE,
)
# One pattern per sentence-ending character: a pattern that starts with a literal is searched for
# much faster than one that starts with a character set. Group 1 ends where the sentence ends;
# the lookbehind keeps matches at the start of a run such as `?!`.
_BOUNDARIES = tuple(
    (
        mark,
        re.compile(
            rf"({re.escape(mark)}(?<![.!?].)[.!?]*+[{_CLOSERS}]*+)\s++"
            r"(?=[\"'\u201c\u2018(\[]?[A-Z0-9])"
        ),
    )
    for mark in ".!?"
)
_WORD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz."


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences in `text`, trimmed of surrounding space."""
    spans: list[tuple[int, int]] = []
    marks = _boundaries(text)
    n = 0
    at = marks[0].start() if marks else len(text)
    for block in _BLOCK.finditer(text):
        first, end = block.span(2)
        start = first
        while at < end:
            mark = marks[n]
            # A boundary whose space runs past the end of the block does not split it.
            if mark.end() < end and not (text[at] == "." and _after_abbreviation(text, first, at)):
                _append(text, start, mark.end(1), spans)
                start = mark.end()
            n += 1
            at = marks[n].start() if n < len(marks) else len(text)
        if end - start > _MAX_SENTENCE:
            _append(text, start, end, spans)
        else:
            spans.append((start, end))
    return spans


def _boundaries(text: str) -> list[re.Match[str]]:
    found = [[*pattern.finditer(text)] for mark, pattern in _BOUNDARIES if mark in text]
    if len(found) == 1:
        return found[0]
    return sorted((m for run in found for m in run), key=re.Match.start)


def _after_abbreviation(text: str, first: int, at: int) -> bool:
    """Whether the word of letters and dots (at most 10 characters) before `at` is an abbreviation."""
    window = text[max(first, at - 10) : at]
    if window.endswith("\n"):  # as a regular expression's `$` would, look past one final newline
        window = window[:-1]
    word = window[len(window.rstrip(_WORD_CHARS)) :].lstrip(".")
    return bool(word) and word.lower().rstrip(".") in _ABBREVIATIONS


def _append(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > _MAX_SENTENCE:
        cut = text.rfind(" ", start, start + _MAX_SENTENCE)
        cut = cut if cut > start else start + _MAX_SENTENCE
        spans.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))
