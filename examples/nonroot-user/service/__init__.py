"""A worker that runs as the unprivileged user `app` (uid 1001)."""
