"""Retrieval quality: dense, BM25 and hybrid (several fusions) on BEIR collections and the dev question set.

For each BEIR-layout collection (by default the five under `../shared/benchmarks`: cranfield, cisi, med,
npl, scifact) the script calls `indexer.evaluation.beir.evaluate_beir`, which indexes the collection once under
`--work-dir/NAME` (reused on later runs) and ranks documents by their best chunk. Dense-only and
BM25-only are scored once (the fusion does not affect them); hybrid is scored under each fusion:

- convex, alpha in {0.3, 0.5, 0.7}: alpha * dense + (1 - alpha) * BM25, min-max normalised;
- reciprocal rank fusion (RRF), k in {10, 60}.

The development question set (`tests/data/dev-questions.jsonl`) is scored the same way per configuration
with `indexer.evaluation.questions.evaluate_questions`, over an index of `corpus/` built under `--work-dir/dev`;
every question goes through `indexer.rewrite` (follow-ups with their conversation) and then
`indexer.retrieve`, as `POST /api/ask` does.

It prints a Markdown report and keeps the raw numbers in `--work-dir/quality-results.json`; with
`--write` the report replaces `docs/quality.md`, keeping a hand-written `## Notes` section if there is
one. `--render` rebuilds the report from a saved results file without measuring anything.

Run from the repository root (the first run embeds every collection: expect 30-60 minutes on 2 CPUs):

    .venv/bin/python -m bench.quality --write
"""
