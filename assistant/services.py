"""What the subsystems (the offline and LLM answer paths, the interview grader and its
sessions) need from the assistant, as a protocol: settings, the embedders, the store, the
retriever, the chat model and the question classifier. `assistant.api.Assistant` provides
them; a subsystem typed against `Services` never imports the API above it, so the layers
run one way (`api` -> `interview` -> `agent` -> the shared parts; `make lint` checks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.embeddings import Embedder
    from assistant.store import VectorStore


class Services(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def embedder(self) -> Embedder: ...

    @property
    def sentence_embedder(self) -> Embedder: ...

    @property
    def store(self) -> VectorStore: ...

    @property
    def retriever(self) -> Any: ...

    @property
    def chat_model(self) -> Any: ...

    @property
    def question_types(self) -> Any: ...

    def classify_question(self, text: str) -> Any: ...
