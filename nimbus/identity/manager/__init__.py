"""The identity rules: one manager per resource, each given the collaborators it uses
(``state.build`` wires them), never the service's state."""
