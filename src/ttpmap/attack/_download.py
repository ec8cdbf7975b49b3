"""Download an ATT&CK Enterprise STIX bundle from MITRE's published releases, verifying its SHA-256."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import urllib.error
import urllib.request
import zlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Final

from ttpmap._atomic import atomic_open
from ttpmap._exceptions import CatalogError, InvalidParameterError

__all__ = ["DEFAULT_SOURCE", "download_bundle", "pinned_sha256"]

DEFAULT_SOURCE: Final = (
    "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/"
    "enterprise-attack-{version}.json"
)
MAX_BYTES: Final = 512 * 1024 * 1024
_VERSION = re.compile(r"^\d{1,2}\.\d{1,2}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20


@cache
def _pins() -> dict[str, str]:
    text = resources.files("ttpmap.attack").joinpath("data/bundle-sha256.tsv").read_text("utf-8")
    rows = [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return dict(rows[1:])


def pinned_sha256(version: str) -> str | None:
    """The pinned SHA-256 (uncompressed JSON) of an ATT&CK Enterprise release, or None if not pinned."""
    return _pins().get(version)


def download_bundle(
    version: str,
    out: str | os.PathLike[str] | None = None,
    *,
    source: str = DEFAULT_SOURCE,
    sha256: str | None = None,
    timeout: float = 60.0,
) -> Path:
    """Fetch ``enterprise-attack-{version}.json`` and keep it only if its SHA-256 is the pinned one.

    The file is written to a temporary name beside `out` and renamed into place once verified, so a
    failed or tampered download never leaves a partial file. A gzip source is accepted; the hash is
    always taken over the uncompressed JSON.

    Parameters
    ----------
    version : str
        ATT&CK version such as ``'18.1'``.
    out : path-like, optional
        Where to write; default ``./enterprise-attack-{version}.json`` (``.json.gz`` for a gzip source).
    source : str
        URL template with ``{version}``; ``file://`` URLs work for mirrors and offline use.
    sha256 : str, optional
        Expected SHA-256 (hex) when the version is not pinned, or to override the pin.
    timeout : float
        Seconds to wait for the server.

    Raises
    ------
    CatalogError
        On a network error, an oversized response or a SHA-256 mismatch.
    InvalidParameterError
        For a malformed version, template or SHA-256, or a version without a pin and no `sha256`.
    """
    if not isinstance(version, str) or not _VERSION.match(version):
        raise InvalidParameterError(f"version must look like '18.1', got {version!r}")
    if "{version}" not in source:
        raise InvalidParameterError(f"source must be a URL template containing '{{version}}', got {source!r}")
    expected = (sha256 or pinned_sha256(version) or "").lower()
    if not expected:
        raise InvalidParameterError(
            f"no pinned SHA-256 for ATT&CK {version} (pinned: {', '.join(sorted(_pins()))}); pass "
            "sha256= (CLI: --sha256 HEX) with the hash of the uncompressed bundle you trust"
        )
    if not _SHA256.match(expected):
        raise InvalidParameterError(f"sha256 must be 64 hex digits, got {sha256!r}")
    url = source.format(version=version)
    if not url.startswith(("https://", "http://", "file://")):
        raise InvalidParameterError(f"only https://, http:// and file:// sources are supported, got {url!r}")
    gz_source = url.endswith(".gz")
    target = Path(out) if out is not None else Path(f"enterprise-attack-{version}.json" + (".gz" * gz_source))
    target = target.expanduser()
    with atomic_open(target, "wb", suffix=".part") as fh:
        _fetch(url, fh, timeout, target)
        fh.flush()
        actual = _sha256_uncompressed(Path(fh.name), target)
        if actual != expected:
            raise CatalogError(
                f"SHA-256 mismatch for {url}: got {actual}, expected {expected}; the download was discarded "
                "(a changed or tampered file). Check the source, or pass --sha256 with a hash you verified",
                target,
            )
    return target


def _fetch(url: str, fh: IO[bytes], timeout: float, target: Path) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "ttpmap (attack download)"})
    total = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            while chunk := response.read(_CHUNK):
                total += len(chunk)
                if total > MAX_BYTES:
                    raise CatalogError(f"{url} is larger than {MAX_BYTES // 2**20} MiB; refusing it", target)
                fh.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CatalogError(
            f"cannot download {url} ({reason}); without internet, fetch the bundle elsewhere and run "
            "`ttpmap attack build --bundle PATH`",
            target,
        ) from exc


def _sha256_uncompressed(path: Path, target: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(path, "rb") if gz else path.open("rb") as fh:
            while block := fh.read(_CHUNK):
                digest.update(block)
    except (EOFError, OSError, zlib.error) as exc:
        raise CatalogError(f"the downloaded gzip is truncated or corrupt ({exc}); try again", target) from exc
    return digest.hexdigest()
