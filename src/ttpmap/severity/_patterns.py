"""Token patterns in spaCy's Matcher format, checked and matched without spaCy.

A pattern is a list of token mappings, as in https://spacy.io/usage/rule-based-matching, limited to
what a tokenizer alone provides: ORTH (TEXT), NORM, LOWER, SHAPE, LENGTH and the lexical flags
(IS_PUNCT, LIKE_NUM, ...), with the operators IN, NOT_IN, REGEX, IS_SUBSET, IS_SUPERSET, INTERSECTS
(and ==, !=, >=, <=, >, < for LENGTH) and the quantifiers of spaCy 3.8.

`TokenMatcher` returns what ``spacy.matcher.Matcher(vocab)(doc)`` returns with default arguments, as
a set: its quantifier semantics are followed transition by transition (see `_Pattern.ends`). Flags
are computed from ORTH as spaCy's English lexeme attributes are (LIKE_URL with spaCy's own URL
pattern, which the tokenizer's data holds).
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, Protocol

from ttpmap.severity._tokenizer import url_match

__all__ = ["SUPPORTED_ATTRS", "TokenMatcher", "TokenSeq", "describe", "pattern_problem"]


class TokenSeq(Protocol):
    """The tokens of one article: their texts (ORTH) and normal forms (NORM)."""

    @property
    def orth(self) -> Sequence[str]: ...

    @property
    def norm(self) -> Sequence[str]: ...

    def __len__(self) -> int: ...


# --- lexical attributes, computed from ORTH as spaCy's English vocabulary computes them ---


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PUNCT_LEFT = frozenset(["(", "[", "{", "<", '"', "'", "``"]) | frozenset("«‘‚‛“„‟‹❮")
_PUNCT_RIGHT = frozenset([")", "]", "}", ">", '"', "'", "''"]) | frozenset("»’”›❯")
_BRACKETS = frozenset("()[]{}<>")
_QUOTES = frozenset(["''", "``"]) | frozenset("\"'`«»‘’‚‛“”„‟‹›❮❯")
_NUMBER_WORDS = _words(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion trillion quadrillion quintillion sextillion septillion "
    "octillion nonillion decillion gajillion bazillion"
)
_ORDINAL_WORDS = _words(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
    "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth fortieth "
    "fiftieth sixtieth seventieth eightieth ninetieth hundredth thousandth millionth billionth "
    "trillionth quadrillionth quintillionth sextillionth septillionth octillionth nonillionth "
    "decillionth gajillionth bazillionth"
)
_TLDS = _words(
    "com org edu gov net mil aero asia biz cat coop info int jobs mobi museum name pro tel travel xyz "
    "icu xxx ac ad ae af ag ai al am an ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo "
    "br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cs cu cv cx cy cz dd de dj dk dm do dz "
    "ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy "
    "hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb "
    "lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc "
    "ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb "
    "sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sy sz tc td tf tg th tj tk tl tm tn to tp tr tt "
    "tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw"
)
_EMAIL_START = re.compile(r"[A-Za-z0-9_.+-]+@[A-Za-z0-9-]+\.[-.A-Za-z0-9]+")


def _is_punct(text: str) -> bool:
    return all(unicodedata.category(c)[0] == "P" for c in text)


def _is_currency(text: str) -> bool:
    return all(unicodedata.category(c) == "Sc" for c in text)


def _is_ascii(text: str) -> bool:
    return text.isascii()


def _like_num(text: str) -> bool:
    if text[:1] in ("+", "-", "±", "~"):
        text = text[1:]
    text = text.replace(",", "").replace(".", "")
    if text.isdigit():
        return True
    num, slash, denom = text.partition("/")
    if slash and "/" not in denom and num.isdigit() and denom.isdigit():
        return True
    low = text.lower()
    return (
        low in _NUMBER_WORDS
        or low in _ORDINAL_WORDS
        or (low[-2:] in ("st", "nd", "rd", "th") and low[:-2].isdigit())
    )


def _like_email(text: str) -> bool:
    return _EMAIL_START.match(text) is not None


def _like_url(text: str) -> bool:
    if text.startswith(("http://", "https://")) or (text.startswith("www.") and len(text) >= 5):
        return True
    if not text or text[0] == "." or text[-1] == "." or "@" in text or "." not in text:
        return False
    tld = text.rpartition(".")[2].partition(":")[0]
    if tld.endswith("/") or (tld.isalpha() and tld in _TLDS):
        return True
    return url_match(text)


def _shape(text: str) -> str:
    if len(text) >= 100:
        return "LONG"
    out = []
    last = ""
    run = 0
    for c in text:
        kind = ("X" if c.isupper() else "x") if c.isalpha() else "d" if c.isdigit() else c
        run = run + 1 if kind == last else 0
        last = kind
        if run < 4:
            out.append(kind)
    return "".join(out)


_FLAGS: dict[str, Callable[[str], bool]] = {
    "IS_ALPHA": str.isalpha,
    "IS_ASCII": _is_ascii,
    "IS_DIGIT": str.isdigit,
    "IS_LOWER": str.islower,
    "IS_UPPER": str.isupper,
    "IS_TITLE": str.istitle,
    "IS_PUNCT": _is_punct,
    "IS_SPACE": str.isspace,
    "IS_BRACKET": _BRACKETS.__contains__,
    "IS_QUOTE": _QUOTES.__contains__,
    "IS_LEFT_PUNCT": _PUNCT_LEFT.__contains__,
    "IS_RIGHT_PUNCT": _PUNCT_RIGHT.__contains__,
    "IS_CURRENCY": _is_currency,
    "LIKE_NUM": _like_num,
    "LIKE_URL": _like_url,
    "LIKE_EMAIL": _like_email,
}
_STRING_ATTRS = ("ORTH", "TEXT", "NORM", "LOWER", "SHAPE")
SUPPORTED_ATTRS: tuple[str, ...] = (*_STRING_ATTRS, "LENGTH", *_FLAGS, "OP")
_MODEL_ATTRS = _words(
    "POS TAG LEMMA DEP MORPH ENT_TYPE ENT_IOB ENT_ID ENT_KB_ID SENT_START IS_SENT_START SPACY _"
)
_SET_OPS = ("IN", "NOT_IN", "IS_SUBSET", "IS_SUPERSET", "INTERSECTS")
_COMPARISONS = ("==", "!=", ">=", "<=", ">", "<")
_OP_RANGE = re.compile(r"\{(?:([0-9]+)|([0-9]*),([0-9]*))\}")
_ONE, _ZERO, _ZERO_ONE, _ZERO_PLUS = 0, 1, 2, 3
_EXAMPLE = "e.g. [{NORM: zero}, {NORM: day}]"

# --- validation ---


def pattern_problem(pattern: Sequence[Mapping[str, Any]]) -> str | None:
    """None if `pattern` is a token pattern `TokenMatcher` can match, else what to fix in it."""
    if isinstance(pattern, str | bytes | Mapping) or not isinstance(pattern, Sequence):
        return f"a token pattern is a list of token mappings, {_EXAMPLE}; got {describe(pattern)}"
    if not pattern:
        return f"the pattern is empty; give at least one token mapping, {_EXAMPLE}"
    specs = 0
    for i, token in enumerate(pattern):
        if not isinstance(token, Mapping):
            return f"token {i} must be a mapping such as {{NORM: day}} or {{}} (any token); got {describe(token)}"
        for key, value in token.items():
            problem = _key_problem(key, value)
            if problem:
                return f"token {i}: {problem}"
        specs += len(_quantifiers(_op_of(token)))
    if not specs:
        return (
            "the pattern can only match zero tokens (an OP such as {0} or {,0} lets a token match none); "
            "give a token that must match"
        )
    return None


def _key_problem(key: Any, value: Any) -> str | None:
    if not isinstance(key, str):
        return f"attribute names are strings such as NORM or IS_PUNCT; got {describe(key)}"
    name = key.upper()
    if value is None:
        return f"{key} has no value (null); give one or leave {key} out"
    if name == "OP":
        return _op_problem(value)
    if name in _STRING_ATTRS:
        return _string_problem(key, value)
    if name == "LENGTH":
        return _length_problem(key, value)
    if name in _FLAGS:
        return None if isinstance(value, bool) else f"{key} takes true or false; got {describe(value)}"
    supported = ", ".join(SUPPORTED_ATTRS)
    if name in _MODEL_ATTRS:
        what = (
            "custom extension attributes (_) are not available"
            if name == "_"
            else f"{name} needs a trained spaCy pipeline"
        )
        return f"{what}, but ttpmap matches on tokens only; use the attributes it supports: {supported}"
    if name == "IS_STOP":
        return (
            "IS_STOP is not supported (ttpmap ships no stop-word list); "
            "list the words with {LOWER: {IN: [...]}}"
        )
    return f"unknown attribute {key!r}; supported: {supported}"


def _op_problem(value: Any) -> str | None:
    if isinstance(value, str) and (value in ("!", "?", "+", "*") or _op_range(value) is not None):
        return None
    return (
        f'OP must be one of "!", "?", "+", "*", "{{n}}", "{{n,m}}", "{{n,}}", "{{,m}}" '
        f"(n <= m, whole numbers); got {describe(value)}"
    )


def _op_range(op: str) -> tuple[int, int | None] | None:
    m = _OP_RANGE.fullmatch(op)
    if m is None:
        return None
    if m.group(1) is not None:
        n = int(m.group(1))
        return n, n
    low, high = m.group(2), m.group(3)
    if not low and not high:
        return None
    n = int(low or 0)
    if high and int(high) < n:
        return None
    return n, int(high) if high else None


def _quantifiers(op: str | None) -> list[int]:
    """spaCy's expansion of a token's OP into one quantifier per spec (none for {0})."""
    if op is None:
        return [_ONE]
    simple = {"!": [_ZERO], "?": [_ZERO_ONE], "*": [_ZERO_PLUS], "+": [_ONE, _ZERO_PLUS]}.get(op)
    if simple is not None:
        return simple
    low, high = _op_range(op) or (0, 0)
    return [_ONE] * low + ([_ZERO_PLUS] if high is None else [_ZERO_ONE] * (high - low))


def _op_of(token: Mapping[str, Any]) -> str | None:
    ops = [v for k, v in token.items() if isinstance(k, str) and k.upper() == "OP"]
    return ops[-1] if ops else None


def _string_problem(key: str, value: Any, regex_inside: bool = False) -> str | None:
    if isinstance(value, str):
        return None
    if not isinstance(value, Mapping):
        return f"{key} takes a string or a mapping with {', '.join(_SET_OPS)} or REGEX; got {describe(value)}"
    if not value:
        return f"{key} has an empty mapping; give IN, NOT_IN or REGEX (e.g. {{{key}: {{IN: [a, b]}}}})"
    for op, arg in value.items():
        name = op.upper() if isinstance(op, str) else op
        if arg is None:
            return f"{key}.{op} has no value (null)"
        if regex_inside and name not in ("IN", "NOT_IN"):
            return f"inside REGEX, {key} takes only IN or NOT_IN (lists of regular expressions); got {op!r}"
        if name in _SET_OPS:
            if not _str_list(arg):
                return f"{key}.{op} takes a list of strings; got {describe(arg)}"
            if regex_inside:
                for text in arg:
                    problem = _regex_problem(key, text)
                    if problem:
                        return problem
        elif name == "REGEX":
            if isinstance(arg, Mapping) and not regex_inside:
                problem = _string_problem(key, arg, regex_inside=True)
                if problem:
                    return problem
            elif isinstance(arg, str):
                problem = _regex_problem(key, arg)
                if problem:
                    return problem
            else:
                return f"{key}.REGEX takes a regular expression (a string); got {describe(arg)}"
        elif isinstance(name, str) and name.startswith("FUZZY"):
            return f"{key}.{op} (fuzzy matching) is not supported; list the spellings with IN or use REGEX"
        else:
            ops = ", ".join((*_SET_OPS, "REGEX"))
            return f"{key} takes the operators {ops}; got {op!r}"
    return None


def _regex_problem(key: str, text: str) -> str | None:
    try:
        re.compile(text)
    except re.error as exc:
        return f"{key}: {text!r} is not a valid regular expression ({exc})"
    return None


def _length_problem(key: str, value: Any) -> str | None:
    if _is_int(value):
        return None
    ops = ", ".join((*_SET_OPS, *_COMPARISONS))
    if not isinstance(value, Mapping) or not value:
        return f"{key} takes a whole number or a mapping with {ops}; got {describe(value)}"
    for op, arg in value.items():
        name = op.upper() if isinstance(op, str) else op
        if name in _SET_OPS:
            if not isinstance(arg, list | tuple) or not all(_is_int(v) for v in arg):
                return f"{key}.{op} takes a list of whole numbers; got {describe(arg)}"
        elif name in _COMPARISONS:
            if not (_is_int(arg) or isinstance(arg, float)):
                return f"{key}.{op} takes a number; got {describe(arg)}"
        else:
            return f"{key} takes the operators {ops}; got {op!r}"
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def describe(value: Any) -> str:
    """`value`'s type and repr, cut to 80 characters, for messages ("got str 'day'")."""
    text = "nothing" if value is None else f"{type(value).__name__} {value!r}"
    return text if len(text) <= 80 else text[:77] + "..."


