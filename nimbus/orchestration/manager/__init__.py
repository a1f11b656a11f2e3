"""The orchestration API's side of the work: requests read into stacks, checked, stored and
handed to the engine; and what is shown of stacks, resources and events."""
