"""mlinfra web UI: `streamlit run ui/app.py` (or `make run`). A thin shell over the Python
API (`assistant.Assistant`): every answer, number and passage comes from it."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="mlinfra", page_icon="🧭", layout="wide")

import page_chat  # noqa: E402 - after set_page_config, which must come first
import page_decide  # noqa: E402
import page_interview  # noqa: E402
import page_knowledge  # noqa: E402
import saved  # noqa: E402
from ui_common import assistant  # noqa: E402

from assistant.models import conversation_json, conversation_markdown  # noqa: E402

PAGES = {
    "Chat": page_chat.render,
    "Decide": page_decide.render,
    "Interview": page_interview.render,
    "Knowledge": page_knowledge.render,
}

for key, default in (("turns", []), ("rated", {}), ("show_sources", True), ("k", None),
                     ("conversation_id", None)):  # fmt: skip
    st.session_state.setdefault(key, default)

bot = assistant()
with st.sidebar:
    st.header("mlinfra")
    page = st.radio("Page", list(PAGES), key="page")
    st.divider()
    backend = bot.settings.llm or "offline (planner, tools, retrieval, composer)"
    st.caption(f"Backend: {backend}")
    st.session_state.k = st.slider(
        "Passages per question", min_value=1, max_value=15, value=bot.settings.k
    )
    st.session_state.show_sources = st.toggle("Show sources", value=True)
PAGES[page]()

# After the page, so the saved conversations and the downloads include the answer just
# given.
with st.sidebar:
    saved.sidebar()
    answers = [turn["answer"] for turn in st.session_state.turns]
    for label, render, name, mime in (
        ("markdown", conversation_markdown, "mlinfra-conversation.md", "text/markdown"),
        ("JSON", conversation_json, "mlinfra-conversation.json", "application/json"),
    ):
        st.download_button(
            f"Download conversation ({label})",
            data=render(answers),
            file_name=name,
            mime=mime,
            disabled=not answers,
        )
