"""A small declarative parameter checker in the manner of scikit-learn's ``_param_validation``."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ttpmap._exceptions import InvalidParameterError

__all__ = ["Check", "Interval", "Options", "check_params"]


class Interval:
    """A closed numeric interval, optionally integers only; ``None`` bounds are open-ended."""

    def __init__(self, kind: type, low: float | None, high: float | None, *, closed: str = "both") -> None:
        self.kind, self.low, self.high, self.closed = kind, low, high, closed

    def __call__(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        value = float(value)
        lo_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        hi_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return bool(lo_ok and hi_ok)

    def __str__(self) -> str:
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        return f"{'an int' if self.kind is int else 'a float'} in the range {left}{lo}, {hi}{right}"


class Options:
    """One of a fixed set of values."""

    def __init__(self, *values: Any) -> None:
        self.values = values

    def __call__(self, value: Any) -> bool:
        return any(value == v and type(value) is type(v) for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


class Check:
    """Any predicate, with the words that describe it in an error."""

    def __init__(self, fn: Callable[[Any], bool], text: str) -> None:
        self.fn, self.text = fn, text

    def __call__(self, value: Any) -> bool:
        return bool(self.fn(value))

    def __str__(self) -> str:
        return self.text


Constraint = Interval | Options | Check | None


def check_params(
    owner: str, params: Mapping[str, Any], constraints: Mapping[str, Sequence[Constraint]]
) -> None:
    """Raise `InvalidParameterError` naming the parameter, its owner, what is allowed and what was given."""
    for name, allowed in constraints.items():
        value = params[name]
        ok = False
        for c in allowed:
            ok = value is None if c is None else bool(c(value))
            if ok:
                break
        if not ok:
            descr = " or ".join("None" if c is None else str(c) for c in allowed)
            raise InvalidParameterError(
                f"The {name!r} parameter of {owner} must be {descr}. Got {value!r} instead."
            )
