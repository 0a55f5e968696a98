"""What a data source may reach and how much it may read: limits set by whoever deploys OpenMASH.

A hub administrator configures sources in the product; the deployer bounds what those settings can
do, in the environment (the ``sources`` app builds a :class:`SourceLimits` from the settings):

* **folders** — file sources (CSV, Excel, SQLite files) read only files inside these folders,
  compared by real path after resolving symlinks, so neither ``..`` nor a symlink leads outside;
* **hosts** — FHIR and SQL sources reach only these hosts (``name``, ``*.domain``, an IP address
  or a CIDR network, each optionally ``:port``). Every address a name resolves to is checked.
  Loopback, link-local, unspecified, multicast and cloud-metadata addresses are refused unless an
  IP or CIDR entry made only of such addresses names them: a name or a broad network never
  grants them. The application's own database (:attr:`SourceLimits.app_databases`) is refused
  even then, unless :attr:`SourceLimits.allow_app_database` is set as well;
* **env secrets** — ``env:NAME`` is read only for names starting with one of
  :attr:`SourceLimits.env_prefixes`, never a name in :data:`NEVER_SECRETS`, and only once the
  host it goes to has passed the check above;
* **sizes** — files larger than :attr:`SourceLimits.max_file_bytes` are refused before reading;
  a table may have at most ``max_rows`` rows, ``max_columns`` columns and cells of at most
  ``max_cell_chars`` characters; an Excel workbook may expand to at most
  ``max_uncompressed_bytes`` (and ``max_compression_ratio`` times its size) when unzipped.

Plain Python: no Django import. :data:`UNRESTRICTED` (no folder or host check; the size limits and
the env prefixes kept) is for the command-line engine and tests of the connectors themselves; the
web application always passes the deployer's limits.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

__all__ = [
    "NEVER_SECRETS",
    "UNRESTRICTED",
    "AppDatabase",
    "HostRefused",
    "PathRefused",
    "SecretRefused",
    "SourceLimits",
    "error_reference",
]

log = logging.getLogger("openmash.sources.limits")

#: Environment variables never read as a source's secret, whatever the prefixes say.
NEVER_SECRETS: Final = frozenset(
    {"SECRET_KEY", "DATABASE_URL", "DJANGO_SECRET_KEY", "EMAIL_HOST_PASSWORD", "AWS_SECRET_ACCESS_KEY"}
)
#: Cloud metadata services (reachable on many hosting platforms; they hand out credentials).
METADATA_ADDRESSES: Final = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("169.254.170.2"),
        ipaddress.ip_address("100.100.100.200"),
        ipaddress.ip_address("fd00:ec2::254"),
    }
)


def error_reference() -> str:
    """A short reference that ties a generic error shown to a user to the detail in the server log."""
    return uuid.uuid4().hex[:10].upper()


class PathRefused(Exception):  # noqa: N818 - reads as "the path is refused"
    """A file outside the folders sources may read (or not a regular file)."""


class HostRefused(Exception):  # noqa: N818
    """A host a source may not reach; the message is for the server log only."""


class SecretRefused(Exception):  # noqa: N818
    """An ``env:`` name a source may not read."""


@dataclass(frozen=True, slots=True)
class AppDatabase:
    """The application's own database: a network endpoint (host, port, database name) or a
    SQLite file (``path``)."""

    host: str | None = None
    port: int | None = None
    name: str | None = None
    path: str | None = None


Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class _HostEntry:
    name: str | None  # a host name or "*.domain" pattern
    network: Network | None
    port: int | None

    @classmethod
    def parse(cls, text: str) -> _HostEntry:
        text = text.strip()
        port: int | None = None
        host = text
        if text.startswith("["):  # [v6]:port
            host, _, rest = text[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else None
        elif text.count(":") == 1:
            host, _, port_text = text.partition(":")
            port = int(port_text)
        try:
            return cls(name=None, network=ipaddress.ip_network(host, strict=False), port=port)
        except ValueError:
            return cls(name=host.lower().rstrip("."), network=None, port=port)

    def matches_port(self, port: int) -> bool:
        return self.port is None or self.port == port

    def names(self, host: str) -> bool:
        return self.name is not None and fnmatch.fnmatchcase(host, self.name)

    @property
    def only_special(self) -> bool:
        """Every address of the entry's network is one that needs naming explicitly."""
        net = self.network
        if net is None:
            return False
        if net.num_addresses == 1:
            return _special(net.network_address)
        return bool(net.is_loopback or net.is_link_local or net.is_multicast or net.is_unspecified)


def _special(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return bool(
        address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or address in METADATA_ADDRESSES
    )


#: Looks a host name up: every address it resolves to, or :class:`HostRefused`.
Resolver = Callable[[str, int], list[Address]]


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise HostRefused(f"{host} does not resolve: {exc}") from None
    addresses: list[Address] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]
        address = ipaddress.ip_address(text)
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise HostRefused(f"{host} resolves to no address")
    return addresses


