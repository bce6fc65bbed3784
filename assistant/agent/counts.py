"""How many instances, and how many accelerators, a question names: rules as data
(`assistant.agent.rules`) over the normalised text (number words already digits).

A number that is part of an instance's name ("g2-standard-4", "inf2.xlarge") is never a
count; a count right before an instance name counts instances, not the accelerator the
name happens to start with ("4 inf2.xlarge" is four instances).
"""

from __future__ import annotations

import re

from assistant.agent.rules import Rule, read

# Instance names of the three clouds, without capture groups (`extract` reads them too)
# not after a dot: "db.r6g.2xlarge" is a database instance, not an EC2 or SageMaker one
AWS = r"(?<!\.)(?:ml\.)?[a-z]{1,4}\d[a-z0-9-]*\.(?:\d*x?large|medium|small|metal)"
GCP = r"[a-z]\d[a-z]?-(?:standard|highgpu|ultragpu|megagpu|highmem|highcpu|edgegpu)-\d+g?"
AZURE = r"(?:standard_)?[a-z]{1,3}\d{1,3}[a-z-]*(?:_[a-z]+\d+[a-z]*)?_v\d"
INSTANCE = rf"(?:{AWS}|{GCP}|{AZURE})s?\b"
COUNT = r"(?<![\w.-])(\d+)\s*(?:x\s*|×\s*)?"  # a standalone number, "6x" too
NOUN = r"(?:instances?|nodes?|machines?|vms?|virtual machines?|replicas?|servers?|boxes)\b"
ACCELERATOR_WORDS = {
    "h200": "h200", "h100": "h100", "a100": "a100", "a10g": "a10g", "a10": "a10",
    "l40s": "l40s", "l4": "l4", "t4": "t4", "v100": "v100", "b200": "b200", "mi300x": "mi300x",
    "inferentia2": "inferentia2", "inferentia": "inferentia2", "inf2": "inferentia2",
    "trainium2": "trainium2", "trainium": "trainium", "trn1": "trainium",
}  # fmt: skip
ACCELERATOR = (r"(?:nvidia\s+)?(" + "|".join(sorted(ACCELERATOR_WORDS, key=len, reverse=True))
               + r")(?:\s*(?:80|40)\s*gb)?s?(?![\w.-])")  # fmt: skip


def _positive(m: re.Match[str], text: str) -> int | None:
    value = int(m.group(1))
    return value if value >= 1 else None


RULES: tuple[Rule, ...] = (
    Rule("instances.before_name", "instance_count", COUNT + INSTANCE, _positive, priority=2,
         examples=(("4 inf2.xlarge in oregon", 4), ("6x standard_nc16as_t4_v3 spot", 6),
                   ("8 g2-standard-4 at night", 8), ("2 standard_nd96isr_h100_v5", 2))),
    Rule("instances.before_noun", "instance_count",
         COUNT + r"(?:[a-z0-9._-]+\s+){0,2}" + NOUN, _positive, priority=1,
         examples=(("we run 2 d8s_v5 vms on aks", 2), ("3 replicas of ml.g5.xlarge", 3),
                   ("a fleet of 12 gpu nodes", 12))),
    Rule("instances.of_them", "instance_count",
         r"\b(?:need|want|run|use|get|make it|buy|add|with)\s+(\d+)\s+of\s+(?:them|those|these)\b",
         _positive, examples=(("we'd need 4 of them for ha", 4), ("make it 2 of them", 2))),
    Rule("accelerators.count", "accelerator_count", COUNT + ACCELERATOR, _positive,
         priority=1, examples=(("8 h100s", 8), ("4x a100 80gb", 4), ("2 nvidia l40s", 2))),
)  # fmt: skip


def counts(text: str) -> dict[str, tuple[int, str]]:
    """slot -> (the count, the words read) for `instance_count` and `accelerator_count`."""
    return {slot: (int(c.value), text[c.start : c.end]) for slot, c in read(text, RULES).items()}
