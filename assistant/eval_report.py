"""The eval report: each metric beside the previous report's value (a fall of more than
`REGRESSION_MARGIN` flagged), ours against the textbook RAG, the blind battery per
category with the causes of its misses, the blind grading per level, and every miss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REGRESSION_MARGIN = 0.01  # a metric that falls by more than this is flagged


def compare(current: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per metric: value, previous value, change, and whether it regressed. The textbook
    RAG's metrics (`baseline_*`) are a yardstick, not ours: they move when the cases do
    (a new blind batch) and never count as a regression."""
    out = {}
    before = (previous or {}).get("metrics", {})
    for name, value in current["metrics"].items():
        old = before.get(name)
        change = None if old is None else round(value - old, 4)
        out[name] = {
            "value": value,
            "previous": old,
            "change": change,
            "regressed": change is not None
            and change < -REGRESSION_MARGIN
            and not name.startswith("baseline_"),
        }
    return out


# Our metric -> the baseline's metric measured on the same cases.
VERSUS = {
    "retrieval_recall_at_1": "baseline_retrieval_recall_at_1",
    "retrieval_recall_at_5": "baseline_retrieval_recall_at_5",
    "retrieval_mrr": "baseline_retrieval_mrr",
    "retrieval_ndcg_at_5": "baseline_retrieval_ndcg_at_5",
    "section_recall_at_5": "baseline_retrieval_section_recall",
    "key_point_coverage": "baseline_key_point_coverage",
    "battery_text_score": "baseline_battery_score",
    "battery_text_cases_full": "baseline_battery_cases_full",
}


def markdown(report: dict[str, Any], comparison: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"# mlinfra eval report, {report['date']}",
        "",
        f"Cases: {', '.join(f'{k} {v}' for k, v in report['cases'].items())}; "
        f"{report['seconds']} s.",
        "",
        "| metric | value | previous | change |",
        "|---|---:|---:|---:|",
    ]
    for name, row in comparison.items():
        prev = "" if row["previous"] is None else f"{row['previous']:.3f}"
        change = "" if row["change"] is None else f"{row['change']:+.3f}"
        flag = " **regressed**" if row["regressed"] else ""
        lines.append(f"| {name} | {row['value']:.3f} | {prev} | {change}{flag} |")
    metrics = report["metrics"]
    pairs = [(ours, theirs) for ours, theirs in VERSUS.items() if theirs in metrics]
    if pairs:
        lines += ["", "## Ours vs the textbook RAG, same cases", "",
                  "| metric | ours | textbook RAG |", "|---|---:|---:|"]  # fmt: skip
        lines += [f"| {o} | {metrics[o]:.3f} | {metrics[t]:.3f} |" for o, t in pairs]
    lines += battery_section(report.get("battery"))
    lines += blind_grading_section(report.get("grading_blind"))
    if report.get("info"):
        lines += ["", "Info (neither better nor worse when it moves): " + ", ".join(
            f"{k} {v}" for k, v in report["info"].items())]  # fmt: skip
    for kind, missed in (report.get("misses") or {}).items():
        if missed:
            lines += ["", f"## Misses: {kind}", ""] + [f"- {m}" for m in missed]
    return "\n".join(lines) + "\n"


