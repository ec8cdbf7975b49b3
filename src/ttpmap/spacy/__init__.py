"""ttpmap as a spaCy pipeline component (``pip install 'ttpmap[spacy]'``).

``nlp.add_pipe("ttpmap")`` works in any pipeline without importing this module: the factory is
registered through spaCy's ``spacy_factories`` entry point. The component analyzes ``doc.text`` and
sets ``doc._.ttpmap_brief`` (the `Brief`), ``doc.spans["ttpmap_evidence"]`` (one span per evidence
passage, labelled by technique ID), ``doc.spans["ttpmap_iocs"]`` (labelled by IOC type, ``kb_id`` the
refanged value) and ``doc.cats`` (one score per ATT&CK tactic of the model's catalog).

Offsets are characters of ``doc.text``; on a `Doc` from any tokenizer a span is
``doc.char_span(start, end, alignment_mode="expand")``: a passage or IOC that cuts a token is widened
to the whole token.
"""

from __future__ import annotations

from ttpmap._deps import require

require("spacy", extra="spacy", feature="the ttpmap spaCy component")

from ttpmap.spacy._component import (  # noqa: E402
    EVIDENCE_KEY,
    IOCS_KEY,
    TtpmapComponent,
    make_ttpmap,
)

__all__ = ["EVIDENCE_KEY", "IOCS_KEY", "TtpmapComponent", "make_ttpmap"]
