"""Benchmarks run by ``graphmem bench``: graphmem against simple baselines in the same run."""
