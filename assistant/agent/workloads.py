"""What kind of workload a question describes and how it is bought: training or inference,
the serving mode, batch or real-time latency, the framework and model family, custom
kernels, spot or on-demand, a savings plan or a commitment, and the request volume and
duration of a serverless endpoint. Rules as data over the normalised text.
"""

from __future__ import annotations

import re

from assistant.agent.durations import DAYS_IN_MONTH, HOURS_IN_MONTH
from assistant.agent.rules import Candidate, Rule, by_priority, const, longest, read, readings

_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "bn": 1e9,
          "billion": 1e9}  # fmt: skip
_PER_MONTH = {
    None: 1, "month": 1, "week": 52 / 12, "day": DAYS_IN_MONTH, "hour": HOURS_IN_MONTH,
    "minute": HOURS_IN_MONTH * 60, "min": HOURS_IN_MONTH * 60, "second": HOURS_IN_MONTH * 3600,
    "sec": HOURS_IN_MONTH * 3600, "s": HOURS_IN_MONTH * 3600,
}  # fmt: skip
FRAMEWORKS = {"pytorch": "pytorch", "torch": "pytorch", "jax": "jax", "flax": "jax",
              "tensorflow": "tensorflow", "tf": "tensorflow", "keras": "tensorflow",
              "xgboost": "other", "sklearn": "other", "scikit": "other",
              "scikit-learn": "other", "lightgbm": "other"}  # fmt: skip


def _number(digits: str, suffix: str | None) -> float:
    return float(digits.replace(",", "")) * _SCALE.get((suffix or "").lower(), 1)


def _requests(m: re.Match[str], text: str) -> int:
    return int(round(_number(m.group(1), m.group(2)) * _PER_MONTH[m.group(3)]))


def _duration_ms(m: re.Match[str], text: str) -> float:
    return float(m.group(1)) * (1 if m.group(2).startswith("m") else 1000)


def _commitment(m: re.Match[str], text: str) -> str:
    kind = "savings-plan" if m.group(1).startswith("saving") else "committed"
    term = re.search(r"\b(1|3)[- ]?(?:years?|yrs?)\b", text)
    return f"{kind}-{'3y' if term and term.group(1) == '3' else '1y'}"


_COMMITTED = (
    r"(?:commitments?|savings? plans?|reserved instances?|reservations?|ris?|cuds?|"
    r"committed[- ]use(?: discounts?)?)\b"
)

