"""Severity rules throughput on real threat reports, against spaCy tokenization alone.

Runs the default `SeverityRules.assess` over the TRAM2 reports (text only) and prints articles per
second, beside a baseline measured in the same run: `spacy.blank("en").make_doc` on the same texts,
the least that any token-level rule engine has to do. A second check feeds 1x and 10x the same input
and prints the time ratio (about 10 for a linear scan).

    python benchmarks/bench_severity.py [--limit N]
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

import spacy

from _timing import best_s
from ttpmap._article import Article
from ttpmap._datahome import require_data_file
from ttpmap._document import WorkDoc
from ttpmap.severity import SeverityRules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=151, help="number of TRAM2 reports (default: all 151)")
    args = parser.parse_args()

    path = require_data_file("datasets/tram2/reports.jsonl")
    with path.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f][: args.limit]
    docs = [WorkDoc.from_article(Article(text=t)) for t in texts]
    size = sum(len(t) for t in texts)

    rules = SeverityRules.default()
    rules.assess(docs[0])  # build the matchers once, as an Analyzer does
    nlp = spacy.blank("en")

    base = best_s(lambda: [nlp.make_doc(t) for t in texts], 3)
    sev = best_s(lambda: [rules.assess(d) for d in docs], 3)
    levels = Counter(rules.assess(d).level for d in docs)

    print(f"{len(texts)} TRAM2 reports, {size / 1e6:.2f} MB of text")
    print(f"tokenize only (baseline): {len(texts) / base:8.1f} articles/s")
    rate = len(texts) / sev
    print(f"SeverityRules.assess:     {rate:8.1f} articles/s  ({sev / base:.2f}x the baseline's time)")
    print("levels:", dict(sorted(levels.items())))

    one = WorkDoc.from_article(Article(text="\n".join(texts[:10])))
    ten = WorkDoc.from_article(Article(text="\n".join(texts[:10] * 10)))
    t1 = best_s(lambda: rules.assess(one), 3)
    t10 = best_s(lambda: rules.assess(ten), 3)
    print(f"1x input {t1 * 1000:.0f} ms, 10x input {t10 * 1000:.0f} ms: ratio {t10 / t1:.1f} (linear = 10)")


if __name__ == "__main__":
    main()
