"""The database of shared state: one SQLAlchemy engine per URL, its schema brought to the
newest migration on first use, and every failure to reach it said as a
`DatabaseUnavailableError` that names the database without its password.

SQLite (the default, `DATA_DIR/mlinfra.sqlite3`) runs in WAL mode with a busy timeout, so
concurrent writers (UI sessions, API workers, threads) wait for each other rather than fail;
PostgreSQL (`postgresql+psycopg://...`) is for a team's shared instance. Connections are
checked before use (`pool_pre_ping`), so after the database comes back the next call works.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

FILENAME = "mlinfra.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD = "0004"  # the newest migration (`migrations/versions/`); a test checks it is
_ENGINES: dict[str, Engine] = {}
_MIGRATED: set[str] = set()
_LOCK = threading.Lock()
_PG_MIGRATION_LOCK = 0x6D6C696E  # pg_advisory_xact_lock key: one migrating replica at a time


def url_of(settings: Any) -> str | None:
    """MLINFRA_DATABASE_URL from settings (None: SQLite in the data dir)."""
    url = getattr(settings, "database_url", None)
    return url.get_secret_value() if url is not None else None


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir).resolve() / FILENAME}"


def shown(url: str) -> str:
    """The URL as it may be shown: the password hidden."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL: show no part of it that could be a secret
        return "<database URL>"


class Database:
    """The shared-state database at `url` (SQLite in `data_dir` when None)."""

    def __init__(self, url: str | None, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.url = url or default_url(self.data_dir)
        self.where = shown(self.url)

    @property
    def dialect(self) -> str:
        return self.url.split(":", 1)[0].split("+", 1)[0]

    def _engine(self) -> Engine:
        with _LOCK:
            engine = _ENGINES.get(self.url)
            if engine is None:
                engine = _ENGINES[self.url] = self._make_engine()
            return engine

    def _make_engine(self) -> Engine:
        from sqlalchemy import create_engine, event

        try:
            if self.dialect == "sqlite":
                self.data_dir.mkdir(parents=True, exist_ok=True)
                engine = create_engine(self.url, connect_args={"timeout": 30})

                @event.listens_for(engine, "connect")
                def _pragmas(dbapi: Any, _record: Any) -> None:
                    cursor = dbapi.cursor()
                    cursor.execute("PRAGMA busy_timeout = 30000")
                    cursor.execute("PRAGMA journal_mode = WAL")
                    cursor.execute("PRAGMA foreign_keys = ON")
                    cursor.close()

                return engine
            return create_engine(
                self.url, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=10,
                connect_args={"connect_timeout": 5} if self.dialect == "postgresql" else {},
            )  # fmt: skip
        except OSError as exc:
            raise DatabaseUnavailableError(
                f"cannot create the database {self.where}: {exc}"
            ) from None
        except Exception as exc:  # a malformed URL, a driver that is not installed
            raise DatabaseUnavailableError(
                f"MLINFRA_DATABASE_URL cannot be used ({self.where}): {exc}"
            ) from None

    def _migrate(self, engine: Engine) -> None:
        """Bring the schema to `HEAD`, once per process and URL; replicas starting together
        take turns (an advisory lock on PostgreSQL, SQLite's write lock)."""
        if self.url in _MIGRATED:
            return
        with _LOCK:
            if self.url in _MIGRATED:
                return
            try:
                with engine.begin() as conn:
                    if self.dialect == "postgresql":
                        from sqlalchemy import text

                        conn.execute(
                            text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK}
                        )
                    if _revision(conn) != HEAD:
                        _upgrade(conn)
            except Exception:
                # Another process may have migrated between our look and our write (SQLite
                # has no lock to take first): its result is as good as ours.
                with engine.connect() as conn:
                    if _revision(conn) != HEAD:
                        raise
            _MIGRATED.add(self.url)

    @contextlib.contextmanager
    def connect(self, what: str) -> Iterator[Connection]:
        """A connection in a transaction (committed at the end of the block, rolled back on an
        error); a database that cannot be reached is a `DatabaseUnavailableError` saying
        `what` failed."""
        from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError

        engine = self._engine()
        try:
            self._migrate(engine)
            with engine.begin() as conn:
                yield conn
        except (OperationalError, DBAPIError) as exc:
            first = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()
            raise DatabaseUnavailableError(
                f"{what} failed: the database {self.where} is unavailable "
                f"({first[0] if first else type(exc).__name__})"
            ) from None
        except SQLAlchemyError as exc:
            raise DatabaseUnavailableError(
                f"{what} failed in the database {self.where}: {exc}"
            ) from None
        except OSError as exc:
            raise DatabaseUnavailableError(f"{what} failed: {self.where}: {exc}") from None


def _revision(conn: Connection) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _upgrade(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def forget_engines() -> None:
    """Dispose of every engine (tests that stop a database server between uses)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()
        _MIGRATED.clear()
