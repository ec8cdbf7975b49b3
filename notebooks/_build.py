"""Write the tutorial notebooks from the cells below, without outputs.

    python notebooks/_build.py            # (re)write notebooks/*.ipynb
    python notebooks/_build.py --check    # exit 1 if a notebook differs from what this script writes

The notebooks live here as code so that they are reviewed like code; the ``.ipynb`` files are
generated, with no outputs and no execution counts (``tests/notebooks`` checks both and runs them).
Cell sources are written flush left, exactly as they appear in the notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent

Cell = tuple[str, str]


def md(text: str) -> Cell:
    return ("markdown", text.strip())


def code(text: str) -> Cell:
    return ("code", text.strip())


QUICKSTART: list[Cell] = [
    md(
        """
# ttpmap quickstart: from an article to a brief

ttpmap reads a security article and returns a **brief**: the ATT&CK techniques it describes (each with a
confidence and the sentences that show it), high-fidelity indicators of compromise, recommended hunts with
ready-to-run Splunk SPL and Microsoft KQL, and a severity with every reason behind it.

This notebook analyzes one of the sample articles shipped in the repository, then looks at the brief as
Markdown, as pandas tables, as evidence sentences and as hunts. It runs offline in a few seconds. Run it
from the `notebooks/` folder of a checkout.
"""
    ),
    code(
        """
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import ttpmap

SAMPLES = Path("..") / "datasets" / "samples"
sorted(p.name for p in SAMPLES.glob("*.md"))
"""
    ),
    md(
        """
## Analyze an article

`ttpmap.analyze(text_or_article)` is the one-line way in. In a notebook or a pipeline, create an
`Analyzer` once: it verifies the model directory (the SHA-256 of every file) and loads the model and the
ATT&CK catalog a single time, then analyzes any number of articles.
"""
    ),
    code(
        """
analyzer = ttpmap.Analyzer()
article = ttpmap.Article.from_file(SAMPLES / "phishing-to-ransomware.md")
brief = analyzer.analyze(article)
print(analyzer)
print(f"{brief.title!r}: severity {brief.severity.level} (score {brief.severity.score})")
print(f"{len(brief.techniques)} techniques, {len(brief.iocs)} IOCs, {len(brief.hunts)} hunts")
"""
    ),
    md(
        """
## The brief as Markdown

`brief.to_markdown()` is the report an analyst reads; a `Brief` also renders itself when it is the last
expression of a cell. `brief.to_json()` and `brief.to_dict()` give the same content as data.
"""
    ),
    code(
        """
display(Markdown(brief.to_markdown()))
"""
    ),
    md(
        """
## Techniques and IOCs as DataFrames

Every part of a brief is a frozen dataclass, so a list comprehension turns it into a table. `source` says
what reported a technique: the classifier's evidence (`model`), the article's writing its ATT&CK ID
(`mention`), its ATT&CK name or an alias (`name`), a plain-word phrasing whose precision was measured in
training (`phrase`), or the article's own ATT&CK table (`article-mapping`).
"""
    ),
    code(
        """
techniques = pd.DataFrame(
    [
        {
            "id": t.id,
            "name": t.name,
            "tactics": ", ".join(t.tactics),
            "confidence": round(t.confidence, 3),
            "source": t.source,
            "evidence sentences": len(t.evidence),
        }
        for t in brief.techniques
    ]
)
techniques
"""
    ),
    code(
        """
iocs = pd.DataFrame(
    [
        {"type": i.type, "value": i.value, "defanged in the text": i.defanged, "start": i.start, "end": i.end}
        for i in brief.iocs
    ]
)
iocs
"""
    ),
    md(
        """
Offsets point into `article.text`, so every IOC can be traced back to what the author wrote (defanged
values such as `91.215.85[.]17` come back refanged):
"""
    ),
    code(
        """
pd.DataFrame(
    [{"value": i.value, "as written": article.text[i.start : i.end]} for i in brief.iocs if i.defanged]
)
"""
    ),
    md(
        """
The severity is explained: each reason names the rule that fired, its score and what it rests on.
"""
    ),
    code(
        """
pd.DataFrame(
    [{"level": r.level, "score": r.score, "rule": r.rule, "reason": r.text} for r in brief.severity.reasons]
)
"""
    ),
    md(
        """
## Where in the article each finding sits

Evidence sentences and IOCs carry character offsets, so one plot shows how the story unfolds: initial
access near the top, impact near the end.
"""
    ),
    code(
        """
fig, ax = plt.subplots(figsize=(9, 0.35 * len(brief.techniques) + 1.5))
labels = [f"{t.id} {t.name}" for t in brief.techniques]
for row, t in enumerate(brief.techniques):
    ax.scatter([e.start for e in t.evidence], [row] * len(t.evidence), marker="s", color="tab:blue")
ax.scatter([i.start for i in brief.iocs], [-1] * len(brief.iocs), marker="|", s=200, color="tab:red")
ax.set_yticks(range(-1, len(labels)), ["IOCs", *labels], fontsize=8)
ax.invert_yaxis()
ax.set_xlim(0, len(article.text))
ax.set_xlabel("character offset in the article")
ax.set_title(brief.title or "article", fontsize=10)
fig.tight_layout()
plt.show()
"""
    ),
    md(
        """
## The evidence for one technique

Take the most confident technique that has a recommended hunt: the sentences below are why the brief lists
it. Their offsets are exact, so `article.text[start:end]` gives each sentence back.
"""
    ),
    code(
        """
