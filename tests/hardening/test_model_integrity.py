"""Model files are untrusted: bad manifests, corrupt catalogs and truncated joblib files give clear errors."""

from __future__ import annotations

import gzip
import json
import pickle
from pathlib import Path

import pytest

from ttpmap import Analyzer, ModelError, ModelIntegrityError
from ttpmap._exceptions import CatalogError
from ttpmap._model import (
    CATALOG_FILE,
    CLASSIFIER_FILE,
    MANIFEST_FILE,
    default_model_dir,
    load_model,
    sha256_file,
    write_model_dir,
)


class _Canary:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return write_model_dir(
        tmp_path / "m", {CATALOG_FILE: default_model_dir() / CATALOG_FILE, CLASSIFIER_FILE: {"w": 1}}
    )


def _relist(root: Path, name: str, digest: str) -> None:
    manifest = json.loads((root / MANIFEST_FILE).read_text())
    manifest["files"][name] = digest
    (root / MANIFEST_FILE).write_text(json.dumps(manifest))


def test_path_traversal_in_the_manifest_is_refused(model_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    outside = tmp_path / "x.joblib"
    outside.write_bytes(pickle.dumps(_Canary(marker)))
    for name in ("../x.joblib", str(outside), "sub/../../x.joblib"):
        root = write_model_dir(
            tmp_path / f"t{abs(hash(name))}", {CATALOG_FILE: default_model_dir() / CATALOG_FILE}
        )
        _relist(root, name, sha256_file(outside))
        with pytest.raises(ModelIntegrityError, match="bad entry"):
            Analyzer(model=root)
    assert not marker.exists()


def test_corrupt_gzip_catalog_is_a_clear_error(model_dir: Path) -> None:
    (model_dir / CATALOG_FILE).write_bytes(b"\x1f\x8b" + b"\x00garbage" * 50)
    _relist(model_dir, CATALOG_FILE, sha256_file(model_dir / CATALOG_FILE))
    with pytest.raises((CatalogError, ModelError), match="catalog"):
        load_model(model_dir)


def test_catalog_that_is_not_a_catalog_is_a_clear_error(model_dir: Path) -> None:
    (model_dir / CATALOG_FILE).write_bytes(gzip.compress(json.dumps({"format": "other"}).encode()))
    _relist(model_dir, CATALOG_FILE, sha256_file(model_dir / CATALOG_FILE))
    with pytest.raises((CatalogError, ModelError), match="catalog"):
        Analyzer(model=model_dir)


def test_truncated_joblib_with_a_matching_hash_is_a_model_error(model_dir: Path) -> None:
    path = model_dir / CLASSIFIER_FILE
    path.write_bytes(path.read_bytes()[:20])
    _relist(model_dir, CLASSIFIER_FILE, sha256_file(path))
    with pytest.raises(ModelError, match=r"cannot be loaded.*retrain"):
        Analyzer(model=model_dir)


def test_manifest_entry_with_a_non_string_hash_is_refused(model_dir: Path) -> None:
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text())
    manifest["files"][CLASSIFIER_FILE] = None
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match="bad entry"):
        load_model(model_dir)


@pytest.mark.parametrize("text", ["", "{", "[]", '{"format": "ttpmap-model/1", "files": []}', "\xff"])
def test_broken_manifest_is_a_model_error(model_dir: Path, text: str) -> None:
    (model_dir / MANIFEST_FILE).write_text(text, encoding="latin-1")
    with pytest.raises(ModelError):
        Analyzer(model=model_dir)


def test_listed_file_missing_is_a_model_error(model_dir: Path) -> None:
    (model_dir / CLASSIFIER_FILE).unlink()
    with pytest.raises(ModelError, match="missing"):
        load_model(model_dir)


def test_pickle_with_another_suffix_unlisted_is_refused(model_dir: Path, tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"
    (model_dir / "extra.pkl").write_bytes(pickle.dumps(_Canary(marker)))
    with pytest.raises(ModelIntegrityError, match="not listed"):
        Analyzer(model=model_dir)
    assert not marker.exists()
