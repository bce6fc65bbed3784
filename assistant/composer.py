"""The offline composer: a direct, cited answer built from retrieved passages.

It picks the sentences of the top passages that best answer the question (cosine similarity
to the question plus the share of the question's words they contain), leaving out any
below the relevance floor or refused by the contradiction check, and drops near
duplicates. They read as paragraphs, one per section under its name: the best-matching
section first, each in the order its section states them, none opening on a dangling
connective. Every sentence carries the `[n]` of the chunk it was taken from, verbatim, so
each claim is traceable; `citations` list exactly the chunks cited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.embeddings import Embedder
from assistant.models import Chunk, Citation, RetrievedChunk
from assistant.retrieval import tokenize
from assistant.text import split_sentences

if TYPE_CHECKING:
    import numpy as np

MAX_SENTENCES = 7
MIN_SENTENCES = 3  # filled from sentences scoring at least FLOOR_RATIO of the best one
FLOOR_RATIO = 0.5
MIN_WORDS = 4
LEXICAL_WEIGHT = 0.2  # weight of the question-word share next to cosine similarity
KEEP_RATIO = 0.8  # extra sentences must score at least this share of the best one
# A passage's best sentence joins the answer when it scores this share of the best one and
# its passage is nearly as relevant as the top passage (cosine within the margin).
CHUNK_KEEP_RATIO = 0.6
CHUNK_DENSE_MARGIN = 0.12
DUPLICATE_COSINE = 0.9

_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


@dataclass
class Sentence:
    text: str
    chunk_index: int  # position in the retrieved list
    order: int  # position inside its chunk
    score: float = 0.0
    cosine: float = 0.0


def sentences_of(text: str) -> list[str]:
    """Prose sentences of a markdown passage: headings, tables and code are left out;
    list items and wrapped paragraph lines become sentences."""
    paragraphs: list[str] = []
    current: list[str] = []
    in_code = False

    def flush() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for raw in text.split("\n"):
        line = raw.strip()
        if line.startswith("```") or line.startswith("~~~"):
            in_code = not in_code
            flush()
            continue
        if in_code or not line or line.startswith("#") or line.startswith("|"):
            flush()
            continue
        if _LIST_MARKER.match(line):
            flush()
            line = _LIST_MARKER.sub("", line)
        current.append(line)
    flush()
    out: list[str] = []
    for para in paragraphs:
        merged = split_sentences(para)
        out.extend(p.strip() for p in merged if len(p.split()) >= MIN_WORDS)
    return out


def _section(heading: str) -> str:
    last = heading.split(" > ")[-1].strip()
    return f"{last}: " if last else ""


def contexts_of(chunk: Chunk) -> list[str]:
    """Each sentence of a passage as it is judged against a question: with its section's
    name in front ("Other levers: Right-sizing the instance type..." says what the bare
    sentence leaves implicit). Ingest embeds these once (`assistant.sentence_store`)."""
    section = _section(chunk.heading)
    return [section + s for s in sentences_of(chunk.text)]


def _short_heading(heading: str) -> str:
    parts = [p for p in heading.split(" > ") if p]
    return " > ".join(parts[-2:]) if parts else heading


class Composition:
    """The text and citations of an answer."""

    def __init__(self, text: str, citations: list[Citation], used: dict[str, list[str]]):
        self.text = text
        self.citations = citations
        self.used_sentences = used  # chunk id -> sentences quoted from it


# A paragraph does not open on a sentence that leans on one before it.
DANGLING = re.compile(
    r"^(?:therefore|thus|hence|so|as a result|however|but|also|and|then|in that case|"
    r"in this case|because of this|for that reason|otherwise|instead|even so|that is why|"
    r"this is why)\b"
    r"|^(?:this|that|these|those|it|they)\s+(?:is|are|was|were|means|mean|makes|lets|gives|"
    r"keeps|needs|requires|also|can|does|will|would|should|saves|costs)\b",
    re.IGNORECASE,
)


def compose(
    question: str,
    query_vector: np.ndarray,
    retrieved: list[RetrievedChunk],
    embedder: Embedder,
    max_sentences: int | None = None,
    floor: float | None = None,
    keep: Callable[[str], bool] | None = None,
) -> Composition:
    """The guidance as a paragraph: the best-matching section's sentences in that
    section's order, then a sentence from another section only where it makes a point the
    first lacks. A sentence below `floor` (its cosine to the question) is left out, and so
    is one `keep` refuses (the contradiction check); a paragraph never opens on a
    dangling connective."""
    import numpy as np

    limit = max_sentences or MAX_SENTENCES

    candidates: list[Sentence] = []
    contexts: list[str] = []  # each judged with its section's name in front (`contexts_of`)
    for ci, hit in enumerate(retrieved):
        section = _section(hit.chunk.heading)
        for order, sentence in enumerate(sentences_of(hit.chunk.text)):
            # A sentence that poses a question restates rather than answers.
            if "?" not in sentence and (keep is None or keep(sentence)):
                candidates.append(Sentence(sentence, ci, order))
                contexts.append(section + sentence)
    if not candidates:
        return Composition("", [], {})
    vectors = embedder.embed(contexts)
    cosines = vectors @ query_vector
    q_tokens = set(tokenize(question))
    for sent, context, cos in zip(candidates, contexts, cosines, strict=True):
        overlap = len(q_tokens & set(tokenize(context))) / len(q_tokens) if q_tokens else 0.0
        prior = 0.05 * (1 - sent.chunk_index / max(1, len(retrieved)))
        sent.cosine = float(cos)
        sent.score = float(cos) + LEXICAL_WEIGHT * overlap + prior
    relevant = [i for i, c in enumerate(candidates) if floor is None or c.cosine >= floor]
    if not relevant:
        return Composition("", [], {})
    ranked = sorted(relevant, key=lambda i: candidates[i].score, reverse=True)
    best = candidates[ranked[0]].score
    home = candidates[ranked[0]].chunk_index  # the best-matching section

    chosen: list[int] = []

    def take(i: int) -> None:
        if len(chosen) < limit and not any(
            float(np.dot(vectors[i], vectors[j])) > DUPLICATE_COSINE for j in chosen
        ):
            chosen.append(i)

    # Breadth first: the best sentence of each relevant passage (each section usually holds
    # one lever or one reason), then the next best sentences overall.
    best_of_chunk: dict[int, int] = {}
    for i in ranked:
        best_of_chunk.setdefault(candidates[i].chunk_index, i)
    top_dense = max((h.dense for h in retrieved if h.dense is not None), default=0.0)
    for i in sorted(best_of_chunk.values(), key=lambda i: candidates[i].score, reverse=True):
        dense = retrieved[candidates[i].chunk_index].dense
        near_top = dense is None or dense >= top_dense - CHUNK_DENSE_MARGIN
        if candidates[i].score >= CHUNK_KEEP_RATIO * best and near_top:
            take(i)
    for i in ranked:
        if candidates[i].score < KEEP_RATIO * best:
            break
        if i not in chosen:
            take(i)
    # A very strong first sentence must not starve the answer of its supporting points.
    for i in ranked:
        if len(chosen) >= MIN_SENTENCES or candidates[i].score < FLOOR_RATIO * best:
            break
        if i not in chosen:
            take(i)

    # Read as paragraphs: the best-matching section's sentences first, in that section's
    # order, then each other section's in its order; no paragraph opens on a sentence that
    # leans on one before it (such an opening sentence is left out).
    home = candidates[ranked[0]].chunk_index
    sections: dict[int, list[Sentence]] = {}
    for i in chosen:
        sections.setdefault(candidates[i].chunk_index, []).append(candidates[i])
    sequence = [home] + [c for c in sections if c != home]
    groups: list[list[Sentence]] = []
    for chunk_index in sequence:
        sents = sorted(sections.get(chunk_index, []), key=lambda s: s.order)
        while sents and DANGLING.match(sents[0].text):
            sents.pop(0)
        if sents:
            groups.append(sents)
    if not groups:
        return Composition("", [], {})

    markers: dict[int, int] = {}

    def marker(chunk_index: int) -> int:
        if chunk_index not in markers:
            markers[chunk_index] = len(markers) + 1
        return markers[chunk_index]

    paragraphs = []
    for g in groups:  # each under its section's name, so a reader sees where it comes from
        chunk = retrieved[g[0].chunk_index].chunk
        body = " ".join(f"{s.text} [{marker(s.chunk_index)}]" for s in g)
        paragraphs.append(f"**{_short_heading(chunk.heading)} ({chunk.source})**\n{body}")
    used: dict[str, list[str]] = {}
    for g in groups:
        for sent in g:
            used.setdefault(retrieved[sent.chunk_index].chunk.id, []).append(sent.text)
    citations = []
    for chunk_index, n in sorted(markers.items(), key=lambda kv: kv[1]):
        citations.append(Citation.of_hit(retrieved[chunk_index], n))
    return Composition("\n\n".join(p for p in paragraphs if p), citations, used)


SCOPE = (
    "mlinfra does not cover this question: it is outside ML infrastructure. It answers "
    "questions about running ML in the cloud (SageMaker, Vertex AI, Azure ML or your own "
    "Kubernetes), what training and serving cost on the providers' price lists, which "
    "accelerator and how many, build vs buy, one cloud or several, compliance for ML "
    "workloads, and interview practice on them."
)


def declined(suggestions: list[str]) -> str:
    """A short decline: what it does not answer, and the nearest questions it can."""
    lines = [SCOPE]
    if suggestions:
        lines += ["", "Questions near yours that it can answer:"]
        lines += [f"- {s}" for s in suggestions]
    return "\n".join(lines)


def abstention(retrieved: list[RetrievedChunk]) -> str:
    lines = [
        "The guidance in the knowledge base does not cover this question, so there is no "
        "cited answer to give."
    ]
    if retrieved:
        lines.append("")
        lines.append("The nearest sections (not evidence for an answer) are:")
        seen = set()
        for hit in retrieved:
            key = (hit.chunk.source, hit.chunk.heading)
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"- {hit.chunk.heading} ({hit.chunk.source})")
    return "\n".join(lines)