def battery_section(battery: dict[str, Any] | None, level: str = "##") -> list[str]:
    """Per category: cases, our mean and fully met, the baseline's mean on its checks; then
    the causes of the misses, each with the number of cases it hits."""
    if not battery:
        return []
    ours, theirs = battery["ours"], battery.get("baseline") or {}
    same = battery.get("ours_text") or {}
    lines = ["", f"{level} Blind battery (`evals/cases/real/`), per category", "",
             "| category | cases | ours: mean | ours: fully met | ours, RAG's checks | "
             "textbook RAG, its checks |", "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name, row in ours.items():
        text = f"{same[name]['score']:.3f}" if name in same else "n/a"
        base = f"{theirs[name]['score']:.3f}" if name in theirs else "n/a"
        lines.append(f"| {name} | {row['n']} | {row['score']:.3f} | {row['full']:.3f} | "
                     f"{text} | {base} |")  # fmt: skip
    lines += ["", "The textbook RAG is scored on decline, lead, has, must-not and usd only "
              "(it runs no tools); `battery_text_*` is ours on those same checks.", ""]  # fmt: skip
    checks, base_checks = battery.get("checks") or {}, battery.get("baseline_checks") or {}
    if checks:
        lines += ["Checks met, by kind:", "", "| check | cases | ours | textbook RAG |",
                  "|---|---:|---:|---:|"]  # fmt: skip
        for kind, row in checks.items():
            base = f"{base_checks[kind]['met']:.3f}" if kind in base_checks else "n/a"
            lines.append(f"| {kind} | {row['n']} | {row['met']:.3f} | {base} |")
        lines.append("")
    lines += ["Causes of the misses (cases hit):", ""]
    lines += [f"- {cause}: {count}" for cause, count in battery["causes"]]
    return lines


def blind_grading_section(blind: dict[str, Any] | None, level: str = "##") -> list[str]:
    """The grader beside the interviewer, per level of answer and per form."""
    if not blind:
        return []
    lines = []
    for kind in ("levels", "forms"):
        lines += ["", f"{level} Interview grading on blind answers, per {kind[:-1]}", "",
                  f"| {kind[:-1]} | answers | interviewer mean | grader mean |",
                  "|---|---:|---:|---:|"]  # fmt: skip
        order = sorted(blind[kind].items(), key=lambda kv: -kv[1]["label"])
        lines += [f"| {name} | {row['n']} | {row['label']:.2f} | {row['ours']:.2f} |"
                  for name, row in order]  # fmt: skip
    return lines


def write(
    report: dict[str, Any], reports_dir: Path
) -> tuple[Path, Path, dict[str, dict[str, Any]]]:
    """Write latest.json and latest.md, comparing with the previous latest.json."""
    reports_dir = Path(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    latest = reports_dir / "latest.json"
    previous = json.loads(latest.read_text()) if latest.exists() else None
    comparison = compare(report, previous)
    full = dict(report, comparison=comparison)
    latest.write_text(json.dumps(full, indent=2) + "\n")
    md = reports_dir / "latest.md"
    md.write_text(markdown(report, comparison))
    return latest, md, comparison


def _entry_head(title: str, commit: str, writer: str) -> list[str]:
    return [f"## {title}", "", f"- commit: `{commit}`" + (f"; writer: {writer}" if writer else "")]


def first_sight_entry(
    report: dict[str, Any], files: list[str], commit: str, writer: str = ""
) -> str:
    """A section for `evals/first_sight.md`: a batch's score the first time it ran."""
    m = report["metrics"]
    base = m.get("baseline_battery_score")
    lines = [
        *_entry_head(f"{report['date']}: {', '.join(files)}", commit, writer),
        f"- cases: {report['cases']['battery']}; mean share of checks met: "
        f"**{m['battery_score']:.3f}**; cases fully met: {m['battery_cases_full']:.3f}",
        f"- on the textbook RAG's checks (decline, lead, has, must-not, usd): ours "
        f"{m['battery_text_score']:.3f}, textbook RAG "
        + (f"{base:.3f}" if base is not None else "not run"),
    ]
    lines += battery_section(report["battery"], "###")
    return "\n".join(lines) + "\n"


def blind_grading_entry(
    blind: dict[str, Any], files: list[str], date: str, commit: str, writer: str = ""
) -> str:
    """A section for `evals/first_sight.md`: the grader on blind interview answers."""
    n = sum(row["n"] for row in blind["levels"].values())
    lines = [
        *_entry_head(f"{date}: interview answers {', '.join(files)}", commit, writer),
        f"- answers: {n}; Spearman against the interviewer: **{blind['spearman']:.3f}**; "
        f"mean absolute error: {blind['mae']:.2f} points",
    ]
    return "\n".join(lines + blind_grading_section(blind, "###")) + "\n"


def battery_markdown(report: dict[str, Any]) -> str:
    m = report["metrics"]
    lines = [f"# Blind battery, {report['date']}", "", *[f"- {k}: {v:.3f}" for k, v in m.items()]]
    lines += battery_section(report["battery"])
    lines += ["", "## Misses", ""] + [f"- {x}" for x in report["misses"]["battery"]]
    return "\n".join(lines) + "\n"
