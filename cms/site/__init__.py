"""The public website's view of the content: canonical URLs, JSON-LD, RSS feeds and sitemaps.

It sits above the content domains (articles, media) and below the schema and the HTTP edge: both
ask it how the website names a page, so a URL is built in one place.
"""
