"""Block storage database: models and migrations."""
