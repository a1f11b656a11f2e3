"""v3 auth methods: password, token, totp, application_credential and the federated ones.

Each is a class taking the managers it needs; the service's state builds one of each.
"""
