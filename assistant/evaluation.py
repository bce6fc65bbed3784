"""The regression eval suite: cases in `evals/cases/` and `evals/calibration/`, small
evaluators, a report in `evals/reports/` compared with the previous one.

Metrics:
- retrieval (cases naming a `source`): recall@1, recall@5, MRR, nDCG@5 (a passage from a
  named file is relevant), section recall@5 (where a case names a heading);
- citation validity (the seed-fact questions answered in full): every `[n]` names a cited
  chunk, and every cited sentence is supported by its chunk (it is quoted from it, or its
  MiniLM cosine to one of the chunk's sentences is at least `SUPPORT_COSINE`);
- routing (`routing.yaml`): the right tools with the right arguments; decision accuracy:
  the expected result fields, over the cases that name some;
- abstention: precision and recall of "does not cover" over the off-topic questions
  (positives) and the retrieval questions (negatives);
- grading: Spearman correlation of the interview grader with the interviewer's scores;
- baseline (`baseline_*`): the textbook LangChain RAG (`assistant.baseline`) on the same
  retrieval cases, its top 4 against our top 5.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from assistant.api import Assistant

SUPPORT_COSINE = 0.6
REGRESSION_MARGIN = 0.01  # a metric that falls by more than this is flagged
Progress = Callable[[int, int, str], None]


def load_cases(evals_dir: Path) -> dict[str, list[dict[str, Any]]]:
    cases_dir = Path(evals_dir) / "cases"
    out: dict[str, list[dict[str, Any]]] = {"retrieval": [], "routing": [], "off_topic": []}
    for path in sorted(cases_dir.glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or []
        if path.name == "off_topic.yaml":
            out["off_topic"] += [{"q": q} if isinstance(q, str) else q for q in data]
        elif path.name == "routing.yaml":
            out["routing"] += data
        else:
            out["retrieval"] += [dict(c, file=path.name) for c in data if "source" in c]
    out["calibration"] = [
        case
        for path in sorted((Path(evals_dir) / "calibration").glob("*.yaml"))
        for case in yaml.safe_load(path.read_text()) or []
    ]
    return out


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2 + 1
            i = j + 1
        return out

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    var = math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))
    return cov / var if var else 0.0


def _sources(case: dict[str, Any]) -> list[str]:
    source = case["source"]
    return [source] if isinstance(source, str) else list(source)


def retrieval_metrics(
    bot: Assistant, cases: list[dict[str, Any]], tick: Callable[[], None]
) -> dict[str, float]:
    def search(q: str) -> list[tuple[str, str]]:
        return [(h.chunk.source, h.chunk.heading) for h in bot.sources(q, k=5)]

    return _ranked(search, cases, tick, "retrieval")


def baseline_metrics(
    rag: Any, cases: list[dict[str, Any]], tick: Callable[[], None]
) -> dict[str, float]:
    """The textbook RAG on the same cases: its 4 passages carry no section path, so a
    section counts as found when a passage from the right file contains its heading."""

    def search(q: str) -> list[tuple[str, str]]:
        out = []
        for doc in rag.retrieve(q):
            headings = [ln.lstrip("#").strip() for ln in doc.page_content.splitlines()
                        if ln.startswith("#")]  # fmt: skip
            out.append((doc.metadata["source"], " > ".join(headings)))
        return out

    return _ranked(search, cases, tick, "baseline_retrieval")


def _ranked(
    search: Callable[[str], list[tuple[str, str]]],
    cases: list[dict[str, Any]],
    tick: Callable[[], None],
    prefix: str,
) -> dict[str, float]:
    r1 = r5 = mrr = ndcg = sections = 0.0
    for case in cases:
        hits = search(case["q"])
        wanted = _sources(case)
        relevant = [source in wanted for source, _ in hits]
        r1 += relevant[0] if relevant else 0
        r5 += any(relevant)
        mrr += 1 / (relevant.index(True) + 1) if any(relevant) else 0
        dcg = sum(1 / math.log2(i + 2) for i, rel in enumerate(relevant) if rel)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(hits), sum(relevant) or 1)))
        ndcg += dcg / ideal if ideal else 0
        heading = case.get("heading")
        sections += any(
            source in wanted and (heading is None or heading in path.split(" > "))
            for source, path in hits
        )
        tick()
    n = max(1, len(cases))
    section = "section_recall_at_5" if prefix == "retrieval" else f"{prefix}_section_recall"
    return {
        f"{prefix}_recall_at_1": r1 / n,
        f"{prefix}_recall_at_5": r5 / n,
        f"{prefix}_mrr": mrr / n,
        f"{prefix}_ndcg_at_5": ndcg / n,
        section: sections / n,
    }


def citation_validity(
    bot: Assistant, questions: list[str], tick: Callable[[], None]
) -> dict[str, float]:
    from assistant.composer import sentences_of

    markers_ok = supported = claims = answers = 0
    for q in questions:
        answer = bot.ask(q)
        tick()
        if answer.abstained:
            continue
        answers += 1
        by_n = {c.n: c for c in answer.citations}
        used = {int(m) for m in re.findall(r"\[(\d+)\]", answer.text)}
        markers_ok += used <= set(by_n)
        for line in answer.text.splitlines():
            found = [int(m) for m in re.findall(r"\[(\d+)\]", line)]
            if not found or line.startswith("- ") and "Computed by" in line:
                continue
            claim = re.sub(r"\s*\[\d+\]", "", line).strip().lstrip("- ").strip()
            if not claim or claim.endswith(":"):
                continue
            claims += 1
            chunks = [by_n[n].text for n in found if n in by_n]
            flat = [" ".join(c.split()) for c in chunks]
            if any(" ".join(claim.split()) in f for f in flat):
                supported += 1
                continue
            candidates = [s for c in chunks for s in sentences_of(c)] or chunks
            vectors = bot.embedder.embed([claim, *candidates])
            if len(candidates) and float((vectors[1:] @ vectors[0]).max()) >= SUPPORT_COSINE:
                supported += 1
    return {
        "citation_markers_valid": markers_ok / max(1, answers),
        "citation_sentences_supported": supported / max(1, claims),
    }


def routing_metrics(
    cases: list[dict[str, Any]],
    tick: Callable[[], None],
    misses: list[str] | None = None,
) -> dict[str, float]:
    """Routing and decision accuracy; the ids of the cases that miss go to `misses`."""
    from assistant.agent.planner import plan
    from assistant.tools import TOOLS

    routed = decided = with_result = 0
    for case in cases:
        history: list[dict[str, str]] = []
        for turn in case.get("history", []):
            history += [{"role": "user", "content": turn}, {"role": "assistant", "content": ""}]
        p = plan(case["q"], history)
        ok = [c.name for c in p.calls] == case["tools"] and all(
            p.calls and p.calls[0].args.get(k) == v for k, v in (case.get("args") or {}).items()
        )
        routed += ok
        right = ok
        if case.get("result"):
            with_result += 1
            right = False
            if ok and p.calls:
                result = TOOLS[p.calls[0].name][0](dict(p.calls[0].args)).model_dump()
                right = all(result.get(k) == v for k, v in case["result"].items())
                decided += right
        if not right and misses is not None:
            misses.append(str(case.get("id", case["q"])))
        tick()
    return {
        "routing_accuracy": routed / max(1, len(cases)),
        "decision_accuracy": decided / max(1, with_result),
    }


def abstention_metrics(
    bot: Assistant,
    off_topic: list[dict[str, Any]],
    on_topic: list[dict[str, Any]],
    tick: Callable[[], None],
) -> dict[str, float]:
    true_pos = false_pos = 0
    for case in off_topic:
        true_pos += bot.ask(case["q"]).abstained
        tick()
    threshold = bot.settings.abstain_threshold
    for case in on_topic:  # the same rule `ask` applies, without composing an answer
        best = max((h.dense for h in bot.sources(case["q"]) if h.dense is not None), default=-1)
        false_pos += best < threshold
        tick()
    flagged = true_pos + false_pos
    return {
        "abstention_precision": true_pos / flagged if flagged else 1.0,
        "abstention_recall": true_pos / max(1, len(off_topic)),
    }


def grading_metrics(
    bot: Assistant, cases: list[dict[str, Any]], tick: Callable[[], None]
) -> dict[str, float]:
    from assistant.interview import load_bank

    bank = {q.id: q for q in load_bank(bot.settings.knowledge_dir)}
    ours = []
    for case in cases:
        ours.append(bot.grade(bank[case["question_id"]].question, case["answer"]).score)
        tick()
    return {"grading_spearman": spearman([c["score"] for c in cases], ours) if cases else 0.0}


def run(
    bot: Assistant,
    evals_dir: Path,
    progress: Progress | None = None,
    baseline: Any = None,
) -> dict[str, Any]:
    """Every metric over every case; `progress(done, total, stage)` as it goes. With a
    `baseline` (`assistant.baseline.TextbookRAG`), its retrieval metrics too."""
    cases = load_cases(evals_dir)
    seed = [c["q"] for c in cases["retrieval"] if c["file"] == "seed_facts.yaml"]
    total = (
        len(cases["retrieval"]) * (3 if baseline is not None else 2) + len(seed)
        + len(cases["routing"]) + len(cases["off_topic"]) + len(cases["calibration"])
    )  # fmt: skip
    done = 0

    def ticker(stage: str) -> Callable[[], None]:
        def tick() -> None:
            nonlocal done
            done += 1
            if progress:
                progress(done, total, stage)

        return tick

    started = time.perf_counter()
    metrics: dict[str, float] = {}
    metrics |= retrieval_metrics(bot, cases["retrieval"], ticker("retrieval"))
    if baseline is not None:
        metrics |= baseline_metrics(baseline, cases["retrieval"], ticker("baseline"))
    metrics |= citation_validity(bot, seed, ticker("citations"))
    metrics |= routing_metrics(cases["routing"], ticker("routing"))
    metrics |= abstention_metrics(bot, cases["off_topic"], cases["retrieval"], ticker("abstention"))
    metrics |= grading_metrics(bot, cases["calibration"], ticker("grading"))
    return {
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.perf_counter() - started, 1),
        "cases": {k: len(v) for k, v in cases.items()} | {"citations": len(seed)},
        "metrics": {k: round(v, 4) for k, v in metrics.items()},
    }


def compare(current: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per metric: value, previous value, change, and whether it regressed."""
    out = {}
    before = (previous or {}).get("metrics", {})
    for name, value in current["metrics"].items():
        old = before.get(name)
        change = None if old is None else round(value - old, 4)
        out[name] = {
            "value": value,
            "previous": old,
            "change": change,
            "regressed": change is not None and change < -REGRESSION_MARGIN,
        }
    return out


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
    return "\n".join(lines) + "\n"


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
