"""Developer tools, run from the repository: ``python -m tools.demo``."""
