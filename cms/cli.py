"""The ``cms`` command: serve, migrate, demo, import, export-schema, user, token and webhooks."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import threading
import webbrowser
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from tortoise.exceptions import ConfigurationError
from tortoise.transactions import in_transaction

import settings as settings_module
from cms.accounts import api_tokens, passwords
from cms.accounts import users as accounts
from cms.articles import authors
from cms.articles import tags as tags_
from cms.articles.input import BodyLimits
from cms.core import clock, db
from cms.core.errors import CmsError, NotFound
from cms.core.fields import slug_format
from cms.core.locales import Locales
from cms.importer.load import Imported, ImportFailed, Options, Outcome, import_file
from cms.media.storage import store_from_settings
from cms.media.uploads import Limits, UploadLimits
from cms.models import Author, Event, Role, Section
from cms.web.logs import log_config
from cms.web.metrics import MULTIPROC_ENV
from cms.web.server import serve_options, worker_count
from settings import Settings

if TYPE_CHECKING:
    from cms.demo.english import English

app = typer.Typer(
    help="A headless CMS for news, with a GraphQL API.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
# Soft wrapping: a long path, slug or message stays on one line (greppable, copyable) in logs.
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    """The settings from the environment; a bad value is a message naming it, and exit 2."""
    try:
        return settings_module.load()
    except ValidationError as error:
        for problem in error.errors():
            name = "CMS_" + "_".join(str(part) for part in problem["loc"]).upper()
            _invalid_setting(name, problem["msg"])
    except ConfigurationError as error:  # tortoise rejected the database URL
        _invalid_setting("CMS_DATABASE_URL", str(error))
    raise typer.Exit(2)


def _invalid_setting(name: str, message: str) -> None:
    errors.print(f"[red]Invalid setting[/red] {name}: {escape(message)}")


T = TypeVar("T")


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's async part; an unreachable database is a message and exit 1."""
    try:
        return asyncio.run(work)
    except db.DatabaseUnavailable as error:
        errors.print(f"[red]Database unavailable:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None


def _limits(settings: Settings) -> Limits:
    return UploadLimits.of(settings).photos


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    migrate: Annotated[bool, typer.Option(help="Apply migrations before starting.")] = True,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open GraphiQL in a browser once started.")
    ] = False,
    access_log: Annotated[
        bool, typer.Option(help="Log every request to stdout (failures are logged anyway).")
    ] = True,
    workers: Annotated[
        str,
        typer.Option(
            help="Processes serving the one socket: a number, or `auto` for one per core. Each "
            "keeps its own response cache (coherent as separate instances are); background "
            "jobs still run once.",
        ),
    ] = "1",
) -> None:
    """Run the CMS (GraphQL at /graphql, media at /media) under uvicorn."""
    settings = _settings()
    try:
        processes = worker_count(workers)
    except ValueError:
        errors.print(f"[red]workers:[/red] {escape(workers)!s} is not a number from 1 or `auto`.")
        raise typer.Exit(2) from None
    if migrate:
        _run(db.migrate(settings))
    url = f"http://{'127.0.0.1' if host in {'0.0.0.0', '::'} else host}:{port}/graphql"
    console.print(f"GraphiQL and the API: [bold]{url}[/bold]  (Ctrl-C stops)")
    if open_browser:
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    # Worker processes count into files of one folder, which /metrics adds up (cms.web.metrics);
    # set before they start, so that each imports prometheus-client in multiprocess mode.
    folder = tempfile.mkdtemp(prefix="cms-metrics-") if processes > 1 else None
    if folder is not None:
        os.environ[MULTIPROC_ENV] = folder
    try:
        _uvicorn(settings, host, port, processes, access_log)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _uvicorn(settings: Settings, host: str, port: int, processes: int, access_log: bool) -> None:
    uvicorn.run(
        "cms.app:asgi",
        factory=True,
        host=host,
        port=port,
        proxy_headers=False,  # the app believes them from CMS_TRUSTED_PROXIES alone
        access_log=False,  # the edge writes each request's line (cms.web.logs)
        log_config=log_config(settings.log_format, access=access_log),
        workers=processes,
        **serve_options(settings.keep_alive_timeout, settings.shutdown_timeout),
    )


