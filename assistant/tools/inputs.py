"""What every tool does with its input: accept its model, a dict or keywords, validate,
and list the defaults the caller left in place."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def validated(
    model: type[M], request: object, fields: dict[str, Any], defaults: dict[str, Any]
) -> tuple[M, list[str]]:
    """(the validated input, one assumption line per default that was not overridden)."""
    if isinstance(request, model):
        given = request.model_dump(exclude_unset=True)
    elif request is None:
        given = {}
    elif isinstance(request, dict):
        given = dict(request)
    else:
        raise ValueError(
            f"input must be a {model.__name__} or a dict, got {type(request).__name__}"
        )
    given.update(fields)
    value = model.model_validate(given)
    assumed = [
        f"{name} = {default!r} (default; pass {name} to change it)"
        for name, default in defaults.items()
        if name not in given
    ]
    return value, assumed
