"""Exceptions that users of the API and the CLI catch."""


class MlinfraError(Exception):
    """Base class for every error the assistant raises on purpose."""


class KnowledgeNotFoundError(MlinfraError):
    """The knowledge folder (or a path given to ingest) does not exist."""


class StoreUnavailableError(MlinfraError):
    """The vector store cannot be reached (e.g. a Chroma server that is down)."""


class EmbeddingModelError(MlinfraError):
    """The packaged embedding model cannot be loaded or exported."""


class DatabaseUnavailableError(MlinfraError):
    """The database of feedback, interview sessions and conversations cannot be reached or
    written (the HTTP API answers 503); the next call tries again."""
