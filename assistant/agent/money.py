"""Sums of money a question states: the budget and what an engineer costs a year. Rules as
data over the normalised text. An amount is read for the slot whose word it stands nearest
(the shortest phrase joining them wins); a monthly amount is counted twelve times; an
amount the budget took is never also an engineer's cost.
"""

from __future__ import annotations

import re

from assistant.agent.rules import Candidate, Rule, candidates

NUM = r"(\d+(?:[.,]\d+)*)\s*(k|m|mm|million|thousand|bn|billion)?\b"
MONEY = r"(?:(?:\$|usd\s*)\s*" + NUM + r"|" + NUM + r"\s*(?:usd|dollars|\$))"
_GAP = r"[^.?!\n]{0,40}?"
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "bn": 1e9,
          "billion": 1e9}  # fmt: skip
_PER_MONTH = re.compile(r"\s*(?:/|per|a|an|each)\s*(?:month|mo)\b")
_PER_HEAD = re.compile(r"\s*(?:/|per|a|an)?\s*(?:each|engineer|head|person|fte|"
                       r"(?:engineer[- ])?year (?:per|each))")  # fmt: skip
_ENGINEER_WORD = (r"(?:engineers?|salar(?:y|ies)|per head|fully[- ]loaded|loaded|headcount|"
                  r"per person)")  # fmt: skip


def _amount(m: re.Match[str]) -> tuple[float, int] | None:
    """The first amount in the match (value, where it ends)."""
    groups = m.groups()
    for i in range(0, len(groups) - 1, 2):
        if groups[i] is not None:
            value = float(groups[i].replace(",", "")) * _SCALE.get((groups[i + 1] or ""), 1)
            return value, m.end(i + 2) if groups[i + 1] else m.end(i + 1)
    return None


def _yearly(m: re.Match[str], text: str, floor: float, per_head_ok: bool) -> float | None:
    found = _amount(m)
    if found is None:
        return None
    value, end = found
    if not per_head_ok and _PER_HEAD.match(text, end):
        return None  # "$200k per engineer" is no budget
    if _PER_MONTH.match(text, end):
        return value * 12
    return value if value >= floor else None


def _budget(m: re.Match[str], text: str) -> float | None:
    """Any amount in a currency ("a budget of $0" is a budget); a bare number from 1,000."""
    in_currency = bool(re.search(r"\$|usd|dollars", m.group(0)))
    return _yearly(m, text, 0 if in_currency else 1000, per_head_ok=False)


def _engineer(m: re.Match[str], text: str) -> float | None:
    return _yearly(m, text, 10_000, per_head_ok=True)


RULES: tuple[Rule, ...] = (
    Rule("budget.of", "budget",
         r"budget\s*(?:of|is|=|:|at|around|about)?\s*(?:\$|usd)?\s*" + NUM, _budget, priority=2,
         examples=(("a budget of $1.2m", 1_200_000.0), ("budget: 300,000 usd", 300_000.0),
                   ("budget is 40k a month", 480_000.0))),
    Rule("budget.amount_then_word", "budget", MONEY + _GAP + r"\bbudget", _budget, priority=1,
         examples=(("a $25k/month budget", 300_000.0), ("$500k is our annual budget",
                                                        500_000.0))),
    Rule("budget.word_then_amount", "budget", r"budget" + _GAP + MONEY, _budget,
         examples=(("budget for the year is roughly $750k", 750_000.0),)),
    Rule("engineer.amount_then_word", "engineer_cost",
         MONEY + r"[^.?!\n]{0,25}?\b" + _ENGINEER_WORD + r"|" + MONEY + r"\s*(?:/|per|a|an)?\s*"
         r"(?:each|fte|head)\b", _engineer, priority=1,
         examples=(("$15k a month per engineer", 180_000.0), ("$200k fully loaded", 200_000.0),
                   ("2 engineers at $200k each", 200_000.0))),
    Rule("engineer.word_then_amount", "engineer_cost",
         r"\b(?:engineers? (?:cost|costs|are|at|is|earn|make)|salar(?:y|ies) (?:of|is|are)|"
         r"loaded cost (?:of|is))\s*(?:us\s*)?(?:about |around |roughly )?(?:\$|usd)?\s*" + NUM,
         _engineer,
         examples=(("engineers cost 180k", 180_000.0), ("salaries are about $150k", 150_000.0))),
)  # fmt: skip


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.start < b.end and b.start < a.end


def read_money(text: str) -> dict[str, Candidate]:
    """slot -> the winning candidate: per slot the shortest phrase (the amount nearest its
    word), then the higher priority; an engineer's cost never reuses the budget's amount."""
    found = candidates(text, RULES)
    best: dict[str, Candidate] = {}
    for slot in ("budget", "engineer_cost"):
        mine = [c for c in found if c.slot == slot]
        if slot == "engineer_cost" and "budget" in best:
            taken = best["budget"]
            mine = [c for c in mine if not _same_amount(c, taken, text)]
        if mine:
            best[slot] = min(mine, key=lambda c: (c.end - c.start, -c.rule.priority, c.start))
    return best


def _same_amount(c: Candidate, taken: Candidate, text: str) -> bool:
    if not _overlaps(c, taken):
        return False
    a, b = c.rule.regex.match(text, c.start), taken.rule.regex.match(text, taken.start)
    first, second = (_amount(a) if a else None), (_amount(b) if b else None)
    return first is not None and second is not None and first[1] == second[1]


def money(text: str) -> dict[str, tuple[object, str]]:
    """slot -> (value a year, the words read) for `budget` and `engineer_cost`."""
    out: dict[str, tuple[object, str]] = {}
    for slot, c in read_money(text).items():
        words = text[c.start : c.end]
        monthly = isinstance(c.value, float) and _monthly(c, text)
        out[slot] = (c.value, words + (" a month (x 12)" if monthly else ""))
    return out


def _monthly(c: Candidate, text: str) -> bool:
    m = c.rule.regex.match(text, c.start)
    found = _amount(m) if m else None
    return bool(found and _PER_MONTH.match(text, found[1]))
