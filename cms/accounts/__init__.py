"""Who may sign in and do what: users and roles, passwords, session and API tokens, sign-in
throttling, the permission rules every write checks, and the audit log."""
