"""Resource plugins: each resource type a template may name, and what it does through the
cloud's public APIs."""
