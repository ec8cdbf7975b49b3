"""`Brief`: what ttpmap says about one article, as frozen data with JSON and Markdown renderings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from ttpmap._results import Hunt, Ioc, Phase, Severity, Tactic, Technique

__all__ = ["SCHEMA_VERSION", "Brief", "brief_schema"]

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Brief:
    """The analysis of one article.

    Attributes
    ----------
    title, url, source, published : str or None
        From the `Article`.
    summary : str
        The article's opening sentences.
    severity : Severity
        Level, score, confidence and every reason that fired.
    iocs : tuple of Ioc
        High-fidelity indicators only (``find_iocs`` returns all).
    techniques, tactics, phases, hunts : tuples of result types
        ATT&CK techniques with evidence, tactics, Lockheed Martin kill-chain phases, recommended hunts.
    hunts_left_out : int
        Hunts found for the techniques but left out: under the relevance floor or past ``max_hunts``.
    attack_version : str
        The ATT&CK version of the catalog the model used.
    model : mapping
        Which model produced the brief.
    text : str
        The article's text, which every offset points into (``""`` when not kept). It is not part of
        `to_dict()`: the HTML view (`to_html`) shows it with the evidence and IOCs highlighted.
    """

    title: str | None
    url: str | None
    source: str | None
    published: str | None
    summary: str
    severity: Severity
    iocs: tuple[Ioc, ...] = ()
    techniques: tuple[Technique, ...] = ()
    tactics: tuple[Tactic, ...] = ()
    phases: tuple[Phase, ...] = ()
    hunts: tuple[Hunt, ...] = ()
    attack_version: str = ""
    model: Mapping[str, Any] = field(default_factory=dict)
    hunts_left_out: int = 0
    text: str = field(default="", repr=False)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that validates against `brief_schema()`."""
        return {
            "schema_version": SCHEMA_VERSION,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": self.published,
            "summary": self.summary,
            "severity": self.severity.to_dict(),
            "iocs": [i.to_dict() for i in self.iocs],
            "techniques": [t.to_dict() for t in self.techniques],
            "tactics": [t.to_dict() for t in self.tactics],
            "phases": [p.to_dict() for p in self.phases],
            "hunts": [h.to_dict() for h in self.hunts],
            "hunts_left_out": self.hunts_left_out,
            "attack_version": self.attack_version,
            "model": dict(self.model),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        """The brief as JSON text; the same brief always gives the same bytes."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=False)

    def to_markdown(self, *, max_hunts: int | None = None) -> str:
        """The brief as Markdown, in the sections analysts know (severity line first).

        Shows the first `max_hunts` hunts (default 5); the JSON carries all the brief holds.
        """
        from ttpmap._markdown import render_markdown

        return render_markdown(self) if max_hunts is None else render_markdown(self, max_hunts=max_hunts)

    def to_label(self, article: Any, record_id: str | None = None) -> dict[str, Any]:
        """This brief as a labeled-article record of `article` (an `Article` or its text) for review.

        Its ``techniques`` are the brief's, each ``"status": "predicted"`` with its evidence; mark
        each ``confirmed`` or ``rejected``, add missed ones as ``added``, and give the file to
        ``ttpmap train --data`` or ``ttpmap evaluate --data`` (format: ``datasets/README.md``).
        The record's ``id`` is `record_id` (``analyze FILE --format label`` gives the file's path),
        else the article's URL, else a digest of its text.
        """
        from ttpmap._label import brief_to_label

        return brief_to_label(self, article, record_id)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def to_html(self, text: str | None = None) -> str:
        """The brief as one self-contained HTML page: the article with its evidence and IOCs highlighted.

        `text` is the article's text when the brief does not carry it (a brief rebuilt from JSON);
        it must be the text the brief's offsets point into. No network access, no external files.
        """
        from ttpmap._html import render_html

        return render_html(self, text=text, document=True)

    def _repr_html_(self) -> str:
        from ttpmap._html import render_html

        return render_html(self, document=False)

    def __repr__(self) -> str:
        return (
            f"Brief(title={self.title!r}, severity={self.severity.level}, techniques={len(self.techniques)}, "
            f"iocs={len(self.iocs)}, hunts={len(self.hunts)})"
        )


def brief_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every `Brief.to_dict()` validates against."""
    text = resources.files("ttpmap").joinpath("schemas/brief.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
