"""The HTML view of a `Brief`: one self-contained page (inline CSS and JS, no network, no files).

The article's text is shown as written (``white-space: pre-wrap``), cut at every evidence and IOC
boundary: each piece is one element whose ``data-start``/``data-end`` are offsets into the text.
Evidence pieces carry ``data-ev`` (indices into the brief's evidence, technique by technique) and
the colour of the best-ranked technique among them; IOCs are atoms (overlapping IOCs merge into one
mark, and an evidence boundary inside an IOC moves to the IOC's edge), shown defanged, each followed
by a copy button. Every piece of text from the article or the brief is escaped.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
from dataclasses import dataclass
from html import escape
from itertools import pairwise
from typing import TYPE_CHECKING

from ttpmap._exceptions import InvalidParameterError
from ttpmap._markdown import defang

if TYPE_CHECKING:
    from ttpmap._brief import Brief
    from ttpmap._results import Evidence, Hunt, Ioc, Technique

__all__ = ["render_html"]

_DEFANG_TYPES = frozenset({"ipv4", "ipv6", "domain", "url", "email"})
_PALETTE = (
    "#f6bd60", "#84c5f4", "#b5e48c", "#ffafcc", "#cdb4db", "#ffd166", "#90e0ef", "#f7a072",
    "#a3c4f3", "#f28482", "#84dcc6", "#d4a373",
)  # fmt: skip
#: The Enterprise matrix's tactics in order (ATT&CK v18); a brief's other tactics follow them.
_MATRIX = (
    ("reconnaissance", "Reconnaissance"), ("resource-development", "Resource Development"),
    ("initial-access", "Initial Access"), ("execution", "Execution"), ("persistence", "Persistence"),
    ("privilege-escalation", "Privilege Escalation"), ("defense-evasion", "Defense Evasion"),
    ("credential-access", "Credential Access"), ("discovery", "Discovery"),
    ("lateral-movement", "Lateral Movement"), ("collection", "Collection"),
    ("command-and-control", "Command and Control"), ("exfiltration", "Exfiltration"), ("impact", "Impact"),
)  # fmt: skip
_LEVEL_COLOURS = {
    "INFO": "#6c757d", "LOW": "#2a9d8f", "MEDIUM": "#e9a400", "HIGH": "#e76f51", "CRITICAL": "#b00020",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Piece:
    start: int
    end: int
    evidence: tuple[int, ...]
    iocs: tuple[int, ...]


def render_html(brief: Brief, *, text: str | None = None, document: bool = True) -> str:
    """`brief` as a full HTML document, or as a fragment for a notebook's output cell."""
    article = brief.text if text is None else text
    evidence = [(t, e) for t in brief.techniques for e in t.evidence]
    _check_offsets(article, evidence, brief.iocs)
    body = "\n".join(
        [
            f'<div class="ttpmap-brief" data-evidence-count="{len(evidence)}" data-ioc-count="{len(brief.iocs)}">',
            _header(brief),
            _tactic_strip(brief),
            _article(brief, article, evidence),
            _techniques(brief),
            _iocs(brief.iocs),
            _phases(brief),
            _hunts(brief.hunts, brief.hunts_left_out),
            _footer(brief),
            f"<script>{_SCRIPT}</script>",
            "</div>",
        ]
    )
    if not document:
        return f"<style>{_CSS}</style>\n{body}\n"
    title = escape(f"[{brief.severity.level}] {brief.title or 'Untitled article'} · ttpmap brief")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"style-src 'unsafe-inline'; script-src '{_script_hash()}'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_PAGE_CSS}{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _script_hash() -> str:
    digest = hashlib.sha256(_SCRIPT.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def _check_offsets(text: str, evidence: list[tuple[Technique, Evidence]], iocs: tuple[Ioc, ...]) -> None:
    if not text:
        return
    for _, e in evidence:
        if not (0 <= e.start <= e.end <= len(text)) or text[e.start : e.end] != e.text:
            raise InvalidParameterError(
                f"evidence {e.text[:40]!r} is not at {e.start}:{e.end} of the text given: pass the text "
                "of the article this brief was made from (Article.text)"
            )
    for i in iocs:
        if not (0 <= i.start < i.end <= len(text)):
            raise InvalidParameterError(
                f"IOC {i.value!r} at {i.start}:{i.end} is outside the text given ({len(text)} characters): "
                "pass the text of the article this brief was made from (Article.text)"
            )


def _colour(rank: int) -> str:
    return _PALETTE[(rank - 1) % len(_PALETTE)]


def _header(brief: Brief) -> str:
    sev = brief.severity
    meta = [(k, v) for k, v in (("Source", brief.source), ("Published", brief.published)) if v]
    meta_html = "".join(f"<span><b>{k}:</b> {escape(v)}</span>" for k, v in meta)
    if brief.url:
        meta_html += f"<span><b>Article:</b> {_link(brief.url, brief.url)}</span>"
    reasons = "".join(
        f'<li><span class="lvl" style="--lc:{_LEVEL_COLOURS.get(r.level, "#6c757d")}">{escape(r.level)}</span> '
        f"<code>{escape(r.rule)}</code> {escape(r.text)}</li>"
        for r in sev.reasons
    )
    return (
        f'<header><div class="sev" style="--lc:{_LEVEL_COLOURS.get(sev.level, "#6c757d")}">'
        f"{escape(sev.level)}</div><div><h1>{escape(brief.title or 'Untitled article')}</h1>"
        f'<div class="meta">{meta_html}<span><b>Score</b> {sev.score}/100 · <b>confidence</b> '
        f"{sev.confidence}/100 · decided by {escape(sev.decided_by)}</span></div></div></header>"
        f'<section class="reasons"><h2>Why this severity</h2>'
        f"{f'<ul>{reasons}</ul>' if reasons else '<p>No severity rule fired.</p>'}</section>"
    )


def _link(url: str, label: str) -> str:
    if url.lower().startswith(("https://", "http://")):
        return f'<a href="{escape(url)}" rel="noopener noreferrer" target="_blank">{escape(label)}</a>'
    return escape(label)


def _tactic_strip(brief: Brief) -> str:
    covered = {t.shortname: t for t in brief.tactics}
    known = {s for s, _ in _MATRIX}
    cells = list(_MATRIX) + [(t.shortname, t.name) for t in brief.tactics if t.shortname not in known]
    out = []
    for short, name in cells:
        tactic = covered.get(short)
        if tactic is None:
            out.append(f'<li title="{escape(name)}: not covered">{escape(name)}</li>')
        else:
            tip = escape(f"{tactic.id} {name}: covered, confidence {tactic.confidence:.2f}")
            out.append(
                f'<li class="on" data-tactic="{escape(short)}" title="{tip}" '
                f'style="--a:{0.35 + 0.65 * min(max(tactic.confidence, 0.0), 1.0):.2f}">{escape(name)}</li>'
            )
    return f'<nav class="tactics" aria-label="ATT&amp;CK tactics covered"><ol>{"".join(out)}</ol></nav>'


def _pieces(n: int, evidence: list[tuple[int, int]], iocs: list[tuple[int, int]]) -> list[_Piece]:
    atoms: list[list[int]] = []  # [start, end, ioc indices...]
    for k in sorted(range(len(iocs)), key=lambda k: iocs[k]):
        s, e = iocs[k]
        if atoms and s < atoms[-1][1]:
            atoms[-1][1] = max(atoms[-1][1], e)
            atoms[-1].append(k)
        else:
            atoms.append([s, e, k])
    starts = [a[0] for a in atoms]

    def snap(pos: int, to_end: bool) -> int:
        i = bisect.bisect_right(starts, pos) - 1
        if i >= 0 and atoms[i][0] < pos < atoms[i][1]:
            return atoms[i][1] if to_end else atoms[i][0]
        return pos

    spans = [(snap(s, False), snap(e, True)) for s, e in evidence]
    bounds = sorted({0, n, *(p for a in atoms for p in a[:2]), *(p for sp in spans for p in sp)})
    by_start = {a[0]: tuple(a[2:]) for a in atoms}
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    for i, (s, e) in enumerate(spans):
        if s < e:
            opens.setdefault(s, []).append(i)
            closes.setdefault(e, []).append(i)
    active: set[int] = set()
    pieces = []
    for b0, b1 in pairwise(bounds):
        active.difference_update(closes.get(b0, ()))
        active.update(opens.get(b0, ()))
        pieces.append(_Piece(b0, b1, tuple(sorted(active)), by_start.get(b0, ())))
    return pieces


def _article(brief: Brief, text: str, evidence: list[tuple[Technique, Evidence]]) -> str:
    head = '<section class="article"><h2>The article, with its evidence and indicators</h2>'
    if not text:
        return (
            f"{head}<p>This brief does not carry the article's text (a brief rebuilt from JSON): "
            "call <code>brief.to_html(text=article.text)</code> to see it highlighted.</p></section>"
        )
    rank = {t.id: r for r, t in enumerate(brief.techniques, 1)}
    tips = [
        f"{t.id} {t.name} · confidence {t.confidence:.2f} · rank {rank[t.id]} · {t.source}"
        for t, _ in evidence
    ]
    spans = [(e.start, e.end) for _, e in evidence]
    pieces = _pieces(len(text), spans, [(i.start, i.end) for i in brief.iocs])
    out = []
    for piece in pieces:
        inner = _ioc_mark(piece, text, brief.iocs) if piece.iocs else escape(text[piece.start : piece.end])
        if not piece.evidence:
            out.append(inner)
            continue
        ranks = sorted({rank[evidence[i][0].id] for i in piece.evidence})
        tip = escape("\n".join(dict.fromkeys(tips[i] for i in piece.evidence)))
        second = f";--c2:{_colour(ranks[1])}" if len(ranks) > 1 else ""
        out.append(
            f'<span class="ev{" multi" if second else ""}" data-ev="{" ".join(map(str, piece.evidence))}" '
            f'data-start="{piece.start}" data-end="{piece.end}" title="{tip}" tabindex="0" '
            f'style="--c:{_colour(ranks[0])}{second}">{inner}</span>'
        )
    legend = "Hover, focus or click a highlight for its technique, confidence and rank."
    return (
        f'{head}<p class="hint">{legend}</p><div class="details" aria-live="polite"></div>'
        f'<div class="text">{"".join(out)}</div></section>'
    )


def _ioc_mark(piece: _Piece, text: str, iocs: tuple[Ioc, ...]) -> str:
    written = text[piece.start : piece.end]
    live = any(not iocs[k].defanged and iocs[k].type in _DEFANG_TYPES for k in piece.iocs)
    shown = defang(written) if live else written
    tip = escape("\n".join(f"{iocs[k].type}: {_shown(iocs[k])}" for k in piece.iocs))
    buttons = "".join(_copy_button(iocs[k]) for k in piece.iocs)
    return (
        f'<mark class="ioc" data-ioc="{" ".join(map(str, piece.iocs))}" data-start="{piece.start}" '
        f'data-end="{piece.end}" title="{tip}">{escape(shown)}</mark>{buttons}'
    )


def _shown(ioc: Ioc) -> str:
    return defang(ioc.value) if ioc.type in _DEFANG_TYPES else ioc.value


def _copy_button(ioc: Ioc) -> str:
    label = escape(f"Copy the {ioc.type} {_shown(ioc)} (refanged)")
    return f'<button type="button" class="copy" data-copy="{escape(ioc.value)}" title="{label}" aria-label="{label}"></button>'


def _techniques(brief: Brief) -> str:
    if not brief.techniques:
        return '<section class="techniques"><h2>ATT&amp;CK techniques</h2><p>None found.</p></section>'
    rows = []
    for r, t in enumerate(brief.techniques, 1):
        name = _link(t.url, t.name) if t.url else escape(t.name)
        note = f'<div class="note">{escape(t.note)}</div>' if t.note else ""
        rows.append(
            f'<tr><td><span class="swatch" style="--c:{_colour(r)}"></span>{r}</td>'
            f"<td><code>{escape(t.id)}</code></td><td>{name}{note}</td>"
            f"<td>{escape(', '.join(t.tactics))}</td><td>{t.confidence:.2f}</td>"
            f"<td>{escape(t.source)}</td><td>{len(t.evidence)}</td></tr>"
        )
    return (
        '<section class="techniques"><h2>ATT&amp;CK techniques</h2><table><thead><tr><th>Rank</th><th>ID</th>'
        "<th>Technique</th><th>Tactics</th><th>Confidence</th><th>Source</th><th>Evidence</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _iocs(iocs: tuple[Ioc, ...]) -> str:
    head = '<section class="iocs"><h2>Indicators of compromise (high-fidelity)</h2>'
    if not iocs:
        return f"{head}<p>No high-fidelity IOCs found in the text.</p></section>"
    rows = "".join(
        f"<tr><td>{escape(i.type)}</td><td><code>{escape(_shown(i))}</code> {_copy_button(i)}</td>"
        f"<td>{'yes' if i.defanged else 'no'}</td></tr>"
        for i in iocs
    )
    return (
        f"{head}<table><thead><tr><th>Type</th><th>Indicator (defanged; the button copies the value)</th>"
        f"<th>Written defanged</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _phases(brief: Brief) -> str:
    head = '<section class="phases"><h2>Kill-chain phases</h2>'
    if not brief.phases:
        return f"{head}<p>No kill-chain phase identified.</p></section>"
    items = "".join(
        f"<li><b>{escape(p.name)}</b> <span>{escape(', '.join(p.techniques))}</span></li>"
        for p in sorted(brief.phases, key=lambda p: p.order)
    )
    return f'{head}<ol class="chain">{items}</ol></section>'


def _hunts(hunts: tuple[Hunt, ...], left_out: int) -> str:
    head = '<section class="hunts"><h2>Recommended hunts</h2>'
    more = f"<p>{left_out} more hunts were left out (low fit or past the limit).</p>" if left_out else ""
    if not hunts:
        return f"{head}<p>No hunt fits the article.</p>{more}</section>"
    items = []
    for h in hunts:
        src = h.source
        credit = " · ".join(escape(f"{k}: {src[k]}") for k in ("pack", "rule_id", "author") if src.get(k))
        queries = "".join(
            f"<details><summary>{label}</summary><pre>{escape(q)}</pre></details>"
            for label, q in (("Splunk SPL", h.spl), ("Defender KQL", h.kql), ("Sentinel KQL", h.kql_sentinel))
            if q
        )
        rank = f"#{h.rank} " if h.rank is not None else ""
        items.append(
            f'<li><b>{rank}{escape(h.title)}</b> <span class="meta">{escape(", ".join(h.techniques))} · '
            f'{escape(h.phase)} · level {escape(h.level or "?")}</span><div class="meta">{credit}</div>'
            f"{queries}</li>"
        )
    return f"{head}<ol>{''.join(items)}</ol>{more}</section>"


def _footer(brief: Brief) -> str:
    model = escape(str(brief.model.get("name", "?")))
    return (
        f"<footer>ttpmap · ATT&amp;CK v{escape(brief.attack_version)} · model {model} · "
        "ATT&amp;CK® is a registered trademark of The MITRE Corporation.</footer>"
    )


_PAGE_CSS = "body{margin:0;background:#f7f7f5;}"
_CSS = """
.ttpmap-brief{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;max-width:980px;
margin:0 auto;padding:18px 22px;background:#fff}
.ttpmap-brief h1{font-size:22px;margin:0 0 4px}.ttpmap-brief h2{font-size:17px;margin:22px 0 8px;
border-bottom:1px solid #e4e4e4;padding-bottom:3px}
.ttpmap-brief header{display:flex;gap:16px;align-items:center}
.ttpmap-brief .sev{background:var(--lc);color:#fff;font-weight:700;padding:10px 14px;border-radius:8px;
letter-spacing:.04em}
.ttpmap-brief .meta{color:#555;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 14px}
.ttpmap-brief .lvl{background:var(--lc);color:#fff;border-radius:4px;padding:0 5px;font-size:12px}
.ttpmap-brief .reasons ul{margin:0;padding-left:20px}
.ttpmap-brief .tactics ol{display:flex;gap:3px;list-style:none;margin:14px 0 0;padding:0}
.ttpmap-brief .tactics li{flex:1;font-size:10.5px;line-height:1.2;text-align:center;padding:6px 2px;
border-radius:4px;background:#eee;color:#888}
.ttpmap-brief .tactics li.on{background:rgba(200,60,40,var(--a));color:#fff;font-weight:600}
.ttpmap-brief .text{white-space:pre-wrap;overflow-wrap:anywhere;font-size:14px;background:#fcfcfb;
border:1px solid #e4e4e4;border-radius:6px;padding:12px 14px}
.ttpmap-brief .ev{background:var(--c);border-radius:2px;cursor:pointer}
.ttpmap-brief .ev.multi{box-shadow:inset 0 -3px 0 var(--c2)}
.ttpmap-brief .ev.sel{outline:2px solid #333}
.ttpmap-brief mark.ioc{background:#fff;color:#7a0010;border:1px dashed #7a0010;border-radius:3px;
padding:0 2px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
.ttpmap-brief button.copy{border:1px solid #bbb;background:#f4f4f4;border-radius:3px;cursor:pointer;
font-size:11px;padding:0 4px;margin-left:2px;vertical-align:baseline;line-height:1.3}
.ttpmap-brief button.copy::after{content:"copy"}
.ttpmap-brief button.copy.done::after{content:"copied"}
.ttpmap-brief button.copy.fail::after{content:"select it"}
.ttpmap-brief .hint{color:#666;font-size:13px;margin:0 0 6px}
.ttpmap-brief .details{white-space:pre-line;font-size:13px;min-height:1.5em;color:#333}
.ttpmap-brief table{border-collapse:collapse;width:100%;font-size:13.5px}
.ttpmap-brief th,.ttpmap-brief td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
.ttpmap-brief .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;background:var(--c);
margin-right:5px;vertical-align:-1px}
.ttpmap-brief .note{color:#666;font-size:12px}
.ttpmap-brief ol.chain{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0}
.ttpmap-brief ol.chain li{background:#eef3fb;border-radius:4px;padding:4px 8px;font-size:13px}
.ttpmap-brief pre{white-space:pre-wrap;background:#f4f4f4;padding:8px;border-radius:4px;font-size:12.5px}
.ttpmap-brief footer{margin-top:24px;color:#777;font-size:12px}
"""
_SCRIPT = """
(function(){
  document.querySelectorAll(".ttpmap-brief:not([data-ready])").forEach(function(root){
    root.setAttribute("data-ready", "1");
    var details = root.querySelector(".details");
    root.addEventListener("click", function(ev){
      var button = ev.target.closest("button.copy");
      if (button) { copy(button); return; }
      var span = ev.target.closest(".ev");
      if (span && details) {
        root.querySelectorAll(".ev.sel").forEach(function(s){ s.classList.remove("sel"); });
        span.classList.add("sel");
        details.textContent = span.getAttribute("title");
      }
    });
  });
  function copy(button){
    var value = button.getAttribute("data-copy");
    function done(ok){ button.classList.add(ok ? "done" : "fail"); }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(value).then(function(){ done(true); }, function(){ fallback(); });
    } else { fallback(); }
    function fallback(){
      var area = document.createElement("textarea");
      area.value = value; area.setAttribute("readonly", ""); area.style.position = "fixed";
      area.style.opacity = "0"; document.body.appendChild(area); area.select();
      var ok = false; try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area); done(ok);
    }
  }
})();
"""
