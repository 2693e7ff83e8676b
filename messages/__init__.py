"""Kinerja Bot: messages package."""
