"""A local Depot API: serves depot.core.v1.ProjectService over Connect (HTTP/1.1 and h2c), backed by SQLite."""