RULES: tuple[Rule, ...] = (
    Rule("workload.training", "workload",
         r"\b(?:train(?:ing|s)?|fine[- ]?tun(?:e|es|ing)|pre-?train(?:ing)?|retrain(?:ing|s)?)\b",
         const("training"),
         examples=(("fine-tuning llama", "training"), ("a nightly retrain", "training"))),
    Rule("workload.inference", "workload",
         r"\b(?:inference|serv(?:e|ing)|endpoints?|predictions?|deploy(?:ing|ment)?|hosting)\b",
         const("inference"),
         examples=(("a real-time endpoint", "inference"), ("serving bert", "inference"))),
    Rule("mode.serverless", "mode", r"\bserverless\b", const("serverless"), priority=4,
         examples=(("serverless inference", "serverless"),)),
    Rule("mode.async", "mode", r"\basync(?:hronous)?\b", const("async"), priority=3,
         examples=(("an async endpoint", "async"),)),
    Rule("mode.multi_model", "mode", r"\bmulti[- ]?model\b|\bmme\b", const("multi_model"),
         priority=2, examples=(("a multi-model endpoint", "multi_model"),)),
    Rule("mode.batch", "mode",
         r"\bbatch (?:transform|inference|scoring|predictions?|jobs?)\b|\boffline scoring\b",
         const("batch"), priority=1,
         examples=(("batch transform nightly", "batch"), ("offline scoring", "batch"))),
    Rule("mode.realtime", "mode",
         r"\breal[- ]?time\b|\bonline (?:inference|serving)\b|\blow[- ]latency\b",
         const("realtime"), examples=(("real-time inference", "realtime"),)),
    Rule("latency.realtime", "latency",
         r"\b(?:real[- ]?time|low[- ]latency|online|interactive|latency[- ]sensitive|chatbot|"
         r"user[- ]facing)\b", const("realtime"), priority=1,
         examples=(("a user-facing chatbot", "realtime"), ("low-latency", "realtime"))),
    Rule("latency.batch", "latency", r"\b(?:batch|offline|overnight|nightly)\b",
         const("batch"), examples=(("scored nightly", "batch"), ("offline jobs", "batch"))),
    Rule("framework.named", "framework",
         r"\b(" + "|".join(sorted(map(re.escape, FRAMEWORKS), key=len, reverse=True)) + r")\b",
         lambda m, t: FRAMEWORKS[m.group(1)],
         examples=(("in pytorch", "pytorch"), ("maxtext (jax)", "jax"), ("keras", "tensorflow"),
                   ("an xgboost model", "other"))),
    Rule("model.recsys", "model_type",
         r"\b(?:recommend\w*|recsys|embedding tables?|ranking model|ctr model|dlrm)\b",
         const("recsys"), priority=2,
         examples=(("a recommender with big embedding tables", "recsys"),)),
    Rule("model.cnn", "model_type",
         r"\b(?:cnn|convolution\w*|resnet\w*|vision model|image (?:classification|model)|"
         r"efficientnet|yolo\w*|object detection|u-?net)\b", const("cnn"), priority=1,
         examples=(("a resnet-50 classifier", "cnn"), ("a detection cnn", "cnn"))),
    Rule("model.transformer", "model_type",
         r"\b(?:transformers?|llms?|language models?|bert|gpt\w*|llama\w*|t5|mistral|mixtral|"
         r"gemma|qwen\w*|deepseek\w*|attention|vit|diffusion|whisper)\b",
         const("transformer"),
         examples=(("llama 3 70b", "transformer"), ("a whisper model", "transformer"))),
    Rule("ops.custom", "custom_ops",
         r"\b(?:custom (?:cuda )?(?:ops|operations|operators|kernels?|layers)|cuda kernels?|"
         r"triton kernels?|hand-written (?:cuda )?kernels?|own (?:cuda )?kernels)\b",
         const(True),
         examples=(("hand-written cuda kernels", True), ("our own kernels", True))),
    Rule("spot.no", "spot",
         r"\b(?:no|without|not|avoid|instead of)\s+(?:using\s+)?(?:spot|preemptible)",
         const(False), priority=2,
         examples=(("no spot please", False), ("without preemptible vms", False))),
    Rule("spot.yes", "spot",
         r"\b(?:spot|preemptible|pre-emptible|interruptible|managed spot|low[- ]priority)\b",
         const(True), priority=1,
         examples=(("on spot", True), ("preemptible nodes", True), ("low-priority vms", True))),
    Rule("spot.on_demand", "spot", r"\bon[- ]?demand\b", const(False),
         examples=(("plain on-demand", False), ("ondemand total pls", False))),
    Rule("purchase.commitment", "purchase",
         r"\b(savings? plans?|reserved instances?|reservations?|reserved|ri|committed[- ]use"
         r"(?: discounts?)?|cuds?|[13][- ]?years? commitments?)\b", _commitment,
         examples=(("a 3-year savings plan", "savings-plan-3y"),
                   ("1 year committed use discount", "committed-1y"),
                   ("reserved instances", "committed-1y"))),
    Rule("purchase.none", "purchase",
         r"\b(?:no|without|not (?:using|on|with)|skip(?:ping)?|rather than)\s+(?:any\s+|a\s+)?"
         + _COMMITTED + r"(?:\s+(?:or|nor|and)\s+(?:any\s+|a\s+)?" + _COMMITTED + r")?",
         const("none"), priority=1,
         examples=(("on demand, with no reservations or savings plans applied", "none"),
                   ("without a savings plan", "none"), ("no ri or cud", "none"))),
    Rule("requests.volume", "requests_per_month",
         r"(\d+(?:[.,]\d+)*)\s*(k|m|million|thousand)?\s*(?:requests?|calls?|predictions?|"
         r"invocations?|inferences?|queries)\s*(?:a|per|/|each|every)?\s*(second|sec|s|minute|"
         r"min|hour|day|week|month)?\b", _requests,
         examples=(("2 million requests a month", 2_000_000), ("50 requests per second",
                                                                131_400_000),
                   ("300k calls a day", 9_000_000))),
    Rule("duration.per_request", "avg_duration_ms",
         r"(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|sec|seconds?)\b\s*(?:(?:per|a|each|of)?\s*"
         r"(?:request|call|inference|prediction|invocation|latency)|each)", _duration_ms,
         priority=1, examples=(("200 ms per request", 200.0), ("1.5 s each", 1500.0))),
    Rule("duration.takes", "avg_duration_ms",
         r"(?:takes?|latency of|duration of|runs? for)\s*(?:about|around|~)?\s*(\d+(?:\.\d+)?)"
         r"\s*(ms|milliseconds?|s|sec|seconds?)\b", lambda m, t: _duration_ms(m, t),
         examples=(("each one takes about 300 ms", 300.0),)),
    Rule("memory.endpoint", "memory_gb", r"(\d+(?:\.\d+)?)\s*gb\s*(?:of\s*)?(?:memory|ram)\b",
         lambda m, t: float(m.group(1)), examples=(("4 gb memory", 4.0), ("2gb of ram", 2.0))),
)  # fmt: skip


# How a slot's overlapping readings resolve, where the longest phrase is not the best
# reading: the one named first (the workload, the framework), or the rule of the highest
# priority anywhere in the text (serverless over real-time, "no spot" over "spot").
FIRST = frozenset({"workload", "framework"})
BY_PRIORITY = frozenset({"mode", "latency", "spot", "model_type"})


def _key(c: Candidate) -> tuple[int, ...]:
    if c.slot in FIRST:
        return (-c.start,)
    return by_priority(c) if c.slot in BY_PRIORITY else longest(c)


def read_workloads(text: str) -> dict[str, Candidate]:
    """slot -> the winning candidate, each slot resolved by its own policy (`_key`)."""
    return read(text, RULES, _key)


def workloads(text: str) -> dict[str, tuple[object, str]]:
    """slot -> (value, the words read) for each workload slot the text states."""
    return readings(text, read_workloads(text))
