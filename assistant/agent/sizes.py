"""A model's size and precision, read from the question: a size in words or digits
("70B", "a 13-billion-parameter model", "350M params"), a model named without one ("BERT-base",
"Mixtral 8x7B", "Whisper large-v3") from the parameter counts their model cards state, and
the precision ("bf16", "4-bit AWQ", "int8"). Rules as data over the normalised text.
"""

from __future__ import annotations

import re

from assistant.agent.rules import Rule, read, readings

# Parameter counts (billions) from each model's card or paper, for names that carry none
MODEL_SIZES: dict[str, float] = {
    "distilbert": 0.066, "bert-base": 0.11, "bert base": 0.11, "bert-large": 0.34,
    "bert large": 0.34, "roberta-base": 0.125, "roberta-large": 0.355, "t5-small": 0.06,
    "t5-base": 0.22, "t5-large": 0.77, "t5-3b": 3.0, "t5-11b": 11.0, "gpt-2": 0.124,
    "gpt2": 0.124, "gpt-2 xl": 1.5, "gpt2-xl": 1.5, "mixtral 8x7b": 46.7,
    "mixtral-8x7b": 46.7, "mixtral 8x22b": 141.0, "mixtral-8x22b": 141.0,
    "whisper large": 1.55, "whisper-large": 1.55, "whisper medium": 0.769,
    "whisper small": 0.244, "resnet-50": 0.0256, "resnet50": 0.0256, "resnet-101": 0.0445,
    "vit-base": 0.086, "vit-large": 0.307, "sdxl": 2.6, "stable diffusion xl": 2.6,
    "deepseek-v3": 671.0, "deepseek v3": 671.0, "deepseek-r1": 671.0, "clip vit-l": 0.428,
}  # fmt: skip
_SIZE_UNITS = {"b": 1.0, "bn": 1.0, "billion": 1.0, "m": 0.001, "million": 0.001,
               "t": 1000.0, "trillion": 1000.0}  # fmt: skip
PRECISIONS = {
    "fp32": "fp32", "float32": "fp32", "full precision": "fp32", "bf16": "bf16",
    "bfloat16": "bf16", "fp16": "fp16", "float16": "fp16", "half precision": "fp16",
    "int8": "int8", "8-bit": "int8", "8 bit": "int8", "8bit": "int8", "fp8": "int8",
    "int4": "int4", "4-bit": "int4", "4 bit": "int4", "4bit": "int4", "awq": "int4",
    "gptq": "int4", "nf4": "int4", "q4": "int4", "qlora": "int4",
}  # fmt: skip


def _size(m: re.Match[str], text: str) -> float | None:
    value, unit, named = float(m.group(1)), m.group(2), bool(m.group(3))
    tail = text[m.end() : m.end() + 12]
    named = named or bool(re.match(r"[- ]?(?:param|model|llm|transformer|dense|moe)", tail))
    if unit in ("b", "bn", "billion"):
        return value
    if named:  # "350m" or "2t" alone are not sizes ("2t tokens", "$5m")
        return round(value * _SIZE_UNITS[unit], 6)  # 350 x 0.001 is 0.35, not 0.35000000000000003
    return None


def _named(m: re.Match[str], text: str) -> float:
    return MODEL_SIZES[m.group(1)]


def _precision(m: re.Match[str], text: str) -> str:
    return PRECISIONS[m.group(1)]


RULES: tuple[Rule, ...] = (
    Rule("size.number", "params_billion",
         r"(\d+(?:\.\d+)?)\s*(b|bn|billion|m|million|t|trillion)\b[- ]?(param(?:eter)?s?)?",
         _size, priority=2,
         examples=(("llama 3 70b", 70.0), ("a 13 billion parameter model", 13.0),
                   ("a 350m-param encoder", 0.35), ("mistral 7b in 4-bit awq", 7.0))),
    Rule("size.model_name", "params_billion",
         r"\b(" + "|".join(map(re.escape, sorted(MODEL_SIZES, key=len, reverse=True))) + r")\b",
         _named, priority=1,
         examples=(("serving bert-base for intent", 0.11), ("whisper large-v3 offline", 1.55),
                   ("can mixtral 8x7b fit", 46.7))),
    Rule("precision.named", "precision",
         r"\b(" + "|".join(map(re.escape, sorted(PRECISIONS, key=len, reverse=True))) + r")\b",
         _precision,
         examples=(("in bf16", "bf16"), ("4-bit awq", "int4"), ("int8 quantized", "int8"),
                   ("qlora on a 32b model", "int4"))),
)  # fmt: skip


def sizes(text: str) -> dict[str, tuple[object, str]]:
    """slot -> (value, the words read) for `params_billion` and `precision`."""
    return readings(text, read(text, RULES))
