"""Model directories: write them with a manifest of SHA-256s, verify them before anything is unpickled.

A model directory holds ``manifest.json`` and the files it lists (``attack-catalog.json.gz``,
``predictor.npz``, ``classifier.joblib``, optionally ``severity.joblib``). A joblib file runs code when
loaded, so `load_model` hashes every listed file and compares it with the manifest first and refuses
files the manifest does not list. It loads the catalog and the predictor (plain arrays, no pickle,
no scikit-learn) at once; a joblib file is loaded when its `Model` attribute is first read, after
its SHA-256 is checked again and only with the scikit-learn minor version that built it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import shutil
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttpmap._atomic import atomic_open, atomic_write
from ttpmap._exceptions import ModelError, ModelIntegrityError

if TYPE_CHECKING:
    from ttpmap.attack import Catalog
    from ttpmap.classify._predictor import TechniquePredictor

__all__ = [
    "CATALOG_FILE",
    "CLASSIFIER_FILE",
    "MANIFEST_FILE",
    "MODEL_ENV",
    "MODEL_SHA256_ENV",
    "PREDICTOR_FILE",
    "SEVERITY_FILE",
    "Model",
    "default_model_dir",
    "load_model",
    "sha256_file",
    "write_model_dir",
]

MODEL_FORMAT = "ttpmap-model/1"
MODEL_ENV = "TTPMAP_MODEL"
MODEL_SHA256_ENV = "TTPMAP_MODEL_SHA256"
MANIFEST_FILE = "manifest.json"
CATALOG_FILE = "attack-catalog.json.gz"
CLASSIFIER_FILE = "classifier.joblib"
PREDICTOR_FILE = "predictor.npz"
SEVERITY_FILE = "severity.joblib"
_PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle", ".npy", ".npz")
CARD_FILE = "MODEL_CARD.md"
_DOC_FILES = frozenset({MANIFEST_FILE, CARD_FILE, "README.md", "LICENSE.txt", "ATTACK-LICENSE.txt"})


_LAZY_LOCK = threading.Lock()


@dataclass(frozen=True)
class Model:
    """A verified, loaded model directory: its manifest, ATT&CK catalog, predictor and estimators.

    `predictor` (a `TechniquePredictor`, or None for a directory without ``predictor.npz``) is
    loaded with the model; `classifier` and `severity` are unpickled on first access, once.
    """

    path: Path
    manifest: Mapping[str, Any]
    catalog: Catalog
    predictor: TechniquePredictor | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    #: The SHA-256 of the manifest as it was verified: workers reload the model pinned to it.
    manifest_sha256: str | None = None
    _loaded: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def classifier(self) -> Any:
        """The fitted `TechniqueClassifier` of ``classifier.joblib`` (needs scikit-learn), or None."""
        return self._joblib(CLASSIFIER_FILE)

    @property
    def severity(self) -> Any:
        """The fitted severity model of ``severity.joblib``, or None."""
        return self._joblib(SEVERITY_FILE)

    @property
    def techniques(self) -> Any:
        """What maps articles to techniques: the predictor, else the classifier, else None."""
        return self.predictor if self.predictor is not None else self.classifier

    def _joblib(self, name: str) -> Any:
        if name not in self.files:
            return None
        with _LAZY_LOCK:
            if name not in self._loaded:
                _check_versions(self.manifest, self.path)
                data = _read_verified(self.path / name, self.files[name])
                self._loaded[name] = _load_joblib(self.path / name, data)
            return self._loaded[name]

    @property
    def attack_version(self) -> str:
        return self.catalog.version

    @property
    def name(self) -> str:
        return str(self.manifest.get("name") or self.path.name)

    def describe(self) -> dict[str, Any]:
        """Name, ATT&CK version and the SHA-256 of the manifest, for a brief's provenance."""
        return {
            "name": self.name,
            "attack_version": self.attack_version,
            "manifest_sha256": sha256_file(self.path / MANIFEST_FILE),
            "classifier": self.predictor is not None or CLASSIFIER_FILE in self.files,
            "severity_model": SEVERITY_FILE in self.files,
        }


