"""GraphQL over HTTP and WebSockets: the view, its limits and executor, the response cache,
persisted and trusted documents, and multipart uploads. It is handed the schema by the app."""
