"""Dump the classifier's outputs on every labeled text to JSON, or compare two dumps (issue 17).

    python benchmarks/classify_outputs.py dump OUT.json [--model DIR] [--data-home DIR] [--one-by-one]
    python benchmarks/classify_outputs.py compare A.json B.json [--tolerance 1e-9]

A dump holds `predict_proba` and `explain` (techniques with evidence, tactics) of the 151 TRAM2
reports, the 70 AnnoCTR reports, ``datasets/samples/*.md`` and the short texts of
``datasets/labeled/short-texts.jsonl``. `compare` prints the largest difference between two dumps'
numbers and counts every other difference (IDs, evidence, their order, ...): a speed-up of the
classifier must leave the others at 0, and the numbers equal, or, with ``--tolerance``, apart by at
most that much (a change of summation order moves the last bits of floats). With ``--one-by-one``
each text is classified on its own, as the analyzer does (a batch of one article takes the
NumPy-only scoring path; larger batches use SciPy).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

_DATASETS = Path(__file__).resolve().parents[1] / "datasets"
_SAMPLES = _DATASETS / "samples"
_SHORT = _DATASETS / "labeled" / "short-texts.jsonl"


def _plain(o: Any) -> Any:
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return {f.name: _plain(getattr(o, f.name)) for f in dataclasses.fields(o)}
    if isinstance(o, list | tuple):
        return [_plain(x) for x in o]
    if isinstance(o, dict):
        return {k: _plain(v) for k, v in o.items()}
    return o


def dump(out: Path, model_dir: Path | None, data_home: Path | None, one_by_one: bool = False) -> None:
    from ttpmap._model import load_model
    from ttpmap.datasets import load_annoctr, load_tram2

    model = load_model(model_dir)
    if model.classifier is None:
        raise SystemExit(f"{model.path} has no classifier")
    texts = {f"tram2/{i}": r.text for i, r in enumerate(load_tram2(data_home, catalog=model.catalog))}
    texts |= {f"annoctr/{i}": r.text for i, r in enumerate(load_annoctr(data_home, catalog=model.catalog))}
    texts |= {f"samples/{p.name}": p.read_text(encoding="utf-8") for p in sorted(_SAMPLES.glob("*.md"))}
    short = [json.loads(line) for line in _SHORT.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts |= {f"short/{r['id']}": r["text"] for r in short}
    keys = list(texts)
    clf = model.classifier
    if one_by_one:
        proba = [clf.predict_proba([texts[k]])[0] for k in keys]
        explained = [clf.explain([texts[k]])[0] for k in keys]
    else:
        proba = list(clf.predict_proba([texts[k] for k in keys]))
        explained = clf.explain([texts[k] for k in keys])
    result = {k: {"proba": proba[i].tolist(), "explain": _plain(explained[i])} for i, k in enumerate(keys)}
    out.write_text(json.dumps(result, sort_keys=True), encoding="utf-8")
    print(f"{len(keys)} texts -> {out}")


def _walk(a: Any, b: Any, path: str, found: dict[str, Any]) -> None:
    if isinstance(a, float) and isinstance(b, float):
        found["max"] = max(found["max"], abs(a - b))
        found["unequal_floats"] += a != b
        found["beyond"] += not abs(a - b) <= found["tolerance"]
    elif type(a) is not type(b) or (isinstance(a, dict | list) and len(a) != len(b)):
        found["other"].append(path)
    elif isinstance(a, dict):
        if a.keys() != b.keys():
            found["other"].append(path)
        else:
            for k in a:
                _walk(a[k], b[k], f"{path}/{k}", found)
    elif isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, f"{path}[{i}]", found)
    elif a != b:
        found["other"].append(path)


def compare(first: Path, second: Path, tolerance: float = 0.0) -> int:
    """0 if the dumps are identical, but for numbers apart by at most `tolerance`; else 1."""
    a = json.loads(first.read_text(encoding="utf-8"))
    b = json.loads(second.read_text(encoding="utf-8"))
    found: dict[str, Any] = {
        "max": 0.0,
        "unequal_floats": 0,
        "beyond": 0,
        "tolerance": tolerance,
        "other": [],
    }
    _walk(a, b, "", found)
    print(
        f"texts: {len(a)} and {len(b)}; largest difference between numbers: {found['max']}; "
        f"unequal numbers: {found['unequal_floats']} ({found['beyond']} by more than {tolerance}); "
        f"other differences: {len(found['other'])}"
    )
    for path in found["other"][:20]:
        print("  ", path)
    print("identical:", a == b)
    return 0 if not found["other"] and not found["beyond"] else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--model", type=Path, help="model directory (default: the shipped model)")
    d.add_argument("--data-home", type=Path, help="data folder (default: $TTPMAP_DATA_HOME or ../shared)")
    d.add_argument(
        "--one-by-one", action="store_true", help="classify each text on its own, as the analyzer does"
    )
    c = sub.add_parser("compare")
    c.add_argument("first", type=Path)
    c.add_argument("second", type=Path)
    c.add_argument(
        "--tolerance", type=float, default=0.0, help="largest difference allowed between numbers (default 0)"
    )
    args = parser.parse_args(argv)
    if args.command == "dump":
        dump(args.out, args.model, args.data_home, args.one_by_one)
        return 0
    return compare(args.first, args.second, args.tolerance)


if __name__ == "__main__":
    raise SystemExit(main())
