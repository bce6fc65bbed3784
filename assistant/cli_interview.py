"""`mlinfra interview`: practice, a mock interview, and progress, from the command line.

mlinfra interview                          # practise 5 questions, the most due first
mlinfra interview --mock 4 --time-limit 120 --report mock.md
mlinfra interview --stats                  # mastery per topic and what is due next
mlinfra interview --resume ID              # pick up a saved session
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assistant.cli_console import _assistant, _error, _fail, out

if TYPE_CHECKING:
    from assistant.interview import InterviewSession


def register(app: typer.Typer) -> None:
    app.command("interview")(interview)


def _read_answer(prompt: str) -> str | None:
    """Lines until an empty one; None at end of input."""
    out.print(f"[bold cyan]{prompt}[/] [dim](end with an empty line)[/]")
    lines: list[str] = []
    while True:
        try:
            line = input()
        except (EOFError, KeyboardInterrupt):
            return "\n".join(lines) if lines else None
        if not line.strip():
            return "\n".join(lines)
        lines.append(line)


def _timed(prompt: str, limit: int | None) -> tuple[str | None, float]:
    if limit:
        out.print(f"[dim]You have {limit} s for this answer.[/]")
    start = time.monotonic()
    text = _read_answer(prompt)
    return text, time.monotonic() - start


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.markdown import Markdown

    lines = [f"## Session summary: {summary['answered']} of {summary['of']} answered"]
    if summary["overall"] is not None:
        lines.append(f"Overall: **{summary['overall']} / 10**")
    lines += [f"- {topic}: {score} / 10" for topic, score in summary["by_topic"].items()]
    if summary["weakest"]:
        lines += ["", "Weakest points, and what to read:"]
        for w in summary["weakest"]:
            lines.append(f"- {w['point']} (read: {'; '.join(w['read'])})")
    out.print(Markdown("\n".join(lines)))


def _stats(bot: Any, user: str | None) -> None:
    from rich.table import Table

    from assistant.interview import load_bank
    from assistant.interview.history import History

    history = History(bot.settings.data_dir, user or bot.settings.user, bot.database_url)
    bank = load_bank(bot.settings.knowledge_dir)
    mastery = history.mastery(bank)
    answered = sum(m["answers"] for m in mastery.values())
    out.print(f"Practice history of {history.user}: {answered} answers ({history.where})")
    table = Table("topic", "answers", "mean of last 5", "points mastered", "points due")
    for topic, m in mastery.items():
        mean = "-" if m["mean"] is None else f"{m['mean']:g} / 10"
        table.add_row(topic, str(m["answers"]), mean, f"{m['mastered']:.0%} of {m['points']}",
                      str(m["due"]))  # fmt: skip
    out.print(table)
    if history.damaged:
        _error(
            f"{history.damaged} damaged line(s) of the earlier history file {history.path} "
            "were skipped when it was imported"
        )
    nxt = Table("next", "question", "topic", "due", "points due")
    for i, d in enumerate(history.schedule(bank)[:5], 1):
        when = d.due.strftime("%Y-%m-%d %H:%M UTC") if d.seen else "new"
        nxt.add_row(str(i), d.question.question, d.question.topic, when, str(len(d.points)))
    out.print(nxt)


def _run(session: InterviewSession) -> None:
    from rich.markdown import Markdown

    limit = session.time_limit
    while not session.done:
        try:
            follow = session.follow_up()
            if follow:
                out.print(Markdown(follow))
                text, took = _timed("your follow-up answer (empty to skip)>", limit)
                if text is None:
                    break
                if not text.strip():
                    session.skip_follow_up()
                    continue
                grade = session.answer_follow_up(text, seconds=took)
                out.print(Markdown(grade.feedback.split("\n\nA model answer:")[0]))
                continue
            question = session.current()
            assert question is not None
            out.print(
                Markdown(
                    f"### Question {session.index + 1} of {len(session.question_ids)} "
                    f"({question.topic}, {question.difficulty})\n\n{question.question}"
                )
            )
            text, took = _timed("your answer>", limit)
            if text is None:
                break
            grade = session.answer(text, seconds=took)
            out.print(Markdown(grade.feedback))
        except (OSError, ValueError) as exc:
            _error(str(exc))
            break


def interview(
    topic: Annotated[str | None, typer.Option(help="Only this topic.")] = None,
    difficulty: Annotated[str | None, typer.Option(help="easy, medium or hard.")] = None,
    count: Annotated[int, typer.Option(help="How many questions.")] = 5,
    seed: Annotated[
        int | None, typer.Option(help="Fix the order among equally due questions.")
    ] = None,
    resume: Annotated[str | None, typer.Option(help="Resume a saved session by id.")] = None,
    user: Annotated[
        str | None, typer.Option(help="Whose practice history (default MLINFRA_USER or 'default').")
    ] = None,
    mock: Annotated[
        int | None, typer.Option("--mock", help="A mock interview of N questions across topics.")
    ] = None,
    time_limit: Annotated[
        int | None, typer.Option("--time-limit", help="Seconds per answer (10-3600).")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the session's markdown report here.")
    ] = None,
    stats: Annotated[
        bool, typer.Option("--stats", help="Mastery per topic and what is due next, then exit.")
    ] = False,
    list_topics: Annotated[
        bool, typer.Option("--list", help="List topics and saved sessions, then exit.")
    ] = False,
) -> None:
    """Practise interview questions: answer, get graded feedback with sources, a follow-up
    fitted to the answer, and a summary. Questions come by spaced repetition over your
    practice history; sessions are saved after every answer."""
    from assistant.interview import InterviewSession, load_bank

    bot = _assistant()
    try:
        if stats:
            _stats(bot, user)
            return
        if list_topics:
            topics: dict[str, int] = {}
            for q in load_bank(bot.settings.knowledge_dir):
                topics[q.topic] = topics.get(q.topic, 0) + 1
            for name, n in sorted(topics.items()):
                out.print(f"{name}: {n} questions")
            for sid in InterviewSession.saved(bot):
                out.print(f"saved session: {sid}")
            return
        if resume:
            session = InterviewSession.resume(bot, resume)
        else:
            session = InterviewSession(
                bot, topic=topic, difficulty=difficulty, count=mock or count, seed=seed,
                user=user, mode="mock" if mock else "practice", time_limit=time_limit,
            )  # fmt: skip
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from None
    kind = "Mock interview" if session.settings.get("mode") == "mock" else "Interview session"
    out.print(f"{kind} {session.id} (resume with: mlinfra interview --resume {session.id})")
    _run(session)
    _print_summary(session.summary())
    if report is not None:
        try:
            report.write_text(session.report())
        except OSError as exc:
            raise _fail(f"cannot write the report to {report}: {exc}") from None
        out.print(f"Report written to {report}")
    if not session.done:
        out.print(f"Saved. Resume with: mlinfra interview --resume {session.id}")
