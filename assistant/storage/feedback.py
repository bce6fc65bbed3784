"""Feedback on answers (thumbs up or down, an optional comment), kept in the shared-state
database (`storage.db`: SQLite in the data dir, or PostgreSQL) so it can seed new eval
cases: `mlinfra feedback export` writes it as CSV or JSON.

Each write is one transaction, so concurrent writers (UI sessions, API workers, threads)
serialise in the database and nothing is lost. Feedback an earlier version kept in
`DATA_DIR/feedback.sqlite3` is copied in once, on first use, and that file renamed
`feedback.sqlite3.imported` (kept, not deleted).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from assistant.models import Answer
from assistant.storage.db import Database

log = logging.getLogger(__name__)

LEGACY = "feedback.sqlite3"
COLUMNS = (
    "id", "created", "rating", "comment", "question", "answer", "citations", "tool_calls",
    "backend",
)  # fmt: skip
FORMATS = ("csv", "json")
_IMPORT_LOCK = threading.Lock()


class FeedbackStore:
    """Ratings of answers, per user key (`user`, empty for a single-user run)."""

    def __init__(self, data_dir: Path, url: str | None = None, *, user: str = "") -> None:
        self.data_dir = Path(data_dir)
        self.database = Database(url, self.data_dir)
        self.user = user
        self._imported = False

    def add(self, answer: Answer, rating: int, comment: str = "") -> int:
        """Store a rating (+1 or -1) of `answer`; returns the row id."""
        if rating not in (-1, 1) or isinstance(rating, bool):
            raise ValueError(f"rating must be 1 (thumbs up) or -1 (thumbs down), got {rating!r}")
        if not isinstance(comment, str):
            raise ValueError("comment must be a string")
        citations = [
            {"n": c.n, "source": c.source, "heading": c.heading, "chunk_id": c.chunk_id}
            for c in answer.citations
        ]
        tool_calls = [{"name": t.name, "args": t.args} for t in answer.tool_calls]
        row = {
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "user_key": self.user,
            "rating": rating,
            "comment": comment.strip()[:5000],
            "question": answer.question,
            "answer": answer.text,
            "citations": json.dumps(citations),
            "tool_calls": json.dumps(tool_calls, default=str),
            "backend": answer.backend,
        }
        from assistant.storage.tables import feedback

        self._import_legacy()
        with self.database.connect("saving feedback") as conn:
            done = conn.execute(feedback.insert().values(**row))
            key = done.inserted_primary_key
            return int(key[0]) if key else 0

    def rows(self) -> list[dict[str, Any]]:
        """Every rating, oldest first (of every user: an export is the team's)."""
        from sqlalchemy import select

        from assistant.storage.tables import feedback

        self._import_legacy()
        columns = [feedback.c[name] for name in COLUMNS]
        with self.database.connect("reading feedback") as conn:
            got = conn.execute(select(*columns).order_by(feedback.c.id)).all()
        return [dict(zip(COLUMNS, row, strict=True)) for row in got]

    def export(self, fmt: str = "csv") -> str:
        """All feedback as CSV or JSON text (citations and tool calls as JSON strings in CSV,
        as lists in JSON)."""
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        rows = self.rows()
        if fmt == "json":
            for row in rows:
                row["citations"] = json.loads(row["citations"])
                row["tool_calls"] = json.loads(row["tool_calls"])
            return json.dumps(rows, indent=2) + "\n"
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()

    def _import_legacy(self) -> None:
        """Copy in the feedback of an earlier version's own SQLite file, once."""
        if self._imported:
            return
        legacy = self.data_dir / LEGACY
        with _IMPORT_LOCK:
            if self._imported or not legacy.is_file():
                self._imported = True
                return
            from assistant.storage.tables import feedback

            # Claimed by renaming it first: of replicas starting together, one imports it.
            claimed = legacy.with_name(f"{LEGACY}.importing-{os.getpid()}")
            try:
                legacy.rename(claimed)
            except OSError:  # another process took it, or the folder is read-only
                self._imported = True
                return
            try:
                con = sqlite3.connect(f"{claimed.resolve().as_uri()}?mode=ro", uri=True)
                try:
                    old = con.execute(
                        f"SELECT {', '.join(COLUMNS[1:])} FROM feedback ORDER BY id"
                    ).fetchall()
                finally:
                    con.close()
            except sqlite3.Error as exc:
                log.warning("cannot read the old feedback file %s (%s); left as it is", legacy, exc)
                claimed.rename(legacy)
                self._imported = True
                return
            rows = [dict(zip(COLUMNS[1:], row, strict=True)) | {"user_key": ""} for row in old]
            try:
                with self.database.connect("importing old feedback") as conn:
                    if rows:
                        conn.execute(feedback.insert(), rows)
            except BaseException:
                claimed.rename(legacy)  # try again next time
                raise
            claimed.rename(legacy.with_name(LEGACY + ".imported"))
            log.warning("imported %d ratings from %s into %s", len(rows), legacy,
                        self.database.where)  # fmt: skip
            self._imported = True
