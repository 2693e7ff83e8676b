"""Kinerja Bot: scheduler package."""
