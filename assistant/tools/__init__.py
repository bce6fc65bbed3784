"""Deterministic decision tools: typed inputs, transparent rules, no language model.

from assistant.tools import choose_infrastructure
choose_infrastructure({"team_size": 3, "ml_models": 4, "time_to_market": "urgent"})
"""

from assistant.tools.infrastructure import (
    InfrastructureContext,
    InfrastructureDecision,
    choose_infrastructure,
)

__all__ = ["InfrastructureContext", "InfrastructureDecision", "choose_infrastructure"]
