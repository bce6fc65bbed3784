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
- key-point coverage (`key_points.yaml`): the share of the points each answer must make
  that it does make (a point is made when the answer contains one of its phrasings);
- bad input (`bad_input.yaml`): the share of bad inputs that end in a `ValueError` naming
  the field (and its allowed values), or, for meaningless text, in an abstention;
- grading: Spearman correlation of the interview grader with the interviewer's scores;
  `grading_blind_spearman` on the blind answers of `evals/calibration/blind/` (written
  without sight of the rubrics), with their mean absolute error and per-level means as info;
- battery (`evals/cases/real/`, see `assistant.battery`): the mean share of its checks a
  blind case meets, and the share of cases that meet all of them;
- baseline (`baseline_*`): the textbook LangChain RAG (`assistant.baseline`) on the same
  retrieval cases, its top 4 against our top 5, and on the same key-point questions, its
  answer being its retrieved text.

Besides the metrics, a report carries `info`: figures that explain them but are neither
better nor worse when they move (the mean length of the answers scored for key points).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import battery
from assistant.eval_report import REGRESSION_MARGIN, compare, markdown, write
from assistant.text import MARKER, strip_markers
from assistant.yaml_files import safe_load

if TYPE_CHECKING:
    from assistant.api import Assistant

SUPPORT_COSINE = 0.6

__all__ = ["REGRESSION_MARGIN", "compare", "markdown", "run", "write"]
Progress = Callable[[int, int, str], None]


def load_cases(evals_dir: Path) -> dict[str, list[dict[str, Any]]]:
    cases_dir = Path(evals_dir) / "cases"
    out: dict[str, list[dict[str, Any]]] = {
        "retrieval": [], "routing": [], "off_topic": [], "key_points": [], "bad_input": []
    }  # fmt: skip
    for path in sorted(cases_dir.glob("*.yaml")):
        data = safe_load(path.read_text()) or []
        if path.name == "off_topic.yaml":
            out["off_topic"] += [{"q": q} if isinstance(q, str) else q for q in data]
        elif path.stem in ("routing", "key_points", "bad_input"):
            out[path.stem] += data
        else:
            out["retrieval"] += [dict(c, file=path.name) for c in data if "source" in c]
    for key, folder in (("calibration", "calibration"), ("calibration_blind", "calibration/blind")):
        out[key] = [
            case
            for path in sorted((Path(evals_dir) / folder).glob("*.yaml"))
            for case in safe_load(path.read_text()) or []
        ]
    real = cases_dir / "real"
    out["battery"] = battery.load(real) if real.is_dir() else []
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
        used = {int(m) for m in MARKER.findall(answer.text)}
        markers_ok += used <= set(by_n)
        for line in answer.text.splitlines():
            found = [int(m) for m in MARKER.findall(line)]
            if not found or line.startswith("- ") and "Computed by" in line:
                continue
            claim = strip_markers(line).strip().lstrip("- ").strip()
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
    classify: Callable[[str], Any] | None = None,
) -> dict[str, float]:
    """Routing and decision accuracy; the ids of the cases that miss go to `misses`.
    `classify` types what no type rule decides, as in an answer (`Assistant.ask`)."""
    from assistant.agent.planner import plan
    from assistant.agent.registry import REGISTRY

    routed = decided = with_result = 0
    for case in cases:
        history: list[dict[str, str]] = []
        for turn in case.get("history", []):
            history += [{"role": "user", "content": turn}, {"role": "assistant", "content": ""}]
        p = plan(case["q"], history, classify=classify)
        ok = [c.name for c in p.calls] == case["tools"] and all(
            p.calls and p.calls[0].args.get(k) == v for k, v in (case.get("args") or {}).items()
        )
        routed += ok
        right = ok
        if case.get("result"):
            with_result += 1
            right = False
            if ok and p.calls:
                result = REGISTRY[p.calls[0].name].run(p.calls[0].args)
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


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def points_made(answer: str, points: list[dict[str, Any]]) -> list[bool]:
    """For each point, whether `answer` contains one of its phrasings."""
    text = _normalised(answer)
    return [any(_normalised(str(p)) in text for p in point["any"]) for point in points]


