"""`mlinfra eval`: the regression eval suite, a blind battery batch, or blind interview
answers, each with a report; `--first-sight` logs a new batch in evals/first_sight.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli_console import _assistant, _fail, err, out


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)


def eval_command(
    evals_dir: Annotated[
        Path | None, typer.Option("--evals", help="Folder with cases/ and calibration/.")
    ] = None,
    reports: Annotated[
        Path | None, typer.Option("--reports", help="Where latest.json and latest.md go.")
    ] = None,
    no_write: Annotated[bool, typer.Option("--no-write", help="Print only.")] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline/--no-baseline", help="Also run the textbook RAG.")
    ] = True,
    batch: Annotated[
        list[Path] | None,
        typer.Option("--battery", help="Score only these battery files (repeatable)."),
    ] = None,
    first_sight: Annotated[
        bool,
        typer.Option("--first-sight", help="With --battery/--answers: log it in first_sight.md."),
    ] = False,
    answers: Annotated[
        list[Path] | None,
        typer.Option("--answers", help="Grade only these blind interview-answer files."),
    ] = None,
    writer: Annotated[str, typer.Option("--writer", help="Who wrote the batch.")] = "",
) -> None:
    """Run the regression eval suite and write a report compared with the previous one;
    with --battery or --answers, score only those blind files (--first-sight logs it)."""
    import tempfile

    from rich.markdown import Markdown
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from assistant import evaluation

    if first_sight and not (batch or answers):
        raise _fail("--first-sight needs --battery FILE or --answers FILE")
    bot = _assistant()
    folder = evals_dir or Path(bot.settings.knowledge_dir).parent / "evals"
    if not (folder / "cases").is_dir():
        raise _fail(f"no eval cases in {folder / 'cases'} (pass --evals DIR)")
    if answers:
        _grade_blind(bot, answers, folder if first_sight else None, writer)
        return
    with Progress(
        TextColumn("eval"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        console=err, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, stage: str) -> None:
            bar.update(task, completed=done, total=total, description=stage)

        with tempfile.TemporaryDirectory() as tmp:
            rag = None
            if baseline:
                bar.update(task, description="building the textbook RAG baseline")
                try:
                    from assistant.baseline import TextbookRAG

                    rag = TextbookRAG(Path(bot.settings.knowledge_dir), Path(tmp))
                except ImportError as exc:
                    err.print(f"baseline skipped ({exc}): pip install -e '.[dev]'")
            if batch:
                report = evaluation.run_battery(bot, batch, progress, baseline=rag)
            else:
                report = evaluation.run(bot, folder, progress, baseline=rag)
    if batch:
        from assistant.eval_report import battery_markdown, first_sight_entry

        out.print(Markdown(battery_markdown(report)))
        if first_sight:
            log = folder / "first_sight.md"
            entry = first_sight_entry(report, [p.name for p in batch], _commit(folder), writer)
            with log.open("a") as fh:
                fh.write("\n" + entry)
            err.print(f"logged in {log}", highlight=False)
        return
    if no_write:
        comparison = evaluation.compare(report, None)
    else:
        _, md, comparison = evaluation.write(report, reports or folder / "reports")
        err.print(f"wrote {md} and {md.with_suffix('.json')}", highlight=False)
    out.print(Markdown(evaluation.markdown(report, comparison)))
    regressed = [name for name, row in comparison.items() if row["regressed"]]
    if regressed:
        raise _fail(f"regressed: {', '.join(regressed)}")


def _grade_blind(bot: Any, files: list[Path], log_in: Path | None, writer: str) -> None:
    """Grade blind interview answers against their interviewer's scores; with `log_in`,
    append the first-sight figures to its first_sight.md."""
    import time

    from rich.markdown import Markdown

    from assistant import evaluation
    from assistant.eval_report import blind_grading_entry
    from assistant.yaml_files import safe_load

    cases = []
    for path in files:
        data = safe_load(path.read_text()) if path.is_file() else None
        if not isinstance(data, list):
            raise _fail(f"{path}: expected a YAML list of answers (question_id, level, score)")
        cases += data
    blind = evaluation.blind_grading(bot, cases, lambda: None)
    entry = blind_grading_entry(blind, [p.name for p in files], time.strftime("%Y-%m-%d"),
                                _commit(log_in or Path(".")), writer)  # fmt: skip
    out.print(Markdown(entry))
    if log_in is not None:
        with (log_in / "first_sight.md").open("a") as fh:
            fh.write("\n" + entry)
        err.print(f"logged in {log_in / 'first_sight.md'}", highlight=False)


def _commit(folder: Path) -> str:
    """The commit answers came from, marked when the answer code has uncommitted changes."""
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "../assistant", "../knowledge")
    return head + (" + uncommitted changes to assistant/ or knowledge/" if dirty else "")
