"""A practice interview: it asks, you answer, it grades and gives feedback, follows up on
what the answer calls for (`probes.py`: a myth stated, a point without its reason, a point
missed), moves on, and sums up at the end. Saved in the shared-state database
(`assistant.storage`) after every step, so a session can be resumed; every answer also goes
into the user's practice history (`history.py`), which chooses the next questions by spaced
repetition.

    from assistant import Assistant
    from assistant.interview import InterviewSession
    s = InterviewSession(Assistant(), topic="tpu-vs-gpu", count=3)
    print(s.current().question); g = s.answer("..."); print(g.feedback, s.follow_up())

A mock interview (`mode="mock"`) asks `count` questions across the topics, the weakest
first, with an optional time limit per answer, and ends with `report()`, a markdown report.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.interview.bank import DIFFICULTIES, Point, Question, load_bank
from assistant.interview.history import History
from assistant.models import Grade
from assistant.storage.db import url_of

if TYPE_CHECKING:
    from assistant.services import Services

SESSIONS_DIR = "interviews"
MODES = ("practice", "mock")
ORDERS = ("due", "shuffle")
MAX_TIME_LIMIT = 3600
_ID = re.compile(r"^[a-z0-9-]{6,64}$")


def _check(
    bank: list[Question], topic: str | None, difficulty: str | None, count: int, mode: str,
    order: str, time_limit: int | None,
) -> None:  # fmt: skip
    topics = sorted({q.topic for q in bank})
    if topic is not None and topic not in topics:
        raise ValueError(f"topic must be one of {', '.join(topics)}, got {topic!r}")
    if difficulty is not None and difficulty not in DIFFICULTIES:
        raise ValueError(f"difficulty must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"count must be a whole number of at least 1, got {count!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, got {order!r}")
    if time_limit is not None and (
        not isinstance(time_limit, int) or isinstance(time_limit, bool)
        or not 10 <= time_limit <= MAX_TIME_LIMIT
    ):  # fmt: skip
        raise ValueError(
            f"time_limit must be whole seconds from 10 to {MAX_TIME_LIMIT}, got {time_limit!r}"
        )


def _across_topics(pool: list[Question]) -> list[Question]:
    """The pool (already in schedule order) taken one topic at a time, in the order the
    topics first appear, so a mock interview spans the topics weakest first."""
    by_topic: dict[str, list[Question]] = {}
    for q in pool:
        by_topic.setdefault(q.topic, []).append(q)
    out: list[Question] = []
    while any(by_topic.values()):
        for queue in by_topic.values():
            if queue:
                out.append(queue.pop(0))
    return out


class InterviewSession:
    def __init__(
        self,
        bot: Services,
        *,
        topic: str | None = None,
        difficulty: str | None = None,
        count: int = 5,
        seed: int | None = None,
        user: str | None = None,
        mode: str = "practice",
        order: str = "due",
        time_limit: int | None = None,
    ) -> None:
        bank = load_bank(bot.settings.knowledge_dir)
        if not bank:
            raise ValueError("the interview bank is empty (knowledge/interview/*.yaml)")
        _check(bank, topic, difficulty, count, mode, order, time_limit)
        self.bot = bot
        self.history = History(
            bot.settings.data_dir, user or bot.settings.user, url_of(bot.settings)
        )
        pool = [
            q
            for q in bank
            if (topic is None or q.topic == topic)
            and (difficulty is None or q.difficulty == difficulty)
        ]
        if not pool:
            raise ValueError(f"no question has topic {topic!r} and difficulty {difficulty!r}")
        random.Random(seed).shuffle(pool)  # the order among equals
        if order == "due":
            # soonest due and weakest topic first; equals stay in the shuffled order
            rank = {d.question.id: d.rank for d in self.history.schedule(bank)}
            pool.sort(key=lambda q: rank[q.id])
        if mode == "mock":
            pool = _across_topics(pool)
        self.id = uuid.uuid4().hex[:12]
        self.settings: dict[str, Any] = {
            "topic": topic, "difficulty": difficulty, "count": count, "seed": seed,
            "user": self.history.user, "mode": mode, "order": order, "time_limit": time_limit,
        }  # fmt: skip
        self.question_ids = [q.id for q in pool[:count]]
        self.index = 0
        self.records: list[dict[str, Any]] = []
        self.pending_follow_up: dict[str, Any] | None = None

    # -- flow ------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.index >= len(self.question_ids) and self.pending_follow_up is None

    @property
    def time_limit(self) -> int | None:
        limit = self.settings.get("time_limit")
        return int(limit) if limit else None

    def current(self) -> Question | None:
        """The question waiting for an answer (None at the end, or while a follow-up is)."""
        if self.pending_follow_up is not None or self.index >= len(self.question_ids):
            return None
        return self._question(self.question_ids[self.index])

    def _timing(self, seconds: float | None) -> dict[str, Any]:
        if seconds is not None and (not isinstance(seconds, int | float) or seconds < 0):
            raise ValueError(f"seconds must be a number of seconds of at least 0, got {seconds!r}")
        limit = self.time_limit
        over = seconds is not None and limit is not None and seconds > limit
        return {"seconds": None if seconds is None else round(float(seconds), 1),
                "over_time": bool(over)}  # fmt: skip

    def answer(self, text: str, seconds: float | None = None) -> Grade:
        """Grade the answer to the current question (`seconds`: how long it took, checked
        against the time limit); the follow-up it calls for is then pending."""
        from assistant.interview.feedback import render
        from assistant.interview.grader import assess
        from assistant.interview.probes import choose

        question = self.current()
        if question is None:
            raise ValueError("no question is waiting: answer the follow-up, or the session is over")
        timing = self._timing(seconds)
        found = assess(self.bot, question, text)
        result = render(self.bot, question, found)
        if timing["over_time"]:
            result.feedback += (
                f"\n\nOver the time limit: {timing['seconds']:g} s of {self.time_limit} s."
            )
        self.records.append(
            {
                "question_id": question.id, "topic": question.topic,
                "question": question.question, "answer": text, "score": result.score,
                "summary": result.summary, "covered": result.covered, "missed": result.missed,
                **timing, "follow_up": None,
            }
        )  # fmt: skip
        self._remember(question, found, result, str(self.settings["mode"]), timing)
        self.pending_follow_up = choose(question, found)
        if self.pending_follow_up is None:
            self.index += 1
        self.save()
        return result

    def _remember(self, question: Question, found: Any, result: Grade, mode: str,
                  timing: dict[str, Any]) -> None:  # fmt: skip
        from assistant.interview.grader import COVERED

        covered = [r for r in found.results if r.credit >= COVERED]
        named = [r.point.point for r in covered if r.unit is not None and not r.unit.claim]
        self.history.record(
            {
                "question_id": question.id if mode != "follow-up" else self._parent().id,
                "topic": question.topic, "score": result.score, "mode": mode,
                "session": self.id, "covered": result.covered, "missed": result.missed,
                "reasoned": [r.point.point for r in covered if r.reasoned],
                "named": named,
                "myths": [w.claim for w, _ in found.stated], **timing,
            }
        )  # fmt: skip

    def follow_up(self) -> str | None:
        return self.pending_follow_up["question"] if self.pending_follow_up else None

    def _probe_points(self) -> list[Point]:
        assert self.pending_follow_up is not None
        if "points" in self.pending_follow_up:
            return [Point.model_validate(p) for p in self.pending_follow_up["points"]]
        return [Point.model_validate(self.pending_follow_up["point"])]  # a session saved before

    def _parent(self) -> Question:
        return self._question(self.question_ids[self.index])

    def answer_follow_up(self, text: str, seconds: float | None = None) -> Grade:
        """Grade the follow-up answer against the points it probes, then move on."""
        from assistant.interview.feedback import render
        from assistant.interview.grader import assess

        if self.pending_follow_up is None:
            raise ValueError("there is no follow-up waiting")
        timing = self._timing(seconds)
        parent = self._parent()
        rubric = Question(
            id=f"{parent.id}-follow-up",
            topic=parent.topic,
            difficulty=parent.difficulty,
            question=self.pending_follow_up["question"],
            points=self._probe_points(),
            misconceptions=parent.misconceptions,
        )
        found = assess(self.bot, rubric, text, context=parent.points)
        result = render(self.bot, rubric, found)
        self.records[-1]["follow_up"] = {
            "kind": self.pending_follow_up.get("kind", "missed"),
            "question": rubric.question, "answer": text, "score": result.score,
            "covered": bool(result.covered), **timing,
        }  # fmt: skip
        self._remember(rubric, found, result, "follow-up", timing)
        self.pending_follow_up = None
        self.index += 1
        self.save()
        return result

    def skip_follow_up(self) -> None:
        if self.pending_follow_up is not None:
            self.pending_follow_up = None
            self.index += 1
            self.save()

    def summary(self) -> dict[str, Any]:
        """Score per topic, overall, and the weakest points with the sections to read."""
        from assistant.interview.report import summary

        return summary(self)

    def report(self) -> str:
        """The session as a markdown report: score per topic, every missed point with its
        sources, the sections to read, and the time each answer took."""
        from assistant.interview.report import markdown

        return markdown(self)

    # -- persistence -----------------------------------------------------------------------

    @staticmethod
    def folder(bot: Services) -> Path:
        """Where an earlier version kept sessions as JSON files (still read, never written)."""
        return Path(bot.settings.data_dir) / SESSIONS_DIR

    @staticmethod
    def _store(bot: Services) -> Any:
        from assistant.storage.records import SessionStore

        return SessionStore(bot.settings.data_dir, url_of(bot.settings))

    def save(self) -> str:
        """Write the session's state to the shared-state database; returns its id."""
        state = {
            "id": self.id,
            "settings": self.settings,
            "question_ids": self.question_ids,
            "index": self.index,
            "records": self.records,
            "pending_follow_up": self.pending_follow_up,
        }
        user = str(self.settings.get("user") or self.bot.settings.user)
        self._store(self.bot).save(self.id, user, state)
        return self.id

    @classmethod
    def resume(cls, bot: Services, session_id: str) -> InterviewSession:
        if not isinstance(session_id, str) or not _ID.match(session_id):
            raise ValueError(f"session id must be letters, digits and dashes, got {session_id!r}")
        store = cls._store(bot)
        state = store.load(session_id)
        if state is None:
            state = cls._legacy_state(bot, session_id)
        if state is None:
            raise ValueError(f"no saved interview session {session_id!r} in {store.database.where}")
        try:
            question_ids, index = list(state["question_ids"]), int(state["index"])
            records, pending = list(state["records"]), state["pending_follow_up"]
            settings = dict(state["settings"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"saved interview session {session_id} cannot be read: {exc}"
            ) from None
        known = {q.id for q in load_bank(bot.settings.knowledge_dir)}
        lost = [q for q in question_ids if q not in known]
        if lost:
            raise ValueError(f"session {session_id}: questions no longer in the bank: {lost}")
        session = cls.__new__(cls)
        session.bot = bot
        session.id = session_id
        session.settings = {"mode": "practice", "time_limit": None, **settings}
        user = str(session.settings.get("user") or bot.settings.user)
        session.history = History(bot.settings.data_dir, user, url_of(bot.settings))
        session.question_ids = question_ids
        session.index = index
        session.records = records
        session.pending_follow_up = pending
        return session

    @classmethod
    def _legacy_state(cls, bot: Services, session_id: str) -> dict[str, Any] | None:
        path = cls.folder(bot) / f"{session_id}.json"
        if not path.exists():
            return None
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"saved interview session {path} cannot be read: {exc}") from exc
        return state if isinstance(state, dict) else None

    @classmethod
    def saved(cls, bot: Services) -> list[str]:
        """The ids of the sessions that can be resumed (in the database, or in an earlier
        version's files)."""
        folder = cls.folder(bot)
        old = {p.stem for p in folder.glob("*.json")} if folder.is_dir() else set()
        return sorted(old | set(cls._store(bot).ids()))

    def _question(self, question_id: str) -> Question:
        for q in load_bank(self.bot.settings.knowledge_dir):
            if q.id == question_id:
                return q
        raise ValueError(f"question {question_id!r} is not in the bank")
