"""The package's one sentence splitter and one citation-marker pattern.

    split_sentences("SageMaker bills per hour [1]. Vertex too.")  # two sentences
    split_sentences("serverless; cold starts. batch transform", notes=True)  # three
    MARKER.findall("as [1] and [2] say")                          # ["1", "2"]

A sentence ends at `.`, `!` or `?` (with the `[n]` markers that follow it) before white
space and a capital, a digit, a quote, a bracket, `*` or `$`; a line break ends one too.
A period of a common abbreviation ("e.g.", "vs.") ends nothing. Notes mode, for the
terse answers candidates type, also ends one at `;` and before a lower-case word.
"""

from __future__ import annotations

import re

MARKER = re.compile(r"\[(\d+)\]")  # a citation: the number of the source it cites
_MARKERS = r"(?:\s*\[\d+\])*"
# (a `[n]` marker never starts a sentence: it belongs to the one before it)
_CUT = re.compile(r"[.!?]" + _MARKERS + r"\s+(?=[A-Z0-9(\"'`*$]|\[(?!\d+\]))")
_CUT_NOTES = re.compile(r"[.!?;]" + _MARKERS + r"\s+(?!\[\d+\])")
ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "approx.", "U.S.", "Inc.", "No.", "cf.")


def strip_markers(text: str) -> str:
    """The text without its `[n]` markers (and the space before each)."""
    return re.sub(r"\s*\[\d+\]", "", text)


def _cuts(line: str, notes: bool) -> list[int]:
    out = []
    for m in (_CUT_NOTES if notes else _CUT).finditer(line):
        if not line[: m.start() + 1].endswith(ABBREVIATIONS):
            out.append(m.end())
    return out


def split_sentences(text: str, *, notes: bool = False, keep_space: bool = False) -> list[str]:
    """The sentences of `text` in order. With `keep_space` every piece keeps the space
    and line break after it, so the pieces joined are `text` (for streaming); otherwise
    each is stripped and empty ones are dropped."""
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        start = 0
        for end in _cuts(line, notes):
            pieces.append(line[start:end])
            start = end
        pieces.append(line[start:])
    if keep_space:
        return [p for p in pieces if p]
    return [p.strip() for p in pieces if p.strip()]
