"""Interview practice: a question bank with rubrics, a grader by meaning, and sessions."""

from __future__ import annotations

from assistant.interview.bank import Question, load_bank
from assistant.interview.session import InterviewSession

__all__ = ["InterviewSession", "Question", "load_bank"]