hunted = {tid for h in brief.hunts for tid in h.techniques}
technique = next(t for t in brief.techniques if t.id in hunted)
print(f"{technique.id} {technique.name}, confidence {technique.confidence:.2f} ({technique.source})")
print(technique.url)
for e in technique.evidence:
    assert article.text[e.start : e.end] == e.text
    display(Markdown(f"> {' '.join(e.text.split())}\\n\\n*characters {e.start}–{e.end}*"))
"""
    ),
    md(
        """
## The hunts for it

Hunts come from Sigma rules converted with pySigma: `spl` for Splunk (CIM data models), `kql` for
Microsoft Defender XDR and `kql_sentinel` for Sentinel (ASIM). `false_positives` says what else matches.
"""
    ),
    code(
        """
hunts = [h for h in brief.hunts if technique.id in h.techniques]
pd.DataFrame(
    [
        {"id": h.id, "title": h.title, "phase": h.phase, "confidence": h.confidence, "level": h.level}
        for h in hunts
    ]
)
"""
    ),
    code(
        """
for h in hunts:
    display(
        Markdown(
            f"### {h.title}\\n\\n{h.description}\\n\\n"
            f"**Splunk SPL**\\n\\n```spl\\n{h.spl}\\n```\\n\\n"
            f"**Microsoft Defender KQL**\\n\\n```kql\\n{h.kql}\\n```\\n\\n"
            f"*False positives:* {'; '.join(h.false_positives) or 'none listed'}. "
            f"*Rule* {h.source.get('rule_id', '')} by {h.source.get('author', 'unknown')}."
        )
    )
"""
    ),
    md(
        """
## Several articles at once

One analyzer serves any number of articles (`analyzer.analyze_many(articles, n_jobs=2)` streams large
batches). A how-to post with no attack in it should come out far below an incident report:
"""
    ),
    code(
        """
rows = []
for path in sorted(SAMPLES.glob("*.md")):
    b = analyzer.analyze(ttpmap.Article.from_file(path))
    rows.append(
        {
            "article": path.name,
            "severity": b.severity.level,
            "score": b.severity.score,
            "techniques": len(b.techniques),
            "IOCs": len(b.iocs),
            "hunts": len(b.hunts),
        }
    )
pd.DataFrame(rows).sort_values("score", ascending=False)
"""
    ),
    md(
        """
Next: `02-retrain.ipynb` trains a classifier on your own labels, `03-evaluate.ipynb` measures one.
"""
    ),
]


RETRAIN: list[Cell] = [
    md(
        """
# Retrain the technique classifier on your own labels

This notebook trains a `TechniqueClassifier` on three quarters of TRAM2 (151 threat reports with
human-gold ATT&CK labels) plus ATT&CK procedure examples, TRAM's bootstrap sentences, TTPDrill and labeled
articles of your own. It compares the new model with the shipped one on the TRAM2 reports it did not see,
saves it as a model directory (joblib inside, a manifest with the SHA-256 of every file), loads it back
through the verifying loader, and analyzes an article with it.

The datasets are not part of the package: they are read from the data home, `$TTPMAP_DATA_HOME` (or
`data_home=`), by default the `shared` folder beside a checkout. Training takes well under a minute on
two cores.
"""
    ),
    code(
        """
import os
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import ttpmap
from ttpmap.classify import TechniqueClassifier, default_corpus, fit_inputs
from ttpmap.datasets import read_articles

DATA_HOME = os.environ.get("TTPMAP_DATA_HOME")  # None: the `shared` folder beside this checkout
REPO = Path("..")
"""
    ),
    md(
        """
## The shipped model and its ATT&CK catalog

`ttpmap.load_model()` checks the SHA-256 of every file against the model's manifest before anything is
unpickled. The catalog it holds defines the label space: TRAM2's ATT&CK v13 IDs are resolved through it
(revoked IDs become their replacements).
"""
    ),
    code(
        """
shipped = ttpmap.load_model()
catalog = shipped.catalog
CATALOG_FILE = shipped.path / "attack-catalog.json.gz"
print(f"{shipped.name}: ATT&CK v{catalog.version}, classifier: {shipped.classifier is not None}")
"""
    ),
    md(
        """
## Load TRAM2 and hold back a quarter of it

The two near-duplicate "Iranian Government-Sponsored…" reports share a `group`, so a grouped split keeps
them on the same side.
"""
    ),
    code(
        """
from sklearn.model_selection import GroupShuffleSplit

sentences, reports = default_corpus(DATA_HOME, catalog=catalog)
split = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=0)
train_idx, test_idx = next(split.split(reports, groups=[r.group for r in reports]))
train_reports = [reports[i] for i in train_idx]
test_reports = [reports[i] for i in test_idx]
print(f"{len(reports)} reports: {len(train_reports)} to train on, {len(test_reports)} held back")
pd.DataFrame(
    {
        "characters": [len(r.text) for r in reports],
        "techniques": [len(r.labels) for r in reports],
        "gold spans": [len(r.spans) for r in reports],
    }
).describe().round(1)
"""
    ),
    md(
        """
## Sentence-level training data

Short texts are sentence-level examples of their labels: ATT&CK procedure examples, TRAM's bootstrap
sentences and TTPDrill, which `default_corpus` (above) loaded with the same rules as `ttpmap train`.
TRAM's bootstrap set repeats thousands of TRAM2 sentences verbatim, so `default_corpus` drops those:
otherwise the held-back reports would leak into training.
"""
    ),
    code(
        """
