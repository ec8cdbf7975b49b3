from __future__ import annotations

import json
import pickle
from pathlib import Path

import joblib
import pytest

from ttpmap import ModelError, ModelIntegrityError
from ttpmap._model import (
    CATALOG_FILE,
    CLASSIFIER_FILE,
    MANIFEST_FILE,
    default_model_dir,
    load_model,
    write_model_dir,
)

MARKER_ENV = "TTPMAP_TEST_MARKER"


class _Canary:
    """Unpickling this creates a file: proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.fixture
def model_dir(tmp_path):
    catalog = default_model_dir() / CATALOG_FILE
    return write_model_dir(
        tmp_path / "m", {CATALOG_FILE: catalog, CLASSIFIER_FILE: {"weights": [1, 2, 3]}}, {"name": "t"}
    )


def test_round_trip(model_dir):
    model = load_model(model_dir)
    assert model.classifier == {"weights": [1, 2, 3]}
    assert model.catalog.version
    assert model.describe()["name"] == "t"


def test_write_never_overwrites_without_force(model_dir):
    with pytest.raises(ModelError, match="already holds"):
        write_model_dir(model_dir, {CLASSIFIER_FILE: {"other": 1}})
    assert load_model(model_dir).classifier == {"weights": [1, 2, 3]}


def test_tampered_file_is_refused_before_unpickling(model_dir, tmp_path):
    marker = tmp_path / "unpickled"
    (model_dir / CLASSIFIER_FILE).write_bytes(pickle.dumps(_Canary(marker)))
    with pytest.raises(ModelIntegrityError) as info:
        load_model(model_dir)
    assert info.value.path == model_dir / CLASSIFIER_FILE
    assert info.value.expected_sha256 != info.value.actual_sha256
    assert not marker.exists()


def test_unknown_pickle_in_the_directory_is_refused(model_dir):
    joblib.dump({"x": 1}, model_dir / "extra.joblib")
    with pytest.raises(ModelIntegrityError, match="not listed"):
        load_model(model_dir)


def test_pinned_manifest_hash(model_dir):
    with pytest.raises(ModelIntegrityError, match="pinned"):
        load_model(model_dir, sha256="0" * 64)


def test_incompatible_sklearn_is_a_clear_error_when_the_joblib_file_is_loaded(tmp_path):
    root = tmp_path / "old"
    write_model_dir(root, {CATALOG_FILE: default_model_dir() / CATALOG_FILE, CLASSIFIER_FILE: {"w": 1}})
    manifest = json.loads((root / MANIFEST_FILE).read_text())
    manifest["versions"]["scikit-learn"] = "0.24.2"
    (root / MANIFEST_FILE).write_text(json.dumps(manifest))
    model = load_model(root)  # the catalog (and a predictor) need no scikit-learn
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2.*retrain"):
        _ = model.classifier


def test_joblib_files_are_unpickled_on_first_access_only(tmp_path):
    marker = tmp_path / "unpickled"
    root = write_model_dir(
        tmp_path / "lazy",
        {CATALOG_FILE: default_model_dir() / CATALOG_FILE, CLASSIFIER_FILE: _Canary(marker)},
    )
    model = load_model(root)
    assert not marker.exists()
    assert model.describe()["classifier"] is True
    assert not marker.exists()
    _ = model.classifier
    assert marker.exists()


def test_a_joblib_file_changed_after_load_model_is_refused(model_dir, tmp_path):
    model = load_model(model_dir)
    marker = tmp_path / "unpickled"
    joblib.dump(_Canary(marker), model_dir / CLASSIFIER_FILE)
    with pytest.raises(ModelIntegrityError):
        _ = model.classifier
    assert not marker.exists()


def test_not_a_model_directory(tmp_path):
    with pytest.raises(ModelError, match="not a ttpmap model directory"):
        load_model(tmp_path)


def test_the_shipped_model_verifies():
    model = load_model()
    assert model.catalog.version == "18.1"


@pytest.mark.parametrize("collecting", [True, False])
def test_creating_an_analyzer_leaves_the_garbage_collector_as_it_was(tmp_path, collecting):
    import gc

    import ttpmap

    was = gc.isenabled()
    try:
        gc.enable() if collecting else gc.disable()
        with pytest.raises(ModelError):
            ttpmap.Analyzer(tmp_path)  # fails half-way through loading
        assert gc.isenabled() is collecting
        ttpmap.Analyzer()
        assert gc.isenabled() is collecting
    finally:
        gc.enable() if was else gc.disable()
