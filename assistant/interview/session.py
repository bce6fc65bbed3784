"""A practice interview: it asks, you answer, it grades and gives feedback, probes a point
you missed with a follow-up, moves on, and sums up at the end. Saved as JSON in the data dir
after every step, so a session can be resumed.

    from assistant import Assistant
    from assistant.interview import InterviewSession
    s = InterviewSession(Assistant(), topic="tpu-vs-gpu", count=3)
    print(s.current().question); g = s.answer("..."); print(g.feedback, s.follow_up())
"""

from __future__ import annotations

import json
import os
import random
import re
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.interview.bank import DIFFICULTIES, Point, Question, load_bank
from assistant.models import Grade

if TYPE_CHECKING:
    from assistant.services import Services

SESSIONS_DIR = "interviews"
_ID = re.compile(r"^[a-z0-9-]{6,64}$")


class InterviewSession:
    def __init__(
        self,
        bot: Services,
        *,
        topic: str | None = None,
        difficulty: str | None = None,
        count: int = 5,
        seed: int | None = None,
    ) -> None:
        bank = load_bank(bot.settings.knowledge_dir)
        if not bank:
            raise ValueError("the interview bank is empty (knowledge/interview/*.yaml)")
        topics = sorted({q.topic for q in bank})
        if topic is not None and topic not in topics:
            raise ValueError(f"topic must be one of {', '.join(topics)}, got {topic!r}")
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise ValueError(
                f"difficulty must be one of {', '.join(DIFFICULTIES)}, got {difficulty!r}"
            )
        if not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be a whole number of at least 1, got {count!r}")
        pool = [
            q
            for q in bank
            if (topic is None or q.topic == topic)
            and (difficulty is None or q.difficulty == difficulty)
        ]
        if not pool:
            raise ValueError(f"no question has topic {topic!r} and difficulty {difficulty!r}")
        random.Random(seed).shuffle(pool)
        self.bot = bot
        self.id = uuid.uuid4().hex[:12]
        self.settings = {"topic": topic, "difficulty": difficulty, "count": count, "seed": seed}
        self.question_ids = [q.id for q in pool[:count]]
        self.index = 0
        self.records: list[dict[str, Any]] = []
        self.pending_follow_up: dict[str, Any] | None = None

    # -- flow ------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.index >= len(self.question_ids) and self.pending_follow_up is None

    def current(self) -> Question | None:
        """The question waiting for an answer (None at the end, or while a follow-up is)."""
        if self.pending_follow_up is not None or self.index >= len(self.question_ids):
            return None
        return self._question(self.question_ids[self.index])

    def answer(self, text: str) -> Grade:
        """Grade the answer to the current question; a missed point becomes a follow-up."""
        from assistant.interview.grader import grade_with

        question = self.current()
        if question is None:
            raise ValueError("no question is waiting: answer the follow-up, or the session is over")
        result = grade_with(self.bot, question, text)
        self.records.append(
            {
                "question_id": question.id,
                "topic": question.topic,
                "question": question.question,
                "answer": text,
                "score": result.score,
                "covered": result.covered,
                "missed": result.missed,
                "follow_up": None,
            }
        )
        missed = [p for p in question.points if p.point in result.missed]
        if missed:
            probe = max(missed, key=lambda p: p.weight)
            self.pending_follow_up = {
                "question": follow_up_question(probe),
                "point": probe.model_dump(),
            }
        else:
            self.index += 1
        self.save()
        return result

    def follow_up(self) -> str | None:
        return self.pending_follow_up["question"] if self.pending_follow_up else None

    def answer_follow_up(self, text: str) -> Grade:
        """Grade the follow-up answer against the one point it probes, then move on."""
        from assistant.interview.grader import grade_with

        if self.pending_follow_up is None:
            raise ValueError("there is no follow-up waiting")
        point = Point.model_validate(self.pending_follow_up["point"])
        parent = self._question(self.question_ids[self.index])
        rubric = Question(
            id=f"{parent.id}-follow-up",
            topic=parent.topic,
            difficulty=parent.difficulty,
            question=self.pending_follow_up["question"],
            points=[point],
            misconceptions=parent.misconceptions,
        )
        result = grade_with(self.bot, rubric, text, context=parent.points)
        self.records[-1]["follow_up"] = {
            "question": rubric.question,
            "answer": text,
            "score": result.score,
            "covered": bool(result.covered),
        }
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
        by_topic: dict[str, list[float]] = {}
        for r in self.records:
            by_topic.setdefault(r["topic"], []).append(r["score"])
        weak: list[dict[str, Any]] = []
        for r in self.records:
            question = self._question(r["question_id"])
            for p in question.points:
                if p.point in r["missed"]:
                    weak.append(
                        {
                            "point": p.point,
                            "weight": p.weight,
                            "question": question.question,
                            "read": [f"knowledge/{s.source} > {s.heading}" for s in p.sources],
                        }
                    )
        weak.sort(key=lambda w: -w["weight"])
        scores = [r["score"] for r in self.records]
        return {
            "answered": len(self.records),
            "of": len(self.question_ids),
            "overall": round(sum(scores) / len(scores), 1) if scores else None,
            "by_topic": {t: round(sum(v) / len(v), 1) for t, v in sorted(by_topic.items())},
            "weakest": weak[:5],
        }

    # -- persistence -----------------------------------------------------------------------

    @staticmethod
    def folder(bot: Services) -> Path:
        return Path(bot.settings.data_dir) / SESSIONS_DIR

    def save(self) -> Path:
        folder = self.folder(self.bot)
        path = folder / f"{self.id}.json"
        state = {
            "id": self.id,
            "settings": self.settings,
            "question_ids": self.question_ids,
            "index": self.index,
            "records": self.records,
            "pending_follow_up": self.pending_follow_up,
        }
        tmp: Path | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            # A temporary file of its own per writer, renamed over the session: a reader
            # never sees half a session, and two writers of one session never share a
            # temporary file (the last rename wins, whole).
            fd, name = tempfile.mkstemp(dir=folder, prefix=f".{self.id}-", suffix=".tmp")
            tmp = Path(name)
            with os.fdopen(fd, "w") as out:
                out.write(json.dumps(state, indent=2))
            tmp.replace(path)
        except OSError as exc:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            raise OSError(f"cannot save the interview session in {folder}: {exc}") from exc
        return path

    @classmethod
    def resume(cls, bot: Services, session_id: str) -> InterviewSession:
        if not isinstance(session_id, str) or not _ID.match(session_id):
            raise ValueError(f"session id must be letters, digits and dashes, got {session_id!r}")
        path = cls.folder(bot) / f"{session_id}.json"
        if not path.exists():
            raise ValueError(f"no saved interview session {session_id!r} in {path.parent}")
        try:
            state = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"saved interview session {path} cannot be read: {exc}") from exc
        known = {q.id for q in load_bank(bot.settings.knowledge_dir)}
        lost = [q for q in state["question_ids"] if q not in known]
        if lost:
            raise ValueError(f"session {session_id}: questions no longer in the bank: {lost}")
        session = cls.__new__(cls)
        session.bot = bot
        session.id = state["id"]
        session.settings = state["settings"]
        session.question_ids = state["question_ids"]
        session.index = state["index"]
        session.records = state["records"]
        session.pending_follow_up = state["pending_follow_up"]
        return session

    @classmethod
    def saved(cls, bot: Services) -> list[str]:
        folder = cls.folder(bot)
        return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []

    def _question(self, question_id: str) -> Question:
        for q in load_bank(self.bot.settings.knowledge_dir):
            if q.id == question_id:
                return q
        raise ValueError(f"question {question_id!r} is not in the bank")


def follow_up_question(point: Point) -> str:
    """A probe on a missed point, naming its subject (the section that states it) without
    giving the answer away."""
    if point.sources:
        subject = point.sources[0].heading
        return (
            f'Follow-up: your answer did not get to "{subject}". What would you say about '
            "that here, and why does it matter for this decision?"
        )
    return "Follow-up: what important consideration did your answer leave out, and why?"