pd.Series([s.extra["source"] for s in sentences]).value_counts().rename("sentences")
"""
    ),
    md(
        """
## Your own labels

Labeled articles are JSON Lines (or CSV): `text`, `labels` (technique IDs), optional `spans` (`[start,
end, technique_id]` offsets of the passages that show a technique) and `group`; `datasets/README.md`
describes the format. The two small sample files below stand in for yours.
"""
    ),
    code(
        """
own = [
    *read_articles(REPO / "datasets" / "labeled" / "sample-articles.jsonl"),
    *read_articles(REPO / "datasets" / "labeled" / "sample-sentences.jsonl"),
]
example = own[0]
print(f"{len(own)} records; the first: {example.title!r}, labels {list(example.labels)}")
for start, end, tid in example.spans[:3]:
    print(f"  {tid}: {example.text[start:end]!r}")
"""
    ),
    md(
        """
## Train

`TechniqueClassifier` is a scikit-learn estimator: `fit(X, y, spans=, groups=)`, `predict`,
`predict_proba`, `classes_`. Its defaults are what `ttpmap train` uses; here two speed knobs are turned
down (fewer sampled negatives per technique, two internal calibration folds instead of three), which
trains about three times faster for a small loss.
"""
    ),
    code(
        """
import time

X, y, spans, groups = fit_inputs([*sentences, *own, *train_reports])
clf = TechniqueClassifier(catalog=str(CATALOG_FILE), max_negatives=2000, inner_cv=2, n_jobs=2, random_state=0)
t0 = time.perf_counter()
clf.fit(X, y, spans=spans, groups=groups)
print(f"trained on {len(X):,} texts in {time.perf_counter() - t0:.0f} s: {len(clf.classes_)} techniques")
clf
"""
    ),
    md(
        """
## Compare with the shipped model on the held-back reports

Micro precision, recall and F1 over (report, technique) pairs, exact IDs. The shipped model runs through an
`Analyzer`, as users meet it; the new classifier through `predict`.

**Read the shipped model's row with care**: it was trained on all 151 TRAM2 reports, these held-back ones
included, so its score here is optimistic. A model without a classifier (catalog only) lists just the
techniques an article names by ID.
"""
    ),
    code(
        """
from sklearn.metrics import precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer


def micro_scores(gold, pred):
    mlb = MultiLabelBinarizer().fit([*gold, *pred])
    p, r, f1, _ = precision_recall_fscore_support(
        mlb.transform(gold), mlb.transform(pred), average="micro", zero_division=0
    )
    return {"precision": p, "recall": r, "F1": f1, "predicted": sum(map(len, pred))}


texts = [r.text for r in test_reports]
gold = [list(r.labels) for r in test_reports]
retrained = [list(clf.classes_[row == 1]) for row in clf.predict(texts)]
shipped_analyzer = ttpmap.Analyzer()
shipped_pred = [[t.id for t in shipped_analyzer.analyze(text).techniques] for text in texts]
how = "trained on these too" if shipped.classifier is not None else "no classifier: IDs named in the text"
comparison = pd.DataFrame(
    {
        "retrained here": micro_scores(gold, retrained),
        f"shipped {shipped.name} ({how})": micro_scores(gold, shipped_pred),
    }
).T
comparison["gold"] = sum(map(len, gold))
comparison.round(3)
"""
    ),
    code(
        """
ax = comparison[["precision", "recall", "F1"]].T.plot.bar(figsize=(7, 4), rot=0)
ax.set_ylim(0, 1)
ax.set_ylabel("micro average")
ax.set_title(f"{len(test_reports)} held-back TRAM2 reports, exact technique IDs", fontsize=10)
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=1)
plt.show()
"""
    ),
    md(
        """
## Save it as a model directory

`save_model` writes a model directory: the ATT&CK catalog, the classifier (joblib), its predict side as
plain arrays (`predictor.npz`, what `Analyzer` loads) and `manifest.json` with the SHA-256 of each file,
the model's name, the library versions it was built with, and whatever metadata you add. Use a permanent folder
for a model you keep; this one is temporary.
"""
    ),
    code(
        """
import json
import tempfile

from ttpmap.classify import save_model

workdir = Path(tempfile.mkdtemp(prefix="ttpmap-notebook-"))
model_dir = save_model(
    clf,
    workdir / "retrained",
    name="tram2-three-quarters",
    metadata={
        "training_data": {"texts": len(X), "tram2_reports": len(train_reports), "own_records": len(own)}
    },
)
print(json.dumps(json.loads((model_dir / "manifest.json").read_text()), indent=2))
"""
    ),
    md(
        """
## Load it back, safely

A joblib file runs code when it is loaded. `ttpmap.load_model` therefore hashes every file first and
refuses the directory if anything differs from the manifest, as a copy with one flipped bit shows.
"""
    ),
    code(
        """
import shutil

model = ttpmap.load_model(model_dir)
print(model.describe())

