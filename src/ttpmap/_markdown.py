"""Markdown rendering of a `Brief`, in the sections of the briefs analysts already read."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ttpmap._brief import Brief
    from ttpmap._results import Hunt, Ioc

__all__ = ["defang", "render_hunt", "render_markdown"]

_DEFANG_TYPES = frozenset({"ipv4", "ipv6", "domain", "url", "email"})
_MAX_EVIDENCE = 2
_MAX_EVIDENCE_CHARS = 280
MAX_HUNTS_SHOWN = 5


def defang(value: str) -> str:
    """Make a network indicator safe to paste: ``hxxp``, ``[.]``, ``[@]``."""
    value = re.sub(r"^http", "hxxp", value, flags=re.IGNORECASE)
    value = value.replace("@", "[@]")
    head, sep, rest = value.partition("://")
    if sep:
        host, slash, path = rest.partition("/")
        return f"{head}{sep}{host.replace('.', '[.]')}{slash}{path}"
    return value.replace(".", "[.]")


def render_markdown(brief: Brief, *, max_hunts: int = MAX_HUNTS_SHOWN) -> str:
    """Render `brief` as Markdown, showing its first `max_hunts` hunts (the JSON carries all)."""
    out: list[str] = []
    title = brief.title or "Untitled article"
    out.append(f"# [{brief.severity.level}] {_inline(title)}")
    out.append("")
    meta = [
        ("Source", brief.source),
        ("Published", brief.published),
        ("Article", brief.url),
    ]
    for label, value in meta:
        if value:
            out.append(f"**{label}:** {_inline(value)}  ")
    sev = brief.severity
    out.append(
        f"**Severity:** {sev.level} (score {sev.score}/100, confidence {sev.confidence}/100, decided by {sev.decided_by})"
    )
    out.append("")
    out += ["## Summary", "", brief.summary or "_The article has no prose to summarise._", ""]
    out += _iocs(brief)
    out += _techniques(brief)
    out += _phases(brief)
    out += _hunts(brief, max_hunts)
    out += _why(brief)
    out.append(
        f"<sub>ttpmap · ATT&CK v{brief.attack_version} · model {brief.model.get('name', '?')} · "
        "ATT&CK® is a registered trademark of The MITRE Corporation.</sub>"
    )
    return "\n".join(out).rstrip() + "\n"


def _iocs(brief: Brief) -> list[str]:
    out = ["## Indicators of compromise (high-fidelity)", ""]
    if not brief.iocs:
        return [*out, "_No high-fidelity IOCs found in the text._", ""]
    out += ["| Type | Indicator | Written defanged |", "|---|---|---|"]
    out += [f"| {i.type} | `{_show_ioc(i)}` | {'yes' if i.defanged else 'no'} |" for i in brief.iocs]
    return [*out, ""]


def _show_ioc(ioc: Ioc) -> str:
    return defang(ioc.value) if ioc.type in _DEFANG_TYPES else ioc.value


def _techniques(brief: Brief) -> list[str]:
    out = ["## MITRE ATT&CK techniques", ""]
    if not brief.techniques:
        return [*out, "_No ATT&CK techniques identified in the text._", ""]
    for t in brief.techniques:
        tactics = ", ".join(t.tactics)
        link = f"[{t.id}]({t.url})" if t.url else t.id
        source = " · from the article's ATT&CK table" if t.source == "article-mapping" else ""
        out.append(f"- **{link}** — {_inline(t.name)} · {tactics} · confidence {t.confidence:.0%}{source}")
        for ev in t.evidence[:_MAX_EVIDENCE]:
            block = f" _({ev.block.replace('_', ' ')})_" if ev.block else ""
            out.append(f"  > {_quote(ev.text)}{block}")
    return [*out, ""]


def _phases(brief: Brief) -> list[str]:
    out = ["## Kill chain phases observed", ""]
    if not brief.phases:
        return [*out, "_No kill-chain phases: no techniques were identified._", ""]
    for p in brief.phases:
        out.append(f"{p.order}. **{p.name}** — {', '.join(p.tactics)} ({', '.join(p.techniques)})")
    return [*out, ""]


def _hunts(brief: Brief, max_hunts: int = MAX_HUNTS_SHOWN) -> list[str]:
    out = ["## Recommended hunts", ""]
    left_out = brief.hunts_left_out
    if not brief.hunts:
        if not brief.techniques:
            reason = "no techniques were identified"
        elif left_out:
            reason = f"{left_out} hunt(s) for its techniques fit the article too poorly to show"
        else:
            reason = "no hunt in the library covers them"
        return [*out, f"_No hunts recommended: {reason}._", ""]
    shown = brief.hunts[:max_hunts]
    for h in shown:
        out += render_hunt(h)
    rest = len(brief.hunts) - len(shown)
    notes = []
    if rest:
        notes.append(
            f"{rest} more hunt(s) in the JSON brief (`--format json`, or `--max-hunts N` to show more)"
        )
    if left_out:
        notes.append(f"{left_out} hunt(s) left out as a poor fit for this article")
    if notes:
        out += [f"_{'; '.join(notes)}._", ""]
    return out


def render_hunt(h: Hunt, heading: str = "###") -> list[str]:
    """Markdown lines for one hunt: title, ID line, description, queries, false positives, credit."""
    out = [f"{heading} {_inline(h.title)}", ""]
    out.append(
        f"`{h.id}` · phase: **{h.phase or 'n/a'}** · confidence: **{h.confidence}** · "
        f"{f'level: {h.level} · ' if h.level else ''}techniques: {', '.join(h.techniques)}"
    )
    out.append("")
    if h.why:
        out.append(f"_Why (rank {h.rank}):_ {_inline(str(h.why.get('text', '')))}")
        evidence = h.why.get("evidence")
        if evidence:
            out.append(f"> {_quote(str(evidence))}")
        out.append("")
    if h.description:
        out += [_inline(h.description), ""]
    for label, lang, query in (
        ("Splunk SPL", "spl", h.spl),
        ("Defender KQL", "kql", h.kql),
        ("Sentinel KQL", "kql", h.kql_sentinel),
    ):
        if query:
            out += [f"**{label}:**", f"```{lang}", query.strip(), "```", ""]
    if h.false_positives:
        out += [f"_False positives to expect:_ {_inline('; '.join(h.false_positives))}", ""]
    credit = ", ".join(
        f"{k}: {v}" for k, v in h.source.items() if k in ("pack", "author", "link", "license") and v
    )
    if credit:
        out += [f"<sub>{_inline(credit)}</sub>", ""]
    return out


def _why(brief: Brief) -> list[str]:
    out = ["## Why this matters", ""]
    sentences = _why_sentences(brief)
    if not sentences:
        return [*out, f"Severity {brief.severity.level}: no rule found anything notable in the article.", ""]
    return [*out, *(f"- {s}" for s in sentences), ""]


def _why_sentences(brief: Brief) -> list[str]:
    try:
        from ttpmap.severity import why_it_matters
    except ImportError:
        return [r.text for r in brief.severity.reasons]
    return list(why_it_matters(brief.severity))


def _inline(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _quote(text: str) -> str:
    text = _inline(text)
    return text if len(text) <= _MAX_EVIDENCE_CHARS else text[: _MAX_EVIDENCE_CHARS - 1].rstrip() + "…"
