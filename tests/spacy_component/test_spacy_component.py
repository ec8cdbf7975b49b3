"""The ``ttpmap`` spaCy component: spans equal to the brief's offsets, across processes and tokenizers."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import spacy
from spacy import displacy
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

import ttpmap.spacy
from ttpmap import Article
from ttpmap._exceptions import InvalidParameterError, ModelIntegrityError
from ttpmap._model import default_model_dir

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "datasets" / "samples").glob("*.md"))


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("ttpmap")
    return nlp


@pytest.fixture(scope="module")
def texts():
    return [p.read_text(encoding="utf-8") for p in SAMPLES]


def _evidence(brief):
    return [(e.start, e.end, t.id) for t in brief.techniques for e in t.evidence]


def _spans(doc, key):
    return [(s.start_char, s.end_char, s.label_) for s in doc.spans[key]]


def test_spans_equal_the_brief_offsets_on_every_sample(nlp, texts, analyzer):
    assert len(texts) == 4
    for text in texts:
        doc = nlp(text)
        brief = analyzer.analyze(Article(text))
        assert doc._.ttpmap_brief == brief
        assert _spans(doc, ttpmap.spacy.EVIDENCE_KEY) == _evidence(brief)
        assert _spans(doc, ttpmap.spacy.IOCS_KEY) == [(i.start, i.end, i.type) for i in brief.iocs]
        assert [s.kb_id_ for s in doc.spans[ttpmap.spacy.IOCS_KEY]] == [i.value for i in brief.iocs]
        assert doc.spans[ttpmap.spacy.IOCS_KEY].attrs["fidelity"] == [i.fidelity for i in brief.iocs]
        confidences = doc.spans[ttpmap.spacy.EVIDENCE_KEY].attrs["confidence"]
        assert confidences == [t.confidence for t in brief.techniques for _ in t.evidence]
        assert set(doc.cats) == {t.shortname for t in analyzer.catalog.tactics}
        covered = {t.shortname: t.confidence for t in brief.tactics}
        assert doc.cats == {k: covered.get(k, 0.0) for k in doc.cats}
    assert sum(len(_evidence(analyzer.analyze(t))) for t in texts) > 30


def test_displacy_shows_the_evidence_spans(nlp, texts):
    doc = nlp(texts[1])
    html = displacy.render(doc, style="span", options={"spans_key": ttpmap.spacy.EVIDENCE_KEY})
    labels = {s.label_ for s in doc.spans[ttpmap.spacy.EVIDENCE_KEY]}
    assert len(labels) > 10
    shown = re.findall(r">\s*(T\d{4}(?:\.\d{3})?)\s*</span>", html)
    assert set(shown) == labels
    assert "encrypted" in html


def test_two_processes_give_the_same_spans_and_briefs(nlp, texts):
    one = list(nlp.pipe(texts))
    two = list(nlp.pipe(texts, n_process=2, batch_size=1))
    for a, b in zip(one, two, strict=True):
        for key in (ttpmap.spacy.EVIDENCE_KEY, ttpmap.spacy.IOCS_KEY):
            assert _spans(a, key) == _spans(b, key)
        assert a._.ttpmap_brief == b._.ttpmap_brief
        assert a.cats == b.cats


def test_the_brief_survives_pickle_and_to_bytes(nlp, texts):
    doc = nlp(texts[1])
    assert pickle.loads(pickle.dumps(doc))._.ttpmap_brief == doc._.ttpmap_brief
    back = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert back._.ttpmap_brief == doc._.ttpmap_brief
    assert _spans(back, ttpmap.spacy.EVIDENCE_KEY) == _spans(doc, ttpmap.spacy.EVIDENCE_KEY)


def test_another_tokenizer_gets_spans_widened_to_whole_tokens(texts, analyzer):
    nlp = spacy.blank("en")
    nlp.tokenizer = Tokenizer(nlp.vocab)  # whitespace only: "41." and "`Invoice_0827.zip`" stay one token
    nlp.add_pipe("ttpmap")
    text = texts[1]
    doc = nlp(text)
    brief = analyzer.analyze(Article(text))
    got = doc.spans[ttpmap.spacy.IOCS_KEY]
    widened = 0
    for ioc, span in zip(brief.iocs, got, strict=True):
        assert span.start_char <= ioc.start < ioc.end <= span.end_char
        assert span[0].idx <= ioc.start < span[0].idx + len(span[0])
        assert span[-1].idx < ioc.end <= span[-1].idx + len(span[-1])
        widened += (span.start_char, span.end_char) != (ioc.start, ioc.end)
    assert widened > 0, "the whitespace tokenizer should cut some IOC inside a token"
    assert len(doc.spans[ttpmap.spacy.EVIDENCE_KEY]) == len(_evidence(brief))


def test_whitespace_doc_gets_no_brief(nlp):
    doc = nlp("  \n ")
    assert doc._.ttpmap_brief is None
    assert len(doc.spans[ttpmap.spacy.EVIDENCE_KEY]) == 0
    assert set(doc.cats.values()) == {0.0}


def test_config_reaches_the_analyzer():
    nlp = spacy.blank("en")
    nlp.add_pipe("ttpmap", config={"max_hunts": 1})
    assert nlp.get_pipe("ttpmap").analyzer.max_hunts == 1
    assert len(nlp((SAMPLES[1]).read_text(encoding="utf-8"))._.ttpmap_brief.hunts) == 1
    with pytest.raises(InvalidParameterError, match="max_hunts"):
        spacy.blank("en").add_pipe("ttpmap", config={"max_hunts": 0})


def test_components_share_one_analyzer():
    a = spacy.blank("en").add_pipe("ttpmap")
    b = spacy.blank("en").add_pipe("ttpmap", config={"model": str(default_model_dir())})
    assert a.analyzer is b.analyzer


def test_a_model_rewritten_on_disk_is_loaded_anew(tmp_path):
    import os

    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    first = spacy.blank("en").add_pipe("ttpmap", config={"model": str(model)}).analyzer
    assert spacy.blank("en").add_pipe("ttpmap", config={"model": str(model)}).analyzer is first
    manifest = model / "manifest.json"
    os.utime(manifest, (manifest.stat().st_atime, manifest.stat().st_mtime + 60))
    assert spacy.blank("en").add_pipe("ttpmap", config={"model": str(model)}).analyzer is not first


def test_to_disk_keeps_the_model_path_and_refuses_a_changed_model(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(default_model_dir(), model)
    nlp = spacy.blank("en")
    nlp.add_pipe("ttpmap", config={"model": str(model), "max_hunts": 2})
    nlp.to_disk(tmp_path / "pipeline")
    assert not list((tmp_path / "pipeline").rglob("*.npz")), "the model itself must not be saved"
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.get_pipe("ttpmap").analyzer.max_hunts == 2
    assert loaded.config["components"]["ttpmap"]["model"] == str(model)
    manifest = model / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps(data, indent=1), encoding="utf-8")  # same files, another manifest
    with pytest.raises(ModelIntegrityError, match="save the pipeline again"):
        spacy.load(tmp_path / "pipeline")


def test_the_entry_point_registers_the_factory_without_an_import(tmp_path):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    target = project["project"]["entry-points"]["spacy_factories"]["ttpmap"]
    assert "spacy>=3.7,<4" in project["project"]["optional-dependencies"]["spacy"]
    info = tmp_path / "ttpmap_entry_point-0.dist-info"  # what pip install writes, for this checkout
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ttpmap-entry-point\nVersion: 0\n")
    (info / "entry_points.txt").write_text(f"[spacy_factories]\nttpmap = {target}\n")
    code = (
        "import sys, spacy\n"
        "nlp = spacy.blank('en'); nlp.add_pipe('ttpmap')\n"
        "doc = nlp('The actor ran PowerShell (T1059.001) from 185.225.73[.]41 to fetch a payload.')\n"
        "print([s.label_ for s in doc.spans['ttpmap_evidence']], [s.kb_id_ for s in doc.spans['ttpmap_iocs']])\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(tmp_path)])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['T1059.001'] ['185.225.73.41']"
