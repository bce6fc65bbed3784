"""YAML read with libyaml's safe loader where PyYAML was built with it (it is, in the
wheels), else with the pure-Python one: the same documents, parsed about ten times faster.
The exemplar bank alone took a quarter of a cold `mlinfra ask` to parse in pure Python.

    safe_load("- {text: a, type: b}")  # [{'text': 'a', 'type': 'b'}]
"""

from __future__ import annotations

from typing import Any


def safe_load(text: str) -> Any:
    """`yaml.safe_load`, through libyaml when it is there."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, C or Python
