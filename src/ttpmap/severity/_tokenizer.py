"""The tokenizer of ``spacy.blank("en")`` in plain Python: same tokens, NORMs, offsets and spaces.

The rules (affix and URL patterns, the 1,347 special cases, the NORM exceptions) come from spaCy and
are read from ``data/tokenizer-en.json``; `export_spacy_english` makes that file from the installed
spaCy (``python -m ttpmap.severity._tokenizer --write``), and the tests compare both, token for token.
Nothing here imports spaCy, except that export.

The algorithm is spaCy 3.8's: the text is split at whitespace (one plain space after a word is that
word's trailing space, any other whitespace is a token); each chunk is looked up as a special case,
else prefixes and suffixes are cut off until none is left or what is left is a special case, and the
middle is a URL, a special case or split at infixes. A last pass finds special cases whose string
was split into several tokens (``:)`` after a word, ``a.m.)``) and puts them back.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import operator
import re
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["DATA_FILE", "Tokenizer", "Tokens", "export_spacy_english", "url_match"]

DATA_FILE = Path(__file__).with_name("data") / "tokenizer-en.json"
_CACHE_SIZE = 10_000
_LEADING_SPACE = re.compile(r"\s+")
_WORD_SPACE = re.compile(r"(\S+)( ?)(\s*)")
_END = ""

_Piece = tuple[str, str | None]
_Chunk = tuple[tuple[str, ...], tuple[str, ...], tuple[bool, ...]]


@dataclass(frozen=True, slots=True)
class Tokens:
    """A text's tokens: each token's text (ORTH), NORM, character offset and trailing space."""

    text: str
    orth: tuple[str, ...]
    norm: tuple[str, ...]
    idx: tuple[int, ...]
    space: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.orth)

    def _token_at(self, char: int) -> int:
        i = bisect.bisect_right(self.idx, char) - 1
        if i < 0 or char >= self.idx[i] + len(self.orth[i]) + self.space[i]:
            return -1
        return i

    def char_span(self, start_char: int, end_char: int) -> tuple[int, int] | None:
        """Token range covering the characters, as spaCy's Doc.char_span(..., alignment_mode="expand")
        (None where spaCy gives None; same start/end token indices where spaCy gives a span)."""
        start = self._token_at(start_char)
        if start < 0:
            return None
        end = self._token_at(end_char - 1)
        if end < 0:
            return None
        if start_char == self.idx[start] + len(self.orth[start]):
            start += 1
        if start > end + 1:
            raise IndexError(f"characters {start_char}:{end_char} are reversed; pass start_char <= end_char")
        return start, end + 1


class _Rules:
    """The English rules; each pattern is compiled on its first use (all of them take ~45 ms)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.specials: dict[str, tuple[_Piece, ...]] = {
            key: tuple((orth, norm) for orth, norm in pieces) for key, pieces in data["exceptions"].items()
        }
        self.norms: dict[str, str] = data["norm_exceptions"]
        self.trie: dict[str, Any] = {}
        for pattern in data["special_patterns"].values():
            node = self.trie
            for orth in pattern:
                node = node.setdefault(orth, {})
            node[_END] = True
        self.cache: dict[str, _Chunk] = {}
        self.old_cache: dict[str, _Chunk] = {}
        self._patterns: dict[str, re.Pattern[str] | None] = {}
        self._lock = threading.Lock()

    def _pattern(self, name: str) -> re.Pattern[str] | None:
        """The pattern `name` (a key of the data, or "suffix_unbounded"), compiled on first use."""
        try:
            return self._patterns[name]
        except KeyError:
            pass
        with self._lock:
            if name not in self._patterns:
                source = self.data["suffix" if name == "suffix_unbounded" else name]
                text = (
                    None
                    if source is None
                    else source["unbounded" if name == "suffix_unbounded" else "compact"]
                )
                self._patterns[name] = None if text is None else re.compile(text, source["flags"])
            return self._patterns[name]

    def find_prefix(self, text: str) -> int:
        pattern = self._pattern("prefix")
        match = None if pattern is None else pattern.search(text)
        return 0 if match is None else match.end() - match.start()

    def find_suffix(self, text: str) -> int:
        pattern = self._pattern("suffix")
        if pattern is None:
            return 0
        window = self.data["suffix"]["window"]
        start = 0 if window is None else len(text) - window - 1
        if start > 0:
            # Every suffix ends at the end (or before a final newline) and is at most `window`
            # long, except the unbounded ones (``\.\.+``): searching from `start` finds what
            # searching the whole text finds, unless an unbounded suffix starts before `start`.
            # Without this, a word of n brackets takes time in n squared times ~150 patterns.
            unbounded = self._pattern("suffix_unbounded")
            match = None if unbounded is None else unbounded.search(text)
            if match is None or match.start() >= start:
                match = pattern.search(text, start)
        else:
            match = pattern.search(text)
        return 0 if match is None else match.end() - match.start()

    def find_infixes(self, text: str) -> list[re.Match[str]]:
        pattern = self._pattern("infix")
        return [] if pattern is None else list(pattern.finditer(text))

    def token_match(self, text: str) -> bool:
        pattern = self._pattern("token_match")
        return pattern is not None and pattern.match(text) is not None

    def url_match(self, text: str) -> bool:
        pattern = self._pattern("url_match")
        return pattern is not None and pattern.match(text) is not None

    def norm(self, orth: str) -> str:
        return self.norms.get(orth, orth.lower())

    def chunk(self, chunk: str) -> _Chunk:
        """A whitespace-separated chunk's ORTHs, NORMs and spaces (all False), cached.

        The cache has two generations of up to `_CACHE_SIZE` chunks each: when the new one is full it
        becomes the old one, and chunks found in the old one move to the new one, so frequent chunks stay.
        """
        cached = self.cache.get(chunk)
        if cached is None:
            cached = self.old_cache.get(chunk)
            if cached is None:
                pieces = self.split(chunk, specials=True)
                cached = (
                    tuple(orth for orth, _ in pieces),
                    tuple(self.norm(orth) if norm is None else norm for orth, norm in pieces),
                    (False,) * len(pieces),
                )
            if len(self.cache) >= _CACHE_SIZE:
                self.old_cache, self.cache = self.cache, {}
            self.cache[chunk] = cached
        return cached

    def split(self, chunk: str, *, specials: bool) -> list[_Piece]:
        """spaCy's `_tokenize`: a special case, else affixes off and the middle split at infixes."""
        if specials and chunk in self.specials:
            return list(self.specials[chunk])
        middle, prefixes, suffixes = self._split_affixes(chunk, specials)
        out: list[_Piece] = [(prefix, None) for prefix in prefixes]
        if middle:
            if specials and middle in self.specials:
                out.extend(self.specials[middle])
            elif self.token_match(middle) or self.url_match(middle):
                out.append((middle, None))
            else:
                out.extend((piece, None) for piece in self._split_infixes(middle))
        out.extend((suffix, None) for suffix in reversed(suffixes))
        return out

    def _split_affixes(self, text: str, specials: bool) -> tuple[str, list[str], list[str]]:
        prefixes: list[str] = []
        suffixes: list[str] = []
        last_size = 0
        while text and len(text) != last_size:
            if self.token_match(text) or (specials and text in self.specials):
                break
            last_size = len(text)
            pre_len = self.find_prefix(text)
            if pre_len:
                prefix, minus_pre = text[:pre_len], text[pre_len:]
                if minus_pre and specials and minus_pre in self.specials:
                    prefixes.append(prefix)
                    text = minus_pre
                    break
            suf_len = self.find_suffix(text[pre_len:])
            if suf_len:
                suffix, minus_suf = text[-suf_len:], text[:-suf_len]
                if minus_suf and specials and minus_suf in self.specials:
                    suffixes.append(suffix)
                    text = minus_suf
                    break
            if pre_len and suf_len and pre_len + suf_len <= len(text):
                text = text[pre_len:-suf_len]
                prefixes.append(prefix)
                suffixes.append(suffix)
            elif pre_len:
                text = minus_pre
                prefixes.append(prefix)
            elif suf_len:
                text = minus_suf
                suffixes.append(suffix)
        return text, prefixes, suffixes

    def _split_infixes(self, text: str) -> list[str]:
        matches = self.find_infixes(text)
        if not matches:
            return [text]
        out = []
        start = 0
        for match in matches:
            infix_start, infix_end = match.span()
            if infix_start == 0:
                continue
            if infix_start != start:
                out.append(text[start:infix_start])
            if infix_start != infix_end:
                out.append(text[infix_start:infix_end])
            start = infix_end
        if text[start:]:
            out.append(text[start:])
        return out

    def special_matches(self, orth: Sequence[str]) -> list[tuple[int, int]]:
        """Token ranges that spell a special case's affix-split tokens, non-overlapping, longest first."""
        trie = self.trie
        found = []
        n = len(orth)
        for i in [i for i, first in enumerate(orth) if first in trie]:
            node = trie[orth[i]]
            j = i + 1
            while True:
                if _END in node:
                    found.append((i, j))
                if j == n:
                    break
                node = node.get(orth[j])
                if node is None:
                    break
                j += 1
        if not found:
            return []
        found.sort(key=lambda m: (m[0] - m[1], m[0]))
        seen: set[int] = set()
        kept = []
        for start, end in found:
            if start not in seen and end - 1 not in seen:
                kept.append((start, end))
            seen.update(range(start, end))
        kept.sort()
        return kept


