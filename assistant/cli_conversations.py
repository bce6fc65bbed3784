"""Saved conversations on the command line: what `mlinfra chat` keeps of each turn (`Saving`)
and `mlinfra conversations list/show/delete`. They are the same conversations the HTTP API
and the web UI keep, in the shared-state database, under the user `MLINFRA_USER` names (or
`--user`)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli_console import _assistant, _error, _fail, out
from assistant.errors import MlinfraError

if TYPE_CHECKING:
    from assistant.api import Assistant
    from assistant.models import Answer

conversations_app = typer.Typer(
    help="Conversations saved by `mlinfra chat`, the web UI and the HTTP API.",
    no_args_is_help=True,
)
UserOption = Annotated[
    str | None, typer.Option(help="Whose conversations (default MLINFRA_USER or 'default').")
]
FORMATS = ("markdown", "json")


def register(app: typer.Typer) -> None:
    app.add_typer(conversations_app, name="conversations")


@contextlib.contextmanager
def _stored(user: str, conversation_id: str | None = None) -> Iterator[None]:
    """A call to the conversation store, its failures as one-line errors: no such
    conversation of `user`, or the database's own message."""
    try:
        yield
    except KeyError:
        raise _fail(f"no conversation {conversation_id!r} of user {user!r} "
                    "(`mlinfra conversations list` shows them)") from None  # fmt: skip
    except (MlinfraError, ValueError) as exc:
        raise _fail(str(exc)) from None


def _who(user: str | None) -> tuple[Assistant, str]:
    bot = _assistant()
    return bot, user or bot.settings.user


class Saving:
    """Where `mlinfra chat` keeps its turns: a new conversation at the first answer (or the
    one `resume` names, whose turns become the history), each later answer added to it. A
    turn the database cannot take is said and the chat goes on; nothing is kept with
    `save=False`."""

    def __init__(self, bot: Assistant, user: str | None, resume: str | None, save: bool) -> None:
        self.store = bot.conversations
        self.user = user or bot.settings.user
        self.save, self.id = save, resume
        self.history: list[dict[str, str]] = []
        if resume is None:
            return
        from assistant.models import saved_history

        with _stored(self.user, resume):
            kept = self.store.get(resume, self.user)
        self.history = saved_history(kept["messages"])
        turns = sum(m["role"] == "assistant" for m in kept["messages"])
        out.print(f"Resuming {kept['title'] or resume!r}: {turns} earlier answers.",
                  highlight=False)  # fmt: skip

    def add(self, answer: Answer) -> None:
        from assistant.models import saved_messages

        self.history += [{"role": "user", "content": answer.question},
                         {"role": "assistant", "content": answer.text}]  # fmt: skip
        if not self.save:
            return
        try:
            self.id = self.store.add_turn(self.id, self.user, saved_messages(answer))
        except (MlinfraError, OSError, KeyError, ValueError) as exc:
            _error(f"this turn was not saved: {exc}")

    def farewell(self) -> None:
        if self.save and self.id is not None:
            out.print(f"Saved as conversation {self.id}: `mlinfra chat --resume {self.id}`, "
                      f"`mlinfra conversations show {self.id}`.", highlight=False)  # fmt: skip


@conversations_app.command("list")
def list_conversations(user: UserOption = None) -> None:
    """Your conversations, the latest changed first."""
    from rich.table import Table

    bot, who = _who(user)
    with _stored(who):
        rows = bot.conversations.list(who)
    if not rows:
        out.print(f"No saved conversations of {who!r} yet: `mlinfra chat` saves one.",
                  highlight=False)  # fmt: skip
        return
    table = Table(title=f"Conversations of {who}", title_justify="left")
    for column in ("id", "title", "updated"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["title"], row["updated"])
    out.print(table)


@conversations_app.command("show")
def show(
    conversation_id: Annotated[str, typer.Argument(help="The id `list` shows.")],
    fmt: Annotated[str, typer.Option("--format", help="markdown or json.")] = "markdown",
    user: UserOption = None,
) -> None:
    """A conversation's questions and answers, with their sources and tool runs."""
    from assistant.models import conversation_json, conversation_markdown, saved_answers

    if fmt not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}", code=2)
    bot, who = _who(user)
    with _stored(who, conversation_id):
        kept = bot.conversations.get(conversation_id, who)
    answers = saved_answers(kept["messages"])
    render = conversation_markdown if fmt == "markdown" else conversation_json
    sys.stdout.write(render(answers))


@conversations_app.command("delete")
def delete(
    conversation_id: Annotated[str, typer.Argument(help="The id `list` shows.")],
    user: UserOption = None,
) -> None:
    """Delete one of your conversations."""
    bot, who = _who(user)
    with _stored(who, conversation_id):
        bot.conversations.delete(conversation_id, who)
    out.print(f"Deleted conversation {conversation_id}.", highlight=False)
