"""Benchmarks of the four functions on the local emulation (`python -m bench`, `make bench`).

Kept free of imports: a fresh interpreter that runs `python -m bench.child` must measure the
function it loads, not this package.
"""
