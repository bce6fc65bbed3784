"""How many hours each instance runs in the month a question asks about, read from its
words: rules as data (`assistant.agent.rules`), each with the examples it must handle.
The text is already normalised (lower case, number words as digits). A figure above the
744 hours of the longest month is read as said: the tool then says what it accepts.
"""

from __future__ import annotations

import re

from assistant.agent.rules import Rule, collect, longest

HOURS_IN_MONTH = 730  # 24 x 365 / 12, the month the price tables use
DAYS_IN_MONTH = 30
WORKDAYS_IN_MONTH = 22
WEEKS_IN_MONTH = 52 / 12

N = r"(\d+(?:\.\d+)?)"
H = r"\s*-?\s*(?:gpu[- ]|instance[- ]|node[- ])?(?:hours?|hrs?|h)\b"
PER = r"\s*(?:a|per|/|each|every)\s*"
WEEKDAYS = re.compile(r"week ?days|business days|working days|week ?nights|"
                      r"mon(?:day)?\s*(?:-|to|through|thru|until|till)\s*fri(?:day)?|"
                      r"weekdays? only|on weekdays")  # fmt: skip
ALWAYS = (
    r"(?<!\w)(24\s*/\s*7|24x7|(?:a)?round the clock|all month|always[- ]on|"
    r"non-?stop|all the time|the whole time|continuously)\b"
)
# "3 days", "a full quarter", "3 and a half days", "the whole year": (count, half, unit)
PERIOD = (
    r"(?:(a|an|one|\d+(?:\.\d+)?)(\s+and\s+a\s+half)?\s*(?:(?:full|whole|entire)\s+)?|"
    r"(?<!of )the\s+(?:(?:whole|full|entire|coming|next)\s+|(?=(?:quarter|year|month)\b)))"
    r"(hour|day|week|fortnight|month|quarter|year)s?\b"
)
LASTING = r"\b(?:for|over|lasts?|lasting|takes?|during|of)\s+(?:about\s+|around\s+|roughly\s+|~)?"
UNIT_HOURS = {
    "hour": 1,
    "day": 24,
    "week": 168,
    "fortnight": 336,
    "month": HOURS_IN_MONTH,
    "quarter": 3 * HOURS_IN_MONTH,
    "year": 12 * HOURS_IN_MONTH,
}


def _hours(value: float) -> float:
    return round(value, 1)


def _count(word: str | None) -> float:
    return 1.0 if word in (None, "a", "an", "one") else float(word)


def _period(m: re.Match[str], first: int) -> float:
    """The hours of a PERIOD whose groups start at `first`: count (+ a half) x unit."""
    count = _count(m.group(first)) + (0.5 if m.group(first + 1) else 0.0)
    return _hours(count * UNIT_HOURS[m.group(first + 2)])


def _per_day(m: re.Match[str], text: str) -> float | None:
    days = WORKDAYS_IN_MONTH if WEEKDAYS.search(text) else DAYS_IN_MONTH
    return _hours(float(m.group(1)) * days)


def _clock_range(m: re.Match[str], text: str) -> float:
    """ "7pm to 7am": the hours between two clock times, each day (weekdays when said)."""

    def hour(value: str, half: str | None) -> int:
        h = int(value) % 12
        return h + 12 if half == "pm" else h

    end_half = m.group(4)
    start = hour(m.group(1), m.group(2) or (end_half if int(m.group(1)) < int(m.group(3))
                                            else None))  # fmt: skip
    span = (hour(m.group(3), end_half) - start) % 24 or 24
    days = WORKDAYS_IN_MONTH if WEEKDAYS.search(text) else DAYS_IN_MONTH
    return _hours(float(span * days))