@app.command("migrate")
def migrate_command() -> None:
    """Apply the committed database migrations."""
    _run(db.migrate(_settings()))
    console.print("Database is up to date.")


@app.command()
def demo() -> None:
    """Load the demo content (sample article, its photos, its event, a few sections, two tags
    and a front page) and its English edition. Safe to run again."""
    from cms import demo as demo_content

    settings = _settings()

    async def run() -> demo_content.DemoContent:
        await db.migrate(settings)
        async with db.connected(settings), store_from_settings(settings) as store:
            limits = BodyLimits(settings.max_blocks, settings.max_block_chars)
            return await demo_content.load(store, _limits(settings), limits)

    loaded = _run(run())
    event_word = "created" if loaded.event_created else "already there"
    console.print(f"Event [bold]{escape(loaded.event.name)}[/bold]: {event_word}.")
    console.print(f"Sections: {loaded.sections_created} created.")
    console.print(f"Article [bold]{loaded.article.slug}[/bold]: {loaded.article.outcome}.")
    front_word = "created" if loaded.front_page_created else "already there"
    console.print(f"Front page [bold]{demo_content.FRONT_PAGE[0]}[/bold]: {front_word}.")
    _demo_english(settings, loaded.english)


def _demo_english(settings: Settings, loaded: English) -> None:
    """What the demo's English edition did, and how to read it when ``en`` is not configured."""
    from cms.demo.english import LOCALE

    word = "created" if loaded.article_created else "already there"
    console.print(f"English translation [bold]{loaded.article.slug}[/bold]: {word}.")
    console.print(f"English names of sections, tags and the event: {loaded.names_written} written.")
    if LOCALE not in settings.locales:
        console.print(
            f"The API reads only CMS_LOCALES ({','.join(settings.locales)}): to read the English "
            f"edition, serve with CMS_LOCALES={','.join((*settings.locales, LOCALE))}."
        )


@app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Export files, or folders of *.txt files.")],
    images: Annotated[
        Path | None,
        typer.Option(help="Folder with the photos (default: each file's own folder)."),
    ] = None,
    placeholder_images: Annotated[
        bool, typer.Option(help="Generate labelled placeholders for missing photos.")
    ] = False,
    event: Annotated[
        str | None, typer.Option(help="Slug of an existing event the articles report on.")
    ] = None,
    section: Annotated[
        str | None,
        typer.Option(help="Slug (or path) of an existing section the articles go in."),
    ] = None,
    tags: Annotated[
        str | None,
        typer.Option(help='Tags the articles carry, comma-separated: "khu công nghiệp, FDI".'),
    ] = None,
    locale: Annotated[
        str | None,
        typer.Option(
            help="The locale the articles are written in, one of CMS_LOCALES (default: the "
            "first). Slugs are unique per locale."
        ),
    ] = None,
) -> None:
    """Import articles from the portal's plain-text export. Re-importing changes nothing."""
    files = _expand(paths)
    if not files:
        errors.print("[red]No files to import.[/red]")
        raise typer.Exit(2)
    settings = _settings()
    tag_names = _tag_names(tags)
    where = _Where(event, section, tag_names, _locale(settings, locale))
    results, failures = _run(_import_all(settings, files, images, placeholder_images, where))
    _summary(results, failures)
    if failures:
        raise typer.Exit(1)


def _expand(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.rglob("*.txt")) if path.is_dir() else [path])
    return found


@dataclass(frozen=True, slots=True)
class _Where:
    """Where ``cms import`` files its articles: an event, a section (slugs), tags (checked)."""

    event: str | None
    section: str | None
    tags: tuple[str, ...] | None
    locale: str
    """Checked: one of the configured locales."""


def _locale(settings: Settings, given: str | None) -> str:
    """``--locale`` as a configured locale's standard tag (the default one when not given); an
    unknown one is a message and exit 2."""
    try:
        return Locales.of(settings).check(given, field="--locale")
    except CmsError as error:
        errors.print(f"[red]{escape(error.message)}[/red]")
        raise typer.Exit(2) from None


