"""Benchmarks of NRM Monitor.

Run ``python -m bench.run``; they print figures and never assert times.
"""
