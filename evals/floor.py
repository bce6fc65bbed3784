"""The relevance floor measured, not guessed: the blind battery and the key-point cases
answered at several floors (a guidance sentence whose cosine to the question is below the
floor is left out), with what each floor does to what a reader checks.

    python evals/floor.py                    # floors 0.20 to 0.50
    python evals/floor.py --floors 0.3 0.4

Per floor: the battery's text checks (lead, has, must-not: what the guidance can move),
the share of cases with no must-not hit, the key-point coverage of
`evals/cases/key_points.yaml`, and the median answer length. The floor in
`assistant/config.py` is the highest whose text checks and key-point coverage are within
TOLERANCE of the best floor's: shorter answers at no cost to what they must say.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOLERANCE = 0.005


def main() -> None:
    import yaml

    from assistant import Assistant
    from assistant.battery import assistant_asker, check, load
    from assistant.evaluation import points_made

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--floors", nargs="+", type=float,
                    default=[0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5])  # fmt: skip
    args = ap.parse_args()
    bot = Assistant()
    cases = [c for c in load(ROOT / "evals/cases/real") if not c["expect"]["decline"]]
    points = yaml.safe_load((ROOT / "evals/cases/key_points.yaml").read_text())
    ask = assistant_asker(bot)
    print(f"# relevance floor on {len(cases)} in-scope battery cases and {len(points)} "
          f"key-point cases, {date.today()}, {platform.node()}, one run per floor")  # fmt: skip
    print("| floor | text checks | must-not clear | key points | median words |")
    print("|---:|---:|---:|---:|---:|")
    rows = []
    for floor in args.floors:
        started = time.perf_counter()
        bot.settings.relevance_floor = floor
        marks, clear, words = [], [], []
        for case in cases:
            reply = ask(case["turns"])
            checks = check(case["expect"], reply, ("lead", "has", "must_not"))
            marks += [c.ok for c in checks]
            clear += [c.ok for c in checks if c.kind == "must_not"]
            words.append(len(reply.text.split()))
        made = [points_made(bot.ask(p["q"]).text, p["points"]) for p in points]
        key = sum(sum(m) / len(m) for m in made) / len(made)
        row = (floor, sum(marks) / len(marks), sum(clear) / max(1, len(clear)), key,
               statistics.median(words))  # fmt: skip
        rows.append(row)
        print(
            f"| {floor:.2f} | {row[1]:.3f} | {row[2]:.3f} | {row[3]:.3f} | {row[4]:.0f} |"
            f"  ({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
    best_text = max(r[1] for r in rows)
    best_key = max(r[3] for r in rows)
    good = [r for r in rows if r[1] >= best_text - TOLERANCE and r[3] >= best_key - TOLERANCE]
    print(
        f"chosen: {max(good)[0]:.2f} (the highest within {TOLERANCE} of the best text "
        f"checks {best_text:.3f} and key points {best_key:.3f})"
    )


if __name__ == "__main__":
    main()
