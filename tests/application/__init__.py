"""Use cases of the application layer, on a real (SQLite/PostgreSQL) unit of work, no Telegram."""
