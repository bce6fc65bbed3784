"""The `mlinfra` command line: a thin shell over `assistant.Assistant`.

mlinfra ask "How do I reduce SageMaker inference costs?"
mlinfra chat [--resume ID]
mlinfra ingest [PATH...]
mlinfra sources "spot instances for training"
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant import (
    cli_conversations,
    cli_eval,
    cli_interview,
    cli_prices,
    cli_server,
    cli_tools,
)
from assistant.cli_console import _assistant, _error, _fail, err, out
from assistant.errors import MlinfraError

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.models import Answer

app = typer.Typer(
    help="mlinfra: cited answers about ML infrastructure, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
cli_eval.register(app)  # `mlinfra eval`
cli_prices.register(app)  # `mlinfra prices`
cli_tools.register(app)  # `mlinfra choose`, `cost`, `accelerator`
cli_interview.register(app)  # `mlinfra interview`
cli_server.register(app)  # `mlinfra serve`, `mlinfra keys`
cli_conversations.register(app)  # `mlinfra conversations`


def _print_answer(answer: Answer, verbose: bool = False) -> None:
    from rich.markdown import Markdown
    from rich.table import Table

    out.print(Markdown(answer.text))
    if verbose and answer.details:
        out.print("[bold]Details[/] (where each input came from, and the defaults taken)")
        for line in answer.details:
            out.print(f"  {line}", markup=False, highlight=False)
    if answer.citations:
        table = Table(title="Sources", show_lines=False, title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("source")
        table.add_column("section")
        table.add_column("lines", justify="right")
        table.add_column("score", justify="right")
        for c in answer.citations:
            table.add_row(
                str(c.n), c.source, c.heading, f"{c.line_start}-{c.line_end}", f"{c.score:.3f}"
            )
        out.print(table)


def _stream(
    bot: Assistant, question: str, history: list[dict[str, str]], verbose: bool = False
) -> Answer:
    """Show the answer as it is produced (the lead first), then its sources."""
    from rich.live import Live
    from rich.markdown import Markdown

    from assistant.models import Answer

    text = ""
    answer: Answer | None = None
    with Live(Markdown(""), console=out, refresh_per_second=12, transient=True) as live:
        for item in bot.stream(question, history=history):
            if isinstance(item, Answer):
                answer = item
            else:
                text += item
                live.update(Markdown(text))
    assert answer is not None
    _print_answer(answer, verbose)
    return answer


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Your question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print a decision record in markdown.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also list where each input came from and the defaults the tools took.",
        ),
    ] = False,
) -> None:
    """Answer one question, with citations and the tools' numbers."""
    try:
        answer = _assistant().ask(question)
    except (MlinfraError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
    elif markdown:
        sys.stdout.write(answer.to_markdown())
    else:
        _print_answer(answer, verbose)


@app.command()
def chat(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="After each answer, list where each input came "
            "from and the defaults the tools took.",
        ),
    ] = False,
    resume: Annotated[
        str | None, typer.Option(help="Go on with a saved conversation (its id).")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save/--no-save", help="Keep the conversation (default: yes).")
    ] = True,
    user: Annotated[
        str | None, typer.Option(help="Whose conversations (default MLINFRA_USER or 'default').")
    ] = None,
) -> None:
    """A multi-turn conversation, saved; empty line, 'exit' or Ctrl-D to leave."""
    from assistant.cli_conversations import Saving

    bot = _assistant()
    saving = Saving(bot, user, resume, save)
    out.print("mlinfra chat: ask about ML infrastructure. Empty line or 'exit' to leave.")
    try:
        while True:
            try:
                question = out.input("[bold cyan]you>[/] ")
            except (EOFError, KeyboardInterrupt):
                out.print()
                return
            if not question.strip() or question.strip().lower() in ("exit", "quit"):
                return
            try:
                answer = _stream(bot, question, saving.history, verbose)
            except (MlinfraError, ValueError) as exc:
                _error(str(exc))
                continue
            saving.add(answer)
    finally:
        saving.farewell()


feedback_app = typer.Typer(help="Feedback given on answers in the web UI.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to a file, not stdout.")
    ] = None,
) -> None:
    """Write all feedback (rating, comment, question, answer, citations) as CSV or JSON."""
    try:
        text = _assistant().feedback.export(fmt)
    except (OSError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text)
    except OSError as exc:
        raise _fail(f"cannot write {output}: {exc}") from None
    err.print(f"wrote {output}", highlight=False)


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: knowledge/).")
    ] = None,
) -> None:
    """Index the knowledge files; unchanged files are not re-embedded."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    bot = _assistant()
    with Progress(
        TextColumn("ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, source: str) -> None:
            bar.update(task, completed=done, total=total, description=source)

        try:
            report = bot.ingest(paths or None, progress=progress)
            # The question-type classifier's bank too (once per data dir and model), so the
            # first answer after an install or an image build does not pay ~1 s for it.
            bar.update(task, description="question types")
            bot.question_types.prepare()
        except (MlinfraError, ValueError) as exc:
            raise _fail(str(exc)) from None
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    out.print(
        f"added {report.added}, updated {report.updated}, removed {report.removed}, "
        f"unchanged {report.unchanged} files; embedded {report.chunks_embedded} chunks, "
        f"deleted {report.chunks_deleted}; {report.total_chunks} chunks in the index; "
        f"{report.seconds:.2f} s",
        highlight=False,
    )


@app.command()
def sources(
    query: Annotated[str, typer.Argument(help="What to search the guidance for.")],
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many passages.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the passages retrieval returns for a query, with their scores."""
    from rich.table import Table

    try:
        hits = _assistant().sources(query, k=k)
    except (MlinfraError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps([h.model_dump() for h in hits], indent=2) + "\n")
        return
    table = Table(show_lines=True)
    for col in ("#", "fused", "cosine", "bm25", "source", "section", "passage"):
        table.add_column(col)
    for i, h in enumerate(hits, start=1):
        table.add_row(
            str(i),
            f"{h.score:.4f}",
            "" if h.dense is None else f"{h.dense:.3f}",
            "" if h.bm25 is None else f"{h.bm25:.2f}",
            f"{h.chunk.source}:{h.chunk.line_start}",
            h.chunk.heading,
            h.chunk.text[:300],
        )
    out.print(table)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()


if __name__ == "__main__":
    main()
