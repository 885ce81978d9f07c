"""Benchmarks: one command each, measured on the corpora in ``../shared/corpus``."""
