"""OS-FEDERATION: providers and mappings, the mapping engine, assertion intake, OpenID Connect
bearer checks and the login that turns an assertion into a local user."""
