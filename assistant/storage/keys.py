"""API keys for the HTTP API and the MCP server, kept in the shared-state database so every
replica knows them. A key is `mlk_<id>_<secret>`: the id names it in lists and logs, the
secret (32 random bytes) is shown once, when it is made, and only its SHA-256 is stored.
`mlinfra keys create/list/revoke` manage them. Keys may also come from configuration
(`MLINFRA_API_KEYS`, e.g. a Kubernetes Secret): comma-separated `NAME=ID:SHA256` entries,
hashes only, which `mlinfra keys create NAME --for-config` prints; they are checked before
the database's and revoked by removing them there.

    keys = KeyStore(data_dir)
    made = keys.create("ci-bot")          # made.key is shown once
    keys.verify(made.key)                 # the record, or None for a wrong or revoked key
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.storage.db import Database

PREFIX = "mlk_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_KEY = re.compile(r"^mlk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._@-]{0,63})=([0-9a-f]{12}):([0-9a-fA-F]{64})$")
CACHE_SECONDS = 5.0  # a revoked key stops working within this, on every replica


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    created: str
    revoked: str | None = None
    source: str = "database"  # or "configuration" (MLINFRA_API_KEYS)


@dataclass(frozen=True)
class NewKey:
    record: KeyRecord
    key: str  # shown once


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(name: str) -> NewKey:
    """A fresh key for `name`, kept nowhere yet."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            "name must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a "
            f"letter or digit, got {name!r}"
        )
    kid = secrets.token_hex(6)
    key = f"{PREFIX}{kid}_{secrets.token_urlsafe(32)}"
    return NewKey(KeyRecord(kid, name, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())), key)


def config_entry(made: NewKey) -> str:
    """The `MLINFRA_API_KEYS` entry of `made`: its name, id and hash (never the key)."""
    return f"{made.record.name}={made.record.id}:{digest(made.key)}"


def configured(text: str | None) -> dict[str, tuple[str, str]]:
    """`MLINFRA_API_KEYS` read: key id -> (name, SHA-256). A bad entry is a `ValueError`
    naming its place and the shape wanted, never its text (it may be a key pasted whole)."""
    found: dict[str, tuple[str, str]] = {}
    entries = [e.strip() for e in (text or "").split(",")]
    for at, entry in enumerate(entries, 1):
        if not entry:
            continue
        hit = _ENTRY.match(entry)
        if hit is None:
            pasted = " (it looks like a key itself: give its hash)" if PREFIX in entry else ""
            raise ValueError(
                f"MLINFRA_API_KEYS entry {at} must be NAME=ID:SHA256, as "
                f"`mlinfra keys create NAME --for-config` prints it{pasted}"
            )
        name, kid, hashed = hit.groups()
        if kid in found:
            raise ValueError(f"MLINFRA_API_KEYS entry {at} repeats key id {kid}")
        found[kid] = (name, hashed.lower())
    return found


def configured_in(settings: Any) -> dict[str, tuple[str, str]]:
    """The keys `settings.api_keys` (MLINFRA_API_KEYS) names, read by `configured`."""
    kept = settings.api_keys
    return configured(kept.get_secret_value() if kept else None)


def _configured_record(kid: str, name: str) -> KeyRecord:
    return KeyRecord(kid, name, "-", None, "configuration")


def key_id(key: str) -> str | None:
    """The id part of a well-formed key (safe to log), else None."""
    found = _KEY.match(key) if isinstance(key, str) else None
    return found.group(1) if found else None


class KeyStore:
    def __init__(self, data_dir: Path, url: str | None = None,
                 configured_keys: dict[str, tuple[str, str]] | None = None) -> None:  # fmt: skip
        self.configured = configured_keys or {}  # MLINFRA_API_KEYS: id -> (name, SHA-256)
        self.database = Database(url, Path(data_dir))
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[float, KeyRecord | None]] = {}

    @classmethod
    def of(cls, settings: Any, url: str | None) -> KeyStore:
        """The keys `settings` name: the database at `url`, and `MLINFRA_API_KEYS`."""
        return cls(settings.data_dir, url, configured_in(settings))

    def create(self, name: str) -> NewKey:
        from assistant.storage.tables import api_keys

        made = new_key(name)
        with self.database.connect("creating the API key") as conn:
            conn.execute(api_keys.insert().values(id=made.record.id, name=name,
                                                  digest=digest(made.key),
                                                  created=made.record.created))  # fmt: skip
        return made

    def list(self) -> list[KeyRecord]:
        from sqlalchemy import select

        from assistant.storage.tables import api_keys as t

        with self.database.connect("listing API keys") as conn:
            rows = conn.execute(select(t.c.id, t.c.name, t.c.created, t.c.revoked)
                                .order_by(t.c.created, t.c.id)).all()  # fmt: skip
        kept = [_configured_record(kid, name) for kid, (name, _) in self.configured.items()]
        return kept + [KeyRecord(r.id, r.name, r.created, r.revoked) for r in rows]

    def revoke(self, kid: str) -> KeyRecord:
        """Revoke the key with id `kid` (a `KeyError` when there is none)."""
        from sqlalchemy import update

        from assistant.storage.tables import api_keys as t

        if kid in self.configured:
            raise ValueError(f"key id {kid} comes from MLINFRA_API_KEYS: remove its entry "
                             "there (and restart the servers) to revoke it")  # fmt: skip
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self.database.connect("revoking the API key") as conn:
            conn.execute(update(t).where(t.c.id == kid, t.c.revoked.is_(None)).values(revoked=now))
        for record in self.list():
            if record.id == kid:
                with self._lock:
                    self._seen.clear()
                return record
        raise KeyError(f"no API key with id {kid!r}")

    def known(self, key: str) -> bool:
        """Whether `verify(key)` would answer without a database round trip (a configured
        key, or one it checked in the last `CACHE_SECONDS`)."""
        if key_id(key) in self.configured:
            return True
        with self._lock:
            seen = self._seen.get(digest(key))
        return seen is not None and time.monotonic() - seen[0] < CACHE_SECONDS

    def verify(self, key: str) -> KeyRecord | None:
        """The key's record if it is a valid, unrevoked key; else None. Answers are kept
        for `CACHE_SECONDS`, so a request does not cost a database round trip."""
        kid = key_id(key)
        if kid is None:
            return None
        wanted = digest(key)
        if kid in self.configured:
            name, hashed = self.configured[kid]
            return _configured_record(kid, name) if hmac.compare_digest(hashed, wanted) else None
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(wanted)
        if seen is not None and now - seen[0] < CACHE_SECONDS:
            return seen[1]
        from sqlalchemy import select

        from assistant.storage.tables import api_keys as t

        with self.database.connect("checking the API key") as conn:
            row = conn.execute(select(t.c.id, t.c.name, t.c.created, t.c.revoked, t.c.digest)
                               .where(t.c.id == kid)).first()  # fmt: skip
        found = None
        if row is not None and row.revoked is None and hmac.compare_digest(row.digest, wanted):
            found = KeyRecord(row.id, row.name, row.created)
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            self._seen[wanted] = (now, found)
        return found
