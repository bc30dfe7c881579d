"""Accent-insensitive search over articles."""
