"""Benchmarks of newsarchive against the floor and against the tools people would use instead.

`make bench` runs them all (`python -m bench`) and writes `bench/results.md`. Each benchmark is a
function taking its sizes as arguments, so `tests/test_bench_smoke.py` can run it on a tiny input.
"""
