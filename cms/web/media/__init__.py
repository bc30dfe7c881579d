"""Serving files: stored originals with long-lived caching and ranges, and renditions made on
first request."""
