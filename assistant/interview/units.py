"""An answer cut into the units the grader matches against a rubric: its sentences (a
bullet line or a `;`-separated note counts as one), the clauses of a long sentence, and
the items of a list of terms. Prose, bullets and notes cut the same way, so the same
points are found in each.

    units("- serverless: scales to zero, so no idle cost\\n- async for big payloads")

Each unit says whether it relates its terms (a verb, a comparison, a purpose: a *claim*)
or only names something (a *term*, such as "multi-model endpoints" in a list), and
whether it gives a reason or a consequence (`cues.REASON`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.interview import cues
from assistant.text import split_sentences

MAX_SENTENCES = 60
CLAUSE_SPLIT_WORDS = 15
HEADING_WORDS = 6  # a line of at most this many words ending in ":" heads the lines below
LIST_ITEMS = 3  # a sentence of this many comma-separated items, none a claim, is a list
TERM_WORDS = 5  # a list item of at most this many words without a relation is a term
LIST_DENSITY = 0.14  # fewer relating words per word than this: words strung together
RUN_WORDS = 25  # a sentence this long with no punctuation inside and few relations is a run

_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_CLAUSE = re.compile(r",\s*(?:and|but|so|while|whereas)?\s*|\s+(?:and|but|while|whereas)\s+")
_ITEM = re.compile(r"\s*(?:,|\band\b|\bor\b|\+|/)\s*")
_PARENS = re.compile(r"\([^()]*\)")
# The shorthand of notes, read as the words it stands for before matching.
SHORTHAND: tuple[tuple[str, str], ...] = (
    (r"\bk8s\b", "kubernetes"),
    (r"\bw/o\b", "without"),
    (r"\bw/", "with "),
    (r"\bb/c\b", "because"),
    (r"\basync\b", "asynchronous"),
    (r"\binfra\b", "infrastructure"),
    (r"\bckpts?\b", "checkpoint"),
    (r"\bperf\b", "performance"),
    (r"\breqs?\b", "requests"),
    (r"\bmgd\b", "managed"),
    (r"\bself-mgd\b", "self-managed"),
    (r"\bdeps\b", "dependencies"),
    (r"\bconfig\b", "configuration"),
    (r"\bprod\b", "production"),
)


@dataclass(frozen=True)
class Unit:
    text: str
    sentence: int  # the index of the sentence it comes from
    claim: bool  # relates its terms; False: only names something
    reasoned: bool  # gives a reason or a consequence


def expand(text: str) -> str:
    for pattern, words in SHORTHAND:
        text = re.sub(pattern, words, text, flags=re.I)
    return text


def under_headings(answer: str) -> str:
    """The answer with each line under a short heading ("Managed (SageMaker):", "Cons:")
    read with that heading, so "+ no cluster ops" says whose advantage it is."""
    lines: list[str] = []
    heading = ""
    for line in answer.splitlines():
        bare = _BULLET.sub("", line).strip()
        if bare.endswith(":") and 0 < len(bare.split()) <= HEADING_WORDS:
            heading = bare
            continue
        if not bare:
            heading = ""
        lines.append(f"{heading} {bare}" if heading and bare else line)
    return "\n".join(lines)


def sentences(answer: str) -> list[str]:
    """The answer's sentences, bullet marks removed, each once (saying a sentence again
    adds nothing), at most `MAX_SENTENCES`."""
    seen: set[str] = set()
    out = []
    for part in split_sentences(under_headings(answer), notes=True):
        part = _BULLET.sub("", part).strip()
        key = " ".join(re.findall(r"\w+", part.lower()))
        if key and key not in seen:
            seen.add(key)
            out.append(part)
            if len(out) == MAX_SENTENCES:
                break
    return out


def _items(sentence: str) -> list[str]:
    """The comma-separated items of a sentence, keeping a parenthesis whole."""
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"\x00{len(held) - 1}\x00"

    masked = _PARENS.sub(hold, sentence)
    parts = [p.strip(" .;:") for p in _ITEM.split(masked)]
    restore = re.compile(r"\x00(\d+)\x00")
    return [restore.sub(lambda m: held[int(m.group(1))], p) for p in parts if p.strip(" .;:")]


def _words(text: str) -> int:
    return len(re.findall(r"[\w'/-]+", text))


def _is_term(item: str) -> bool:
    """A short item that relates nothing and recommends nothing only names a term."""
    bare = _PARENS.sub("", item)
    return _words(bare) <= TERM_WORDS and not cues.relations(bare) and not cues.is_action(bare)


def relation_density(answer: str) -> float:
    """Relating words and symbols per word: 0.15-0.45 in honest prose, bullets and notes;
    below 0.14 in words strung together."""
    text = expand(answer)
    return cues.relations(text) / max(1, _words(text))


def units(answer: str) -> list[Unit]:
    """The units of `answer`. An answer whose words barely relate to each other
    (`relation_density` below `LIST_DENSITY`) is read as a list throughout: its short
    items name terms, and a longer run of words without relations names nothing."""
    out: list[Unit] = []
    listed = relation_density(answer) < LIST_DENSITY
    for i, sentence in enumerate(sentences(answer)):
        text = expand(sentence)
        reasoned = cues.has_reason(text) or bool(_PARENS.search(text))
        items = _items(text)
        run = (_words(text) > RUN_WORDS and not re.search(r"[,;:()]|\s-+>?\s", text)
               and relation_density(text) < 2 * LIST_DENSITY)  # fmt: skip
        if listed or run or (len(items) >= LIST_ITEMS and all(_is_term(it) for it in items)):
            for item in items:
                if _words(_PARENS.sub("", item)) <= TERM_WORDS:
                    out.append(
                        Unit(
                            item, i, claim=cues.is_action(item), reasoned=bool(_PARENS.search(item))
                        )  # fmt: skip
                    )
            continue
        claim = not _is_term(text)
        out.append(Unit(text, i, claim=claim, reasoned=reasoned and claim))
        if _words(text) > CLAUSE_SPLIT_WORDS:
            for clause in _CLAUSE.split(text):
                if _words(clause) >= 3:
                    out.append(
                        Unit(
                            clause, i, claim=not _is_term(clause), reasoned=cues.has_reason(clause)
                        )  # fmt: skip
                    )
    return out
