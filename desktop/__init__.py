"""Stance Coder: sentence-level stance coding for content-analysis teams."""

__version__ = "0.1.0"
