"""The orchestration engine: stacks loaded from the database and driven resource by resource
along their dependency graph, in a worker that takes its work over the bus."""
