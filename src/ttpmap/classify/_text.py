"""Input checks and sentence splitting shared by the classifiers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ttpmap._exceptions import InputError
from ttpmap._sentences import split_sentences

__all__ = ["TOKEN_PATTERN", "check_texts", "sentences_of"]

#: Tokens keep inner dots, dashes, slashes and backslashes: ``cmd.exe``, ``side-loading``, ``HKCU\\Run``.
TOKEN_PATTERN = r"(?u)\b\w[\w.\-\\/$%]{0,40}\b"


def check_texts(articles: Any, *, allow_empty_list: bool = False) -> list[str]:
    """Return `articles` as a list of str, or raise `InputError` that says what to pass instead."""
    if isinstance(articles, str | bytes):
        raise InputError("got one str; pass a list of articles, e.g. clf.predict([text])")
    if not isinstance(articles, Iterable):
        raise InputError(f"expected a list of article texts, got {type(articles).__name__}")
    out = []
    for n, a in enumerate(articles):
        text = getattr(a, "text", a)
        if isinstance(text, bytes):
            raise InputError(f"article {n} is bytes; decode it to str first (e.g. data.decode('utf-8'))")
        if not isinstance(text, str):
            raise InputError(f"article {n} is a {type(text).__name__}, not a str")
        if "\x00" in text:
            raise InputError(f"article {n} contains NUL bytes: it looks binary; pass the article's text")
        out.append(text)
    if not out and not allow_empty_list:
        raise InputError("got an empty list of articles; pass at least one article text")
    return out


def sentences_of(text: str) -> list[tuple[int, int]]:
    """Sentence offsets of `text`; an article with no sentence gets one empty span."""
    spans = split_sentences(text)
    return spans if spans else [(0, 0)]
