"""``cms user create`` and ``cms token create``: the real command, in a subprocess (as in
tests/cli), against each database; rows are read with ``sqlite3``/``asyncpg``, not through the CMS.
The interactive prompt runs in a pseudo-terminal, as a person at a terminal would see it."""

from __future__ import annotations

import hashlib
import os
import pty
import select
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from settings import Settings
from tests.cli.test_cli import CMS, cms_env, output, query

pytestmark = pytest.mark.database("sqlite", "postgres")

PASSWORD = "mật khẩu quản trị viên"


@pytest.fixture
def env(tmp_path: Path, settings: Settings) -> dict[str, str]:
    return cms_env(settings.database_url, tmp_path / "media")


def cms(
    env: dict[str, str], cwd: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CMS), *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def in_terminal(
    env: dict[str, str], cwd: Path, args: list[str], answers: list[str]
) -> tuple[int, str]:
    """Run ``cms ARGS`` at a pseudo-terminal, typing each answer when a prompt ends in ': '."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its controlling terminal is the pty
        os.chdir(cwd)
        os.execve(str(CMS), [str(CMS), *args], env)
    seen, pending = b"", [a.encode() + b"\n" for a in answers]
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 30)
            assert ready, f"cms hung; it said: {seen.decode(errors='replace')}"
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal: it has ended
                break
            if not chunk:
                break
            seen += chunk
            # click writes "Password:" and getpass the " " once echo is off and input flushed
            if pending and seen.endswith(b": "):
                os.write(fd, pending.pop(0))
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def users(db_url: str) -> list[tuple[object, ...]]:
    return query(db_url, "SELECT email, name, role, is_active, password_hash FROM account")


def test_user_create_reads_the_password_from_stdin(env, settings, tmp_path):
    args = ("user", "create", "--email", "Admin@Example.org", "--role", "admin", "--password-stdin")
    made = cms(env, tmp_path, *args, stdin=PASSWORD + "\n")

    assert made.returncode == 0, output(made)
    assert "Created admin admin@example.org" in made.stdout
    [(email, name, role, active, password_hash)] = users(settings.database_url)
    assert (email, name, role, bool(active)) == ("admin@example.org", "admin", "admin", True)
    assert PasswordHasher().verify(str(password_hash), PASSWORD)
    [(actor, action)] = query(settings.database_url, "SELECT actor, action FROM audit_log")
    assert (actor, action) == ("command line", "create")


def test_an_existing_email_is_exit_1_with_a_message(env, settings, tmp_path):
    args = ("user", "create", "--role", "editor", "--password-stdin", "--name", "Lan")
    first = cms(env, tmp_path, *args, "--email", "lan@example.org", stdin=PASSWORD)
    again = cms(env, tmp_path, *args, "--email", "LAN@example.org", stdin=PASSWORD)

    assert first.returncode == 0, output(first)
    assert again.returncode == 1, output(again)
    assert "Another account has this email address." in again.stderr
    assert len(users(settings.database_url)) == 1


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["--email", "lan", "--role", "admin", "--password-stdin"], PASSWORD, "email address"),
        (["--email", "lan@x.vn", "--role", "admin", "--password-stdin"], "ngắn", "10 to 1,000"),
        (["--email", "lan@x.vn", "--role", "boss", "--password-stdin"], PASSWORD, "boss"),
        (["--email", "lan@x.vn", "--role", "admin"], "", "use --password-stdin"),
    ],
)
def test_bad_input_is_exit_2_and_writes_nothing(env, settings, tmp_path, args, stdin, says):
    refused = cms(env, tmp_path, "user", "create", *args, stdin=stdin)
    assert refused.returncode == 2, output(refused)
    assert says in refused.stderr
    assert users(settings.database_url) == []


def test_at_a_terminal_the_password_is_asked_twice_and_not_shown(env, settings, tmp_path):
    args = ["user", "create", "--email", "lan@example.org", "--role", "author", "--name", "Lan"]
    code, said = in_terminal(
        env, tmp_path, args, [PASSWORD, "khác hẳn rồi nhé", PASSWORD, PASSWORD]
    )

    assert code == 0, said
    assert said.count("Password:") == 2 and said.count("Repeat for confirmation:") == 2
    assert "do not match" in said
    assert PASSWORD not in said  # hidden input is not echoed
    [(email, _, role, _, password_hash)] = users(settings.database_url)
    assert (email, role) == ("lan@example.org", "author")
    assert PasswordHasher().verify(str(password_hash), PASSWORD)


def test_token_create_prints_the_token_once_and_keeps_its_hash(env, settings, tmp_path):
    made = cms(
        env,
        tmp_path,
        "token",
        "create",
        "--name",
        "website build",
        "--role",
        "editor",
        "--expires-in-days",
        "30",
    )

    assert made.returncode == 0, output(made)
    token = made.stdout.strip()
    assert made.stdout == token + "\n" and len(token) == 43  # alone on stdout: scriptable
    assert "website build" in made.stderr and "Shown once" in made.stderr
    [(kind, name, role, digest, expires_at, user_id)] = query(
        settings.database_url, "SELECT kind, name, role, hash, expires_at, user_id FROM token"
    )
    assert (kind, name, role, user_id) == ("api", "website build", "editor", None)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    expires = (
        expires_at if isinstance(expires_at, datetime) else datetime.fromisoformat(str(expires_at))
    )
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)


def test_token_create_without_expiry_and_with_bad_input(env, settings, tmp_path):
    forever = cms(env, tmp_path, "token", "create", "--name", "app", "--role", "author")
    assert forever.returncode == 0, output(forever)
    assert "until revoked" in forever.stderr
    assert query(settings.database_url, "SELECT expires_at FROM token") == [(None,)]
    for bad in (
        ["--name", " ", "--role", "author"],
        ["--name", "x", "--role", "author", "--expires-in-days", "0"],
    ):
        refused = cms(env, tmp_path, "token", "create", *bad)
        assert refused.returncode == 2, output(refused)
    assert len(query(settings.database_url, "SELECT id FROM token")) == 1


def authors_of(db_url: str) -> list[tuple[object, ...]]:
    """``(email, author slug, author name)`` of every account, by email."""
    return query(
        db_url,
        "SELECT account.email, author.slug, author.name FROM account "
        "LEFT JOIN author ON author.id = account.author_id ORDER BY account.email",
    )


def test_an_author_account_gets_a_new_or_an_existing_profile(env, settings, tmp_path):
    args = ("user", "create", "--role", "author", "--password-stdin")
    made = cms(
        env,
        tmp_path,
        *args,
        "--email",
        "lan@x.vn",
        "--name",
        "Đỗ Lan",
        "--new-author",
        stdin=PASSWORD,
    )
    assert made.returncode == 0, output(made)
    assert "Linked to the author profile do-lan" in made.stdout
    shared = cms(env, tmp_path, *args, "--email", "desk@x.vn", "--author", "do-lan", stdin=PASSWORD)
    assert shared.returncode == 0, output(shared)
    bare = cms(env, tmp_path, *args, "--email", "bare@x.vn", stdin=PASSWORD)
    assert bare.returncode == 0, output(bare)
    assert "cannot write until an admin links" in bare.stderr

    assert authors_of(settings.database_url) == [
        ("bare@x.vn", None, None),
        ("desk@x.vn", "do-lan", "Đỗ Lan"),
        ("lan@x.vn", "do-lan", "Đỗ Lan"),
    ]
    help_text = cms(env, tmp_path, "user", "create", "--help").stdout
    assert "--author" in help_text and "--new-author" in help_text


def test_a_refused_author_link_writes_nothing(env, settings, tmp_path):
    args = ("user", "create", "--role", "author", "--password-stdin")
    unknown = cms(
        env, tmp_path, *args, "--email", "lan@x.vn", "--author", "khong-co", stdin=PASSWORD
    )
    assert unknown.returncode == 1, output(unknown)
    assert "no author profile with the slug 'khong-co'" in unknown.stderr
    both = cms(
        env, tmp_path, *args, "--email", "lan@x.vn", "--author", "a", "--new-author", stdin=PASSWORD
    )
    assert both.returncode == 2 and "not both" in both.stderr
    assert cms(env, tmp_path, *args, "--email", "lan@x.vn", stdin=PASSWORD).returncode == 0
    taken = cms(env, tmp_path, *args, "--email", "lan@x.vn", "--new-author", stdin=PASSWORD)
    assert taken.returncode == 1, output(taken)
    assert query(settings.database_url, "SELECT count(*) FROM author") == [(0,)]  # rolled back
    assert authors_of(settings.database_url) == [("lan@x.vn", None, None)]
