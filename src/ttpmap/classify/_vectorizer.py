"""A fast TF-IDF featurizer of sentences: word uni- and bigrams over ASCII alphanumeric tokens.

scikit-learn's `TfidfVectorizer` builds every n-gram string in Python; this one maps tokens to
integer IDs once and looks bigrams up as ID pairs, then does the counting, sublinear TF, IDF and L2
normalisation in NumPy. It scores a 20 KB report in about a millisecond.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import count, pairwise
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = [
    "SEPARATOR",
    "Csr",
    "SentenceVectorizer",
    "SpanTokens",
    "split_span_tokens",
    "split_tokens",
    "tokenize",
]

#: Token that separates texts in `split_tokens` (articles never hold NUL: `check_texts` refuses them).
SEPARATOR = "\x00"
_JOIN = " \x00 "
# ASCII letters and digits stay, NUL stays (the separator), every other byte becomes a space.
_TABLE = bytes(c if c == 0 or (c < 128 and chr(c).isalnum()) else 32 for c in range(256))


def _fold(text: str) -> str:
    # `str.lower` on a text with any non-ASCII character is slow (Unicode case mapping); lower-casing
    # the ASCII bytes is not. Non-ASCII characters become spaces either way, except the only two whose
    # lower case holds an ASCII letter, which are lower-cased first.
    if not text.isascii():
        text = text.replace("\u0130", "i\u0307").replace("\u212a", "k")
    return text.encode("ascii", "replace").lower().translate(_TABLE).decode("ascii")


class Csr(NamedTuple):
    """A CSR matrix as plain arrays, so that scoring needs NumPy only."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def of(cls, m: Any) -> Csr:
        """The arrays of a `scipy.sparse` matrix (converted to CSR)."""
        m = m.tocsr()
        return cls(m.data, m.indices, m.indptr, (int(m.shape[0]), int(m.shape[1])))

    def to_scipy(self) -> sp.csr_matrix:
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


def tokenize(text: str) -> list[str]:
    """Lower-cased ASCII alphanumeric runs: ``'cmd.exe /c'`` -> ``['cmd', 'exe', 'c']``.

    Non-ASCII characters separate tokens (reports are English; their non-ASCII characters are
    mostly quotes, dashes and no-break spaces), which keeps tokenizing a byte-level operation.
    """
    return _fold(text.replace(SEPARATOR, " ")).split()


def split_tokens(texts: Sequence[str]) -> list[str]:
    """The `tokenize` tokens of all `texts` in one pass, each text followed by `SEPARATOR`."""
    return _fold(_JOIN.join(texts) + _JOIN).split()


def split_span_tokens(
    texts: Sequence[str],
    spans: Sequence[Sequence[tuple[int, int]]],
    folded: Sequence[str | None] | None = None,
) -> list[str]:
    """`split_tokens` of the pieces ``text[start:end]`` of each text, folding each text once (or
    taking its `_fold` from `folded`, None for a text with U+0130)."""
    return (_JOIN.join(_span_pieces(texts, spans, folded)) + _JOIN).split()


def _span_pieces(
    texts: Sequence[str],
    spans: Sequence[Sequence[tuple[int, int]]],
    folded: Sequence[str | None] | None = None,
) -> list[str]:
    """The folded pieces ``text[start:end]`` of `split_span_tokens`."""
    pieces: list[str] = []
    for n, (text, bounds) in enumerate(zip(texts, spans, strict=True)):
        if "\u0130" in text:  # its lower case is two characters: offsets would move
            pieces.extend(_fold(text[s:e]) for s, e in bounds)
        else:
            whole = folded[n] if folded is not None else None
            whole = _fold(text) if whole is None else whole
            pieces += [whole[s:e] for s, e in bounds]
    return pieces


