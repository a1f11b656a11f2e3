"""OS-FEDERATION: the mapping engine, assertion intake and OpenID Connect bearer checks."""
