"""The importer's loader against a real database and media folder, with real photo files.

Each test imports export files written to ``tmp_path`` (the portal's sample, or variants of it)
through :func:`cms.importer.load.import_file` and checks what landed in the database and the store.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import PIL.Image
import pytest
from tortoise.models import Model

from cms.articles import body, reads
from cms.articles import store as articles
from cms.importer.load import Imported, ImportFailed, Options, Outcome, import_file
from cms.media.storage import LocalMediaStore
from cms.models import Article, ArticleAuthor, ArticleImage, ArticleStatus, Author, Image
from settings import Settings
from tests.factories import LIMITS, Factory

pytestmark = pytest.mark.database("sqlite", "postgres")

SAMPLE = Path(__file__).resolve().parents[2] / "cms" / "demo" / "article.txt"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")
TITLE = SAMPLE_TEXT.split("\n", 1)[0].strip()
SLUG = (
    "hoi-nghi-so-ket-6-thang-dau-nam-gap-mat-doanh-nghiep-nha-dau-tu-"
    "trien-khai-nhiem-vu-6-thang-cuoi-nam-2023"
)
PUBLISHED_AT = datetime(2023, 7, 19, 15, 51, 6, tzinfo=UTC)
PLACEHOLDERS = ("So-ket-1", "So-ket-2", "So-ket-3", "So-ket-4", "So-ket-5")
FIGURES = [
    (
        ("So-ket-1",),
        "Hình ảnh đồng chí Hoàng Văn Khởi, Phó Trưởng Ban phụ trách phát biểu khai mạc",
    ),
    (("So-ket-2",), "Hình ảnh đồng chí Hà Sỹ Thương, Phó Trưởng Ban thông qua dự thảo báo cáo"),
    (("So-ket-3", "So-ket-4"), "Một số hình ảnh các đại diện các doanh nghiệp phát biểu thảo luận"),
    (("So-ket-5",), "Hình ảnh các sở, ngành phát biểu"),
]
BLOCK_KINDS = ["p", "figure", "p", "p", "figure", "p", "figure", "figure", "p"]
PIL_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
NBSP = "\u00a0"


@dataclass(frozen=True)
class Photo:
    path: Path
    width: int
    height: int


def write_photo(folder: Path, name: str, n: int, extension: str = ".jpg") -> Photo:
    """A real picture, its size and colour depending on ``n`` (so every photo is distinct)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}{extension}"
    width, height = 60 + 10 * n, 40 + 5 * n
    picture = PIL.Image.new("RGB", (width, height), (40 * n % 256, 255 - 30 * n, 90))
    picture.save(path, format=PIL_FORMATS[extension.lower()])
    return Photo(path, width, height)


def write_photos(
    folder: Path, names: tuple[str, ...] = PLACEHOLDERS, extension: str = ".jpg"
) -> dict[str, Photo]:
    return {
        name: write_photo(folder, name, int(name.rsplit("-", 1)[1]), extension) for name in names
    }


def export(title: str, byline: str, paragraph: str, stamp: str = "2024-05-02 09:30:00") -> str:
    """A file in the portal's format: title, timestamp, one paragraph, right-aligned byline."""
    return f"{title}\n\n{stamp}\n\n{NBSP * 8}{paragraph}\n\n{NBSP * 40}{byline}\n"


def line_of(text: str, prefix: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(prefix))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Photo]:
    return write_photos(tmp_path / "photos")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return write(tmp_path / "exports" / "article.txt", SAMPLE_TEXT)


def options(settings: Settings, images_dir: Path | None, **extra: Any) -> Options:
    return Options(LocalMediaStore(settings.media_root), LIMITS, images_dir, **extra)


async def row_counts() -> dict[str, int]:
    tables: list[type[Model]] = [Article, Author, Image, ArticleAuthor, ArticleImage]
    return {table.__name__: await table.all().count() for table in tables}


def media_files(settings: Settings) -> list[Path]:
    root = settings.media_root
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