_rules: _Rules | None = None
_rules_lock = threading.Lock()


def url_match(text: str) -> bool:
    """Whether `text` is a URL by spaCy's ``URL_MATCH``, the pattern the tokenizer keeps whole."""
    return _load_rules().url_match(text)


def _load_rules() -> _Rules:
    global _rules
    if _rules is None:
        with _rules_lock:
            if _rules is None:
                _rules = _Rules(json.loads(DATA_FILE.read_text(encoding="utf-8")))
    return _rules


class Tokenizer:
    """spaCy's English tokenizer rules (spacy.blank("en")), read from data/tokenizer-en.json.

    Instances are cheap and can be shared between threads: the rules are loaded once per process,
    on the first call, and chunks already tokenized are cached (10,000 recent ones and up to 10,000
    older ones; spaCy keeps the first 10,000).
    """

    def __call__(self, text: str) -> Tokens:
        rules = _load_rules()
        cached = rules.cache.get
        chunk = rules.chunk
        orth: list[str] = []
        norm: list[str] = []
        space: list[bool] = []
        pos = 0
        lead = _LEADING_SPACE.match(text)
        if lead is not None:
            hit = chunk(lead.group())
            orth, norm, space = list(hit[0]), list(hit[1]), list(hit[2])
            pos = lead.end()
        for word, single_space, white in _WORD_SPACE.findall(text, pos):
            hit = cached(word) or chunk(word)
            orth += hit[0]
            norm += hit[1]
            space += hit[2]
            if single_space:
                space[-1] = True
            if white:
                hit = cached(white) or chunk(white)
                orth += hit[0]
                norm += hit[1]
                space += hit[2]
        idx = list(itertools.accumulate(map(operator.add, map(len, orth), space), initial=0))
        idx.pop()
        if rules.trie:
            self._apply_special_cases(rules, text, orth, norm, idx, space)
        return Tokens(text, tuple(orth), tuple(norm), tuple(idx), tuple(space))

    @staticmethod
    def _apply_special_cases(
        rules: _Rules, text: str, orth: list[str], norm: list[str], idx: list[int], space: list[bool]
    ) -> None:
        for start, end in reversed(rules.special_matches(orth)):
            first = idx[start]
            pieces = rules.specials.get(text[first : idx[end - 1] + len(orth[end - 1])])
            if pieces is None:
                continue
            offsets = []
            at = first
            for piece, _ in pieces:
                offsets.append(at)
                at += len(piece)
            orth[start:end] = [piece for piece, _ in pieces]
            norm[start:end] = [rules.norm(piece) if n is None else n for piece, n in pieces]
            space[start:end] = [False] * (len(pieces) - 1) + [space[end - 1]]
            idx[start:end] = offsets

    def pipe(self, texts: Iterable[str]) -> list[Tokens]:
        """Tokenize each text, in order."""
        return [self(text) for text in texts]


