"""The block-storage rules on the API side, one module per resource.

``volumes`` (create, list, update, delete), ``volume_actions`` (metadata, extend, flags, resets),
``attachments`` (the attachments API and the legacy attach actions), ``snapshots``, ``types``,
``quotas``, and ``hosts`` (which backend a new volume goes to). Each manager takes the database,
RPC client and other managers it uses.
"""