tampered = Path(shutil.copytree(model_dir, workdir / "tampered"))
blob = bytearray((tampered / "classifier.joblib").read_bytes())
blob[len(blob) // 2] ^= 1
(tampered / "classifier.joblib").write_bytes(bytes(blob))
try:
    ttpmap.load_model(tampered)
except ttpmap.ModelIntegrityError as exc:
    print("refused:", exc)
"""
    ),
    md(
        """
## Analyze with the retrained model

`Analyzer(model=DIR)` (or `$TTPMAP_MODEL`, or `ttpmap analyze --model DIR`) uses it everywhere.
"""
    ),
    code(
        """
analyzer = ttpmap.Analyzer(model=model_dir)
sample = REPO / "datasets" / "samples" / "phishing-to-ransomware.md"
brief = analyzer.analyze(ttpmap.Article.from_file(sample))
print(f"{brief.title!r}: severity {brief.severity.level}, model {brief.model['name']}")
pd.DataFrame(
    [
        {
            "id": t.id,
            "name": t.name,
            "confidence": round(t.confidence, 3),
            "source": t.source,
            "first evidence": " ".join(t.evidence[0].text.split()) if t.evidence else "",
        }
        for t in brief.techniques
    ]
)
"""
    ),
    code(
        """
shutil.rmtree(workdir)
"""
    ),
]


EVALUATE: list[Cell] = [
    md(
        """
# Evaluate the technique classifier: per technique, misses and thresholds

Honest numbers need reports the model never saw. The shipped model was trained on all 151 TRAM2 reports,
so scoring it on TRAM2 measures how well it remembers them, not how it will do on your next article (the
last section shows the gap). This notebook therefore trains the shipped configuration, with two speed
knobs turned down, in **grouped 3-fold cross-validation**: every report is predicted by a model that did
not see it. `ttpmap evaluate --out DIR` runs the full protocol (5 folds, default settings, next to the
rcATT baseline) and writes `evaluation.json` with a plot.

Needs the data home (`$TTPMAP_DATA_HOME`, by default the `shared` folder beside a checkout). About a
minute on two cores.
"""
    ),
    code(
        """
import os

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

import ttpmap
from ttpmap.classify import TechniqueClassifier, default_corpus, fit_inputs

DATA_HOME = os.environ.get("TTPMAP_DATA_HOME")  # None: the `shared` folder beside this checkout
"""
    ),
    code(
        """
shipped = ttpmap.load_model()
catalog = shipped.catalog
CATALOG_FILE = shipped.path / "attack-catalog.json.gz"
sentences, reports = default_corpus(DATA_HOME, catalog=catalog)
print(f"{len(reports)} TRAM2 reports, {len(sentences):,} training sentences, ATT&CK v{catalog.version}")
"""
    ),
    md(
        """
## Out-of-fold probabilities

Each fold trains on the sentences and two thirds of the reports (grouped, so near-duplicates stay
together), then scores the remaining third: `predict_proba` for probabilities, `predict` for decisions.
Folds can differ slightly in their label space (`classes_`), so probabilities, decisions and each
technique's tuned threshold are gathered into one table over every technique; one outside a fold's label
space gets probability 0 there and is never predicted.
"""
    ),
    code(
        """
import time

from sklearn.base import clone
from sklearn.model_selection import GroupKFold

estimator = TechniqueClassifier(
    catalog=str(CATALOG_FILE), max_negatives=2000, inner_cv=2, n_jobs=2, random_state=0
)
folds = GroupKFold(n_splits=3).split(reports, groups=[r.group for r in reports])
fold_results = []
t0 = time.perf_counter()
for train_idx, test_idx in folds:
    X, y, spans, groups = fit_inputs([*sentences, *(reports[i] for i in train_idx)])
    clf = clone(estimator).fit(X, y, spans=spans, groups=groups)
    held_out = [reports[i].text for i in test_idx]
    fold_results.append((test_idx, clf, clf.predict_proba(held_out), clf.predict(held_out)))
print(f"3 folds in {time.perf_counter() - t0:.0f} s")

seen = {c for _, clf, _, _ in fold_results for c in clf.classes_}
techniques = sorted(seen | {t for r in reports for t in r.labels})
column = {t: j for j, t in enumerate(techniques)}
shape = (len(reports), len(techniques))
prob, cut = np.zeros(shape), np.full(shape, np.inf)
pred, in_space, gold = np.zeros(shape, bool), np.zeros(shape, bool), np.zeros(shape, bool)
for test_idx, clf, proba, decided in fold_results:
    rows, cols = np.ix_(test_idx, [column[c] for c in clf.classes_])
    prob[rows, cols] = proba
    cut[rows, cols] = clf.thresholds_
    pred[rows, cols] = decided == 1
    in_space[rows, cols] = True
for i, r in enumerate(reports):
    gold[i, [column[t] for t in r.labels]] = True
print(f"{len(techniques)} techniques; {int(gold.sum())} gold (report, technique) pairs")
"""
    ),
    md(
        """
## Overall and per technique

Micro averages count every (report, technique) pair; macro averages weigh each technique that occurs in
the gold labels equally, so rare techniques pull them down. These are exact IDs over the full label space;
`ttpmap evaluate` (and the model card) also report TRAM's 50-label space and parent-level matches, which
score higher.
"""
    ),
    code(
        '''
def prf(tp, fp, fn):
    """Precision, recall and F1 from counts (numbers or arrays); 0 where undefined."""
    tp, fp, fn = (np.asarray(a, dtype=float) for a in (tp, fp, fn))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.nan_to_num(tp / (tp + fp))
        recall = np.nan_to_num(tp / (tp + fn))
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return precision, recall, f1


def scores(tp, fp, fn):
    return dict(zip(["precision", "recall", "F1"], map(float, prf(tp, fp, fn)), strict=True))


tp = (pred & gold).sum(axis=0)
fp = (pred & ~gold).sum(axis=0)
fn = (~pred & gold).sum(axis=0)
per_technique = pd.DataFrame(
    {
        "name": [catalog.techniques[t].name for t in techniques],
        "support": gold.sum(axis=0),
        "tp": tp,
        "fp": fp,
        "fn": fn,
    },
    index=pd.Index(techniques, name="technique"),
)
per_technique["precision"], per_technique["recall"], per_technique["F1"] = prf(tp, fp, fn)
gold_techniques = per_technique[per_technique.support > 0]
overall = pd.DataFrame(
    {
        "micro": scores(tp.sum(), fp.sum(), fn.sum()),
        "macro": gold_techniques[["precision", "recall", "F1"]].mean(),
    }
).T
overall.round(3)
'''
    ),
    code(
        """
gold_techniques.sort_values(["support", "F1"], ascending=False).head(25).round(2)
"""
    ),
    code(
        """
common = gold_techniques[gold_techniques.support >= 10].sort_values("F1")
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 0.22 * len(common) + 1.5), width_ratios=(3, 2))
y_pos = np.arange(len(common))
ax1.barh(y_pos - 0.2, common.precision, height=0.4, label="precision")
ax1.barh(y_pos + 0.2, common.recall, height=0.4, label="recall")
ax1.scatter(common.F1, y_pos, color="black", marker="|", s=80, label="F1", zorder=3)
names = [f"{t} {n[:28]} ({s})" for t, n, s in zip(common.index, common.name, common.support, strict=True)]
ax1.set_yticks(y_pos, names, fontsize=7)
ax1.set_xlim(0, 1)
ax1.set_title("techniques in at least 10 reports (support in brackets)", fontsize=9)
ax1.legend(fontsize=7, loc="lower right")
ax2.scatter(gold_techniques.recall, gold_techniques.precision, s=8 + 4 * gold_techniques.support, alpha=0.5)
ax2.set_xlabel("recall")
ax2.set_ylabel("precision")
ax2.set_xlim(-0.05, 1.05)
ax2.set_ylim(-0.05, 1.05)
ax2.set_title("every gold technique (size: support)", fontsize=9)
fig.tight_layout()
plt.show()
"""
    ),
    md(
        """
