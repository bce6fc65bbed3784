"""Grading an interview answer against a question's rubric, by meaning.

The rule, in full:
1. The answer is cut into sentences (at most `MAX_SENTENCES`); a sentence that repeats the
   question (cosine >= `ECHO_COSINE`) says nothing and is dropped.
2. A key point's match is the cosine similarity (all-MiniLM-L6-v2) between an answer
   sentence and the point or one of its phrasings, lifted by lexical cues: the share of the
   point's content words the sentence contains, weighted `LEXICAL_WEIGHT`. Points take
   their best sentences greedily, best match first, and one sentence serves at most
   `POINTS_PER_SENTENCE` points (or one per `WORDS_PER_POINT` words of a longer sentence).
   A sentence longer than `CLAUSE_SPLIT_WORDS` words is also matched clause by clause.
   Credit rises linearly from 0 at `CREDIT_FLOOR` to 1 at `CREDIT_FULL`; a point with
   credit >= 0.5 counts as covered.
3. A misconception is stated when an answer sentence matches it (the claim or a phrasing)
   with cosine >= `MISCONCEPTION_COSINE`, matches it better than any key point, and does
   not negate an affirmative claim ("never use spot for real-time endpoints" corrects the
   misconception rather than stating it).
4. Fluency: keyword salad is not an answer. The share of function words ("the", "is",
   "because", ...) in the answer, divided by `FLUENT_SHARE`, caps at 1 and scales the score;
   below `SENTENCE_SHARE` it is scaled again, down to 0 at `SALAD_SHARE`.
5. score = 10 x fluency x (sum of weight x credit) / (sum of weights) - the penalties of the
   misconceptions stated, clipped to 0-10 and rounded to a half point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.interview.bank import Point, Question, SourceRef
from assistant.models import Grade
from assistant.retrieval import tokenize
from assistant.text import split_sentences

if TYPE_CHECKING:
    from assistant.services import Services

MAX_SENTENCES = 60
MAX_ANSWER_CHARS = 20_000
ECHO_COSINE = 0.9
LEXICAL_WEIGHT = 0.25
CREDIT_FLOOR = 0.38
CREDIT_FULL = 0.62
MISCONCEPTION_COSINE = 0.68
POINTS_PER_SENTENCE = 2
WORDS_PER_POINT = 12
CLAUSE_SPLIT_WORDS = 15
FLUENT_SHARE = 0.30
# A rubric's own words strung together carry 5-17% function words (the "and", "than",
# "with" inside its points); the calibration set's honest answers carry 32% or more, and a
# terse honest sentence ("Use spot for training and checkpoint often.") 29%.
SALAD_SHARE = 0.12
SENTENCE_SHARE = 0.20
BANK_MATCH_COSINE = 0.85  # a question this close to a bank question uses its rubric
DERIVED_POINTS = 5

_FUNCTION_WORDS = frozenset(
    """a an the is are was were be been being to of in on at for with by from as and or but
    if then so because that this these those it its they them their we you i he she do does
    did not no can could should would will may might must have has had which who when where
    why how than more most very also only just into over under about between each any all
    some there here what while""".split()
)
_NEGATION = re.compile(
    r"\b(not|never|no|avoid|don't|dont|doesn't|shouldn't|isn't|aren't|won't|can't|cannot|"
    r"instead of|rather than|bad idea|mistake|myth|wrong)\b",
    re.I,
)
_CLAUSE = re.compile(r",\s*(?:and|but|so|while|whereas)?\s*|\s+(?:and|but|while|whereas)\s+")


@dataclass
class PointResult:
    point: Point
    credit: float
    match: float
    sentence: str


def sentences(answer: str) -> list[str]:
    """The answer's sentences of three words or more, each once (saying a sentence again
    adds nothing), at most `MAX_SENTENCES`."""
    parts = [re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", p).strip()
             for p in split_sentences(answer, notes=True)]  # fmt: skip
    seen: set[str] = set()
    out = []
    for part in parts:
        key = " ".join(re.findall(r"\w+", part.lower()))
        if len(part.split()) >= 3 and key not in seen:
            seen.add(key)
            out.append(part)
            if len(out) == MAX_SENTENCES:
                break
    return out


def fluency(answer: str) -> float:
    words = re.findall(r"[a-z']+", answer.lower())
    if len(words) < 3:
        return 0.0
    share = sum(w in _FUNCTION_WORDS for w in words) / len(words)
    salad = min(1.0, max(0.0, (share - SALAD_SHARE) / (SENTENCE_SHARE - SALAD_SHARE)))
    return min(1.0, share / FLUENT_SHARE) * salad


def _lexical(point: Point, sentence: str) -> float:
    wanted = set(tokenize(point.point))
    return len(wanted & set(tokenize(sentence))) / len(wanted) if wanted else 0.0


def _match_points(
    bot: Services, points: list[Point], said: list[str], s_vecs: Any
) -> tuple[list[PointResult], list[float]]:
    """Each point's best sentence, with one sentence counting for at most
    `POINTS_PER_SENTENCE` points (a vague sentence cannot cover the whole rubric); and each
    sentence's best cosine to any key point."""
    if not said:
        return [PointResult(p, 0.0, 0.0, "") for p in points], []
    import numpy as np

    # A long sentence is also judged clause by clause, so each thing it lists can match.
    units, owner = list(said), list(range(len(said)))
    for i, sentence in enumerate(said):
        if len(sentence.split()) > CLAUSE_SPLIT_WORDS:
            for clause in _CLAUSE.split(sentence):
                if len(clause.split()) >= 3:
                    units.append(clause)
                    owner.append(i)
    u_vecs = s_vecs
    if len(units) > len(said):
        u_vecs = np.vstack([s_vecs, bot.embedder.embed(units[len(said) :])])
    lifted: list[list[float]] = []
    on_point = [0.0] * len(said)
    for point in points:
        targets = bot.embedder.embed([point.point, *point.phrasings])
        best = (u_vecs @ targets.T).max(axis=1)
        per_sentence = [0.0] * len(said)
        raw = [0.0] * len(said)
        for u, i in enumerate(owner):
            value = float(best[u]) + LEXICAL_WEIGHT * _lexical(point, units[u])
            per_sentence[i] = max(per_sentence[i], value)
            raw[i] = max(raw[i], float(best[u]))
        on_point = [max(a, b) for a, b in zip(on_point, raw, strict=True)]
        lifted.append(per_sentence)
    pairs = sorted(
        ((lifted[p][i], p, i) for p in range(len(points)) for i in range(len(said))),
        reverse=True,
    )
    used = [0] * len(said)
    # A long sentence listing several things may cover several points; a short one cannot.
    cap = [max(POINTS_PER_SENTENCE, len(s.split()) // WORDS_PER_POINT) for s in said]
    chosen: dict[int, tuple[float, int]] = {}
    for value, p, i in pairs:
        if p in chosen or used[i] >= cap[i]:
            continue
        chosen[p] = (value, i)
        used[i] += 1
    results = []
    for p, point in enumerate(points):
        value, i = chosen.get(p, (0.0, -1))
        credit = min(1.0, max(0.0, (value - CREDIT_FLOOR) / (CREDIT_FULL - CREDIT_FLOOR)))
        results.append(PointResult(point, credit, value, said[i] if i >= 0 else ""))
    return results, on_point


def grade(bot: Services, question: str, answer: str) -> Grade:
    """Grade `answer` to `question` against the bank's rubric (or a derived one)."""
    if not isinstance(question, str) or not question.strip():
        raise ValueError("question is empty: give the interview question being answered")
    if not isinstance(answer, str):
        raise ValueError(f"answer must be a string, got {type(answer).__name__}")
    return grade_with(bot, rubric_for(bot, question), answer)


def grade_with(
    bot: Services, rubric: Question, answer: str, context: list[Point] | None = None
) -> Grade:
    """Grade `answer` against a given rubric (a bank question, or one point to probe).
    `context`: more correct points (a follow-up's parent question) that a sentence may be
    stating instead of a misconception."""
    if not isinstance(answer, str):
        raise ValueError(f"answer must be a string, got {type(answer).__name__}")
    question = rubric.question
    notes: list[str] = []
    if len(answer) > MAX_ANSWER_CHARS:
        notes.append(f"only the first {MAX_ANSWER_CHARS:,} characters of the answer were graded")
        answer = answer[:MAX_ANSWER_CHARS]
    embed = bot.embedder.embed
    said = sentences(answer)
    if said:
        # the question and each of its sentences: a question of two sentences pasted back
        # comes back as two sentences, neither of them the whole question
        asked = [question, *(s for s in sentences(question) if s != question)]
        vectors = embed([*asked, *said])
        q_vecs, s_vecs = vectors[: len(asked)], vectors[len(asked) :]
        echo = (s_vecs @ q_vecs.T).max(axis=1)
        keep = [i for i in range(len(said)) if float(echo[i]) < ECHO_COSINE]
        if len(keep) < len(said):
            notes.append("sentences that repeat the question were not counted")
        said = [said[i] for i in keep]
        s_vecs = s_vecs[keep]
    results, on_point = _match_points(bot, rubric.points, said, s_vecs if said else None)
    if context and said:
        _, also = _match_points(bot, context, said, s_vecs)
        on_point = [max(a, b) for a, b in zip(on_point, also, strict=True)]
    stated = []
    for wrong in rubric.misconceptions:
        if not said:
            break
        claims = [wrong.claim, *wrong.phrasings]
        sims = s_vecs @ embed(claims).T  # sentences x claims
        for i in range(len(said)):
            j = int(sims[i].argmax())
            # "Never use spot for real-time" corrects "use spot for real-time"; and a
            # sentence closer to a key point than to the myth is stating the point.
            correction = bool(_NEGATION.search(said[i])) and not _NEGATION.search(claims[j])
            if sims[i, j] >= MISCONCEPTION_COSINE and sims[i, j] > on_point[i] and not correction:
                stated.append((wrong, said[i]))
                break
    flow = fluency(answer)
    total = sum(r.point.weight for r in results)
    earned = sum(r.point.weight * r.credit for r in results)
    penalty = sum(w.penalty for w, _ in stated)
    raw = 10 * flow * earned / total - penalty if total else 0.0
    score = round(max(0.0, min(10.0, raw)) * 2) / 2
    if flow < 1 and said:
        notes.append(
            f"the answer reads as a list of terms more than sentences (fluency {flow:.2f}), "
            "which scales the score down"
        )
    return _grade(bot, rubric, results, stated, score, notes)


def rubric_for(bot: Services, question: str) -> Question:
    """The bank question closest in meaning, or a rubric derived from the guidance."""
    from assistant.interview.bank import load_bank

    bank = load_bank(bot.settings.knowledge_dir)
    for q in bank:
        if q.question.strip().lower() == question.strip().lower():
            return q
    if bank:
        vectors = bot.embedder.embed([question, *(q.question for q in bank)])
        sims = vectors[1:] @ vectors[0]
        best = int(sims.argmax())
        if float(sims[best]) >= BANK_MATCH_COSINE:
            return bank[best]
    return derived_rubric(bot, question)


def derived_rubric(bot: Services, question: str) -> Question:
    """Key points taken from the passages retrieval finds for an unknown question: the
    composer's choice of sentences, each a point of weight 1 citing its section."""
    from assistant.composer import compose

    retriever = bot.retriever
    vector = retriever.embed_query(question)
    hits = retriever.retrieve(question, bot.settings.k, vector=vector)
    composition = compose(question, vector, hits, bot.embedder, max_sentences=DERIVED_POINTS)
    by_id = {h.chunk.id: h.chunk for h in hits}
    points = []
    for chunk_id, quoted in composition.used_sentences.items():
        chunk = by_id[chunk_id]
        heading = chunk.heading.split(" > ")[-1]
        for sentence in quoted:
            points.append(
                Point(
                    point=sentence,
                    weight=1,
                    phrasings=[],
                    sources=[SourceRef(source=chunk.source, heading=heading)],
                )
            )
    if not points:
        raise ValueError(
            "question: not in the interview bank, and the guidance has nothing on it to "
            "grade against"
        )
    return Question(
        id="derived",
        topic="derived",
        difficulty="medium",
        question=question,
        points=points[:DERIVED_POINTS],
        derived=True,
    )


def _grade(
    bot: Services,
    rubric: Question,
    results: list[PointResult],
    stated: list[Any],
    score: float,
    notes: list[str],
) -> Grade:
    from assistant.agent.offline import CitationBook

    book = CitationBook(bot)

    def cite(refs: list[SourceRef]) -> str:
        return " ".join(m for m in (book.section(r.source, r.heading) for r in refs) if m)

    covered = [r for r in results if r.credit >= 0.5]
    missed = [r for r in results if r.credit < 0.5]
    lines = [f"**Score: {score:g} / 10**"]
    if rubric.derived:
        lines.append(
            "This question is not in the interview bank; it was graded against points "
            "taken from the guidance retrieval found for it."
        )
    if covered:
        lines += ["", "Strong:"] + [f"- {r.point.point} {cite(r.point.sources)}" for r in covered]
    if missed:
        lines += ["", "To add:"] + [f"- {r.point.point} {cite(r.point.sources)}" for r in missed]
    if stated:
        lines += ["", "Careful, this is a common misconception:"]
        for wrong, sentence in stated:
            marker = cite(wrong.sources)
            lines.append(f'- You said "{sentence}". Not so: "{wrong.claim}" is a myth. {marker}')
    if notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in notes]
    lines += ["", "A model answer:", ""]
    ordered = sorted(rubric.points, key=lambda p: -p.weight)
    lines.append(" ".join(f"{p.point} {cite(p.sources)}".strip() for p in ordered))
    return Grade(
        score=score,
        covered=[r.point.point for r in covered],
        missed=[r.point.point for r in missed],
        feedback="\n".join(line.rstrip() for line in lines),
        citations=book.citations,
    )
