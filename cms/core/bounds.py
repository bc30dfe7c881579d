"""How many items a plain list field can hold: what the query cost limit multiplies by.

A connection's size is its page size (``first``/``last``, else the default): the schema says so
itself. A plain list field (an article's ``tags``, a section's ``children``) says it with
``metadata=holds(n)`` next to its definition, and the transport's cost module reads it back from
the schema (:mod:`cms.web.graphql.cost`). A list of objects without a bound is a defect that a
test names.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["EDITED", "ITEMS", "PAGE", "holds"]

ITEMS = "cms.items"
"""The key of a field's metadata that says how many items it holds."""

PAGE: Literal["page"] = "page"
"""As many items as a page at most (``CMS_MAX_PAGE_SIZE``): a list whose argument is checked
against it (``nodes(ids:)``)."""


EDITED = 20
"""Lists that editors fill and nothing caps (the sections of a menu, the pictures of one
article): costed at this size. Their length is the content's, which no client can change; a
client's lever on cost is the page sizes it asks for, and those are costed exactly."""


def holds(at_most: int | Literal["page"]) -> dict[str, int | str]:
    """Field metadata for a list field of at most ``at_most`` items (or :data:`PAGE`)."""
    return {ITEMS: at_most}