def export_spacy_english() -> dict[str, Any]:
    """The rules of the installed spaCy's ``spacy.blank("en")`` tokenizer, as data/tokenizer-en.json holds them.

    For developers and tests only: this imports spaCy.
    """
    from importlib.metadata import distribution

    import spacy
    from spacy.lang.norm_exceptions import BASE_NORMS
    from spacy.symbols import NORM, ORTH
    from spacy.tokenizer import Tokenizer as SpacyTokenizer

    nlp = spacy.blank("en")
    tok: Any = nlp.tokenizer
    suffixes: Any = nlp.Defaults.suffixes
    dist = distribution("spacy")
    licence = next(
        f for f in dist.files or () if f.name.startswith("LICENSE") and "dist-info" in str(f.parent)
    )
    copyright_line = next(
        line.strip() for line in licence.read_text().splitlines() if line.startswith("Copyright")
    )

    def pattern(fn: Callable[..., Any] | None) -> dict[str, Any] | None:
        if fn is None:
            return None
        compiled = fn.__self__  # type: ignore[attr-defined]
        assert not compiled.flags & re.IGNORECASE, "character classes are rewritten without case folding"
        return {
            "pattern": compiled.pattern,
            "flags": int(compiled.flags),
            "compact": _compact_pattern(compiled.pattern, compiled.flags),
        }

    exceptions = {
        key: [[piece[ORTH], piece.get(NORM)] for piece in pieces] for key, pieces in sorted(tok.rules.items())
    }
    # The special-case matcher's patterns: each case whose string affixes or spaces split, tokenized
    # without special cases (spaCy keeps them in a PhraseMatcher that Python cannot read).
    plain = SpacyTokenizer(
        nlp.vocab,
        rules={},
        prefix_search=tok.prefix_search,
        suffix_search=tok.suffix_search,
        infix_finditer=tok.infix_finditer,
        token_match=tok.token_match,
        url_match=tok.url_match,
    )
    patterns = {
        key: [t.orth_ for t in plain(key)]
        for key in exceptions
        if not tok.faster_heuristics
        or tok.find_prefix(key)
        or tok.find_infix(key)
        or tok.find_suffix(key)
        or " " in key
    }
    suffix = pattern(tok.suffix_search)
    if suffix is not None:
        suffix.update(_suffix_window(suffixes, suffix["pattern"], suffix["flags"]))
    return {
        "source": (
            f"spaCy {dist.version} English tokenizer defaults (MIT License, {copyright_line}); "
            "written by ttpmap.severity._tokenizer.export_spacy_english"
        ),
        "prefix": pattern(tok.prefix_search),
        "suffix": suffix,
        "infix": pattern(tok.infix_finditer),
        "token_match": pattern(tok.token_match),
        "url_match": pattern(tok.url_match),
        "exceptions": exceptions,
        "special_patterns": {key: patterns[key] for key in exceptions if key in patterns},
        "norm_exceptions": dict(sorted(BASE_NORMS.items())),
    }


