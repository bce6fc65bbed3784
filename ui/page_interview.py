"""Interview practice: a question, your answer, graded feedback with the points covered and
missed and their sources, a follow-up on a missed point, and a summary at the end."""

from __future__ import annotations

import streamlit as st
from ui_common import assistant, literal, safe_answer_markdown, show_error

from assistant.interview import InterviewSession, load_bank

ANY = "(any)"


def _start() -> None:
    bot = assistant()
    bank = load_bank(bot.settings.knowledge_dir)
    topics = sorted({q.topic for q in bank})
    with st.form("interview-start"):
        c1, c2, c3 = st.columns(3)
        topic = c1.selectbox("Topic", [ANY, *topics])
        difficulty = c2.selectbox("Difficulty", [ANY, "easy", "medium", "hard"])
        count = c3.number_input("Questions", min_value=1, max_value=20, value=3)
        start = st.form_submit_button("Start practice")
    if start:
        try:
            st.session_state.interview = InterviewSession(
                bot,
                topic=None if topic == ANY else topic,
                difficulty=None if difficulty == ANY else difficulty,
                count=int(count),
            )
        except ValueError as exc:
            show_error(str(exc))
            return
        st.session_state.interview_feedback = None
        st.rerun()
    saved = InterviewSession.saved(bot)
    if saved:
        with st.expander(f"Resume a saved session ({len(saved)})"):
            sid = st.selectbox("Session", saved)
            if st.button("Resume", key="interview-resume"):
                try:
                    st.session_state.interview = InterviewSession.resume(bot, sid)
                except (OSError, ValueError) as exc:
                    show_error(str(exc))
                else:
                    st.session_state.interview_feedback = None
                    st.rerun()


def _summary(session: InterviewSession) -> None:
    summary = session.summary()
    st.subheader("Session summary")
    if summary["overall"] is not None:
        st.metric("Overall", f"{summary['overall']} / 10")
    if summary["by_topic"]:
        st.table([{"topic": t, "score": s} for t, s in summary["by_topic"].items()])
    if summary["weakest"]:
        st.markdown("Weakest points, and what to read:")
        for w in summary["weakest"]:
            st.markdown(f"- {literal(w['point'])} (read: {literal('; '.join(w['read']))})")


def render() -> None:
    st.title("Interview practice")
    st.caption(
        "Answer in your own words. Grading compares your sentences with each key point by "
        "meaning, subtracts stated misconceptions, and cites where each point is written."
    )
    session: InterviewSession | None = st.session_state.get("interview")
    if session is None:
        _start()
        return
    feedback = st.session_state.get("interview_feedback")
    if feedback:
        with st.container(border=True):
            st.markdown(safe_answer_markdown(feedback))
    st.caption(f"Session {session.id}: saved after every answer.")
    if session.done:
        _summary(session)
        if st.button("New session", key="interview-new"):
            st.session_state.interview = None
            st.session_state.interview_feedback = None
            st.rerun()
        return
    follow = session.follow_up()
    if follow:
        st.markdown(f"**{literal(follow)}**")
    else:
        question = session.current()
        assert question is not None
        st.markdown(
            f"**Question {session.index + 1} of {len(session.question_ids)}** "
            f"({literal(question.topic)}, {question.difficulty})"
        )
        st.markdown(f"### {literal(question.question)}")
    with st.form(f"interview-answer-{session.index}-{bool(follow)}", clear_on_submit=True):
        text = st.text_area("Your answer", height=180)
        cols = st.columns(2)
        submit = cols[0].form_submit_button("Submit answer")
        skip = cols[1].form_submit_button("Skip follow-up") if follow else False
    if skip:
        session.skip_follow_up()
        st.session_state.interview_feedback = None
        st.rerun()
    if submit:
        try:
            grade = session.answer_follow_up(text) if follow else session.answer(text)
        except (OSError, ValueError) as exc:
            show_error(str(exc))
            return
        st.session_state.interview_feedback = grade.feedback
        st.rerun()
    if session.records:
        _summary(session)