async def figures_by_name(article: Article) -> list[tuple[tuple[str, ...], str]]:
    """The article's figures, each image named by the file it was imported from (no extension)."""
    names = {i.id: Path(i.filename).stem for i in await Image.all()}
    blocks = body.from_json(article.body)
    return [
        (tuple(names[i] for i in b.image_ids), b.caption)
        for b in blocks
        if isinstance(b, body.Figure)
    ]


async def image_named(name: str) -> Image:
    found = [i for i in await Image.all() if Path(i.filename).stem == name]
    assert len(found) == 1, [i.filename for i in await Image.all()]
    return found[0]


async def test_sample_imports_as_one_published_article(orm, settings, photos, sample):
    result = await import_file(sample, options(settings, sample.parent.parent / "photos"))

    assert result == Imported(sample, Outcome.CREATED, result.article_id, SLUG, TITLE)
    article = await Article.get(id=result.article_id)
    assert article.title == TITLE
    assert TITLE.startswith("HỘI NGHỊ SƠ KẾT 6 THÁNG ĐẦU NĂM, GẶP MẶT")
    assert article.slug == SLUG
    assert article.status == ArticleStatus.PUBLISHED
    assert article.published_at == PUBLISHED_AT
    assert article.byline == "Bích Liên!"
    assert article.version == 1
    assert article.summary.startswith("Chiều ngày 19/7/2023, Ban Quản lý các khu công nghiệp")
    [[author]] = await reads.authors_by_article_ids([article.id])
    assert (author.name, author.slug) == ("Bích Liên", "bich-lien")
    assert await row_counts() == {
        "Article": 1,
        "Author": 1,
        "Image": 5,
        "ArticleAuthor": 1,
        "ArticleImage": 5,
    }


async def test_sample_body_keeps_paragraphs_and_figures_in_order(orm, settings, photos, sample):
    result = await import_file(sample, options(settings, sample.parent.parent / "photos"))

    article = await Article.get(id=result.article_id)
    blocks = body.from_json(article.body)
    assert ["figure" if isinstance(b, body.Figure) else "p" for b in blocks] == BLOCK_KINDS
    assert await figures_by_name(article) == FIGURES
    indented = [line for line in SAMPLE_TEXT.split("\n") if line[:1].isspace()][:-1]  # - byline
    paragraphs = [b.text for b in blocks if isinstance(b, body.Paragraph)]
    assert paragraphs == [" ".join(line.split()) for line in indented]
    assert paragraphs[0].startswith("Chiều ngày 19/7/2023, Ban Quản lý")
    assert paragraphs[-1].endswith("sự phát triển chung của Khu công nghiệp.")
    assert not any(NBSP in p or "Bích Liên" in p for p in paragraphs)


async def test_sample_photos_are_stored_with_their_real_sizes(orm, settings, photos, sample):
    result = await import_file(sample, options(settings, sample.parent.parent / "photos"))

    article = await Article.get(id=result.article_id)
    store = LocalMediaStore(settings.media_root)
    for name, photo in photos.items():
        image = await image_named(name)
        data = photo.path.read_bytes()
        assert (image.filename, image.mime_type) == (f"{name}.jpg", "image/jpeg")
        assert (image.width, image.height, image.size) == (photo.width, photo.height, len(data))
        assert await store.get(image.store_key) == data
    cover = await image_named("So-ket-1")
    assert article.cover_id == cover.id
    assert cover.caption == cover.alt == FIGURES[0][1]
    assert (await image_named("So-ket-4")).caption == FIGURES[2][1]
    links = await ArticleImage.filter(article_id=article.id).order_by("position")
    ordered = [(await Image.get(id=link.image_id)).filename for link in links]
    assert ordered == [f"{name}.jpg" for name in PLACEHOLDERS]
    assert len(media_files(settings)) == 5


