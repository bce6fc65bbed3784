"""A practice history per user, topic mastery from it, and what to practise next.

Every graded answer is one row of the shared-state database (`assistant.storage`: SQLite in
the data dir, or PostgreSQL), so every replica sees everyone's history. A history an earlier
version kept in `<data dir>/practice/<user>.jsonl` is copied in when first read (a line torn
by a crash is skipped, counted in `History.damaged`) and the file renamed `.imported`.

Each key point of each bank question is a card of the `fsrs`
spaced-repetition scheduler, reviewed at every answer that could have covered it:

| what the answer did with the point | rating | comes back |
|---|---|---|
| missed it                          | Again  | in minutes |
| only named it                      | Hard   | soon |
| stated it                          | Good   | later |
| gave it with its reason            | Easy   | latest |

The cards are rebuilt by replaying the history in order (with the scheduler's fuzzing off,
so the same history always gives the same schedule). A question is due when one of its
points is due; one never answered is due now. The next questions are the due reviews
first, then new questions, each the weakest topic first.

    h = History(data_dir, "ana")
    h.mastery(bank)            # per topic: answers, mean of the last five, points mastered
    h.next_questions(bank, 3)  # what to practise now
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.interview.bank import Question

FOLDER = "practice"
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
RATINGS = ("again", "hard", "good", "easy")  # fsrs.Rating 1-4
RECENT = 5  # a topic's mean is over its last this many answers
MASTERED = ("good", "easy")


def check_user(user: str) -> str:
    if not isinstance(user, str) or not _USER.match(user):
        raise ValueError(
            "user must be 1-64 letters, digits, '.', '_', '@' or '-', starting with a "
            f"letter or digit, got {user!r}"
        )
    return user


def rating_for(point: str, entry: dict[str, Any]) -> str | None:
    """How an answer did on a point (None: the point was not asked about)."""
    if point in entry.get("reasoned", []):
        return "easy"
    if point in entry.get("named", []):
        return "hard"
    if point in entry.get("covered", []):
        return "good"
    if point in entry.get("missed", []):
        return "again"
    return None


@dataclass
class Due:
    question: Question
    due: datetime
    points: list[str]  # the points due by now (all of them for a question never answered)
    seen: bool
    rank: tuple[Any, ...] = ()  # what the schedule sorts by: when due, then topic weakness


class History:
    def __init__(self, data_dir: Path, user: str = "default", url: str | None = None) -> None:
        from assistant.storage.db import Database

        self.user = check_user(user)
        self.path = Path(data_dir) / FOLDER / f"{user}.jsonl"  # an earlier version's file
        self.database = Database(url, Path(data_dir))
        self.where = self.database.where
        self.damaged = 0

    # -- the record ----------------------------------------------------------------------

    def record(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Keep one graded answer (question_id, topic, score, covered, missed, reasoned,
        named, myths, mode, seconds, over_time); `at` is set to now unless given."""
        from assistant.storage.tables import practice

        for key in ("question_id", "topic", "score"):
            if key not in entry:
                raise ValueError(f"a practice record needs {key!r}")
        row = {"at": datetime.now(UTC).isoformat(), "user": self.user, **entry}
        self._import_file()
        with self.database.connect("saving the practice history") as conn:
            kept = json.dumps(row, ensure_ascii=False)
            conn.execute(practice.insert().values(user_key=self.user, at=str(row["at"]),
                                                  entry=kept))  # fmt: skip
        return row

    def entries(self) -> list[dict[str, Any]]:
        """Every graded answer of this user, oldest first."""
        from sqlalchemy import select

        from assistant.storage.tables import practice as t

        self._import_file()
        with self.database.connect("reading the practice history") as conn:
            rows = conn.execute(select(t.c.entry).where(t.c.user_key == self.user)
                                .order_by(t.c.at, t.c.id)).scalars().all()  # fmt: skip
        return [json.loads(r) for r in rows]

    def _import_file(self) -> None:
        """Copy in the history file an earlier version kept, once (renamed `.imported`)."""
        if not self.path.is_file():
            return
        from assistant.storage.tables import practice

        claimed = self.path.with_name(f"{self.path.name}.importing-{os.getpid()}")
        try:
            self.path.rename(claimed)
        except OSError:  # another process took it
            return
        rows, self.damaged = [], 0
        for line in claimed.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                self.damaged += 1
                continue
            if isinstance(row, dict) and "question_id" in row and "score" in row and "at" in row:
                rows.append({"user_key": self.user, "at": str(row["at"]),
                             "entry": json.dumps(row, ensure_ascii=False)})  # fmt: skip
            else:
                self.damaged += 1
        try:
            with self.database.connect("importing the practice history") as conn:
                if rows:
                    conn.execute(practice.insert(), rows)
        except BaseException:
            claimed.rename(self.path)
            raise
        claimed.rename(self.path.with_name(self.path.name + ".imported"))

    # -- what it says ----------------------------------------------------------------------

    def _replay(
        self, bank: list[Question]
    ) -> tuple[list[dict[str, Any]], dict[tuple[str, str], Any], dict[tuple[str, str], str]]:
        """The history read once and replayed in order: its entries, each (question id,
        point)'s fsrs card, and each point's last rating."""
        from fsrs import Card, Rating, Scheduler

        scheduler = Scheduler(enable_fuzzing=False)
        points = {q.id: [p.point for p in q.points] for q in bank}
        entries = self.entries()
        cards: dict[tuple[str, str], Any] = {}
        last: dict[tuple[str, str], str] = {}
        for entry in entries:
            at = datetime.fromisoformat(entry["at"])
            for point in points.get(entry["question_id"], []):
                rating = rating_for(point, entry)
                if rating is None:
                    continue
                key = (entry["question_id"], point)
                card = cards.get(key) or Card(due=at)
                cards[key], _ = scheduler.review_card(
                    card, Rating(RATINGS.index(rating) + 1), review_datetime=at
                )
                last[key] = rating
        return entries, cards, last

    def cards(self, bank: list[Question]) -> dict[tuple[str, str], Any]:
        """(question id, point) -> its fsrs card after replaying every answer."""
        return self._replay(bank)[1]

    def mastery(self, bank: list[Question], now: datetime | None = None) -> dict[str, Any]:
        """Per topic: answers given, the mean of the last `RECENT` scores, the share of its
        points last rated good or easy, and how many points are due now."""
        return self._mastery(bank, now or datetime.now(UTC), *self._replay(bank))

    def _mastery(
        self,
        bank: list[Question],
        now: datetime,
        entries: list[dict[str, Any]],
        cards: dict[tuple[str, str], Any],
        last: dict[tuple[str, str], str],
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for topic in sorted({q.topic for q in bank}):
            # a follow-up probes one point: it moves that point's card, not the topic's mean
            scores = [e["score"] for e in entries
                      if e.get("topic") == topic and e.get("mode") != "follow-up"]  # fmt: skip
            keys = [(q.id, p.point) for q in bank if q.topic == topic for p in q.points]
            mastered = sum(last.get(k) in MASTERED for k in keys)
            due = sum(1 for k in keys if k in cards and cards[k].due <= now)
            recent = scores[-RECENT:]
            out[topic] = {
                "answers": len(scores),
                "mean": round(sum(recent) / len(recent), 1) if recent else None,
                "mastered": round(mastered / len(keys), 2) if keys else 0.0,
                "points": len(keys),
                "due": due,
            }
        return out

    def schedule(self, bank: list[Question], now: datetime | None = None) -> list[Due]:
        """Every question with when it is next due, the soonest first; among equals, the
        weakest topic first (a topic never practised counts as weakest)."""
        now = now or datetime.now(UTC)
        entries, cards, last = self._replay(bank)
        mastery = self._mastery(bank, now, entries, cards, last)
        rows = []
        for q in bank:
            mine = [(p.point, cards.get((q.id, p.point))) for p in q.points]
            seen = any(card is not None for _, card in mine)
            if not seen:
                rows.append(Due(q, now, [p for p, _ in mine], seen=False))
                continue
            when = min(card.due if card is not None else now for _, card in mine)
            due = [p for p, card in mine if card is None or card.due <= now]
            rows.append(Due(q, when, due, seen=True))

        for d in rows:
            m = mastery[d.question.topic]["mean"]
            # reviews due before new questions (a missed point comes back first), then the
            # weakest topic
            d.rank = (max(d.due, now), not d.seen, -1 if m is None else m)
        return sorted(rows, key=lambda d: d.rank)

    def next_questions(
        self, bank: list[Question], n: int, now: datetime | None = None
    ) -> list[Question]:
        return [d.question for d in self.schedule(bank, now)[:n]]

    def series(self) -> list[dict[str, Any]]:
        """Score over time: one row per answer (at, topic, score), for a progress chart."""
        return [
            {"at": e["at"], "topic": e["topic"], "score": e["score"], "mode": e.get("mode", "")}
            for e in self.entries()
            if e.get("mode") != "follow-up"
        ]
