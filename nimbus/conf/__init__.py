"""Typed settings, one module per group; the only package that reads files and the environment."""
