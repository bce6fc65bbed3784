"""Saved conversations in the web UI: each chat turn kept in the shared-state database (the
same conversations `mlinfra chat` and the HTTP API keep), and a sidebar to start a new one
or reopen an earlier one with its sources. Saved under the name the Interview page asks for
(default `MLINFRA_USER`)."""

from __future__ import annotations

import streamlit as st
from ui_common import assistant

from assistant.errors import MlinfraError
from assistant.models import Answer, saved_answers, saved_messages
from assistant.secrets import redact

PROBLEMS = (MlinfraError, OSError, KeyError, ValueError)


def user() -> str:
    return str(st.session_state.get("interview_user", assistant().settings.user))


def save_turn(answer: Answer) -> None:
    """Keep `answer` in this session's conversation (made at its first answer). A database
    that cannot take it is said under the answer; the chat goes on."""
    store = assistant().conversations
    cid = st.session_state.get("conversation_id")
    try:
        st.session_state.conversation_id = store.add_turn(cid, user(), saved_messages(answer))
    except PROBLEMS as exc:
        st.warning(f"This turn was not saved: {redact(str(exc))}")


def new_conversation() -> None:
    st.session_state.turns = []
    st.session_state.rated = {}
    st.session_state.conversation_id = None


def _open(cid: str) -> None:
    try:
        kept = assistant().conversations.get(cid, user())
    except PROBLEMS as exc:
        st.session_state.open_problem = redact(str(exc))
        return
    new_conversation()
    st.session_state.conversation_id = cid
    st.session_state.turns = [{"question": a.question, "answer": a}
                              for a in saved_answers(kept["messages"])]  # fmt: skip


def sidebar(shown: int = 10) -> None:
    """'New conversation', and the user's `shown` latest saved conversations, each a button
    that reopens it with its sources (a button, not a select box: a list whose order changes
    with every answer must not change what is open)."""
    if st.button("New conversation", help="The current one stays saved."):
        new_conversation()
        st.rerun()
    try:
        rows = assistant().conversations.list(user(), limit=shown)
    except PROBLEMS as exc:
        st.caption(f"Saved conversations cannot be read: {redact(str(exc))}")
        return
    current = st.session_state.get("conversation_id")
    with st.expander(f"Saved conversations of {user()} ({len(rows)})", expanded=False):
        if not rows:
            st.caption("None yet: each answer in the chat is saved.")
        for row in rows:
            when = row["updated"][:16].replace("T", " ")
            label = f"{row['title'] or row['id']} · {when}"
            st.button(label, key=f"open-{row['id']}", disabled=row["id"] == current,
                      on_click=_open, args=(row["id"],), width="stretch")  # fmt: skip
    problem = st.session_state.pop("open_problem", None)
    if problem:
        st.caption(f"Could not open it: {problem}")