# --- compilation and matching ---

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_LEXICAL: dict[str, Callable[[str], Any]] = {
    name: lru_cache(maxsize=65536)(fn) for name, fn in [*_FLAGS.items(), ("SHAPE", _shape)]
}
Check = Callable[[Any], bool]  # is a token's attribute value acceptable?


class _Columns(dict[str, Sequence[Any]]):
    """One attribute's values for every token of an article, computed when a pattern first reads them."""

    def __init__(self, orth: Sequence[str], norm: Sequence[str]) -> None:
        super().__init__(ORTH=orth, NORM=norm)
        self.orth = orth

    def __missing__(self, attr: str) -> Sequence[Any]:
        orth = self.orth
        column: Sequence[Any]
        if attr == "LOWER":
            column = [t.lower() for t in orth]
        elif attr == "LENGTH":
            column = list(map(len, orth))
        else:
            compute = _LEXICAL[attr]
            column = list(map({t: compute(t) for t in set(orth)}.__getitem__, orth))
        self[attr] = column
        return column


Test = Callable[[_Columns, int], bool]  # does the token at this position meet a spec?


def _check(op: str, arg: Any) -> Check:
    if op in ("IN", "IS_SUBSET", "INTERSECTS"):
        return frozenset(arg).__contains__
    if op == "NOT_IN":
        excluded = frozenset(arg)
        return lambda value: value not in excluded
    if op == "IS_SUPERSET":
        required = frozenset(arg)
        return lambda value: required <= {value}
    if op == "REGEX":
        if isinstance(arg, Mapping):
            return _all_checks(
                [_any_search(arg_op.upper() == "IN", regexes) for arg_op, regexes in arg.items()]
            )
        search = re.compile(arg).search
        return lambda value: search(value) is not None
    compare = _COMPARE[op]
    return lambda value: compare(value, arg)