def _compact_pattern(pattern: str, flags: int) -> str:
    """`pattern` with each character class rewritten as merged ranges of the same characters.

    spaCy's classes list hundreds of escaped characters and wide ranges, which Python's ``re`` takes
    ~80 ms to compile; written as merged ranges of plain characters, or as the negation of the
    complement where that is smaller, the same patterns compile in about half that time.
    """
    every_char = _every_char()
    out = []
    last = 0
    for start, end in _class_spans(pattern):
        source = pattern[start:end]
        runs = [m.span() for m in re.finditer(f"{source}+", every_char, flags)]
        out += [pattern[last:start], _class_source([[lo, hi - 1] for lo, hi in runs]) if runs else source]
        last = end
    out.append(pattern[last:])
    return "".join(out)


def _suffix_window(pieces: Sequence[str], pattern: str, flags: int) -> dict[str, Any]:
    """How far from the end a suffix can start: ``window`` (None: anywhere) and the ``unbounded`` ones.

    Found from `pattern`'s parse tree (``re._parser``, a private module: developers only). Each
    alternative must end in ``$``; the window is the longest bounded one.
    """
    from re import _constants, _parser  # type: ignore[attr-defined]

    unknown: dict[str, Any] = {"window": None, "unbounded": None}
    kept = [piece for piece in pieces if piece.strip()]
    if "|".join(piece + "$" for piece in kept) != pattern:
        return unknown
    window = 0
    unbounded = []
    for piece in kept:
        parsed = _parser.parse(piece + "$", flags)
        if not parsed.data or parsed.data[-1] != (_constants.AT, _constants.AT_END):
            return unknown
        width = parsed.getwidth()[1]
        if width >= _constants.MAXREPEAT:
            unbounded.append(_compact_pattern(piece + "$", flags))
        else:
            window = max(window, width)
    return {"window": window, "unbounded": "|".join(unbounded) or None}