## What is missed, and why

A gold technique is missed because it is **outside the label space** (fewer than `min_examples`
sentence-level training examples, so the model has no column for it), because the model **scored it below
its threshold** (the probability tells how close it came), or because it cleared its threshold but was
**dropped for a sub-technique** the model reported instead (`parents="drop_redundant"`).
"""
    ),
    code(
        """
misses = pd.DataFrame(
    [
        {
            "report": i,
            "technique": techniques[j],
            "reason": (
                "outside the label space"
                if not in_space[i, j]
                else "scored below threshold"
                if prob[i, j] < cut[i, j]
                else "dropped for a sub-technique"
            ),
            "probability": prob[i, j],
            "threshold": cut[i, j] if in_space[i, j] else np.nan,
        }
        for i, j in zip(*np.nonzero(gold & ~pred), strict=True)
    ]
)
by_technique = (
    pd.crosstab(misses.technique, misses.reason)
    .assign(missed=lambda d: d.sum(axis=1))
    .join(gold_techniques[["name", "support", "recall"]])
    .sort_values(["missed", "support"], ascending=False)
)
print(misses.reason.value_counts().to_string())
by_technique.head(15).round(2)
"""
    ),
    code(
        """
fig, ax = plt.subplots(figsize=(8, 3.5))
bins = np.linspace(0, 1, 41)
for mask, label in [
    (gold & pred, "found (true positives)"),
    (gold & in_space & (prob < cut), "missed: below threshold"),
    (~gold & pred, "false alarms"),
]:
    ax.hist(prob[mask], bins=bins, histtype="step", linewidth=1.5, label=label)
ax.set_xlabel("probability from predict_proba")
ax.set_ylabel("(report, technique) pairs")
ax.set_yscale("log")
ax.legend(fontsize=8)
plt.show()
"""
    ),
    md(
        """
For the techniques most often scored below their threshold, the gold spans are the passages an annotator
tied to the technique in the reports where it was missed. Reading them usually explains the miss: the
behaviour is implied rather than stated, the sentence names a tool instead of the behaviour, or the span is
a fragment with no context.
"""
    ),
    code(
        """
below = misses[misses.reason == "scored below threshold"]
for technique in below.technique.value_counts().index[:4]:
    info = gold_techniques.loc[technique]
    rows = below[below.technique == technique].sort_values("probability")
    lines = [f"### {technique} {info['name']}: below its threshold in {len(rows)} of {info.support} reports"]
    for row in rows.head(3).itertuples():
        report = reports[row.report]
        quotes = [" ".join(report.text[a:b].split()) for a, b, t in report.spans if t == technique][:2]
        lines.append(f"**{report.title[:80]}**: probability {row.probability:.2f}, cut {row.threshold:.2f}")
        lines.extend(f"> {q[:400]}" for q in quotes or ["(no span marks this technique)"])
    display(Markdown("\\n\\n".join(lines)))
"""
    ),
    md(
        """
## Trading precision for recall with the confidence threshold

