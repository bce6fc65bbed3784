"""The follow-up an answer calls for, chosen from what the grader found in it:

1. a misconception stated gets a probe that tests it ("You said ... Is that right?"),
   graded against the key points that the myth's sources state;
2. otherwise the weightiest point stated or named without its reason gets "why?";
3. otherwise the weightiest point missed gets a probe naming its subject (the heading of
   the section that states it) without giving the answer away;
4. an answer that gave every point with its reason gets none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.interview.bank import Point, Question

if TYPE_CHECKING:
    from assistant.interview.grader import Findings

MAX_QUOTE = 160


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 3].rstrip() + "..."


def follow_up_question(point: Point) -> str:
    """A probe on a missed point, naming its subject without giving the answer away."""
    if point.sources:
        subject = point.sources[0].heading
        return (
            f'Follow-up: your answer did not get to "{subject}". What would you say about '
            "that here, and why does it matter for this decision?"
        )
    return "Follow-up: what important consideration did your answer leave out, and why?"


def choose(question: Question, found: Findings) -> dict[str, Any] | None:
    """The follow-up for an answer to `question` (None when none is called for): its kind
    (`myth`, `why` or `missed`), the question to ask and the points its answer is graded
    against."""
    from assistant.interview.grader import COVERED

    if found.stated:
        wrong, sentence = found.stated[0]
        refs = {(s.source, s.heading) for s in wrong.sources}
        tested = [p for p in question.points if refs & {(s.source, s.heading) for s in p.sources}]
        if not tested:
            tested = [max(question.points, key=lambda p: p.weight)]
        return {
            "kind": "myth",
            "question": (
                f'Follow-up: you said "{_quote(sentence)}". Is that right? Walk me through '
                "what actually happens, and what it means for this decision."
            ),
            "points": [p.model_dump() for p in tested[:2]],
            "myth": wrong.claim,
        }
    unexplained = [r for r in found.results
                   if r.credit >= COVERED and not r.reasoned and r.unit is not None]  # fmt: skip
    if unexplained:
        r = max(unexplained, key=lambda r: r.point.weight)
        assert r.unit is not None
        return {
            "kind": "why",
            "question": (
                f'Follow-up: you said "{_quote(r.unit.text)}". Why? What makes it hold here, '
                "and what does it cost or risk?"
            ),
            "points": [r.point.model_dump()],
            "myth": None,
        }
    missed = [r.point for r in found.results if r.credit < COVERED]
    if missed:
        probe = max(missed, key=lambda p: p.weight)
        return {
            "kind": "missed",
            "question": follow_up_question(probe),
            "points": [probe.model_dump()],
            "myth": None,
        }
    return None
