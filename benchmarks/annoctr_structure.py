"""Noise from non-prose on the 70 AnnoCTR train reports: screenshot and reference IOCs, non-prose evidence.

Counts, over the reports as published (Markdown), with one yardstick that does not depend on the
code under test (its own regexes over the raw text), so that the same script measures any version:

- high-fidelity IOCs that are image files, image URLs (inside ``![..](..)`` or ending in an image
  extension) or reference links (inside a ``[text](target)`` link target or an ``<http..>`` autolink);
- technique evidence whose span touches a heading, a table row, an image or a data URI.

Run it against main and against a branch with the same venv:

    PYTHONPATH=/work/main/src python benchmarks/annoctr_structure.py --list before.tsv
    PYTHONPATH=$PWD/src       python benchmarks/annoctr_structure.py --list after.tsv

The data is read from ``$TTPMAP_DATA_HOME/datasets/annoctr/train.jsonl`` (never copied).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from ttpmap import Analyzer

IMAGE_EXT = re.compile(r"\.(?:png|jpe?g|gif|bmp|webp|svg|tiff?)(?:[?#][^\s]*)?\Z", re.IGNORECASE)
IMAGE = re.compile(r"!\[[^\]\n]{0,1000}\]\([^)\n]{0,4096}\)")
LINK_TARGET = re.compile(
    r"(?<!!)\[[^\]\n]{0,1000}\]\((?P<t>[^)\s]{1,4096})[^)\n]{0,300}\)|<(?P<a>https?://[^\s>]{1,4096})>"
)
DATA_URI = re.compile(r"data:[a-z]{1,20}/?[\w.+-]{0,40};base64,[A-Za-z0-9+/=]*", re.IGNORECASE)
HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t][^\n]*|^[^\n]+\n[ \t]{0,3}(?:-{3,}|={3,})[ \t]*$", re.MULTILINE)
TABLE_ROW = re.compile(r"^[ \t]{0,3}\|[^\n]*\|[ \t]*$", re.MULTILINE)


def spans(pattern: re.Pattern[str], text: str, group: str | int = 0) -> list[tuple[int, int]]:
    out = []
    for m in pattern.finditer(text):
        g = group if not isinstance(group, str) else (group if m.group(group) is not None else "a")
        out.append((m.start(g), m.end(g)))
    return out


def overlaps(s: int, e: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a < e and s < b for a, b in ranges)


def ioc_noise(
    ioc: object, text: str, images: list[tuple[int, int]], links: list[tuple[int, int]]
) -> str | None:
    s, e, value = ioc.start, ioc.end, ioc.value  # type: ignore[attr-defined]
    if overlaps(s, e, images) or (ioc.type in ("filename", "url") and IMAGE_EXT.search(value)):  # type: ignore[attr-defined]
        return "image"
    if overlaps(s, e, links):
        return "reference link"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=None, help="train.jsonl (default: $TTPMAP_DATA_HOME/datasets/annoctr)"
    )
    parser.add_argument(
        "--list", default=None, help="write every high-fidelity IOC and its class to this TSV"
    )
    args = parser.parse_args()
    if args.data is None:
        from ttpmap._datahome import get_data_home

        args.data = str(Path(get_data_home()) / "datasets" / "annoctr" / "train.jsonl")
    rows = [json.loads(line) for line in Path(args.data).read_text(encoding="utf-8").splitlines()]
    analyzer = Analyzer()
    noise: Counter[str] = Counter()
    evidence: Counter[str] = Counter()
    total_iocs = total_evidence = 0
    listing = []
    for row in rows:
        text = row["text"]
        images = spans(IMAGE, text)
        links = spans(LINK_TARGET, text, "t")
        heads, table, data = spans(HEADING, text), spans(TABLE_ROW, text), spans(DATA_URI, text)
        brief = analyzer.analyze(text)
        for ioc in brief.iocs:
            total_iocs += 1
            kind = ioc_noise(ioc, text, images, links)
            if kind:
                noise[kind] += 1
            listing.append(
                f"{row['id']}\t{ioc.type}\t{ioc.value}\t{kind or ''}\t{text[max(0, ioc.start - 40) : ioc.end + 20]!r}"
            )
        seen = set()
        for t in brief.techniques:
            for ev in t.evidence:
                total_evidence += 1
                for name, ranges in (
                    ("heading", heads),
                    ("table", table),
                    ("image", images),
                    ("data URI", data),
                ):
                    if overlaps(ev.start, ev.end, ranges):
                        evidence[name] += 1
                        seen.add((t.id, ev.start))
                        break
    print(f"reports: {len(rows)}")
    print(
        f"high-fidelity IOCs: {total_iocs}; image: {noise['image']}; reference link: {noise['reference link']}"
    )
    print(
        f"technique evidence: {total_evidence}; touching heading: {evidence['heading']}, table row: "
        f"{evidence['table']}, image: {evidence['image']}, data URI: {evidence['data URI']}"
    )
    if args.list:
        Path(args.list).write_text("\n".join(listing) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
