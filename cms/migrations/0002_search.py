from collections import defaultdict

import orjson
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index
from cms.search.documents import build_from
from cms.text import sort_key


# --- Hand-written, frozen: this migration's own SQL and helpers, as they were when it was made.
# Do not import live search code here: a later change to it must not change what this migration
# does on a new database. Filling the index uses two pure functions, the words an article is
# indexed by (cms.search.documents.build_from) and the sort key (cms.text.sort_key): the index must
# hold the words that the running code's queries look for.

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5("
    "title, body, title_exact, body_exact, tokenize = 'ascii', prefix = '1 2 3 4')",
    # FTS5 tables take no foreign key: a deleted article leaves the index by this trigger.
    "CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON article "
    "BEGIN DELETE FROM article_search WHERE rowid = old.id; END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS article_search_delete",
    "DROP TABLE IF EXISTS article_search",
)
# The article's visibility (its publication time if its status is public) and sort date, as SQL
# over an article row named ``{row}``: copied into the PostgreSQL index row.
PUBLIC_AT = "CASE WHEN {row}.status IN ('published', 'scheduled') THEN {row}.published_at END"
SORT_AT = "COALESCE({row}.published_at, {row}.created_at)"
POSTGRES_CREATE = (
    "CREATE TABLE IF NOT EXISTS article_search ("
    "article_id INT PRIMARY KEY REFERENCES article (id) ON DELETE CASCADE, "
    "title TSVECTOR NOT NULL, document TSVECTOR NOT NULL, "
    "public_at TIMESTAMPTZ, sort_at TIMESTAMPTZ NOT NULL) WITH (toast_tuple_target = 8160)",
    "ALTER TABLE article_search ALTER COLUMN document SET STORAGE MAIN",
    "CREATE OR REPLACE FUNCTION article_search_visibility() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN UPDATE article_search SET public_at = {PUBLIC_AT.format(row='NEW')}, "
    f"sort_at = {SORT_AT.format(row='NEW')} WHERE article_id = NEW.id; RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS article_search_visibility ON article",
    "CREATE TRIGGER article_search_visibility AFTER UPDATE OF status, published_at, created_at "
    "ON article FOR EACH ROW EXECUTE FUNCTION article_search_visibility()",
    "CREATE INDEX IF NOT EXISTS article_search_document ON article_search USING GIN (document)",
    # Sort keys compare byte by byte, whatever the database's locale.
    'ALTER TABLE article ALTER COLUMN title_sort TYPE VARCHAR(255) COLLATE "C"',
    'ALTER TABLE author ALTER COLUMN name_sort TYPE VARCHAR(255) COLLATE "C"',
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS article_search_visibility ON article",
    "DROP FUNCTION IF EXISTS article_search_visibility()",
    "DROP TABLE IF EXISTS article_search",
)
POSTGRES_WRITE = (
    "INSERT INTO article_search (article_id, title, document, public_at, sort_at) "
    "SELECT a.id, ?::tsvector, ?::tsvector, "
    f"{PUBLIC_AT.format(row='a')}, {SORT_AT.format(row='a')} "
    "FROM article a WHERE a.id = ? "
    "ON CONFLICT (article_id) DO UPDATE SET title = EXCLUDED.title, "
    "document = EXCLUDED.document, public_at = EXCLUDED.public_at, "
    "sort_at = EXCLUDED.sort_at"
)
BATCH = 500
"""Articles indexed per round: a large archive's bodies never sit in memory all at once."""
EXACT = "="
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256


async def forward(apps, schema_editor):
    """Create the index and fill it, and the sort keys, for existing content."""
    db = schema_editor.client
    sqlite = _is_sqlite(db)
    for sql in SQLITE_CREATE if sqlite else POSTGRES_CREATE:
        await db.execute_script(sql)
    for table, column, source in (
        ("article", "title_sort", "title"),
        ("author", "name_sort", "name"),
    ):
        rows = await db.execute_query_dict(f"SELECT id, {source} AS text FROM {table}")
        if rows:
            await db.execute_many(
                _native(db, f"UPDATE {table} SET {column} = ? WHERE id = ?"),
                [[sort_key(row["text"]), row["id"]] for row in rows],
            )
    last_id = 0
    while (docs := await _documents(db, last_id)):
        await (_write_sqlite if sqlite else _write_postgres)(db, docs)
        last_id = docs[-1].article_id
    if not sqlite:
        await db.execute_script("ANALYZE article_search")


