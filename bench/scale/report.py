"""The section "Vector index types at scale" of docs/benchmarks.md, and several runs' results merged into one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.scale.probes import MMAP_FLAGS
from bench.scale.sets import CLUSTER_SIZE, SPECTRUM, TOPIC_SIZE
from bench.scale.tables import calibration_table, flat_scan_table, mmap_table, set_table, sweep_table, verdict

SECTION_TITLE = "## Vector index types at scale"


def design() -> list[str]:
    """What is being measured: the layout of a generation's vectors, and the synthetic data."""
    from indexer.index.vectors import FLAT_MAX_VECTORS, HNSW

    return [
        "The design measured (index format 3). `vectors.npy` holds every chunk's float32 embedding, row i = chunk "
        "row i. It is the source of truth: incremental builds copy reused rows from it, and `rank` scores every "
        "candidate (dense or BM25) exactly against it. It is opened with `numpy.load(mmap_mode='r')`, so server "
        "worker processes share it through the page cache and a search reads only the rows it scores. With "
        f"`auto`, up to {FLAT_MAX_VECTORS:,} vectors a search scans that file (`faiss.knn` over the mapping, no "
        "copy). Above that, the build also writes `vectors.hnsw`: a FAISS `IndexHNSWSQ` (M="
        f"{HNSW.m}, efConstruction={HNSW.ef_construction}, {HNSW.code_bits}-bit scalar quantiser, L2, which on "
        "unit vectors ranks like inner product), read with `IO_FLAG_MMAP_IFC | IO_FLAG_READ_ONLY`. It proposes "
        f"max(k, efSearch={HNSW.ef_search}) candidates, which are re-scored with the exact rows. The manifest "
        "records the choice (`vector_index`, and `index_type`, which `askreport info` prints). A rebuild with "
        "nothing changed hard-links the previous graph. Every other build rebuilds the graph from all vectors.",
        "",
        "The data. Uniformly random unit vectors in 384-d have no neighbourhoods: every point is almost equally "
        "far from every other, so no approximate index finds the true top-10 without scanning nearly everything. "
        "Text embeddings are not like that. The clustered sets are a seeded Gaussian mixture, normalised, with "
        f"a topic per {TOPIC_SIZE:,} points, clusters of about {CLUSTER_SIZE} points (as chunks of one document) "
        f"around the topics, a decaying spectrum (scale i^-{SPECTRUM} over a random rotation) and a direction all "
        "vectors share. Its parameters were set so that at SciFact's size it matches SciFact's real chunk vectors: "
        "see the table in the SciFact section (the norm of the mean, pair and neighbour cosines, and the recall a "
        "deliberately weak HNSW reaches, as a measure of how hard a set is for approximate search). The "
        "mixture grows with the set (more topics and clusters). That growth is an assumption: no real "
        "collection of a million chunks was embedded for this benchmark. The uniform sets are the worst case, "
        "reported as measured.",
        "",
    ]


def mmap_summary(support: dict[str, dict[str, Any]]) -> str:
    """Which index types each flag keeps out of private memory (under a tenth of the file stays private)."""
    parts = []
    for flag in MMAP_FLAGS[1:]:
        mapped = [f"`{key}`" for key, row in support.items() if row[flag].get("anon_mb", 1e9) < row["size_mb"] / 10]
        parts.append(f"`{flag}` maps {', '.join(mapped) or 'none of them'}")
    return (
        "; ".join(parts) + ". A mapped index's pages are the page cache's: processes that map the same file share "
        "them, and the kernel can drop them under memory pressure and read them again."
    )


def section(results: dict[str, Any]) -> str:
    """The Markdown section for docs/benchmarks.md."""
    out = _preamble(results)
    order = {"clustered": 0, "uniform": 1, "real": 2}
    for entry in sorted(results["sets"], key=lambda e: (order[e["kind"]], e["count"])):
        out += _set_section(entry)
    out += _extras(results)
    return "\n".join(out)


