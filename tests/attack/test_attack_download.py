from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest

from ttpmap._exceptions import CatalogError, InvalidParameterError
from ttpmap.attack._download import DEFAULT_SOURCE, download_bundle, pinned_sha256

FIXTURE = Path(__file__).parent / "data" / "mini-enterprise-2.1.json"
SHA = hashlib.sha256(FIXTURE.read_bytes()).hexdigest()


@pytest.fixture
def mirror(tmp_path: Path) -> str:
    """A file:// mirror holding the fixture as enterprise-attack-17.0.json(.gz)."""
    root = tmp_path / "mirror"
    root.mkdir()
    (root / "enterprise-attack-17.0.json").write_bytes(FIXTURE.read_bytes())
    (root / "enterprise-attack-17.0.json.gz").write_bytes(gzip.compress(FIXTURE.read_bytes()))
    return root.as_uri() + "/enterprise-attack-{version}.json"


def test_default_source_is_mitre() -> None:
    assert DEFAULT_SOURCE.format(version="18.1") == (
        "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/"
        "enterprise-attack-18.1.json"
    )


def test_pinned_181() -> None:
    assert pinned_sha256("18.1") == "f7f04c7e5ba1d51f761bb8910cb5a5597b00eae0bddbf138ea5318d9304da813"
    assert pinned_sha256("12.0") is None


def test_download_verifies_and_writes(mirror: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "bundle.json"
    assert download_bundle("17.0", out, source=mirror, sha256=SHA) == out
    assert out.read_bytes() == FIXTURE.read_bytes()
    assert [p.name for p in out.parent.iterdir()] == ["bundle.json"]


def test_download_gzip_source_hashes_the_json(mirror: str, tmp_path: Path) -> None:
    out = tmp_path / "b.json.gz"
    download_bundle("17.0", out, source=mirror + ".gz", sha256=SHA.upper())
    assert gzip.decompress(out.read_bytes()) == FIXTURE.read_bytes()


def test_download_default_name(mirror: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = download_bundle("17.0", source=mirror, sha256=SHA)
    assert path == Path("enterprise-attack-17.0.json")
    assert (tmp_path / "enterprise-attack-17.0.json").is_file()


def test_mismatch_is_refused_without_partial_file(mirror: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "bundle.json"
    out.parent.mkdir()
    with pytest.raises(CatalogError, match="SHA-256 mismatch") as info:
        download_bundle("17.0", out, source=mirror, sha256="0" * 64)
    assert SHA in str(info.value)
    assert list(out.parent.iterdir()) == []


def test_mismatch_keeps_an_existing_file(mirror: str, tmp_path: Path) -> None:
    out = tmp_path / "bundle.json"
    out.write_text("previous", "utf-8")
    with pytest.raises(CatalogError, match="SHA-256 mismatch"):
        download_bundle("17.0", out, source=mirror, sha256="1" * 64)
    assert out.read_text("utf-8") == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json", "mirror"]


def test_pinned_181_refuses_other_content(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "enterprise-attack-18.1.json").write_bytes(FIXTURE.read_bytes())
    out = tmp_path / "x.json"
    with pytest.raises(CatalogError, match="f7f04c7e5ba1"):
        download_bundle("18.1", out, source=root.as_uri() + "/enterprise-attack-{version}.json")
    assert not out.exists()


def test_unpinned_version_needs_sha256(mirror: str, tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"no pinned SHA-256 for ATT&CK 17\.0"):
        download_bundle("17.0", tmp_path / "x.json", source=mirror)


def test_missing_source_file(tmp_path: Path) -> None:
    out = tmp_path / "x.json"
    with pytest.raises(CatalogError, match="cannot download"):
        download_bundle("17.0", out, source=tmp_path.as_uri() + "/nothing-{version}.json", sha256=SHA)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"version": "latest"}, "version must look like"),
        ({"version": "17.0", "source": "https://example.org/bundle.json"}, "containing '{version}'"),
        ({"version": "17.0", "source": "ftp://example.org/{version}.json"}, "only https://"),
        ({"version": "17.0", "sha256": "abc"}, "64 hex digits"),
    ],
)
def test_bad_parameters(tmp_path: Path, kwargs: dict[str, str], match: str) -> None:
    kwargs.setdefault("sha256", SHA)
    with pytest.raises(InvalidParameterError, match=match):
        download_bundle(out=tmp_path / "x.json", **kwargs)  # type: ignore[arg-type]
