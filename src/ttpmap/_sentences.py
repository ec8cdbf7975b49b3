"""A linear-time sentence splitter for threat reports.

Lines are first grouped into blocks: a line break ends a block after a blank line, a short line
(a heading, a table row, a date line), a line that ends a sentence, or before a list item, table
row, heading or quote; other line breaks are soft wraps inside a paragraph. Within a block, a
sentence ends after `.`, `!` or `?` followed by space and a capital letter, a digit or a quote,
except after common abbreviations. Defanged dots (``evil[.]com``) and version numbers never end a
sentence because no space follows them.
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
_BOUNDARY = re.compile(r"(?<![.!?])[.!?]++[\"'\u201d\u2019)\]]*+\s++(?=[\"'\u201c\u2018(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]{0,9})$")
_STARTS_ITEM = re.compile(r"[ \t]{0,8}(?:[-*\u2022|#>]|\d{1,3}[.)][ \t])")
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'\u201d\u2019)\]]*[ \t]*$")
_SHORT_LINE = 50
_MAX_SENTENCE = 2000


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences in `text`, trimmed of surrounding space."""
    spans: list[tuple[int, int]] = []
    for start, end in _blocks(text):
        _split_block(text, start, end, spans)
    return spans


def _blocks(text: str) -> list[tuple[int, int]]:
    blocks: list[tuple[int, int]] = []
    block_start: int | None = None
    prev = ""
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        if not line or line.isspace():
            if block_start is not None:
                blocks.append((block_start, line_start))
                block_start = None
            continue
        if block_start is None:
            block_start = line_start
        elif _hard_break(prev, line):
            blocks.append((block_start, line_start))
            block_start = line_start
        prev = line
    if block_start is not None:
        blocks.append((block_start, len(text)))
    return blocks


def _hard_break(prev: str, line: str) -> bool:
    return (
        len(prev.strip()) < _SHORT_LINE
        or _ENDS_SENTENCE.search(prev) is not None
        or _STARTS_ITEM.match(line) is not None
        or _STARTS_ITEM.match(prev) is not None
    )


def _split_block(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    for m in _BOUNDARY.finditer(text, start, end):
        if text[m.start()] == ".":
            before = _WORD_BEFORE.search(text, max(start, m.start() - 10), m.start())
            if before and before.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                continue
        cut = m.start() + len(m.group().rstrip())
        _append(text, start, cut, spans)
        start = m.end()
    _append(text, start, end, spans)


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
