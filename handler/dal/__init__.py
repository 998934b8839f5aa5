"""Data access: every SQL statement of the service lives in this package, one module per table group."""
