"""The team a question describes: how many engineers ("three ML people", "2 of us", "me + 1
postdoc"), how many models in production, and how soon it must ship. Rules as data over the
normalised text (number words already digits).
"""

from __future__ import annotations

import re

from assistant.agent.rules import Rule, const, read, readings

# Words that may stand between a count and the people it counts ("8 platform and ML
# engineers", "12 ML/platform engineers"): only these, so "3 models and 2 engineers" is 2
QUALIFIER = (r"(?:ml|machine|learning|data|platform|mlops|devops|software|infra|"
             r"infrastructure|backend|cloud|research|ai|senior|junior|full[- ]time|sre|and|"
             r"&|/|ml/platform|platform/ml|ml/ops|\+)")  # fmt: skip
PEOPLE = (rf"(?:{QUALIFIER}\s*)*(?:engineers?|engs?|people|persons?|devs?|developers?|"
          r"scientists?|members?|folks|heads|fte|researchers?|postdocs?)\b")  # fmt: skip
# What a bare "we are 5" must not be followed by to count people
_NOT_PEOPLE = (r"(?!\s*(?:models?|gb|tb|b\b|instances?|nodes?|gpus?|tpus?|hours?|h\b|ms|"
               r"seconds?|s\b|%|k\b|m\b|days?|weeks?|months?|years?|requests?|endpoints?|"
               r"x\b))")  # fmt: skip


def _count(m: re.Match[str], text: str) -> int | None:
    value = int(m.group(1))
    return value if 1 <= value <= 100_000 else None


def _me_plus(m: re.Match[str], text: str) -> int:
    return int(m.group(1)) + 1


def _models(m: re.Match[str], text: str) -> int | None:
    # "a 7B model", "a 13-billion-parameter model" are sizes, not counts
    if re.search(r"\d\s*b\s*$", text[max(0, m.start() - 3) : m.start()]):
        return None
    return int(m.group(1))


_SHIP = r"(?:launch|ship|live|deliver|production|deadline|go[- ]live|release|ready|market)"
_WITHIN = r"(?:in|within|by|next)\s+(\d+(?:\.\d+)?)\s*(day|week|month|quarter|year)s?"

RULES: tuple[Rule, ...] = (
    Rule("team.me_plus", "team_size",
         r"\b(?:me|myself) (?:\+|and|plus) (\d+)\s*(?:other\s+)?" + PEOPLE, _me_plus,
         priority=3, examples=(("me + 1 postdoc", 2), ("myself and 2 other engineers", 3))),
    Rule("team.count_people", "team_size", r"\b(\d+)\s*(?:full[- ]time\s+)?" + PEOPLE, _count,
         priority=2,
         examples=(("3 ml people", 3), ("8 platform and ml engineers", 8),
                   ("2 data scientists", 2))),
    Rule("team.of_us", "team_size", r"\b(?:the\s+)?(\d+) of us\b|\bwe have (\d+) of them\b",
         lambda m, t: int(m.group(1) or m.group(2)), priority=2,
         examples=(("the 2 of us", 2), ("just 4 of us", 4))),
    Rule("team.team_of", "team_size",
         r"\bteam (?:of|with) (\d+)\b|\b(\d+)\s*(?:person|people|man|member)s?\s+"
         r"(?:ml |data |platform )?team|\bteam (?:size|is|has)\s*(?:is|of|=|:)?\s*(\d+)\b",
         lambda m, t: int(m.group(1) or m.group(2) or m.group(3)), priority=1,
         examples=(("a team of 6", 6), ("a 5 person ml team", 5), ("team size: 7", 7))),
    Rule("team.we_are", "team_size",
         r"\b(?:we are|we're|we were|there are|there were|we'd be|we had|with) (\d+)\b"
         + _NOT_PEOPLE, _count,
         examples=(("we're 12", 12), ("what if we were 15?", 15))),
    Rule("models.count", "ml_models",
         r"\b(\d+)\+?\s*(?:ml |production |deployed |different |separate |small |large |live |"
         r"(?:\w+ )?ml )?models?\b(?!\s*(?:size|parameters|params))", _models, priority=1,
         examples=(("20 models in production", 20), ("about 40 small models", 40))),
    Rule("models.field", "ml_models", r"\bmodels?\s*(?:count)?\s*(?:=|:|of)\s*(\d+)\b",
         lambda m, t: int(m.group(1)), examples=(("models: 12", 12),)),
    Rule("ship.urgent", "time_to_market",
         r"\b(?:asap|as soon as possible|urgent(?:ly)?|right away|immediately|yesterday|"
         r"tight deadline|hard deadline|in a hurry|hurry|rush(?:ed)?|next (?:week|month|sprint)|"
         r"this (?:week|month|quarter)|quickly|fast as)\b", const("urgent"),
         examples=(("we need it asap", "urgent"), ("a hard deadline", "urgent"))),
    Rule("ship.flexible", "time_to_market",
         r"\b(?:no rush|no hurry|not in a hurry|not in a rush|in no (?:rush|hurry)|no deadline|"
         r"flexible|long[- ]term|take our time|next year|no time pressure|plenty of time)\b",
         const("flexible"), priority=1,
         examples=(("no rush on this", "flexible"), ("we're not in a hurry", "flexible"))),
    Rule("ship.within", "time_to_market",
         r"\b" + _SHIP + r"\w*[^.?!]{0,30}?\b" + _WITHIN + r"|\b(?:in|within)\s+(\d+(?:\.\d+)?)"
         r"\s*(day|week|month|quarter|year)s?[^.?!]{0,30}?\b(?:launch|ship|live|deliver|"
         r"production|deadline|release)",
         lambda m, t: _months_of(m), priority=1,
         examples=(("launch in 6 weeks", "urgent"), ("go live within 8 months", "normal"),
                   ("in 2 years we ship", "flexible"))),
)  # fmt: skip


def _months_of(m: re.Match[str]) -> str:
    groups = [g for g in m.groups() if g is not None]
    unit = {"day": 1 / 30, "week": 7 / 30, "month": 1, "quarter": 3, "year": 12}
    months = float(groups[0]) * unit[groups[1]]
    return "urgent" if months <= 3 else "normal" if months < 12 else "flexible"


def team(text: str) -> dict[str, tuple[object, str]]:
    """slot -> (value, the words read) for `team_size`, `ml_models`, `time_to_market`."""
    return readings(text, read(text, RULES))
