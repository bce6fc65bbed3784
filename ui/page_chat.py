"""Chat: questions in words, answers streamed with their sources and computations."""

from __future__ import annotations

from collections.abc import Iterator

import streamlit as st
from saved import save_turn
from ui_common import (
    assistant,
    literal,
    safe_answer_markdown,
    show_computation,
    show_details,
    show_error,
    show_sources,
)

from assistant.models import Answer


def _history() -> list[dict[str, str]]:
    out = []
    for turn in st.session_state.turns:
        out += [
            {"role": "user", "content": turn["question"]},
            {"role": "assistant", "content": turn["answer"].text},
        ]
    return out


def _feedback(i: int, answer: Answer) -> None:
    done = st.session_state.rated.get(i)
    if done:
        st.caption(f"Thanks: feedback {done} recorded.")
        return
    cols = st.columns([1, 1, 6])
    comment = cols[2].text_input(
        "Comment (optional)", key=f"comment-{i}", label_visibility="collapsed",
        placeholder="Optional comment, then 👍 or 👎",
    )  # fmt: skip
    for col, rating, label in ((cols[0], 1, "👍"), (cols[1], -1, "👎")):
        if col.button(label, key=f"rate-{i}-{rating}", help="Rate this answer"):
            try:
                assistant().feedback.add(answer, rating, comment or "")
            except (OSError, ValueError) as exc:
                show_error(f"Feedback not saved: {exc}")
            else:
                st.session_state.rated[i] = "👍" if rating == 1 else "👎"
                st.rerun()


def _show(i: int, answer: Answer) -> None:
    st.markdown(safe_answer_markdown(answer.text))
    _extras(i, answer)


def _extras(i: int, answer: Answer) -> None:
    """Everything under an answer's text: sources, computation, record, feedback."""
    if st.session_state.get("show_sources", True):
        if answer.citations:
            show_sources(answer)
        show_computation(answer)
    show_details(answer)
    record = answer.to_markdown()
    with st.expander("Decision record (copy or download)"):
        st.code(record, language="markdown")
        st.download_button(
            "Download decision record",
            data=record,
            file_name="decision-record.md",
            mime="text/markdown",
            key=f"record-{i}",
        )
    _feedback(i, answer)


def render() -> None:
    st.title("Ask about ML infrastructure")
    st.caption(
        "SageMaker, Vertex AI or your own Kubernetes; inference and training cost; TPU or "
        "GPU. Answers cite the guidance [n]; numbers come from the decision tools."
    )
    for i, turn in enumerate(st.session_state.turns):
        with st.chat_message("user"):
            st.markdown(literal(turn["question"]))
        with st.chat_message("assistant"):
            _show(i, turn["answer"])
    question = st.chat_input("e.g. We're 3 engineers with 4 models, SageMaker or Kubernetes?")
    if question is None:
        return
    with st.chat_message("user"):
        st.markdown(literal(question))
    with st.chat_message("assistant"):
        final: list[Answer] = []

        def pieces() -> Iterator[str]:
            # Sentences arrive faster than a browser redraws: send them a line at a time.
            line = ""
            for item in assistant().stream(
                question, history=_history(), k=st.session_state.get("k")
            ):
                if isinstance(item, Answer):
                    final.append(item)
                    continue
                line += item
                if line.endswith("\n"):
                    yield safe_answer_markdown(line)
                    line = ""
            if line:
                yield safe_answer_markdown(line)

        try:
            st.write_stream(pieces())
        except ValueError as exc:
            show_error(str(exc))
            return
        except Exception as exc:  # shown in the chat, never as a traceback
            show_error(f"Something went wrong answering this: {type(exc).__name__}: {exc}")
            return
        i = len(st.session_state.turns)
        st.session_state.turns.append({"question": question, "answer": final[0]})
        save_turn(final[0])
        _extras(i, final[0])
