"""The HTTP edge: what sits between uvicorn and the schema. Nothing below imports it.

``edge`` is the one ASGI layer every request passes (headers and body read once, answers from
memory sent before routing); ``request`` is the state it makes for each request (headers, body,
viewer, GraphQL parameters, what the execution reported), read by every layer after it;
``errors`` is every refusal; ``graphql/`` the GraphQL transport (the view, the response cache,
persisted documents, uploads); ``media/`` serves stored files and renditions; ``workbench/`` is
GraphiQL and the landing page.
"""
