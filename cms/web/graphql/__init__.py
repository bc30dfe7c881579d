"""The GraphQL transport: the endpoint's view, the request's parameters, the response cache,
persisted documents, uploads and what the transport adds to the schema."""

PATH = "/graphql"
"""Where the API is served: queries and mutations over HTTP, subscriptions over a WebSocket, and
GraphiQL for browsers."""
