"""Slot rules kept as data: each has an id, the slot it fills, its pattern, how a match
becomes a value, a priority and the examples it must handle. One engine runs a family of
rules over the normalised question and resolves overlaps in one place: the longest span
wins, then the higher priority, then the earlier rule.

    Rule("hours.per_night", "hours_per_month", r"(\\d+) ?h(?:ours?)? a night", ...,
         examples=(("4 hours a night", 120.0),))

`tests/test_rules.py` runs every rule on its examples, and fails for a rule without any.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    id: str
    slot: str
    pattern: str
    value: Callable[[re.Match[str], str], Any]  # (the match, the whole text) -> the value
    priority: int = 0
    examples: tuple[tuple[str, Any], ...] = ()
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", re.compile(self.pattern))


@dataclass(frozen=True)
class Candidate:
    slot: str
    value: Any
    start: int
    end: int
    rule: Rule


def candidates(text: str, rules: Iterable[Rule]) -> list[Candidate]:
    """Every match of every rule (a rule whose value is None declines its match)."""
    out = []
    for rule in rules:
        for m in rule.regex.finditer(text):
            value = rule.value(m, text)
            if value is not None:
                out.append(Candidate(rule.slot, value, m.start(), m.end(), rule))
    return out


Key = Callable[[Candidate], tuple[int, ...]]


def longest(c: Candidate) -> tuple[int, ...]:
    """The default resolution: the longest span, then the highest priority, then the
    earliest in the text."""
    return (c.end - c.start, c.rule.priority, -c.start)


def by_priority(c: Candidate) -> tuple[int, ...]:
    """The highest priority anywhere in the text, then the longest span, then the
    earliest."""
    return (c.rule.priority, c.end - c.start, -c.start)


def resolve(found: list[Candidate], key: Key = longest) -> dict[str, Candidate]:
    """Per slot, the candidate with the greatest `key` (the first of equals)."""
    best: dict[str, Candidate] = {}
    for c in found:
        held = best.get(c.slot)
        if held is None or key(c) > key(held):
            best[c.slot] = c
    return best


def read(text: str, rules: Iterable[Rule], key: Key = longest) -> dict[str, Candidate]:
    """The slots `rules` read from `text` (already normalised), one candidate each."""
    return resolve(candidates(text, rules), key)


def readings(text: str, found: dict[str, Candidate]) -> dict[str, tuple[Any, str]]:
    """slot -> (value, the words it was read from)."""
    return {slot: (c.value, text[c.start : c.end]) for slot, c in found.items()}


def const(value: Any) -> Callable[[re.Match[str], str], Any]:
    """A rule's value function that gives `value` for any match."""
    return lambda m, t: value


def collect(text: str, rules: Iterable[Rule], slot: str) -> list[Candidate]:
    """Every reading of `slot` (a slot that holds several values, such as the regimes
    named): overlapping candidates resolve as in `resolve`, the rest are kept, in the
    order of the text."""
    found = sorted((c for c in candidates(text, rules) if c.slot == slot),
                   key=lambda c: (-(c.end - c.start), -c.rule.priority, c.start))  # fmt: skip
    kept: list[Candidate] = []
    for c in found:
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)
