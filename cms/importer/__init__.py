"""Taking in articles exported by the portal's old system: a pure parser and a loader that writes
each article in one transaction."""