def _tag_names(given: str | None) -> tuple[str, ...] | None:
    """``--tags "a, b"`` as checked tag names; a bad one is a message and exit 2."""
    if given is None:
        return None
    names = [name for name in given.split(",") if name.strip()]
    try:
        return tuple(tags_.checked(names, "--tags"))
    except CmsError as error:
        errors.print(f"[red]{escape(error.message)}[/red]")
        raise typer.Exit(2) from None


async def _import_all(
    settings: Settings,
    files: list[Path],
    images_dir: Path | None,
    placeholder_images: bool,
    where: _Where,
) -> tuple[list[Imported], list[str]]:
    await db.migrate(settings)
    async with db.connected(settings), store_from_settings(settings) as store:
        event_id = await _event_id(where.event)
        section_id = await _section_id(where.section)
        options = Options(
            store,
            _limits(settings),
            images_dir,
            placeholder_images,
            event_id,
            section_id=section_id,
            tags=where.tags,
            locale=where.locale,
        )
        return await _run_imports(files, options)


async def _section_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    found = await (
        Section.get_or_none(path=slug) if "/" in slug else Section.get_or_none(slug=slug)
    )
    if found is None:
        errors.print(f"[red]No section with slug {slug!r}.[/red]")
        raise typer.Exit(2)
    return found.id


async def _event_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    event = await Event.get_or_none(slug=slug)
    if event is None:
        errors.print(f"[red]No event with slug {slug!r}.[/red]")
        raise typer.Exit(2)
    return event.id


async def _run_imports(files: list[Path], options: Options) -> tuple[list[Imported], list[str]]:
    results: list[Imported] = []
    failures: list[str] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), console=errors, transient=True) as progress:
        task = progress.add_task("Importing", total=len(files))
        for path in files:
            try:
                results.append(await import_file(path, options))
            except ImportFailed as error:
                failures.append(error.message)
            except (CmsError, OSError) as error:
                failures.append(f"{path}: {error}")
            progress.advance(task)
    return results, failures


def _summary(results: list[Imported], failures: list[str]) -> None:
    # Paths and messages are text, not markup: a file named "bad [draft].txt" keeps its name.
    for failure in failures:
        errors.print(f"[red]failed[/red] {escape(failure)}")
    if len(results) <= 20:
        for result in results:
            console.print(escape(f"{result.outcome:>9}  {result.slug}  ({result.path})"))
    counts = Counter(result.outcome for result in results)
    table = Table(title="Import summary")
    for outcome in Outcome:
        table.add_column(outcome.value, justify="right")
    table.add_column("failed", justify="right")
    table.add_row(*(str(counts[o]) for o in Outcome), str(len(failures)))
    console.print(table)


@app.command("export-schema")
def export_schema(
    check: Annotated[
        bool, typer.Option(help="Only check that the file is up to date (exit 1 if not).")
    ] = False,
    output: Annotated[
        Path | None, typer.Option(help="Where to write the SDL (default: schema/schema.graphql).")
    ] = None,
) -> None:
    """Write the GraphQL schema (SDL) that frontend developers generate clients from."""
    _settings()  # every command refuses invalid settings, even one that does not need them
    import schema as schema_package  # here: building the schema is not every command's cost

    output = output or Path(schema_package.__file__).parent / "schema.graphql"
    sdl = f"{schema_package.schema}\n"
    current = output.read_text(encoding="utf-8") if output.exists() else None
    if check:
        if current != sdl:
            errors.print(f"[red]{output} is stale:[/red] run `cms export-schema`.")
            raise typer.Exit(1)
        console.print(f"{output} is up to date.")
        return
    output.write_text(sdl, encoding="utf-8")
    console.print(f"Wrote {output}.")


search_app = typer.Typer(help="The search index.", no_args_is_help=True)
app.add_typer(search_app, name="search")


