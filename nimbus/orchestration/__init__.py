"""Orchestration (Heat): stacks of resources built from templates, through the public APIs."""
