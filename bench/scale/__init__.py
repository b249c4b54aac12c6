"""Benchmark: the vector index types at 100k and 1M vectors, synthetic and real.

For each data set and each index type askreport supports (`flat`: exact scan of the memory-mapped
`vectors.npy`; `hnsw`: HNSW graph over 8-bit codes whose candidates are re-scored exactly) it measures,
through the same `indexer.index.vectors` functions a build and a server use:

- build time: `write_vectors` (save the exact vectors, build and save the graph), `--build-runs` times;
- single-query search time at k=10 and at k=100 (the candidate depth `indexer.retrieval.search.rank` asks for),
  `--runs` runs of `--timed` queries each, in a fresh process that opens the index as a server worker
  does (memory-mapped), once per FAISS thread count in `--threads`; reported as the median of the
  per-run p50s with their min and max;
- recall@10 against exact brute-force search in numpy;
- memory in that process after the queries: resident pages of the graph file, resident pages of the
  exact vectors, and private (anonymous) memory the index added.

Data sets: synthetic 384-d unit vectors from a seeded Gaussian mixture calibrated to look like
all-MiniLM-L6-v2 chunk embeddings of SciFact (see `clustered`), the same sizes as uniformly random unit
vectors (a worst case for any approximate index), and the real SciFact chunks embedded with the bundled
model, searched with SciFact's 300 test queries embedded with the same model. The real vectors come from
an index under `--real-work` (the one `askreport eval --beir` or `python -m bench.quality` builds); if there is none
the script builds it (about 8 minutes on 2 CPUs).

Raw numbers go to `--results`; `--render` rebuilds the Markdown from them without measuring. With
`--write` the section "Vector index types at scale" of docs/benchmarks.md is replaced, keeping the others.

Run from the repository root (about an hour on 2 CPUs, most of it building 1M-vector graphs):

    .venv/bin/python -m bench.scale --write
"""