`threshold="tuned"` picks a cut per technique on internal folds. One global cut on `predict_proba` shows
the trade-off: lower it to miss less, raise it for fewer false alarms. Gold techniques outside the label
space count as misses at every cut. The curve keeps a parent next to its reported sub-technique, so at a
given cut it can differ slightly from what `predict` would report.
"""
    ),
    code(
        """
cuts = np.round(np.linspace(0.02, 0.98, 49), 2)
curve = pd.DataFrame(
    [
        {"threshold": c, **scores((prob >= c)[gold].sum(), (prob >= c)[~gold].sum(), (prob < c)[gold].sum())}
        for c in cuts
    ]
).set_index("threshold")
best = curve.F1.idxmax()
tuned = overall.loc["micro"]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
curve.plot(ax=ax1)
ax1.axvline(best, color="grey", linestyle=":", label=f"best global cut {best:.2f}")
ax1.set_xlabel("global threshold on predict_proba")
ax1.set_ylim(0, 1)
ax1.legend(fontsize=8)
ax2.plot(curve.recall, curve.precision, marker=".")
ax2.scatter([tuned.recall], [tuned.precision], color="red", zorder=3, label="tuned per-technique thresholds")
for c in (0.1, 0.3, 0.5, 0.7):
    ax2.annotate(f"{c:.1f}", (curve.recall[c], curve.precision[c]), fontsize=8)
ax2.set_xlabel("recall (micro)")
ax2.set_ylabel("precision (micro)")
ax2.legend(fontsize=8)
fig.tight_layout()
plt.show()
curve.loc[[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]].round(3)
"""
    ),
    md(
        """
## The shipped model on the same reports (optimistic)

For comparison, the shipped model's classifier scored on all 151 reports. It was trained on these very
reports, so this is an upper bound, not an estimate of how it does on new articles: the cross-validated
numbers above are the honest ones. A model without a classifier (catalog only) lists just the techniques an
article names by ID, through an `Analyzer`.
"""
    ),
    code(
        """
texts = [r.text for r in reports]
if shipped.classifier is not None:
    decided = shipped.classifier.predict(texts)
    found = [set(shipped.classifier.classes_[row == 1]) for row in decided]
    how = "trained on these reports"
else:
    analyzer = ttpmap.Analyzer()
    found = [{t.id for t in analyzer.analyze(text).techniques} for text in texts]
    how = "no classifier: IDs named in the text"
labels = [set(r.labels) for r in reports]
s_tp = sum(len(f & g) for f, g in zip(found, labels, strict=True))
s_fp = sum(len(f - g) for f, g in zip(found, labels, strict=True))
s_fn = sum(len(g - f) for f, g in zip(found, labels, strict=True))
pd.DataFrame(
    {
        "cross-validated here (honest)": overall.loc["micro"],
        f"shipped {shipped.name} ({how})": scores(s_tp, s_fp, s_fn),
    }
).T.round(3)
"""
    ),
]


ANALYST_LOOP: list[Cell] = [
    md(
        """
# The analyst's loop: correct a brief, retrain on the corrections, see what changed

A brief is a starting point for an analyst. When it gets a technique wrong, the correction should teach the
model. This notebook walks the loop on the articles shipped in `datasets/samples/`:

1. analyze the samples with the shipped model;
2. turn two briefs into labeled records (`brief.to_label(article)`; on the command line `ttpmap analyze
   ARTICLE --format label`) and review them: confirm, reject, add;
