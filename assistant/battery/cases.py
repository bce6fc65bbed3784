"""The battery's cases: loading and validating `evals/cases/real/*.yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assistant.yaml_files import safe_load

CATEGORIES = ("cost", "sizing", "build_vs_buy", "concept", "out_of_scope")
EXPECT_KEYS = ("decline", "lead", "has", "must_not", "tool", "args", "usd", "reference")
TOOLS = ("estimate_cost", "select_accelerator", "choose_infrastructure", "none")


def load(folder: Path) -> list[dict[str, Any]]:
    """Every case of every `*.yaml` in `folder`, validated; a bad case is a `ValueError`
    naming its file, its id and the field; an id used twice is one too."""
    cases: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        for case in load_file(path):
            if case["id"] in seen:
                raise ValueError(f"{path.name}: id {case['id']!r} is also in {seen[case['id']]}")
            seen[case["id"]] = path.name
            cases.append(dict(case, file=path.name))
    return cases


def load_file(path: Path) -> list[dict[str, Any]]:
    """The validated cases of one battery file."""
    if not Path(path).is_file():
        raise ValueError(f"battery file {path} does not exist")
    try:
        data = safe_load(Path(path).read_text()) or []
    except yaml.YAMLError as exc:
        raise ValueError(f"{Path(path).name}: not valid YAML: {exc}") from None
    if not isinstance(data, list):
        raise ValueError(f"{Path(path).name}: a battery file is a YAML list of cases")
    ids: set[str] = set()
    for i, case in enumerate(data):
        where = f"{Path(path).name}: case {case.get('id', i) if isinstance(case, dict) else i}"
        validate(case, where)
        if case["id"] in ids:
            raise ValueError(f"{where}: id {case['id']!r} is used twice")
        ids.add(case["id"])
    return data


def validate(case: Any, where: str) -> None:
    if not isinstance(case, dict):
        raise ValueError(f"{where}: a case is a mapping with id, category, turns and expect")
    for key in ("id", "category", "turns", "expect"):
        if key not in case:
            raise ValueError(f"{where}: missing field {key!r}")
    if case["category"] not in CATEGORIES:
        raise ValueError(f"{where}: category {case['category']!r} is not one of {CATEGORIES}")
    expect = case["expect"]
    if isinstance(expect, dict) and "near_domain" in expect and "near_domain" not in case:
        case["near_domain"] = expect.pop("near_domain")  # the brief lists it with the checks
    if case["category"] == "out_of_scope" and not isinstance(case.get("near_domain"), bool):
        raise ValueError(f"{where}: an out_of_scope case needs near_domain: true or false")
    turns = case["turns"]
    if not (isinstance(turns, list) and turns and all(isinstance(t, str) and t for t in turns)):
        raise ValueError(f"{where}: turns must be a non-empty list of non-empty strings")
    expect = case["expect"]
    if not isinstance(expect, dict) or not isinstance(expect.get("decline"), bool):
        raise ValueError(f"{where}: expect.decline must be true or false")
    unknown = sorted(set(expect) - set(EXPECT_KEYS))
    if unknown:
        raise ValueError(f"{where}: expect has unknown fields {unknown}; allowed: {EXPECT_KEYS}")
    if expect.get("tool") is not None and expect["tool"] not in TOOLS:
        raise ValueError(f"{where}: expect.tool {expect['tool']!r} is not one of {TOOLS}")
    for key in ("lead", "has", "must_not"):
        items = expect.get(key)
        if items is not None and not (
            isinstance(items, list) and all(isinstance(s, str) and s.strip() for s in items)
        ):
            raise ValueError(f"{where}: expect.{key} must be a list of strings")
    if expect.get("usd") is not None:
        usd = expect["usd"]
        if not (isinstance(usd, list) and len(usd) == 2 and 0 <= usd[0] <= usd[1]):
            raise ValueError(f"{where}: expect.usd must be [low, high] with 0 <= low <= high")
        ref = expect.get("reference") or {}
        missing = [k for k in ("source", "as_of") if not ref.get(k)]
        if missing:
            raise ValueError(f"{where}: expect.usd needs reference.{missing[0]}")
        if not str(ref["source"]).startswith("http"):
            raise ValueError(f"{where}: reference.source must be a URL")
