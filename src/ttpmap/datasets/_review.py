"""Reviewed techniques of a labeled article: what an analyst confirmed, rejected or added to a brief.

A record written by ``ttpmap analyze --format label`` (`Brief.to_label`) carries a ``techniques``
list, each item ``{"id", "status", "evidence": [{"start", "end", "text"}], ...}`` with status
``predicted``. The analyst sets each status to ``confirmed`` or ``rejected`` and adds items with
status ``added``. Reading the record turns them into its labels and spans (confirmed and added) and
its rejections (`LabeledArticle.rejected`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ttpmap._exceptions import InputError

__all__ = ["STATUSES", "Review", "read_review"]

#: The statuses of a reviewed technique.
STATUSES = ("predicted", "confirmed", "rejected", "added")


class Review:
    """Labels, spans and rejections read from a record's ``techniques`` list."""

    __slots__ = ("items", "labels", "rejected", "spans")

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.labels: list[str] = []
        self.spans: list[tuple[int, int, str]] = []
        self.rejected: list[tuple[int, int, str]] = []


def read_review(items: Any, text: str, *, where: str, check_quotes: bool = True) -> Review:
    """Check a record's ``techniques`` list against its `text` and sort it by status.

    Raises `InputError` (naming `where`) for a malformed item, an item still ``predicted``, or a
    technique both kept and rejected; with `check_quotes`, for evidence whose ``text`` differs from
    the article's text at its offsets.
    """
    if not isinstance(items, list):
        raise InputError(f"{where}: 'techniques' must be a list of {{'id', 'status', 'evidence'}} objects")
    out = Review()
    for n, item in enumerate(items):
        at = f"{where}: techniques[{n}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not item["id"]:
            raise InputError(f"{at}: each item needs an 'id' such as 'T1059.001'")
        tid, status = item["id"], item.get("status")
        if status == "predicted":
            raise InputError(
                f"{at}: {tid} is still 'predicted'; set its status to 'confirmed' or 'rejected' "
                "(or delete the item) before training or evaluating on this record"
            )
        if status not in STATUSES:
            raise InputError(f"{at}: status must be one of {', '.join(STATUSES[1:])}, got {status!r}")
        spans = [(a, b, tid) for a, b in _evidence(item.get("evidence") or [], text, at, check_quotes)]
        evidence = [{"text": text[a:b], "start": a, "end": b} for a, b, _ in spans]
        out.items.append({**item, "evidence": evidence})
        if status == "rejected":
            out.rejected.extend(spans or [(0, 0, tid)])
        else:
            out.labels.append(tid)
            out.spans.extend(spans)
    both = sorted(set(out.labels) & {t for _, _, t in out.rejected})
    if both:
        raise InputError(f"{where}: {', '.join(both)} is both kept and rejected; keep one status")
    return out


def _evidence(items: Any, text: str, at: str, check_quotes: bool) -> list[tuple[int, int]]:
    """``(start, end)`` of each evidence item; an item with only ``text`` is found in the article."""
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise InputError(f"{at}: 'evidence' must be a list of {{'start', 'end', 'text'}} objects")
    out = []
    for ev in items:
        if not isinstance(ev, Mapping):
            raise InputError(f"{at}: each evidence item must be an object, got {ev!r}")
        start, end, quote = ev.get("start"), ev.get("end"), ev.get("text")
        if start is None and end is None and isinstance(quote, str) and quote:
            start = text.find(quote)
            if start < 0:
                raise InputError(f"{at}: evidence text {quote[:60]!r} is not in the article's text")
            end = start + len(quote)
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise InputError(
                f"{at}: evidence needs 0 <= start < end <= len(text) (or only a 'text' quoted from the "
                f"article), got {dict(ev)!r}"
            )
        if check_quotes and isinstance(quote, str) and quote and text[start:end] != quote:
            raise InputError(f"{at}: evidence text differs from the article's text at [{start}, {end})")
        out.append((start, end))
    return out
