"""Knowledge: browse and search the guidance, see the index, re-index."""

from __future__ import annotations

import streamlit as st
from ui_common import assistant, literal, show_error


def render() -> None:
    bot = assistant()
    st.title("Knowledge")
    status = bot.index_status()
    c1, c2, c3 = st.columns(3)
    c1.metric("Chunks", status["chunks"])
    c2.metric("Files", status["files"])
    c3.metric("Last change", status["last_change"] or "never")
    st.caption(f"Index: {literal(status['where'])}")
    if st.button("Re-index knowledge/", key="reindex", help="Only changed files are re-embedded"):
        bar = st.progress(0.0, text="Re-indexing...")

        def progress(done: int, total: int, source: str) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"{done}/{total} {source}")

        try:
            report = bot.ingest(progress=progress)
        except Exception as exc:  # shown, never a traceback
            show_error(f"Re-indexing failed: {type(exc).__name__}: {exc}")
        else:
            bar.progress(1.0, text="Done")
            st.success(
                f"added {report.added}, updated {report.updated}, removed {report.removed}, "
                f"unchanged {report.unchanged} files; {report.chunks_embedded} chunks embedded"
            )
            for warning in report.warnings:
                st.warning(literal(warning))

    st.subheader("Search")
    query = st.text_input("Search the guidance", placeholder="spot instances for training")
    if query.strip():
        try:
            hits = bot.sources(query)
        except ValueError as exc:
            show_error(str(exc))
        else:
            for hit in hits:
                st.markdown(
                    f"**{literal(hit.chunk.source)}** · {literal(hit.chunk.heading)} · "
                    f"cosine {hit.dense if hit.dense is not None else 0:.3f}"
                )
                st.text(hit.chunk.text)

    st.subheader("Documents")
    docs = bot.documents()
    st.dataframe(docs, hide_index=True, width="stretch")
    if docs:
        source = st.selectbox("Read a document's passages", [d["source"] for d in docs])
        for chunk in bot.chunks_of(source):
            with st.expander(f"{chunk.heading} (lines {chunk.line_start}-{chunk.line_end})"):
                st.text(chunk.text)
