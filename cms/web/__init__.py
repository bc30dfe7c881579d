"""The HTTP edge: what sits between uvicorn and the GraphQL schema, one concern per module.

``edge`` is the one ASGI layer every request passes; ``request`` is the state it makes for each
request (headers, body, viewer, GraphQL parameters, what the execution reported), read by every
layer after it; ``errors`` is every refusal; ``graphql`` the transport (the view, the response
cache, persisted documents, uploads); ``media`` serves stored files and ``workbench`` GraphiQL.
"""
