"""The rules of object storage: accounts, containers, objects, large objects and expiry."""
