"""The ``cms`` command: serve, migrate, demo, import, export-schema."""

from __future__ import annotations

import asyncio
import threading
import webbrowser
from collections import Counter
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from tortoise.exceptions import ConfigurationError

import settings as settings_module
from cms import db
from cms.importer.load import Imported, ImportFailed, Options, Outcome, import_file
from cms.models import Event
from cms.services.errors import CmsError
from cms.services.images import Limits
from cms.storage import LocalMediaStore
from cms.web.server import uvicorn_options
from settings import Settings

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
    return Limits(max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    migrate: Annotated[bool, typer.Option(help="Apply migrations before starting.")] = True,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open GraphiQL in a browser once started.")
    ] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request to stdout.")] = True,
) -> None:
    """Run the CMS (GraphQL at /graphql, media at /media) under uvicorn."""
    settings = _settings()
    if migrate:
        _run(db.migrate(settings))
    url = f"http://{'127.0.0.1' if host in {'0.0.0.0', '::'} else host}:{port}/graphql"
    console.print(f"GraphiQL and the API: [bold]{url}[/bold]  (Ctrl-C stops)")
    if open_browser:
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    uvicorn.run(
        "cms.app:asgi",
        factory=True,
        host=host,
        port=port,
        proxy_headers=True,
        access_log=access_log,
        **uvicorn_options(settings.header_timeout, settings.keep_alive_timeout),
    )


@app.command("migrate")
def migrate_command() -> None:
    """Apply the committed database migrations."""
    _run(db.migrate(_settings()))
    console.print("Database is up to date.")


@app.command()
def demo() -> None:
    """Load the demo content (sample article, its photos, its event). Safe to run again."""
    from cms import demo as demo_content

    settings = _settings()

    async def run() -> demo_content.DemoContent:
        await db.migrate(settings)
        async with db.connected(settings):
            store = LocalMediaStore(settings.media_root)
            return await demo_content.load(store, _limits(settings))

    loaded = _run(run())
    event_word = "created" if loaded.event_created else "already there"
    console.print(f"Event [bold]{escape(loaded.event.name)}[/bold]: {event_word}.")
    console.print(f"Article [bold]{loaded.article.slug}[/bold]: {loaded.article.outcome}.")


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
) -> None:
    """Import articles from the portal's plain-text export. Re-importing changes nothing."""
    files = _expand(paths)
    if not files:
        errors.print("[red]No files to import.[/red]")
        raise typer.Exit(2)
    settings = _settings()
    results, failures = _run(_import_all(settings, files, images, placeholder_images, event))
    _summary(results, failures)
    if failures:
        raise typer.Exit(1)


def _expand(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.rglob("*.txt")) if path.is_dir() else [path])
    return found


async def _import_all(
    settings: Settings,
    files: list[Path],
    images_dir: Path | None,
    placeholder_images: bool,
    event_slug: str | None,
) -> tuple[list[Imported], list[str]]:
    await db.migrate(settings)
    async with db.connected(settings):
        event_id = await _event_id(event_slug)
        options = Options(
            LocalMediaStore(settings.media_root),
            _limits(settings),
            images_dir,
            placeholder_images,
            event_id,
        )
        return await _run_imports(files, options)


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


def main() -> None:
    app()