RULES: tuple[Rule, ...] = (
    Rule("hours.always", "hours_per_month", ALWAYS,
         lambda m, t: float(HOURS_IN_MONTH), priority=3,
         examples=(("serving 24/7", 730.0), ("an always-on endpoint", 730.0),
                   ("running around the clock", 730.0))),
    Rule("hours.always_for_a_period", "hours_per_month",
         ALWAYS + r",?\s*(?:for|over)\s+" + PERIOD,
         lambda m, t: _period(m, 2), priority=3,
         examples=(("up around the clock for 2 weeks", 336.0), ("24/7 for a week", 168.0))),
    Rule("hours.a_period_always", "hours_per_month",
         LASTING + PERIOD + r",?\s*" + ALWAYS,
         lambda m, t: _period(m, 1), priority=3,
         examples=(("for 3 days, non-stop", 72.0), ("for a week, 24/7", 168.0),
                   ("it will last a fortnight, around the clock", 336.0))),
    Rule("hours.per_day", "hours_per_month", N + H + PER + r"(?:day|night)\b", _per_day,
         priority=1,
         examples=(("12 hours a day", 360.0), ("10 hours a day, weekdays only", 220.0),
                   ("4 h a night", 120.0), ("8h per day mon-fri", 176.0))),
    Rule("hours.per_weekday", "hours_per_month",
         N + H + r"\s*(?:a|per|each|every|on)\s*(?:weekday|business day|working day)s?\b",
         lambda m, t: _hours(float(m.group(1)) * WORKDAYS_IN_MONTH), priority=1,
         examples=(("6 hours every weekday", 132.0), ("3 hrs per working day", 66.0))),
    Rule("hours.per_day_days_a_week", "hours_per_month",
         N + H + PER + r"day,?\s*(\d)\s*days?" + PER + r"week\b",
         lambda m, t: _hours(float(m.group(1)) * float(m.group(2)) * WEEKS_IN_MONTH),
         priority=2, examples=(("10 hours a day, 5 days a week", 216.7),)),
    Rule("hours.days_a_week_per_day", "hours_per_month",
         r"\b(\d)\s*days?" + PER + r"week,?\s*(?:for\s+)?" + N + H + PER + r"day\b",
         lambda m, t: _hours(float(m.group(2)) * float(m.group(1)) * WEEKS_IN_MONTH),
         priority=2, examples=(("5 days a week, 10 hours a day", 216.7),)),
    Rule("hours.per_week", "hours_per_month", N + H + PER + r"week\b",
         lambda m, t: _hours(float(m.group(1)) * WEEKS_IN_MONTH), priority=1,
         examples=(("40 hours a week", 173.3),)),
    Rule("hours.per_month", "hours_per_month",
         N + H + r"\s*(?:each\s+)?(?:a|per|/|this|every|each)\s*month\b",
         lambda m, t: _hours(float(m.group(1))), priority=1,
         examples=(("200 hours a month", 200.0), ("around 200 hrs each this month", 200.0))),
    Rule("hours.per_night_for_nights", "hours_per_month",
         N + H + PER + r"night,?\s*(?:for\s+)?(\d+)\s*nights\b",
         lambda m, t: _hours(float(m.group(1)) * float(m.group(2))), priority=2,
         examples=(("~4h a night, 30 nights", 120.0), ("8 hours a night for 30 nights", 240.0))),
    Rule("hours.per_day_for_days", "hours_per_month",
         N + H + PER + r"day,?\s*(?:for\s+)?(\d+)\s*(?:week)?days\b",
         lambda m, t: _hours(float(m.group(1)) * float(m.group(2))), priority=2,
         examples=(("8 hours a day for 10 days", 80.0),)),
    Rule("hours.business", "hours_per_month", r"\b(?:business|office|working) hours\b",
         lambda m, t: float(10 * WORKDAYS_IN_MONTH),
         examples=(("only during business hours", 220.0),)),
    Rule("hours.nine_to_five", "hours_per_month",
         r"\b9\s*(?:am)?\s*(?:to|-|until|till)\s*5\s*(?:pm)?\b",
         lambda m, t: float(8 * WORKDAYS_IN_MONTH), priority=1,
         examples=(("up 9 to 5", 176.0), ("9am-5pm on weekdays", 176.0))),
    Rule("hours.clock_range", "hours_per_month",
         r"\b(\d{1,2})(?::00)?\s*(am|pm)?\s*(?:to|-|until|till)\s*(\d{1,2})(?::00)?\s*(am|pm)\b",
         _clock_range, priority=1,
         examples=(("7pm to 7am mon-fri", 264.0), ("monday to friday 8am to 6pm", 220.0),
                   ("from 6 to 10pm every day", 120.0))),
    Rule("hours.runs_a_month", "hours_per_month",
         r"\b(\d+)\s*x?\s*(\d+(?:\.\d+)?)\s*-?\s*(?:h|hrs?|hours?)\s*(?:runs?|jobs?|sessions?|"
         r"trainings?)\s*(?:a|per|each|every)\s*month\b",
         lambda m, t: _hours(float(m.group(1)) * float(m.group(2))), priority=2,
         examples=(("two 48h runs a month", 96.0), ("3 x 10-hour jobs per month", 30.0))),
    Rule("hours.days_straight", "hours_per_month",
         r"\b(a|an|one|\d+(?:\.\d+)?)\s*(day|week)s?\s+(?:straight|in a row|non-?stop|"
         r"flat out|back to back)\b",
         lambda m, t: _hours(_count(m.group(1)) * UNIT_HOURS[m.group(2)]), priority=2,
         examples=(("3 days straight", 72.0), ("a week flat out", 168.0))),
    Rule("hours.nights_only", "hours_per_month",
         r"\b(?:nights only|only at night|overnight only|only overnight)\b",
         lambda m, t: float(12 * DAYS_IN_MONTH),
         examples=(("it runs nights only", 360.0),)),
    Rule("hours.half_the_day", "hours_per_month", r"\bhalf (?:the|of the|a) day\b",
         lambda m, t: float(HOURS_IN_MONTH / 2),
         examples=(("busy half the day", 365.0),)),
    Rule("hours.n_hour_job", "hours_per_month",
         r"\b" + N + r"(?:\s*-\s*(?:hours?|hr|h)\b|\s+hour(?=\s+(?!(?:a|an|per|each|every|of|on|"
         r"in|at|for|and|or|to|x)\b)[a-z]))",
         lambda m, t: _hours(float(m.group(1))), priority=1,
         examples=(("a 72-hour run", 72.0), ("our 48-hr fine-tune", 48.0),
                   ("for a 36 hour fine-tune", 36.0))),
    Rule("hours.for_a_period", "hours_per_month",
         LASTING + PERIOD,
         lambda m, t: _period(m, 1), priority=1,
         examples=(("for a week", 168.0), ("for 2 weeks", 336.0), ("lasts a fortnight", 336.0),
                   ("over 3 days", 72.0), ("for 48 hours", 48.0), ("for 2 months", 1460.0),
                   ("for a full quarter", 2190.0), ("running for a whole year", 8760.0),
                   ("over the coming year", 8760.0), ("for 3 and a half days", 84.0),
                   ("for the quarter", 2190.0))),
    Rule("hours.a_period_of", "hours_per_month",
         r"\b(a|an|one|\d+(?:\.\d+)?)\s*(day|week|fortnight|month)s?\s+(?:of|long)\b",
         lambda m, t: _hours(_count(m.group(1)) * UNIT_HOURS[m.group(2)]), priority=1,
         examples=(("1 week of training", 168.0), ("a fortnight of pretraining", 336.0),
                   ("3 days of fine-tuning", 72.0))),
    Rule("hours.n_day_job", "hours_per_month",
         r"\b" + N + r"(\s+and\s+a\s+half)?\s*-\s*(day|week)\b",
         lambda m, t: _period(m, 1), priority=1,
         examples=(("a 2-day fine-tuning run", 48.0), ("the same 5-day run", 120.0),
                   ("a 3-week pretraining job", 504.0))),
    Rule("hours.days_plain", "hours_per_month",
         r"(?<!every )(?<!within )\b" + N + r"(\s+and\s+a\s+half)?\s*(day|week|fortnight)s?\b"
         r"(?!\s*(?:a|per|/|each|every|of the)\s+(?:week|month)\b|\s+(?:ago|later|earlier|"
         r"notice|retention|old|to|until|left|before)\b)",
         lambda m, t: _period(m, 1), priority=-1,
         examples=(("10 days on demand", 240.0), ("4 trn1.32xlarge, 3 days in n. virginia", 72.0),
                   ("planned: 3 and a half days on demand", 84.0))),
    Rule("hours.plain", "hours_per_month", N + H, lambda m, t: _hours(float(m.group(1))),
         priority=-1, examples=(("300 gpu hours", 300.0), ("48 hours", 48.0))),
)  # fmt: skip


