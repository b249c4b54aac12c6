"""askreport's benchmarks: each entry module runs from the repository root as `python -m bench.NAME --help`."""
