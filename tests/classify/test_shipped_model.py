"""The shipped default model: verified load, label space, explain on an article it has never seen."""

from __future__ import annotations

import pytest

from ttpmap._model import default_model_dir, load_model


@pytest.fixture(scope="module")
def model():
    m = load_model(default_model_dir())
    if m.classifier is None:
        pytest.skip(
            f"{default_model_dir()} has no classifier.joblib yet: run 'ttpmap train --out models/default'"
        )
    return m


def test_label_space_and_version(model):
    clf = model.classifier
    assert clf.attack_version_ == model.catalog.version
    assert len(clf.classes_) > 400
    active = {t.id for t in model.catalog.active_techniques()}
    assert set(clf.classes_) <= active


def test_explains_a_new_article(model):
    text = (
        "The intrusion began with a spearphishing email carrying a malicious ISO attachment. "
        "When the victim opened the LNK file inside it, PowerShell downloaded a Cobalt Strike beacon. "
        "The operators dumped LSASS memory with procdump to collect credentials, then moved laterally "
        "over RDP. Before deploying the ransomware they deleted volume shadow copies with vssadmin, "
        "and the payload encrypted files on every reachable share."
    )
    techniques, tactics = model.classifier.explain([text])[0]
    found = {t.id for t in techniques}
    assert {"T1566.001", "T1059.001", "T1003.001", "T1021.001", "T1490"} <= found
    for t in techniques:
        for e in t.evidence:
            assert text[e.start : e.end] == e.text
    shorts = {t.shortname for t in tactics}
    assert {"initial-access", "execution", "credential-access", "lateral-movement", "impact"} <= shorts
    assert "reconnaissance" not in shorts


def test_quiet_on_a_post_without_a_threat(model):
    text = (
        "In a previous article I wrote about building Java container images with Jib. Ko does the same for "
        "Go applications: it builds small images without a Dockerfile and pushes them to your registry. "
        "Install it with go install, set KO_DOCKER_REPO, and run ko build ./cmd/app."
    )
    techniques, _ = model.classifier.explain([text])[0]
    assert len(techniques) <= 2
    assert all(t.confidence < 0.5 for t in techniques)


def test_catalog_check(model):
    model.classifier.check_catalog(model.catalog)


def test_sample_articles_outside_tram2(model):
    """Our own sample articles (not TRAM2): most of what an analyst labels, little else."""
    import json
    from pathlib import Path

    from ttpmap import Article

    root = Path(__file__).resolve().parents[2] / "datasets" / "samples"
    gold_file = root.parent / "labeled" / "sample-labels.json"
    gold = json.loads(gold_file.read_text(encoding="utf-8"))["labels"]
    predictor = model.techniques
    tp = fp = fn = 0
    for name, labels in gold.items():
        techniques, _ = predictor.explain([Article.from_file(root / name).text])[0]
        found = {t.id for t in techniques}
        # the parent of a labeled sub-technique (T1071 where the analyst wrote T1071.001) is a less
        # precise answer, not a false technique: it counts neither way
        broader = {t for t in found - set(labels) if any(lab.startswith(t + ".") for lab in labels)}
        tp += len(found & set(labels))
        fp += len(found - set(labels) - broader)
        fn += len(set(labels) - found)
    assert tp / (tp + fp) >= 0.85
    assert tp / (tp + fn) >= 0.5
