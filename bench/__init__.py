"""Benchmarks of NRM Monitor. Run ``python -m bench.run``; they print figures, never assert times."""
