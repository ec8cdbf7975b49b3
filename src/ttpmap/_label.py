"""A brief as a labeled-article record for an analyst to review (`Brief.to_label`)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ttpmap._article import Article
    from ttpmap._brief import Brief

__all__ = ["brief_to_label"]


def brief_to_label(brief: Brief, article: Article | str, record_id: str | None = None) -> dict[str, Any]:
    """The labeled-article record of `article`, its ``techniques`` pre-filled from `brief`; its ``id``
    is `record_id`, else the article's URL, else ``sha256:`` and the start of its text's digest.

    Each technique is ``"status": "predicted"`` with its evidence (offsets into the text); the
    analyst marks each ``confirmed`` or ``rejected`` and adds the ones missed (``added``).
    """
    text = article if isinstance(article, str) else article.text
    title = brief.title if brief.title is not None else getattr(article, "title", None)
    url = brief.url if brief.url is not None else getattr(article, "url", None)
    techniques = []
    for t in brief.techniques:
        evidence = [
            {"text": e.text, "start": e.start, "end": e.end}
            for e in t.evidence
            if 0 <= e.start < e.end <= len(text) and text[e.start : e.end] == e.text
        ]
        techniques.append(
            {
                "id": t.id,
                "name": t.name,
                "status": "predicted",
                "confidence": round(float(t.confidence), 4),
                "source": t.source,
                "evidence": evidence,
            }
        )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return {
        "id": record_id or url or f"sha256:{digest}",
        "title": title or "",
        "text": text,
        "url": url or "",
        "labels": [],
        "techniques": techniques,
        "predicted_by": dict(brief.model),
    }
