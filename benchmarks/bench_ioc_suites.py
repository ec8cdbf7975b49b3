"""The test suites of four peer IOC extractors, run against ttpmap and against each installed peer.

The suites are read from ``ioc-peers/`` in the data home (``../shared`` beside a checkout, or
``TTPMAP_DATA_HOME``); nothing of them is copied into this repository. Each suite's expectations are
turned into cases of one shape (text -> expected values per ttpmap IOC type, exactly, at least, as a
count, or absent); types that ttpmap does not have (ASNs, file paths, MAC addresses, ARNs, other coins)
are left out. Values are compared after `refang` and lower-casing (ttpmap always refangs; peers that
keep a defanged value expect the same indicator), URLs without a trailing slash.

Prints cases passed and indicator precision/recall per suite and tool: ttpmap's high-fidelity IOCs,
all of ttpmap's IOCs, and each peer that is installed (``pip install 'ttpmap[bench]'``). Every
difference between a suite and ttpmap must be listed, with its reason, in
``ioc_suite_differences.json`` next to this file; any other difference is printed as a BUG and the
exit status is 1.

    python benchmarks/bench_ioc_suites.py [--verbose]
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import runpy
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ttpmap._datahome import get_data_home
from ttpmap.iocs import IOC_TYPES, find_iocs, refang

HERE = Path(__file__).resolve().parent
DIFFERENCES = HERE / "ioc_suite_differences.json"

Found = dict[str, set[str]]


@dataclass
class Expect:
    """What a suite expects of one IOC type in one case."""

    values: set[str] | None = None  # None: only a count is expected
    exact: bool = True  # False: at least these values
    lo: int = 0
    hi: int | None = None
    absent: set[str] = field(default_factory=set)


@dataclass
class Case:
    suite: str
    id: str
    text: str
    expect: dict[str, Expect]  # by ttpmap type, or "*" for any type


@dataclass
class Tally:
    cases: int = 0
    passed: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def line(self) -> str:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return f"{self.passed:4d}/{self.cases:<4d} cases  precision {p:.3f}  recall {r:.3f}"


def norm(type_: str, value: str) -> str:
    v = refang(value.strip()).lower()
    if type_ == "registry_key":
        return v.rstrip("\\")
    return v.rstrip("/") if type_ in ("url", "*") else v


# -- suites ---------------------------------------------------------------------------------------------
IOC_FINDER_TYPES = {
    "domains": "domain",
    "urls": "url",
    "ipv4s": "ipv4",
    "ipv6s": "ipv6",
    "email_addresses": "email",
    "md5s": "md5",
    "sha1s": "sha1",
    "sha256s": "sha256",
    "sha512s": "sha512",
    "registry_key_paths": "registry_key",
    "cves": "cve",
    "bitcoin_addresses": "btc_address",
    "monero_addresses": "xmr_address",
    "ethereum_addresses": "eth_address",
}


def ioc_finder_cases(root: Path) -> Iterator[Case]:
    """``find_iocs_cases/*.py``: ``param(text, full expected output, options)``; exact per type."""
    folder = root / "fhightower+ioc-finder" / "tests" / "find_iocs_cases"
    for path in sorted(folder.glob("*.py")):
        if path.name == "__init__.py" or path.stem.startswith("feature__"):
            continue  # feature__*: tests of ioc-finder's options (included_ioc_types...)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = runpy.run_path(str(path))
        for name, obj in module.items():
            if not isinstance(obj, list) or name.startswith("_"):
                continue
            for k, p in enumerate(obj):
                values = getattr(p, "values", None)
                if not values or len(values) != 3 or not isinstance(values[0], str) or values[2]:
                    continue  # options tests (included_ioc_types...) exercise ioc-finder's own API
                text, results = values[0], values[1]
                pid = getattr(p, "id", None) or f"{name}[{k}]"
                expect = {
                    ours: Expect({norm(ours, v) for v in results.get(key, [])})
                    for key, ours in IOC_FINDER_TYPES.items()
                }
                yield Case("ioc-finder", f"{path.stem}:{pid}", text, expect)


_IOCEXTRACT_TYPES = {
    "extract_urls": "url",
    "extract_ips": "*ip",
    "extract_ipv4s": "ipv4",
    "extract_ipv6s": "ipv6",
    "extract_emails": "email",
    "extract_md5_hashes": "md5",
    "extract_sha1_hashes": "sha1",
    "extract_sha256_hashes": "sha256",
    "extract_sha512_hashes": "sha512",
    "extract_iocs": "*",
}


def _extract_call(node: ast.expr) -> tuple[str, ast.expr, bool] | None:
    """``list(iocextract.extract_X(arg, ...))`` -> (function, arg, indexed)."""
    indexed = False
    if isinstance(node, ast.Subscript):
        node, indexed = node.value, True
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "list"):
        return None
    inner = node.args[0] if node.args else None
    if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)):
        return None
    if inner.func.attr not in _IOCEXTRACT_TYPES or not inner.args:
        return None
    return inner.func.attr, inner.args[0], indexed


def _strings(node: ast.expr, env: dict[str, list[str]]) -> list[str] | None:
    if isinstance(node, ast.Name):
        return env.get(node.id)
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return None
    return [value] if isinstance(value, str) else None


def _string_lists(fn: ast.FunctionDef) -> dict[str, list[str]]:
    """Names bound to lists of strings in a test function, and loop variables over them."""
    env: dict[str, list[str]] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                env[node.targets[0].id] = value
        elif (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Name)
        ):
            env[node.target.id] = env.get(node.iter.id, [])
    return {k: v for k, v in env.items() if v}


def iocextract_cases(root: Path) -> Iterator[Case]:
    """``tests.py``: ``assertEqual(list(iocextract.extract_X(text))[i], value)`` (value expected among
    the results), ``assertEqual(list(...), [...])`` (exactly these), and the corpus test (valid /
    invalid values among ``extract_iocs``' results)."""
    folder = root / "InQuest+python-iocextract"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the suite's invalid escape sequences
        tree = ast.parse((folder / "tests.py").read_text(encoding="utf-8"))
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        env = _string_lists(fn)
        for node in ast.walk(fn):
            yield from _iocextract_assert(fn.name, node, env)
    corpus = folder / "test_data"
    valid = corpus / "valid.txt"
    if valid.is_file():
        lines = valid.read_text(encoding="utf-8").splitlines()
        bad = (corpus / "invalid.txt").read_text(encoding="utf-8").splitlines()
        expect = Expect(
            {norm("*", v) for v in lines if v}, exact=False, absent={norm("*", v) for v in bad if v}
        )
        yield Case(
            "iocextract",
            "test_corpus_results",
            (corpus / "input.txt").read_text(encoding="utf-8"),
            {"*": expect},
        )


def _iocextract_assert(fname: str, node: ast.AST, env: dict[str, list[str]]) -> Iterator[Case]:
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "assertEqual"
        and len(node.args) == 2
    ):
        return
    call = _extract_call(node.args[0])
    if call is None:
        return
    func, arg, indexed = call
    texts = _strings(arg, env)
    try:
        want = ast.literal_eval(node.args[1])
    except ValueError:
        return
    if not texts:
        return
    type_ = _IOCEXTRACT_TYPES[func]
    key = "*" if type_.startswith("*") else type_
    for k, text in enumerate(texts):
        if indexed and isinstance(want, str):
            expect = Expect({norm(key, want)}, exact=False)
        elif not indexed and isinstance(want, list) and all(isinstance(w, str) for w in want):
            if key == "*" and want:
                expect = Expect({norm(key, w) for w in want}, exact=False)
            else:
                expect = Expect({norm(key, w) for w in want})
        else:
            continue
        yield Case("iocextract", f"{fname}:{node.lineno}:{k}", text, {type_: expect})


_IOCSEARCHER_TYPES = {
    "registry": "registry_key",
    "bitcoin": "btc_address",
    "ethereum": "eth_address",
    "monero": "xmr_address",
}


def iocsearcher_cases(root: Path) -> Iterator[Case]:
    """``tests/*.ioc``: ``type<TAB>value`` lines; each value alone must yield itself."""
    for path in sorted((root / "malicialab+iocsearcher" / "tests").glob("*.ioc")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            kind, _, value = line.partition("\t")
            ours = _IOCSEARCHER_TYPES.get(kind.strip())
            if ours is None or not value.strip():
                continue  # ARNs, other coins, onion IDs without ".onion": no ttpmap type
            yield Case(
                "iocsearcher",
                f"{path.stem}:{n}",
                value.strip(),
                {ours: Expect({norm(ours, value)}, exact=False)},
            )


_MSTICPY_TYPES = {
    "ipv4": "ipv4",
    "ipv6": "ipv6",
    "url": "url",
    "dns": "domain",
    "email": "email",
    "md5_hash": "md5",
    "sha1_hash": "sha1",
    "sha256_hash": "sha256",
}


def msticpy_cases(root: Path) -> Iterator[Case]:
    """``test_ioc_extractor.py``: ``_run_extract(x, name, {type: count})`` and ``TEST_DF_CASES`` (found
    or not); counts per type, as msticpy's tests check them."""
    path = root / "microsoft+msticpy" / "tests" / "transform" / "test_ioc_extractor.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    consts: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                consts[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    texts = consts.get("TEST_CASES", {})
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_run_extract":
            name = ast.literal_eval(node.args[1])
            counts = ast.literal_eval(node.args[2])
            expect = {
                _MSTICPY_TYPES[t]: Expect(None, lo=n, hi=n) for t, n in counts.items() if t in _MSTICPY_TYPES
            }
            if expect:
                yield Case("msticpy", f"{name}:{node.lineno}", texts[name + "_test"], expect)
    for type_, rows in consts.get("TEST_DF_CASES", {}).items():
        ours = _MSTICPY_TYPES.get(type_)
        for k, (text, present) in enumerate(rows):
            if ours is not None:
                expect = Expect(None, lo=1) if present else Expect(None, lo=0, hi=0)
                yield Case("msticpy", f"defanged_{type_}_{k}", text, {ours: expect})


SUITES: dict[str, Callable[[Path], Iterator[Case]]] = {
    "ioc-finder": ioc_finder_cases,
    "iocextract": iocextract_cases,
    "iocsearcher": iocsearcher_cases,
    "msticpy": msticpy_cases,
}


# -- tools ----------------------------------------------------------------------------------------------
def _ttpmap(high_only: bool) -> Callable[[str], Found]:
    def run(text: str) -> Found:
        out: Found = {}
        for i in find_iocs(text):
            if i.fidelity == "high" or not high_only:
                out.setdefault(i.type, set()).add(norm(i.type, i.value))
        return out

    return run


def _peers() -> dict[str, Callable[[str], Found]]:
    """Each installed peer extractor, its output mapped to ttpmap's types."""
    tools: dict[str, Callable[[str], Found]] = {}
    try:
        from ioc_finder import find_iocs as finder
        from ioc_finder.ioc_finder import SUPPORTED_IOC_TYPES

        def run_finder(text: str) -> Found:
            res = finder(text, included_ioc_types=SUPPORTED_IOC_TYPES)
            return {t: {norm(t, v) for v in res.get(k, [])} for k, t in IOC_FINDER_TYPES.items()}

        tools["ioc-finder"] = run_finder
    except ImportError:
        print("ioc-finder not installed: skipped")
    try:
        import iocextract

        def run_iocextract(text: str) -> Found:
            x = iocextract
            return {
                "url": {norm("url", v) for v in x.extract_urls(text, refang=True)},
                "ipv4": {norm("ipv4", v) for v in x.extract_ipv4s(text, refang=True)},
                "ipv6": {norm("ipv6", v) for v in x.extract_ipv6s(text)},
                "email": {norm("email", v) for v in x.extract_emails(text, refang=True)},
                "md5": {v.lower() for v in x.extract_md5_hashes(text)},
                "sha1": {v.lower() for v in x.extract_sha1_hashes(text)},
                "sha256": {v.lower() for v in x.extract_sha256_hashes(text)},
                "sha512": {v.lower() for v in x.extract_sha512_hashes(text)},
            }

        tools["iocextract"] = run_iocextract
    except ImportError:
        print("iocextract not installed: skipped")
    try:
        from iocsearcher.searcher import Searcher

        searcher = Searcher()
        names = {"fqdn": "domain", "ip4": "ipv4", "ip6": "ipv6", "url": "url", "email": "email", "cve": "cve"}
        names.update({h: h for h in ("md5", "sha1", "sha256", "sha512")})
        names.update(_IOCSEARCHER_TYPES)

        def run_iocsearcher(text: str) -> Found:
            out: Found = {}
            for ioc in searcher.search_data(text):
                t = names.get(ioc.name)
                if t is not None:
                    out.setdefault(t, set()).add(norm(t, ioc.value))
            return out

        tools["iocsearcher"] = run_iocsearcher
    except ImportError:
        print("iocsearcher not installed: skipped")
    try:
        from msticpy.transform.iocextract import IoCExtract

        extractor = IoCExtract()

        def run_msticpy(text: str) -> Found:
            res = extractor.extract(src=text)
            return {t: {norm(t, v) for v in res.get(k, set())} for k, t in _MSTICPY_TYPES.items()}

        tools["msticpy"] = run_msticpy
    except ImportError:
        print("msticpy not installed: skipped")
    return tools


TOOL_TYPES: dict[str, set[str]] = {
    "ioc-finder": set(IOC_FINDER_TYPES.values()),
    "iocextract": {"url", "ipv4", "ipv6", "email", "md5", "sha1", "sha256", "sha512"},
    "iocsearcher": {"domain", "ipv4", "ipv6", "url", "email", "cve", "md5", "sha1", "sha256", "sha512"}
    | set(_IOCSEARCHER_TYPES.values()),
    "msticpy": set(_MSTICPY_TYPES.values()),
}


# -- comparison -----------------------------------------------------------------------------------------
Difference = tuple[str, str, str]  # (kind: "missing" / "extra", type, value)


def _view(found: Found, key: str) -> set[str]:
    if key == "*":
        return set().union(*found.values()) if found else set()
    if key == "*ip":
        return found.get("ipv4", set()) | found.get("ipv6", set())
    return found.get(key, set())


def compare(case: Case, found: Found) -> tuple[list[Difference], int, int, int]:
    """Differences between a case's expectations and `found`, and (tp, fp, fn) counts."""
    diffs: list[Difference] = []
    tp = fp = fn = 0
    for key, exp in case.expect.items():
        got = _view(found, key)
        if exp.values is not None:
            missing = exp.values - got
            extra = got - exp.values if exp.exact else set()
            tp += len(exp.values & got)
            diffs += [("missing", key, v) for v in sorted(missing)]
        else:
            n = len(got)
            missing_n = max(0, exp.lo - n)
            extra_n = max(0, n - exp.hi) if exp.hi is not None else 0
            tp += min(n, exp.lo) if exp.hi is None else min(n, exp.hi)
            if missing_n:
                diffs.append(("missing", key, f"#count {n}, expected {exp.lo}"))
            extra = set(sorted(got)[len(got) - extra_n :]) if extra_n else set()
            fn += missing_n
        extra |= exp.absent & got
        diffs += [("extra", key, v) for v in sorted(extra)]
        fp += len(extra)
        fn += len(missing) if exp.values is not None else 0
    return diffs, tp, fp, fn


def load_differences(path: Path = DIFFERENCES) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))["differences"]
    for row in rows:
        if not row.get("reason") or row.get("kind") not in ("missing", "extra"):
            raise ValueError(f"{path}: every difference needs a kind (missing/extra) and a reason: {row}")
    return rows


def documented(case: Case, diff: Difference, rows: list[dict[str, str]], ours: Ours) -> dict[str, str] | None:
    """The row of the differences list that covers `diff`, or None.

    A row matches on ``kind``, ``suite``, ``case``, ``type`` and ``value`` (globs; missing keys match
    anything). ``low_reason``: the value is reported at low fidelity with a reason that matches this
    glob (for a count, every low value of the type has such a reason). ``found_as``: the value is
    reported under this other ttpmap type. ``host_of_ours``: the value is the host of a URL or e-mail
    address that ttpmap reports. ``schemeless``: ttpmap reports the URL (or host) without the
    ``http://`` that the suite adds.
    """
    kind, type_, value = diff
    for row in rows:
        if not (
            row["kind"] == kind
            and row.get("suite", "*") in ("*", case.suite)
            and fnmatch.fnmatchcase(case.id, row.get("case", "*"))
            and fnmatch.fnmatchcase(type_, row.get("type", "*"))
            and fnmatch.fnmatchcase(value, row.get("value", "*").lower())
        ):
            continue
        if "low_reason" in row:
            if value.startswith("#count"):  # count expectations: every low value of the type has this reason
                reasons = [r for (t, _), r in ours.items() if t == type_ and r]
                if not reasons or not all(fnmatch.fnmatchcase(r, row["low_reason"]) for r in reasons):
                    continue
            else:
                reasons = [
                    r for (t, v), r in ours.items() if v == value and r and (t == type_ or type_[0] == "*")
                ]
                if not any(fnmatch.fnmatchcase(r, row["low_reason"]) for r in reasons):
                    continue
        if row.get("schemeless"):
            bare = value.partition("://")[2] or value
            if ("url", bare) not in ours and ("domain", bare) not in ours:
                continue
        if "found_as" in row and (row["found_as"], value) not in ours:
            continue
        if row.get("host_of_ours") and value not in {_host(t, v) for t, v in ours}:
            continue
        return row
    return None


def _host(type_: str, value: str) -> str:
    if type_ == "email":
        return value.rpartition("@")[2]
    if type_ == "url":
        rest = value.partition("://")[2] or value
        return rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2].split(":", 1)[0]
    return ""


Ours = dict[tuple[str, str], str | None]  # ttpmap's (type, value) -> reason (None: high fidelity)


def _ours(text: str) -> Ours:
    return {(i.type, norm(i.type, i.value)): i.reason for i in find_iocs(text)}


def ttpmap_differences(
    cases: list[Case], rows: list[dict[str, str]]
) -> Iterator[tuple[Case, Difference, dict[str, str] | None]]:
    """Each difference between the suites and ttpmap (what its high-fidelity list misses, what its
    full list adds), with the row of the differences list that documents it, or None."""
    high, every = _ttpmap(True), _ttpmap(False)
    for case in cases:
        missing = [d for d in compare(case, high(case.text))[0] if d[0] == "missing"]
        extra = [d for d in compare(case, every(case.text))[0] if d[0] == "extra"]
        ours = _ours(case.text)
        for d in missing + extra:
            yield case, d, documented(case, d, rows, ours)


def _tally(cases: list[Case], run: Callable[[str], Found], kinds: set[str]) -> Tally:
    tally = Tally()
    for case in cases:
        if not any(k.startswith("*") or k in kinds for k in case.expect):
            continue  # the tool has none of the case's types
        diffs, tp, fp, fn = compare(case, run(case.text))
        tally.cases += 1
        tally.passed += not diffs
        tally.tp, tally.fp, tally.fn = tally.tp + tp, tally.fp + fp, tally.fn + fn
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list the documented differences too")
    args = parser.parse_args(argv)
    root = get_data_home() / "ioc-peers"
    if not root.is_dir():
        print(f"{root} is absent (set TTPMAP_DATA_HOME to the folder with ioc-peers/): skipped")
        return 0
    rows = load_differences()
    tools = {"ttpmap (high)": _ttpmap(True), "ttpmap (all)": _ttpmap(False), **_peers()}
    bugs = 0
    used: dict[str, int] = {}
    print(f"{'suite':12} {'tool':14} {'passed/cases':>11}")
    for suite, load in SUITES.items():
        cases = list(load(root))
        for tool, run in tools.items():
            tally = _tally(cases, run, TOOL_TYPES.get(tool, set(IOC_TYPES)))
            print(f"{suite:12} {tool:14} {tally.line()}", flush=True)
        for case, (kind, type_, value), row in ttpmap_differences(cases, rows):
            if row is None:
                bugs += 1
                print(f"  BUG {suite} {case.id}: {kind} {type_} {value!r} in {case.text[:100]!r}")
                continue
            used[row["reason"]] = used.get(row["reason"], 0) + 1
            if args.verbose:
                print(f"  documented {suite} {case.id}: {kind} {type_} {value!r}: {row['reason']}")
    print(f"\nttpmap differences from the suites: {sum(used.values())} documented, {bugs} outside the list")
    for reason, n in sorted(used.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d}  {reason}")
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
