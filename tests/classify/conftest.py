from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ttpmap._datahome import get_data_home
from ttpmap.datasets import read_articles

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "models" / "default" / "attack-catalog.json.gz"
SAMPLES = ROOT / "datasets" / "labeled"


@pytest.fixture(scope="session")
def catalog_path() -> str:
    if not CATALOG.is_file():
        pytest.skip(f"{CATALOG} is absent: build it with 'ttpmap attack build'")
    return str(CATALOG)


@pytest.fixture(scope="session")
def sample_records():
    return [
        *read_articles(SAMPLES / "sample-sentences.jsonl"),
        *read_articles(SAMPLES / "sample-articles.jsonl"),
    ]


@pytest.fixture(scope="session")
def shared_home() -> Path:
    home = get_data_home()
    if not (home / "datasets" / "tram2" / "reports.jsonl").is_file():
        pytest.skip(
            f"TRAM2 is absent from {home}: set TTPMAP_DATA_HOME to the folder with ttpmap's shared data"
        )
    return home


@pytest.fixture(scope="session")
def tiny_home(tmp_path_factory, sample_records) -> Path:
    """A data home in the shared layout, made from the samples: TRAM2, bootstrap, TTPDrill, AnnoCTR files."""
    home = tmp_path_factory.mktemp("data-home")
    tram = home / "datasets" / "tram2"
    tram.mkdir(parents=True)
    arts = [r for r in sample_records if r.spans]
    sents = [r for r in sample_records if not r.spans]
    with (tram / "reports.jsonl").open("w") as fh:
        for r in arts:
            obj = {
                "doc_title": r.title,
                "url": r.url,
                "text": r.text,
                "labels": list(r.labels),
                "labels_tram50": list(r.labels),
                "spans": [list(s) for s in r.spans],
            }
            fh.write(json.dumps(obj) + "\n")
    boot = {"sentences": [{"text": s.text, "mappings": [{"attack_id": s.labels[0]}]} for s in sents[::2]]}
    (tram / "bootstrap-training-data.json").write_text(json.dumps(boot))
    drill = home / "datasets" / "ttpdrill"
    drill.mkdir(parents=True)
    rows = ["text,id", *(f"{s.text.replace(',', ' ')}, {s.labels[0]} " for s in sents[1::2])]
    (drill / "sentences.csv").write_text("\n".join(rows) + "\n")
    annoctr = home / "datasets" / "annoctr"
    annoctr.mkdir(parents=True)
    with (annoctr / "train.jsonl").open("w") as fh:
        for n, r in enumerate(arts):
            mentions = [{"text": r.text[a:b], "technique": t, "start": a, "end": b} for a, b, t in r.spans]
            obj = {"id": f"r{n}", "vendor": ("acme", "globex")[n % 2], "text": r.text, "mentions": mentions}
            fh.write(json.dumps({**obj, "techniques": list(r.labels), "parents": []}) + "\n")
    shutil.copy(SAMPLES / "sample-articles.jsonl", home / "user.jsonl")
    return home