3. retrain the shipped model's recipe with the corrections under a new name, `acme-v2` (`ttpmap train --out
   DIR --name acme-v2 --data corrections.jsonl`);
4. score both models side by side on labeled articles (`ttpmap evaluate --data FILE --model DIR --model DIR
   --compare`) and plot what changed.

Training reads the data home (`$TTPMAP_DATA_HOME`, by default the `shared` folder beside a checkout), as
`ttpmap train` does; it takes about a minute on two idle cores. Run it from the `notebooks/` folder of a
checkout.
"""
    ),
    code(
        """
import json
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import ttpmap
from ttpmap.classify import compare_models, score_models, train_model

DATA_HOME = os.environ.get("TTPMAP_DATA_HOME")  # None: the `shared` folder beside this checkout
REPO = Path("..")
SAMPLES = REPO / "datasets" / "samples"
LABELED = REPO / "datasets" / "labeled"
workdir = Path(tempfile.mkdtemp(prefix="ttpmap-loop-"))
shipped = ttpmap.load_model()
print(f"{shipped.name}: ATT&CK v{shipped.attack_version}")
"""
    ),
    md(
        """
## 1. Analyze the samples

`brief.model` names the model that wrote each brief.
"""
    ),
    code(
        """
analyzer = ttpmap.Analyzer()
articles = {p.name: ttpmap.Article.from_file(p) for p in sorted(SAMPLES.glob("*.md"))}
briefs = {name: analyzer.analyze(a) for name, a in articles.items()}
pd.DataFrame(
    [
        {"article": name, "model": b.model["name"], "techniques": " ".join(t.id for t in b.techniques)}
        for name, b in briefs.items()
    ]
)
"""
    ),
    md(
        """
## 2. Correct two briefs

`to_label` writes the article as a labeled record whose `techniques` are the brief's, each `"status":
"predicted"`, with its confidence, source and evidence sentences. The review below follows the techniques
an analyst wrote down for each sample before any model was scored on them (`sample-labels.json`): a
predicted technique on that list is `confirmed`, one that is not is `rejected`, and a listed one the model
missed is `added` (here without evidence; give `"evidence": [{"text": "a sentence quoted from the
article"}]` when you can, and the sentence becomes a training example). `datasets/README.md` documents the
format; a record with a technique still `predicted` is refused when read, so nothing unreviewed becomes truth.
"""
    ),
    code(
        """
analyst = json.loads((LABELED / "sample-labels.json").read_text())["labels"]


def review(name):
    record = briefs[name].to_label(articles[name])
    truth = set(analyst[name])
    for t in record["techniques"]:
        t["status"] = "confirmed" if t["id"] in truth else "rejected"
    predicted = {t["id"] for t in record["techniques"]}
    record["techniques"] += [{"id": tid, "status": "added"} for tid in sorted(truth - predicted)]
    return record


corrected = ["phishing-to-ransomware.md", "supply-chain-build-dependency.md"]
records = [review(name) for name in corrected]
corrections = workdir / "corrections.jsonl"
corrections.write_text("".join(json.dumps(r) + "\\n" for r in records))
pd.DataFrame(
    [
        {"article": name, "status": t["status"], "technique": t["id"], "source": t.get("source", "")}
        for name, r in zip(corrected, records, strict=True)
        for t in r["techniques"]
    ]
).pivot_table(index="status", columns="article", values="technique", aggfunc=" ".join)
"""
    ),
    md(
        """
## 3. Retrain under a new name

The shipped model's recipe (the data home's sources, the parameters in its manifest, and the labeled
short texts its card's command adds) plus the corrections. A rejected technique is a negative for its
article, each of its evidence sentences a negative example that its sentence model always keeps, and a
phrase, alias or ATT&CK name of it that occurs in the article is no longer used to report it: the manifest
lists those, and the model card (`ttpmap train` writes `MODEL_CARD.md`) shows them under "Rejected by
analysts".
"""
    ),
    code(
        """
v2, meta = train_model(
    workdir / "acme-v2",
    name="acme-v2",
    data_home=DATA_HOME,
    data=[LABELED / "short-texts.jsonl", corrections],
)
print(f"{meta['name']}: {meta['n_labels']} techniques, trained in {meta['training_seconds']} s")
print("base model:", meta["base_model"]["name"])
print("--data files:", [(Path(f["path"]).name, f["records"], f["rejected"]) for f in meta["data_files"]])
print("no longer used:", meta["rejected_phrases"] + meta["rejected_mentions"])
"""
    ),
    md(
        """
## 4. Both models side by side

Scored on two labeled sets: the four samples with the analyst's labels (two of them are the corrected ones,
which `acme-v2` trained on), and the held-out third of `short-texts.jsonl`, short texts in the styles real
feeds use that neither model trained on. Micro and macro precision, recall and F1 over exact technique IDs.
"""
    ),
    code(
        """
samples_file = workdir / "samples-labeled.jsonl"
samples_file.write_text(
    "".join(
        json.dumps({"id": name, "text": a.text, "labels": analyst[name]}) + "\\n"
        for name, a in articles.items()
    )
)
short_file = workdir / "short-texts-holdout.jsonl"
short_file.write_text(
    "".join(
        line + "\\n"
        for line in (LABELED / "short-texts.jsonl").read_text().splitlines()
        if json.loads(line)["split"] == "holdout"
    )
)
results, rows = {}, []
for label, data in (("samples", samples_file), ("short texts, held out", short_file)):
    results[label] = score_models([data], [shipped.path, v2])
    for m in results[label]["models"]:
        for avg in ("micro", "macro"):
            scores = m["techniques"][avg]
            rows.append({"data": label, "model": m["name"], "avg": avg, **scores})
table = pd.DataFrame(rows).set_index(["data", "avg", "model"])[["precision", "recall", "f1"]]
table.unstack("model").round(3)
"""
    ),
    md(
        """
## What changed

`compare_models` lists, per technique, the articles where `acme-v2` gained or lost it, and whether that
fixed or broke the brief against the labels (`ttpmap evaluate ... --compare` prints the same). Besides
what the review asked for (a rejected technique gone, an added one found), expect a few changes elsewhere:
two records among some 31,000 training texts still shift the vocabulary and the sampled negatives a
little. The held-out short texts show whether that cost anything; with more corrections, the same table
shows whether they pay off.
"""
    ),
    code(
        """
changed = {}
for label, result in results.items():
    diff = compare_models(result)
    for a in diff["articles"]:
        gained, lost = " ".join(a["added"]) or "-", " ".join(a["removed"]) or "-"
        print(f"{label} / {a['id']}: gained {gained}; lost {lost}")
    changed[label] = pd.DataFrame(diff["techniques"], columns=["id", "fixed", "broken"]).set_index("id")
changes = pd.concat(changed, names=["data"]).groupby("id").sum()
changes
"""
    ),
    code(
        """
if changes.empty:
    changes.loc["(none)"] = 0
ax = changes[["fixed", "broken"]].plot.barh(
    figsize=(7, max(2.5, 0.3 * len(changes))), color=["tab:green", "tab:red"]
)
ax.set_xlabel("articles")
ax.set_title(f"{shipped.name} -> acme-v2: techniques whose briefs changed", fontsize=10)
plt.tight_layout()
plt.show()
"""
    ),
    md(
        """
## On the command line

```bash
ttpmap analyze article.md --format label >> corrections.jsonl        # then review each technique
ttpmap train --out models/acme-v2 --name acme-v2 --data corrections.jsonl
ttpmap evaluate --data labeled.jsonl --model models/default --model models/acme-v2 --compare
```
"""
    ),
]


SPACY_AND_HTML: list[Cell] = [
    md(
        """
# ttpmap in a spaCy pipeline, and the brief as a page

Two ways to look at a brief beside Markdown and JSON:

- **spaCy**: with `ttpmap[spacy]` installed, `nlp.add_pipe("ttpmap")` adds ttpmap to any pipeline. Each `Doc`
  gets `doc._.ttpmap_brief` (the `Brief`), `doc.spans["ttpmap_evidence"]` (one span per evidence passage,
  labelled by technique ID), `doc.spans["ttpmap_iocs"]` (labelled by IOC type, `kb_id` the refanged value) and
  `doc.cats` (one score per ATT&CK tactic).
- **HTML**: `brief.to_html()` (or `ttpmap analyze FILE --format html`) writes one self-contained page: the
  article with every evidence passage highlighted in its technique's colour and every IOC marked, defanged,
  with a copy button. In a notebook a `Brief` shows itself that way.

Runs offline in a few seconds, from the `notebooks/` folder of a checkout.
"""
    ),
    code(
        """
from pathlib import Path

import spacy
from spacy import displacy

import ttpmap
import ttpmap.spacy  # registers the factory here; an installed ttpmap[spacy] does it through its entry point

SAMPLES = sorted((Path("..") / "datasets" / "samples").glob("*.md"))
analyzer = ttpmap.Analyzer()
[p.name for p in SAMPLES]
"""
    ),
    md(
        """
## The component

The spans are the brief's own offsets: on every sample article they equal the evidence and IOC offsets of
`analyzer.analyze(...)`. With another tokenizer, a passage that cuts a token is widened to the whole token
(`doc.char_span(start, end, alignment_mode="expand")`).
"""
    ),
    code(
        """
nlp = spacy.blank("en")
nlp.add_pipe("ttpmap")
for path in SAMPLES:
    text = path.read_text(encoding="utf-8")
    doc = nlp(text)
    brief = analyzer.analyze(ttpmap.Article(text))
    evidence = [(e.start, e.end, t.id) for t in brief.techniques for e in t.evidence]
    iocs = [(i.start, i.end, i.type) for i in brief.iocs]
    assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["ttpmap_evidence"]] == evidence
    assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["ttpmap_iocs"]] == iocs
    top = max(doc.cats, key=doc.cats.get)
    print(f"{path.name:40} {len(evidence):3} evidence spans, {len(iocs):2} IOC spans; top tactic {top}")
