"""Articles and what they are made of: the visibility rule (as SQL), the lists' filters and orders
(``queries``), rows for the read API (``reads``), saving with versions (``store``), editing with
roles and revisions, publishing and scheduled publication, preview links, body blocks, authors and
events."""
