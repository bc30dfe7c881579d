"""Running an installation: housekeeping (``cms prune``), backups, restores and checks.

Above the content domains (it reads several of them), below the commands and the app."""
