"""Write the HTTP API's OpenAPI document: `python -m assistant.server.openapi [FILE]`
(`make openapi` writes `docs/openapi.json`, which a test keeps in step with the code)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def document() -> dict[str, Any]:
    from assistant.api import Assistant
    from assistant.config import Settings
    from assistant.server.app import create_app

    # Settings of no one's environment: the document is the same on every machine.
    app = create_app(Assistant(Settings(_env_file=None, data_dir=Path(".mlinfra"))))  # type: ignore[call-arg]
    return app.openapi()


def main(argv: list[str]) -> None:
    text = json.dumps(document(), indent=2, sort_keys=True) + "\n"
    if argv:
        Path(argv[0]).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
