"""Feedback on answers (thumbs up or down, an optional comment), kept in SQLite in the data
dir so it can seed new eval cases: `mlinfra feedback export` writes it as CSV or JSON.

Each write is one transaction on its own connection, so concurrent writers (several UI
sessions, threads) serialise in SQLite and nothing is lost. The file, its WAL mode and its
table are set up once per store under a lock: switching a new file to WAL takes an exclusive
lock for which SQLite does not always wait, so racing first writers could see "database is
locked".
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from assistant.models import Answer

FILENAME = "feedback.sqlite3"
COLUMNS = (
    "id", "created", "rating", "comment", "question", "answer", "citations", "tool_calls",
    "backend",
)  # fmt: skip
FORMATS = ("csv", "json")
_SETUP_WAIT = 30.0  # seconds
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    tool_calls TEXT NOT NULL,
    backend TEXT NOT NULL
)
"""


class FeedbackStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILENAME
        self._setup_lock = threading.Lock()
        self._ready = False

    def _setup(self) -> None:
        """Create the file, switch it to WAL and create the table, once; a busy file (another
        process setting it up) is retried for up to _SETUP_WAIT seconds."""
        with self._setup_lock:
            if self._ready and self.path.exists():
                return
            deadline = time.monotonic() + _SETUP_WAIT
            while True:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
                    try:
                        con.execute("PRAGMA journal_mode=WAL")
                        con.execute(_SCHEMA)
                    finally:
                        con.close()
                    self._ready = True
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise OSError(
                            f"cannot open the feedback database {self.path}: {exc}"
                        ) from exc
                    time.sleep(0.05)
                except (OSError, sqlite3.Error) as exc:
                    raise OSError(f"cannot open the feedback database {self.path}: {exc}") from exc

    def _connect(self) -> sqlite3.Connection:
        self._setup()
        try:
            return sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise OSError(f"cannot open the feedback database {self.path}: {exc}") from exc

    def add(self, answer: Answer, rating: int, comment: str = "") -> int:
        """Store a rating (+1 or -1) of `answer`; returns the row id."""
        if rating not in (-1, 1):
            raise ValueError(f"rating must be 1 (thumbs up) or -1 (thumbs down), got {rating!r}")
        if not isinstance(comment, str):
            raise ValueError("comment must be a string")
        citations = [
            {"n": c.n, "source": c.source, "heading": c.heading, "chunk_id": c.chunk_id}
            for c in answer.citations
        ]
        tool_calls = [{"name": t.name, "args": t.args} for t in answer.tool_calls]
        con = self._connect()
        try:
            with con:
                cur = con.execute(
                    "INSERT INTO feedback (created, rating, comment, question, answer, "
                    "citations, tool_calls, backend) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                        rating,
                        comment.strip()[:5000],
                        answer.question,
                        answer.text,
                        json.dumps(citations),
                        json.dumps(tool_calls, default=str),
                        answer.backend,
                    ),
                )
                return int(cur.lastrowid or 0)
        finally:
            con.close()

    def rows(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        con = self._connect()
        try:
            cur = con.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")
            return [dict(zip(COLUMNS, row, strict=True)) for row in cur.fetchall()]
        finally:
            con.close()

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
