"""Benchmarks: scripts that measure segbot at a million contacts (``python -m bench.<script>``)."""
