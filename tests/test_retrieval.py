"""Each fact of the seed guidance is found by retrieval (one case per fact)."""

from __future__ import annotations

import pytest
import yaml
from conftest import REPO

from assistant import Assistant

CASES = yaml.safe_load((REPO / "evals" / "cases" / "seed_facts.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_seed_fact_is_retrieved(real_bot: Assistant, case: dict) -> None:  # type: ignore[type-arg]
    hits = real_bot.sources(case["q"], k=5)
    from_source = [h for h in hits if h.chunk.source == case["source"]]
    assert from_source, f"{case['source']} not in top 5: {[h.chunk.source for h in hits]}"
    words = [w.lower() for w in case["any"]]
    assert any(w in h.chunk.text.lower() for h in from_source for w in words), (
        f"no top-5 passage of {case['source']} mentions any of {words}"
    )


def test_hybrid_ranking_reports_both_signals(real_bot: Assistant) -> None:
    hits = real_bot.sources("SageMaker Debugger training insights", k=5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert any(h.dense is not None and h.bm25 is not None for h in hits)
    assert all(h.dense is not None for h in hits)  # lexical-only hits get a cosine too


def test_every_seed_fact_question_gets_a_cited_answer(real_bot: Assistant) -> None:
    abstained = [c["q"] for c in CASES if real_bot.ask(c["q"]).abstained]
    assert abstained == []
