"""Typed settings, read from ``CMS_*`` environment variables and an optional ``.env`` file.

``TORTOISE_ORM`` is what tortoise's own CLI reads::

    tortoise -c settings.TORTOISE_ORM migrate

Importing this module reads nothing: the environment is read by :func:`load`, and by
``TORTOISE_ORM`` when it is first asked for.
"""

from __future__ import annotations

import ipaddress
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import langcodes
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from tortoise.backends.base.config_generator import expand_db_url

# SQLite serves the whole process over one connection: WAL lets readers in other processes (a
# second `cms` command, a backup) proceed, and the busy timeout makes writers wait, not fail.
_SQLITE_PRAGMAS = {"journal_mode": "WAL", "busy_timeout": 5000, "synchronous": "NORMAL"}


MAX_LOCALES = 20
"""The most locales ``CMS_LOCALES`` may name (a list of them is costed at this many)."""

PATH_PLACEHOLDERS: dict[str, frozenset[str]] = {
    "article_path": frozenset({"section", "slug", "id", "locale"}),
    "section_path": frozenset({"path", "slug"}),
    "tag_path": frozenset({"slug"}),
    "author_path": frozenset({"slug"}),
}
"""The placeholders each website path template may use (filled by :mod:`cms.site.urls`)."""


class Settings(BaseSettings):
    """Every knob of the CMS. Field names map to ``CMS_<NAME>`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="CMS_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite://cms.sqlite3",
        description="sqlite://path/to/file.sqlite3 or postgres://user:pass@host:5432/db",
    )
    media_root: Path = Field(
        default=Path("media"), description="Root folder of the local media store."
    )
    media_store: Literal["local", "s3"] = Field(
        default="local",
        description="Where image files are kept: `local` (the `media_root` folder) or `s3` (an "
        "S3-compatible bucket, the `s3_*` settings).",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="The S3-compatible server (https://s3.example.org). Unset: AWS S3.",
    )
    s3_region: str = Field(default="us-east-1", description="The bucket's region.")
    s3_bucket: str | None = Field(
        default=None,
        validate_default=True,
        description="The bucket holding the media (required for the s3 store).",
    )
    s3_access_key_id: str | None = Field(
        default=None,
        description="Access key. Unset (with the secret): AWS's own chain (AWS_* variables, "
        "~/.aws, an instance role).",
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, validate_default=True, description="Secret of the access key."
    )
    s3_public_url: str | None = Field(
        default=None,
        description="Public base URL of the bucket's objects (a CDN, or the bucket's own public "
        "address): image URLs point there. Unset: the CMS streams them at /media/.",
    )
    public_url: str | None = Field(
        default=None,
        description="Base of absolute media URLs (https://cms.example.org). Unset: the request's "
        "own origin.",
    )
    site_url: str | None = Field(
        default=None,
        description="The public website the articles are read on (https://kcn.example.vn): the "
        "base of canonical URLs, feeds and sitemaps. Unset: `url` fields are null and the feeds "
        "answer 404 saying so.",
    )
    locales: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["vi"],
        description="The languages content is written in, as BCP 47 tags, comma-separated "
        "(`vi,en`): the first is the default, the one read when a client names none.",
    )
    locale_fallback: bool = Field(
        default=True,
        description="Texts of sections, tags, events, authors and images read in a locale they "
        "have no translation for: the default locale's (true) or null (false).",
    )
    article_path: str = Field(
        default="/{section}/{slug}",
        description="An article's path on the website: `{section}` (its section's path; dropped "
        "with its slash when it has none), `{slug}`, `{id}` (its global ID), `{locale}` (its "
        "language). Without `{locale}`, a path in another locale than the default is prefixed "
        "with `/{locale}`.",
    )
    section_path: str = Field(
        default="/{path}", description="A section's path on the website: `{path}`, `{slug}`."
    )
    tag_path: str = Field(
        default="/tag/{slug}", description="A tag's page on the website: `{slug}`."
    )
    author_path: str = Field(
        default="/author/{slug}",
        description="An author's page on the website (the `url` of JSON-LD's `Person`): `{slug}`.",
    )
    publisher_name: str = Field(
        default="",
        description="The publisher named in JSON-LD and feeds (the site's title). Empty: the "
        "site URL's host.",
    )
    publisher_logo_url: str | None = Field(
        default=None, description="Absolute URL of the publisher's logo, for JSON-LD."
    )
    sitemap_max_urls: int = Field(
        default=50_000,
        ge=1,
        le=50_000,
        description="URLs per sitemap file (the protocol's most, 50,000): a month with more "
        "articles continues in `/sitemaps/YYYY-MM-2.xml`, and so on.",
    )
    graphiql: bool = Field(default=True, description="Serve GraphiQL to browsers at /graphql.")
    max_query_depth: int = Field(
        default=12, ge=1, description="Deepest selection a query may nest."
    )
    max_aliases: int = Field(default=30, ge=1, description="Most aliases in one query.")
    max_tokens: int = Field(
        default=2000, ge=1, description="Most lexer tokens in one query document."
    )
    max_query_nodes: int = Field(
        default=10_000,
        ge=1,
        description="Most nodes an anonymous query may return, computed before it runs: each "
        "connection or list multiplies by its page size along its path, summed over the query "
        "(GitHub's model). Over it: `QUERY_TOO_COMPLEX`.",
    )
    max_query_nodes_signed_in: int = Field(
        default=50_000, ge=1, description="The same limit for signed-in clients (users, tokens)."
    )
    report_query_cost: bool = Field(
        default=False,
        description="Put every answer's cost in `extensions.cost` (a client can ask for it "
        "with the header `X-Query-Cost: 1` either way).",
    )
    query_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a GraphQL operation may run (over HTTP); then it is cancelled and "
        "answered `QUERY_TIMEOUT`. PostgreSQL statements get it as their `statement_timeout`.",
    )
    max_response_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest GraphQL answer (JSON bytes); a larger one is replaced by "
        "`RESPONSE_TOO_LARGE`.",
    )
    default_page_size: int = Field(
        default=20, ge=1, description="Page size when `first` is omitted."
    )
    max_page_size: int = Field(default=100, ge=1, description="Largest `first`/`last` accepted.")
    max_upload_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1,
        description="Largest image file taken, uploaded or imported; an upload passing it is cut "
        "off (413) as it arrives.",
    )
    max_upload_files: int = Field(
        default=10, ge=1, description="Most files in one upload request (`imagesUpload`)."
    )
    max_upload_request_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1024,
        description="Largest multipart (upload) request body, all files together; counted as it "
        "arrives and cut off (413) when passed.",
    )
    upload_tmp_dir: Path | None = Field(
        default=None,
        description="Folder where uploads wait while they are checked (`cms-upload-*.part` "
        "files, removed as soon as each request ends). Unset: the system's temporary folder.",
    )
    max_image_pixels: int = Field(
        default=60_000_000, ge=1, description="Largest width x height taken."
    )
    response_cache_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Memory for answers to repeated anonymous queries, per process (0: off).",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest JSON request body taken; a larger one gets 413 before it is read.",
    )
    body_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a client may take to send its whole request body (then 408).",
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds `cms serve` waits for a request's headers before closing.",
    )
    keep_alive_timeout: int = Field(
        default=5, ge=1, description="Seconds `cms serve` keeps an idle connection open."
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`cms serve`'s logs: `text` for a terminal, `json` for one JSON object per "
        "line (a log collector's).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Serve `/metrics` (Prometheus) to requests bearing this token "
        "(`Authorization: Bearer <token>`), at least 16 characters; unset: `/metrics` is 404.",
    )
    shutdown_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds `cms serve` lets requests in flight finish after SIGTERM (then "
        "they are cut off).",
    )
    session_hours: float = Field(
        default=12, gt=0, description="How long a session token from `login` stays valid."
    )
    preview_minutes_max: int = Field(
        default=7 * 24 * 60, ge=1, description="Longest a preview link may stay valid."
    )
    max_blocks: int = Field(default=500, ge=1, description="Most blocks in one article body.")
    max_block_chars: int = Field(
        default=20_000, ge=1, description="Most characters in one block of an article body."
    )
    login_free_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins for one email before each further attempt must wait 2, 4, "
        "8 ... seconds.",
    )
    login_free_failures_per_address: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins from one client address (whatever the emails) before each "
        "further attempt must wait 2, 4, 8 ... seconds. Higher than per email: a newsroom "
        "shares one address.",
    )
    login_max_wait: int = Field(
        default=900,
        ge=1,
        description="Longest wait (seconds) imposed after failed sign-ins; a counter with no "
        "failure for four times this long starts again from zero.",
    )
    password_hash_concurrency: int = Field(
        default=2, ge=1, description="Password hashes computed at once (each takes 64 MiB)."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="The secret every instance shares, to sign rendition URLs (at least 32 "
        "characters; `python -c 'import secrets; print(secrets.token_urlsafe(32))'`). Unset: the "
        "random one migration 0006 stored in the database.",
    )
    rendition_widths: Annotated[list[int], NoDecode] = Field(
        default_factory=lambda: [160, 320, 480, 640, 960, 1280, 1920],
        description="Widths renditions are made at, comma-separated: a requested width snaps up "
        "to the next one (never above the original's width).",
    )
    rendition_ratios: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["1:1", "5:4", "4:3", "3:2", "16:9", "2:1", "21:9"],
        description="Aspect ratios (width:height, comma-separated) a requested height snaps to, "
        "the nearest one; each is also allowed upright (9:16 for 16:9).",
    )
    rendition_workers: int = Field(
        default=2, ge=1, description="Renditions made at once per process (each in a thread)."
    )
    rendition_cache_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=0,
        description="Memory per process for small renditions already served (each checked "
        "against the store on every request); 0: read them from the store every time.",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins whose browser apps may call the API, comma-separated "
        "(https://news.example.org,https://app.example.org), or `*` for any (public reads). "
        "Empty: none.",
    )

    cache_max_age: int = Field(
        default=0,
        ge=0,
        description="Seconds a shared cache (a CDN) or an app may reuse an anonymous GET answer "
        "without asking again (`Cache-Control: public, max-age=N`, never past the next scheduled "
        "publication); 0: `no-cache` (always revalidate with the ETag).",
    )
    surrogate_key_header: str = Field(
        default="Surrogate-Key",
        pattern=r"^[A-Za-z][A-Za-z0-9-]{0,63}$",
        description="The header naming the surrogate keys of an anonymous answer kept by the "
        "response cache (`articles`, `article:12`, `author:3`...), for a CDN to purge by: "
        "`Surrogate-Key` (Fastly), `Cache-Tag` (Cloudflare)...",
    )
    cache_check_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often the response cache checks the content version itself: the bound "
        "on noticing another process's write on SQLite, and the safety net behind PostgreSQL's "
        "LISTEN/NOTIFY.",
    )
    compress_min_bytes: int = Field(
        default=1024,
        ge=0,
        description="JSON answers (and feeds and sitemaps) at least this long are compressed "
        "(gzip, brotli or zstd) for clients that accept it.",
    )
    persisted_queries_only: bool = Field(
        default=False,
        description="Trusted documents: anonymous clients may run only documents registered with "
        "`cms queries register` (by hash); signed-in editors may still run any.",
    )
    public_introspection: bool = Field(
        default=True,
        description="Whether anonymous clients may introspect the schema and get field "
        "suggestions in errors; signed-in editors always may.",
    )

    webhook_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts webhook URLs may name over plain http and at private or loopback "
        "addresses, comma-separated (development and tests: `127.0.0.1,localhost`). Every other "
        "webhook must be https to a public address.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses or networks of the reverse proxies in front of the CMS, "
        "comma-separated (`10.0.0.5,10.1.0.0/16`): only requests from them have their "
        "`X-Forwarded-For` (the client's address: sign-in throttling, WebSocket limits) and "
        "`X-Forwarded-Proto` believed. Empty: none, the connection's own address counts.",
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a webhook receiver has to answer one delivery."
    )
    webhook_retry_hours: float = Field(
        default=24.0,
        gt=0,
        description="How long a failing delivery is retried (exponential backoff with jitter) "
        "before it is marked failed.",
    )
    ws_max_subscriptions: int = Field(
        default=20, ge=1, description="Most live subscriptions on one WebSocket connection."
    )
    ws_max_connections_per_address: int = Field(
        default=20,
        ge=1,
        description="Most WebSocket connections from one client address, per instance.",
    )

    # Housekeeping (cms.ops.housekeeping): the background job and `cms prune`.
    housekeeping_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="How often one instance prunes old rows and orphan renditions (0: never in "
        "the background; run `cms prune` from cron instead).",
    )
    outbox_retention_days: float = Field(
        default=30.0,
        gt=0,
        description="Days delivered webhook deliveries and content events are kept (failed "
        "deliveries: 90 days, or this if longer).",
    )
    changes_retention_days: float = Field(
        default=90.0,
        gt=0,
        description="Days the change feed remembers a deleted article; an app whose cursor is "
        "older gets `CHANGES_EXPIRED` and syncs from scratch.",
    )

    @field_validator(
        "public_url", "s3_endpoint_url", "s3_public_url", "site_url", "publisher_logo_url"
    )
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL such as https://cms.example.org")
        return value.rstrip("/")

    @field_validator("article_path", "section_path", "tag_path", "author_path")
    @classmethod
    def _check_path_template(cls, value: str, info: ValidationInfo) -> str:
        allowed = PATH_PLACEHOLDERS[info.field_name or ""]
        used = set(re.findall(r"{([^{}]*)}", value))
        if unknown := used - allowed:
            names = ", ".join(f"{{{name}}}" for name in sorted(allowed))
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}: use {names}")
        if not value.startswith("/") or not used & {"slug", "id", "path"}:
            raise ValueError("must start with / and name the page ({slug}, {id} or {path})")
        if re.search(r"[\s?#]", value.replace("{", "").replace("}", "")):
            raise ValueError("must be a path only: no spaces, query or fragment")
        return value

    @field_validator("s3_bucket")
    @classmethod
    def _check_bucket(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value and info.data.get("media_store") == "s3":
            raise ValueError("required with CMS_MEDIA_STORE=s3")
        return value or None

    @field_validator("s3_secret_access_key")
    @classmethod
    def _check_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if (value is None) != (info.data.get("s3_access_key_id") is None):
            raise ValueError(
                "set both CMS_S3_ACCESS_KEY_ID and CMS_S3_SECRET_ACCESS_KEY, or neither "
                "(AWS's own credential chain)"
            )
        return value

    @field_validator("metrics_token")
    @classmethod
    def _check_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("a metrics token has at least 16 characters")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin == "*":
                if len(value) > 1:
                    raise ValueError("`*` stands alone: it already allows every origin")
                continue
            parts = urlsplit(origin)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
                raise ValueError(f"{origin!r} is not an origin such as https://news.example.org")
        return value

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (or unset: the database's own)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for proxy in value:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(f"{proxy!r} is not an IP address or network") from None
        return value

    @field_validator(
        "rendition_widths",
        "rendition_ratios",
        "locales",
        "webhook_allowed_hosts",
        "trusted_proxies",
        mode="before",
    )
    @classmethod
    def _split_list(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        return [item.strip() for item in value.split(",") if item.strip()]

    @field_validator("locales")
    @classmethod
    def _check_locales(cls, value: list[str]) -> list[str]:
        tags: list[str] = []
        for given in value:
            if not langcodes.tag_is_valid(given):
                raise ValueError(f"{given!r} is not a BCP 47 language tag (vi, en, en-GB)")
            tag = langcodes.standardize_tag(given)
            if tag not in tags:
                tags.append(tag)
        if not tags:
            raise ValueError("give one or more language tags, the default first (vi,en)")
        if len(tags) > MAX_LOCALES:
            raise ValueError(f"at most {MAX_LOCALES} locales")
        return tags

    @property
    def default_locale(self) -> str:
        """The first of :attr:`locales`: what is read when a client names no locale."""
        return self.locales[0]

    @field_validator("rendition_widths")
    @classmethod
    def _check_widths(cls, value: list[int]) -> list[int]:
        if not value or not all(1 <= w <= 10_000 for w in value):
            raise ValueError("give one or more widths from 1 to 10000 pixels (160,320,640)")
        return sorted(set(value))

    @field_validator("rendition_ratios")
    @classmethod
    def _check_ratios(cls, value: list[str]) -> list[str]:
        ratios = [_ratio(r) for r in value]
        upright = [f"{h}:{w}" for w, h in ratios if w != h]
        return list(dict.fromkeys([f"{w}:{h}" for w, h in ratios] + upright))

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        expand_db_url(value)  # raises a readable ConfigurationError for a bad URL
        return value

    def tortoise_config(self) -> dict[str, Any]:
        """The configuration dict ``Tortoise.init`` and the migration commands take."""
        connection = expand_db_url(self.database_url)
        if connection["engine"].endswith(".sqlite"):
            connection["credentials"] = {**_SQLITE_PRAGMAS, **connection["credentials"]}
        return {
            "connections": {"default": connection},
            "apps": {
                "cms": {
                    "models": ["cms.models"],
                    "migrations": "cms.migrations",
                    "default_connection": "default",
                }
            },
            "use_tz": True,
            "timezone": "UTC",
        }


def _ratio(text: str) -> tuple[int, int]:
    """``"16:9"`` as ``(16, 9)``, reduced (``32:18`` is ``16:9``), else a readable error."""
    found = re.fullmatch(r"([1-9][0-9]{0,2}):([1-9][0-9]{0,2})", text)
    if found is None:
        raise ValueError(f"{text!r} is not an aspect ratio such as 16:9 (width:height)")
    width, height = int(found[1]), int(found[2])
    if not 1 / 10 <= width / height <= 10:
        raise ValueError(f"{text!r}: aspect ratios go from 1:10 to 10:1")
    common = math.gcd(width, height)
    return width // common, height // common


def load() -> Settings:
    """Read the settings now (tests and the CLI call this after changing the environment)."""
    return Settings()


def __getattr__(name: str) -> Any:
    """``TORTOISE_ORM``, read from the environment when tortoise's CLI asks for it."""
    if name == "TORTOISE_ORM":
        return load().tortoise_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
