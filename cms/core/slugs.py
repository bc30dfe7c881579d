"""Unique slugs: the text module's slug, with a numeric suffix when it is taken."""

from __future__ import annotations

from tortoise.expressions import Q
from tortoise.models import Model

from cms.text import slugify


async def unique_slug(
    model: type[Model], text: str, *, fallback: str, within: dict[str, object] | None = None
) -> str:
    """A slug for ``text`` not yet used by ``model``: ``hoi-nghi``, then ``hoi-nghi-2``, ...
    ``within``: the columns slugs are unique with (an article's ``locale``).

    ``fallback`` is used when ``text`` has nothing sluggable (an all-emoji title). Callers still
    rely on the unique index: two writers racing for one slug make one of them fail loudly.
    """
    base = slugify(text) or fallback
    similar = model.filter(Q(slug=base) | Q(slug__startswith=f"{base}-"), **(within or {}))
    taken = {str(slug) for slug in await similar.values_list("slug", flat=True)}
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
