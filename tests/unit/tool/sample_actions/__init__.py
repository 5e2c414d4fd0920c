"""A tiny action package for discovery tests."""
