"""IOCs of a structured article: escapes undone, tables cell by cell, images and links for what they are.

A thin layer over `find_iocs`: it runs on a view of the text (Markdown escapes removed, table cells
and code lines on lines of their own) and maps every offset back into the text the user gave.
"""

from __future__ import annotations

import dataclasses
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ttpmap._results import Evidence, Ioc
from ttpmap._structure import REFERENCE_HEADING, Structure
from ttpmap.iocs._extract import _publisher_domain, find_iocs

if TYPE_CHECKING:
    from ttpmap._article import Article
    from ttpmap.iocs._benign import BenignLists

__all__ = ["find_structured_iocs"]

_ESCAPE = re.compile(r"\\(?=[!-/:-@\[-`{-~])")
_EXPORT_ESCAPES = frozenset("_*#[]-")  # what HTML-to-Markdown exporters escape inside code too
_PIPE = re.compile(r"(?<!\\)\|")
_FENCE = re.compile(r"^[ \t]{0,3}(?:`{3,}|~{3,})[^\n]*", re.MULTILINE)
_HASHES = frozenset({"md5", "sha1", "sha256", "sha512"})
_IMAGE_REASON = "an image in the article (screenshot or figure), not an indicator"
_LINK_REASON = "the target of a link: a cited reference, not an indicator"
_OWN_REASON = "a link to the publisher's own site"
_SECTION_REASON = "listed under the article's references, not an indicator"
_CITED_REASON = "a cited reference (the sentence points the reader to it), not an indicator"
_CITING = re.compile(
    r"\b(?:see(?=:|\s+(?:also|the|our|this|their|https?:))|refer to|read (?:more|our|the)|learn more|more (?:information|details)|guidance"
    r"|documentation|advisory (?:at|here)|blog post|write-?up|(?:our|the) (?:earlier|previous|original) "
    r"(?:post|report|research|analysis|article|blog))\b",
    re.IGNORECASE,
)
_REFERENCE_TYPES = frozenset({"url", "domain"})


def find_structured_iocs(
    structure: Structure,
    article: Article | None = None,
    *,
    benign: BenignLists | None = None,
    types: Iterable[str] | None = None,
) -> list[Ioc]:
    """`find_iocs` over `structure.text`, reading its Markdown as such; offsets index `structure.text`."""
    text = structure.text
    url = getattr(article, "url", None)
    view, removed = _view(structure)
    iocs = find_iocs(view, article, url=url, benign=benign, types=types)
    publisher = _publisher_domain(url or _publisher_from_images(structure))
    shifts = [p - k for k, p in enumerate(removed)]
    out = []
    for ioc in iocs:
        start = _to_original(ioc.start, shifts)
        end = _to_original(ioc.end - 1, shifts) + 1 if ioc.end > ioc.start else start
        sentence = ioc.sentence
        if sentence is not None:
            s, e = _to_original(sentence.start, shifts), _to_original(sentence.end - 1, shifts) + 1
            sentence = Evidence(text[s:e], s, e)
        ioc = dataclasses.replace(ioc, start=start, end=end, sentence=sentence)
        reason = _structural_reason(structure, start, publisher, ioc.type) or _reference_reason(
            structure, ioc, sentence
        )
        if reason is not None and ioc.fidelity == "high":
            ioc = dataclasses.replace(ioc, fidelity="low", reason=reason)
        out.append(ioc)
    return out


def _structural_reason(structure: Structure, start: int, publisher: str | None, kind: str) -> str | None:
    """Why the IOC at `start` is not an indicator: it is in an image, or in a link's target.

    A hash in a link's target stays: it names the sample (a sandbox or VirusTotal report link).
    """
    if structure.image_at(start) is not None:
        return _IMAGE_REASON
    link = structure.link_at(start)
    if link is not None and link.target_start <= start < link.target_end and kind not in _HASHES:
        host = _domain(link.target)
        if (
            publisher is not None
            and host is not None
            and (host == publisher or host.endswith("." + publisher))
        ):
            return _OWN_REASON
        return _LINK_REASON
    return None


def _reference_reason(structure: Structure, ioc: Ioc, sentence: Evidence | None) -> str | None:
    """Why a URL or domain written plainly (not defanged) is a reference the article cites.

    It sits in a section headed References, Sources, Further reading, ...; or its sentence points
    the reader to it ("see", "our earlier guidance on ... at", "more information"). A defanged
    value is what its author marked as an indicator, so it always stays.
    """
    if ioc.defanged or ioc.type not in _REFERENCE_TYPES:
        return None
    heading = structure.heading_before(ioc.start)
    if heading is not None and REFERENCE_HEADING.search(structure.text, heading.start, heading.end):
        return _SECTION_REASON
    if sentence is not None and _CITING.search(structure.text, sentence.start, ioc.start):
        return _CITED_REASON
    return None


def _view(structure: Structure) -> tuple[str, list[int]]:
    """The text with Markdown escapes removed and table pipes and code fences blanked.

    In code only the escapes that exporters add (``\\_``, ``\\*``, …) go; ``\\\\`` stays there.

    Returns the view and the sorted original offsets of the removed characters.
    """
    text = structure.text
    pieces: list[str] = []
    at = 0
    code = []
    for b in structure.blocks:
        if b.kind == "table":
            pieces += [text[at : b.start], _PIPE.sub("\n", text[b.start : b.end])]
            at = b.end
        elif b.kind == "code":
            code.append((b.start, b.end))
            pieces += [text[at : b.start], _FENCE.sub(lambda m: " " * len(m.group()), text[b.start : b.end])]
            at = b.end
    pieces.append(text[at:])
    view = "".join(pieces)
    starts = [s for s, _ in code]
    removed = []
    if structure.format == "markdown":
        for m in _ESCAPE.finditer(text):
            k = bisect_right(starts, m.start()) - 1
            if k < 0 or m.start() >= code[k][1] or text[m.end()] in _EXPORT_ESCAPES:
                removed.append(m.start())
    if not removed:
        return view, removed
    bounds = [-1, *removed, len(view)]
    return "".join(view[bounds[k] + 1 : bounds[k + 1]] for k in range(len(bounds) - 1)), removed


def _to_original(pos: int, shifts: list[int]) -> int:
    return pos + bisect_right(shifts, pos)


def _domain(url: str) -> str | None:
    if not url.lower().startswith(("http://", "https://", "//")):
        return None
    return _publisher_domain(url)


def _publisher_from_images(structure: Structure) -> str | None:
    """The host that serves most of the article's images: the publisher's own site or its CDN."""
    hosts: Counter[str] = Counter()
    for i in structure.inlines:
        if i.kind == "image" and i.target.lower().startswith(("http://", "https://")):
            try:
                host = urlsplit(i.target).hostname
            except ValueError:
                continue
            if host:
                hosts[host] += 1
    if not hosts:
        return None
    host, n = hosts.most_common(1)[0]
    return f"https://{host}/" if n >= 2 else None