async def test_importing_again_changes_nothing(orm, settings, photos, sample):
    opts = options(settings, sample.parent.parent / "photos")
    first = await import_file(sample, opts)
    before = await Article.get(id=first.article_id)
    rows, files = await row_counts(), media_files(settings)
    image_ids = sorted(await Image.all().values_list("id", flat=True))

    again = await import_file(sample, opts)

    assert again == Imported(sample, Outcome.UNCHANGED, first.article_id, SLUG, TITLE)
    after = await Article.get(id=first.article_id)
    assert (after.version, after.updated_at, after.body) == (1, before.updated_at, before.body)
    assert await row_counts() == rows
    assert sorted(await Image.all().values_list("id", flat=True)) == image_ids
    assert media_files(settings) == files


async def test_nfd_text_with_eth_is_the_same_article(orm, settings, photos, sample):
    variant_text = unicodedata.normalize("NFD", SAMPLE_TEXT).replace("Đ", "Ð").replace("đ", "ð")
    assert "\u00d0" in variant_text and "\u0110" not in variant_text
    assert variant_text != SAMPLE_TEXT and "Bi\u0301ch Liê\u0302n" not in SAMPLE_TEXT
    assert "Bi\u0301ch Lie\u0302n" in variant_text
    variant = write(sample.parent / "nfd.txt", variant_text)
    opts = options(settings, sample.parent.parent / "photos")

    first = await import_file(variant, opts)
    again = await import_file(sample, opts)

    assert first.outcome == Outcome.CREATED
    assert (first.slug, first.title) == (SLUG, TITLE)
    assert again == Imported(sample, Outcome.UNCHANGED, first.article_id, SLUG, TITLE)
    article = await Article.get(id=first.article_id)
    assert (article.title, article.byline, article.version) == (TITLE, "Bích Liên!", 1)
    assert [a.name for a in await Author.all()] == ["Bích Liên"]
    assert (await row_counts())["Article"] == 1


async def test_edited_paragraph_updates_the_article_in_place(orm, settings, photos, sample):
    opts = options(settings, sample.parent.parent / "photos")
    first = await import_file(sample, opts)
    rows = await row_counts()
    edited_text = SAMPLE_TEXT.replace("phướng hướng nhiệm vụ", "phương hướng nhiệm vụ")
    assert edited_text != SAMPLE_TEXT
    edited = write(sample.parent / "edited.txt", edited_text)

    result = await import_file(edited, opts)

    assert result == Imported(edited, Outcome.UPDATED, first.article_id, SLUG, TITLE)
    article = await Article.get(id=first.article_id)
    assert article.version == 2
    texts = [b.text for b in body.from_json(article.body) if isinstance(b, body.Paragraph)]
    assert "phương hướng nhiệm vụ 6 tháng cuối năm" in texts[1]
    assert not any("phướng" in text for text in texts)
    assert await figures_by_name(article) == FIGURES
    assert await row_counts() == rows
    assert (await import_file(edited, opts)).outcome == Outcome.UNCHANGED


async def test_bylines_split_into_authors_who_are_reused(orm, settings, tmp_path):
    folder = tmp_path / "exports"
    pair = write(folder / "b.txt", export("Khai mạc hội chợ", "Đức Anh - Thu Trang", "Sáng nay."))
    single = write(folder / "c.txt", export("Bế mạc hội chợ", "Thu Trang.", "Chiều nay."))
    opts = options(settings, None)

    two = await import_file(pair, opts)
    one = await import_file(single, opts)

    lists = await reads.authors_by_article_ids([two.article_id, one.article_id])
    names = [[(a.name, a.slug) for a in found] for found in lists]
    assert names == [
        [("Đức Anh", "duc-anh"), ("Thu Trang", "thu-trang")],
        [("Thu Trang", "thu-trang")],
    ]
    assert lists[0][1].id == lists[1][0].id
    assert await Author.all().count() == 2
    article = await Article.get(id=two.article_id)
    assert (article.byline, article.cover_id, body.from_json(article.body)) == (
        "Đức Anh - Thu Trang",
        None,
        [body.Paragraph("Sáng nay.")],
    )


