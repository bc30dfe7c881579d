"""The HTTP edge: what sits between uvicorn and the schema. Nothing below imports it.

``edge`` is the one ASGI layer every request passes (headers and body read once, answers from
memory sent before routing); ``graphql/`` is the GraphQL transport (the view, the response cache,
persisted documents, uploads); ``media/`` serves stored files and renditions; ``workbench/`` is
GraphiQL and the landing page.
"""
