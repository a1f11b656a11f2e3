"""The image rules, by concern: images, their data, imports, locations, members, tasks,
metadata definitions, quotas, stores and this node's cache."""