async def backward(apps, schema_editor):
    """Drop the index."""
    db = schema_editor.client
    for sql in SQLITE_DROP if _is_sqlite(db) else POSTGRES_DROP:
        await db.execute_script(sql)


def _is_sqlite(db):
    name = db.capabilities.dialect
    if name not in {"sqlite", "postgres"}:
        raise RuntimeError(f"Search needs SQLite or PostgreSQL, not {name}.")
    return name == "sqlite"


def _native(db, sql):
    """``sql`` written with ``?`` markers, in ``db``'s own (``$1, $2, ...`` on PostgreSQL)."""
    if _is_sqlite(db):
        return sql
    parts = sql.split("?")
    return parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))


async def _documents(db, last_id):
    """The index documents of the next ``BATCH`` articles after ``last_id``, by id."""
    articles = await db.execute_query_dict(
        _native(
            db,
            "SELECT a.id, a.title, a.summary, a.body, e.name AS event_name "
            "FROM article a LEFT JOIN event e ON e.id = a.event_id "
            f"WHERE a.id > ? ORDER BY a.id LIMIT {BATCH}",
        ),
        [last_id],
    )
    if not articles:
        return []
    ids = [int(row["id"]) for row in articles]
    links = await db.execute_query_dict(
        _native(
            db,
            "SELECT l.article_id, l.position, au.name FROM article_author l "
            "JOIN author au ON au.id = l.author_id "
            "WHERE l.article_id >= ? AND l.article_id <= ?",
        ),
        [ids[0], ids[-1]],
    )
    names = defaultdict(list)
    for link in links:
        names[int(link["article_id"])].append((int(link["position"]), str(link["name"])))
    return [
        build_from(
            int(row["id"]),
            row["title"],
            row["summary"],
            orjson.loads(row["body"]) if isinstance(row["body"], str | bytes) else row["body"],
            [name for _, name in sorted(names[int(row["id"])])],
            row["event_name"],
        )
        for row in articles
    ]


async def _write_sqlite(db, docs):
    marks = ", ".join("?" for _ in docs)
    await db.execute_query(
        f"DELETE FROM article_search WHERE rowid IN ({marks})", [d.article_id for d in docs]
    )
    await db.execute_many(
        "INSERT INTO article_search (rowid, title, body, title_exact, body_exact) "
        "VALUES (?, ?, ?, ?, ?)",
        [_fts_row(d) for d in docs],
    )


async def _write_postgres(db, docs):
    await db.execute_many(
        _native(db, POSTGRES_WRITE), [[*_tsvectors(d), d.article_id] for d in docs]
    )


def _fts_row(doc):
    return [
        doc.article_id,
        " ".join(w.folded for w in doc.title),
        " ".join(w.folded for w in doc.body),
        " ".join(w.exact for w in doc.title),
        " ".join(w.exact for w in doc.body),
    ]


def _tsvectors(doc):
    """``tsvector`` literals of the title and of the whole document: folded and exact lexemes."""
    title = {}
    document = {}

    def add(items, start, *into):
        position = start
        for word in items:
            at = min(position, MAX_POSITION)
            for positions in into:
                for lexeme in (word.folded, EXACT + word.exact):
                    slots = positions.setdefault(lexeme, [])
                    if len(slots) < MAX_POSITIONS_PER_LEXEME and (not slots or slots[-1] != at):
                        slots.append(at)
            position += 1
        return position

    after_title = add(doc.title, 1, title, document)
    add(doc.body, after_title + 1, document)
    return _literal(title), _literal(document)


def _literal(positions):
    return " ".join(
        f"{_quote_lexeme(lexeme)}:{','.join(map(str, at))}" for lexeme, at in positions.items()
    )


def _quote_lexeme(lexeme):
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


class Migration(migrations.Migration):
    dependencies = [('cms', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Article',
            name='title_sort',
            field=fields.CharField(default='', description='Vietnamese alphabetical sort key of the title.', db_default='', max_length=255),
        ),
        ops.AddIndex(
            model_name='Article',
            index=Index(fields=['title_sort', 'id']),
        ),
        ops.AddField(
            model_name='Author',
            name='name_sort',
            field=fields.CharField(default='', description='Vietnamese alphabetical sort key of the name.', db_default='', max_length=255),
        ),
        ops.AddIndex(
            model_name='Author',
            index=Index(fields=['name_sort', 'id']),
        ),
        # Hand-written: the search index (FTS5 on SQLite, tsvector + GIN on PostgreSQL), filled
        # for existing articles, with the sort keys of existing titles and names.
        ops.RunPython(forward, backward),
    ]
