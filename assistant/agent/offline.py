"""The default answer path, with no language model: plan, run the tools, retrieve, compose.

The answer leads with the tool's decision or number (for a how-to question, with the
guidance), then the reasons, each cited `[n]` to a knowledge section or marked as computed
by a tool with its inputs and arithmetic, then where each argument came from, what was
assumed and the caveats.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from assistant.agent import coherence, lead, render
from assistant.agent.lead import LEADS
from assistant.agent.planner import Plan, plan
from assistant.agent.registry import REGISTRY, spec
from assistant.models import Answer, Citation, ToolCall
from assistant.text import MARKER, split_sentences

if TYPE_CHECKING:
    from assistant.services import Services

GUIDANCE_SENTENCES_WITH_TOOLS = 4


class CitationBook:
    """Numbers the chunks an answer cites, in order of first use, each once."""

    def __init__(self, bot: Services, vector: Any = None) -> None:
        self.bot = bot
        self.vector = vector  # the question's embedding: a rule's section is scored by it
        self.citations: list[Citation] = []
        self._by_id: dict[str, int] = {}

    def add(self, citation: Citation) -> int:
        if citation.chunk_id not in self._by_id:
            n = len(self.citations) + 1
            self._by_id[citation.chunk_id] = n
            self.citations.append(citation.model_copy(update={"n": n}))
        return self._by_id[citation.chunk_id]

    def section(self, source: str, heading: str) -> str:
        chunk = self.bot.retriever.section(source, heading)
        if chunk is None:
            return ""
        score = 0.0
        if self.vector is not None and chunk.id not in self._by_id:
            import numpy as np

            for emb in self.bot.retriever.vectors_for([chunk.id]).values():
                score = float(np.dot(np.asarray(emb, dtype=np.float32), self.vector))
        return f"[{self.add(Citation.of(chunk, 0, score))}]"

    def renumber(self, text: str, citations: list[Citation]) -> str:
        mapping = {c.n: self.add(c) for c in citations}
        return MARKER.sub(lambda m: f"[{mapping.get(int(m.group(1)), int(m.group(1)))}]", text)


def run_tools(p: Plan) -> tuple[list[tuple[str, ToolCall]], list[tuple[str, str]]]:
    """Each planned call run (with its scenario label); a call the tool rejects becomes
    (tool name, the refusal in words, with the nearest thing it has)."""
    calls, errors = [], []
    for call in p.calls:
        try:
            result = REGISTRY[call.name].run(call.args)
        except ValueError as exc:
            errors.append((call.name, lead.failure(call.name, call.args, _first_line(exc))))
            continue
        run = ToolCall(name=call.name, args=dict(call.args), result=result)
        calls.append((call.label, run))
    return calls, errors


def _first_line(exc: Exception) -> str:
    text = str(exc)
    if "validation error" in text:  # pydantic: "1 validation error for X\nfield\n  msg"
        lines = [ln.strip() for ln in text.splitlines()[1:] if ln.strip()]
        return ": ".join(lines[:2]).split(" [type=")[0]
    return text.splitlines()[0] if text else type(exc).__name__


def parts(
    bot: Services,
    question: str,
    query: str,
    history: list[dict[str, str]],
    prefix: str,
    k: int,
) -> Iterator[str | Answer]:
    """The answer as it is made: the lead as soon as the tools have run, then each part as
    it is composed, then the `Answer` (`Assistant.stream` yields them, `ask` keeps the
    last). Joined, the strings are `Answer.text`."""
    from assistant.agent import gate
    from assistant.composer import abstention, compose, declined

    p = plan(question, history, classify=bot.classify_question)
    context = _context_lines(p)
    joined = p.follow_up or p.leans  # a turn leaning on the one before searches with it
    search = p.query[: bot.settings.max_question_chars] if joined else query
    retriever = bot.retriever
    # the cached embedder: a question the type classifier embedded is not embedded again
    vector = bot.sentence_embedder.embed([search])[0]
    retrieved = retriever.retrieve(search, k, vector=vector)
    previous = next((t["content"] for t in reversed(history) if t["role"] == "user"), "")
    verdict = gate.judge(bot, question, p, retrieved, vector, previous)
    if not verdict.in_scope:
        suggestions = bot.question_types.nearest(vector) if verdict.signals else []
        text = prefix + declined(suggestions)
        yield text
        yield Answer(question=question, text=text, abstained=True, details=[verdict.why()])
        return
    if p.clarify:
        yield prefix + p.clarify
        yield Answer(question=question, text=prefix + p.clarify, context=context)
        return
    labelled, errors = run_tools(p)
    labelled = lead.ordered(labelled, p.qtype)
    tool_calls = [call for _, call in labelled]
    book = CitationBook(bot, vector)
    leads = LEADS.get(p.qtype or "", ())
    failed_first = [text for name, text in errors if name in leads[:1]]
    failed_later = [text for name, text in errors if name not in leads[:1]]
    tool_parts: list[str] = []
    caveats: list[str] = []
    for label, call in labelled:
        tool = REGISTRY[call.name]
        lines = ([f"*Case: {label}*", ""] if label else []) + tool.render(call.result, book.section)
        tool_parts.append("\n".join(lines).strip())
        caveats += tool.notes(call.result)
    yes_no = lead.yes_or_no(question, tool_calls) if p.qtype == "sizing" else None
    out = _Out(prefix)
    if not p.howto:
        yield from out.add(*failed_first, yes_no or "", *tool_parts[:1])
    guidance = ""
    if gate.best_dense(retrieved) >= bot.settings.abstain_threshold or tool_calls:
        failed = [ToolCall(name=name, args={}, result={}) for name, _ in errors]
        # the floor was measured on the embedding model's cosines, not another embedder's
        floor = bot.settings.relevance_floor if gate.load().fits(bot.embedder) else None
        conflicts = coherence.Checker(tool_calls + failed)
        composition = compose(
            search, vector, retrieved, bot.sentence_embedder,
            max_sentences=GUIDANCE_SENTENCES_WITH_TOOLS if tool_calls else None,
            floor=floor, keep=conflicts.keeps,
        )  # fmt: skip
        guidance = book.renumber(composition.text, composition.citations)
    if not tool_calls and not guidance and not out.pieces and errors:
        # the tool's refusal is the answer: what it could not price, and the nearest
        yield from out.add(*failed_first, *failed_later)
        yield Answer(question=question, text=out.text, context=context)
        return
    if not tool_calls and not guidance and not out.pieces:
        text = "\n\n".join([*failed_first, *failed_later, abstention(retrieved)])
        yield prefix + text
        yield Answer(question=question, text=prefix + text, abstained=True, context=context)
        return
    if p.howto:
        numbers = "\n\n".join(tool_parts)
        yield from out.add(*failed_first, yes_no or "", guidance,
                           "**The numbers**\n\n" + numbers if numbers else "")  # fmt: skip
    else:
        yield from out.add(*tool_parts[1:])
        if guidance:
            yield from out.add(("**What the guidance says**\n\n" if out.pieces else "") + guidance)
    yield from out.add(*failed_later)
    # Example cases state their own inputs; only a run on the user's facts lists defaults.
    assumed = list(dict.fromkeys(
        line for label, call in labelled if not label
        for line in render.assumption_lines(call.result["assumptions"])
    ))  # fmt: skip
    if any(label for label, _ in labelled):
        yield from out.add(
            "*These are example cases.* Give your own facts (for instance team size, number "
            "of models, budget, launch date, clouds, compliance, framework or workload) and "
            "the same rules run on them."
        )
    if assumed:
        yield from out.add(render.assumed_line(assumed))
    if caveats:
        yield from out.add("**Caveats**\n\n" + "\n".join(f"- {c}" for c in dict.fromkeys(caveats)))
    details = [f"Input: {line}" for line in context] + [f"Assumed: {line}" for line in assumed]
    yield Answer(
        question=question, text=out.text, citations=book.citations, tool_calls=tool_calls,
        context=context, details=details,
    )  # fmt: skip


class _Out:
    """The answer's text as its parts are added, each yielded as it comes (separated by a
    blank line), so that what was streamed joins to the final text."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.pieces: list[str] = []

    def add(self, *texts: str) -> Iterator[str]:
        for text in texts:
            if not text:
                continue
            piece = (self.prefix if not self.pieces else "\n\n") + text
            self.pieces.append(piece)
            yield piece

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def _context_lines(p: Plan) -> list[str]:
    out = []
    for call in p.calls:
        for field, where in call.given.items():
            out.append(f"{call.name}.{field} = {call.args[field]!r} from {where}")
    if p.follow_up:
        out.append("follow-up: re-ran the earlier tool with the earlier arguments updated")
    return out


def sentences(text: str) -> list[str]:
    """The text cut after each line and sentence (a sentence keeps its trailing `[n]`
    markers), for streaming and checking; joined, they are `text`."""
    return split_sentences(text, keep_space=True)


def tool_answer(bot: Services, name: str, args: dict[str, object]) -> Answer:
    """One tool run as an answer: the rendered result, its reasons cited, its defaults listed.
    A bad field raises the tool's `ValueError`."""
    tool = spec(name)
    result = tool.run(args)
    book = CitationBook(bot)
    lines = tool.render(result, book.section)
    assumed = render.assumption_lines(result["assumptions"])
    if assumed:
        lines += ["", "**Assumed**", ""] + [f"- {line}" for line in assumed]
    notes = tool.notes(result)
    if notes:
        lines += ["", "**Caveats**", ""] + [f"- {n}" for n in notes]
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
    return Answer(
        question=f"{name}({shown})",
        text="\n".join(lines),
        citations=book.citations,
        tool_calls=[ToolCall(name=name, args=dict(args), result=result)],
    )