def key_point_metrics(
    answer: Callable[[str], str],
    cases: list[dict[str, Any]],
    tick: Callable[[], None],
    prefix: str = "",
    misses: list[str] | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    """Key-point coverage (the mean over questions of the share of points made), and, as
    info, the mean answer length in words. `answer(question)` gives the answer text."""
    coverage = words = 0.0
    for case in cases:
        text = answer(case["q"])
        made = points_made(text, case["points"])
        coverage += sum(made) / len(made)
        words += len(text.split())
        if misses is not None:
            for point, ok in zip(case["points"], made, strict=True):
                if not ok:
                    misses.append(f"{case['id']}: {point['point']}")
        tick()
    n = max(1, len(cases))
    return {f"{prefix}key_point_coverage": coverage / n}, {f"{prefix}answer_words": words / n}


def bad_input_outcome(bot: Assistant, case: dict[str, Any]) -> str:
    """'ok' when the case ends as it must, else what happened instead."""
    from assistant.tools import TOOLS

    try:
        if case["call"] == "ask":
            kwargs = {k: case[k] for k in ("history", "k") if k in case}
            answer = bot.ask(case["question"], **kwargs)
            if case.get("abstain"):
                return "ok" if answer.abstained else "answered instead of abstaining"
            return "no error"
        if case["call"] == "grade":
            score = bot.grade(case["question"], case["answer"]).score
            return "ok" if score <= case["max_score"] else f"scored {score}"
        TOOLS[case["call"]][0](dict(case["args"]))
        return "no error"
    except ValueError as exc:
        message = str(exc)
        if "error" not in case:
            return f"unexpected error: {message[:120]}"
        wanted = [case["error"], *case.get("allowed", [])]
        missing = [w for w in wanted if w not in message]
        return "ok" if not missing else f"message lacks {missing}: {message[:120]}"
    except Exception as exc:  # anything but a ValueError is a defect
        return f"{type(exc).__name__}: {str(exc)[:120]}"


def bad_input_metrics(
    bot: Assistant,
    cases: list[dict[str, Any]],
    tick: Callable[[], None],
    misses: list[str] | None = None,
) -> dict[str, float]:
    handled = 0
    for case in cases:
        outcome = bad_input_outcome(bot, case)
        handled += outcome == "ok"
        if outcome != "ok" and misses is not None:
            misses.append(f"{case['id']}: {outcome}")
        tick()
    return {"bad_input_handled": handled / max(1, len(cases))}


def grading_metrics(
    bot: Assistant, cases: list[dict[str, Any]], tick: Callable[[], None]
) -> dict[str, float]:
    return {"grading_spearman": blind_grading(bot, cases, tick)["spearman"]}


def blind_grading(
    bot: Assistant, cases: list[dict[str, Any]], tick: Callable[[], None]
) -> dict[str, Any]:
    """The grader against an interviewer's scores: Spearman and mean absolute error, and per
    level and per form (prose, bullets, notes) the mean label and the mean grade (the team's
    calibration answers give a `kind` for the level)."""
    from assistant.interview import load_bank

    bank = {q.id: q for q in load_bank(bot.settings.knowledge_dir)}
    labels, ours = [], []
    groups: dict[str, dict[str, dict[str, float]]] = {"levels": {}, "forms": {}}
    for case in cases:
        score = bot.grade(bank[case["question_id"]].question, case["answer"]).score
        labels.append(float(case["score"]))
        ours.append(score)
        for kind, name in (("levels", case.get("level", case.get("kind"))),
                           ("forms", case.get("form"))):  # fmt: skip
            row = groups[kind].setdefault(str(name or "?"), {"n": 0, "label": 0, "ours": 0})
            row["n"] += 1
            row["label"] += case["score"]
            row["ours"] += score
        tick()
    for rows in groups.values():
        for row in rows.values():
            row["label"] = round(row["label"] / row["n"], 2)
            row["ours"] = round(row["ours"] / row["n"], 2)
    n = max(1, len(cases))
    return {
        "spearman": spearman(labels, ours) if cases else 0.0,
        "mae": sum(abs(a - b) for a, b in zip(labels, ours, strict=True)) / n,
        **groups,
    }


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
    runs = 2 if baseline is not None else 1
    total = (
        len(cases["retrieval"]) * (runs + 1) + len(seed) + len(cases["key_points"]) * runs
        + len(cases["routing"]) + len(cases["off_topic"]) + len(cases["bad_input"])
        + len(cases["calibration"]) + len(cases["calibration_blind"])
        + len(cases["battery"]) * runs
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
    info: dict[str, float] = {}
    misses: dict[str, list[str]] = {"key_points": [], "bad_input": [], "routing": []}
    metrics |= citation_validity(bot, seed, ticker("citations"))
    found, words = key_point_metrics(
        lambda q: bot.ask(q).text, cases["key_points"], ticker("key points"),
        misses=misses["key_points"],
    )  # fmt: skip
    metrics, info = metrics | found, info | words
    if baseline is not None:
        found, words = key_point_metrics(
            baseline.answer, cases["key_points"], ticker("baseline key points"), "baseline_"
        )
        metrics, info = metrics | found, info | words
    metrics |= routing_metrics(
        cases["routing"], ticker("routing"), misses["routing"], classify=bot.classify_question
    )
    metrics |= abstention_metrics(bot, cases["off_topic"], cases["retrieval"], ticker("abstention"))
    metrics |= bad_input_metrics(bot, cases["bad_input"], ticker("bad input"), misses["bad_input"])
    metrics |= grading_metrics(bot, cases["calibration"], ticker("grading"))
    extra: dict[str, Any] = {}
    if cases["calibration_blind"]:
        blind = blind_grading(bot, cases["calibration_blind"], ticker("blind grading"))
        metrics["grading_blind_spearman"] = blind["spearman"]
        info["grading_blind_mae"] = blind["mae"]
        extra["grading_blind"] = {"levels": blind["levels"], "forms": blind["forms"]}
    if cases["battery"]:
        scored = battery.evaluate(
            bot, cases["battery"], ticker("battery"), baseline, ticker("baseline battery")
        )
        metrics |= scored["metrics"]
        misses["battery"] = scored["misses"]
        extra["battery"] = scored["battery"]
    return extra | {
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.perf_counter() - started, 1),
        "cases": {k: len(v) for k, v in cases.items()} | {"citations": len(seed)},
        "metrics": {k: round(v, 4) for k, v in metrics.items()},
        "info": {k: round(v, 1) for k, v in info.items()},
        "misses": misses,
    }


def run_battery(
    bot: Assistant,
    files: list[Path],
    progress: Progress | None = None,
    baseline: Any = None,
) -> dict[str, Any]:
    """Only the blind battery, on the cases of `files`: how a new batch is scored first."""
    cases = [
        dict(case, file=Path(path).name) for path in files for case in battery.load_file(Path(path))
    ]
    total = len(cases) * (2 if baseline is not None else 1)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, "battery")

    started = time.perf_counter()
    scored = battery.evaluate(bot, cases, tick, baseline)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "seconds": round(time.perf_counter() - started, 1),
        "cases": {"battery": len(cases)},
        "metrics": {k: round(v, 4) for k, v in scored["metrics"].items()},
        "battery": scored["battery"],
        "misses": {"battery": scored["misses"]},
    }
