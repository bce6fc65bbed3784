"""LLM mode (opt-in with `MLINFRA_LLM`): a LangChain tool-calling agent over the
decision tools and a knowledge-search tool, with guardrails on what it writes.

Guardrails, applied sentence by sentence before anything is shown:
- every `[n]` must name a passage handed to the model in this turn (by the question's
  retrieval or its own `search_knowledge` calls); a sentence citing another is dropped;
- a cited sentence must be supported by a passage it cites: its best cosine similarity
  (MiniLM) to one of the passage's sentences is at least `SUPPORT_COSINE`, or at least
  `SUPPORT_WORDS` of its content words occur in the passage; otherwise it is dropped;
- every money amount, and every number with a decimal point or three or more digits, must
  equal (within half a percent) a number in a tool result, the question, or a cited
  passage; otherwise the sentence is dropped.
Each drop is listed in `Answer.notices`. A provider error, a timeout, or an answer with
nothing left after the checks falls back to the offline path with a visible notice.
"""

from __future__ import annotations

import concurrent.futures
import logging
import re
from typing import TYPE_CHECKING, Any

from assistant import secrets
from assistant.models import Answer, Citation, RetrievedChunk, ToolCall
from assistant.text import MARKER

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.services import Services

log = logging.getLogger(__name__)

SUPPORT_COSINE = 0.5
SUPPORT_WORDS = 0.6
NUMBER_TOLERANCE = 0.005
EXTRAS = {"openai": "openai", "anthropic": "anthropic", "ollama": "ollama"}
SYSTEM_PROMPT = """You are mlinfra, an assistant for ML infrastructure decisions (managed \
platforms such as SageMaker and Vertex AI versus self-managed Kubernetes, inference and \
training cost, TPU versus GPU).
Rules:
- Decisions and numbers come only from the tools choose_infrastructure, estimate_cost, \
select_accelerator and find_prices. Never state a price, cost or count that a tool did not \
return.
- Facts come only from the numbered passages below or from search_knowledge. Cite each \
factual sentence with the passage number in square brackets, e.g. [2]. Never cite a number \
you were not given.
- Lead with the decision or the number, then the reasons, then caveats. Be concise.
- If the passages do not cover the question and no tool applies, say so.
"""


class LLMUnavailable(RuntimeError):
    """The configured LLM cannot be used (missing extra, bad configuration)."""


def load_chat_model(settings: Settings) -> Any:
    """The chat model `MLINFRA_LLM` names, via LangChain's `init_chat_model`."""
    spec = settings.llm or ""
    provider = spec.split(":", 1)[0] if ":" in spec else ""
    extra = EXTRAS.get(provider, "openai")
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise LLMUnavailable(
            f"MLINFRA_LLM={spec} needs LangChain: pip install 'mlinfra[{extra}]'"
        ) from exc
    kwargs: dict[str, Any] = {"timeout": settings.llm_timeout}
    if settings.llm_base_url:
        kwargs["base_url"] = settings.llm_base_url
        if not provider:
            spec, provider = f"openai:{spec}", "openai"
    if provider in secrets.PROVIDER_KEYS:
        key = (
            settings.llm_api_key.get_secret_value()
            if settings.llm_api_key
            else secrets.provider_key(provider)
        )
        if key:
            kwargs["api_key"] = key
    try:
        return init_chat_model(spec, **kwargs)
    except ImportError as exc:
        raise LLMUnavailable(
            f"MLINFRA_LLM={settings.llm} needs its provider package: pip install 'mlinfra[{extra}]'"
        ) from exc
    except ValueError as exc:
        raise LLMUnavailable(secrets.redact(f"MLINFRA_LLM={settings.llm}: {exc}")) from exc


class Turn:
    """The passages and tool calls of one question, numbered as the model sees them."""

    def __init__(self, bot: Services) -> None:
        self.bot = bot
        self.passages: dict[int, RetrievedChunk] = {}
        self._numbers: dict[str, int] = {}
        self.tool_calls: list[ToolCall] = []

    def add(self, hits: list[RetrievedChunk]) -> str:
        lines = []
        for hit in hits:
            n = self._numbers.setdefault(hit.chunk.id, len(self._numbers) + 1)
            self.passages[n] = hit
            lines.append(f"[{n}] {hit.chunk.source} > {hit.chunk.heading}\n{hit.chunk.text}")
        return "\n\n".join(lines) or "No passage matched."

    def tools(self) -> list[Any]:
        from langchain_core.tools import StructuredTool

        from assistant.agent.registry import REGISTRY

        tools = []
        for name, tool in REGISTRY.items():

            def run(_name: str = name, _tool: Any = tool, **kwargs: Any) -> dict[str, Any]:
                try:
                    result = _tool.run(kwargs)
                except ValueError as exc:
                    return {"error": str(exc).splitlines()[0]}
                self.tool_calls.append(ToolCall(name=_name, args=kwargs, result=result))
                return dict(result)

            tools.append(
                StructuredTool.from_function(
                    func=run,
                    name=name,
                    description=tool.description,
                    args_schema=tool.input.model_json_schema(),
                )
            )

        def search_knowledge(query: str) -> str:
            """Search the ML-infrastructure guidance; returns numbered passages to cite."""
            return self.add(self.bot.retriever.retrieve(query, self.bot.settings.k))

        tools.append(StructuredTool.from_function(func=search_knowledge))
        return tools


