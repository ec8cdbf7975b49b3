"""Plain sentences for a brief's "Why this matters" section."""

from __future__ import annotations

from ttpmap._results import Severity

__all__ = ["why_it_matters"]


def why_it_matters(severity: Severity) -> list[str]:
    """Plain sentences that explain `severity`, most serious reason first.

    Examples
    --------
    >>> from ttpmap._results import Reason, Severity
    >>> why_it_matters(Severity("LOW", 22, 30, (Reason("techniques-found", "ATT&CK techniques "
    ...     "identified (1): T1195.002.", "LOW", 22),)))
    ['ATT&CK techniques identified (1): T1195.002.']
    """
    out: list[str] = []
    for reason in severity.reasons:
        sentence = _sentence(reason.text)
        if sentence and sentence not in out:
            out.append(sentence)
    counted = [r for r in severity.reasons if r.level != "INFO" and r.rule != "model"]
    if len(counted) > 1:
        more = len(counted) - 1
        finding = "finding" if more == 1 else "findings"
        out.append(
            f"The most serious finding sets the level; {more} further {finding} raised the score to "
            f"{severity.score}/100."
        )
    return out


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]
