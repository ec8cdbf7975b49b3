"""`TechniquePredictor`: the estimator's predictions without scikit-learn, saved without pickle."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import ttpmap
from ttpmap import ModelError, ModelIntegrityError
from ttpmap._model import (
    CATALOG_FILE,
    MANIFEST_FILE,
    PREDICTOR_FILE,
    default_model_dir,
    load_model,
    write_model_dir,
)
from ttpmap.classify import TechniqueClassifier
from ttpmap.classify._predictor import TechniquePredictor, _Weights
from ttpmap.classify._train import fit_inputs
from ttpmap.classify._vectorizer import Csr, SentenceVectorizer, split_tokens

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "datasets" / "samples").glob("*.md"))
TINY = {"inner_cv": 2, "max_negatives": 200, "min_df": 1, "n_jobs": 1}


class _Canary:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.fixture(scope="module")
def texts():
    assert SAMPLES, "datasets/samples/*.md is missing"
    return [p.read_text(encoding="utf-8") for p in SAMPLES]


@pytest.fixture(scope="module")
def shipped():
    model = load_model(default_model_dir())
    if model.predictor is None or model.classifier is None:
        pytest.skip(f"{default_model_dir()} lacks predictor.npz or classifier.joblib: run 'ttpmap train'")
    return model


@pytest.fixture(scope="module")
def tiny(catalog_path, sample_records):
    X, y, spans, groups = fit_inputs(sample_records)
    return TechniqueClassifier(catalog=catalog_path, **TINY).fit(X, y, spans=spans, groups=groups)


def _saved(predictor: TechniquePredictor) -> bytes:
    buf = io.BytesIO()
    predictor.save(buf)
    return buf.getvalue()


def _round_trip(predictor: TechniquePredictor) -> TechniquePredictor:
    return TechniquePredictor.load(_saved(predictor))


def _same_explanations(a, b) -> None:
    assert len(a) == len(b)
    for (ta, ka), (tb, kb) in zip(a, b, strict=True):
        assert [(t.id, t.name, t.tactics, t.evidence, t.url, t.source) for t in ta] == [
            (t.id, t.name, t.tactics, t.evidence, t.url, t.source) for t in tb
        ]
        np.testing.assert_allclose([t.confidence for t in ta], [t.confidence for t in tb], rtol=1e-6)
        assert [t.id for t in ka] == [t.id for t in kb]
        np.testing.assert_allclose([t.confidence for t in ka], [t.confidence for t in kb], rtol=1e-6)


def test_shipped_predictor_file_matches_the_estimator(shipped, texts):
    clf, loaded = shipped.classifier, shipped.predictor
    np.testing.assert_allclose(loaded.predict_proba(texts), clf.predict_proba(texts), rtol=1e-6, atol=1e-9)
    _same_explanations(loaded.explain(texts), clf.explain(texts))
    np.testing.assert_array_equal(loaded.predict(texts), clf.predict(texts))
    assert loaded.predict_tactics(texts)[0] == clf.predict_tactics(texts)[0]
    np.testing.assert_array_equal(loaded.predict_tactics(texts)[1], clf.predict_tactics(texts)[1])
    assert any(techniques for techniques, _ in loaded.explain(texts))


def test_a_fitted_estimator_round_trips(tiny, texts):
    again = _round_trip(tiny.predictor_)
    np.testing.assert_array_equal(again.predict_proba(texts), tiny.predict_proba(texts))
    _same_explanations(again.explain(texts), tiny.explain(texts))
    np.testing.assert_array_equal(again.thresholds_, tiny.thresholds_)
    assert list(again.classes_) == list(tiny.classes_)
    assert again.label_info_ == tiny.label_info_
    assert again.mentions_ == tiny.mentions_
    assert _saved(again) == _saved(tiny.predictor_)  # deterministic bytes: a stable SHA-256


def test_estimator_attributes_stay_readable(tiny):
    for name in (
        "classes_",
        "thresholds_",
        "calibrator_",
        "coef_",
        "vectorizer_",
        "mentions_",
        "label_info_",
    ):
        assert getattr(tiny, name) is getattr(tiny.predictor_, name)


def test_numpy_scores_match_scipy():
    W = sp.random(300, 7, density=0.2, random_state=1, dtype=np.float32, format="csr")
    X = sp.random(40, 300, density=0.05, random_state=2, dtype=np.float32, format="csr")
    hot = 50
    weights = _Weights(Csr.of(W[:hot]), Csr.of(W[hot:]))
    expected = (X @ W).toarray()
    np.testing.assert_allclose(weights.scores(Csr.of(X)), expected, rtol=1e-5, atol=1e-6)
    empty = sp.csr_matrix((3, 300), dtype=np.float32)
    np.testing.assert_array_equal(weights.scores(Csr.of(empty)), np.zeros((3, 7), dtype=np.float32))


def test_dense_rows_add_up_as_the_sparse_product_to_the_bit(monkeypatch):
    """One article's hot features go through the dense block, one entry of each row at a time: the
    same float32 sums, in the same order, as expanding each entry into its weight row."""
    import ttpmap.classify._predictor as predictor_module
    from ttpmap.classify._predictor import _add_dense_rows, _add_product

    rng = np.random.default_rng(3)
    W = sp.random(300, 7, density=0.4, random_state=1, dtype=np.float32, format="csr")
    X = sp.random(500, 300, density=0.08, random_state=2, dtype=np.float32, format="csr")
    X.data = rng.random(len(X.data), dtype=np.float32) * 3  # varied magnitudes: rounding shows
    X = sp.vstack([X[:7], sp.csr_matrix((1, 300), dtype=np.float32), X[8:]], format="csr")  # an empty row
    monkeypatch.setattr(predictor_module, "_DENSE_ROWS", 16)  # rows in several slices per step
    weights = _Weights(Csr.of(W[:120]), Csr.of(W[120:]))
    expanded = np.zeros((500, 7), dtype=np.float32)
    _add_product(expanded, Csr.of(X), weights.hot, 0, 120)
    dense = np.zeros((500, 7), dtype=np.float32)
    _add_dense_rows(dense, Csr.of(X), weights.dense)
    assert np.array_equal(dense.view(np.int32), expanded.view(np.int32))
    assert np.count_nonzero(dense)


def test_large_batches_score_the_same_through_scipy(monkeypatch):
    import ttpmap.classify._predictor as predictor_module

    W = sp.random(300, 7, density=0.2, random_state=1, dtype=np.float32, format="csr")
    X = sp.random(2000, 300, density=0.05, random_state=2, dtype=np.float32, format="csr")
    weights = _Weights(Csr.of(W[:50]), Csr.of(W[50:]))
    monkeypatch.setattr(predictor_module, "_SCIPY_MIN_NNZ", 10**12)
    numpy_only = weights.scores(Csr.of(X))
    monkeypatch.setattr(predictor_module, "_SCIPY_MIN_NNZ", 1)
    np.testing.assert_allclose(weights.scores(Csr.of(X)), numpy_only, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(numpy_only, (X @ W).toarray(), rtol=1e-5, atol=1e-6)


def test_weights_pickle_without_their_dense_block(tiny):
    W = tiny.coef_
    assert W.dense.shape == W.hot.shape
    again = pickle.loads(pickle.dumps(W))
    assert again._dense is None
    np.testing.assert_array_equal(again.dense, W.dense)
    assert np.count_nonzero(W.dense) == len(W.hot.data)


def test_scores_below_the_floor_pool_to_constants():
    from ttpmap.classify._predictor import _FEATURES, _pooled

    S = np.array([[-2.0, 0.5, -0.9], [-1.5, -0.2, 0.3], [-3.0, -1.0, -0.95]], dtype=np.float32)
    bounds = np.array([0, 3])
    zero = np.zeros(3, dtype=np.float32)
    F = _pooled(S, bounds, zero, -0.8)[0]
    # The same as pooling the clipped scores; the first class has no sentence above the floor.
    np.testing.assert_allclose(F, _pooled(np.maximum(S, -0.8), bounds, zero)[0], rtol=1e-6)
    cols = [_FEATURES.index(f) for f in ("max", "second", "top3_mean")]
    np.testing.assert_allclose(F[0, cols], -0.8)
    np.testing.assert_allclose(F[1, cols], [0.5, -0.2, (0.5 - 0.2 - 0.8) / 3], rtol=1e-6)
    nothing = _pooled(np.full((2, 3), -5.0, dtype=np.float32), np.array([0, 1, 2]), zero, -0.8)
    np.testing.assert_array_equal(nothing[:, :, :3], -0.8)
    np.testing.assert_array_equal(nothing[:, :, 3:], 0.0)


@pytest.mark.parametrize("floor", [-0.5, -0.8, -2.0])
def test_batch_pooling_equals_pooling_each_article(monkeypatch, floor):
    from ttpmap.classify import _predictor

    rng = np.random.default_rng(7)
    sizes = [1, 2, 3, 5, 40, 1, 2, 17]
    S = rng.normal(-1.6, 0.7, size=(sum(sizes), 30)).astype(np.float32)
    S[rng.random(S.shape) < 0.05] = np.float32(floor)  # ties at the floor itself
    bounds = np.r_[0, np.cumsum(sizes)]
    intercept = rng.normal(0, 1, size=30).astype(np.float32)
    raw = S - intercept  # raw + intercept lands on, or one rounding step off, the floor
    zero = np.zeros(30, dtype=np.float32)
    pooled = {}
    for share in (1.0, 0.0):  # the whole batch at once; every article on its own
        monkeypatch.setattr(_predictor, "_SPARSE_POOL", share)
        pooled[share] = _predictor._pooled(raw, bounds, intercept, floor)
        np.testing.assert_array_equal(pooled[share], _predictor._pooled(raw + intercept, bounds, zero, floor))
    np.testing.assert_array_equal(pooled[1.0], pooled[0.0])
    assert np.all(pooled[1.0][:, :, :3] >= np.float32(floor))


def test_float_bits_sort_like_the_floats():
    from ttpmap.classify._predictor import _ordered_bits

    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(0, 3, 5000), [0.0, -0.0, 1e-45, -1e-45, 3e38, -3e38, np.inf, -np.inf]]
    x = np.r_[x, x[:100]].astype(np.float32)
    np.testing.assert_array_equal(np.sort(x), x[np.argsort(_ordered_bits(x), kind="stable")])


def test_transform_flat_is_the_scipy_transform():
    docs = ["cmd.exe was run", "cmd.exe ran PowerShell", "", "run the cmd.exe cmd.exe"]
    vec = SentenceVectorizer(min_df=1)
    X = vec.fit_transform(docs)
    flat, _ = vec.transform_flat(split_tokens(docs), len(docs))
    np.testing.assert_array_equal(flat.to_scipy().toarray(), X.toarray())


def test_a_fresh_analyzer_imports_no_scikit_learn_scipy_or_joblib(shipped):
    code = (
        "import sys, ttpmap\n"
        f"ttpmap.Analyzer().analyze(ttpmap.Article.from_file({str(SAMPLES[0])!r}))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'scipy', 'joblib'}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TTPMAP_MODEL"}
    env["PYTHONPATH"] = str(Path(ttpmap.__file__).resolve().parents[1])
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, timeout=300
    )
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.fixture
def predictor_dir(tiny, tmp_path):
    files = {CATALOG_FILE: default_model_dir() / CATALOG_FILE, PREDICTOR_FILE: tiny.predictor_}
    return write_model_dir(tmp_path / "m", files, {"name": "p"})


def test_a_model_dir_with_only_a_predictor_works(predictor_dir, texts):
    model = load_model(predictor_dir)
    assert model.classifier is None
    assert model.techniques is model.predictor
    assert model.describe()["classifier"] is True
    brief = ttpmap.Analyzer(model).analyze(texts[0])
    assert brief.techniques


def test_a_tampered_predictor_file_is_refused(predictor_dir):
    path = predictor_dir / PREDICTOR_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError) as info:
        load_model(predictor_dir)
    assert info.value.path == path


def test_a_pickle_posing_as_the_predictor_runs_no_code(predictor_dir, tmp_path):
    marker = tmp_path / "unpickled"
    path = predictor_dir / PREDICTOR_FILE
    path.write_bytes(pickle.dumps(_Canary(marker)))
    manifest = json.loads((predictor_dir / MANIFEST_FILE).read_text())
    manifest["files"][PREDICTOR_FILE] = hashlib.sha256(path.read_bytes()).hexdigest()
    (predictor_dir / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="not a readable ttpmap-predictor/1 file"):
        load_model(predictor_dir)
    assert not marker.exists()


@pytest.mark.parametrize("cut", [0, 100, -5000])
def test_a_damaged_predictor_is_a_model_error(tiny, cut):
    data = _saved(tiny.predictor_)
    with pytest.raises(ModelError, match="rebuild the model"):
        TechniquePredictor.load(data[:cut] if cut else b"not a zip")


def test_a_batch_gets_the_probabilities_of_each_article_alone_to_the_bit(shipped, texts):
    """Features and probabilities are computed for a whole batch at once: the same numbers as for
    each article on its own."""
    predictor = shipped.predictor
    alone = np.vstack([predictor.predict_proba([text]) for text in texts])
    np.testing.assert_array_equal(predictor.predict_proba(texts), alone)
    np.testing.assert_array_equal(predictor.predict_proba(texts[::-1]), alone[::-1])