class SpanTokens(NamedTuple):
    """The tokens of `split_span_tokens`, as offsets into the text that they were split from, and
    their `SentenceVectorizer.token_ids`: the strings are made only where they are read."""

    joined: str
    starts: np.ndarray
    ends: np.ndarray
    ids: np.ndarray

    def strings(self, at: np.ndarray) -> list[str]:
        """The tokens at positions `at`."""
        return list(
            map(self.joined.__getitem__, map(slice, self.starts[at].tolist(), self.ends[at].tolist()))
        )

    def partial(self, at: np.ndarray) -> list[str]:
        """A list of all the tokens' places that holds the tokens at positions `at` ("" elsewhere)."""
        flat = [""] * len(self.ids)
        self.fill(flat, at)
        return flat

    def fill(self, flat: list[str], at: np.ndarray) -> None:
        """Put the tokens at positions `at` (sorted, distinct) into `flat`: each run of neighbouring
        positions split from the text at once (only spaces stand between its tokens)."""
        if not len(at):
            return
        cut = np.flatnonzero(np.diff(at) != 1) + 1
        first, last = at[np.r_[0, cut]], at[np.r_[cut - 1, len(at) - 1]]
        text = self.joined
        for a, b, start, end in zip(
            first.tolist(),
            (last + 1).tolist(),
            self.starts[first].tolist(),
            self.ends[last].tolist(),
            strict=True,
        ):
            flat[a:b] = text[start:end].split()


