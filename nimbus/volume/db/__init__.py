"""Block storage database: models, migrations, and every query (one module per resource)."""
