"""Who may call the HTTP API and how often: the Bearer key checked against the key store
(`storage.keys`), or no key at all when `MLINFRA_AUTH=off` (a local single-user run); a
token bucket per key (`MLINFRA_RATE_LIMIT` requests a minute, per API process), refused with
429 and `Retry-After`. A key never appears in an error, a log line or a metric: a refusal
names at most the key's id."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from assistant.storage.keys import KeyStore, key_id

LOCAL = "local"  # the caller when auth is off


@dataclass(frozen=True)
class Caller:
    user: str  # whose conversations and sessions these are: the key's name
    key_id: str


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class Guard:
    def __init__(self, keys: KeyStore | None, per_minute: int) -> None:
        self.keys = keys  # None: auth is off
        self.per_minute = per_minute
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, at)

    def check(self, authorization: str | None) -> Caller:
        caller = self._who(authorization)
        self._take(caller.key_id)
        return caller

    def quick(self, authorization: str | None) -> bool:
        """Whether `check` needs no database round trip (auth off, no key sent, or a key
        checked in the last few seconds): then it may run on the event loop."""
        if self.keys is None:
            return True
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        return scheme.lower() != "bearer" or not token or self.keys.known(token)

    def _who(self, authorization: str | None) -> Caller:
        if self.keys is None:
            return Caller(LOCAL, LOCAL)
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Refused(401, "an API key is required: send 'Authorization: Bearer <key>' "
                          "(make one with `mlinfra keys create NAME`)",
                          {"WWW-Authenticate": "Bearer"})  # fmt: skip
        record = self.keys.verify(token)
        if record is None:
            kid = key_id(token)
            named = f" (key id {kid})" if kid else ""
            raise Refused(401, f"the API key is not valid or was revoked{named}",
                          {"WWW-Authenticate": 'Bearer error="invalid_token"'})  # fmt: skip
        return Caller(record.name, record.id)

    def _take(self, kid: str) -> None:
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            tokens, at = self._buckets.get(kid, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - at) * rate)
            if tokens < 1.0:
                wait = math.ceil((1.0 - tokens) / rate)
                self._buckets[kid] = (tokens, now)
                raise Refused(429, f"rate limit: {self.per_minute} requests a minute per key; "
                              f"try again in {wait} s", {"Retry-After": str(wait)})  # fmt: skip
            self._buckets[kid] = (tokens - 1.0, now)
