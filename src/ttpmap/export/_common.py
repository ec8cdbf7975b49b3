"""Helpers shared by the exporters: accept briefs as `Brief` objects or their dicts."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ttpmap._batch import BatchError
from ttpmap._exceptions import InvalidParameterError

__all__ = ["brief_dicts", "parse_timestamp"]


def brief_dicts(briefs: Any, *, what: str) -> Iterator[dict[str, Any]]:
    """Yield each brief as a dict; one brief may be passed alone; `BatchError` items are skipped."""
    if isinstance(briefs, Mapping) or (hasattr(briefs, "to_dict") and hasattr(briefs, "techniques")):
        briefs = (briefs,)
    if isinstance(briefs, str | bytes) or not isinstance(briefs, Iterable):
        raise InvalidParameterError(
            f"{what} takes a Brief, a brief dict or an iterable of them, got {type(briefs).__name__}"
        )
    for i, item in enumerate(briefs):
        if isinstance(item, tuple) and len(item) == 2:
            item = item[0]  # (brief, context) pairs from analyze_many(as_tuples=True)
        if isinstance(item, BatchError):
            continue
        if isinstance(item, Mapping):
            d = dict(item)
        elif callable(getattr(item, "to_dict", None)):
            d = item.to_dict()
        else:
            raise InvalidParameterError(
                f"{what}: item {i} is a {type(item).__name__}, not a Brief or a brief dict"
            )
        if not isinstance(d.get("techniques"), list) or not isinstance(d.get("iocs"), list):
            raise InvalidParameterError(
                f"{what}: item {i} is not a brief (no 'techniques'/'iocs' lists); pass Brief.to_dict() output"
            )
        yield d


def parse_timestamp(value: object) -> _dt.datetime | None:
    """An aware UTC datetime from an ISO 8601 string or date, or None when it cannot be read."""
    if isinstance(value, _dt.datetime):
        parsed = value
    elif isinstance(value, _dt.date):
        parsed = _dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = _dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_dt.UTC)
    return parsed.astimezone(_dt.UTC)
