"""The labeled-article record and its JSONL/CSV reading and writing."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ttpmap._exceptions import InputError

__all__ = ["LabeledArticle", "read_articles", "write_articles"]

_CORE = ("id", "title", "text", "url", "labels", "spans", "tactics", "severity", "group")


@dataclass(frozen=True, slots=True, eq=True)
class LabeledArticle:
    """An article (or a single sentence) with the ATT&CK techniques it describes.

    `spans` are ``(start, end, technique_id)`` offsets into `text` that show a technique; `group`
    names near-duplicates that must stay in one cross-validation fold; `extra` keeps any other
    field of the source (e.g. TRAM2's ``labels_tram50``).
    """

    id: str
    title: str
    text: str
    url: str = ""
    labels: tuple[str, ...] = ()
    spans: tuple[tuple[int, int, str], ...] = ()
    tactics: tuple[str, ...] = ()
    severity: str | None = None
    group: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def rejected(self) -> tuple[tuple[int, int, str], ...]:
        """``(start, end, technique_id)`` of each technique an analyst rejected (``"status":
        "rejected"`` in ``techniques``), with its evidence (``start == end``: none given)."""
        if "techniques" not in self.extra:
            return ()
        from ttpmap.datasets._review import read_review

        review = read_review(
            self.extra["techniques"], self.text, where=self.id or "record", check_quotes=False
        )
        return tuple(review.rejected)

    def to_dict(self) -> dict[str, Any]:
        """The record as one JSON object of the labeled-article format."""
        d: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "text": self.text,
            "url": self.url,
            "labels": list(self.labels),
        }
        if self.spans:
            d["spans"] = [list(s) for s in self.spans]
        if self.tactics:
            d["tactics"] = list(self.tactics)
        if self.severity is not None:
            d["severity"] = self.severity
        if self.group is not None:
            d["group"] = self.group
        d.update({k: v for k, v in self.extra.items() if k not in d})
        return d

    @classmethod
    def from_dict(cls, obj: Mapping[str, Any], *, where: str = "record") -> LabeledArticle:
        """Build a record from one JSON object, checking every field; `where` prefixes errors."""
        if not isinstance(obj, Mapping):
            raise InputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"{where}: 'text' must be a non-empty string")
        labels = obj.get("labels", [])
        if isinstance(labels, str):
            labels = _split_labels(labels)
        if not isinstance(labels, list | tuple) or not all(isinstance(x, str) for x in labels):
            raise InputError(f"{where}: 'labels' must be a list of technique IDs like ['T1059.001']")
        spans = []
        for s in obj.get("spans") or ():
            ok = isinstance(s, list | tuple) and len(s) == 3
            if ok:
                start, end, tid = s
                ok = isinstance(start, int) and isinstance(end, int) and isinstance(tid, str)
                ok = ok and 0 <= start < end <= len(text)
            if not ok:
                raise InputError(
                    f"{where}: each span must be [start, end, technique_id] with 0 <= start < end <= "
                    f"len(text), got {s!r}"
                )
            spans.append((int(s[0]), int(s[1]), str(s[2])))
        tactics = obj.get("tactics") or []
        if not isinstance(tactics, list | tuple) or not all(isinstance(x, str) for x in tactics):
            raise InputError(f"{where}: 'tactics' must be a list of tactic IDs or shortnames")
        severity = obj.get("severity")
        if severity is not None and not isinstance(severity, str):
            raise InputError(f"{where}: 'severity' must be a string such as 'HIGH'")
        group = obj.get("group")
        if "techniques" in obj:
            from ttpmap.datasets._review import read_review

            review = read_review(obj["techniques"], text, where=where)
            refused = sorted(set(labels) & {t for _, _, t in review.rejected})
            if refused:
                raise InputError(f"{where}: {', '.join(refused)} is in 'labels' and rejected in 'techniques'")
            labels = list(dict.fromkeys([*labels, *review.labels]))
            spans = list(dict.fromkeys([*spans, *review.spans]))
            obj = {**obj, "techniques": review.items}
        return cls(
            id=str(obj.get("id", "")),
            title=str(obj.get("title") or ""),
            text=text,
            url=str(obj.get("url") or ""),
            labels=tuple(labels),
            spans=tuple(spans),
            tactics=tuple(tactics),
            severity=severity,
            group=None if group is None else str(group),
            extra={k: v for k, v in obj.items() if k not in _CORE},
        )


def _split_labels(value: str) -> list[str]:
    return [x for x in value.replace(";", " ").replace(",", " ").split() if x]


def read_articles(path: str | os.PathLike[str]) -> list[LabeledArticle]:
    """Read labeled articles from a ``.jsonl`` file (one object a line) or a ``.csv`` file.

    A CSV file needs a ``text`` column and a ``labels`` column (IDs separated by spaces, commas or
    semicolons); ``id``, ``title``, ``url``, ``severity`` and ``group`` columns are optional.

    Raises
    ------
    InputError
        If the file is missing or a record is malformed; the message names the file and line.
    """
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            f"{p}: cannot read labeled articles ({exc}); pass a UTF-8 .jsonl or .csv file"
        ) from exc
    if p.suffix.lower() == ".csv":
        return list(_read_csv(raw, p))
    return list(_read_jsonl(raw, p))


def _read_jsonl(raw: str, p: Path) -> Iterator[LabeledArticle]:
    for n, line in enumerate(raw.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"{p}:{n}: not JSON ({exc.msg}); expected one labeled article per line"
            ) from None
        rec = LabeledArticle.from_dict(obj, where=f"{p}:{n}")
        yield rec if rec.id else _with_id(rec, f"{p.stem}:{n}")


def _read_csv(raw: str, p: Path) -> Iterator[LabeledArticle]:
    reader = csv.DictReader(io.StringIO(raw))
    if not reader.fieldnames or "text" not in reader.fieldnames or "labels" not in reader.fieldnames:
        raise InputError(
            f"{p}: a labeled-article CSV needs 'text' and 'labels' columns, got {reader.fieldnames}"
        )
    for n, row in enumerate(reader, 2):
        obj = {k: v for k, v in row.items() if k is not None and v not in (None, "")}
        obj["labels"] = _split_labels(row.get("labels") or "")
        rec = LabeledArticle.from_dict(obj, where=f"{p}:{n}")
        yield rec if rec.id else _with_id(rec, f"{p.stem}:{n}")


def _with_id(rec: LabeledArticle, new_id: str) -> LabeledArticle:
    d = rec.to_dict()
    d["id"] = new_id
    return LabeledArticle.from_dict(d)


def write_articles(articles: Iterable[LabeledArticle], path: str | os.PathLike[str]) -> Path:
    """Write labeled articles as JSONL (UTF-8, one object a line) and return the path."""
    p = Path(path)
    with p.open("w", encoding="utf-8") as fh:
        for a in articles:
            fh.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
    return p
