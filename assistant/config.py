"""Settings, read from `MLINFRA_*` environment variables and a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository's own knowledge folder, used when MLINFRA_KNOWLEDGE_DIR is not set.
DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
# The cosine below which a guidance sentence is left out of an answer; measured on the
# blind battery by `python evals/floor.py` (the figures are in the README).
RELEVANCE_FLOOR = 0.35


class Settings(BaseSettings):
    """Every knob of the assistant. Environment: `MLINFRA_<FIELD>` (case-insensitive)."""

    model_config = SettingsConfigDict(env_prefix="MLINFRA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".mlinfra"), description="Where the embedded index lives.")
    knowledge_dir: Path = Field(DEFAULT_KNOWLEDGE_DIR, description="The guidance to ingest.")
    model_dir: Path | None = Field(
        None, description="Cache of the exported ONNX embedding model (default: DATA_DIR/models)."
    )
    price_snapshot: Path | None = Field(
        None,
        description="The price snapshot to use (default: the newest a refresh or import wrote "
        "in DATA_DIR/prices, else KNOWLEDGE_DIR/data/prices.csv.gz).",
    )
    prices: Path | None = Field(
        None,
        description="A CSV of your own prices (negotiated rates) overriding the shipped rows "
        "(columns in knowledge/data/PRICES.md).",
    )
    chroma_url: str | None = Field(
        None, description="A Chroma server (e.g. http://127.0.0.1:8000); embedded if unset."
    )
    collection: str = Field("mlinfra_knowledge", description="Chroma collection name.")
    database_url: SecretStr | None = Field(
        None,
        description="Where feedback, interview sessions and conversations are kept, as a "
        "SQLAlchemy URL (postgresql+psycopg://user:password@host/db for a team); unset: "
        "SQLite in DATA_DIR/mlinfra.sqlite3. Never shown with its password.",
    )
    user: str = Field(
        "default",
        description="Whose saved conversations (`mlinfra chat`, the web UI) and interview "
        "practice history these are, in the shared-state database.",
    )
    k: int = Field(5, ge=1, le=50, description="Passages retrieved per question.")
    # Calibrated with `make bench` on evals/cases: the 55 seed-fact questions score at least
    # 0.27, the off-topic ones at most 0.15 (closest off-topic probe seen: 0.23).
    abstain_threshold: float = Field(
        0.25,
        ge=-1.0,
        le=1.0,
        description="Best dense cosine similarity below which the assistant abstains.",
    )
    relevance_floor: float = Field(
        RELEVANCE_FLOOR,
        ge=-1.0,
        le=1.0,
        description="A guidance sentence whose cosine to the question is below this is left "
        "out (measured on the battery by evals/floor.py).",
    )
    max_question_chars: int = Field(
        4000, ge=100, description="Longer questions are truncated for retrieval, with a notice."
    )
    chunk_size: int = Field(900, ge=200, description="Characters per chunk (recursive split).")
    chunk_overlap: int = Field(120, ge=0, description="Overlap between adjacent chunks.")
    max_file_mb: float = Field(
        10.0,
        gt=0,
        description="Knowledge files larger than this many MB (MiB) are skipped with a warning.",
    )
    llm: str | None = Field(
        None,
        description="Opt-in LLM for the agent, as an init_chat_model string: "
        "'openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5', 'ollama:llama3.1'. "
        "Unset: the offline planner and composer answer.",
    )
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint (vLLM, llama.cpp, ...) for MLINFRA_LLM."
    )
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before the LLM path gives up.")
    llm_api_key: SecretStr | None = Field(
        None,
        description="API key for MLINFRA_LLM's provider (else OPENAI_API_KEY or "
        "ANTHROPIC_API_KEY); from the environment or .env only, never shown.",
    )

    # The HTTP API and the MCP server (`mlinfra serve`, `mlinfra mcp`).
    auth: Literal["on", "off"] = Field(
        "on",
        description="'off' lets the HTTP API answer without an API key (a local single-user "
        "run only); 'on' refuses every request but the health checks without a valid key.",
    )
    api_keys: SecretStr | None = Field(
        None,
        description="API keys from configuration (a Kubernetes Secret, say), as hashes: "
        "comma-separated NAME=ID:SHA256 entries, each printed by `mlinfra keys create NAME "
        "--for-config`; checked before the keys in the database.",
    )
    rate_limit: int = Field(
        120, ge=1, le=100_000, description="Requests per minute per API key (per API process)."
    )
    max_body_kb: int = Field(
        1024, ge=1, le=65_536, description="Largest request body the HTTP API reads (KiB)."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the HTTP API from a browser (CORS); none: off.",
    )

    @property
    def resolved_model_dir(self) -> Path:
        return self.model_dir if self.model_dir is not None else self.data_dir / "models"