@search_app.command("reindex")
def search_reindex(
    batch_size: Annotated[
        int, typer.Option(min=1, max=5000, help="Articles per transaction.")
    ] = 200,
) -> None:
    """Rebuild the search index of every article (after an upgrade, or if it looks wrong)."""
    from cms.search import index as search_index

    settings = _settings()

    async def run() -> int:
        await db.migrate(settings)
        async with db.connected(settings):
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
            with Progress(*columns, TimeRemainingColumn(), console=errors, transient=True) as bar:
                task = bar.add_task("Indexing", total=None)

                def advance(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                return await search_index.reindex(batch_size, advance)

    count = _run(run())
    console.print(f"Indexed {count} article{'s' if count != 1 else ''} for search.")


images_app = typer.Typer(help="Image files.", no_args_is_help=True)
app.add_typer(images_app, name="images")


@images_app.command("backfill")
def images_backfill() -> None:
    """Compute the placeholder and dominant colour of images taken in before they existed (the
    files stay as they are). Safe to run again: only images without one are read."""
    from cms.media.backfill import backfill

    settings = _settings()
    skipped: list[str] = []

    def report(image: Any, problem: str | None) -> None:
        if problem is not None:
            skipped.append(f"image {image.id} ({image.filename}): {problem}")

    async def run() -> int:
        await db.migrate(settings)
        async with db.connected(settings), store_from_settings(settings) as store:
            return await backfill(store, _limits(settings), report)

    count = _run(run())
    for line in skipped:
        errors.print(f"[yellow]Skipped[/yellow] {escape(line)}")
    console.print(f"Placeholders computed for {count} image{'s' if count != 1 else ''}.")
    if skipped:
        raise typer.Exit(1)


user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Their email, to sign in with.")],
    role: Annotated[Role, typer.Option(case_sensitive=False, help="What they may do.")],
    name: Annotated[
        str | None, typer.Option(help="Display name (default: the email before the @).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from one line of stdin.")
    ] = False,
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            metavar="SLUG",
            help="Link the account to this existing author profile (its slug): what an author "
            "writes is signed with it.",
        ),
    ] = None,
    new_author: Annotated[
        bool,
        typer.Option(
            "--new-author",
            help="Make a new author profile from --name (or the email before the @) and link "
            "the account to it.",
        ),
    ] = False,
) -> None:
    """Make a user account, e.g. the first admin of a fresh install. Asks for the password twice
    (hidden) at a terminal; with --password-stdin, reads it from standard input.

    An author writes only as their author profile: give --author SLUG (an existing profile) or
    --new-author (one made from the name). Without either, an admin must link one later
    (userUpdate's authorId) before the author can write."""
    settings = _settings()
    if author is not None and new_author:
        errors.print("[red]author:[/red] Give --author SLUG or --new-author, not both.")
        raise typer.Exit(2)
    email = _checked(lambda: accounts.checked_email(email))
    shown = name or email.split("@")[0]
    name = _checked(lambda: accounts.checked_name(shown))
    slug = _checked(lambda: slug_format(author, "author")) if author is not None else None
    password = _checked(lambda: passwords.checked(_password(password_stdin)))
    new = accounts.NewUser(email=email, name=name, role=role, password=password)

    async def run() -> str | None:
        await db.migrate(settings)
        async with db.connected(settings), in_transaction():  # the profile and account, or neither
            profile = await _profile_for(slug, name if new_author else None)
            linked = replace(new, author_id=profile.id if profile else None)
            await accounts.create(accounts.CONSOLE, linked, settings.password_hash_concurrency)
            return profile.slug if profile else None

    linked_slug = _refused_exit_1(lambda: _run(run()))
    console.print(f"Created {role} [bold]{escape(email)}[/bold]: sign in with `login` in GraphiQL.")
    if linked_slug is not None:
        console.print(f"Linked to the author profile [bold]{escape(linked_slug)}[/bold].")
    elif role is Role.AUTHOR:
        errors.print(
            "[yellow]No author profile linked:[/yellow] they cannot write until an admin links "
            "one (userUpdate's authorId), or make the account with --author SLUG or --new-author."
        )


