"""Object storage's index: accounts, containers and objects (the bytes live in a driver)."""