@dataclass(frozen=True)
class SourceLimits:
    folders: tuple[Path, ...] | None = None
    """Folders file sources may read; ``None``: not checked (the command-line engine only)."""
    hosts: tuple[str, ...] | None = None
    """Hosts FHIR and SQL sources may reach; ``None``: not checked (the command-line engine only)."""
    env_prefixes: tuple[str, ...] = ("OPENMASH_SOURCE_",)
    app_databases: tuple[AppDatabase, ...] = ()
    allow_app_database: bool = False
    max_file_bytes: int = 100 * 1024 * 1024
    max_rows: int = 2_000_000
    max_columns: int = 500
    max_cell_chars: int = 32_767
    max_uncompressed_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: int = 200
    sql_timeout_seconds: int = 120
    resolver: Resolver | None = field(default=None, compare=False, repr=False)
    """How host names are looked up (default: the system's resolver, ``socket.getaddrinfo``)."""
    _entries: tuple[_HostEntry, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        entries = tuple(_HostEntry.parse(h) for h in self.hosts or () if h.strip())
        object.__setattr__(self, "_entries", entries)
        if self.folders is not None:
            object.__setattr__(self, "folders", tuple(Path(os.path.realpath(f)) for f in self.folders))

    # --- files -----------------------------------------------------------------------------------

    def readable_file(self, path: str | Path) -> Path:
        """The real path of ``path`` if a source may read it; raises :class:`PathRefused`
        (saying nothing of whether a file outside the folders exists)."""
        real = Path(os.path.realpath(path))
        if self.folders is not None and not any(real.is_relative_to(folder) for folder in self.folders):
            raise PathRefused(
                f"{Path(path).name} is not in a folder data sources may read from"
                " (the deployer's OPENMASH_SOURCE_FOLDERS)"
            )
        if not real.is_file():
            raise PathRefused(f"no such file: {Path(path).name}")
        if real.stat().st_size > self.max_file_bytes:
            raise PathRefused(
                f"{Path(path).name} is larger than {self.max_file_bytes // (1024 * 1024)} MB,"
                " the largest file a data source may read (OPENMASH_SOURCE_MAX_UPLOAD_MB)"
            )
        for database in self.app_databases:
            if database.path and real == Path(os.path.realpath(database.path)):
                raise PathRefused(f"{real.name} is OpenMASH's own database")
        return real

    def path_allowed(self, path: str | Path) -> bool:
        real = Path(os.path.realpath(path))
        return self.folders is None or any(real.is_relative_to(folder) for folder in self.folders)

    # --- hosts -----------------------------------------------------------------------------------

    def host_listed(self, host: str, port: int) -> bool:
        """Whether ``host`` (a name or an address) is named by the allow-list at all (no DNS)."""
        if self.hosts is None:
            return True
        host = host.lower().strip("[]").rstrip(".")
        try:
            literal: Address | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        for entry in self._entries:
            if not entry.matches_port(port):
                continue
            if literal is not None and entry.network is not None and literal in entry.network:
                return True
            if literal is None and entry.names(host):
                return True
        return literal is None and any(e.network is not None and e.matches_port(port) for e in self._entries)

    def check_host(self, host: str | None, port: int, *, database: str | None = None) -> list[Address]:
        """Resolve ``host`` and check every address it resolves to; returns them, or raises
        :class:`HostRefused` (a message for the server log, never for the user)."""
        if not host:
            raise HostRefused("no host")
        host = host.lower().strip("[]").rstrip(".")
        addresses = (self.resolver or _resolve)(host, port)
        for address in addresses:
            self._check_address(host, address, port)
        if database is not None or self.app_databases:
            self._check_app_database(host, addresses, port, database)
        return addresses

    def _check_address(self, host: str, address: Address, port: int) -> None:
        if self.hosts is None:
            return
        entries = [e for e in self._entries if e.matches_port(port)]
        by_network = [e for e in entries if e.network is not None and address in e.network]
        if _special(address):
            if not any(e.only_special for e in by_network):
                raise HostRefused(
                    f"{host}:{port} resolves to {address}, a loopback, link-local or metadata address"
                    " that OPENMASH_SOURCE_HOSTS does not name by address"
                )
            return
        if by_network or any(e.names(host) for e in entries):
            return
        raise HostRefused(f"{host}:{port} ({address}) is not in OPENMASH_SOURCE_HOSTS")

    def _check_app_database(
        self, host: str, addresses: Sequence[Address], port: int, database: str | None
    ) -> None:
        if self.allow_app_database:
            return
        for app in self.app_databases:
            if not app.host or (app.port or 5432) != port:
                continue
            try:
                app_addresses = set((self.resolver or _resolve)(app.host, port))
            except HostRefused:
                app_addresses = set()
            if not (app_addresses & set(addresses)) and app.host.lower() != host:
                continue
            if database is None or app.name is None or database == app.name:
                raise HostRefused(
                    f"{host}:{port} is OpenMASH's own database; refused unless"
                    " OPENMASH_SOURCE_ALLOW_APP_DATABASE is set"
                )

    # --- secrets ---------------------------------------------------------------------------------

    def secret(self, name: str) -> str:
        """The value of the environment variable ``name``, if a source may read it."""
        name = name.strip()
        prefixes = [p for p in self.env_prefixes if p]
        if name.upper() in NEVER_SECRETS or not prefixes or not any(name.startswith(p) for p in prefixes):
            raise SecretRefused(
                f"env:{name} is not a variable data sources may read (its name must start with"
                f" {' or '.join(prefixes) or 'an allowed prefix'}; see OPENMASH_SOURCE_ENV_PREFIXES)"
            )
        return os.environ.get(name, "").strip()

    def secret_name_allowed(self, name: str) -> bool:
        try:
            self.secret(name)
        except SecretRefused:
            return False
        return True


UNRESTRICTED: Final = SourceLimits()
