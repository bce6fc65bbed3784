"""Grading an interview answer against a question's rubric: content first, the same for
prose, bullets and notes.

The rule, in full:
1. The answer is cut into units (`units.py`): sentences, bullet lines and notes, the
   clauses of a long sentence, the items of a list. A sentence that repeats the question
   (cosine >= `ECHO_COSINE`) says nothing and is dropped; so is a sentence said twice.
2. A key point's match is the cosine similarity (all-MiniLM-L6-v2) between a unit and the
   point or one of its phrasings, lifted by the share of the point's content words the
   unit contains (weight `LEXICAL_WEIGHT`). Points take their best units greedily, best
   match first; one sentence serves as many points as it has clauses, at least
   `POINTS_PER_SENTENCE` (or one per `WORDS_PER_POINT` words), one list item one point.
3. A point's credit rises linearly from 0 at `CREDIT_FLOOR` to 1 at `CREDIT_FULL`, times
   what the unit does with it: stated with a reason or a consequence, 1; stated, `STATED`;
   only named (a term in a list), `NAMED`. A point with credit >= `COVERED` is covered.
4. Errors: a misconception stated (a unit matching one of the rubric's myths with cosine
   >= `MISCONCEPTION_COSINE`, closer to it than to any key point, using `MYTH_WORDS` of
   the words in which the myth departs from the key points, and not negating it)
   costs its penalty; a sentence making an extreme claim ("always", "free", "no
   downside") that no key point makes costs `OVERCLAIM_PENALTY`. Neither earns credit for
   a key point: the points are matched again without them.
5. score = 10 x (sum of weight x credit) / (sum of weights) - the errors' cost, but never
   below `KEPT_SHARE` of the content's score (a point listed under "Strong" always earns
   something), clipped to 0-10 and rounded to a half point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assistant.interview import cues
from assistant.interview.bank import Misconception, Point, Question, SourceRef
from assistant.interview.units import Unit, sentences, units
from assistant.models import Grade
from assistant.retrieval import tokenize

if TYPE_CHECKING:
    from assistant.services import Services

MAX_ANSWER_CHARS = 20_000
ECHO_COSINE = 0.9
LEXICAL_WEIGHT = 0.25
CREDIT_FLOOR = 0.38
CREDIT_FULL = 0.62
STATED = 0.85
NAMED = 0.5
COVERED = 0.4
MISCONCEPTION_COSINE = 0.65
MISCONCEPTION_MARGIN = 0.0  # closer to the myth than to any key point by this much
MYTH_WORDS = 2  # and using this many of the words in which the myth departs from the points
OVERCLAIM_PENALTY = 1.5
KEPT_SHARE = 0.25
POINTS_PER_SENTENCE = 2
WORDS_PER_POINT = 12
BANK_MATCH_COSINE = 0.85  # a question this close to a bank question uses its rubric
DERIVED_POINTS = 5

_NEGATION = re.compile(
    r"\b(not|never|no|avoid|don't|dont|doesn't|shouldn't|isn't|aren't|won't|can't|cannot|"
    r"instead of|rather than|bad idea|mistake|myth|wrong)\b",
    re.I,
)


@dataclass
class PointResult:
    point: Point
    credit: float
    match: float
    unit: Unit | None

    @property
    def reasoned(self) -> bool:
        return self.unit is not None and self.unit.reasoned and self.credit >= COVERED


@dataclass
class Findings:
    """What the grader found in an answer, before it is put into words."""

    results: list[PointResult]
    stated: list[tuple[Misconception, str]]
    overclaimed: list[tuple[str, list[str]]]  # (sentence, the extreme words in it)
    content: float  # 0-10, from the points alone
    score: float
    notes: list[str]


def _lexical(point: Point, text: str) -> float:
    wanted = set(tokenize(point.point))
    return len(wanted & set(tokenize(text))) / len(wanted) if wanted else 0.0


def _ramp(value: float) -> float:
    return min(1.0, max(0.0, (value - CREDIT_FLOOR) / (CREDIT_FULL - CREDIT_FLOOR)))


def _match_points(
    bot: Services, points: list[Point], us: list[Unit], u_vecs: Any
) -> tuple[list[PointResult], list[float], list[str]]:
    """Each point's best unit under the per-sentence caps; and per unit its best raw cosine
    to any key point (a unit closer to a point than to a myth is stating the point) and
    that point's text."""
    if not us:
        return [PointResult(p, 0.0, 0.0, None) for p in points], [], []
    on_point = [0.0] * len(us)
    nearest = [""] * len(us)
    lifted: list[list[float]] = []
    for point in points:
        # the rubric's texts are the same at every grade: embedded once per process
        targets = bot.sentence_embedder.embed([point.point, *point.phrasings])
        best = (u_vecs @ targets.T).max(axis=1)
        lifted.append(
            [float(best[j]) + LEXICAL_WEIGHT * _lexical(point, u.text) for j, u in enumerate(us)]
        )
        for j in range(len(us)):
            if float(best[j]) > on_point[j]:
                on_point[j], nearest[j] = float(best[j]), point.point
    # a sentence serves as many points as it has clauses or items (a comma-separated
    # sentence says what the same lines as bullets say), or one per WORDS_PER_POINT words
    words: dict[int, int] = {}
    parts: dict[int, int] = {}
    for u in us:
        words[u.sentence] = max(words.get(u.sentence, 0), len(u.text.split()))
        parts[u.sentence] = parts.get(u.sentence, 0) + 1
    cap = {i: max(POINTS_PER_SENTENCE, words[i] // WORDS_PER_POINT, parts[i] - 1) for i in words}
    pairs = sorted(
        ((lifted[p][j], p, j) for p in range(len(points)) for j in range(len(us))),
        reverse=True,
    )
    used_sentence: dict[int, int] = {}
    used_item: set[int] = set()
    chosen: dict[int, tuple[float, int]] = {}
    for value, p, j in pairs:
        i = us[j].sentence
        if p in chosen or used_sentence.get(i, 0) >= cap[i]:
            continue
        if not us[j].claim and j in used_item:
            continue
        chosen[p] = (value, j)
        used_sentence[i] = used_sentence.get(i, 0) + 1
        if not us[j].claim:
            used_item.add(j)
    reasoned = {u.sentence for u in us if u.reasoned}
    # Terms that fit the question name its points; a list of the topic's buzzwords names
    # few of them: named credit is scaled by the share of the terms that fit some point.
    terms = [j for j, u in enumerate(us) if not u.claim]
    fitting = sum(max(_ramp(lifted[p][j]) for p in range(len(points))) >= 0.5 for j in terms)
    precision = fitting / len(terms) if terms else 1.0
    results = []
    for p, point in enumerate(points):
        value, j = chosen.get(p, (0.0, -1))
        if j < 0:
            results.append(PointResult(point, 0.0, 0.0, None))
            continue
        unit = us[j]
        if unit.claim and unit.sentence in reasoned and not unit.reasoned:
            unit = Unit(unit.text, unit.sentence, claim=True, reasoned=True)
        factor = (1.0 if unit.reasoned else STATED) if unit.claim else NAMED * precision
        results.append(PointResult(point, _ramp(value) * factor, value, unit))
    return results, on_point, nearest


def grade(bot: Services, question: str, answer: str) -> Grade:
    """Grade `answer` to `question` against the bank's rubric (or a derived one)."""
    if not isinstance(question, str) or not question.strip():
        raise ValueError("question is empty: give the interview question being answered")
    if not isinstance(answer, str):
        raise ValueError(f"answer must be a string, got {type(answer).__name__}")
    return grade_with(bot, rubric_for(bot, question), answer)


def assess(
    bot: Services, rubric: Question, answer: str, context: list[Point] | None = None
) -> Findings:
    """The points an answer covers, the errors it makes, and its score."""
    if not isinstance(answer, str):
        raise ValueError(f"answer must be a string, got {type(answer).__name__}")
    notes: list[str] = []
    if len(answer) > MAX_ANSWER_CHARS:
        notes.append(f"only the first {MAX_ANSWER_CHARS:,} characters of the answer were graded")
        answer = answer[:MAX_ANSWER_CHARS]
    embed = bot.embedder.embed
    us = units(answer)
    said = sentences(answer)
    if us:
        # the question and each of its sentences: a question of two sentences pasted back
        # comes back as two sentences, neither of them the whole question
        asked = [rubric.question, *(s for s in sentences(rubric.question) if s != rubric.question)]
        vectors = embed([*asked, *said])
        echo = (vectors[len(asked) :] @ vectors[: len(asked)].T).max(axis=1)
        echoed = {i for i in range(len(said)) if float(echo[i]) >= ECHO_COSINE}
        if echoed:
            notes.append("sentences that repeat the question were not counted")
        us = [u for u in us if u.sentence not in echoed]
    u_vecs = embed([u.text for u in us]) if us else None
    results, on_point, nearest = _match_points(bot, rubric.points, us, u_vecs)
    if context and us:
        _, also, near_also = _match_points(bot, context, us, u_vecs)
        for j in range(len(us)):
            if also[j] > on_point[j]:
                on_point[j], nearest[j] = also[j], near_also[j]
    stated = _misconceptions(bot, rubric, us, u_vecs, (on_point, nearest), context)
    overclaimed = _overclaims(rubric, us, stated)
    if (stated or overclaimed) and u_vecs is not None:
        # a sentence stating a myth, or claiming more than any key point does, is no
        # evidence for a key point: match without it
        wrong = {text for _, text in stated} | {text for text, _ in overclaimed}
        keep = [j for j, u in enumerate(us) if u.text not in wrong]
        results, _, _ = _match_points(bot, rubric.points, [us[j] for j in keep], u_vecs[keep])
    total = sum(r.point.weight for r in results)
    content = 10 * sum(r.point.weight * r.credit for r in results) / total if total else 0.0
    cost = sum(w.penalty for w, _ in stated) + OVERCLAIM_PENALTY * len(overclaimed)
    raw = max(content - cost, KEPT_SHARE * content)
    score = round(max(0.0, min(10.0, raw)) * 2) / 2
    if any(r.credit >= COVERED for r in results) and score == 0:
        score = 0.5
    return Findings(results, stated, overclaimed, content, score, notes)


def _stem(word: str) -> str:
    """A light stem, so "billing", "billed" and "bills" are one word."""
    for end in ("ing", "ed", "es", "s"):
        if len(word) > len(end) + 3 and word.endswith(end):
            return word[: -len(end)]
    return word


def _words_of(texts: list[str]) -> set[str]:
    return {_stem(w) for t in texts for w in tokenize(t)}


def _misconceptions(
    bot: Services,
    rubric: Question,
    us: list[Unit],
    u_vecs: Any,
    near: tuple[list[float], list[str]],
    context: list[Point] | None = None,
) -> list[tuple[Misconception, str]]:
    """The myths the answer states. A myth sits on the same subject as the truth, so
    meaning alone cannot tell them apart: a unit states one when it means it and also
    says it the myth's way: it uses `MYTH_WORDS` of the words in which the myth departs
    from every key point, or it affirms what the key point nearest to it denies ("put
    real-time endpoints on spot" against "real-time endpoints should not run on spot")."""
    on_point, nearest = near
    stated: list[tuple[Misconception, str]] = []
    if not us:
        return stated
    # the question's words are the myth's subject, the key points' words the truth
    truth = _words_of([rubric.question, *(t for p in [*rubric.points, *(context or [])]
                                          for t in (p.point, *p.phrasings))])  # fmt: skip
    claims_at = [j for j, u in enumerate(us) if u.claim]
    for wrong in rubric.misconceptions:
        claims = [wrong.claim, *wrong.phrasings]
        sims = u_vecs @ bot.sentence_embedder.embed(claims).T  # units x claims
        for j in claims_at:
            k = int(sims[j].argmax())
            # "Never use spot for real-time" corrects "use spot for real-time"; and a
            # unit closer to a key point than to the myth is stating the point.
            text = us[j].text
            correction = bool(_NEGATION.search(text)) and not _NEGATION.search(claims[k])
            closer = sims[j, k] > on_point[j] + MISCONCEPTION_MARGIN
            # the words of the claim and of the wording the unit is closest to
            departs = _words_of([wrong.claim, claims[k]]) - truth
            if len(departs) >= MYTH_WORDS:  # the myth departs in its words
                said_so = len(departs & _words_of([text])) >= MYTH_WORDS
            else:  # it departs in its polarity
                said_so = not _NEGATION.search(text) and bool(_NEGATION.search(nearest[j]))
            if sims[j, k] >= MISCONCEPTION_COSINE and closer and said_so and not correction:
                stated.append((wrong, text))
                break
    return stated


def _overclaims(
    rubric: Question, us: list[Unit], stated: list[tuple[Misconception, str]]
) -> list[tuple[str, list[str]]]:
    """Sentences with an extreme claim of a kind no key point makes (a sentence already
    named as a misconception is not counted twice)."""
    backed = {kind for p in rubric.points for kind in cues.overclaims(p.point)}
    named = {text for _, text in stated}
    out: list[tuple[str, list[str]]] = []
    seen: set[int] = set()
    for u in us:
        if u.sentence in seen or not u.claim or u.text in named:
            continue
        kinds = [k for k in cues.overclaims(u.text) if k not in backed]
        if kinds:
            seen.add(u.sentence)
            out.append((u.text, kinds))
    return out


def grade_with(
    bot: Services, rubric: Question, answer: str, context: list[Point] | None = None
) -> Grade:
    """Grade `answer` against a given rubric (a bank question, or one point to probe).
    `context`: more correct points (a follow-up's parent question) that a sentence may be
    stating instead of a misconception."""
    from assistant.interview.feedback import render

    return render(bot, rubric, assess(bot, rubric, answer, context))


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
