"""Kinerja Bot: storage package."""