#: Tokens of at most this many bytes are looked up by their bytes in NumPy (`_Packed`).
_PACKED = 16
_MASKS = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def _packed(raw: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bytes ``raw[s:s + n]`` of each start s and length n (its first 16 bytes if longer) as two
    little-endian uint64, zero past n; `raw` holds at least 15 bytes after each start."""
    at = np.ndarray((len(raw) - 7,), dtype="<u8", buffer=raw, strides=(1,))  # the 8 bytes from each
    lo = at[starts]
    lo &= _MASKS[np.minimum(lens, 8)]
    hi = at[starts + 8]
    hi &= _MASKS[np.clip(lens - 8, 0, 8)]
    return lo, hi


def _packed_key(lo: np.ndarray, hi: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """A non-negative int64 hash of packed bytes and their length."""
    key = lo * _MIX[0]
    key ^= hi * _MIX[1]
    key ^= lens.astype(np.uint64)
    key >>= np.uint64(1)
    return key.view(np.int64)


class _Packed:
    """The ASCII words of at most `_PACKED` bytes of a vocabulary (`tokens_`), packed by `_packed`
    and found by hash in an `_IntMap`; a hit is then compared byte for byte."""

    def __init__(self, tokens: dict[str, int]) -> None:
        self.source = tokens
        words = [
            (w.encode("ascii"), i) for w, i in tokens.items() if i >= 0 and w.isascii() and len(w) <= _PACKED
        ]
        raw = np.frombuffer(b" ".join(w for w, _ in words) + b" " * _PACKED, dtype=np.uint8)
        self.lens = np.array([len(w) for w, _ in words], dtype=np.int64)
        starts = np.cumsum(self.lens + 1) - (self.lens + 1)
        self.lo, self.hi = _packed(raw, starts, self.lens)
        keys = _packed_key(self.lo, self.hi, self.lens)
        self.ids = np.array([i for _, i in words], dtype=np.int64)
        self.usable = len(words) > 0 and len(np.unique(keys)) == len(keys)
        self.map = _IntMap(keys, np.arange(len(words), dtype=np.int64)) if self.usable else None

    def find(self, raw: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """The ID of the token of each start and length in `raw`, -1 if none or if it is longer
        than `_PACKED` (no word of the map has its length)."""
        assert self.map is not None
        lo, hi = _packed(raw, starts, lens)
        at = self.map.get(_packed_key(lo, hi, lens))
        word = np.maximum(at, 0)
        hit = (at >= 0) & (self.lo[word] == lo) & (self.hi[word] == hi) & (self.lens[word] == lens)
        return np.where(hit, self.ids[word], -1)


class _Lookup(dict[str, int]):
    """`tokens_` answering -1 for a missing token: a lookup without a default argument is faster."""

    def __init__(self, source: dict[str, int]) -> None:
        super().__init__(source)
        self.source = source

    def __missing__(self, key: str) -> int:
        return -1


def _small_int(*arrays: np.ndarray) -> type[np.signedinteger[Any]]:
    """int32 if every value of `arrays` fits in it (which makes passes over them cheaper), else int64."""
    fits = all(not len(x) or (int(x.min()) >= -(2**31) and int(x.max()) < 2**31) for x in arrays)
    return np.int32 if fits else np.int64


class _IntMap:
    """A hash map from distinct non-negative int64 keys to values, built and looked up in NumPy.

    Open addressing with linear probing in a table at most a quarter full: most lookups end at the
    first slot, and the others take a few more vectorized rounds.
    """

    def __init__(self, keys: np.ndarray, values: np.ndarray) -> None:
        bits = max(4, (4 * len(keys)).bit_length())
        self.shift = 64 - bits
        self.mask = (1 << bits) - 1
        dtype = _small_int(keys, values)
        self.keys = np.full(1 << bits, -1, dtype=dtype)
        self.values = np.full(1 << bits, -1, dtype=dtype)
        slot = self._slot(keys)
        todo = np.arange(len(keys))
        while len(todo):
            free = todo[self.keys[slot[todo]] == -1]
            taken, first = np.unique(slot[free], return_index=True)  # one key per free slot
            self.keys[taken] = keys[free[first]]
            self.values[taken] = values[free[first]]
            todo = np.setdiff1d(todo, free[first], assume_unique=True)
            slot[todo] = (slot[todo] + 1) & self.mask

    def _slot(self, keys: np.ndarray) -> np.ndarray:
        # Fibonacci hashing: the top bits of the key times 2**64 / golden ratio (wrapping around).
        slot = keys * _GOLDEN
        slot >>= self.shift
        slot &= self.mask
        return slot

    def get(self, keys: np.ndarray) -> np.ndarray:
        """The value of each int64 key, -1 for a key that is not in the map."""
        slot = self._slot(keys)
        found = self.keys[slot]
        out: np.ndarray = self.values[slot]
        todo = np.flatnonzero((found != keys) & (found >= 0))
        while len(todo):
            slot_todo = slot[todo]
            slot_todo += 1
            slot_todo &= self.mask
            slot[todo] = slot_todo
            found = self.keys[slot_todo]
            hit = found == keys[todo]
            out[todo] = np.where(hit, self.values[slot_todo], -1)
            todo = todo[~hit & (found >= 0)]
        return out


_GOLDEN = np.int64(0x9E3779B97F4A7C15 - (1 << 64))
#: Inputs of at least this many tokens (a few reports) look bigrams up in a hash table.
_HASH_MIN_TOKENS = 20_000


class _Columns:
    """A fitted vectorizer's columns by token ID plus 2, so that -2 (separator) and -1 index too.

    `unigram` maps ``id + 2`` to a column, -1 for none. `bigrams` gives the column of each pair of
    neighbouring IDs: by binary search in the sorted `bigram_keys_`, or, once an input of
    `_HASH_MIN_TOKENS` tokens comes, through an `_IntMap` built then (about 30 ms for 85,000
    bigrams), which is faster for large batches. Built from the fitted state, which it does not change.
    """

    def __init__(self, vec: SentenceVectorizer) -> None:
        unigram = np.concatenate([[-1, -1], vec.unigram_col_])
        self.unigram = unigram.astype(_small_int(unigram))
        self.sources = (vec.unigram_col_, vec.bigram_keys_, vec.bigram_cols_)
        self.n_tokens = vec.n_tokens_
        self._map: _IntMap | None = None

    def built_from(self, vec: SentenceVectorizer) -> bool:
        current = (vec.unigram_col_, vec.bigram_keys_, vec.bigram_cols_)
        return all(x is y for x, y in zip(self.sources, current, strict=True))

    def bigrams(self, ids: np.ndarray) -> np.ndarray:
        """The column of the bigram ``(ids[i], ids[i + 1])`` for each ``i``, -1 for none."""
        _, keys, cols = self.sources
        a, b = ids[:-1], ids[1:]
        width = self.n_tokens + 2
        if self._map is None and len(ids) >= _HASH_MIN_TOKENS:
            ka, kb = np.divmod(keys, max(self.n_tokens, 1))
            self._map = _IntMap((ka + 2) * width + kb + 2, cols)
        if self._map is not None:
            return self._map.get((a + 2) * width + b + 2)
        out = np.full(len(a), -1, dtype=np.int64)
        pair = np.flatnonzero((a >= 0) & (b >= 0))
        if len(keys) and len(pair):
            needles = a[pair] * self.n_tokens + b[pair]
            pos = np.minimum(np.searchsorted(keys, needles), len(keys) - 1)
            hit = keys[pos] == needles
            out[pair[hit]] = cols[pos[hit]]
        return out


_CACHES = frozenset({"_lookup", "_column_cache", "_packed_cache"})


class SentenceVectorizer:
    """Unigrams and bigrams with a document-frequency floor, sublinear TF, smooth IDF, L2 rows.

    Tokens map to integer IDs (`tokens_`); `unigram_col_` gives each token's column (-1 if it is no
    feature); a bigram of token IDs ``(a, b)`` has key ``a * len(tokens_) + b`` in the sorted
    `bigram_keys_`, and its column at the same position of `bigram_cols_`.
    """

    def __init__(self, *, min_df: int = 2) -> None:
        self.min_df = min_df

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Learn the vocabulary and IDF from `texts`; return their matrix."""
        tokens = [t.replace(SEPARATOR, " ") for t in texts]
        flat = split_tokens(tokens)
        per_text: list[list[str]] = []
        cur: list[str] = []
        for w in flat:
            if w == SEPARATOR:
                per_text.append(cur)
                cur = []
            else:
                cur.append(w)
        df = Counter(w for toks in per_text for w in set(toks))
        words = sorted(w for w, n in df.items() if n >= self.min_df)
        self.tokens_ = {w: i for i, w in enumerate(words)}
        self.tokens_[SEPARATOR] = -2
        self.unigram_col_ = np.arange(len(words), dtype=np.int64)
        ids = [self._ids(toks) for toks in per_text]
        bdf = Counter(p for seq in ids for p in set(pairwise(seq)) if p[0] >= 0 and p[1] >= 0)
        pairs = sorted(p for p, n in bdf.items() if n >= self.min_df)
        offset = len(words)
        n_tok = len(words)
        self.n_tokens_ = n_tok
        self.bigram_keys_ = np.array([a * n_tok + b for a, b in pairs], dtype=np.int64)
        self.bigram_cols_ = np.arange(offset, offset + len(pairs), dtype=np.int64)
        n_docs = len(texts)
        doc_freq = np.array([df[w] for w in words] + [bdf[p] for p in pairs], dtype=np.float64)
        self.idf_ = (np.log((1 + n_docs) / (1 + doc_freq)) + 1.0).astype(np.float32)
        return self.transform_flat(flat, len(texts))[0].to_scipy()

    @classmethod
    def from_state(
        cls,
        *,
        min_df: int,
        words: Sequence[str],
        unigram_col: np.ndarray,
        bigram_keys: np.ndarray,
        bigram_cols: np.ndarray,
        idf: np.ndarray,
    ) -> SentenceVectorizer:
        """A fitted vectorizer from its state (`words` in token-ID order), as `words` returns it."""
        vec = cls(min_df=min_df)
        vec.tokens_ = {w: i for i, w in enumerate(words)}
        vec.tokens_[SEPARATOR] = -2
        vec.n_tokens_ = len(words)
        vec.unigram_col_ = unigram_col
        vec.bigram_keys_ = bigram_keys
        vec.bigram_cols_ = bigram_cols
        vec.idf_ = idf
        return vec

    @property
    def words(self) -> list[str]:
        """The vocabulary in token-ID order."""
        tokens = self.tokens_
        listed = [w for w in tokens if w != SEPARATOR]  # `fit` and `from_state` insert them in ID order
        if len(listed) == self.n_tokens_ and all(map(int.__eq__, map(tokens.__getitem__, listed), count())):
            return listed
        words = sorted((i, w) for w, i in self.tokens_.items() if i >= 0)
        if [i for i, _ in words] != list(range(self.n_tokens_)):
            raise ValueError("token IDs are not 0..n-1; refit the vectorizer")
        return [w for _, w in words]

    @property
    def n_features(self) -> int:
        return len(self.idf_)

    def _ids(self, toks: list[str]) -> list[int]:
        get = self.tokens_.get
        return [get(w, -1) for w in toks]

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The TF-IDF matrix of `texts`, one row each."""
        flat = split_tokens([t.replace(SEPARATOR, " ") for t in texts])
        return self.transform_flat(flat, len(texts))[0].to_scipy()

    def permute(self, perm: np.ndarray) -> None:
        """Renumber the columns: old column ``c`` becomes ``perm[c]``."""
        self.unigram_col_ = np.where(self.unigram_col_ >= 0, perm[np.maximum(self.unigram_col_, 0)], -1)
        self.bigram_cols_ = perm[self.bigram_cols_]
        idf = np.empty_like(self.idf_)
        idf[perm] = self.idf_
        self.idf_ = idf

    def transform_flat(self, flat: list[str], n: int) -> tuple[Csr, np.ndarray]:
        """The matrix of `n` texts tokenized by `split_tokens`, and the end of each text in `flat`."""
        return self.transform_ids(self.token_ids(flat), n)

    def token_ids(self, flat: Sequence[str]) -> np.ndarray:
        """The ID of each token: -1 outside the vocabulary, -2 for `SEPARATOR`."""
        lookup = self.__dict__.get("_lookup")
        if lookup is None or lookup.source is not self.tokens_:
            lookup = self.__dict__["_lookup"] = _Lookup(self.tokens_)
        return np.fromiter(map(lookup.__getitem__, flat), dtype=np.int64, count=len(flat))

    def span_tokens(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        folded: Sequence[str | None] | None = None,
    ) -> SpanTokens:
        """The tokens of ``split_span_tokens(texts, spans, folded)`` and their `token_ids`, found
        in NumPy on the bytes of the tokens' text, without a string for each token."""
        joined = _JOIN.join(_span_pieces(texts, spans, folded)) + _JOIN
        raw = np.frombuffer((joined + " " * _PACKED).encode("ascii"), dtype=np.uint8)
        word = np.zeros(len(raw) + 1, dtype=bool)
        np.not_equal(raw, 32, out=word[1:])  # `_fold` leaves letters, digits, NUL and spaces
        edges = np.flatnonzero(word[1:] != word[:-1])
        starts, ends = edges[0::2], edges[1::2]
        tokens = SpanTokens(joined, starts, ends, np.empty(0, dtype=np.int64))
        packed = self.__dict__.get("_packed_cache")
        if packed is None or packed.source is not self.tokens_:
            packed = self.__dict__["_packed_cache"] = _Packed(self.tokens_)
        if not packed.usable:
            return tokens._replace(ids=self.token_ids(tokens.strings(np.arange(len(starts)))))
        lens = ends - starts
        ids = packed.find(raw, starts, lens)  # -1 for the longer tokens, looked up below
        ids[(lens == 1) & (raw[starts] == 0)] = -2  # SEPARATOR
        long = np.flatnonzero(lens > _PACKED)
        if len(long):
            ids[long] = self.token_ids(tokens.strings(long))
        return tokens._replace(ids=ids)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in _CACHES}

    def transform_ids(self, ids: np.ndarray, n: int) -> tuple[Csr, np.ndarray]:
        """`transform_flat` from the `token_ids` of the tokens."""
        cols = self._columns()
        n_tok, n_feat = len(ids), self.n_features
        ends = np.flatnonzero(ids == -2)
        # A feature of a row is the key row * n_feat + column (separators end rows), in int32 when
        # that holds every key: sorting and counting then move half the bytes.
        dtype = np.int32 if (len(ends) + 1) * n_feat < 2**31 else np.int64
        row_key: np.ndarray = np.repeat(
            np.arange(len(ends) + 1, dtype=dtype) * n_feat, np.diff(ends, prepend=-1, append=n_tok - 1)
        )
        uni = cols.unigram[ids + 2]
        bi = cols.bigrams(ids)
        keys: np.ndarray = np.empty(max(2 * n_tok - 1, 0), dtype=dtype)
        for part, rows, col in ((keys[:n_tok], row_key, uni), (keys[n_tok:], row_key[:-1], bi)):
            np.add(rows, col, out=part, casting="same_kind")
            np.bitwise_or(part, np.minimum(col, 0), out=part, casting="same_kind")  # no column: -1
        # Row by row, columns in order, without the -1s (a quarter of the keys: dropped before the
        # sort, which then moves fewer). Each of the two runs (unigrams, bigrams) is in row order
        # already: a stable sort (timsort) merges them faster than quicksort.
        keys = keys[keys >= 0]
        keys.sort(kind="stable")
        new = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        first = np.flatnonzero(new)
        counts = np.diff(first, append=len(keys))
        keys = keys[first]
        r = (keys // n_feat).astype(np.intp, copy=False)
        c = keys - r * n_feat
        # Sublinear TF times IDF, where a term seen once has TF 1: its value is its IDF.
        data = self.idf_[c].astype(np.float32, copy=False)
        again = np.flatnonzero(counts > 1)
        data[again] = ((np.log(counts[again]) + 1.0) * self.idf_[c[again]]).astype(np.float32)
        sq = data.astype(np.float64)
        sq *= sq
        norms = np.sqrt(np.bincount(r, weights=sq, minlength=n))
        norms[norms == 0] = 1.0
        data /= norms.astype(np.float32)[r]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=n), out=indptr[1:])
        return Csr(data, c.astype(np.int32), indptr, (n, n_feat)), ends

    def _columns(self) -> _Columns:
        cols = self.__dict__.get("_column_cache")
        if cols is None or not cols.built_from(self):
            cols = self.__dict__["_column_cache"] = _Columns(self)
        return cols
