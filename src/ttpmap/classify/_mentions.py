"""Explicit mentions of techniques: ATT&CK IDs (a regex) and technique names or aliases (phrases).

A report that writes ``T1059.001`` or "scheduled task" names a technique outright. Phrases are
looked up only where their first two tokens occur (`MentionIndex.phrase_starts`, in NumPy on the
vectorizer's token IDs), and checked there within the sentence.
Names in a sentence that gives advice ("should", "recommend", ...) do not count: advice names
techniques that the article does not say happened. IDs always count.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from operator import itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ttpmap._exceptions import UnknownTechniqueError
from ttpmap.classify._phrases import DENIAL_TOKENS, denies
from ttpmap.classify._vectorizer import tokenize

if TYPE_CHECKING:
    from ttpmap.attack import Catalog
    from ttpmap.classify._vectorizer import SentenceVectorizer

__all__ = ["MentionIndex", "build_mention_index", "load_aliases"]

_first = itemgetter(0)  # a sentence's start

# An ID that no letter, digit or "_" precedes; the look-behind follows the literal "T1", so that the
# search runs as a fast scan for it.
_ID = re.compile(r"T1(?<!\wT1)\d{3}(?:[./]\d{3})?\b")
# Technique names that are ordinary English, product names or too generic to count as a mention.
_GENERIC = frozenset(
    [
        "at",
        "cron",
        "dll",
        "tool",
        "malware",
        "services",
        "server",
        "domains",
        "botnet",
        "exploits",
        "vulnerabilities",
        "serverless",
        "launchd",
        "rootkit",
        "bootkit",
        "masquerading",
        "credentials",
        "software",
        "firmware",
        "hardware",
        "compression",
        "databases",
        "confluence",
        "sharepoint",
        "shell history",
        "component object model",
    ]
)
# A sentence with one of these words gives advice ("train staff to recognise phishing", "we recommend
# blocking PsExec"): a technique it names is not one the article says happened.
_ADVICE = frozenset(
    [
        "should",
        "recommend",
        "recommends",
        "recommended",
        "recommendation",
        "recommendations",
        "mitigate",
        "mitigation",
        "mitigations",
        "protect",
        "defend",
        "defenders",
        "awareness",
        "educate",
        "ensure",
        "consider",
    ]
)
_PLAIN_NOUN_TACTICS = frozenset({"reconnaissance", "resource-development"})
_START_TABLES: weakref.WeakKeyDictionary[SentenceVectorizer, dict[str, _StartTable]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class MentionIndex:
    """What counts as a mention of each class: IDs (with revoked and moved ones) and phrases.

    Phrases are tuples of `tokenize` tokens, looked up only where one could start (its first token,
    followed by its second).
    """

    ids: Mapping[str, int]
    phrases: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]

    def __getstate__(self) -> dict[str, Any]:
        # Only the fields: the caches below are derived from them, and pickling them would make the
        # bytes depend on which were used.
        return {"ids": dict(self.ids), "phrases": self.phrases}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(ids=state["ids"], phrases=state["phrases"])

    @cached_property
    def key(self) -> str:
        """A digest of the phrases, naming the tables of phrase starts built from them."""
        return hashlib.sha256(repr(self.phrases).encode()).hexdigest()[:16]

    @cached_property
    def starts(self) -> dict[tuple[str, str | None], int]:
        """``(first token, second token or None)`` -> length of the longest phrase that starts so."""
        return {head: max(len(p) for p, _ in phrases) for head, phrases in self.by_head.items()}

    @cached_property
    def by_head(self) -> dict[tuple[str, str | None], list[tuple[tuple[str, ...], tuple[int, ...]]]]:
        """``(first token, second token or None)`` -> the phrases that start so, with their classes."""
        out: dict[tuple[str, str | None], list[tuple[tuple[str, ...], tuple[int, ...]]]] = {}
        for phrase, classes in self.phrases:
            out.setdefault((phrase[0], phrase[1] if len(phrase) > 1 else None), []).append((phrase, classes))
        return out

    def phrase_starts(
        self, flat: Sequence[str], ids: np.ndarray | None = None, vectorizer: SentenceVectorizer | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions in `flat` where a phrase may start, and the longest such phrase's length.

        Given the `vectorizer` and its `token_ids` of `flat` (`ids`), the search runs on the IDs in
        NumPy, with the same result.
        """
        if ids is not None and vectorizer is not None:
            return _StartTable.of(vectorizer, self).find(flat, ids, self.starts)
        starts = self.starts
        firsts = {w for w, _ in starts}
        at, lengths = [], []
        for p, w in enumerate(flat):
            if w in firsts:
                nxt = flat[p + 1] if p + 1 < len(flat) else None
                n = max(starts.get((w, None), 0), starts.get((w, nxt), 0) if nxt is not None else 0)
                if n:
                    at.append(p)
                    lengths.append(n)
        return np.asarray(at, dtype=np.int64), np.asarray(lengths, dtype=np.int64)

    def find(
        self,
        text: str,
        sentences: Sequence[tuple[int, int]],
        flat: Sequence[str],
        ends: Sequence[int],
        starts: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """Return ``(by_id, by_name)``: class index -> indices of the sentences that mention it.

        `flat` holds the sentences' tokens (`split_tokens`), `ends` each sentence's end in `flat`;
        `starts`, if given, what `phrase_starts` returns for `flat`.
        """
        by_id: dict[int, list[int]] = {}
        for m in _ID.finditer(text):
            j = self.ids.get(m.group().replace("/", "."))
            if j is not None:
                hits = by_id.setdefault(j, [])
                k = max(bisect_right(sentences, m.start(), key=_first) - 1, 0)
                if not hits or hits[-1] != k:
                    hits.append(k)
        by_name: dict[int, list[int]] = {}
        at, _ = self.phrase_starts(flat) if starts is None else starts
        if not len(at):
            return by_id, by_name
        ends_list = ends if isinstance(ends, list) else [int(e) for e in ends]
        sent_of = np.searchsorted(np.asarray(ends_list, dtype=np.int64), at, side="right").tolist()
        advice = {
            k: not _ADVICE.isdisjoint(flat[ends_list[k - 1] + 1 if k else 0 : ends_list[k]])
            for k in dict.fromkeys(sent_of)
        }
        kept = []
        for p, k in zip(at.tolist(), sent_of, strict=True):
            # four tokens before the name: "didn't" is two ("didn", "t")
            before = flat[max(ends_list[k - 1] + 1 if k else 0, p - 4) : p]
            if not advice[k] and (DENIAL_TOKENS.isdisjoint(before) or not denies(before)):
                kept.append((p, k))
        if not kept:
            return by_id, by_name
        by_head = self.by_head
        n_flat = len(flat)
        for p, k in kept:
            end = min(ends_list[k], n_flat)
            w = flat[p]
            heads = [by_head.get((w, None), ())]
            if p + 1 < end:
                heads.append(by_head.get((w, flat[p + 1]), ()))
            for candidates in heads:
                for phrase, classes in candidates:
                    n = len(phrase)
                    if p + n > end or (n > 2 and tuple(flat[p + 2 : p + n]) != phrase[2:]):
                        continue
                    for j in classes:
                        hits = by_name.setdefault(j, [])
                        if k not in hits:
                            hits.append(k)
        for hits in by_name.values():
            hits.sort()
        return by_id, by_name


class _StartTable(NamedTuple):
    """Where phrases start, in a vectorizer's token IDs: one-token phrases, first bigrams, and the
    phrases with a word outside its vocabulary by string."""

    tokens: Mapping[str, int]
    single: np.ndarray
    first: np.ndarray
    keys: np.ndarray
    key_lengths: np.ndarray
    unknown_first: frozenset[str]
    unknown_second: dict[tuple[str, str], int]
    second_heads: np.ndarray  # by token ID + 2: the first token of a phrase in `unknown_second`

    @classmethod
    def of(cls, vec: SentenceVectorizer, index: MentionIndex) -> _StartTable:
        """The table of `index` over `vec`'s vocabulary, built once per pair (again if `vec` is refitted)."""
        per_vec = _START_TABLES.setdefault(vec, {})
        table = per_vec.get(index.key)
        if table is None or table.tokens is not vec.tokens_:
            table = per_vec[index.key] = cls.build(vec, index)
        return table

    @classmethod
    def build(cls, vec: SentenceVectorizer, index: MentionIndex) -> _StartTable:
        tokens, n_tok = vec.tokens_, vec.n_tokens_
        single = np.zeros(n_tok + 2, dtype=np.int64)
        pairs: dict[int, int] = {}
        unknown_first: set[str] = set()
        unknown_second: dict[tuple[str, str], int] = {}
        for (head, second), n in index.starts.items():
            a = tokens.get(head, -1)
            if a < 0:
                unknown_first.add(head)
            elif second is None:
                single[a] = max(single[a], n)
            elif (b := tokens.get(second, -1)) < 0:
                unknown_second[head, second] = max(unknown_second.get((head, second), 0), n)
            else:
                key = a * n_tok + b
                pairs[key] = max(pairs.get(key, 0), n)
        keys = np.array(sorted(pairs), dtype=np.int64)
        first = np.zeros(n_tok + 2, dtype=bool)
        first[keys // n_tok] = True
        second_heads = np.zeros(n_tok + 2, dtype=bool)
        second_heads[[tokens[head] for head, _ in unknown_second]] = True
        return cls(
            tokens,
            single,
            first,
            keys,
            np.array([pairs[k] for k in keys.tolist()], dtype=np.int64),
            frozenset(unknown_first),
            unknown_second,
            second_heads,
        )

    def find(
        self, flat: Sequence[str], ids: np.ndarray, starts: Mapping[tuple[str, str | None], int]
    ) -> tuple[np.ndarray, np.ndarray]:
        n_tok = len(self.single) - 2
        lengths = self.single[ids]  # IDs -1 and -2 index the two zero cells at the end
        a, b = ids[:-1], ids[1:]
        pair = np.flatnonzero(self.first[a] & (b >= 0))
        if len(self.keys) and len(pair):
            keys = a[pair] * n_tok + b[pair]
            pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            hit = self.keys[pos] == keys
            np.maximum.at(lengths, pair[hit], self.key_lengths[pos[hit]])
        if self.unknown_first:
            unknown = self.unknown_first
            for p in [p for p in np.flatnonzero(ids == -1).tolist() if flat[p] in unknown]:
                w = flat[p]
                nxt = flat[p + 1] if p + 1 < len(flat) else ""
                lengths[p] = max(lengths[p], starts.get((w, None), 0), starts.get((w, nxt), 0))
        if self.unknown_second:
            for p in np.flatnonzero(self.second_heads[a] & (b == -1)).tolist():
                lengths[p] = max(lengths[p], self.unknown_second.get((flat[p], flat[p + 1]), 0))
        at = np.flatnonzero(lengths)
        return at, lengths[at]


def load_aliases() -> list[tuple[str, str]]:
    """The shipped alias table (``classify/data/aliases.tsv``): ``(phrase, technique ID)`` pairs."""
    raw = resources.files("ttpmap.classify").joinpath("data/aliases.tsv").read_text(encoding="utf-8")
    out = []
    for line in raw.splitlines():
        if line.strip() and not line.startswith("#"):
            phrase, _, tid = line.partition("\t")
            out.append((phrase.strip(), tid.strip()))
    return out


def _is_distinctive(name: str) -> bool:
    if name.lower() in _GENERIC:
        return False
    return len(name.split()) > 1 or len(name) >= 6


def build_mention_index(
    classes: Sequence[str],
    catalog: Catalog,
    aliases: Iterable[tuple[str, str]] = (),
) -> MentionIndex:
    """Index the IDs (current, revoked and moved) and names of `classes`, plus `aliases`."""
    index = {c: j for j, c in enumerate(classes)}
    ids: dict[str, int] = dict(index)
    for t in catalog.techniques.values():
        if t.id in ids:
            continue
        try:
            target = catalog.resolve(t.id).id
        except UnknownTechniqueError:
            continue
        if target in index:
            ids[t.id] = index[target]
    by_name: dict[tuple[str, ...], set[int]] = {}
    for c in classes:
        info = catalog.techniques[c]
        name = info.name
        toks = tuple(tokenize(name))
        # Reconnaissance and resource-development sub-techniques are named by plain nouns ("IP
        # Addresses", "Domains", "Server") that reports use in every IOC section.
        if info.parent is not None and set(info.tactics) <= _PLAIN_NOUN_TACTICS:
            continue
        if toks and _is_distinctive(name):
            by_name.setdefault(toks, set()).add(index[c])
    # A name that several techniques share ("Local Account") names none of them, unless an alias
    # says which one it means; an alias phrase maps only where the alias table says.
    phrase_map = {p: js for p, js in by_name.items() if len(js) == 1}
    by_alias: dict[tuple[str, ...], set[int]] = {}
    for phrase, tid in aliases:
        try:
            target = catalog.resolve(tid).id
        except UnknownTechniqueError:
            continue
        toks = tuple(tokenize(phrase))
        if toks and target in index:
            by_alias.setdefault(toks, set()).add(index[target])
    phrase_map.update(by_alias)
    phrases = tuple((p, tuple(sorted(js))) for p, js in sorted(phrase_map.items()))
    return MentionIndex(ids=ids, phrases=phrases)