"""
    ),
    code(
        """
doc = nlp(SAMPLES[1].read_text(encoding="utf-8"))
displacy.render(doc, style="span", options={"spans_key": "ttpmap_evidence"}, jupyter=True)
"""
    ),
    md(
        """
`nlp.pipe(texts, n_process=2)` shares one loaded model per process and gives the same spans; the brief
travels with the `Doc` between processes. `nlp.to_disk(...)` saves the model's path (and its manifest's
SHA-256), never the model.
"""
    ),
    code(
        """
texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
one = [[(s.start_char, s.end_char, s.label_) for s in d.spans["ttpmap_evidence"]] for d in nlp.pipe(texts)]
two = [[(s.start_char, s.end_char, s.label_) for s in d.spans["ttpmap_evidence"]] for d in nlp.pipe(texts, n_process=2)]
assert one == two
[doc._.ttpmap_brief.severity.level for doc in nlp.pipe(texts)]
"""
    ),
    md(
        """
## The brief as a page

Hover or click a highlight for its technique, confidence and rank; the tactic strip shows which ATT&CK
tactics the article covers. Every piece of the article is escaped: a hostile article shows as text.
"""
    ),
    code(
        """
brief = analyzer.analyze(ttpmap.Article.from_file(SAMPLES[1]))
brief
"""
    ),
    code(
        """
import tempfile

out = Path(tempfile.mkdtemp()) / "brief.html"
out.write_text(brief.to_html(), encoding="utf-8")
print(f"wrote {out.resolve()} ({out.stat().st_size:,} bytes): open it in any browser, offline")
"""
    ),
]


NOTEBOOKS: dict[str, list[Cell]] = {
    "01-quickstart.ipynb": QUICKSTART,
    "02-retrain.ipynb": RETRAIN,
    "03-evaluate.ipynb": EVALUATE,
    "04-analyst-loop.ipynb": ANALYST_LOOP,
    "05-spacy-and-html.ipynb": SPACY_AND_HTML,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook `name` with no outputs, no execution counts and stable cell ids."""
    stem = name.split("-", 1)[0]
    cells = []
    for n, (kind, source) in enumerate(NOTEBOOKS[name]):
        cell_id = f"nb{stem}-{n:02d}"
        if kind == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(source, id=cell_id))
        else:
            cells.append(nbformat.v4.new_code_cell(source, id=cell_id))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(nb)
    return nb


def render(name: str) -> str:
    """The file text of notebook `name`, as `main` writes it."""
    return nbformat.writes(build(name)) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    check = "--check" in args
    stale = []
    for name in NOTEBOOKS:
        path = HERE / name
        text = render(name)
        if not check:
            path.write_text(text, encoding="utf-8")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    if stale:
        print(f"out of date: {', '.join(stale)}; run 'python notebooks/_build.py'", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
