"""The compute rules: each manager takes the dependencies it uses, never the service state."""