async def _profile_for(slug: str | None, new_name: str | None) -> Author | None:
    """The author profile to link: the one with ``slug``, a new one called ``new_name``, or none."""
    if new_name is not None:
        return await authors.create(
            accounts.CONSOLE, authors.AuthorInput(name=new_name), clock.now()
        )
    if slug is None:
        return None
    found = await Author.get_or_none(slug=slug)
    if found is None:
        raise NotFound(f"There is no author profile with the slug {slug!r}.", field="author")
    return found


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="What it is for, e.g. 'website build'.")],
    role: Annotated[Role, typer.Option(case_sensitive=False, help="What it may do.")],
    expires_in_days: Annotated[
        int | None,
        typer.Option(min=1, max=36500, help="Valid for N days (default: until revoked)."),
    ] = None,
) -> None:
    """Make an API token and print it, once, alone on standard output (for scripts)."""
    settings = _settings()
    name = _checked(lambda: api_tokens.checked_name(name))

    async def run() -> str:
        await db.migrate(settings)
        now = clock.now()
        expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
        async with db.connected(settings):
            issued = await api_tokens.create(accounts.CONSOLE, name, role, expires_at, now)
        return issued.secret

    secret = _refused_exit_1(lambda: _run(run()))
    until = f"for {expires_in_days} days" if expires_in_days else "until revoked"
    errors.print(f"API token [bold]{escape(name)}[/bold] ({role}), valid {until}. Shown once:")
    print(secret)


def _password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or asked twice at a terminal."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        errors.print("[red]No terminal to ask for the password:[/red] use --password-stdin.")
        raise typer.Exit(2)
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _checked(check: Callable[[], T]) -> T:
    """``check()``, or its refusal as a message and exit 2 (bad input, nothing done)."""
    try:
        return check()
    except CmsError as error:
        errors.print(f"[red]{escape(error.field or 'input')}:[/red] {escape(error.message)}")
        raise typer.Exit(2) from None


def _refused_exit_1(work: Callable[[], T]) -> T:
    """``work()``, or the services' refusal (an email already taken...) as a message, exit 1."""
    try:
        return work()
    except CmsError as error:
        errors.print(f"[red]Refused:[/red] {escape(error.message)}")
        raise typer.Exit(1) from None


webhooks_app = typer.Typer(help="Webhook deliveries.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


@webhooks_app.command("deliver")
def webhooks_deliver() -> None:
    """Announce scheduled articles whose time has come, then send every webhook delivery that
    is due, once (for cron; the server does the same by itself every second)."""
    from cms.articles import publishing
    from cms.notify import delivery

    settings = _settings()

    async def run() -> tuple[int, int]:
        async with db.connected(settings):
            published = await publishing.publish_due(clock.now())
            sender = delivery.Sender(settings)
            sent = 0
            try:
                while batch := await sender.run_once(clock.now()):
                    sent += batch
            finally:
                await sender.close()
            return published, sent

    published, sent = _run(run())
    console.print(
        f"{published} scheduled article{'s' if published != 1 else ''} announced; "
        f"{sent} deliver{'ies' if sent != 1 else 'y'} attempted."
    )


queries_app = typer.Typer(
    help="Trusted documents: what anonymous clients may run with CMS_PERSISTED_QUERIES_ONLY.",
    no_args_is_help=True,
)
app.add_typer(queries_app, name="queries")


@queries_app.command("register")
def queries_register(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="`.graphql` files (one document each, kept as their exact text) or Apollo "
            "persisted-query manifests (`.json`).",
            exists=True,
            dir_okay=False,
        ),
    ],
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print an Apollo persisted-query manifest of them instead."),
    ] = False,
) -> None:
    """Register documents by the SHA-256 of their text (what clients send as `sha256Hash`).
    Each is checked against the schema and the query limits first: if one fails, nothing is
    registered. A file may hold several operations (clients choose one by `operationName`)."""
    from cms.web.graphql import trusted as persisted_queries

    settings = _settings()
    documents = _documents(files, settings)

    async def run() -> list[persisted_queries.Registered]:
        await db.migrate(settings)
        async with db.connected(settings):
            return await persisted_queries.register([(d.text, d.source) for d in documents])

    outcomes = _run(run())
    report = errors if as_json else console
    for document, outcome in zip(documents, outcomes, strict=True):
        word = "registered" if outcome.created else "unchanged "
        report.print(escape(f"{word}  {outcome.sha256}  {document.source}  {document.names}"))
    if as_json:
        print(_manifest(documents))


