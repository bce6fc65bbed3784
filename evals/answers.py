"""How the answers read, on the blind battery: what a user sees first, what they must not
see, what is declined, and how long it all is. Writes every answer so two runs can be
compared answer by answer.

    python evals/answers.py                               # the whole battery
    python evals/answers.py evals/cases/real/health.yaml --out /tmp/after.json
    python evals/answers.py --compare /tmp/before.json /tmp/after.json

- lead met: of the cases with `lead` or `usd` checks, the share whose lead checks all pass;
- must-not clear: of the cases with `must_not`, the share with no entry in the answer;
- decline precision: of the answers declined, the share whose case must decline;
  decline recall: of the cases that must decline, the share declined;
  in-scope declined: of the cases that must not decline, the share declined;
- words: the median answer length in words (the whole text as the user reads it).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def answer_all(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each case asked as the UI asks it, with its checks and the answer's text."""
    from assistant import Assistant
    from assistant.battery import assistant_asker, check

    bot = Assistant()
    ask = assistant_asker(bot)
    out = []
    for i, case in enumerate(cases, 1):
        reply = ask(case["turns"])
        checks = check(case["expect"], reply)
        out.append({
            "id": case["id"], "category": case["category"],
            "near_domain": bool(case.get("near_domain")), "question": case["turns"][-1],
            "decline": case["expect"]["decline"], "declined": reply.abstained,
            "text": reply.text, "checks": {c.kind: c.ok for c in checks},
        })  # fmt: skip
        if i % 25 == 0:
            print(f"  {i} of {len(cases)}", file=sys.stderr)
    return out


def figures(rows: list[dict[str, Any]]) -> dict[str, float]:
    def share(flags: list[bool]) -> float:
        return sum(flags) / len(flags) if flags else float("nan")

    lead = [all(ok for k, ok in r["checks"].items() if k in ("lead", "usd"))
            for r in rows if {"lead", "usd"} & set(r["checks"])]  # fmt: skip
    clear = [r["checks"]["must_not"] for r in rows if "must_not" in r["checks"]]
    declined = [r for r in rows if r["declined"]]
    must = [r for r in rows if r["decline"]]
    may_not = [r for r in rows if not r["decline"]]
    return {
        "cases": len(rows),
        "score": share([ok for r in rows for ok in r["checks"].values()]),
        "lead met": share(lead),
        "must-not clear": share(clear),
        "decline precision": share([r["decline"] for r in declined]),
        "decline recall": share([r["declined"] for r in must]),
        "in-scope declined": share([r["declined"] for r in may_not]),
        "median words": statistics.median(len(r["text"].split()) for r in rows),
    }


def show(name: str, fig: dict[str, float]) -> None:
    print(f"## {name}")
    for key, value in fig.items():
        print(f"{key:18s} {value:.3f}" if isinstance(value, float) else f"{key:18s} {value}")


def main() -> None:
    from assistant.battery import load, load_file

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("battery", nargs="?", type=Path, default=ROOT / "evals/cases/real")
    ap.add_argument("--out", type=Path, help="write every answer here (JSON)")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"),
                    help="figures of two earlier runs side by side, and no new run")  # fmt: skip
    args = ap.parse_args()
    if args.compare:
        for path in args.compare:
            show(str(path), figures(json.loads(path.read_text())["answers"]))
        return
    cases = load_file(args.battery) if args.battery.is_file() else load(args.battery)
    started = time.perf_counter()
    rows = answer_all(cases)
    took = time.perf_counter() - started
    print(f"# answers on {args.battery.name}: {len(cases)} cases, {date.today()}, "
          f"{platform.node()} ({took:.0f} s, one run)")  # fmt: skip
    show("figures", figures(rows))
    if args.out:
        args.out.write_text(json.dumps({"date": str(date.today()), "answers": rows}, indent=1))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
