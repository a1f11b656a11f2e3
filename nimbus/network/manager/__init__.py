"""The network service's rules: one manager per resource, each given what it uses.

``access`` holds what they share (who sees which row, quotas); ``addresses`` and ``ipam`` the
address management; ``bootstrap`` the first-start data. None of them sees HTTP.
"""
