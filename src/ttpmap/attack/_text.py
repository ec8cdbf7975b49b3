"""Cleaning of ATT&CK description text: citations, markdown links and ``<code>`` tags."""

from __future__ import annotations

import html
import re

__all__ = ["clean_text"]

_CITATION = re.compile(r"\(Citation:[^()]{0,500}\)")
# [text](url): the URL may hold one level of parentheses, e.g. Wikipedia links.
_LINK = re.compile(r"\[([^\[\]]{0,1000})\]\((?:[^()\s]|\([^()\s]{0,500}\)){0,2000}\)")
_CODE = re.compile(r"</?code>")
_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+([.,;:!?)])")
_LINE_EDGES = re.compile(r"[ \t]+\n|\n[ \t]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean_text(text: str, *, single_line: bool = False) -> str:
    """Strip ``(Citation: X)``, turn ``[text](url)`` into ``text``, drop ``<code>`` tags, unescape HTML entities, tidy spaces."""
    out = _CITATION.sub("", text)
    out = _LINK.sub(r"\1", out)
    out = html.unescape(_CODE.sub("", out))
    if single_line:
        out = " ".join(out.split())
    else:
        out = out.replace("\r\n", "\n")
        out = _SPACES.sub(" ", out)
        out = _LINE_EDGES.sub("\n", out)
        out = _BLANK_LINES.sub("\n\n", out)
    out = _SPACE_BEFORE_PUNCT.sub(r"\1", out)
    return out.strip()