def answer_with_llm(
    bot: Services,
    question: str,
    query: str,
    history: list[dict[str, str]],
    k: int | None = None,
) -> tuple[Answer | None, str | None]:
    """(the agent's checked answer, None), or (None, why) to fall back to offline."""
    try:
        model = bot.chat_model
        turn = Turn(bot)
        context = turn.add(bot.retriever.retrieve(query, k or bot.settings.k))
        text = _run_agent(bot, model, turn, question, history, context)
    except Exception as exc:  # provider errors of every kind fall back, visibly
        notice = secrets.redact(
            f"the LLM backend ({bot.settings.llm}) failed ({_describe(exc)}); answered offline."
        )
        log.warning("%s", notice)
        return None, notice
    checked, notices = check(text, turn, question, bot)
    if not checked.strip():
        return None, secrets.redact(
            f"the LLM backend ({bot.settings.llm}) gave no answer that passed the citation "
            f"and number checks ({'; '.join(notices) or 'empty answer'}); answered offline."
        )
    text, citations = _renumber(checked, turn)
    answer = Answer(
        question=question,
        text=text,
        citations=citations,
        tool_calls=turn.tool_calls,
        notices=notices,
        backend=str(bot.settings.llm),
    )
    return answer, None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, concurrent.futures.TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")


def _run_agent(
    bot: Services,
    model: Any,
    turn: Turn,
    question: str,
    history: list[dict[str, str]],
    context: str,
) -> str:
    from langchain.agents import create_agent

    agent: Any = create_agent(
        model,
        tools=turn.tools(),
        system_prompt=SYSTEM_PROMPT + "\nPassages for this question:\n\n" + context,
    )
    messages = [{"role": t["role"], "content": t["content"]} for t in history]
    messages.append({"role": "user", "content": question})
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        future = pool.submit(lambda: agent.invoke({"messages": messages}))
        state = future.result(timeout=bot.settings.llm_timeout)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    final = state["messages"][-1]
    content = final.content
    if isinstance(content, list):  # content blocks
        content = "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content)


_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
_PLAIN = re.compile(r"(?<![\w\[.])(\d[\d,]*\.\d+|\d{1,3}(?:,\d{3})+|\d{3,})(?![\w\]])")


def _numbers_in(value: Any) -> list[float]:
    out: list[float] = []
    if isinstance(value, bool):
        return out
    if isinstance(value, int | float):
        out.append(float(value))
    elif isinstance(value, dict):
        for v in value.values():
            out += _numbers_in(v)
    elif isinstance(value, list | tuple):
        for v in value:
            out += _numbers_in(v)
    elif isinstance(value, str):
        out += [_to_float(m) for m in re.findall(r"\d[\d,]*(?:\.\d+)?", value)]
    return out


def _to_float(text: str) -> float:
    return float(text.replace(",", ""))


def quoted_numbers(sentence: str) -> list[float]:
    """Money amounts, and numbers with a decimal point or three or more digits."""
    bare = MARKER.sub("", sentence)
    found = [_to_float(m) for m in _MONEY.findall(bare)]
    without_money = _MONEY.sub("", bare)
    found += [_to_float(m) for m in _PLAIN.findall(without_money)]
    return found


def _known(number: float, pool: list[float]) -> bool:
    return any(abs(number - p) <= max(0.01, NUMBER_TOLERANCE * abs(p)) for p in pool)


_AMOUNT = re.compile(r"[$€£]?\d[\d,.]*(?:\s?[kKmMbB]\b)?%?")


def check(text: str, turn: Turn, question: str, bot: Services) -> tuple[str, list[str]]:
    """The text with every sentence that fails a guardrail removed, and what was removed."""
    from assistant.agent.offline import sentences
    from assistant.composer import sentences_of

    tool_numbers = _numbers_in([c.result for c in turn.tool_calls]) + _numbers_in(question)
    kept: list[str] = []
    notices: list[str] = []
    for piece in sentences(text):
        sentence = piece.strip()
        if not sentence:
            kept.append(piece)
            continue
        cited = [int(n) for n in MARKER.findall(sentence)]
        unknown = [n for n in cited if n not in turn.passages]
        if unknown:
            notices.append(
                f"dropped a sentence citing [{unknown[0]}], a passage the model was not given: "
                f"{sentence[:80]!r}"
            )
            continue
        passages = [turn.passages[n].chunk.text for n in cited]
        pool = tool_numbers + _numbers_in(passages)
        wrong = [x for x in quoted_numbers(sentence) if not _known(x, pool)]
        if wrong:
            # The notice names the number but does not repeat the unchecked claim.
            masked = _AMOUNT.sub("…", sentence[:80])
            notices.append(
                f"dropped a sentence quoting {wrong[0]:g}, which no tool result or cited "
                f"passage contains: {masked!r}"
            )
            continue
        if cited and not _supported(sentence, passages, bot, sentences_of):
            notices.append(
                f"dropped a sentence its cited passage does not support: {sentence[:80]!r}"
            )
            continue
        kept.append(piece)
    return "".join(kept), notices


def _supported(sentence: str, passages: list[str], bot: Services, split: Any) -> bool:
    from assistant.retrieval import tokenize

    claim = MARKER.sub("", sentence).strip(" -*")
    words = set(tokenize(claim))
    for passage in passages:
        if words and len(words & set(tokenize(passage))) / len(words) >= SUPPORT_WORDS:
            return True
    candidates = [s for p in passages for s in split(p)] or passages
    vectors = bot.sentence_embedder.embed([claim, *candidates])
    return bool((vectors[1:] @ vectors[0]).max() >= SUPPORT_COSINE)


def _renumber(text: str, turn: Turn) -> tuple[str, list[Citation]]:
    """Markers renumbered 1..k in order of first use; citations are exactly those."""
    order: dict[int, int] = {}
    for m in MARKER.finditer(text):
        order.setdefault(int(m.group(1)), len(order) + 1)
    citations = [Citation.of_hit(turn.passages[old], new) for old, new in order.items()]
    return MARKER.sub(lambda m: f"[{order[int(m.group(1))]}]", text), citations
