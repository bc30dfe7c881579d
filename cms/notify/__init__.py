"""Telling the world what changed: the content version and its watch (for the response cache),
the database listener, this process's own writes, the outbox of events, webhook delivery, live
events for subscriptions, the change feed, and the background jobs that run them."""
