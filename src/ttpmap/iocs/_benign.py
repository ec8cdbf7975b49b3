"""Benign lists: the data that keeps well-known sites, system files and code names out of the IOCs.

Five plain-text lists, one entry a line, ``#`` comments, shipped in ``iocs/data/benign/``:

* ``domains.txt``          ``<domain> [category]``: reference, vendor, lookup... sites (and subdomains)
* ``shared_services.txt``  ``<host> <path-glob>`` or ``*.<host>``: where a specific object is an IOC
* ``filenames.txt``        ``<name-or-glob> [category]``: system binaries, LOLBins, project files
* ``names.txt``            ``<name-or-glob> [category]``: library names, code identifiers, AV names
* ``extensions.txt``       ``<extension>``: what makes a dotted token a file name
* ``addresses.txt``        ``<ip-or-network> [category]``: public resolvers and other benign addresses

Every entry, whether from a file or from code, goes through one parser that raises `RuleError`
with the file and line of a bad entry.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from ttpmap._exceptions import InvalidParameterError, RuleError

__all__ = ["KINDS", "BenignLists", "HostMatch"]

KINDS = ("domains", "shared_services", "filenames", "names", "extensions", "addresses")
_DATA_DIR = Path(__file__).resolve().parent / "data" / "benign"

_HOST_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*")
_CATEGORY_RE = re.compile(r"[a-z][a-z0-9-]{0,31}")
_NAME_RE = re.compile(r"[^\s]{1,255}")
_EXT_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")

_PREFIX_GLOB_RE = re.compile(r"[a-z0-9_-]+\.\*")

HostKind = Literal["benign", "service", "service-object", "service-path"]


class HostMatch:
    """What the benign lists say about one host name."""

    __slots__ = ("category", "entry", "kind", "path_globs")

    def __init__(self, kind: HostKind, entry: str, category: str = "", path_globs: tuple[str, ...] = ()):
        self.kind = kind
        self.entry = entry
        self.category = category
        self.path_globs = path_globs


class BenignLists:
    """Benign and shared-service lists that decide an IOC's fidelity.

    Parameters
    ----------
    domains, shared_services, filenames, names, extensions : iterable of str
        Entries in the syntax of the matching data file (see the module docstring), e.g.
        ``"intranet.example.org internal"``, ``"paste.example /p/*"``, ``"*.tunnel.example"``,
        ``"backup.exe tool"``, ``"mylib.js library"``, ``"xyz"``.

    See Also
    --------
    BenignLists.default : the lists shipped with ttpmap.
    BenignLists.extend : a copy with more entries.
    BenignLists.from_files : lists read from files, added to the defaults.

    Examples
    --------
    >>> lists = BenignLists.default().extend(domains=["intel.example.net partner"])
    >>> lists.match_host("cdn.intel.example.net").category
    'partner'
    """

    def __init__(
        self,
        *,
        domains: Iterable[str] = (),
        shared_services: Iterable[str] = (),
        filenames: Iterable[str] = (),
        names: Iterable[str] = (),
        extensions: Iterable[str] = (),
        addresses: Iterable[str] = (),
    ) -> None:
        self._entries: dict[str, list[str]] = {k: [] for k in KINDS}
        self._domains: dict[str, str] = {}
        self._service_paths: dict[str, list[str]] = {}
        self._service_hosts: set[str] = set()
        self._filenames: dict[str, str] = {}
        self._filename_globs: list[tuple[str, str]] = []
        self._names: dict[str, str] = {}
        self._name_globs: list[tuple[str, str]] = []
        self._extensions: set[str] = set()
        self._addresses: dict[ipaddress.IPv4Address | ipaddress.IPv6Address, str] = {}
        self._networks: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]] = []
        self._add_entries(
            domains=domains,
            shared_services=shared_services,
            filenames=filenames,
            names=names,
            extensions=extensions,
            addresses=addresses,
        )

    # construction -----------------------------------------------------------------------------
    @classmethod
    def default(cls) -> BenignLists:
        """The lists shipped in ``ttpmap/iocs/data/benign/`` (loaded once per process)."""
        return _default_lists()

    @classmethod
    def from_files(
        cls,
        *,
        domains: Iterable[str | os.PathLike[str]] = (),
        shared_services: Iterable[str | os.PathLike[str]] = (),
        filenames: Iterable[str | os.PathLike[str]] = (),
        names: Iterable[str | os.PathLike[str]] = (),
        extensions: Iterable[str | os.PathLike[str]] = (),
        addresses: Iterable[str | os.PathLike[str]] = (),
        include_defaults: bool = True,
    ) -> BenignLists:
        """Read lists from files (one entry a line) and add them to the defaults.

        Raises
        ------
        RuleError
            A file that cannot be read, or a line that is not a valid entry (names file and line).
        """
        lists = cls.default()._copy() if include_defaults else cls()
        paths = {
            "domains": domains,
            "shared_services": shared_services,
            "filenames": filenames,
            "names": names,
            "extensions": extensions,
            "addresses": addresses,
        }
        for kind, files in paths.items():
            if isinstance(files, (str, os.PathLike)):
                files = [files]
            for file in files:
                lists._read(kind, Path(file))
        lists._compile()
        return lists

    @classmethod
    def from_disk(cls, directory: str | os.PathLike[str]) -> BenignLists:
        """Read ``<kind>.txt`` files from `directory` (the layout that `to_disk` writes); no defaults."""
        directory = Path(directory)
        if not directory.is_dir():
            raise RuleError("not a directory of benign lists", directory)
        lists = cls()
        for kind in KINDS:
            path = directory / f"{kind}.txt"
            if path.is_file():
                lists._read(kind, path)
        lists._compile()
        return lists

    def to_disk(self, directory: str | os.PathLike[str]) -> None:
        """Write every list as ``<kind>.txt`` in `directory` (created if missing)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            text = "".join(line + "\n" for line in self._entries[kind])
            (directory / f"{kind}.txt").write_text(text, encoding="utf-8")

    def extend(
        self,
        *,
        domains: Iterable[str] = (),
        shared_services: Iterable[str] = (),
        filenames: Iterable[str] = (),
        names: Iterable[str] = (),
        extensions: Iterable[str] = (),
        addresses: Iterable[str] = (),
    ) -> BenignLists:
        """Return a copy with more entries (same syntax as the files); this object is unchanged."""
        new = self._copy()
        new._add_entries(
            domains=domains,
            shared_services=shared_services,
            filenames=filenames,
            names=names,
            extensions=extensions,
            addresses=addresses,
        )
        return new

    def _add_entries(self, **given: Iterable[str]) -> None:
        """The one path for entries given in code: the same syntax as the files, then recompile."""
        for kind, lines in given.items():
            if isinstance(lines, str):
                raise InvalidParameterError(
                    f"{kind} must be an iterable of entries, got one str; wrap it in a list"
                )
            for line in lines:
                self._add(kind, line, None, None)
        self._compile()

    @property
    def entries(self) -> Mapping[str, tuple[str, ...]]:
        """Every entry, by kind, as normalised lines."""
        return {k: tuple(v) for k, v in self._entries.items()}

    def __len__(self) -> int:
        return sum(len(v) for v in self._entries.values())

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self._entries.items())
        return f"BenignLists({counts})"

    # lookups ----------------------------------------------------------------------------------
    @property
    def extensions(self) -> frozenset[str]:
        """File-name extensions, lowercase, without the dot."""
        return self._extensions_frozen

    def match_host(self, host: str) -> HostMatch | None:
        """The most specific entry that covers `host` (lowercase), or None.

        ``kind`` is ``"benign"`` (a listed site), ``"service"`` (a shared service itself),
        ``"service-object"`` (a customer's name under a shared service, e.g. a tunnel) or
        ``"service-path"`` (a host where only URL paths matching ``path_globs`` are specific).
        """
        labels = host.split(".")
        for i in range(len(labels)):
            suffix = ".".join(labels[i:]) if i else host
            if suffix in self._service_hosts:
                return HostMatch("service-object" if i else "service", suffix)
            if i == 0 or (i == 1 and labels[0] == "www"):
                globs = self._service_paths.get(suffix)
                if globs is not None:
                    return HostMatch("service-path", suffix, self._domains.get(suffix, ""), tuple(globs))
            category = self._domains.get(suffix)
            if category is not None:
                return HostMatch("benign", suffix, category)
        return None

    def filename_category(self, name: str) -> str | None:
        """The category of a benign file name (case-insensitive), or None."""
        low = name.lower()
        cat = self._filenames.get(low)
        if cat is not None or self._filename_re is None:
            return cat
        m = self._filename_re.match(low)
        return self._filename_globs[int(m.lastgroup[1:])][1] if m and m.lastgroup else None

    def address_category(self, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
        """The category of a benign IP address (e.g. a public DNS resolver), or None."""
        cat = self._addresses.get(ip)
        if cat is not None:
            return cat
        for net, category in self._networks:
            if ip.version == net.version and ip in net:
                return category
        return None

    def name_category(self, token: str) -> str | None:
        """The category of a dotted name that is not a host (library, code, detection), or None."""
        low = token.lower()
        cat = self._names.get(low)
        if cat is not None:
            return cat
        first = low.partition(".")[0]
        cat = self._name_prefixes.get(first)
        if cat is not None:
            return cat
        if self._name_re is None:
            return None
        m = self._name_re.match(low)
        return self._name_rest[int(m.lastgroup[1:])][1] if m and m.lastgroup else None

    # internals --------------------------------------------------------------------------------
    def _copy(self) -> BenignLists:
        new = BenignLists()
        for kind, lines in self._entries.items():
            for line in lines:
                new._add(kind, line, None, None)
        new._compile()
        return new

    def _read(self, kind: str, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"cannot read {kind} list: {exc}", path) from exc
        for number, line in enumerate(text.splitlines(), start=1):
            self._add(kind, line, path, number)

    def _add(self, kind: str, line: str, path: Path | None, number: int | None) -> None:
        if not isinstance(line, str):
            raise RuleError(f"{kind} entry must be a str, got {type(line).__name__}", path, number)
        text = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if not text:
            return
        parts = text.split()

        def bad(what: str) -> RuleError:
            return RuleError(f"invalid {kind} entry {text!r}: {what}", path, number)

        if kind == "domains":
            if len(parts) > 2:
                raise bad("expected '<domain> [category]'")
            host = parts[0].lower().rstrip(".")
            category = parts[1].lower() if len(parts) == 2 else "benign"
            if not _HOST_RE.fullmatch(host):
                raise bad("not a domain name (letters, digits, hyphens and dots)")
            if not _CATEGORY_RE.fullmatch(category):
                raise bad("a category is one lowercase word, e.g. 'reference'")
            self._domains[host] = category
            self._entries[kind].append(f"{host} {category}")
        elif kind == "shared_services":
            host = parts[0].lower()
            if host.startswith("*."):
                if len(parts) != 1 or not _HOST_RE.fullmatch(host[2:]):
                    raise bad("expected '*.<host>' alone on the line")
                self._service_hosts.add(host[2:])
                self._entries[kind].append(host)
            else:
                if len(parts) != 2 or not parts[1].startswith("/") or not _HOST_RE.fullmatch(host):
                    raise bad("expected '<host> /<path-glob>' or '*.<host>'")
                self._service_paths.setdefault(host, []).append(parts[1])
                self._entries[kind].append(f"{host} {parts[1]}")
        elif kind in ("filenames", "names"):
            if len(parts) > 2 or not _NAME_RE.fullmatch(parts[0]):
                raise bad("expected '<name-or-glob> [category]'")
            name = parts[0].lower()
            category = parts[1].lower() if len(parts) == 2 else ("benign" if kind == "filenames" else "name")
            if not _CATEGORY_RE.fullmatch(category):
                raise bad("a category is one lowercase word, e.g. 'system'")
            if kind == "names" and "." not in name:
                raise bad("a name must contain a dot, e.g. 'socket.io' or 'subprocess.*'")
            is_glob = any(c in name for c in "*?[")
            exact, globs = (
                (self._filenames, self._filename_globs)
                if kind == "filenames"
                else (self._names, self._name_globs)
            )
            if is_glob:
                globs.append((name, category))
            else:
                exact[name] = category
            self._entries[kind].append(f"{name} {category}")
        elif kind == "addresses":
            if len(parts) > 2:
                raise bad("expected '<ip-or-network> [category]'")
            category = parts[1].lower() if len(parts) == 2 else "benign"
            if not _CATEGORY_RE.fullmatch(category):
                raise bad("a category is one lowercase word, e.g. 'resolver'")
            try:
                if "/" in parts[0]:
                    self._networks.append((ipaddress.ip_network(parts[0], strict=False), category))
                else:
                    self._addresses[ipaddress.ip_address(parts[0])] = category
            except ValueError:
                raise bad("not an IP address or network") from None
            self._entries[kind].append(f"{parts[0]} {category}")
        elif kind == "extensions":
            ext = parts[0].lower().lstrip(".")
            if len(parts) != 1 or not _EXT_RE.fullmatch(ext):
                raise bad("expected one extension, e.g. 'exe'")
            self._extensions.add(ext)
            self._entries[kind].append(ext)
        else:  # pragma: no cover - guarded by callers
            raise InvalidParameterError(f"unknown list kind {kind!r}; expected one of {KINDS}")

    def _compile(self) -> None:
        self._filename_re = _compile_globs(self._filename_globs)
        # "label.*" globs are a dict lookup on the first label; the others share one regex
        self._name_prefixes = {g[:-2]: c for g, c in self._name_globs if _PREFIX_GLOB_RE.fullmatch(g)}
        self._name_rest = [(g, c) for g, c in self._name_globs if not _PREFIX_GLOB_RE.fullmatch(g)]
        self._name_re = _compile_globs(self._name_rest)
        self._extensions_frozen = frozenset(self._extensions)


def _compile_globs(globs: list[tuple[str, str]]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return re.compile("|".join(f"(?P<g{i}>{fnmatch.translate(g)})" for i, (g, _) in enumerate(globs)))


@lru_cache(maxsize=1)
def _default_lists() -> BenignLists:
    return BenignLists.from_disk(_DATA_DIR)
