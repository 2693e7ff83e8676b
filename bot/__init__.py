"""Kinerja Bot: bot package."""