async def test_missing_photos_name_every_one_and_write_nothing(orm, settings, tmp_path, sample):
    folder = tmp_path / "photos"
    write_photos(folder, ("So-ket-1", "So-ket-3"))

    with pytest.raises(ImportFailed) as failed:
        await import_file(sample, options(settings, folder))

    line = line_of(SAMPLE_TEXT, "So-ket-2")
    assert (failed.value.path, failed.value.line) == (sample, line)
    message = str(failed.value)
    assert message.startswith(f"{sample}:{line}: missing photos in {folder}: ")
    assert "So-ket-2, So-ket-4, So-ket-5" in message
    assert "So-ket-1" not in message and "So-ket-3," not in message
    assert "--placeholder-images" in message
    assert await row_counts() == dict.fromkeys(
        ["Article", "Author", "Image", "ArticleAuthor", "ArticleImage"], 0
    )
    assert media_files(settings) == []


async def test_placeholder_images_stand_in_for_missing_photos(orm, settings, tmp_path, sample):
    folder = tmp_path / "photos"
    found = write_photos(folder, ("So-ket-1", "So-ket-3"))
    opts = options(settings, folder, placeholder_images=True)

    result = await import_file(sample, opts)

    assert result.outcome == Outcome.CREATED
    for name, photo in found.items():
        image = await image_named(name)
        assert (image.filename, image.width, image.height) == (
            f"{name}.jpg",
            photo.width,
            photo.height,
        )
    for name in ("So-ket-2", "So-ket-4", "So-ket-5"):
        image = await image_named(name)
        assert (image.filename, image.mime_type) == (f"{name}.png", "image/png")
        assert (image.width, image.height) == (1200, 800)
    article = await Article.get(id=result.article_id)
    assert await figures_by_name(article) == FIGURES
    assert (await import_file(sample, opts)).outcome == Outcome.UNCHANGED
    assert (await row_counts())["Image"] == 5


@pytest.mark.parametrize("extension", [".jpeg", ".png", ".webp", ".JPG", ".PNG"])
async def test_photos_are_found_by_every_extension(orm, settings, tmp_path, sample, extension):
    folder = tmp_path / "photos"
    write_photos(folder, extension=extension)

    result = await import_file(sample, options(settings, folder))

    assert result.outcome == Outcome.CREATED
    mime = MIME_TYPES[PIL_FORMATS[extension.lower()]]
    for name in PLACEHOLDERS:
        image = await image_named(name)
        assert (image.filename, image.mime_type) == (f"{name}{extension}", mime)


async def test_photos_default_to_the_exports_own_folder(orm, settings, tmp_path):
    folder = tmp_path / "batch"
    sample = write(folder / "article.txt", SAMPLE_TEXT)
    write_photos(folder)

    result = await import_file(sample, options(settings, None))

    assert result.outcome == Outcome.CREATED
    assert (await row_counts())["Image"] == 5


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("Tiêu đề\n\nngày 19/7/2023\n\tMột đoạn.\n", 3, "invalid timestamp"),
        ("Tiêu đề\n2023-02-30 08:00:00\n\tMột đoạn.\n", 2, "invalid timestamp"),
        ("Tiêu đề\n2023-07-19 22:51:06\n\n\n", 3, "no body"),
    ],
)
async def test_parse_errors_name_the_file_and_line(orm, settings, tmp_path, content, line, message):
    path = write(tmp_path / "bad.txt", content)

    with pytest.raises(ImportFailed) as failed:
        await import_file(path, options(settings, None))

    assert str(failed.value).startswith(f"{path}:{line}: {message}")
    assert (failed.value.path, failed.value.line) == (path, line)
    assert (await row_counts())["Article"] == 0


async def test_invalid_utf8_names_its_line(orm, settings, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"Ti\xeau \xf0\xea\n2023-07-19 22:51:06\n\tH\xf4m nay\n")  # cp1258

    with pytest.raises(ImportFailed, match=r"latin1\.txt:1: invalid UTF-8"):
        await import_file(path, options(settings, None))


