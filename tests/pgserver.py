"""A real PostgreSQL server for the tests, started in a temporary folder on 127.0.0.1 with
Debian's `initdb` and `pg_ctl` and stopped afterwards. PostgreSQL refuses to run as root,
so as root the server runs as the `postgres` user (or `nobody`) on a folder it owns."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BIN = Path(os.environ.get("MLINFRA_PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> str | None:
    """Why no server can be started here, or None when one can."""
    if not (BIN / "initdb").exists():
        return f"PostgreSQL is not installed ({BIN}/initdb missing: apt-get install postgresql)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return ["runuser", "-u", name, "--"]
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


class Server:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = _free_port()
        self.prefix = _as_user()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://mlinfra@127.0.0.1:{self.port}/mlinfra"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.prefix, *args], capture_output=True, text=True,
                              check=check, timeout=120)  # fmt: skip

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.prefix:
            user = self.prefix[2]
            info = pwd.getpwnam(user)
            for path in (self.folder,):
                os.chown(path, info.pw_uid, info.pw_gid)
            os.chmod(self.folder, 0o700)
        self._run(str(BIN / "initdb"), "-D", str(self.data), "-U", "mlinfra", "-A", "trust",
                  "-E", "UTF8", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")  # fmt: skip
        self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-t", "60",
                  "-l", str(self.folder / "server.log"), "start")  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = self._run(str(BIN / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port),
                             check=False)  # fmt: skip
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not start: {self.log()}")

    def create_db(self, name: str = "mlinfra") -> None:
        self._run(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  "mlinfra", name)  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
                  check=False)  # fmt: skip

    def log(self) -> str:
        try:
            return (self.folder / "server.log").read_text()[-2000:]
        except OSError:
            return ""


@contextmanager
def running(folder: Path) -> Iterator[Server]:
    server = Server(folder)
    server.init()
    server.start()
    try:
        server.create_db()
        yield server
    finally:
        server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