@functools.cache
def _every_char() -> str:
    return "".join(map(chr, range(sys.maxunicode + 1)))


def _class_spans(pattern: str) -> Iterable[tuple[int, int]]:
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
        elif pattern[i] == "[":
            j = i + 1
            j += pattern[j] == "^"
            j += pattern[j] == "]"
            while pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            yield i, j + 1
            i = j + 1
        else:
            i += 1


def _class_source(ranges: list[list[int]]) -> str:
    """A class of the code points in `ranges` (sorted, disjoint, not adjacent), or of its complement."""
    gaps = [
        [hi + 1, lo - 1]
        for (_, hi), (lo, _) in itertools.pairwise([[-1, -1], *ranges, [sys.maxunicode + 1] * 2])
    ]
    gaps = [gap for gap in gaps if gap[0] <= gap[1]]

    def cost(ranges: list[list[int]]) -> int:
        # re's compiler spends its time on BMP characters in ranges and on each item it parses.
        return sum(min(hi, 0xFFFF) - lo + 1 for lo, hi in ranges if lo <= 0xFFFF) + 40 * len(ranges)

    def items(ranges: list[list[int]]) -> str:
        return "".join(
            _class_char(lo) if lo == hi else _class_char(lo) + ("" if hi == lo + 1 else "-") + _class_char(hi)
            for lo, hi in ranges
        )

    return f"[^{items(gaps)}]" if gaps and cost(gaps) < cost(ranges) else f"[{items(ranges)}]"


def _class_char(point: int) -> str:
    char = chr(point)
    if char.isprintable() and not char.isspace() and char not in "\\]^-[" and not 0xD800 <= point <= 0xDFFF:
        return char
    return f"\\u{point:04X}" if point <= 0xFFFF else f"\\U{point:08X}"


def dump_rules(data: dict[str, Any]) -> str:
    """`data` as data/tokenizer-en.json holds it: compact JSON, one line."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Write or check data/tokenizer-en.json from spaCy.")
    parser.add_argument("--write", action="store_true", help=f"write {DATA_FILE}")
    args = parser.parse_args(argv)
    text = dump_rules(export_spacy_english())
    if args.write:
        DATA_FILE.parent.mkdir(exist_ok=True)
        DATA_FILE.write_text(text, encoding="utf-8")
        print(f"wrote {DATA_FILE} ({len(text.encode()):,} bytes)")
        return 0
    same = DATA_FILE.is_file() and DATA_FILE.read_text(encoding="utf-8") == text
    print(f"{DATA_FILE} is {'up to date' if same else 'stale: rerun with --write'}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
