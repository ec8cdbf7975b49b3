"""`find_iocs`: candidates from a few linear passes over the refanged text, then validation in Python."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ttpmap._exceptions import InvalidParameterError
from ttpmap._results import IOC_TYPES, Evidence, Fidelity, Ioc
from ttpmap._sentences import split_sentences
from ttpmap.iocs import _patterns as pat
from ttpmap.iocs._benign import BenignLists, HostMatch
from ttpmap.iocs._crypto import eth_checksum_ok, is_btc_address, is_xmr_address
from ttpmap.iocs._refang import FangedText, fang

if TYPE_CHECKING:
    from ttpmap._article import Article

__all__ = ["IOC_TYPES", "find_iocs"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_HASH_TYPES = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}
_DATA_DIR = Path(__file__).resolve().parent / "data"
_SPECIAL_TLDS = frozenset({"onion", "i2p", "bit"})
# Two-letter country codes that are also common words or identifiers (user.id, this.is, file.in).
_WORD_CCTLDS = _words("am as at be by do id in is it me my no pm so to us")
# Generic TLDs that are seen as plain names in reports: a bare name on any other generic TLD
# (thread.run, user.name, multi-user.target) needs context, a defang, a scheme or a path.
_STRONG_GTLDS = _words(
    "com net org info biz edu gov mil int xyz top icu cyou sbs cfd buzz monster bond online site "
    "club shop store live tech cloud space fun website work rest bar lol quest best support digital "
    "today world life email ltd pro vip win bid loan racing review party trade science download "
    "stream men accountant cricket faith webcam kim asia mobi tel travel dev cam hair beauty skin "
    "makeup autos boats homes motorcycles yachts mom lat zip mov app services solutions network "
    "center company agency group click link top pw onion i2p bit"
)
_IP_REASONS = (
    ("is_loopback", "loopback address"),
    ("is_link_local", "link-local address"),
    ("is_multicast", "multicast address"),
    ("is_unspecified", "unspecified address"),
    ("is_reserved", "reserved address"),
    ("is_private", "private or documentation address"),
)
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_HOST_CHARS_RE = re.compile(r"[A-Za-z0-9.\-]+")
# Underscores occur in the host labels below the registered name (o_o.example.nl), never in it.
_SUB_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_URL_HOST_CHARS_RE = re.compile(r"[A-Za-z0-9._\-]+")
_TRAIL_URL = ".,;:!?*'\"-$"
_HEX_COLON = frozenset("0123456789abcdefABCDEF")
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_REPORT_EXTS = frozenset({"pdf", "json", "xml", "csv", "stix", "txt", "xlsx", "zip"})
_CITATION_TAIL_RE = re.compile(r"(?:\[\d{1,3}\])+$")
_PATH_SEGMENT_END_RE = re.compile(r"[\s,;:()\[\]]")
_CIDR_SUFFIX_RE = re.compile(r"/([0-9]{1,2})(?![0-9A-Za-z./])")
_DETECTION_PREFIX_RE = re.compile(r"([A-Za-z-]{2,24}):$")
_NEWLINE_RE = re.compile("\n")
_C2_CUE_RE = re.compile(
    r"(?i)\b(?:c2s?|c&c|cnc|command[- ]and[- ]control|beacon\w*|callbacks?|exfiltrat\w*|iocs?|indicators?)\b"
)
_MD_SEPARATOR_RE = re.compile(r"[ \t]{0,3}\|?[ \t]{0,3}:?-{3,}")
_SPELLED_DOT_RE = re.compile(r" (?:dot|DOT) ")
_SPELLED_DOMAIN_RE = re.compile(
    r"[A-Za-z0-9-]{1,63}+(?: (?:dot|DOT) [A-Za-z0-9-]{1,63}+){1,4}+(?![A-Za-z0-9])"
)
_EMAIL_LABEL_RE = re.compile(
    r"(?:\b(?i:e-?mail|mail|sender|reply-to)(?i: address(?:es)?)?(?: is| was)?[:\s]{1,3}"
    r"|\b(?i:from|contact|to|cc): ?)$"
)
_NAME_QUOTES = (('"', '"'), ("\u201c", "\u201d"), ("`", "`"), ("|", "|"))
# Words of a file name before its last word: capitalised or digits, so that a quoted sentence is no name.
_SPACED_WORDS_RE = re.compile(r"(?:[A-Z0-9_(][A-Za-z0-9_()+,!&#~-]{0,39} ){1,4}")
# A path segment or query value of a lookup-site URL that may name its subject.
_SUBJECT_PIECE_RE = re.compile(r"(?:%3[Aa])?([A-Za-z0-9._-]{3,253}+)")
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}
_LIST_LINE_JUNK = frozenset(" \t-*•·|,;:0123456789.)(#>[]\u00a0")


@lru_cache(maxsize=1)
def _tlds() -> frozenset[str]:
    text = (_DATA_DIR / "tlds.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@dataclass(slots=True)
class _Cand:
    type: str
    value: str
    start: int  # offsets in the refanged text
    end: int
    defanged: bool
    reason: str | None
    family: str = ""  # "name" or "ip": demoted when written plainly in a report that defangs that family


class _LineStarts:
    """Where the line holding an offset starts: a bounded search back, else bisection over the
    text's newlines (found once). An unbounded search back from every candidate is quadratic on one
    long line.
    """

    __slots__ = ("_newlines", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        self._newlines: list[int] | None = None

    def __call__(self, pos: int) -> int:
        k = self._text.rfind("\n", max(0, pos - 256), pos)
        if k >= 0 or pos <= 256:
            return k + 1
        if self._newlines is None:
            self._newlines = [m.start() for m in _NEWLINE_RE.finditer(self._text)]
        i = bisect_right(self._newlines, pos - 1) - 1
        return self._newlines[i] + 1 if i >= 0 else 0


class _Claims:
    """Non-overlapping spans, appended in order, that hide the candidates inside them."""

    __slots__ = ("ends", "lookup", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.lookup: list[bool] = []

    def add(self, start: int, end: int, lookup: bool = False) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.lookup.append(lookup)

    def find(self, start: int, end: int) -> int:
        """Index of the span that contains ``[start, end)``, or -1."""
        i = bisect_right(self.starts, start) - 1
        return i if i >= 0 and self.ends[i] >= end else -1


def find_iocs(
    text: str,
    article: Article | None = None,
    *,
    url: str | None = None,
    benign: BenignLists | None = None,
    types: Iterable[str] | None = None,
) -> list[Ioc]:
    """Find the indicators of compromise in `text`, high and low fidelity.

    Parameters
    ----------
    text : str
        The article text. Offsets in the results index into it.
    article : Article, optional
        The article the text comes from; its ``url`` marks the publisher's own domain as low fidelity.
    url : str, optional
        The publisher's URL when there is no `article` (takes precedence over ``article.url``).
    benign : BenignLists, optional
        Benign and shared-service lists; default `BenignLists.default()`.
    types : iterable of str, optional
        Only these IOC types (see `IOC_TYPES`); default all.

    Returns
    -------
    list of Ioc
        One `Ioc` per ``(type, value)``, sorted by offset: its first high-fidelity occurrence, or its
        first occurrence when none is high. ``value`` is refanged and normalised (domains, e-mail
        addresses, URL schemes and hosts, hashes and IPv6 addresses lowercased; CVE IDs uppercased);
        ``start``/``end`` delimit the text as written, defanged or not; ``reason`` says why an IOC is
        low fidelity. Only high-fidelity IOCs belong in a blocklist.

    Examples
    --------
    >>> [(i.type, i.value, i.fidelity) for i in find_iocs("C2 at evil[.]com; see readme.md")]
    [('domain', 'evil.com', 'high'), ('filename', 'readme.md', 'low')]
    """
    if not isinstance(text, str):
        hint = "; decode bytes first" if isinstance(text, (bytes, bytearray)) else ""
        raise InvalidParameterError(f"text must be a str, got {type(text).__name__}{hint}")
    wanted = _check_types(types)
    if url is None and article is not None:
        url = getattr(article, "url", None) or None
    if url is not None and not isinstance(url, str):
        raise InvalidParameterError(f"url must be a str or None, got {type(url).__name__}")
    if benign is not None and not isinstance(benign, BenignLists):
        raise InvalidParameterError(f"benign must be a BenignLists, got {type(benign).__name__}")
    run = _Run(text, benign or BenignLists.default(), _publisher_domain(url), wanted)
    return run.iocs()


def _check_types(types: Iterable[str] | None) -> frozenset[str]:
    if types is None:
        return frozenset(IOC_TYPES)
    if isinstance(types, str):
        types = [types]
    chosen = frozenset(types)
    unknown = sorted(chosen - set(IOC_TYPES))
    if unknown:
        raise InvalidParameterError(f"unknown IOC type(s) {unknown}; choose from {list(IOC_TYPES)}")
    return chosen


def _publisher_domain(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    labels = host.lower().rstrip(".").split(".")
    if labels[0] == "www":
        labels = labels[1:]
    if (
        len(labels) >= 3
        and len(labels[-1]) == 2
        and labels[-2] in {"co", "com", "net", "org", "gov", "ac", "edu", "or", "ne", "go"}
    ):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:]) if len(labels) >= 2 else None


def _trim_url(s: str) -> str:
    """Strip trailing punctuation and closing brackets that have no opening partner."""
    cut = s.find("](")
    if cut > 0:
        s = s[:cut]
    s = _CITATION_TAIL_RE.sub("", s)
    counts = {c: s.count(c) for c in "()[]{}<>"}
    while s:
        c = s[-1]
        if c in _TRAIL_URL:
            s = s[:-1]
        elif c in _PAIRS and counts[c] > counts[_PAIRS[c]]:
            counts[c] -= 1
            s = s[:-1]
        else:
            break
    return s


class _Run:
    """One call of `find_iocs`: the refanged text, the claims and the candidates found so far."""

    def __init__(self, text: str, lists: BenignLists, publisher: str | None, wanted: frozenset[str]) -> None:
        self.text = text
        self.lists = lists
        self.publisher = publisher
        self.wanted = wanted
        self.fanged: FangedText = fang(text)
        self.f = self.fanged.text
        self.tlds = _tlds()
        self.cands: list[_Cand] = []
        self.url_claims = _Claims()
        self.reg_claims = _Claims()
        self.dotted_claims = _Claims()
        self._ref_starts: list[int] | None = None
        self._ref_ends: list[int] = []
        self.line_start = _LineStarts(self.f)
        self._tables: list[tuple[int, int]] | None = None
        self.text_line_start = _LineStarts(text)

    # driver -----------------------------------------------------------------------------------
    def iocs(self) -> list[Ioc]:
        w = self.wanted
        self._urls()
        if "registry_key" in w:
            self._registry()
        self._dotted()
        if "email" in w:
            self._spelled_emails()
        if "ipv6" in w:
            self._ipv6()
        if w & {"md5", "sha1", "sha256", "sha512"}:
            self._hashes()
        if w & {"btc_address", "eth_address", "xmr_address"}:
            self._crypto()
        if "cve" in w:
            self._cves()
        return self._finish()

    def _finish(self) -> list[Ioc]:
        self._defang_convention()
        best: dict[tuple[str, str], _Cand] = {}
        for c in self.cands:
            if c.type not in self.wanted:
                continue
            key = (c.type, c.value)
            old = best.get(key)
            better = old is None or (old.reason is not None and c.reason is None)
            same_level = old is not None and (old.reason is None) == (c.reason is None)
            if better or (same_level and c.defanged and not old.defanged):  # type: ignore[union-attr]
                best[key] = c
        chosen = sorted(best.values(), key=lambda c: (c.start, c.end))
        if not chosen:
            return []
        out: list[Ioc] = []
        line_cache: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
        for c in chosen:
            start, end = self.fanged.to_original(c.start, c.end)
            sentence = self._sentence(start, line_cache)
            fidelity: Fidelity = "high" if c.reason is None else "low"
            out.append(Ioc(c.type, c.value, c.defanged, fidelity, start, end, c.reason, sentence))
        return out

    def _sentence(
        self, pos: int, cache: dict[int, tuple[list[int], list[tuple[int, int]]]]
    ) -> Evidence | None:
        """The sentence around `pos`. The splitter never crosses a line break, so only the line is split."""
        text = self.text
        lo = self.text_line_start(pos)
        entry = cache.get(lo)
        if entry is None:
            hi = text.find("\n", pos)
            hi = len(text) if hi < 0 else hi
            spans = [(s + lo, e + lo) for s, e in split_sentences(text[lo:hi])]
            entry = ([s for s, _ in spans], spans)
            cache[lo] = entry
        starts, spans = entry
        i = bisect_right(starts, pos) - 1
        if i >= 0 and spans[i][0] <= pos < spans[i][1]:
            s, e = spans[i]
            return Evidence(text[s:e], s, e)
        return None

    def _add(
        self,
        type_: str,
        value: str,
        start: int,
        end: int,
        defanged: bool,
        reason: str | None,
        family: str = "",
    ) -> None:
        self.cands.append(_Cand(type_, value, start, end, defanged, reason, family))

    def _defang_convention(self) -> None:
        """Demote plain network indicators in a report that defangs most of its own.

        Authors who defang their indicators write the sites they cite (vendors, impersonated brands,
        references) plainly; a family ("name": domains, URLs, e-mails; "ip") counts as defanged when
        at least three of its distinct values are, and at least half as many as are written plainly.
        A plain value that stands in a list, or next to words such as "C2" or "domain", is kept.
        """
        for family in ("name", "ip"):
            defanged = {
                (c.type, c.value)
                for c in self.cands
                if c.family == family and c.defanged and c.reason is None
            }
            plain = [c for c in self.cands if c.family == family and not c.defanged and c.reason is None]
            plain_values = {(c.type, c.value) for c in plain} - defanged
            if len(defanged) >= 3 and len(defanged) >= 0.5 * len(plain_values):
                for c in plain:
                    if (c.type, c.value) not in defanged and not self._ioc_context(c.start, c.end):
                        c.reason = "written plainly in a report that defangs its indicators"

    # helpers ----------------------------------------------------------------------------------
    def _line_before(self, pos: int, n: int) -> str:
        lo = max(0, pos - n)
        nl = self.f.rfind("\n", lo, pos)
        return self.f[(nl + 1 if nl >= 0 else lo) : pos]

    def _line_after(self, pos: int, n: int) -> str:
        hi = min(len(self.f), pos + n)
        nl = self.f.find("\n", pos, hi)
        return self.f[pos : nl if nl >= 0 else hi]

    def _ioc_context(self, start: int, end: int) -> bool:
        """True when the words around a span talk about network indicators, or it stands in a list."""
        before = self._line_before(start, 60)
        after = self._line_after(end, 40)
        if pat.CONTEXT_IOC_RE.search(before) or pat.CONTEXT_IOC_RE.search(after):
            return True
        return not (set(before) - _LIST_LINE_JUNK) and not (set(after.rstrip()) - _LIST_LINE_JUNK)

    def _cue_nearby(self, start: int, end: int) -> bool:
        """True when a C2 cue ("C2", "command and control", "beacons to") precedes a span on its line."""
        return bool(_C2_CUE_RE.search(self._line_before(start, 60)))

    def _host_verdict(
        self, host: str, defanged: bool, path: str = "", is_email: bool = False
    ) -> tuple[str | None, bool]:
        """Why a valid host name is low fidelity (None when high), and whether it names a specific
        object on a shared service (which no later rule demotes)."""
        tld = host.rsplit(".", 1)[-1]
        if tld not in self.tlds and tld not in _SPECIAL_TLDS:
            return f"unknown top-level domain .{tld}: check the value before blocking it", False
        if defanged:
            return None, False
        pub = self.publisher
        if pub and (host == pub or host.endswith("." + pub)):
            return f"publisher's own domain ({pub})", False
        labels = host.split(".")
        if any(pat.PLACEHOLDER_LABEL_RE.fullmatch(label) for label in labels[:-1]):
            return "placeholder, not a real host", False
        if path and pat.PLACEHOLDER_PATH_RE.search(path):
            return "placeholder, not a real URL", False
        m = self.lists.match_host(host)
        if m is not None:
            reason = _match_reason(m, path, is_email)
            if reason is not None or m.kind in ("service-object", "service-path"):
                return reason, reason is None and not is_email
        return None, False

    def _plain_reason(self, start: int, end: int) -> str | None:
        """Why a plainly written domain or URL is a citation rather than an indicator, or None."""
        before = self._line_before(start, 80)
        if pat.XMLNS_RE.search(before):
            return "XML namespace"
        if pat.ACCESSED_RE.match(self.f, end, min(len(self.f), end + 40)):
            return "citation"
        line_start = self.line_start(start)
        if pat.CITATION_LINE_RE.match(self.f, line_start, start + 1) or pat.CITATION_BEFORE_RE.search(before):
            return "citation"
        if pat.EXAMPLE_BEFORE_RE.search(before):
            return "given as an example"
        if self._in_references(start):
            return "cited in a references section"
        last = _last_match(pat.LEGIT_CONTEXT_RE, before[-60:])
        if last is not None and last.group("legit"):
            return f"described as {last.group('legit').lower()}"
        return None

    def _in_references(self, pos: int) -> bool:
        if self._ref_starts is None:
            refs = [(h.end(), 1) for h in pat.REFERENCE_HEADING_RE.finditer(self.f)]
            iocs = [(h.start(), 0) for h in pat.IOC_HEADING_RE.finditer(self.f)]
            starts: list[int] = []
            ends: list[int] = []
            for at, is_ref in sorted(refs + iocs):
                if is_ref and not (ends and ends[-1] == -1):
                    starts.append(at)
                    ends.append(-1)
                elif not is_ref and ends and ends[-1] == -1:
                    ends[-1] = at
            if ends and ends[-1] == -1:
                ends[-1] = len(self.f)
            self._ref_starts, self._ref_ends = starts, ends
        i = bisect_right(self._ref_starts, pos) - 1
        return i >= 0 and pos < self._ref_ends[i]

    def _valid_domain(self, host: str, defanged: bool) -> bool:
        labels = host.split(".")
        if len(host) > 253 or len(labels) < 2:
            return False
        tld = labels[-1]
        known = tld in self.tlds or tld in _SPECIAL_TLDS
        if not known and not (defanged and tld.isalpha() and 2 <= len(tld) <= 24):
            return False
        return all(_LABEL_RE.fullmatch(label) for label in labels[-2:]) and all(
            _SUB_LABEL_RE.fullmatch(label) for label in labels[:-2]
        )

    # URLs -------------------------------------------------------------------------------------
    def _urls(self) -> None:
        f = self.f
        find = f.find
        pos = 0
        while True:
            k = find("://", pos)
            if k < 0:
                break
            pos = k + 3
            sm = pat.SCHEME_RE.search(f, max(0, k - 6), k)
            if sm is None or (sm.start() > 0 and f[sm.start() - 1].isascii() and f[sm.start() - 1].isalnum()):
                continue
            body = pat.URL_BODY_RE.match(f, k + 3)
            if body is None:
                continue
            raw = _trim_url(f[sm.start() : body.end()])
            start, end = sm.start(), sm.start() + len(raw)
            if end <= k + 3:
                continue
            pos = max(pos, end)
            scheme, _sep, rest = raw.partition("://")
            cut = len(rest)
            for ch in "/?#":
                k = rest.find(ch)
                if k >= 0:
                    cut = min(cut, k)
            authority, tail = rest[:cut], rest[cut:]
            userinfo, at, hostport = authority.rpartition("@")
            host, port = _split_port(hostport)
            if not host:
                continue
            defanged = self.fanged.defanged(start, end)
            lookup = False
            specific = False
            family = "name"
            reason: str | None
            host_l = host.lower()
            if host_l.startswith("[") and host_l.endswith("]"):
                try:
                    ip6 = ipaddress.IPv6Address(host_l[1:-1])
                except ValueError:
                    continue
                reason = _ip_reason(ip6)
            elif _is_ipv4_literal(host_l):
                try:
                    ip4 = ipaddress.IPv4Address(host_l)
                except ValueError:
                    continue
                reason = _ip_reason(ip4)
            else:
                host_l = host_l.rstrip(".")
                if not _URL_HOST_CHARS_RE.fullmatch(host_l):
                    continue
                if self._valid_domain(host_l, defanged):
                    reason, specific = self._host_verdict(host_l, defanged, tail)
                    if reason is None and not specific and not defanged:
                        reason = self._plain_reason(start, end)
                        if reason is None and tail in ("", "/") and not self._ioc_context(start, end):
                            reason = "a link to a site's home page, not to an object on it"
                    hm = self.lists.match_host(host_l)
                    lookup = hm is not None and hm.kind == "benign" and hm.category == "lookup"
                elif "." not in host_l or host_l.endswith((".local", ".lan", ".internal", ".localdomain")):
                    reason = "host name without a public top-level domain"
                else:
                    continue
            if specific:
                family = ""
            value = f"{scheme.lower()}://{userinfo}{at}{host_l}{port}{tail}"
            self.url_claims.add(start, end, lookup)
            self._add("url", value, start, end, defanged, reason, family)
            if lookup:
                self._lookup_subjects(tail, end - len(tail))

    def _lookup_subjects(self, tail: str, offset: int) -> None:
        """The IP addresses and domains a lookup-site URL is about (``virustotal.com/gui/ip-address/
        185.220.101.47``, ``urlscan.io/domain/evil.com``, ``threatfox.abuse.ch/browse.php?search=
        ioc%3A...``). Hashes in such URLs are found by the hash pass."""
        for m in _SUBJECT_PIECE_RE.finditer(tail):
            piece = m.group(1).lower().rstrip(".")
            start = offset + m.start(1)
            end = start + len(piece)
            defanged = self.fanged.defanged(start, end)
            if _is_ipv4_literal(piece):
                try:
                    ip = ipaddress.IPv4Address(piece)
                except ValueError:
                    continue
                reason = _ip_reason(ip)
                if reason is None:
                    cat = self.lists.address_category(ip)
                    reason = None if cat is None else f"well-known {cat} address"
                self._add("ipv4", piece, start, end, defanged, reason)
            elif (
                "." in piece
                and piece.rsplit(".", 1)[-1] in self.tlds
                and piece.rsplit(".", 1)[-1] not in self.lists.extensions
                and self._valid_domain(piece, defanged)
            ):
                reason, _ = self._host_verdict(piece, defanged)
                self._add("domain", piece, start, end, defanged, reason)

    # Registry keys ----------------------------------------------------------------------------
    def _registry(self) -> None:
        f = self.f
        for m in pat.REG_ROOT_RE.finditer(f):
            if self.url_claims.find(m.start(), m.end()) >= 0:
                continue
            start = m.start()
            if m.group("angle"):  # <HKCU>\Software\...
                if not start or f[start - 1] != "<":
                    continue
                start -= 1
            root = f[m.start() : m.end()].rstrip(">").rstrip(":")
            pos = m.end()
            segments: list[str] = []
            while True:
                s = pat.REG_SEGMENT_RE.match(f, pos)
                if s is None:
                    break
                seg = s.group(1)
                if s.end() < len(f) and f[s.end()] == "\\" and _is_inner_segment(seg):
                    segments.append(seg)
                    pos = s.end()
                    continue
                last = _last_segment(seg)
                if last:
                    segments.append(last)
                    pos = s.start() + 1 + len(last)
                break
            if not segments or (m.group("bare") and len(segments) < 2):
                continue
            value = root + "\\" + "\\".join(segments)
            end = pos
            self.reg_claims.add(start, end)
            self._add("registry_key", value, start, end, self.fanged.defanged(start, end), None)

    # Dotted tokens: domains, IPv4, e-mail addresses, file names, scheme-less URLs -------------
    def _dotted(self) -> None:
        f = self.f
        for m in pat.DOTTED_RE.finditer(f):
            host = m.group("host")
            hs = m.start("host")
            he = m.end("host")
            if self.url_claims.find(hs, he) >= 0 or self.reg_claims.find(hs, he) >= 0:
                continue
            while host.endswith("-"):
                host = host[:-1]
                he -= 1
            if f.startswith("@", he):
                continue  # the local part of an e-mail address: handled with its host
            if hs and f[hs - 1] == "@":
                lm = pat.LOCAL_TAIL_RE.search(f, max(0, hs - 65), hs - 1)
                if lm is not None and self._email(lm.start(), lm.group(), host, hs, he):
                    continue
            self._host_token(m, host, hs, he)

    def _email(self, start: int, local: str, host: str, hs: int, he: int) -> bool:
        """Report an e-mail address; False when the token is not one (its host is then tried alone)."""
        lead = len(local) - len(local.lstrip("-."))
        if lead:  # "-----foo@bar.com": a rule of dashes before the address
            start += lead
            local = local[lead:]
        elif start and _is_token_char(self.f[start - 1]):
            return False
        if not pat.LOCAL_PART_RE.fullmatch(local):
            return False
        nxt = self.f[he : he + 1]
        if nxt == ":" and (local.lower() == "git" or self.f[he + 1 : he + 2] not in ("", " ", "\n", "\t")):
            return False  # git@host:org/repo remote
        host_l = host.lower()
        defanged = self.fanged.defanged(start, he)
        if _is_ipv4_literal(host_l) or not self._valid_domain(host_l, defanged):
            return False
        if host_l.rsplit(".", 1)[-1] in self.lists.extensions and not defanged:
            return False  # image001.png@01D5... content IDs and the like
        value = f"{local.lower()}@{host_l}"
        reason, _ = self._host_verdict(host_l, defanged, is_email=True)
        if reason is None and pat.PLACEHOLDER_LABEL_RE.fullmatch(local):
            reason = "placeholder, not a real address"
        self.dotted_claims.add(start, he)
        self._add("email", value, start, he, defanged, reason, "name")
        return True

    def _spelled_emails(self) -> None:
        """``E-mail: jdoe at evil-mail dot com``: addresses spelled out with " at " and " dot ", taken
        only right after a label that says an e-mail address follows."""
        f = self.f
        hits: list[int] = []
        for sep in (" at ", " AT "):
            k = f.find(sep)
            while k >= 0:
                hits.append(k)
                k = f.find(sep, k + 1)
        for k in sorted(hits):
            dm = _SPELLED_DOMAIN_RE.match(f, k + 4)
            lm = None if dm is None else pat.LOCAL_TAIL_RE.search(f, max(0, k - 64), k)
            if dm is None or lm is None or not pat.LOCAL_PART_RE.fullmatch(lm.group()):
                continue
            start, end = lm.start(), dm.end()
            if not _EMAIL_LABEL_RE.search(f, max(0, start - 40), start):
                continue
            host = _SPELLED_DOT_RE.sub(".", dm.group()).lower()
            if not self._valid_domain(host, False) or self.dotted_claims.find(start, end) >= 0:
                continue
            reason, _ = self._host_verdict(host, True, is_email=True)
            self.dotted_claims.add(start, end)
            self._add("email", f"{lm.group().lower()}@{host}", start, end, True, reason, "name")

    def _glued_tld(self, label: str) -> int:
        """Length of the real TLD at the start of a last label glued to the next table cell, or 0.

        ``evil[.]comQuasarRAT`` (a flattened table) -> 3. Only a case change marks the cell boundary:
        cutting a lowercase run would invent a domain (``update-svc[.]comm`` is not ``update-svc.com``).
        """
        low = label.lower()
        if low in self.tlds or low in _SPECIAL_TLDS or not label.isalnum():
            return 0
        for k in range(2, min(len(label), 25)):
            if label[k - 1].islower() and label[k].isupper() and low[:k] in self.tlds:
                return k
        return 0

    def _host_token(self, m: re.Match[str], host: str, hs: int, he: int) -> None:
        f = self.f
        labels = host.split(".")
        port = m.group("port")
        path = m.group("path") or ""
        if len(labels) == 4 and self.fanged.defanged(hs, he):
            glued = _unglue_ipv4(labels)  # flattened tables: "address47.75.0[.]147Q2", "1.2.3[.]42020-06"
            if glued is not None:
                lead, ip, tail = glued
                self._ipv4(ip, hs + lead, he - tail, "" if tail else path, None if tail else port)
                return
        if all(label.isdigit() for label in labels):
            if len(labels) == 4:
                self._ipv4(host, hs, he, path, port)
            return
        if labels[-1].isdigit() or not all(labels):
            return
        defanged = self.fanged.defanged(hs, he + (len(port) + 1 if port else 0))
        if defanged:
            lead = _glue_word_prefix(labels[0])  # "C2 domainEuDbSyncUp[.]com" in a flattened table
            if lead:
                hs += lead
                host = host[lead:]
                labels[0] = labels[0][lead:]
        cut = self._glued_tld(labels[-1])
        if cut:
            he -= len(labels[-1]) - cut
            host = host[: he - hs]
            labels[-1] = labels[-1][:cut]
            port, path = None, ""
        prev = f[hs - 1] if hs else ""
        prev2 = f[max(0, hs - 2) : hs]
        nxt = f[he] if he < len(f) else ""
        unc = prev2 in ("\\\\", "//")
        host_l = host.lower()
        tld = labels[-1].lower()
        is_ext = tld in self.lists.extensions
        if not defanged:
            if nxt == "!" or (prev == ":" and _detection_prefix(f, hs)):
                return  # W64/Agent.CA!tr, HEUR:Trojan.Script.Generic
            if self.lists.name_category(host) is not None:
                return  # Socket.IO, subprocess.run, Trojan.Win32.Agent
            if path.startswith("/Contents"):
                return  # a macOS bundle: "Logic Pro X.app/Contents/MacOS"
        if not unc and prev != "" and (prev in "\\/" or nxt == "\\") and not self.fanged.escaped(hs, he):
            if is_ext and not defanged:
                self._filename(host, hs, he, defanged)
            elif path:
                self._path_filename(path, he)
            return
        is_domain = self._valid_domain(host_l, defanged)
        if is_domain and is_ext and tld not in self.tlds and not self._cue_nearby(hs, he):
            is_domain = False  # report.exe[.]lnk: a file name, unless a C2 cue says it is a host
        if is_ext and not defanged:
            known = self.lists.match_host(host_l) is not None
            if not (is_domain and (path or port or unc or host_l.startswith("www.") or known)):
                self._filename(host, hs, he, defanged)
                return
        if not is_domain:
            if is_ext:
                self._filename(host, hs, he, defanged)
            elif path:
                self._path_filename(path, he)
            return
        if not defanged:
            if nxt == "(" or f.startswith(("::", "]::"), he):
                return  # a function call, a .NET type ([native.win]::ShowWindow)
            raw_tld = labels[-1]
            if raw_tld != raw_tld.lower() and host != host.upper():
                return  # Socket.IO, WScript.Shell, "malware.It" (a missing space)
        trimmed = _trim_url(path) if path else ""
        if len(trimmed) > 1:
            value = host_l + (":" + port if port else "") + trimmed
            end = he + (len(port) + 1 if port else 0) + len(trimmed)
            defanged = self.fanged.defanged(hs, end)
            reason, specific = self._host_verdict(host_l, defanged, trimmed)
            if reason is None and not specific and not defanged:
                reason = self._name_reason(host, hs, end, False)
            self.dotted_claims.add(hs, end)
            self._add("url", value, hs, end, defanged, reason, "" if specific else "name")
            return
        reason, specific = self._host_verdict(host_l, defanged)
        if reason is None and not specific and not defanged:
            reason = self._name_reason(host, hs, he, True)
        self._add("domain", host_l, hs, he, defanged, reason, "" if specific else "name")

    def _name_reason(self, host: str, start: int, end: int, bare: bool) -> str | None:
        """Why a plainly written host name is not an indicator, or None."""
        if host != host.lower() and not (host == host.upper() and self._cue_nearby(start, end)):
            return "written as a name (capitalised), not as an indicator"
        reason = self._plain_reason(start, end)
        if reason is not None or not bare:
            return reason
        tld = host.rsplit(".", 1)[-1]
        strong = tld in _STRONG_GTLDS or tld.startswith("xn--") or (len(tld) == 2 and tld not in _WORD_CCTLDS)
        if strong or host.startswith("www.") or self._ioc_context(start, end):
            return None
        return f"may be a name or code identifier, not a host (bare name on the word-like TLD .{tld})"

    def _path_filename(self, path: str, path_start: int) -> None:
        """The file name at the end of a path that follows a dotted directory (``/etc/cron.d/x.sh``)."""
        trimmed = _trim_url(path)
        k = trimmed.rfind("/")
        name = trimmed[k + 1 :]
        _stem, dot, ext = name.rpartition(".")
        if dot and ext.lower() in self.lists.extensions and _HOST_CHARS_RE.fullmatch(name.replace("_", "-")):
            start = path_start + k + 1
            self._filename(name, start, start + len(name), False)

    def _filename(self, name: str, start: int, end: int, defanged: bool) -> None:
        stem, _, ext = name.rpartition(".")
        if not stem or not any(ch.isalnum() for ch in stem):
            return
        if len(stem) in _HASH_TYPES and all(ch in "0123456789abcdefABCDEF" for ch in stem):
            return  # <sha256>.exe: the hash is the indicator
        if len(ext) == 1 and len(stem) < 2:
            return
        cat = self.lists.filename_category(name)
        reason = None if cat is None or defanged else f"well-known {cat} file"
        if (
            reason is None
            and ext.lower() in _REPORT_EXTS
            and pat.OWN_DOWNLOAD_RE.search(self._line_before(start, 100))
        ):
            reason = "the report's own download, not an indicator"
        spaced = self._spaced_name_start(start, end)
        if spaced < start:
            name = self.f[spaced:start] + name
            start = spaced
        self._add("filename", name, start, end, defanged, reason)

    def _spaced_name_start(self, start: int, end: int) -> int:
        """Where a quoted or table-cell file name with spaces begins (``"FILES ENCRYPTED.txt"``,
        ``| HOW TO DECRYPT.txt |``): up to four capitalised words back to the opening quote or pipe."""
        f = self.f
        if not start or f[start - 1] != " ":
            return start
        lo = max(0, start - 120)
        seg = f[lo:start]
        nl = seg.rfind("\n")
        if nl >= 0:
            lo, seg = lo + nl + 1, seg[nl + 1 :]
        for opener, closer in _NAME_QUOTES:
            k = seg.rfind(opener)
            if k < 0:
                continue
            words = seg[k + 1 :]
            lead = len(words) - len(words.lstrip(" ")) if opener == "|" else 0
            if not _SPACED_WORDS_RE.fullmatch(words[lead:]):
                continue
            after = f[end : end + 40]
            if (after.lstrip(" ") if opener == "|" else after).startswith(closer):
                return lo + k + 1 + lead
        return start

    def _ipv4(self, host: str, start: int, end: int, path: str, port: str | None) -> None:
        padded = None
        try:
            ip = ipaddress.IPv4Address(host)
        except ValueError:
            octets = host.split(".")
            if not all(len(o) <= 3 and int(o) <= 255 for o in octets):
                return
            padded = host  # 018.12.15.14: leading zeros, which some tools read as octal
            host = ".".join(str(int(o)) for o in octets)
            ip = ipaddress.IPv4Address(host)
        f = self.f
        prev = f[start - 1] if start else ""
        prev2 = f[max(0, start - 2) : start]
        if prev in "/\\" and prev != "" and prev2 not in ("\\\\", "//"):
            return  # Chrome/120.0.0.0, a path component
        defanged = self.fanged.defanged(start, end + (len(port) + 1 if port else 0))
        reason = _ip_reason(ip)
        if reason is None and padded is not None:
            reason = f"written with zero-padded octets ({padded}), which some tools read as octal"
        if reason is None:
            cat = self.lists.address_category(ip)
            reason = None if cat is None else f"well-known {cat} address"
        value = host
        if path:
            cidr = _CIDR_SUFFIX_RE.match(path)
            if cidr and int(cidr.group(1)) <= 32:
                value = f"{host}/{cidr.group(1)}"
                end += len(cidr.group(0))
            else:
                trimmed = _trim_url(path)
                if len(trimmed) > 1:
                    hostport = host + (":" + port if port else "")
                    end_url = start + len(hostport) + len(trimmed)
                    defanged = self.fanged.defanged(start, end_url)
                    self.dotted_claims.add(start, end_url)
                    self._add("url", hostport + trimmed, start, end_url, defanged, reason, "name")
                    return
        if reason is None and not defanged:
            before = self._line_before(start, 40)
            after = f[end : end + 8]
            if pat.VERSION_CONTEXT_RE.search(before) or re.match(
                r"-(?:alpha|beta|rc|dev|pre|release|snapshot)", after, re.I
            ):
                reason = "looks like a version number"
        self._add("ipv4", value, start, end, defanged, reason, "ip")

    # IPv6, hashes, crypto, CVE ----------------------------------------------------------------
    def _ipv6(self) -> None:
        f = self.f
        done = 0
        for a in pat.V6_ANCHOR_RE.finditer(f):
            k = a.start()
            if k < done:
                continue
            lo = k
            while lo > k - 5 and lo > 0 and f[lo - 1] in _HEX_COLON:
                lo -= 1
            m = pat.IPV6_RE.match(f, lo)
            if m is None:
                done = k + 1
                continue
            done = m.end()
            s = m.group()
            if s.count(":") < 2 or (s.count(":") < 7 and "::" not in s):
                continue
            start, end = m.span()
            if self._claimed(start, end):
                continue
            try:
                ip = ipaddress.IPv6Address(s)
            except ValueError:
                continue
            defanged = self.fanged.defanged(start, end)
            reason = _ip_reason(ip)
            if reason is None:
                cat = self.lists.address_category(ip)
                reason = None if cat is None else f"well-known {cat} address"
            self._add("ipv6", ip.compressed, start, end, defanged, reason, "ip")

    def _claimed(self, start: int, end: int, lookup_ok: bool = False) -> bool:
        i = self.url_claims.find(start, end)
        if i >= 0:
            return not (lookup_ok and self.url_claims.lookup[i])
        return self.reg_claims.find(start, end) >= 0 or self.dotted_claims.find(start, end) >= 0

    def _hashes(self) -> None:
        f = self.f
        for m in pat.HASH_RE.finditer(f):
            s = m.group()
            type_ = _HASH_TYPES.get(len(s))
            if type_ is None or type_ not in self.wanted:
                continue
            start, end = m.span()
            if s.isdigit() or self._claimed(start, end, lookup_ok=True):
                continue
            value = s.lower()
            reason = None
            if len(set(value)) <= 2:
                reason = "placeholder, not a hash"
            elif value in _EMPTY_FILE_HASHES:
                reason = "hash of an empty file, not an indicator"
            else:
                reason = self._hash_label_reason(start)
            self._add(type_, value, start, end, self.fanged.defanged(start, end), reason)

    def _hash_label_reason(self, start: int) -> str | None:
        """Why a hash is not a file hash, from its label: on its line, else its table column's header,
        else a short label line just above it (``imphash`` / ``authentihash``)."""
        before = self._line_before(start, 60)
        if any(ch.isalnum() for ch in before.rsplit("|", 1)[-1]):
            return _hash_context_reason(before)
        header = self._column_header(start)
        if header is not None:
            return _hash_context_reason(header) or _hash_context_reason(before)
        line_start = self.line_start(start)
        if line_start == 0 or any(ch.isalnum() for ch in before):
            return _hash_context_reason(before)
        above = self.f[self.line_start(line_start - 1) : line_start - 1]
        if len(above) > 60 or "|" in above or pat.HASH_RE.search(above):
            return None  # not a label line: a table row or another value
        return _hash_context_reason(above)

    def _column_header(self, pos: int) -> str | None:
        """The header cell above `pos` in a Markdown table, or None outside a table."""
        line_start = self.line_start(pos)
        if self.f[line_start : line_start + 4].lstrip(" \t")[:1] != "|":
            return None  # not a table row: the tables need not be found
        if self._tables is None:
            self._tables = [m.span() for m in pat.MD_TABLE_RE.finditer(self.f)]
        i = bisect_right(self._tables, (pos, len(self.f) + 1)) - 1
        if i < 0 or pos >= self._tables[i][1]:
            return None
        t_start, _ = self._tables[i]
        if pos - line_start > 2000:
            return None
        column = self.f.count("|", line_start, pos)
        header_end = self.f.find("\n", t_start, t_start + 2000)
        if header_end < 0 or not _MD_SEPARATOR_RE.match(self.f, header_end + 1):
            return None  # no separator row: the first row is data, not a header
        cells = self.f[t_start:header_end].split("|")
        return cells[column] if column < len(cells) else None

    def _crypto(self) -> None:
        for m in pat.CRYPTO_RE.finditer(self.f):
            start, end = m.span()
            if self._claimed(start, end, lookup_ok=True):
                continue
            s = m.group()
            kind = m.lastgroup
            reason: str | None = None
            if kind == "eth":
                body = s[2:]
                if len(set(body.lower())) <= 3:
                    continue  # 0x00...ff: a constant
                if body.lower() != body and body.upper() != body:
                    if not eth_checksum_ok(s):
                        continue
                else:
                    ctx = self._line_before(start, 120) + " " + self._line_after(end, 60)
                    if not pat.ETH_WALLET_CONTEXT_RE.search(ctx):
                        reason = "no EIP-55 checksum and nothing says it is a wallet address"
                self._add("eth_address", "0x" + body.lower(), start, end, False, reason)
            elif kind == "xmr":
                if is_xmr_address(s):
                    self._add("xmr_address", s, start, end, False, None)
            elif is_btc_address(s):
                self._add("btc_address", s.lower() if kind == "bech" else s, start, end, False, None)

    def _cves(self) -> None:
        for m in pat.CVE_RE.finditer(self.f):
            start, end = m.span()
            self._add("cve", f"CVE-{m.group(1)}-{m.group(2)}", start, end, False, None)


_GLUE_WORDS = ("domain", "address", "server", "host", "url", "ip", "c2", "ipv4", "hostname", "ioc")


def _glue_word_prefix(label: str) -> int:
    """Length of a table header glued before a CamelCase or numeric name ("domainEuDbSync"), or 0."""
    low = label.lower()
    for word in _GLUE_WORDS:
        if low.startswith(word) and len(label) > len(word) and label[: len(word)].islower():
            nxt = label[len(word)]
            if nxt.isupper() or nxt.isdigit():
                return len(word)
    return 0


def _unglue_ipv4(labels: list[str]) -> tuple[int, str, int] | None:
    """Recover a defanged IPv4 glued to its neighbours in a flattened table.

    Returns (characters to drop in front, address, characters to drop behind), or None when the
    labels are a plain address or no valid address can be recovered.
    """
    first, last = labels[0], labels[-1]
    if not (labels[1].isdigit() and labels[2].isdigit()):
        return None
    lead = 0
    if not first.isdigit():
        k = len(first)
        while k > 0 and first[k - 1].isdigit():
            k -= 1
        if k == 0 or len(first) - k > 3 or not first[:k].isalpha():
            return None
        lead, first = k, first[k:]
    tail = 0
    digits = 0
    while digits < len(last) and last[digits].isdigit():
        digits += 1
    if digits == 0:
        return None
    if digits <= 3 and digits < len(last):
        if not last[digits].isalpha():
            return None
        tail, last = len(last) - digits, last[:digits]
    elif digits > 3:
        for k in (3, 2, 1):  # "1042020-06": the address ends where a year begins
            if last[k : k + 2] in ("19", "20") and int(last[:k]) <= 255:
                tail, last = len(last) - k, last[:k]
                break
        else:
            return None
    if not lead and not tail:
        return None
    return lead, f"{first}.{labels[1]}.{labels[2]}.{last}", tail


def _is_token_char(ch: str) -> bool:
    return ch in _TOKEN_CHARS


def _split_port(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):
        k = hostport.find("]")
        if k < 0:
            return "", ""
        return hostport[: k + 1], hostport[k + 1 :]
    host, colon, port = hostport.rpartition(":")
    if colon and port.isdigit():
        return host, ":" + port
    return hostport, ""


def _is_ipv4_literal(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() for p in parts)


def _ip_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip.is_global and not ip.is_multicast and not ip.is_reserved:
        return None
    for attr, why in _IP_REASONS:
        if getattr(ip, attr):
            return why
    return "not a globally routable address"


def _match_reason(m: HostMatch, path: str, is_email: bool) -> str | None:
    if m.kind == "service-object":
        return None
    if m.kind == "benign":
        if is_email and m.category == "mail":
            return None
        return f"{m.category} site ({m.entry})"
    if m.kind == "service-path" and path and any(fnmatch.fnmatchcase(path, g) for g in m.path_globs):
        return None
    if is_email:
        return None
    if m.category:
        return f"{m.category} site ({m.entry})"
    return f"shared service ({m.entry}): only a specific object on it is an indicator"


def _is_inner_segment(seg: str) -> bool:
    """A key segment followed by a backslash: words with spaces are fine ('Windows NT'), prose is not."""
    if seg.startswith("<") and seg.endswith(">"):
        return True  # a placeholder: <USER SID>
    if seg != seg.strip() or ":" in seg:
        return False
    words = seg.split(" ")
    if any(_is_reg_root(w) for w in words):
        return False  # two keys side by side: "...\\ConsoleIME HKLM\\SOFTWARE"
    if len(words) == 1:
        return True
    if all(w[:1].isupper() or w[:1].isdigit() or w[:1] in "{_.$%" for w in words if w):
        return len(words) <= 5
    return len(words) <= 3 and all(w.isalnum() for w in words)  # "foo bar" in HKLM\SOFTWARE\foo bar\b


_REG_ROOTS = _words("HKLM HKCU HKCR HKU HKCC")
_CAP_WORD_RE = re.compile(r" ([A-Z0-9][A-Za-z0-9_-]{0,63})(?=$|[ .,;:)])")
# Capitalised words that follow a key in prose rather than belong to its last segment.
_AFTER_KEY_WORDS = _words(
    "A An And As At But By For From If In Is It Its Of On Or The Then These This Those To Was When "
    "Where Which While With Key Keys Value Values Registry Hive Subkey Subkeys Entry Entries"
)


def _is_reg_root(word: str) -> bool:
    up = word.upper().lstrip("<").rstrip(">:")
    return up in _REG_ROOTS or up.startswith("HKEY_")


def _last_segment(seg: str) -> str:
    """The last segment of a key: its first word, and up to four more capitalised words
    (``Image File Execution Options``, ``Shell Folders``) unless a word ends a sentence or begins prose."""
    if seg.startswith("<") and seg.endswith(">"):
        return seg  # a placeholder: <script-specific name>
    out = _PATH_SEGMENT_END_RE.split(seg, maxsplit=1)[0]
    pos = len(out)
    for _ in range(4):
        if out.endswith((".", ",")) or pos < len(out):
            break
        m = _CAP_WORD_RE.match(seg, pos)
        if m is None or m.group(1) in _AFTER_KEY_WORDS or _is_reg_root(m.group(1)):
            break
        if seg.startswith(":", m.end()):
            break  # "...\ImagePath Details: ...": a label follows the key
        out += m.group()
        pos = m.end()
    return out.rstrip(".'\"")


_NONFILE_HASH = {
    "commit": "git commit ID",
    "commits": "git commit ID",
    "committed": "git commit ID",
    "revision": "source revision ID",
    "rev": "source revision ID",
    "changeset": "source revision ID",
    "ja3": "TLS fingerprint, not a file hash",
    "ja3s": "TLS fingerprint, not a file hash",
    "ja4": "TLS fingerprint, not a file hash",
    "jarm": "TLS fingerprint, not a file hash",
    "imphash": "import hash, not a file hash",
    "authentihash": "Authenticode hash (authentihash), not a file hash",
    "import hash": "import hash, not a file hash",
    "thumbprint": "certificate thumbprint, not a file hash",
    "serial": "certificate serial number, not a file hash",
    "serial number": "certificate serial number, not a file hash",
    "txid": "blockchain transaction ID",
    "transaction": "blockchain transaction ID",
    "tx": "blockchain transaction ID",
    "uuid": "identifier, not a file hash",
    "guid": "identifier, not a file hash",
    "clsid": "identifier, not a file hash",
    "mutex": "identifier, not a file hash",
}
# MD5, SHA-1, SHA-256 and SHA-512 of zero bytes: seen in reports, never an indicator.
_EMPTY_FILE_HASHES = frozenset(
    {
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    }
)
_KEY_WORDS = _words("key keys iv nonce salt secret token password passwd seed")


def _last_match(regex: re.Pattern[str], text: str) -> re.Match[str] | None:
    last = None
    for last in regex.finditer(text):  # noqa: B007
        pass
    return last


def _hash_context_reason(before: str) -> str | None:
    last = _last_match(pat.HASH_CONTEXT_RE, before)
    if last is None:
        return None
    word = last.group(1).lower()
    if word in _KEY_WORDS:
        return "key material, not a file hash"
    return _NONFILE_HASH.get(word)


def _detection_prefix(f: str, hs: int) -> bool:
    """True for ``HEUR:Trojan...``-style detection names: an alphabetic word glued to a colon."""
    word = _DETECTION_PREFIX_RE.search(f[max(0, hs - 26) : hs])
    return bool(word) and word.group(1).lower() in {  # type: ignore[union-attr]
        "heur",
        "gen",
        "trojan",
        "backdoor",
        "uds",
        "hek",
        "pdm",
        "not-a-virus",
        "variant",
        "worm",
        "virus",
        "exploit",
        "hacktool",
        "ransom",
        "trojandownloader",
        "trojandropper",
        "behavior",
        "behaviour",
    }
