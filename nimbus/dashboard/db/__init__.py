"""The dashboard's tables and migrations: its sign-in sessions."""
