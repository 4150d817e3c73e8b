"""Embedded servers started at the same instant under a system user that does not exist yet.

On a fresh machine `make test` starts one server per xdist worker at once, and `make run` or a
benchmark may start another meanwhile. Each used to create the system user check-then-useradd:
one of them failed, and a worker's data directory could end up owned by a uid that was gone.
"""

from __future__ import annotations

import multiprocessing
import os
import pwd
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from sequences_core.devstack import embedded_db
from sequences_core.devstack.embedded_db import (
    EmbeddedPostgres,
    adopt_orphaned_tree,
    free_port,
    machine_lock,
)

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="creates and deletes a system user, which needs root"
)


def _start(root: str, port: int, user: str, barrier: Any) -> None:
    """Runs in a spawned process: every server-starting entry point is such a process."""
    barrier.wait(timeout=60)
    EmbeddedPostgres(Path(root), port=port, durable=False, system_user=user).start()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _remove(servers: list[EmbeddedPostgres], user: str) -> None:
    """Stop the servers, then delete the user (and its group) and the servers' folders.

    userdel under the lock too: a useradd writing /etc/passwd meanwhile could undo it, or it
    the useradd.
    """
    if _user_exists(user):
        for server in servers:
            server.stop()
        with machine_lock():
            subprocess.run(["userdel", user], check=True)
    for server in servers:
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.mark.timeout(180)
def test_two_processes_start_servers_at_once_under_a_new_system_user(tmp_path: Path) -> None:
    user = f"seqtest_{secrets.token_hex(4)}"
    assert not _user_exists(user)
    servers = [
        EmbeddedPostgres(tmp_path / name, port=free_port(), durable=False, system_user=user)
        for name in ("gw0", "gw1")
    ]
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(len(servers))
    processes = [
        spawn.Process(target=_start, args=(str(s.root), s.port, user, barrier)) for s in servers
    ]
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=150)
        assert [p.exitcode for p in processes] == [0, 0]
        owner = pwd.getpwnam(user).pw_uid
        for server in servers:
            assert server.pgdata.stat().st_uid == owner
            with psycopg.connect(server.url(driver="postgresql"), connect_timeout=5) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
        _remove(servers, user)
    assert not _user_exists(user)


def test_a_tree_left_by_a_deleted_uid_is_adopted_and_a_living_owner_kept(tmp_path: Path) -> None:
    gone = next(uid for uid in range(70_000, 80_000) if not _uid_exists(uid))
    tree = tmp_path / "pg"
    (tree / "data" / "base").mkdir(parents=True)
    (tree / "data" / "PG_VERSION").write_text("18\n")
    for path in (tree, *tree.rglob("*")):
        os.chown(path, gone, gone)
    root = pwd.getpwuid(0)
    adopt_orphaned_tree(tree, root)
    assert {p.stat().st_uid for p in (tree, *tree.rglob("*"))} == {0}
    nobody = pwd.getpwnam("nobody")
    os.chown(tree, nobody.pw_uid, nobody.pw_gid)
    adopt_orphaned_tree(tree, root)  # someone's: not ours to take
    assert tree.stat().st_uid == nobody.pw_uid


def _uid_exists(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def test_a_server_still_stops_after_a_folder_above_it_was_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pytest session starting elsewhere makes /tmp/pytest-of-root 700 under running servers,
    also while `pg_ctl stop -w` waits: reopening the folders first is not enough."""
    server = EmbeddedPostgres(tmp_path / "above" / "pg", port=free_port(), durable=False)
    server.start()
    try:
        (tmp_path / "above").chmod(0o700)
        monkeypatch.setattr(embedded_db, "ensure_prefix_permissions", lambda path: None)
        server.stop()
        assert not server.is_running()
    finally:
        monkeypatch.undo()
        if server.is_running():
            server.stop()
