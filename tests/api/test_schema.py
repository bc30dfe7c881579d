"""The exported SDL, the committed migrations and the API's documentation stay in step."""

from __future__ import annotations

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
)
from tortoise.context import TortoiseContext
from tortoise.migrations.autodetector import MigrationAutodetector

import schema as schema_package
from cms.core import compat
from schema import schema
from settings import Settings

SDL = Path(schema_package.__file__).parent / "schema.graphql"


def test_exported_sdl_is_up_to_date() -> None:
    assert SDL.read_text(encoding="utf-8") == f"{schema}\n", "run `cms export-schema`"


async def test_committed_migrations_match_the_models(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite://{tmp_path / 'x.sqlite3'}")
    config = settings.tortoise_config()
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        assert ctx.apps is not None
        changes = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    assert changes == [], "models changed: run `tortoise -c settings.TORTOISE_ORM makemigrations`"


def test_every_type_field_and_argument_is_described() -> None:
    missing: list[str] = []
    for name, kind in compat.graphql_core_schema(schema).type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not kind.description:
            missing.append(name)
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        if isinstance(kind, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in kind.values.items() if not value.description]
        assert not isinstance(kind, GraphQLUnionType) or kind.description
    assert missing == []
