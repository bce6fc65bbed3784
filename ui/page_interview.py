"""Interview practice: a question, your answer, graded feedback with the points covered and
missed and their sources, a follow-up fitted to the answer, and a summary at the end; a
mock interview with a countdown per answer and a markdown report; and your progress (score
over time per topic, mastery, what is due next) from your practice history."""

from __future__ import annotations

import json
import time

import streamlit as st
import streamlit.components.v1 as components
from ui_common import assistant, literal, safe_answer_markdown, show_error

from assistant.interview import InterviewSession, load_bank
from assistant.interview.history import History, check_user

ANY = "(any)"
MODES = {"Practice": "practice", "Mock interview": "mock"}


def _user() -> str:
    bot = assistant()
    name = st.text_input(
        "Your name (whose practice history this is)",
        value=st.session_state.get("interview_user", bot.settings.user),
        key="interview_user_box",
    )
    try:
        st.session_state.interview_user = check_user(name.strip() or bot.settings.user)
    except ValueError as exc:
        show_error(str(exc))
    return str(st.session_state.get("interview_user", bot.settings.user))


def _start(user: str) -> None:
    bot = assistant()
    bank = load_bank(bot.settings.knowledge_dir)
    topics = sorted({q.topic for q in bank})
    with st.form("interview-start"):
        c1, c2, c3 = st.columns(3)
        topic = c1.selectbox("Topic", [ANY, *topics])
        difficulty = c2.selectbox("Difficulty", [ANY, "easy", "medium", "hard"])
        count = c3.number_input("Questions", min_value=1, max_value=20, value=3)
        c4, c5 = st.columns(2)
        mode = c4.radio("Mode", list(MODES), horizontal=True, key="interview_mode")
        limit = c5.number_input(
            "Seconds per answer (0: no limit)", min_value=0, max_value=3600, value=0, step=10
        )
        start = st.form_submit_button("Start")
    if start:
        try:
            st.session_state.interview = InterviewSession(
                bot,
                topic=None if topic == ANY else topic,
                difficulty=None if difficulty == ANY else difficulty,
                count=int(count),
                user=user,
                mode=MODES[mode],
                time_limit=int(limit) or None,
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


def _countdown(seconds_left: float) -> None:
    """A countdown that runs in the browser; when it reaches zero it says so (the answer can
    still be sent, and is marked as over the time limit)."""
    ms = max(0, int(seconds_left * 1000))
    components.html(
        f"""<div id="cd" role="timer" aria-live="polite"
 style="font: 600 1.05rem sans-serif; color: #1f4e79"></div>
<script>
const end = Date.now() + {json.dumps(ms)};
const el = document.getElementById("cd");
function tick() {{
  const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
  if (left > 0) {{
    const secs = String(left % 60).padStart(2, "0");
    el.textContent = "Time left: " + Math.floor(left / 60) + ":" + secs;
  }} else {{
    el.textContent = "Time is up: finish your sentence and submit.";
    el.style.color = "#b00020";
    clearInterval(timer);
  }}
}}
const timer = setInterval(tick, 250);
tick();
</script>""",
        height=40,
    )


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


def _progress(user: str) -> None:
    import altair as alt

    bot = assistant()
    bank = load_bank(bot.settings.knowledge_dir)
    history = History(bot.settings.data_dir, user, bot.database_url)
    series = history.series()
    st.subheader(f"Progress of {user}")
    if not series:
        st.info("No answers yet: your scores over time appear here after your first answer.")
    else:
        chart = (
            alt.Chart(alt.Data(values=series))
            .mark_line(point=True)
            .encode(
                x=alt.X("at:T", title="answered at"),
                y=alt.Y("score:Q", title="score", scale=alt.Scale(domain=[0, 10])),
                color=alt.Color("topic:N", title="topic"),
                tooltip=["topic:N", "score:Q", "at:T"],
            )
            .properties(title="Score over time per topic", height=280)
        )
        st.altair_chart(chart, use_container_width=True)
    mastery = history.mastery(bank)
    rows = [
        {"topic": t, "answers": m["answers"], "mean of last 5": m["mean"],
         "points mastered": f"{m['mastered']:.0%} of {m['points']}", "points due": m["due"]}
        for t, m in mastery.items()
    ]  # fmt: skip
    st.markdown("**Mastery per topic**")
    st.dataframe(rows, hide_index=True, use_container_width=True)
    st.markdown("**Schedule: what comes next**")
    st.dataframe(
        [
            {"question": d.question.question, "topic": d.question.topic,
             "due": d.due.strftime("%Y-%m-%d %H:%M UTC") if d.seen else "new",
             "points due": len(d.points)}
            for d in history.schedule(bank)[:8]
        ],
        hide_index=True,
        use_container_width=True,
    )  # fmt: skip


def _session(session: InterviewSession) -> None:
    feedback = st.session_state.get("interview_feedback")
    if feedback:
        with st.container(border=True):
            st.markdown(safe_answer_markdown(feedback))
    kind = "Mock interview" if session.settings.get("mode") == "mock" else "Session"
    st.caption(f"{kind} {session.id}: saved after every answer.")
    if session.done:
        _summary(session)
        report = session.report()
        st.download_button(
            "Download report (markdown)",
            data=report,
            file_name=f"mlinfra-interview-{session.id}.md",
            mime="text/markdown",
        )
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
    step = f"{session.id}-{session.index}-{bool(follow)}"
    started = st.session_state.setdefault("interview_started", {}).setdefault(step, time.time())
    if session.time_limit:
        _countdown(session.time_limit - (time.time() - started))
    with st.form(f"interview-answer-{step}", clear_on_submit=True):
        text = st.text_area("Your answer", height=180)
        cols = st.columns(2)
        submit = cols[0].form_submit_button("Submit answer")
        skip = cols[1].form_submit_button("Skip follow-up") if follow else False
    if skip:
        session.skip_follow_up()
        st.session_state.interview_feedback = None
        st.rerun()
    if submit:
        took = time.time() - started
        try:
            if follow:
                grade = session.answer_follow_up(text, seconds=took)
            else:
                grade = session.answer(text, seconds=took)
        except (OSError, ValueError) as exc:
            show_error(str(exc))
            return
        st.session_state.interview_feedback = grade.feedback
        st.rerun()
    if session.records:
        _summary(session)


def render() -> None:
    st.title("Interview practice")
    st.caption(
        "Answer in your own words, in prose, bullets or notes. Each key point earns credit "
        "when you name it, more when you say why; stated misconceptions cost points; every "
        "point cites where it is written. Questions come back by spaced repetition."
    )
    user = _user()
    practice, progress = st.tabs(["Practice", "Progress"])
    with practice:
        session: InterviewSession | None = st.session_state.get("interview")
        if session is None:
            _start(user)
        else:
            _session(session)
    with progress:
        _progress(user)
