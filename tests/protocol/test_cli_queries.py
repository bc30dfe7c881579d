"""``cms queries register | list | remove``: the real command, in a subprocess, on each database."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from settings import Settings
from tests.cli.test_cli import Run, count, query, runner

pytestmark = pytest.mark.database("sqlite", "postgres")

FEED = "query Feed($n: Int = 5) {\r\n  articles(first: $n) { nodes { title } }\r\n}\r\n"
TWO = "query Count { articles { totalCount } }\nquery Names { authors { nodes { name } } }\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def cms(tmp_path: Path, settings: Settings) -> Run:
    return runner(tmp_path, settings.database_url)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode())  # exact bytes: CRLF stays CRLF
    return path


def test_register_keeps_the_exact_text_by_its_hash(cms, settings, tmp_path):
    feed, two = write(tmp_path, "feed.graphql", FEED), write(tmp_path, "two.graphql", TWO)
    done = cms("queries", "register", str(feed), str(two))
    assert done.returncode == 0, done.stderr
    assert f"registered  {sha(FEED)}  feed.graphql  query Feed" in done.stdout
    assert f"{sha(TWO)}  two.graphql  query Count, query Names" in done.stdout
    rows = query(settings.database_url, "SELECT sha256, document, source FROM persisted_query")
    assert sorted(rows) == sorted(
        [(sha(FEED), FEED, "feed.graphql"), (sha(TWO), TWO, "two.graphql")]
    )
    again = cms("queries", "register", str(feed))
    assert again.returncode == 0 and f"unchanged   {sha(FEED)}" in again.stdout
    assert count(settings.database_url, "persisted_query") == 2


def test_an_invalid_document_registers_nothing(cms, settings, tmp_path):
    good = write(tmp_path, "feed.graphql", FEED)
    typo = write(tmp_path, "typo.graphql", "{ articles { totalCont } }")
    broken = write(tmp_path, "broken.graphql", "{ articles {")
    deep = write(tmp_path, "deep.graphql", "{ " + "a: __typename " * 40 + "}")
    fragments = write(tmp_path, "fragments.graphql", "fragment F on Article { title }")
    latin1 = tmp_path / "latin1.graphql"
    latin1.write_bytes("{ __typename } # Hội".encode("cp1258", errors="replace") + b"\xff")
    done = cms("queries", "register", *map(str, (good, typo, broken, deep, fragments, latin1)))
    assert done.returncode == 2
    refusals = done.stderr
    assert "typo.graphql: Cannot query field 'totalCont' on type 'ArticleConnection'." in refusals
    assert "(line 1 column 14)" in refusals
    assert "broken.graphql: Syntax Error" in refusals
    assert "deep.graphql:" in refusals and "aliases" in refusals.lower()
    assert "fragments.graphql: Fragment 'F' is never used." in refusals
    assert "latin1.graphql:" in refusals and "utf-8" in refusals.lower()
    assert "Nothing was registered." in refusals
    assert count(settings.database_url, "persisted_query") == 0


def test_a_manifest_in_and_out(cms, settings, tmp_path):
    out = cms("queries", "register", "--json", str(write(tmp_path, "two.graphql", TWO)))
    assert out.returncode == 0, out.stderr
    manifest = json.loads(out.stdout)
    assert manifest["format"] == "apollo-persisted-query-manifest" and manifest["version"] == 1
    assert [(op["name"], op["type"], op["id"]) for op in manifest["operations"]] == [
        ("Count", "query", sha(TWO)),
        ("Names", "query", sha(TWO)),
    ]
    assert all(op["body"] == TWO for op in manifest["operations"])
    apollo = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": sha(FEED), "name": "Feed", "type": "query", "body": FEED}],
    }
    taken = cms("queries", "register", str(write(tmp_path, "app.json", json.dumps(apollo))))
    assert taken.returncode == 0, taken.stderr
    assert f"registered  {sha(FEED)}  app.json#Feed  query Feed" in taken.stdout
    listed = cms("queries", "list", "--json")
    assert [op["id"] for op in json.loads(listed.stdout)["operations"]] == [
        sha(TWO),
        sha(TWO),
        sha(FEED),
    ]


def test_a_manifest_with_other_ids_is_refused(cms, settings, tmp_path):
    apollo = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": "feed-v1", "name": "Feed", "type": "query", "body": FEED}],
    }
    done = cms("queries", "register", str(write(tmp_path, "app.json", json.dumps(apollo))))
    assert done.returncode == 2
    assert "`id` is not the SHA-256 of `body`" in done.stderr
    other = cms("queries", "register", str(write(tmp_path, "x.json", '{"operations": []}')))
    assert other.returncode == 2 and "not a manifest" in other.stderr
    assert count(settings.database_url, "persisted_query") == 0


def test_list_and_remove(cms, settings, tmp_path):
    cms("queries", "register", str(write(tmp_path, "feed.graphql", FEED)))
    cms("queries", "register", str(write(tmp_path, "two.graphql", TWO)))
    listed = cms("queries", "list")
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert lines[0].startswith(f"{sha(FEED)}  query Feed  feed.graphql  ")
    assert lines[1].startswith(f"{sha(TWO)}  query Count, query Names  two.graphql  ")
    assert lines[2] == "2 registered documents."
    version = query(settings.database_url, "SELECT version FROM content_state")[0][0]
    removed = cms("queries", "remove", sha(FEED).upper())  # as any client may write it
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.strip() == f"removed  {sha(FEED)}"
    assert query(settings.database_url, "SELECT version FROM content_state")[0][0] == version + 1
    unknown = cms("queries", "remove", sha(FEED), sha(TWO))
    assert unknown.returncode == 1
    assert f"removed  {sha(TWO)}" in unknown.stdout
    assert f"not registered  {sha(FEED)}" in unknown.stderr
    bad = cms("queries", "remove", "feed.graphql")
    assert bad.returncode == 2 and "Not a SHA-256: feed.graphql" in bad.stderr
    assert cms("queries", "list").stdout.strip() == "0 registered documents."


def test_a_document_over_the_cost_limit_is_not_registered(cms, settings, tmp_path):
    """Costed with its variables at their worst: ``$n`` may be 100 when a client sends it."""
    costly = write(
        tmp_path,
        "costly.graphql",
        "query Costly($n: Int) { authors(first: $n) { nodes { articles(first: $n) {"
        " nodes { title } } } } }",
    )
    done = cms("queries", "register", str(costly))
    assert done.returncode == 2
    assert "costly.graphql:" in done.stderr and "QUERY_TOO_COMPLEX" in done.stderr
    assert "up to 10,100 nodes; the limit is 10,000" in done.stderr
    assert count(settings.database_url, "persisted_query") == 0
