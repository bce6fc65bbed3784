"""A session summed up: score per topic, the weakest points with the sections to read, and,
for a mock interview, the whole report as markdown (every question with its score, time and
summary, every missed point with its sources, a reading list of knowledge sections)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.interview.session import InterviewSession


def _missed(session: InterviewSession) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in session.records:
        question = session._question(r["question_id"])
        for p in question.points:
            if p.point in r["missed"]:
                out.append(
                    {
                        "point": p.point,
                        "weight": p.weight,
                        "question": question.question,
                        "topic": question.topic,
                        "read": [f"knowledge/{s.source} > {s.heading}" for s in p.sources],
                    }
                )
    out.sort(key=lambda w: -w["weight"])
    return out


def summary(session: InterviewSession) -> dict[str, Any]:
    by_topic: dict[str, list[float]] = {}
    for r in session.records:
        by_topic.setdefault(r["topic"], []).append(r["score"])
    scores = [r["score"] for r in session.records]
    return {
        "answered": len(session.records),
        "of": len(session.question_ids),
        "overall": round(sum(scores) / len(scores), 1) if scores else None,
        "by_topic": {t: round(sum(v) / len(v), 1) for t, v in sorted(by_topic.items())},
        "weakest": _missed(session)[:5],
    }


def reading_list(session: InterviewSession) -> list[tuple[str, float]]:
    """The knowledge sections behind the missed points, the most missed weight first."""
    weight: dict[str, float] = {}
    for w in _missed(session):
        for ref in w["read"]:
            weight[ref] = weight.get(ref, 0.0) + w["weight"]
    return sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))


def markdown(session: InterviewSession) -> str:
    s = summary(session)
    mode = session.settings.get("mode", "practice")
    title = "Mock interview" if mode == "mock" else "Interview practice"
    lines = [f"# {title} report", ""]
    limit = session.time_limit
    lines.append(
        f"Session `{session.id}` for `{session.settings.get('user', 'default')}`: "
        f"{s['answered']} of {s['of']} questions answered"
        + (f", {limit} s per answer" if limit else "")
        + (f"; overall **{s['overall']} / 10**." if s["overall"] is not None else ".")
    )
    if s["by_topic"]:
        lines += ["", "## Score per topic", "", "| topic | score |", "|---|---:|"]
        lines += [f"| {t} | {v} |" for t, v in s["by_topic"].items()]
    if session.records:
        lines += ["", "## Questions", "", "| # | question | score | time | summary |",
                  "|---:|---|---:|---:|---|"]  # fmt: skip
        for i, r in enumerate(session.records, 1):
            took = "" if r.get("seconds") is None else f"{r['seconds']:g} s"
            if r.get("over_time"):
                took += " (over)"
            question = r["question"].replace("|", "\\|")
            lines.append(f"| {i} | {question} | {r['score']:g} | {took} | {r.get('summary', '')} |")
            follow = r.get("follow_up")
            if follow:
                asked = follow["question"].replace("|", "\\|")
                kind = follow.get("kind", "missed")
                lines.append(f"| | follow-up ({kind}): {asked} | {follow['score']:g} | | |")
    missed = _missed(session)
    if missed:
        lines += ["", "## Points missed, with their sources", ""]
        for w in missed:
            lines.append(f"- {w['point']} ({w['topic']}; read: {'; '.join(w['read'])})")
    reading = reading_list(session)
    if reading:
        lines += ["", "## Suggested reading", ""]
        lines += [f"{i}. {ref}" for i, (ref, _) in enumerate(reading, 1)]
    return "\n".join(lines) + "\n"
