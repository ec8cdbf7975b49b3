"""A linear-time sentence splitter for threat reports.

Lines are first grouped into blocks: a line break ends a block after a blank line, a short line
(a heading, a table row, a date line), a line that ends a sentence, or before a list item, table
row, heading or quote; other line breaks are soft wraps inside a paragraph. Within a block, a
sentence ends after `.`, `!` or `?` followed by space and a capital letter, a digit or a quote,
except after common abbreviations. Defanged dots (``evil[.]com``) and version numbers never end a
sentence because no space follows them.

Both steps run their regular expressions once over the whole text, not once per line or block
(the rare `!` and `?` are found with `str.find` and matched where they occur); possessive
quantifiers and atomic groups keep the time linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
# From a line's first non-space character: the line is not short.
_LONG = rf"(?=\S[^\n]{{{_SHORT_LINE - 2}}}[^\S\n]*+\S)"
# A line's text read in two steps: up to its last character that is neither a space nor a closer,
# then the closers and spaces after it, up to the last closer. Between the two, `_ENDS` tells
# whether the line ends a sentence (one of `.!?:;`, then only closers, then spaces or tabs).
_TO_LAST_WORD = rf"(?>(?:[^\n]*[^\s{_CLOSERS}])?)"
_TAIL = rf"(?:[^\S\n]*+[{_CLOSERS}]++)*+"
_ENDS = rf"(?<=[.!?:;])(?=[{_CLOSERS}]*+[ \t]*+$)"
_SOFT_BREAK = rf"[^\S\n]*+\n(?!{_ITEM})[^\S\n]*+(?=\S)"
# A line that runs on ends after its soft break, at the next line's text; any other line ends at
# its last non-space character.
_RUNS_ON = rf"{_LONG}{_TO_LAST_WORD}(?:(?!{_ENDS}){_TAIL}{_SOFT_BREAK}|{_TAIL})"
_LINE = r"\S[^\n]*(?<=\S)"
# Just after a list item's first character: the line starts with at most 8 spaces or tabs.
_ITEM_START = "(?:" + "|".join(rf"(?<=^[ \t]{{{n}}}.)" for n in range(9)) + ")"
# One match per block, from the end of the previous one; group 1 spans the block's text, from its
# first to its last non-space character. A list item stands alone. No line is read more than
# twice: a short one by `_LONG` and `_LINE`, a long one by `_LONG` (50 characters) and `_RUNS_ON`.
_BLOCK = re.compile(
    rf"(?<!\s)\s*+("
    rf"[-*\u2022|#>]{_ITEM_START}[^\n]*(?<=\S)"
    rf"|\d(?=\d{{0,2}}[.)][ \t]){_ITEM_START}[^\n]*(?<=\S)"
    rf"|{_RUNS_ON}(?:(?<=\S)|(?:(?=\S)(?:{_RUNS_ON}|{_LINE}))++)"
    rf"|{_LINE})",
    re.MULTILINE,
)
# One pattern per sentence-ending character: a pattern that starts with a literal is searched for
# much faster than one that starts with a character set. Group 1 ends where the sentence ends;
# the lookbehind keeps matches at the start of a run such as `?!`. A mark followed by spaces or
# tabs and a line break ends its line, and so its block: it is not a boundary inside a block.
_BOUNDARIES = {
    mark: re.compile(
        rf"({re.escape(mark)}(?<![.!?].)[.!?]*+[{_CLOSERS}]*+)(?![ \t]*+\n)\s++"
        r"(?=[\"'\u201c\u2018(\[]?[A-Z0-9])"
    )
    for mark in ".!?"
}
_SPARSE = 500
# More than one sentence per `_DENSE_CHARS` characters (past the first `_DENSE_SLACK`) is not prose.
_DENSE_CHARS = 24
_DENSE_SLACK = 64
_WORD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz."
_ABBREVIATION_ENDS = frozenset(abbreviation[-2:] for abbreviation in _ABBREVIATIONS)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences in `text`, trimmed of surrounding space."""
    spans: list[tuple[int, int]] = []
    marks = _boundaries(text)
    n = 0
    at = marks[0].start() if marks else len(text)
    for block in _BLOCK.finditer(text):
        span = first, end = block.span(1)
        if at >= end and end - first <= _MAX_SENTENCE:  # the commonest block: one short sentence
            spans.append(span)
            continue
        start = first
        while at < end:
            mark = marks[n]
            after = mark.end()
            # A boundary whose space runs past the end of the block does not split it.
            if after < end and not (text[at] == "." and _after_abbreviation(text, first, at)):
                stop = mark.end(1)
                if stop - start > _MAX_SENTENCE:
                    _add_cut(text, start, stop, spans)
                else:
                    spans.append((start, stop))
                start = after
            n += 1
            at = marks[n].start() if n < len(marks) else len(text)
        if end - start > _MAX_SENTENCE:
            _add_cut(text, start, end, spans)
        else:
            spans.append((start, end))
    if len(spans) > len(text) // _DENSE_CHARS + _DENSE_SLACK:
        return _merge_short(spans)
    return spans


