"""A small stand-in analyzer for batch tests: real `Brief` objects, cheap to compute, picklable."""

from __future__ import annotations

import os
import re
import time
from typing import Any

from ttpmap._article import Article
from ttpmap._brief import Brief
from ttpmap._exceptions import InputError
from ttpmap._results import Evidence, Severity, Technique

_ID = re.compile(r"T[0-9]{4}(?:\.[0-9]{3})?")


class MentionAnalyzer:
    """Briefs with the technique IDs named in the text; fails on texts that contain ``FAIL``.

    ``model["pid"]`` records the process that did the work.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay

    def analyze(self, article: Any) -> Brief:
        if isinstance(article, str):
            article = Article(article)
        if "FAIL" in article.text:
            raise InputError(f"cannot analyze {article.title or 'article'}: it asks to fail")
        if self.delay:
            time.sleep(self.delay)
        techniques = tuple(
            Technique(m.group(), m.group(), (), 0.9, (Evidence(m.group(), m.start(), m.end()),))
            for m in _ID.finditer(article.text)
        )
        return Brief(
            title=article.title,
            url=article.url,
            source=article.source,
            published=article.published,
            summary=article.text[:80],
            severity=Severity("LOW", 10, 50),
            techniques=techniques,
            attack_version="18.1",
            model={"pid": os.getpid()},
        )