def sha256_file(path: str | os.PathLike[str]) -> str:
    """The hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_model_dir() -> Path:
    """The model `Analyzer()` uses: ``$TTPMAP_MODEL``, else the one shipped in the package or checkout."""
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env).expanduser()
    here = Path(__file__).resolve().parent
    packaged = here / "_models" / "default"
    if (packaged / MANIFEST_FILE).is_file():
        return packaged
    return here.parents[1] / "models" / "default"


_CACHE: dict[tuple[str, float, str | None], Model] = {}
_CACHE_LOCK = threading.Lock()


def load_model(path: str | os.PathLike[str] | None = None, *, sha256: str | None = None) -> Model:
    """Verify and load a model directory (default: `default_model_dir()`), once per process.

    Parameters
    ----------
    path : path-like, optional
        A directory written by `ttpmap train` (or `write_model_dir`).
    sha256 : str, optional
        Pin the expected SHA-256 of ``manifest.json``; the model is refused if it differs.

    Raises
    ------
    ModelIntegrityError
        A listed file's SHA-256 differs from the manifest, or a file is not listed.
    ModelError
        The directory is missing or incomplete, or its predictor file is unreadable. A joblib file
        built with another scikit-learn minor version raises it when `Model.classifier` or
        `Model.severity` is first read.
    """
    root = Path(path).expanduser() if path is not None else default_model_dir()
    manifest_path = root / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ModelError(
            f"{root} is not a ttpmap model directory (no {MANIFEST_FILE}); build one with "
            "'ttpmap train --out DIR' or pass the directory that holds manifest.json"
        )
    key = (str(root.resolve()), manifest_path.stat().st_mtime, sha256)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is None:
            cached = _load_verified(root, sha256)
            _CACHE[key] = cached
        return cached


def _load_verified(root: Path, pinned: str | None) -> Model:
    manifest_path = root / MANIFEST_FILE
    try:
        raw = manifest_path.read_bytes()  # hashed and parsed from the same bytes
    except OSError as exc:
        raise ModelError(f"{manifest_path}: unreadable manifest ({exc}); rebuild the model") from None
    actual = hashlib.sha256(raw).hexdigest()
    if pinned is not None and actual != pinned.strip().lower():
        raise ModelIntegrityError(
            f"{manifest_path}: SHA-256 {actual} differs from the pinned {pinned}; the model was changed",
            manifest_path,
            pinned,
            actual,
        )
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{manifest_path}: unreadable manifest ({exc}); rebuild the model") from None
    if not isinstance(manifest, dict) or manifest.get("format") != MODEL_FORMAT:
        raise ModelError(f"{manifest_path}: not a {MODEL_FORMAT} manifest; rebuild with 'ttpmap train'")
    files = manifest.get("files")
    if not isinstance(files, dict) or CATALOG_FILE not in files:
        raise ModelError(f"{manifest_path}: lists no {CATALOG_FILE}; rebuild with 'ttpmap train'")
    _verify_files(root, files, deferred={PREDICTOR_FILE})

    from ttpmap.attack import Catalog

    catalog = Catalog.load(root / CATALOG_FILE)
    predictor = None
    if PREDICTOR_FILE in files:
        from ttpmap.classify._predictor import TechniquePredictor

        path = root / PREDICTOR_FILE
        data = _read_verified(path, files[PREDICTOR_FILE])
        try:
            predictor = TechniquePredictor.load(data)
        except ModelError as exc:
            raise ModelError(f"{path}: {exc}") from None
    return Model(root, manifest, catalog, predictor, dict(files), actual)


def _read_verified(path: Path, expected: str) -> bytes:
    """The bytes of `path`, read once and checked against the manifest's SHA-256."""
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise _integrity_error(path, expected, actual)
    return data


