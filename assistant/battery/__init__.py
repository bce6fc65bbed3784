"""The blind battery (`evals/cases/real/`): questions written by people who never saw the
code, each with the checks its writer set, scored on what a user sees.

A case is a list of user turns and an `expect` block. The answer to the last turn is
checked; each check passes or fails, and a case scores the share it passes:
- `decline`: the answer declines (`Answer.abstained`) exactly when it must;
- `lead`: each entry appears in the answer's first two sentences;
- `has`: each entry appears somewhere in the answer;
- `must_not`: no entry appears anywhere;
- `tool`: that tool ran for the last turn (`none`: no tool ran);
- `args`: the tool ran with those arguments (in the battery's own vocabulary, read
  through `ARGS` below, so the cases outlive a rename of a tool's fields);
- `usd`: a dollar amount in the first two sentences lies in the range, which the case
  computed from a provider's price it cites (`reference`).
Entries match case-insensitively as whole words or phrases; `a|b` is either.

The textbook RAG baseline has no tools and never declines: it is scored on `decline`,
`lead`, `has`, `must_not` and `usd` alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from assistant.battery.cases import CATEGORIES, load, load_file, validate
from assistant.battery.checks import BASELINE_CHECKS, CaseResult, Check, Reply, causes, check
from assistant.battery.reading import lead_of, mentions, usd_amounts

__all__ = [
    "BASELINE_CHECKS", "CATEGORIES", "CaseResult", "Check", "Reply", "assistant_asker",
    "baseline_asker", "by_category", "cause_counts", "check", "evaluate", "lead_of", "load",
    "load_file", "mentions",
    "check_rates", "miss_lines", "run", "summary", "usd_amounts", "validate",
]  # fmt: skip


def run(
    ask: Callable[[list[str]], Reply],
    cases: list[dict[str, Any]],
    tick: Callable[[], None],
    kinds: Iterable[str] | None = None,
) -> list[CaseResult]:
    """Score each case: `ask(turns)` answers the last turn given the earlier ones."""
    results = []
    for case in cases:
        reply = ask(case["turns"])
        result = CaseResult(case["id"], case["category"], len(case["turns"]) > 1,
                            check(case["expect"], reply, kinds),
                            near_domain=bool(case.get("near_domain")),
                            file=str(case.get("file", "")))  # fmt: skip
        result.causes = causes(case, result, reply)
        results.append(result)
        tick()
    return results


def assistant_asker(bot: Any) -> Callable[[list[str]], Reply]:
    """Ask every turn in order, each with the conversation so far, as the UI does."""

    def ask(turns: list[str]) -> Reply:
        history: list[dict[str, str]] = []
        answer = None
        for turn in turns:
            answer = bot.ask(turn, history=history or None)
            history += [{"role": "user", "content": turn},
                        {"role": "assistant", "content": answer.text}]  # fmt: skip
        assert answer is not None
        return Reply(answer.text, answer.abstained, list(answer.tool_calls))

    return ask


def baseline_asker(rag: Any) -> Callable[[list[str]], Reply]:
    """The textbook RAG keeps no conversation: it retrieves for all the turns joined."""
    return lambda turns: Reply(rag.answer(" ".join(turns)))


def evaluate(
    bot: Any,
    cases: list[dict[str, Any]],
    tick: Callable[[], None],
    baseline: Any = None,
    baseline_tick: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The battery's metrics, per-category tables, causes and misses for `bot` and, when
    given, the textbook RAG `baseline` on the checks that apply to it."""
    ours = run(assistant_asker(bot), cases, tick)
    metrics = summary(ours) | summary(ours, "battery_text", BASELINE_CHECKS)
    tables: dict[str, Any] = {
        "ours": by_category(ours),
        "ours_text": by_category(ours, BASELINE_CHECKS),
        "checks": check_rates(ours),
        "causes": cause_counts(ours),
    }
    if baseline is not None:
        theirs = run(baseline_asker(baseline), cases, baseline_tick or tick, BASELINE_CHECKS)
        metrics |= summary(theirs, "baseline_battery")
        tables["baseline"] = by_category(theirs)
        tables["baseline_checks"] = check_rates(theirs)
    return {"metrics": metrics, "battery": tables, "misses": miss_lines(ours)}


def _share(result: CaseResult, kinds: Iterable[str] | None) -> float:
    checks = [c for c in result.checks if kinds is None or c.kind in kinds]
    return sum(c.ok for c in checks) / len(checks) if checks else 1.0


def summary(
    results: list[CaseResult], prefix: str = "battery", kinds: Iterable[str] | None = None
) -> dict[str, float]:
    """The mean share of checks met and the share of cases meeting all; `kinds` counts
    only those checks (ours on the baseline's checks, for a like-for-like comparison)."""
    chosen = set(kinds) if kinds is not None else None
    shares = [_share(r, chosen) for r in results]
    n = max(1, len(results))
    return {f"{prefix}_score": sum(shares) / n, f"{prefix}_cases_full": shares.count(1.0) / n}


def by_category(
    results: list[CaseResult], kinds: Iterable[str] | None = None
) -> dict[str, dict[str, float]]:
    """Per category (and the conversations, the near-domain out-of-scope questions, each
    writer's file): n, the mean share of checks met, the share of cases meeting all;
    `kinds` counts only those checks."""
    chosen = set(kinds) if kinds is not None else None
    groups: dict[str, list[CaseResult]] = {}
    for r in results:
        groups.setdefault(r.category, []).append(r)
        if r.conversation:
            groups.setdefault("conversation (2-4 turns)", []).append(r)
        if r.near_domain:
            groups.setdefault("out_of_scope, near the domain", []).append(r)
        if r.file and len({x.file for x in results}) > 1:
            groups.setdefault(f"writer: {r.file}", []).append(r)
    return {
        name: {"n": len(rs), "score": sum(_share(r, chosen) for r in rs) / len(rs),
               "full": sum(_share(r, chosen) == 1 for r in rs) / len(rs)}
        for name, rs in [("all", results), *sorted(groups.items())] if rs
    }  # fmt: skip


def check_rates(results: list[CaseResult]) -> dict[str, dict[str, float]]:
    """Per kind of check (decline, lead, has, ...): how many cases carry it and the share met."""
    rows: dict[str, list[bool]] = {}
    for r in results:
        for c in r.checks:
            rows.setdefault(c.kind, []).append(c.ok)
    return {kind: {"n": len(oks), "met": sum(oks) / len(oks)} for kind, oks in rows.items()}


def cause_counts(results: list[CaseResult]) -> list[tuple[str, int]]:
    """Each cause of a miss and the number of cases it hits, most first."""
    return Counter(c for r in results for c in r.causes).most_common()


def miss_lines(results: list[CaseResult]) -> list[str]:
    return [f"{r.id} [{m.kind}] {m.detail}".rstrip() for r in results for m in r.misses]
