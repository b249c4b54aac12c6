"""The report's tables: per collection, the dev set, averages over the collections, our BM25 against the reference."""

from __future__ import annotations

from typing import Any

from bench.quality.configs import CONFIGS, METRICS

DEV_GROUPS = ("singles", "first turns", "follow-ups", "follow-ups (question only)")
ANSWERABLE_GROUPS = ("singles", "first turns", "follow-ups")  # what a user sees; question-only is a baseline


def _best(values: dict[str, float]) -> float:
    return max(values.values()) if values else float("nan")


def _cell(value: float, best: float) -> str:
    text = f"{value:.3f}"
    return f"**{text}**" if abs(value - best) < 5e-4 else text


def collection_table(name: str, entry: dict[str, Any], reference: dict[str, float] | None) -> str:
    """nDCG@10, MAP, R@100 and MRR of every configuration, with the README's BM25 reference row."""
    results: dict[str, dict[str, float]] = entry["results"]
    header = "| configuration | " + " | ".join(title for _, title in METRICS) + " |"
    lines = [header, "|---|" + "---:|" * len(METRICS)]
    if reference:
        cells = [f"{reference[key]:.3f}" if key in reference else "–" for key, _ in METRICS]
        lines.append("| *BM25 reference (README)* | " + " | ".join(f"*{c}*" for c in cells) + " |")
    best = {key: _best({label: r[key] for label, r in results.items()}) for key, _ in METRICS}
    for label, metrics in results.items():
        cells = [_cell(metrics[key], best[key]) for key, _ in METRICS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def macro_averages(data: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per configuration, each metric averaged over the collections (each collection counts once)."""
    collections = list(data["collections"].values())
    averages: dict[str, dict[str, float]] = {}
    for config in CONFIGS:
        rows = [c["results"][config.label] for c in collections if config.label in c["results"]]
        if rows:
            averages[config.label] = {key: sum(r[key] for r in rows) / len(rows) for key, _ in METRICS}
    return averages


def dev_answerable_mrr(result: dict[str, Any]) -> float:
    """MRR over singles, first turns and follow-ups together (weighted by question count)."""
    groups = [result["groups"][g] for g in ANSWERABLE_GROUPS if g in result["groups"]]
    count = sum(g["count"] for g in groups)
    return sum(g["mrr"] * g["count"] for g in groups) / count if count else 0.0


def dev_table(dev: dict[str, Any]) -> str:
    """hit@1/3/5 and MRR of single questions, hit@5 and MRR of the conversation groups, the flag rates."""
    first = next(iter(dev["results"].values()))["groups"]
    n = {g: first[g]["count"] for g in DEV_GROUPS}
    lines = [
        f"| configuration | singles (n={n['singles']}) hit@1 | hit@3 | hit@5 | MRR "
        f"| first turns (n={n['first turns']}) hit@5 | MRR | follow-ups (n={n['follow-ups']}) hit@5 | MRR "
        f"| follow-ups question only hit@5 | MRR | unanswerable flagged | answerable wrongly flagged |",
        "|---|" + "---:|" * 12,
    ]
    for label, result in dev["results"].items():
        groups = result["groups"]
        s = groups["singles"]
        cells = [f"{s['hit1']:.3f}", f"{s['hit3']:.3f}", f"{s['hit5']:.3f}", f"{s['mrr']:.3f}"]
        for group in DEV_GROUPS[1:]:
            cells += [f"{groups[group]['hit5']:.3f}", f"{groups[group]['mrr']:.3f}"]
        cells += [f"{result['unanswerable_flagged']:.0%}", f"{result['answerable_flagged']:.0%}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def weighted_ndcg(data: dict[str, Any]) -> dict[str, float]:
    """Per configuration, nDCG@10 averaged over all queries of all collections (big collections weigh more)."""
    collections = list(data["collections"].values())
    out: dict[str, float] = {}
    for config in CONFIGS:
        rows = [
            (c["queries"], c["results"][config.label]["ndcg10"]) for c in collections if config.label in c["results"]
        ]
        total = sum(n for n, _ in rows)
        if total:
            out[config.label] = sum(n * v for n, v in rows) / total
    return out


def wins(data: dict[str, Any]) -> dict[str, int]:
    """In how many collections each configuration has the best nDCG@10 (ties within 0.0005 count for all)."""
    counts = {c.label: 0 for c in CONFIGS}
    for entry in data["collections"].values():
        top = _best({label: r["ndcg10"] for label, r in entry["results"].items()})
        for label, r in entry["results"].items():
            if abs(r["ndcg10"] - top) < 5e-4:
                counts[label] = counts.get(label, 0) + 1
    return counts


def summary_table(data: dict[str, Any]) -> str:
    """Macro-averages over the collections, wins, and the dev set's MRR, one row per configuration."""
    averages = macro_averages(data)
    weighted = weighted_ndcg(data)
    won = wins(data)
    collections = data["collections"]
    dev = data.get("dev")
    best = {key: _best({label: a[key] for label, a in averages.items()}) for key, _ in METRICS}
    best_weighted = _best(weighted)
    header = "| configuration | " + " | ".join(f"mean {title}" for _, title in METRICS)
    header += f" | query-weighted nDCG@10 | best nDCG@10 (of {len(collections)}) |"
    rule = "|---|" + "---:|" * (len(METRICS) + 2)
    if dev:
        header += " dev singles MRR | dev answerable MRR |"
        rule += "---:|---:|"
    lines = [header, rule]
    dev_best = {}
    if dev:
        dev_best = {
            "singles": _best({lb: r["groups"]["singles"]["mrr"] for lb, r in dev["results"].items()}),
            "all": _best({lb: dev_answerable_mrr(r) for lb, r in dev["results"].items()}),
        }
    for label, a in averages.items():
        cells = [_cell(a[key], best[key]) for key, _ in METRICS]
        cells += [_cell(weighted[label], best_weighted), str(won.get(label, 0))]
        if dev and label in dev["results"]:
            r = dev["results"][label]
            cells += [
                _cell(r["groups"]["singles"]["mrr"], dev_best["singles"]),
                _cell(dev_answerable_mrr(r), dev_best["all"]),
            ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bm25_comparison(data: dict[str, Any]) -> str:
    """Our BM25-only scores minus the README's reference, per collection and metric."""
    lines = ["| collection | " + " | ".join(f"{title} ours / ref (Δ)" for _, title in METRICS) + " |"]
    lines.append("|---|" + "---:|" * len(METRICS))
    for name, entry in data["collections"].items():
        reference = data["reference"].get(name)
        ours = entry["results"].get("bm25")
        if not reference or not ours:
            continue
        cells = []
        for key, _ in METRICS:
            if key in reference:
                cells.append(f"{ours[key]:.3f} / {reference[key]:.3f} ({ours[key] - reference[key]:+.3f})")
            else:
                cells.append(f"{ours[key]:.3f} / –")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