def _integrity_error(path: Path, expected: str, actual: str) -> ModelIntegrityError:
    return ModelIntegrityError(
        f"{path}: SHA-256 {actual[:16]}… differs from the manifest's {expected[:16]}…; the file was "
        "changed or corrupted. Refusing to load it (a joblib file runs code when loaded); restore it "
        "or retrain with 'ttpmap train'",
        path,
        expected,
        actual,
    )


def _verify_files(
    root: Path, files: Mapping[str, Any], deferred: frozenset[str] | set[str] = frozenset()
) -> None:
    """Check every listed file's SHA-256 (those in `deferred` are checked by `_read_verified` later)."""
    for name, expected in files.items():
        path = root / name
        if Path(name).name != name or not isinstance(expected, str):
            raise ModelIntegrityError(f"{root / MANIFEST_FILE}: bad entry {name!r}", root / MANIFEST_FILE)
        if not path.is_file():
            raise ModelError(f"{path}: listed in the manifest but missing; the model is incomplete")
        if name in deferred:
            continue
        actual = sha256_file(path)
        if actual != expected:
            raise _integrity_error(path, expected, actual)
    for path in root.iterdir():
        if path.name not in files and path.suffix in _PICKLE_SUFFIXES:
            raise ModelIntegrityError(
                f"{path}: not listed in the manifest; refusing a model directory with unknown pickled files",
                path,
            )


def _check_versions(manifest: Mapping[str, Any], root: Path) -> None:
    from importlib.metadata import version

    installed = version("scikit-learn")
    built = str(manifest.get("versions", {}).get("scikit-learn", ""))
    if built and built.split(".")[:2] != installed.split(".")[:2]:
        raise ModelError(
            f"{root}: built with scikit-learn {built}, but {installed} is installed; install "
            f"scikit-learn=={built} or retrain with 'ttpmap train --out DIR'"
        )


def _load_joblib(path: Path, data: bytes) -> Any:
    import joblib

    try:
        return joblib.load(io.BytesIO(data))
    except Exception as exc:
        raise ModelError(
            f"{path}: cannot be loaded ({type(exc).__name__}: {exc}); retrain with 'ttpmap train'"
        ) from exc


def write_model_dir(
    out_dir: str | os.PathLike[str],
    files: Mapping[str, object],
    meta: Mapping[str, Any] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Write a model directory: each value is copied (a `Path`), saved in its own format (a
    `TechniquePredictor`) or joblib-dumped; then the manifest.

    Existing files are never replaced unless ``overwrite=True``; every file is written to a
    temporary name first and renamed into place.
    """
    root = Path(out_dir).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    targets = [*files, MANIFEST_FILE]
    if not overwrite:
        existing = [name for name in targets if (root / name).exists()]
        if existing:
            raise ModelError(
                f"{root} already holds {', '.join(existing)}; choose another --out or pass overwrite=True "
                "(CLI: --force) to replace them"
            )
    import joblib
    import sklearn

    from ttpmap.classify._predictor import TechniquePredictor

    digests: dict[str, str] = {}
    for name, obj in files.items():
        final = root / name
        with atomic_open(final, "wb") as fh:
            if isinstance(obj, Path):
                with open(obj, "rb") as src:
                    shutil.copyfileobj(src, fh)
            elif isinstance(obj, TechniquePredictor):
                obj.save(fh)
            else:
                joblib.dump(obj, fh, compress=("xz", 3))
        digests[name] = sha256_file(final)
    manifest = {
        "format": MODEL_FORMAT,
        **dict(meta or {}),
        "files": dict(sorted(digests.items())),
        "versions": {
            "ttpmap": _ttpmap_version(),
            "scikit-learn": sklearn.__version__,
            "joblib": joblib.__version__,
            "python": platform.python_version(),
        },
    }
    atomic_write(
        root / MANIFEST_FILE, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    )
    return root


def _ttpmap_version() -> str:
    from ttpmap import __version__

    return __version__
