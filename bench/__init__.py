"""Benchmarks (scripts that measure; results in RESULTS.md)."""