def _any_search(wanted: bool, regexes: Sequence[str]) -> Check:
    searches = [re.compile(r).search for r in regexes]
    return lambda value: any(search(value) for search in searches) is wanted


def _equals(expected: Any) -> Check:
    return lambda value: value == expected


def _all_checks(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]
    return lambda value: all(check(value) for check in checks)


def _test(conditions: list[tuple[str, Check]]) -> Test:
    if not conditions:
        return lambda columns, i: True
    if len(conditions) == 1:
        attr, check = conditions[0]
        return lambda columns, i: check(columns[attr][i])
    return lambda columns, i: all(check(columns[attr][i]) for attr, check in conditions)


class _Spec:
    """One token of a pattern after spaCy's OP expansion: a quantifier and the conditions to meet."""

    __slots__ = ("conditions", "literals", "quantifier", "test")

    def __init__(
        self, quantifier: int, conditions: list[tuple[str, Check]], literals: dict[str, frozenset[str]]
    ) -> None:
        self.quantifier = quantifier
        self.conditions = conditions
        self.literals = literals
        self.test = _test(conditions)

    def positions(self, columns: _Columns) -> list[int]:
        """Where in the article a token meets the conditions."""
        attr, check = self.conditions[0]
        found = [i for i, value in enumerate(columns[attr]) if check(value)]
        return [i for i in found if self.test(columns, i)] if len(self.conditions) > 1 else found


