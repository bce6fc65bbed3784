"""What every page shares: the one `Assistant` per process, safe rendering of text that
comes from knowledge files or users, and the display of citations and tool runs."""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

from assistant import Assistant
from assistant.models import Answer, Citation

# Markdown and HTML control characters, escaped so text shows as itself: a `<script>` tag
# or a markdown image in a knowledge file renders as those characters, never as a tag or
# a fetch from another site.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


@st.cache_resource(show_spinner="Loading the knowledge base and the embedding model...")
def assistant() -> Assistant:
    """One `Assistant` per process, shared by every session."""
    bot = Assistant()
    bot.sources("warm up")  # loads the model and the index before the first question
    return bot


def show_error(text: str) -> None:
    """An error box, with any API key in the text redacted."""
    from assistant.secrets import redact

    st.error(redact(text))


def literal(text: str) -> str:
    """`text` escaped for `st.markdown`: shown character for character."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def safe_answer_markdown(text: str) -> str:
    """An answer's markdown (ours: bold, lists, tables, `[n]`) with anything from a
    knowledge file that could become HTML or fetch a resource neutralised: raw tags and
    images show as text, links show their address."""
    text = text.replace("<", "\\<").replace(">", "\\>")
    text = re.sub(r"!\[", r"!\\[", text)  # an image becomes literal text
    return re.sub(r"(?<!\\)\[([^\]]*)\]\(([^)]*)\)", r"\1 (\2)", text)  # links: text (url)


def highlighted_passage(citation: Citation, used: list[str]) -> str:
    """The cited passage as literal text, with the sentences the answer used in bold."""
    flat = " ".join(citation.text.split())
    spans: list[tuple[int, int]] = []
    for sentence in used:
        key = " ".join(sentence.split())
        at = flat.find(key)
        if at >= 0:
            spans.append((at, at + len(key)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out.append(literal(flat[pos:start]))
        out.append("**" + literal(flat[start:end]) + "**")
        pos = end
    out.append(literal(flat[pos:]))
    return "".join(out)


def used_sentences(answer: Answer, citation: Citation) -> list[str]:
    """Sentences of the answer that carry this citation's marker, without the marker."""
    marker = f"[{citation.n}]"
    used = []
    for line in answer.text.splitlines():
        if marker in line:
            sentence = re.sub(r"\s*\[\d+\]", "", line).strip()
            used.append(re.sub(r"^[-*]\s+", "", sentence))
    return used


def show_sources(answer: Answer) -> None:
    with st.expander(f"Sources ({len(answer.citations)})", expanded=False):
        for c in answer.citations:
            st.markdown(
                f"**[{c.n}]** {literal(c.source)} · {literal(c.heading)} · lines "
                f"{c.line_start}-{c.line_end} · relevance {c.score:.3f}"
            )
            st.markdown(highlighted_passage(c, used_sentences(answer, c)))


def show_details(answer: Answer) -> None:
    """Where each input came from and the defaults the tools took, folded away."""
    if not answer.details:
        return
    with st.expander("Inputs and defaults", expanded=False):
        for line in answer.details:
            st.text(line)


def show_computation(answer: Answer) -> None:
    if not answer.tool_calls:
        return
    with st.expander("How this was computed", expanded=False):
        for call in answer.tool_calls:
            result: dict[str, Any] = call.result
            st.markdown(f"**`{call.name}`**: inputs as given (the rest are defaults)")
            st.json(call.args, expanded=False)
            if result.get("assumptions"):
                st.markdown("Assumptions")
                for line in result["assumptions"]:
                    st.text(line)
            for option in result.get("options", []):
                st.markdown(f"{option['platform']}: ${option['monthly_usd']:,.2f} a month")
                st.table(
                    [
                        {"item": ln["item"], "arithmetic": ln["formula"], "USD": ln["usd"]}
                        for ln in option["breakdown"]
                    ]
                )
                st.table(
                    [
                        {
                            "price": a["item"],
                            "unit price": f"${a['unit_price']:g} {a['unit']}",
                            "as of": a["as_of"],
                            "source": a["source"],
                        }
                        for a in option["assumptions"]
                    ]
                )
            memory = result.get("memory")
            if memory:
                st.text(memory["formula"])
            price = result.get("price")
            if price:
                st.text(
                    f"{price['instances']} x {price['instance_type']} in {price['region']} "
                    f"({price['chips']} chips) at ${price['usd_per_hour_for_chips']:g}/hour, "
                    f"${price['usd_per_chip_hour']:g}/chip-hour, as of {price['as_of']} "
                    f"({price['source']})"
                )
