"""What the benchmarks share: processes, servers, load, queries, corpora, options, machine facts and reports."""