# The rules that read a job of a set length rather than a recurring schedule: a one-off
# job is priced without engineer time to run a cluster (unless the question asks for it)
ONE_OFF = frozenset({"hours.always_for_a_period", "hours.a_period_always", "hours.n_hour_job",
                     "hours.days_straight", "hours.n_day_job", "hours.days_plain",
                     "hours.for_a_period", "hours.a_period_of", "hours.per_night_for_nights",
                     "hours.per_day_for_days"})  # fmt: skip


# The rules that read a rate (so much a day, a week, a month), not a period's total: a rate
# above 744 hours a month is impossible and is refused; a period longer than a month ("for a
# quarter", "a whole year") is priced as that many months around the clock.
RATES = frozenset({"hours.always", "hours.per_day", "hours.per_weekday",
                   "hours.per_day_days_a_week", "hours.days_a_week_per_day", "hours.per_week",
                   "hours.per_month", "hours.business", "hours.nine_to_five",
                   "hours.clock_range", "hours.runs_a_month", "hours.nights_only",
                   "hours.half_the_day"})  # fmt: skip
LONGEST_MONTH = 744


def months(hours: float, rule: str) -> float | None:
    """The months a period's total of `hours` spans, when it is longer than a month."""
    if rule in RATES or hours <= LONGEST_MONTH:
        return None
    return round(hours / HOURS_IN_MONTH, 2)