def _compile_token(token: Mapping[str, Any]) -> list[_Spec]:
    conditions: list[tuple[str, Check]] = []
    literals: dict[str, frozenset[str]] = {}
    op = None
    for key, value in token.items():
        name = key.upper()
        if name == "OP":
            op = value
            continue
        name = "ORTH" if name == "TEXT" else name
        if isinstance(value, Mapping):
            for pred, arg in value.items():
                pred = pred.upper()
                conditions.append((name, _check(pred, arg)))
                if pred in ("IN", "IS_SUBSET", "INTERSECTS") and name in ("ORTH", "NORM", "LOWER"):
                    _narrow(literals, name, frozenset(arg))
        else:
            conditions.append((name, _equals(int(value) if isinstance(value, bool) else value)))
            if name in ("ORTH", "NORM", "LOWER"):
                _narrow(literals, name, frozenset([value]))
    return [_Spec(q, conditions, literals) for q in _quantifiers(op)]


def _narrow(literals: dict[str, frozenset[str]], name: str, values: frozenset[str]) -> None:
    literals[name] = literals[name] & values if name in literals else values


class _Pattern:
    """One pattern as spaCy compiles it (a list of specs), and where a match can start."""

    __slots__ = ("anchor", "key", "quantifiers", "scan", "tests")

    def __init__(self, key: str, pattern: Sequence[Mapping[str, Any]]) -> None:
        specs = [spec for token in pattern for spec in _compile_token(token)]
        self.key = key
        self.quantifiers = [spec.quantifier for spec in specs]
        self.tests = [spec.test for spec in specs]
        # Every match takes the specs before the first optional one at fixed offsets. Among those
        # that must match (not "!"), the one with the smallest literal set is the anchor; failing
        # that, the first with any condition is scanned for.
        self.anchor: tuple[int, str, frozenset[str]] | None = None
        self.scan: tuple[int, _Spec] | None = None
        for offset, spec in enumerate(specs):
            if spec.quantifier not in (_ONE, _ZERO):
                break
            if spec.quantifier != _ONE:
                continue
            for name, values in spec.literals.items():
                if self.anchor is None or len(values) < len(self.anchor[2]):
                    self.anchor = (offset, name, values)
            if self.scan is None and spec.conditions:
                self.scan = (offset, spec)

    def starts(self, columns: _Columns, n: int) -> Iterable[int]:
        """Where a match may start, when the pattern has no anchor."""
        if self.scan is None:
            return range(n)
        offset, spec = self.scan
        return [i - offset for i in spec.positions(columns) if i >= offset]

    def ends(self, columns: _Columns, n: int, start: int) -> set[int]:
        """The ends of spaCy's matches of this pattern that start at `start` (none of length 0).

        spaCy keeps a state per (pattern, start, spec, length); from one start every live state has
        read the same tokens, so a set of spec indices stands for them. The actions are those of
        ``get_action`` in spaCy's matcher.pyx, including its choices at the pattern's last spec.
        """
        quantifiers, tests = self.quantifiers, self.tests
        last = len(quantifiers) - 1
        ends: set[int] = set()
        states = {0}
        pos = start
        while states and pos < n:
            following: set[int] = set()
            for p in states:
                while True:
                    q = quantifiers[p]
                    hit = tests[p](columns, pos)
                    if q == _ZERO:
                        hit, q = not hit, _ONE
                    if q == _ONE:
                        if hit:
                            if p == last:
                                ends.add(pos + 1)
                            else:
                                following.add(p + 1)
                        break
                    if p == last:
                        # spaCy's MATCH_REJECT, MATCH_EXTEND or MATCH_DOUBLE: a match without this
                        # token; with it now (?) or once the state has read on (*)
                        if pos > start:
                            ends.add(pos)
                        if hit:
                            if q == _ZERO_ONE:
                                ends.add(pos + 1)
                            else:
                                following.add(p)
                        break
                    if hit:
                        following.add(p if q == _ZERO_PLUS else p + 1)
                    p += 1
            states = following
            pos += 1
        if pos == n and pos > start:
            for p in states:
                while quantifiers[p] in (_ZERO_ONE, _ZERO_PLUS):
                    if p == last:
                        ends.add(n)
                        break
                    p += 1
        return ends