@queries_app.command("list")
def queries_list(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print them as an Apollo persisted-query manifest.")
    ] = False,
) -> None:
    """The registered documents, oldest first: hash, operations (or why the document no longer
    validates against the schema), where it came from, when."""
    from cms.web.graphql import trusted as persisted_queries

    settings = _settings()

    async def run() -> list[_Document]:
        await db.migrate(settings)
        async with db.connected(settings):
            rows = await persisted_queries.all_registered()
        return [
            _Document.checked(row.document, row.source, settings, row.created_at.isoformat())
            for row in rows
        ]

    documents = _run(run())
    if as_json:
        print(_manifest(documents))
        return
    for document in documents:
        line = f"{document.sha256}  {document.names}  {document.source}  {document.created}"
        console.print(escape(line))
    console.print(f"{len(documents)} registered document{'s' if len(documents) != 1 else ''}.")


@queries_app.command("remove")
def queries_remove(
    hashes: Annotated[
        list[str], typer.Argument(help="SHA-256 hashes, as `cms queries list` shows them.")
    ],
) -> None:
    """Forget registered documents: anonymous clients stop running them at once (with
    CMS_PERSISTED_QUERIES_ONLY), and the answers the response cache kept go too."""
    from cms.web.graphql import trusted as persisted_queries

    checked = {value: persisted_queries.normal_hash(value) for value in hashes}
    bad = [value for value, key in checked.items() if key is None]
    if bad:
        errors.print(f"[red]Not a SHA-256:[/red] {escape(', '.join(bad))}")
        raise typer.Exit(2)
    keys = list(dict.fromkeys(key for key in checked.values() if key is not None))
    settings = _settings()

    async def run() -> list[str]:
        await db.migrate(settings)
        async with db.connected(settings):
            return await persisted_queries.remove(keys)

    removed = _run(run())
    for key in removed:
        console.print(f"removed  {key}")
    unknown = [key for key in keys if key not in removed]
    for key in unknown:
        errors.print(f"[yellow]not registered[/yellow]  {key}")
    if unknown:
        raise typer.Exit(1)


@dataclass(frozen=True)
class _Document:
    """A document to register, or registered, and what ``cms queries`` says of it."""

    text: str
    source: str
    operations: tuple[tuple[str, str | None], ...]
    """(kind, name) of each operation; empty when the document does not validate."""
    problem: str | None = None
    created: str = ""

    @classmethod
    def checked(cls, text: str, source: str, settings: Settings, created: str = "") -> _Document:
        from cms.web.graphql.documents import InvalidDocument, operations
        from schema import schema

        try:
            found = operations(schema, text, settings)
        except InvalidDocument as error:
            return cls(text, source, (), error.problems[0], created)
        return cls(text, source, tuple((op.kind, op.name) for op in found), None, created)

    @property
    def sha256(self) -> str:
        from cms.web.graphql.trusted import sha256_hex

        return sha256_hex(self.text)

    @property
    def names(self) -> str:
        if self.problem is not None:
            return f"INVALID: {self.problem}"
        return ", ".join(f"{kind} {name or '(anonymous)'}" for kind, name in self.operations)


def _documents(files: list[Path], settings: Settings) -> list[_Document]:
    """The documents of ``files``, each checked, once each; exit 2 naming every problem."""
    from cms.web.graphql import manifest as query_manifest

    found: dict[str, _Document] = {}
    problems: list[str] = []
    for path in files:
        try:
            data = path.read_bytes()
            if path.suffix.lower() == ".json":
                texts = [(op.body, f"{path.name}#{op.name}") for op in query_manifest.read(data)]
            else:
                texts = [(data.decode("utf-8"), path.name)]  # exact: no newline translation
        except (OSError, UnicodeDecodeError, query_manifest.BadManifest) as error:
            problems.append(f"{path}: {error}")
            continue
        for text, source in texts:
            document = _Document.checked(text, source, settings)
            if document.problem is not None:
                problems.append(f"{source}: {document.problem}")
            found.setdefault(document.sha256, document)
    for problem in problems:
        errors.print(f"[red]Refused[/red] {escape(problem)}")
    if problems:
        errors.print("Nothing was registered.")
        raise typer.Exit(2)
    return list(found.values())


