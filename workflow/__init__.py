"""Kinerja Bot: workflow package."""
