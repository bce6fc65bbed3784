"""`Assistant`: the one API the CLI and the UI call.

from assistant import Assistant
bot = Assistant()
print(bot.ask("How do I reduce SageMaker inference costs?").text)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.embeddings import Embedder
from assistant.errors import KnowledgeNotFoundError
from assistant.models import Answer, Chunk, Grade, IngestReport, RetrievedChunk
from assistant.questions import (
    is_follow_up,
    search_text,
    validate_history,
    validate_question,
)
from assistant.store import VectorStore

if TYPE_CHECKING:
    from assistant.storage.feedback import FeedbackStore
    from assistant.storage.records import ConversationStore

log = logging.getLogger(__name__)


class Assistant:
    """Answers ML-infrastructure questions from the knowledge base, with citations.

    Everything heavy (embedding model, vector store, lexical index) is created on first use
    and shared by all threads; `ask` is safe to call concurrently.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        chat_model: Any = None,
        **overrides: Any,
    ) -> None:
        self.settings = settings or Settings(**overrides)
        self._embedder = embedder
        self._sentence_embedder: Embedder | None = None
        self._store = store
        self._retriever: Any = None
        self._lock = threading.RLock()
        self._chat_model = chat_model
        self._question_types: Any = None

    # -- components --------------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = self._load_embedder()
            return self._embedder

    @property
    def sentence_embedder(self) -> Embedder:
        """The embedder for the sentences of retrieved passages and for questions: the
        vectors ingest stored for the passages' sentences (`sentence_store`), then a cache
        of what it embedded since (the composer and the guardrails see the same sentences
        again and again)."""
        with self._lock:
            if self._sentence_embedder is None:
                from assistant.embeddings import CachedEmbedder, model_key
                from assistant.sentence_store import (
                    SentenceStore,
                    StoredSentenceEmbedder,
                    cache_folder,
                )
                from assistant.store import location

                given = self._store  # a store passed in, else the settings' (not opened)
                data_dir = given.data_dir if given else self.settings.data_dir
                where = given.where if given else location(data_dir, self.settings.chroma_url)
                collection = given.collection_name if given else self.settings.collection
                folder = cache_folder(data_dir, where, collection)
                self._sentence_embedder = StoredSentenceEmbedder(
                    CachedEmbedder(self.embedder), SentenceStore(folder, model_key(self.embedder))
                )
            return self._sentence_embedder

    @property
    def question_types(self) -> Any:
        """The exemplar classifier of question types (`assistant.agent.qtypes`), its bank
        embedded once and kept in the data dir."""
        with self._lock:
            if self._question_types is None:
                from assistant.agent.qtypes import Exemplars

                self._question_types = Exemplars(self.embedder, self.settings.data_dir)
            return self._question_types

    def classify_question(self, text: str) -> Any:
        """The exemplar classifier's `QuestionType` for `text` (what no type rule decides)."""
        return self.question_types.classify(self.sentence_embedder.embed([text])[0])

    def _load_embedder(self) -> Embedder:
        from assistant.embeddings import OnnxEmbedder

        return OnnxEmbedder(self.settings.resolved_model_dir)

    @property
    def chat_model(self) -> Any:
        """The LangChain chat model of LLM mode (from MLINFRA_LLM), made on first use."""
        with self._lock:
            if self._chat_model is None:
                from assistant.agent.llm import load_chat_model

                self._chat_model = load_chat_model(self.settings)
            return self._chat_model

    @property
    def store(self) -> VectorStore:
        with self._lock:
            if self._store is None:
                self._store = VectorStore(
                    data_dir=self.settings.data_dir,
                    url=self.settings.chroma_url,
                    collection=self.settings.collection,
                )
            return self._store

    @property
    def retriever(self) -> Any:
        with self._lock:
            if self._retriever is None:
                from assistant.retrieval import HybridRetriever

                self._warm_up()
                self.ensure_index()
                self._retriever = HybridRetriever(self.store, self.embedder)
            return self._retriever

    def _warm_up(self) -> None:
        """Load the model while the store opens and the lexical index's library imports:
        a cold `mlinfra ask` pays for the slower of the two, not their sum (the model's
        load spends most of its time outside the GIL)."""
        if self._embedder is not None or self._store is not None:
            return
        # Two threads importing the same package at once can see it half-initialised
        # (numpy fails that way); import the shared ones here first.
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        loaded: list[Embedder] = []
        failed: list[BaseException] = []

        def load() -> None:
            try:
                loaded.append(self._load_embedder())
            except BaseException as exc:  # re-raised in the caller's thread below
                failed.append(exc)

        worker = threading.Thread(target=load, name="mlinfra-load-model", daemon=True)
        worker.start()
        try:
            self.store  # noqa: B018 - opens
            # The lexical index's library (with scipy), then the answer path's rules (their
            # patterns compile on import): a third of a cold ask between them.
            import bm25s  # noqa: F401

            import assistant.agent.offline  # noqa: F401
        finally:
            worker.join()
        if failed:
            raise failed[0]
        self._embedder = loaded[0]

    def ensure_index(self) -> None:
        """Build the index from the knowledge folder if it is empty (first use, or a
        deleted or corrupt index)."""
        with self._lock:
            if self.store.count() == 0:
                log.warning(
                    "index in %s is empty; building it from %s",
                    self.store.where,
                    self.settings.knowledge_dir,
                )
                report = self.ingest()
                for warning in report.warnings:
                    log.warning("%s", warning)

    # -- operations --------------------------------------------------------------------

    def ingest(
        self, paths: Sequence[Path | str] | None = None, progress: Any = None
    ) -> IngestReport:
        """Index the given files and folders (default: the knowledge folder)."""
        from assistant.ingest import ingest

        knowledge = Path(self.settings.knowledge_dir)
        targets = [Path(p) for p in paths] if paths else [knowledge]
        if not paths and not knowledge.is_dir():
            raise KnowledgeNotFoundError(
                f"knowledge folder not found: {knowledge} (set MLINFRA_KNOWLEDGE_DIR)"
            )
        with self._lock:
            report = ingest(
                targets,
                store=self.store,
                embedder=self.embedder,
                knowledge_dir=knowledge,
                chunk_size=self.settings.chunk_size,
                chunk_overlap=self.settings.chunk_overlap,
                max_file_mb=self.settings.max_file_mb,
                progress=progress,
            )
            if self._retriever is not None:
                self._retriever.expire()
        return report

    def sources(self, query: str, k: int | None = None) -> list[RetrievedChunk]:
        """The passages retrieval returns for `query`, best first, with their scores."""
        query = validate_question(query)[: self.settings.max_question_chars]
        return list(self.retriever.retrieve(query, k or self.settings.k))

    def ask(
        self, question: str, history: list[dict[str, str]] | None = None, *, k: int | None = None
    ) -> Answer:
        """Answer `question` from the guidance and the decision tools; every claim carries
        an `[n]` citation or is marked as computed by a tool. `k`: passages to retrieve
        (default `settings.k`)."""
        answer: Answer | None = None
        for item in self.stream(question, history, k=k):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(
        self, question: str, history: list[dict[str, str]] | None = None, *, k: int | None = None
    ) -> Iterator[str | Answer]:
        """Yield the answer's text as it is produced (sentence by sentence), then the final
        `Answer`. Joined, the strings are `Answer.text`."""
        from assistant.agent.offline import sentences

        question = validate_question(question)
        turns = validate_history(history)
        if k is not None and (not isinstance(k, int) or not 1 <= k <= 50):
            raise ValueError(f"k must be a whole number from 1 to 50, got {k!r}")
        notices: list[str] = []
        limit = self.settings.max_question_chars
        query = search_text(question)
        if len(query) > limit:
            query = query[:limit]
            notices.append(
                f"The question is {len(question):,} characters long; only the first "
                f"{limit:,} were used to search the guidance."
            )
        prefix = "".join(f"> Note: {n}\n\n" for n in notices)
        from assistant.tools.prices import using as using_prices

        with using_prices(self.settings):
            failure = None
            if self.settings.llm:
                from assistant.agent.llm import answer_with_llm

                checked, failure = answer_with_llm(
                    self, question, self._with_context(query, turns), turns, k
                )
                if checked is not None:
                    checked.text = prefix + checked.text
                    checked.notices[:0] = notices
                    yield from sentences(checked.text)
                    yield checked
                    return
            # The offline answer streams as it is made: the lead once the tools have run.
            for item in self._offline(question, query, turns, prefix, failure, k):
                if isinstance(item, Answer):
                    item.notices[:0] = notices
                yield item

    def _offline(
        self,
        question: str,
        query: str,
        turns: list[dict[str, str]],
        prefix: str,
        notice: str | None,
        k: int | None = None,
    ) -> Iterator[str | Answer]:
        from assistant.agent import offline

        if notice:
            prefix += f"> Note: {notice}\n\n"
        for item in offline.parts(
            self, question, self._with_context(query, turns), turns, prefix, k or self.settings.k
        ):
            if isinstance(item, Answer) and notice:
                item.notices.append(notice)
            yield item

    def grade(self, question: str, answer: str) -> Grade:
        """Grade an interview answer: 0-10 from the weighted key points covered (by meaning)
        minus misconceptions stated, with covered and missed points, feedback with a model
        answer, and the citations behind them. A question outside the bank is graded
        against points derived from the retrieved guidance, and the feedback says so."""
        from assistant.interview.grader import grade

        return grade(self, question, answer)

    def run_tool(self, name: str, args: dict[str, Any]) -> Answer:
        """Run one decision tool directly (the UI's forms): the result rendered as an answer,
        its reasons cited, so `to_markdown()` gives its decision record."""
        from assistant.agent.offline import tool_answer
        from assistant.tools.prices import using as using_prices

        with using_prices(self.settings):
            return tool_answer(self, name, args)

    # -- knowledge and feedback ---------------------------------------------------------

    def documents(self) -> list[dict[str, Any]]:
        """The indexed knowledge files: source, title, chunk count, first and last line."""
        docs: dict[str, dict[str, Any]] = {}
        for chunk in self.store.all_chunks():
            doc = docs.setdefault(
                chunk.source, {"source": chunk.source, "title": chunk.title, "chunks": 0}
            )
            doc["chunks"] += 1
            doc["title"] = doc["title"] or chunk.title
        return sorted(docs.values(), key=lambda d: d["source"])

    def chunks_of(self, source: str) -> list[Chunk]:
        """The passages of one knowledge file, in file order."""
        chunks = [c for c in self.store.all_chunks() if c.source == source]
        if not chunks:
            raise ValueError(f"source: no indexed file {source!r}")
        return sorted(chunks, key=lambda c: c.line_start)

    def index_status(self) -> dict[str, Any]:
        """Chunks and files in the index, where it is, and when it last changed."""
        import datetime as dt

        generation = self.store.generation().split(":")[0]
        try:
            stamp = float(generation)
            changed = dt.datetime.fromtimestamp(stamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        except ValueError:
            changed = None
        return {
            "chunks": self.store.count(),
            "files": len({c.source for c in self.store.all_chunks()}),
            "where": self.store.where,
            "last_change": changed if generation not in ("", "0") else None,
        }

    @property
    def database_url(self) -> str | None:
        """MLINFRA_DATABASE_URL (None: SQLite in the data dir)."""
        from assistant.storage.db import url_of

        return url_of(self.settings)

    @property
    def conversations(self) -> ConversationStore:
        """Saved conversations per user, in the shared-state database."""
        from assistant.storage.records import ConversationStore

        return ConversationStore(self.settings.data_dir, self.database_url)

    @property
    def feedback(self) -> FeedbackStore:
        """Thumbs up/down on answers, in the shared-state database (`assistant.storage`)."""
        from assistant.storage.feedback import FeedbackStore

        return FeedbackStore(self.settings.data_dir, self.database_url)

    @staticmethod
    def _with_context(query: str, turns: list[dict[str, str]]) -> str:
        """Search a follow-up ("and for PyTorch?") together with the previous question."""
        previous = [t["content"] for t in turns if t["role"] == "user"]
        if previous and is_follow_up(query):
            return f"{previous[-1][:500]} {query}"
        return query
