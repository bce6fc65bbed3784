"""Planning measured on its own: for every case of the blind battery, the tool the offline
planner chose, the arguments it ran with, and the question type it read, without
retrieval or composition (so a fix to the composer cannot move these figures).

    python evals/planning.py                      # the whole battery
    python evals/planning.py evals/cases/real/mlops.yaml --misses

- tool: for a case with `tool` in its expectations, the planner ran that tool (or, for
  `none`, no tool);
- args: for a case with `args`, the tool ran with every one of them (read as the battery
  reads them: the call's arguments, then the inputs the tool reports);
- type: the question type, against the case's category (`cost` accepts price and
  comparison, `concept` accepts concept and how-to).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPES_OF_CATEGORY = {
    "cost": {"price", "comparison"},
    "sizing": {"sizing"},
    "build_vs_buy": {"build_vs_buy"},
    "concept": {"concept", "howto"},
    "out_of_scope": {"out_of_scope"},
}


def planned(turns: list[str], bot: Any) -> tuple[Any, list[Any]]:
    """The plan for the last turn given the earlier ones, and its calls run."""
    import inspect

    from assistant.agent.offline import run_tools
    from assistant.agent.planner import plan

    history: list[dict[str, str]] = []
    for turn in turns[:-1]:
        history += [{"role": "user", "content": turn}, {"role": "assistant", "content": ""}]
    typed = "classify" in inspect.signature(plan).parameters  # an older planner types nothing
    extra = {"classify": bot.classify_question} if typed else {}
    p = plan(turns[-1], history, **extra)
    labelled, _ = run_tools(p)
    return p, [call for _, call in labelled]


def measure(cases: list[dict[str, Any]]) -> tuple[dict[str, list[bool]], list[str]]:
    from assistant import Assistant
    from assistant.battery import Reply, check

    bot = Assistant()  # its embedder types questions; no index is opened

    marks: dict[str, list[bool]] = {"tool": [], "args": [], "type": []}
    misses = []
    for case in cases:
        p, calls = planned(case["turns"], bot)
        expect = case["expect"]
        for c in check(expect, Reply("", False, calls), kinds=("tool", "args")):
            marks[c.kind].append(c.ok)
            if not c.ok:
                misses.append(
                    f"{case['id']} {c.kind}: {c.detail}; wanted {expect.get('tool')}, "
                    f"type {getattr(p, 'qtype', None)}: {case['turns'][-1][:70]!r}"
                )
        qtype = getattr(p, "qtype", None)
        if qtype is not None:
            ok = qtype in TYPES_OF_CATEGORY.get(case["category"], {case["category"]})
            marks["type"].append(ok)
            if not ok:
                misses.append(f"{case['id']} type: read {qtype}, case is {case['category']}")
    return marks, misses


def main() -> None:
    from assistant.battery import load, load_file

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("battery", nargs="?", type=Path, default=ROOT / "evals/cases/real")
    ap.add_argument("--misses", action="store_true", help="list every case that missed")
    args = ap.parse_args()
    cases = load_file(args.battery) if args.battery.is_file() else load(args.battery)
    started = time.perf_counter()
    marks, misses = measure(cases)
    took = time.perf_counter() - started
    print(f"# planning on {args.battery.name}: {len(cases)} cases, {date.today()}, "
          f"{platform.node()} ({took:.1f} s, one run)")  # fmt: skip
    for kind, oks in marks.items():
        if oks:
            print(f"{kind:5s} right: {sum(oks) / len(oks):.3f}  ({sum(oks)} of {len(oks)})")
        else:
            print(f"{kind:5s} right: not read by this planner")
    if args.misses:
        for line in misses:
            print("  " + line)
    kinds = Counter(line.split()[1].rstrip(":") for line in misses)
    print("misses by kind:", dict(kinds))


if __name__ == "__main__":
    main()
