"""The spaCy component's cost over analyzing beside spaCy, and the HTML brief's over the Markdown one.

    python benchmarks/bench_spacy_html.py [--data-home DIR] [--reports 30] [--repeat 3]

Over the first ``--reports`` TRAM2 reports, best of ``--repeat`` passes each, in turns, each after a
garbage collection. Baselines measured in the same run over the same texts: for the component,
``spacy.blank("en").make_doc(text)`` plus ``Analyzer.analyze(Article(text))`` (tokenizing and analyzing
side by side, what a user does without the component); for the page, ``Brief.to_markdown()``.
"""

from __future__ import annotations

import argparse
import itertools

import spacy

import ttpmap.spacy  # noqa: F401  (registers the factory without the installed entry point)
from _timing import best_s
from bench_batch import tram2_articles
from ttpmap import Analyzer, Article


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", help="data folder (default: $TTPMAP_DATA_HOME or ../shared)")
    parser.add_argument("--reports", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    texts = [a.text for a in itertools.islice(tram2_articles(args.reports, args.data_home), args.reports)]
    analyzer = Analyzer()
    nlp = spacy.blank("en")
    nlp.add_pipe("ttpmap")
    briefs = [analyzer.analyze(Article(t)) for t in texts]
    nlp(texts[0])

    def beside() -> None:
        for t in texts:
            nlp.make_doc(t)
            analyzer.analyze(Article(t))

    def component() -> None:
        for t in texts:
            nlp(t)

    rows = [("spaCy component", component, "make_doc + analyze", beside)]
    rows.append(("Brief.to_html()", lambda: [b.to_html() for b in briefs], "Brief.to_markdown()",
                 lambda: [b.to_markdown() for b in briefs]))  # fmt: skip
    chars = sum(map(len, texts))
    print(f"{len(texts)} TRAM2 reports, {chars:,} characters; best of {args.repeat}")
    print(f"{'what':22} {'seconds':>8}   {'baseline':22} {'seconds':>8}   ratio")
    for name, fn, base_name, base in rows:
        ours = best_s(fn, args.repeat, collect_first=True)
        theirs = best_s(base, args.repeat, collect_first=True)
        print(f"{name:22} {ours:8.3f}   {base_name:22} {theirs:8.3f}   {ours / theirs:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
