"""The working document that the analysis pipeline fills in, one stage after another.

Mutable and private: each stage reads what earlier stages assigned and assigns its own field.
`Analyzer` freezes the result into a `Brief`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ttpmap._results import Evidence, Hunt, Ioc, Phase, Severity, Tactic, Technique
from ttpmap._sentences import split_sentences
from ttpmap._structure import Structure, parse_structure

if TYPE_CHECKING:
    from ttpmap._article import Article

__all__ = ["WorkDoc"]


@dataclass
class WorkDoc:
    """One article under analysis and everything found in it so far."""

    article: Article
    sentences: list[Evidence] = field(default_factory=list)
    iocs: list[Ioc] = field(default_factory=list)
    techniques: list[Technique] = field(default_factory=list)
    tactics: list[Tactic] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    hunts: list[Hunt] = field(default_factory=list)
    ranked_hunts: list[Hunt] = field(default_factory=list)  # the brief's: ranked, floored, capped
    hunts_left_out: int = 0
    severity: Severity | None = None
    structure: Structure | None = None

    @property
    def text(self) -> str:
        return self.article.text

    @classmethod
    def from_article(cls, article: Article) -> WorkDoc:
        text = article.text
        sentences = [Evidence(text[s:e], s, e) for s, e in split_sentences(text)]
        return cls(article=article, sentences=sentences, structure=parse_structure(text, article.format))

    def sentence_at(self, offset: int) -> Evidence | None:
        """The sentence that contains character `offset`, by binary search."""
        lo, hi = 0, len(self.sentences)
        while lo < hi:
            mid = (lo + hi) // 2
            s = self.sentences[mid]
            if offset < s.start:
                hi = mid
            elif offset >= s.end:
                lo = mid + 1
            else:
                return s
        return None