def _merge_short(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join runs of sentences shorter than `_DENSE_CHARS` characters, for sentence-dense text.

    Every later stage keeps a row of scores per sentence, so text made of tiny sentences (``"A b. "``
    repeated) would cost memory hundreds of times its size; joined, an article has at most about two
    sentences per `_DENSE_CHARS` characters. Prose never has this many sentences and is left as it is.
    """
    out: list[tuple[int, int]] = []
    group: tuple[int, int] | None = None
    for start, end in spans:
        if group is not None:
            start = group[0]
        if end - start < _DENSE_CHARS:
            group = (start, end)
            continue
        out.append((start, end))
        group = None
    if group is not None:
        out.append(group)
    return out


def _boundaries(text: str) -> list[re.Match[str]]:
    found = [*_BOUNDARIES["."].finditer(text)]
    rare = [*_rare_boundaries(text, "!"), *_rare_boundaries(text, "?")]
    return sorted([*found, *rare], key=re.Match.start) if rare else found


def _rare_boundaries(text: str, mark: str) -> Iterator[re.Match[str]]:
    """As ``_BOUNDARIES[mark].finditer(text)``, but tries the pattern only where `mark` occurs.

    Finding a character is much faster than searching for a pattern, and `!` and `?` are rare in
    reports; past one try per `_SPARSE` characters of `text`, it searches for the rest.
    """
    pattern = _BOUNDARIES[mark]
    at = text.find(mark)
    for _ in range(len(text) // _SPARSE):
        if at < 0:
            return
        match = pattern.match(text, at)
        if match:
            yield match
        at = text.find(mark, match.end() if match else at + 1)
    if at >= 0:
        yield from pattern.finditer(text, at)


def _after_abbreviation(text: str, first: int, at: int) -> bool:
    """Whether the word of letters and dots (at most 10 characters) before `at` is an abbreviation."""
    if text[at - 1] not in "vV\n" and text[max(first, at - 2) : at].lower() not in _ABBREVIATION_ENDS:
        return False  # the quick answer for most words: they end unlike any abbreviation
    window = text[max(first, at - 10) : at]
    if window.endswith("\n"):  # as a regular expression's `$` would, look past one final newline
        window = window[:-1]
    word = window[len(window.rstrip(_WORD_CHARS)) :].lstrip(".")
    return bool(word) and word.lower().rstrip(".") in _ABBREVIATIONS


def _add_cut(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Add the long sentence from `start` to `end` in pieces, cut at spaces where there are any.

    Like every sentence, it starts and ends at a non-space character: only the cuts need trimming.
    """
    while end - start > _MAX_SENTENCE:
        cut = text.rfind(" ", start, start + _MAX_SENTENCE)
        cut = cut if cut > start else start + _MAX_SENTENCE
        spans.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))
