"""Integration tests: storage against real SQLite and PostgreSQL databases."""