def _preamble(results: dict[str, Any]) -> list[str]:
    """The title, the commands, date and machine, what is measured, and the targets checked."""
    commands = "; ".join(f"`{c}`" for c in results["command"].split(" ; "))
    out = [SECTION_TITLE, "", f"Commands (from the repository root): {commands}", ""]
    if results.get("rendered"):
        out += [f"Merged and written with `{results['rendered']}`.", ""]
    if results.get("note"):
        out += [results["note"], ""]
    out += [f"Date: {results['date']}", "", "Machine:", *(f"- {fact}" for fact in results["machine"]), ""]
    out += [
        "What it measures, for each set and index type, through the functions a build and a server use "
        "(`indexer.index.vectors.write_vectors`, `read_vectors`, `VectorIndex.search`): the build (saving the exact "
        "vectors, building and saving the graph); single-query search at k=10 and at k=100 (the candidate "
        "depth `rank` asks for), in a fresh process that opened the index memory-mapped as a server worker does, "
        "after one warm-up pass over the queries; recall@10 against exact top-10 computed by brute force in numpy; "
        "and that process's resident memory afterwards: pages of the graph file, private (anonymous) memory the "
        "index added, and pages of `vectors.npy` the searches touched. Timings are the median over runs of each "
        "run's p50, with min–max; build times are the median (min–max) of several builds.",
        "",
        *design(),
        *verdict(results),
        "",
    ]
    return out


def _set_section(entry: dict[str, Any]) -> list[str]:
    """One set: its table, the efSearch values on its graph, and how the mixture compares with real vectors."""
    out = [
        f"### {entry['name']} ({entry['count']:,} vectors, {entry['queries']} queries)",
        "",
        set_table(entry),
        "",
    ]
    hnsw = entry["types"]["hnsw"]
    out += [f"`hnsw` is {hnsw['describe']}. Other efSearch values on the same graph (1 thread, k=10):", ""]
    out += [sweep_table(hnsw["probes"][0]["ef_sweep"]), ""]
    if "calibration" in entry:
        out += [
            "How the synthetic mixture compares with the real vectors at this size:",
            "",
            calibration_table(entry["calibration"]),
            "",
        ]
    return out


def _extras(results: dict[str, Any]) -> list[str]:
    """The exact scan by size and which FAISS indexes can be read memory-mapped, where the run measured them."""
    from indexer.index.vectors import FLAT_MAX_VECTORS

    out: list[str] = []
    if "flat_scan" in results:
        out += [
            f"#### Exact scan by size (why `auto` switches to HNSW above {FLAT_MAX_VECTORS:,} vectors)",
            "",
            flat_scan_table(results["flat_scan"]),
            "",
        ]
    if "mmap" in results:
        out += [
            "#### Which FAISS indexes can be read memory-mapped (faiss-cpu's `read_index` flags, measured)",
            "",
            mmap_table(results["mmap"]),
            "",
            mmap_summary(results["mmap"]),
            "",
        ]
    return out


def merge(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Results of several runs (for example two sets measured side by side) as one.

    A run stopped early keeps the sets it finished; its machine facts are then missing.
    """
    sets: dict[str, dict[str, Any]] = {}
    for entry in (entry for part in parts for entry in part["sets"]):  # one set measured in parts: join types
        sets.setdefault(entry["name"], {**entry, "types": {}})
        sets[entry["name"]]["types"].update(entry["types"])
        sets[entry["name"]].update({k: v for k, v in entry.items() if k not in ("types", "queries")})
    merged = {**parts[0], "sets": list(sets.values())}
    merged["command"] = " ; ".join(part["command"] for part in parts)
    merged["date"] = ", ".join(part["date"] for part in parts)
    merged["machine"] = []
    for part in parts:
        merged["machine"] += [fact for fact in part.get("machine", []) if fact not in merged["machine"]]
        merged.update({key: part[key] for key in ("flat_scan", "mmap") if key in part})
    return merged