async def test_a_broken_photo_fails_the_file_without_an_article(orm, settings, tmp_path, sample):
    folder = tmp_path / "photos"
    write_photos(folder)
    (folder / "So-ket-4.jpg").write_bytes(b"\xff\xd8\xff not really a jpeg")

    with pytest.raises(ImportFailed, match=r"article\.txt: So-ket-4\.jpg: .*not"):
        await import_file(sample, options(settings, folder))

    assert (await row_counts())["Article"] == 0


async def test_a_database_failure_rolls_back_the_whole_article(orm, settings, photos, sample):
    """A real failure inside the transaction: the event does not exist (a foreign key)."""
    opts = options(settings, sample.parent.parent / "photos")

    with pytest.raises(ImportFailed, match="the database refused the article") as failed:
        await import_file(sample, options(settings, opts.images_dir, event_id=987_654))

    assert failed.value.path == sample
    counts = await row_counts()
    # The authors were created inside the transaction before the article row failed.
    assert (counts["Article"], counts["Author"], counts["ArticleAuthor"]) == (0, 0, 0)
    assert counts["ArticleImage"] == 0
    # Photos are stored before the transaction, by design (content-addressed, reused next time).
    assert counts["Image"] == 5
    retried = await import_file(sample, opts)
    assert retried.outcome == Outcome.CREATED
    assert await row_counts() == {
        "Article": 1,
        "Author": 1,
        "Image": 5,
        "ArticleAuthor": 1,
        "ArticleImage": 5,
    }


async def test_failure_after_the_article_row_leaves_no_rows(
    orm, settings, photos, sample, monkeypatch
):
    """An injected failure once the article row exists: it and its new author roll back."""
    seen: list[bool] = []

    async def fail(article: Article, author_ids: list[int]) -> None:
        seen.append(await Article.filter(id=article.id).exists())
        raise RuntimeError("injected failure")

    monkeypatch.setattr(articles, "_set_authors", fail)

    with pytest.raises(RuntimeError, match="injected failure"):
        await import_file(sample, options(settings, sample.parent.parent / "photos"))

    assert seen == [True]
    counts = await row_counts()
    assert (counts["Article"], counts["Author"], counts["ArticleAuthor"]) == (0, 0, 0)


async def test_failed_update_keeps_the_previous_version(orm, settings, photos, sample, monkeypatch):
    opts = options(settings, sample.parent.parent / "photos")
    first = await import_file(sample, opts)
    before = await Article.get(id=first.article_id)
    edited = write(sample.parent / "edited.txt", SAMPLE_TEXT.replace("Bích Liên!", "Hà Vy!"))

    async def fail(article: Article, author_ids: list[int]) -> None:
        raise RuntimeError("injected failure")

    monkeypatch.setattr(articles, "_set_authors", fail)
    with pytest.raises(RuntimeError):
        await import_file(edited, opts)

    after = await Article.get(id=first.article_id)
    assert (after.version, after.byline, after.body) == (1, "Bích Liên!", before.body)
    assert [a.name for a in await Author.all()] == ["Bích Liên"]
    monkeypatch.undo()
    assert (await import_file(edited, opts)).outcome == Outcome.UPDATED
    assert await Author.filter(name="Hà Vy").exists()


async def test_event_is_linked_and_kept_on_reimport(orm, settings, photos, sample):
    factory = Factory(settings.media_root)
    event = await factory.event("Hội nghị sơ kết")
    other = await factory.event("Hội chợ")
    images_dir = sample.parent.parent / "photos"

    created = await import_file(sample, options(settings, images_dir, event_id=event.id))
    kept = await import_file(sample, options(settings, images_dir))
    moved = await import_file(sample, options(settings, images_dir, event_id=other.id))

    assert [created.outcome, kept.outcome, moved.outcome] == [
        Outcome.CREATED,
        Outcome.UNCHANGED,
        Outcome.UPDATED,
    ]
    assert (await Article.get(id=created.article_id)).event_id == other.id
