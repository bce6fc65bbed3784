"""The things a question names that have a price: an instance type of any of the three
clouds, an accelerator by its name, a region by its code, a place in words. Rules as data
over the normalised text; the patterns of instance names and accelerators are shared with
`counts`, and the places with the tools (`assistant.tools.regions`).

An instance type wins over the accelerator its name starts with ("inf2.xlarge" is an
instance); a region code is the first named; a place is the last named (a move names its
target last: "no longer London ... Stockholm instead").
"""

from __future__ import annotations

import re

from assistant.agent import counts
from assistant.agent.rules import Candidate, Rule, read, readings
from assistant.tools.regions import AZURE_REGIONS, PLACE_REGIONS

AWS_REGION_CODE = (r"(?:us|eu|ap|sa|ca|me|af|il|mx)-(?:north|south|east|west|central|northeast|"
                   r"southeast|northwest|southwest)-\d")  # fmt: skip
GCP_REGION_CODE = (r"(?:us|europe|asia|australia|northamerica|southamerica|me|africa)-"
                   r"(?:north|south|east|west|central|northeast|southeast|northwest|"
                   r"southwest)\d{1,2}")  # fmt: skip


def _group(m: re.Match[str], text: str) -> str:
    return m.group(1)


# Cloud TPU generations as the price list names their slices ("tpu-v5litepod-8"); a v5e or
# v6e slice is named by its chips, a v2-v5p slice by its TensorCores (two a chip)
TPU_GENERATIONS = {"v2": "v2", "v3": "v3", "v4": "v4", "v5p": "v5p", "v5e": "v5litepod",
                   "v5litepod": "v5litepod", "v6e": "v6e", "trillium": "v6e"}  # fmt: skip
_TPU = r"(v2|v3|v4|v5p|v5e|v5litepod|v6e|trillium)"


def _tpu_named(m: re.Match[str], text: str) -> str:
    return f"tpu-{TPU_GENERATIONS[m.group(1)]}-{m.group(2)}"


def _tpu_chips(m: re.Match[str], text: str) -> str:
    gen = TPU_GENERATIONS[m.group(1) or m.group(4)]
    chips = int(m.group(2) or m.group(3))
    return f"tpu-{gen}-{chips if gen in ('v5litepod', 'v6e') else 2 * chips}"


RULES: tuple[Rule, ...] = (
    Rule("instance.aws", "instance_type", rf"\b({counts.AWS})s?\b", _group, priority=3,
         examples=(("an ml.g5.2xlarge endpoint", "ml.g5.2xlarge"),
                   ("4 inf2.xlarge in oregon", "inf2.xlarge"),
                   ("trn1n.32xlarge for a week", "trn1n.32xlarge"))),
    Rule("instance.gcp", "instance_type", rf"\b({counts.GCP})s?\b", _group, priority=2,
         examples=(("an a2-highgpu-1g", "a2-highgpu-1g"), ("two g2-standard-24s", "g2-standard-24"),
                   ("g2-standard-8 nodes", "g2-standard-8"))),
    Rule("instance.tpu_slice", "instance_type", r"\b(?:tpu[- ]?)?" + _TPU + r"-(\d+)\b",
         _tpu_named, priority=2,
         examples=(("a v5e-8 tpu slice", "tpu-v5litepod-8"),
                   ("a v5p-128 for 5 days", "tpu-v5p-128"),
                   ("tpu v4-32", "tpu-v4-32"), ("v5litepod-8", "tpu-v5litepod-8"))),
    Rule("instance.tpu_chips", "instance_type",
         r"\b(?:tpu\s+)?" + _TPU + r"\s+(?:tpu\s+)?(?:slice|pod)\s+(?:with|of)\s+(\d+)\s+chips?\b|"
         r"\b(?:(\d+)\s*x?\s*)" + _TPU + r"\s+(?:tpu\s+)?chips?\b",
         _tpu_chips, priority=2,
         examples=(("a v5e slice with 8 chips", "tpu-v5litepod-8"),
                   ("a v5p pod of 64 chips", "tpu-v5p-128"), ("16 v6e chips", "tpu-v6e-16"))),
    Rule("instance.azure", "instance_type", rf"\b({counts.AZURE})s?\b", _group, priority=1,
         examples=(("a standard_nc24ads_a100_v4", "standard_nc24ads_a100_v4"),
                   ("two nd96isr_h100_v5", "nd96isr_h100_v5"))),
    Rule("accelerator.named", "accelerator", r"(?<![\w.-])" + counts.ACCELERATOR,
         lambda m, t: counts.ACCELERATOR_WORDS[m.group(1)],
         examples=(("8 h100s", "h100"), ("an nvidia l40s", "l40s"), ("two a100 80gb", "a100"))),
    Rule("region.code", "region", rf"\b({AWS_REGION_CODE}|{GCP_REGION_CODE})\b", _group,
         priority=1,
         examples=(("in eu-central-1", "eu-central-1"), ("europe-west4 please", "europe-west4"))),
    Rule("region.azure", "region",
         r"\b(" + "|".join(sorted(AZURE_REGIONS, key=len, reverse=True)) + r")\b", _group,
         examples=(("in westeurope", "westeurope"), ("australiaeast", "australiaeast"))),
    Rule("place.named", "place",
         r"(?<![\w-])(" + "|".join(re.escape(n) for n in sorted(PLACE_REGIONS, key=len,
                                                                 reverse=True)) + r")(?![\w-])",
         _group, examples=(("in frankfurt", "frankfurt"), ("out of tokyo", "tokyo"))),
)  # fmt: skip

# How each slot resolves: an instance or region by its cloud's rule (AWS, then Google,
# then Azure), then the first named; the accelerator first named; the place last named.


def _key(c: Candidate) -> tuple[int, int]:
    if c.slot == "place":
        return (c.start, 0)
    if c.slot == "accelerator":
        return (-c.start, 0)
    return (c.rule.priority, -c.start)


def read_names(text: str) -> dict[str, Candidate]:
    """slot -> the winning candidate, each slot by its own policy (`_key`)."""
    return read(text, RULES, _key)


def names(text: str) -> dict[str, tuple[object, str]]:
    """slot -> (value, the words read)."""
    return readings(text, read_names(text))
