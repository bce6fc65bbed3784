"""A grade put into words: the score and the one-sentence summary that explains it, the
points covered ("Strong", each of which earned credit) and missed ("To add"), the errors,
and a model answer, every point citing the section that states it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.interview.bank import Question, SourceRef
from assistant.models import Grade

if TYPE_CHECKING:
    from assistant.interview.grader import Findings
    from assistant.services import Services

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _count(n: int, thing: str) -> str:
    word = _NUMBERS[n] if n < len(_NUMBERS) else str(n)
    return f"{word} {thing}{'' if n == 1 else 's'}"


def summary(found: Findings) -> str:
    """One sentence that explains the score: "3 of 5 key points, 2 with reasons; one
    misconception"."""
    from assistant.interview.grader import COVERED

    covered = [r for r in found.results if r.credit >= COVERED]
    reasoned = sum(r.reasoned for r in covered)
    named = sum(r.unit is not None and not r.unit.claim for r in covered)
    parts = [f"{len(covered)} of {len(found.results)} key points"]
    if covered:
        parts[0] += f", {reasoned} with reasons" if reasoned else ", none with a reason"
        if named:
            parts[0] += f", {named} only named"
    errors = []
    if found.stated:
        errors.append(_count(len(found.stated), "misconception"))
    if found.overclaimed:
        errors.append(_count(len(found.overclaimed), "claim") + " more certain than the facts")
    text = parts[0] + ("; " + " and ".join(errors) if errors else "")
    if errors and found.score < found.content:
        text += f" (they cost {found.content - found.score:.1f} of {found.content:.1f} points)"
    return text + "."


def render(bot: Services, rubric: Question, found: Findings) -> Grade:
    from assistant.agent.offline import CitationBook
    from assistant.interview.grader import COVERED

    book = CitationBook(bot)

    def cite(refs: list[SourceRef]) -> str:
        return " ".join(m for m in (book.section(r.source, r.heading) for r in refs) if m)

    covered = [r for r in found.results if r.credit >= COVERED]
    missed = [r for r in found.results if r.credit < COVERED]
    line = summary(found)
    lines = [f"**Score: {found.score:g} / 10**: {line}"]
    if rubric.derived:
        lines.append(
            "This question is not in the interview bank; it was graded against points "
            "taken from the guidance retrieval found for it."
        )
    if covered:
        lines += ["", "Strong:"]
        for r in covered:
            how = "" if r.reasoned else (" (named; say why)" if r.unit and not r.unit.claim
                                         else " (stated; give the reason)")  # fmt: skip
            lines.append(f"- {r.point.point}{how} {cite(r.point.sources)}")
    if missed:
        lines += ["", "To add:"] + [f"- {r.point.point} {cite(r.point.sources)}" for r in missed]
    if found.stated:
        lines += ["", "Careful, this is a common misconception:"]
        for wrong, sentence in found.stated:
            marker = cite(wrong.sources)
            lines.append(f'- You said "{sentence}". Not so: "{wrong.claim}" is a myth. {marker}')
    if found.overclaimed:
        lines += ["", "More certain than the facts allow:"]
        for sentence, kinds in found.overclaimed:
            lines.append(f'- "{sentence}" ({", ".join(kinds)}): say when it holds and when not.')
    if found.notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in found.notes]
    lines += ["", "A model answer:", ""]
    ordered = sorted(rubric.points, key=lambda p: -p.weight)
    lines.append(" ".join(f"{p.point} {cite(p.sources)}".strip() for p in ordered))
    return Grade(
        score=found.score,
        summary=line,
        covered=[r.point.point for r in covered],
        missed=[r.point.point for r in missed],
        feedback="\n".join(row.rstrip() for row in lines),
        citations=book.citations,
    )
