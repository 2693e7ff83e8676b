"""Kinerja Bot: handlers package."""
