"""A stand-in analyzer for feed-runner tests: real `Brief` objects, instantly, and a call log."""

from __future__ import annotations

import re
import time
from typing import Any

from ttpmap._article import Article
from ttpmap._brief import Brief
from ttpmap._exceptions import InputError
from ttpmap._results import Evidence, Severity, Technique

_ID = re.compile(r"T[0-9]{4}(?:\.[0-9]{3})?")


class RecordingAnalyzer:
    """Briefs with the technique IDs named in the text; fails on ``FAIL``; logs what it analyzed."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.seen: list[str | None] = []

    def analyze(self, article: Any) -> Brief:
        assert isinstance(article, Article)
        self.seen.append(article.url or article.title)
        if "FAIL" in article.text:
            raise InputError("the analyzer was asked to fail")
        if self.delay:
            time.sleep(self.delay)
        techniques = tuple(
            Technique(m.group(), f"Technique {m.group()}", ("execution",), 0.8,
                      (Evidence(m.group(), m.start(), m.end()),))
            for m in _ID.finditer(article.text)
        )  # fmt: skip
        return Brief(
            title=article.title,
            url=article.url,
            source=article.source,
            published=article.published,
            summary=article.text[:120],
            severity=Severity("LOW", 12, 40),
            techniques=techniques,
            attack_version="18.1",
            model={"name": "recording"},
        )


def make_feed(n: int, *, title: str = "Generated Feed", fail_at: tuple[int, ...] = ()) -> bytes:
    """An RSS 2.0 feed of `n` entries, each with its own link and technique ID."""
    items = "".join(
        f"<item><title>Entry {i}</title><link>https://gen.example.org/{i}</link>"
        f"<description>&lt;p&gt;Entry {i}: the actor used T{1000 + i}{' FAIL' if i in fail_at else ''}."
        "&lt;/p&gt;</description></item>"
        for i in range(n)
    )
    head = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
    return f"{head}{items}</channel></rss>".encode()
