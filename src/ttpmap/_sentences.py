"""A linear-time sentence splitter for threat reports.

Splits at line breaks and after `.`, `!` or `?` followed by space and a capital letter, a digit or
a quote, except after common abbreviations. Defanged dots (``evil[.]com``) and version numbers
never end a sentence because no space follows them.
"""

from __future__ import annotations

import re

__all__ = ["split_sentences"]

_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr inc ltd corp co fig figs no nos approx jan feb mar apr jun jul aug "
    "sep sept oct nov dec u.s u.k st al ver v".split()
)
_BOUNDARY = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*[ \t]+(?=[\"'\u201c\u2018(\[]?[A-Z0-9])|\n+")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]{0,9})$")
_MAX_SENTENCE = 2000


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` offsets of the sentences in `text`, trimmed of surrounding space."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if m.group().startswith(("\n", "\r")) is False and text[m.start()] == ".":
            before = _WORD_BEFORE.search(text, max(0, m.start() - 10), m.start())
            if before and before.group(1).lower().rstrip(".") in _ABBREVIATIONS:
                continue
        end = m.end() if text[m.start()] == "\n" else m.start() + len(m.group().rstrip(" \t"))
        _append(text, start, end, spans)
        start = m.end()
    _append(text, start, len(text), spans)
    return spans


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