def _manifest(documents: list[_Document]) -> str:
    """An Apollo persisted-query manifest: one entry per operation, each with its document."""
    from cms.web.graphql import manifest as query_manifest

    return query_manifest.write(
        query_manifest.ManifestOperation(doc.sha256, name or "", kind, doc.text)
        for doc in documents
        for kind, name in doc.operations
    )


# --- Operations (cms.ops): housekeeping, backups, restores, checks ------------------------------


@app.command("prune")
def prune_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what is due, delete nothing.")
    ] = False,
) -> None:
    """Prune old webhook deliveries and events, sign-in throttles, ended tokens, the change
    feed's old tombstones and orphan renditions (for cron, when CMS_HOUSEKEEPING_SECONDS=0; the
    server does it by itself otherwise)."""
    from cms.ops import housekeeping

    settings = _settings()

    async def run() -> housekeeping.Pruned:
        async with db.connected(settings), store_from_settings(settings) as store:
            return await housekeeping.prune(settings, store, clock.now(), dry_run=dry_run)

    pruned = _run(run())
    verb = "would be pruned" if dry_run else "pruned"
    for name, count in pruned.counts().items():
        console.print(f"{name}: {count} {verb}")


@app.command("backup")
def backup_command(
    folder: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup.")],
    objects: Annotated[
        bool,
        typer.Option(
            "--objects",
            help="With an S3 store, copy the originals too (a local store's always are).",
        ),
    ] = False,
) -> None:
    """Back up the database and the photos' originals while the CMS runs: a consistent snapshot
    (SQLite's online backup, or pg_dump's custom format) and manifest.json with counts and the
    sha256 of every file."""
    from cms.ops import backup as backups

    settings = _settings()

    async def run() -> backups.Backup:
        async with db.connected(settings), store_from_settings(settings) as store:
            return await backups.backup(settings, store, folder, objects=objects)

    made = _refused_exit_1_backup(lambda: _run(run()))
    counts = ", ".join(f"{n} {table}" for table, n in made.counts.items())
    console.print(f"Backed up into [bold]{escape(str(folder))}[/bold]: {counts}.")
    copied = "copied" if made.objects else "listed (not copied: --objects copies them)"
    console.print(f"{len(made.media)} originals {copied}.")
    for key in made.missing:
        errors.print(f"[yellow]Gone from the store while backing up:[/yellow] {escape(key)}")


@app.command("restore")
def restore_command(
    folder: Annotated[Path, typer.Argument(help="A folder made by `cms backup`.")],
) -> None:
    """Restore a backup into an EMPTY database (a new SQLite path, or a new PostgreSQL database)
    and an empty media store, then apply newer migrations. Run `cms check` after."""
    from cms.ops import backup as backups

    settings = _settings()

    async def run() -> backups.Restored:
        async with store_from_settings(settings) as store:
            return await backups.restore(settings, store, folder)

    restored = _refused_exit_1_backup(lambda: _run(run()))
    _run(db.migrate(settings))
    counts = ", ".join(f"{n} {table}" for table, n in restored.counts.items())
    console.print(f"Restored {counts}; {restored.files} originals into the media store.")


@app.command("check")
def check_command() -> None:
    """Verify the installation: every image's file with its hash, the search index, revisions
    against versions, the content version and change feed. Exit 1 listing each problem."""
    from cms.ops import check as checks

    settings = _settings()

    async def run() -> checks.Report:
        async with db.connected(settings), store_from_settings(settings) as store:
            return await checks.check(store)

    report = _run(run())
    for problem in report.problems:
        console.print(f"[red]Problem:[/red] {escape(problem)}")
    checked = ", ".join(f"{n} {what}" for what, n in report.checked.items())
    if report.problems:
        errors.print(f"{len(report.problems)} problems ({checked}).")
        raise typer.Exit(1)
    console.print(f"All good: {checked}.")


def _refused_exit_1_backup(work: Callable[[], T]) -> T:
    """``work()``; a :class:`BackupError` is its message and exit 1."""
    from cms.ops.backup import BackupError

    try:
        return work()
    except BackupError as error:
        errors.print(f"[red]Refused:[/red] {escape(str(error))}")
        raise typer.Exit(1) from None


def main() -> None:
    app()
