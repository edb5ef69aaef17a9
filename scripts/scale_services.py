"""Throw-away PostgreSQL and Redis on loopback, for trying bot/endpoints-scale.yml on one machine.

Usage: python -m scripts.scale_services [--pg-port P] [--redis-port P]

Installs Debian's `postgresql` and `redis-server` with apt-get when they are missing (as root
only), starts both on 127.0.0.1 with data in a temporary folder, prints the environment variables
bot/endpoints-scale.yml reads, and removes everything on Ctrl-C. `scripts/scale_test.py` uses
the same classes. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
"""

from __future__ import annotations

import argparse
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

from scripts.localnet import free_port

APT_PACKAGES = {"postgres": "postgresql", "redis": "redis-server"}
START_TIMEOUT = 60.0
DB_NAME = "rasa"
DB_USER = "rasa"


class Unavailable(Exception):
    """PostgreSQL or Redis is missing and cannot be installed here."""


def postgres_bindir() -> Path | None:
    """Folder of initdb/pg_ctl/psql: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    found = Path("/usr/lib/postgresql").glob("*/bin/initdb")
    versions = sorted(
        found, key=lambda path: [int(n) for n in path.parts[-3].split(".") if n.isdigit()]
    )
    return versions[-1].parent if versions else None


def missing_servers() -> list[str]:
    missing = [] if postgres_bindir() else ["postgres"]
    return missing + ([] if shutil.which("redis-server") else ["redis"])


def ensure_installed(log: Callable[[str], None] = print) -> None:
    """Install what is missing with apt-get; raise `Unavailable` if that is not possible."""
    missing = missing_servers()
    if missing:
        install_with_apt([APT_PACKAGES[name] for name in missing], log)
    check_postgres_user()


def install_with_apt(packages: list[str], log: Callable[[str], None]) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Unavailable(f"{', '.join(packages)} not installed, and apt-get needs root")
    log(f"installing {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = ["apt-get", "-qq", "-o", "Dpkg::Use-Pty=0"]
    try:
        subprocess.run([*apt, "update"], env=env, check=True, stdout=subprocess.DEVNULL)
        install = [*apt, "install", "-y", "--no-install-recommends", *packages]
        subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError as error:
        raise Unavailable(f"apt-get could not install {' '.join(packages)}: {error}") from error
    if missing_servers():
        raise Unavailable(f"still missing after apt-get: {', '.join(missing_servers())}")


def check_postgres_user() -> None:
    """As root, PostgreSQL runs as the `postgres` user (Debian's package creates it)."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam("postgres")
    except KeyError as error:
        raise Unavailable(
            "running as root, and there is no postgres user to run PostgreSQL"
        ) from error


def wait_for(check: Callable[[], bool], what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start within {timeout:.0f} s")
        time.sleep(0.2)


@dataclass
class PostgresServer:
    """A fresh cluster in `folder`, on 127.0.0.1:`port`, with database `rasa` owned by `rasa`."""

    folder: Path
    port: int
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    def _command(self, program: str, *args: str) -> list[str]:
        command = [str(postgres_bindir() / program), *args]
        if os.geteuid() == 0:  # postgres will not run as root
            return ["runuser", "-u", "postgres", "--", *command]
        return command

    def _run(self, program: str, *args: str, stdin: str | None = None) -> None:
        command = self._command(program, *args)
        done = subprocess.run(command, input=stdin, text=True, capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}")

    def start(self) -> None:
        self.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        settings = "--auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --no-instructions"
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", *settings.split())
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        log_file = str(self.folder / "postgres.log")
        start = ["start", "-w", "-t", "60", "-D", str(self.data_dir), "-l", log_file]
        self._run("pg_ctl", *start, "-o", options)
        sql = (
            f"CREATE ROLE {DB_USER} LOGIN PASSWORD '{self.password}';\n"
            f"CREATE DATABASE {DB_NAME} OWNER {DB_USER};\n"
        )
        self.psql("postgres", stdin=sql)

    def psql(self, database: str, stdin: str) -> None:
        """Run SQL as the superuser over the Unix socket (trusted)."""
        where = ["-h", str(self.folder), "-p", str(self.port), "-U", "postgres", "-d", database]
        self._run("psql", *where, "-v", "ON_ERROR_STOP=1", "-q", stdin=stdin)

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "fast", "-w", "-D", str(self.data_dir))

    @property
    def url(self) -> str:
        return f"postgresql://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{DB_NAME}"

    def environment(self) -> dict[str, str]:
        """The tracker-store variables bot/endpoints-scale.yml reads."""
        return {
            "TRACKER_DB_HOST": "127.0.0.1",
            "TRACKER_DB_PORT": str(self.port),
            "TRACKER_DB_NAME": DB_NAME,
            "TRACKER_DB_USER": DB_USER,
            "TRACKER_DB_PASSWORD": self.password,
        }


@dataclass
class RedisServer:
    """redis-server on 127.0.0.1:`port` with a password, keeping nothing on disk."""

    folder: Path
    port: int
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True)
        command = [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            str(self.folder),
            "--requirepass",
            self.password,
        ]
        with open(self.folder / "redis.log", "wb") as log_file:
            self.process = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(self.is_up, "redis-server")

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, db=1)

    def is_up(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited: see {self.folder / 'redis.log'}")
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def environment(self) -> dict[str, str]:
        """The lock-store variables bot/endpoints-scale.yml reads."""
        return {
            "LOCK_STORE_HOST": "127.0.0.1",
            "LOCK_STORE_PORT": str(self.port),
            "LOCK_STORE_PASSWORD": self.password,
            "LOCK_STORE_DB": "1",
        }


class SharedServices:
    """PostgreSQL and Redis in one temporary folder; a context manager that removes both."""

    def __init__(self, pg_port: int | None = None, redis_port: int | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="mastobot-scale-"))
        self.folder.chmod(0o755)  # the postgres user must reach its data folder
        self.postgres = PostgresServer(self.folder / "postgres", pg_port or free_port())
        self.redis = RedisServer(self.folder / "redis", redis_port or free_port())

    def __enter__(self) -> SharedServices:
        try:
            self.postgres.start()
            self.redis.start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.postgres.stop()
        finally:
            self.redis.stop()
            shutil.rmtree(self.folder, ignore_errors=True)

    def environment(self) -> dict[str, str]:
        return {**self.postgres.environment(), **self.redis.environment()}


def stop_on_sigterm(signum: int, frame: object) -> None:
    """Treat SIGTERM like Ctrl-C, so the services are stopped and their data removed."""
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg-port", type=int, default=None)
    parser.add_argument("--redis-port", type=int, default=None)
    args = parser.parse_args()
    try:
        ensure_installed()
    except Unavailable as error:
        raise SystemExit(f"scale_services: {error}") from error
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    with SharedServices(args.pg_port, args.redis_port) as services:
        for name, value in services.environment().items():
            print(f"export {name}={value}")
        print("# PostgreSQL and Redis are running; Ctrl-C stops them and removes their data.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
