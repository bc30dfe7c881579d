"""The small core every domain package stands on, and which knows no domain: errors, the clock,
opaque cursors and keyset pages, global IDs, raw SQL in both dialects, rows, input checks, slugs,
the URL-signing key, who is asking (the viewer), and the one place library internals are used
(``compat``)."""
