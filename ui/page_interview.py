"""Interview practice: arrives with the interview coach."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    st.title("Interview practice")
    st.info(
        "Coming soon: practice questions on ML infrastructure (build vs buy, inference cost, "
        "TPU vs GPU and more), graded against a rubric grounded in the guidance, with the "
        "points you covered and missed and where to read up. Until it lands, ask the same "
        "questions on the Chat page."
    )
