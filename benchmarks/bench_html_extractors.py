"""ttpmap's HTML reader against trafilatura and readability-lxml (main-content extractors), same pages.

Pages: the 70 AnnoCTR train reports rendered to HTML by markdown-it-py inside a page with navigation,
a cookie banner and a footer (from the data home; never copied). For each extractor: milliseconds per
page, and over all pages how many of the reports' table cells, image sources and `<pre>` lines survive
in its output (what the document model needs), and whether the navigation, banner or footer leaks.

trafilatura and readability-lxml are not ttpmap dependencies: install them in another environment and
pass its interpreter, e.g.

    python -m venv /tmp/x && /tmp/x/bin/pip install trafilatura readability-lxml beautifulsoup4 lxml markdown-it-py
    python benchmarks/bench_html_extractors.py --other-python /tmp/x/bin/python
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

_PAGE = (
    "<!DOCTYPE html><html><head><title>{title} | Vendor Blog</title></head><body>"
    "<div id='cookie-banner'>We use cookies to improve your experience.</div>"
    "<nav><a href='/'>Home</a> <a href='/blog'>Blog</a> <a href='/contact'>Contact us</a></nav>"
    "<article>{body}</article><footer>Copyright Vendor Inc.</footer></body></html>"
)
_NOISE = ("We use cookies", "Contact us", "Copyright Vendor")


def pages(data: str) -> tuple[list[str], list[dict[str, list[str]]]]:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark").enable("table")
    texts = [json.loads(line)["text"] for line in Path(data).read_text(encoding="utf-8").splitlines()]
    out, parts = [], []
    for text in texts:
        html = md.render(text)
        out.append(_PAGE.format(title=text.split("\n", 1)[0][:80], body=html))
        cells = [c.strip() for c in re.findall(r"<t[dh]>([^<]{4,})</t[dh]>", html)]
        images = re.findall(r'<img src="([^"]+)"', html)
        pre = [
            line for block in re.findall(r"<code>([^<]+)</code></pre>", html) for line in block.splitlines()
        ]
        parts.append({"cells": cells, "images": images, "pre": [p for p in pre if len(p.strip()) > 4]})
    return out, parts


def extractors(name: str) -> object:
    if name == "ttpmap":
        from ttpmap import Article

        return lambda page: Article.from_html(page).text
    if name == "trafilatura":
        import trafilatura

        return lambda page: (
            trafilatura.extract(
                page,
                output_format="markdown",
                include_tables=True,
                include_images=True,
                include_formatting=True,
            )
            or ""
        )
    from bs4 import BeautifulSoup
    from readability import Document

    return lambda page: BeautifulSoup(Document(page).summary(), "lxml").get_text("\n")


def measure(name: str, data: str) -> dict[str, object]:
    html, parts = pages(data)
    extract = extractors(name)
    start = time.perf_counter()
    outputs = [extract(p) for p in html]  # type: ignore[operator]
    ms = (time.perf_counter() - start) * 1000 / len(html)
    kept = {k: [0, 0] for k in ("cells", "images", "pre")}
    import html as h

    for text, want in zip(outputs, parts, strict=True):
        for key, items in want.items():
            kept[key][1] += len(items)
            kept[key][0] += sum(1 for item in items if h.unescape(item).strip() in text)
    noise = sum(1 for text in outputs for n in _NOISE if n in text)
    return {"name": name, "ms": ms, "kept": kept, "noise": noise, "pages": len(html)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None)
    parser.add_argument(
        "--other-python", default=None, help="an interpreter with trafilatura and readability-lxml"
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.data is None:
        from ttpmap._datahome import get_data_home

        args.data = str(Path(get_data_home()) / "datasets" / "annoctr" / "train.jsonl")
    if args.child:
        print(json.dumps(measure(args.child, args.data)))
        return 0
    rows = [measure("ttpmap", args.data)]
    if args.other_python:
        for name in ("trafilatura", "readability"):
            run = subprocess.run(
                [args.other_python, __file__, "--child", name, "--data", args.data],
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(run.stdout.strip().splitlines()[-1]))
    print(
        f"{'extractor':12} {'ms/page':>8} {'table cells kept':>18} {'images kept':>13} {'pre lines kept':>15} {'noise':>6}"
    )
    for r in rows:
        k = r["kept"]
        print(
            f"{r['name']:12} {r['ms']:8.2f} {k['cells'][0]:>8}/{k['cells'][1]:<9} {k['images'][0]:>5}/{k['images'][1]:<7}"  # type: ignore[index]
            f" {k['pre'][0]:>6}/{k['pre'][1]:<8} {r['noise']:>6}"  # type: ignore[index]
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