# The rules that read a stretch of calendar time a rate can run over ("8 hours a day ... for
# the quarter", "40 hours a week for the next month"), not a job's length in hours
SPANS = frozenset({"hours.for_a_period", "hours.a_period_of", "hours.days_plain",
                   "hours.n_day_job"})  # fmt: skip


def hours_per_month(text: str) -> tuple[float, str, str, float] | None:
    """(hours each month, the words read, the rule's id, months) for the normalised `text`,
    or None. A rate stated with a stretch of time runs over it: per month for a stretch of
    a month or more (months = its length), else the hours of the stretch it covers."""
    found = sorted(collect(text, RULES, "hours_per_month"), key=longest, reverse=True)
    if not found:
        return None
    rate = next((c for c in found if c.rule.id in RATES), None)
    span = next((c for c in found if c.rule.id in SPANS and float(c.value) >= 24), None)
    if rate is not None and span is not None and float(rate.value) <= LONGEST_MONTH:
        words = " ... ".join(
            text[c.start : c.end] for c in sorted((rate, span), key=lambda c: c.start)
        )
        length = float(span.value)
        if length >= HOURS_IN_MONTH:
            return float(rate.value), words, rate.rule.id, round(length / HOURS_IN_MONTH, 2)
        return _hours(float(rate.value) * length / HOURS_IN_MONTH), words, span.rule.id, 1.0
    best = found[0]
    hours = float(best.value)
    spans = months(hours, best.rule.id)
    if spans:
        return float(HOURS_IN_MONTH), text[best.start : best.end], best.rule.id, spans
    return hours, text[best.start : best.end], best.rule.id, 1.0
