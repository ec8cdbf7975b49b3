"""The ``ttpmap`` spaCy factory and component; one `Analyzer` per configuration per process."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from ttpmap._analyzer import process_analyzer
from ttpmap._article import Article
from ttpmap._brief import Brief
from ttpmap._exceptions import InvalidParameterError, ModelIntegrityError
from ttpmap._model import default_model_dir
from ttpmap.spacy._data import brief_from_data, brief_to_data

__all__ = ["EVIDENCE_KEY", "IOCS_KEY", "TtpmapComponent", "make_ttpmap"]

EVIDENCE_KEY = "ttpmap_evidence"
IOCS_KEY = "ttpmap_iocs"
_DATA_KEY = "ttpmap.brief"
_PIN_FILE = "ttpmap.json"


def _brief_of(doc: Doc) -> Brief | None:
    data = doc.user_data.get(_DATA_KEY)
    return None if data is None else brief_from_data(data, doc.text)


if not Doc.has_extension("ttpmap_brief"):
    Doc.set_extension("ttpmap_brief", getter=_brief_of)


class TtpmapComponent:
    """Analyze ``doc.text`` with ttpmap; set the brief, evidence and IOC spans, and tactic scores.

    A Doc whose text is only whitespace gets no brief (``doc._.ttpmap_brief`` is None), empty span
    groups and zero scores; any other input ttpmap refuses raises its usual error.
    """

    def __init__(
        self,
        name: str = "ttpmap",
        *,
        model: str | None = None,
        model_sha256: str | None = None,
        max_hunts: int | None = None,
        severity_rules: str | None = None,
        hunt_rules: str | None = None,
    ) -> None:
        self.name = name
        folder = str(Path(model).expanduser().resolve() if model else default_model_dir().resolve())
        self.analyzer = process_analyzer(folder, hunt_rules, severity_rules, None, max_hunts, model_sha256)
        self.tactics = tuple(t.shortname for t in self.analyzer.catalog.tactics)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text  # built from the tokens on every read
        brief = self.analyzer.analyze(Article(text)) if text.strip() else None
        cats = dict.fromkeys(self.tactics, 0.0)
        if brief is None:
            doc.user_data.pop(_DATA_KEY, None)
        else:
            doc.user_data[_DATA_KEY] = brief_to_data(brief)
            cats.update((t.shortname, float(t.confidence)) for t in brief.tactics)
        doc.cats.update(cats)
        passages = [(t, e) for t in brief.techniques for e in t.evidence if e.end > e.start] if brief else []
        doc.spans[EVIDENCE_KEY] = SpanGroup(
            doc,
            name=EVIDENCE_KEY,
            spans=[_span(doc, e.start, e.end, t.id) for t, e in passages],
            attrs={"confidence": [float(t.confidence) for t, _ in passages]},
        )
        iocs = brief.iocs if brief else ()
        doc.spans[IOCS_KEY] = SpanGroup(
            doc,
            name=IOCS_KEY,
            spans=[_span(doc, i.start, i.end, i.type, kb_id=i.value) for i in iocs],
            attrs={"fidelity": [i.fidelity for i in iocs]},
        )
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write the model's path and manifest SHA-256 (never the model itself)."""
        model = self.analyzer._model
        pin = {"model": str(model.path), "manifest_sha256": model.manifest_sha256}
        Path(path).mkdir(parents=True, exist_ok=True)
        (Path(path) / _PIN_FILE).write_text(json.dumps(pin, indent=2) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TtpmapComponent:
        """Refuse a model whose manifest changed since the pipeline was saved."""
        pin_file = Path(path) / _PIN_FILE
        if not pin_file.is_file():
            return self
        saved = json.loads(pin_file.read_text(encoding="utf-8"))
        actual = self.analyzer._model.manifest_sha256
        expected = saved.get("manifest_sha256")
        if expected and actual and expected != actual:
            manifest = self.analyzer._model.path / "manifest.json"
            raise ModelIntegrityError(
                f"{manifest}: SHA-256 {actual} differs from {expected}, the model this pipeline was saved "
                f"with ({pin_file}); the model changed: save the pipeline again with this model",
                manifest,
                expected,
                actual,
            )
        return self


def _span(doc: Doc, start: int, end: int, label: str, kb_id: str = "") -> Span:
    span = doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode="expand")
    if span is None:
        raise InvalidParameterError(
            f"characters {start}:{end} do not fall on this Doc's tokens; the Doc's text must be the text analyzed"
        )
    return span


@Language.factory(
    "ttpmap",
    default_config={
        "model": None,
        "model_sha256": None,
        "max_hunts": None,
        "severity_rules": None,
        "hunt_rules": None,
    },
    assigns=["doc._.ttpmap_brief", "doc.spans", "doc.cats"],
)
def make_ttpmap(
    nlp: Language,
    name: str,
    model: str | None,
    model_sha256: str | None,
    max_hunts: int | None,
    severity_rules: str | None,
    hunt_rules: str | None,
) -> TtpmapComponent:
    """Build the ``ttpmap`` component: `model` (a model directory, default the shipped one),
    `model_sha256` (pin its manifest), `max_hunts`, `severity_rules` and `hunt_rules` (paths)."""
    return TtpmapComponent(
        name,
        model=model,
        model_sha256=model_sha256,
        max_hunts=max_hunts,
        severity_rules=severity_rules,
        hunt_rules=hunt_rules,
    )