class TokenMatcher:
    """All matches of token patterns, as spaCy's Matcher finds them (greedy=None).

    A pattern whose every match takes a token with a literal value set (ORTH, NORM or LOWER equal to
    a string or IN a list) at a fixed offset from its start is tried only where such a token occurs;
    another is tried where the token at a fixed offset meets its conditions, or else everywhere.
    Attributes other than ORTH and NORM are computed only when a pattern reads them.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> matcher = TokenMatcher()
    >>> matcher.add("zero-day", [[{"NORM": "zero"}, {"NORM": {"IN": ["day", "days"]}}]])
    >>> words = ("a", "zero", "day", "flaw")
    >>> matcher(SimpleNamespace(orth=words, norm=words))
    [('zero-day', 1, 3)]
    """

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._anchors: dict[str, dict[str, list[tuple[_Pattern, int]]]] = {}
        self._unanchored: list[_Pattern] = []

    def add(self, key: str, patterns: Sequence[Sequence[Mapping[str, Any]]]) -> None:
        """Add `patterns` under `key` (after any the key has); raise ValueError if one is invalid."""
        if isinstance(patterns, str | bytes | Mapping) or not isinstance(patterns, Sequence):
            raise ValueError(
                f"patterns for {key!r} must be a list of token patterns; got {describe(patterns)}"
            )
        for i, pattern in enumerate(patterns):
            problem = pattern_problem(pattern)
            if problem:
                raise ValueError(f"pattern {i} for {key!r} is not a valid token pattern: {problem}")
        for pattern in patterns:
            compiled = _Pattern(key, pattern)
            self._keys.add(key)
            if compiled.anchor is None:
                self._unanchored.append(compiled)
                continue
            offset, name, values = compiled.anchor
            table = self._anchors.setdefault(name, {})
            for value in values:
                table.setdefault(value, []).append((compiled, offset))

    def __len__(self) -> int:
        return len(self._keys)

    def __call__(self, tokens: TokenSeq) -> list[tuple[str, int, int]]:
        """The (key, start, end) of every match, sorted by start, end and key."""
        columns = _Columns(tokens.orth, tokens.norm)
        n = len(tokens.orth)
        found: set[tuple[str, int, int]] = set()
        for name, table in self._anchors.items():
            get = table.get
            for j, value in enumerate(columns[name]):
                hits = get(value)
                if hits is None:
                    continue
                for pattern, offset in hits:
                    start = j - offset
                    if start >= 0:
                        found.update((pattern.key, start, end) for end in pattern.ends(columns, n, start))
        for pattern in self._unanchored:
            for start in pattern.starts(columns, n):
                found.update((pattern.key, start, end) for end in pattern.ends(columns, n, start))
        return sorted(found, key=lambda m: (m[1], m[2], m[0]))
