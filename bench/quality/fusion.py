"""Which fusion the numbers favour, in words, and how far the numbers can be trusted."""

from __future__ import annotations

from typing import Any

from bench.quality.configs import CONFIGS, DEFAULT_LABEL
from bench.quality.tables import dev_answerable_mrr, macro_averages, weighted_ndcg

NOISE = 0.01  # differences in a macro-average smaller than this are not worth a decision


def choice_of_fusion(data: dict[str, Any]) -> str:
    """Which fused configuration the numbers favour, in words, with the margins that decide it.

    The candidates are the fused configurations within NOISE of the best macro-averaged nDCG@10 over
    the collections; among them the dev set (MRR of the answerable questions, the corpus askreport is
    for) decides, or, without a dev set, the macro-averaged nDCG@10 itself.
    """
    averages = macro_averages(data)
    hybrid = [c.label for c in CONFIGS if c.hybrid and c.label in averages]
    if not hybrid:
        return "No collection was scored, so these numbers say nothing about the fusion."
    dev = data.get("dev")
    mrr = {lb: dev_answerable_mrr(dev["results"][lb]) for lb in hybrid if lb in dev["results"]} if dev else {}
    top = max(averages[lb]["ndcg10"] for lb in hybrid)
    group = [lb for lb in hybrid if averages[lb]["ndcg10"] >= top - NOISE]
    pick = max(group, key=lambda lb: (mrr.get(lb, 0.0), averages[lb]["ndcg10"]))
    parts = _candidates(data, averages, hybrid, group)
    parts += _against_single_sides(data, averages, pick)
    parts += _where_another_leads(data, hybrid, pick)
    if len(group) > 1 and mrr:
        parts.append(
            "The collections do not separate "
            + " and ".join(f"`{lb}`" for lb in group)
            + "; the dev set tips the balance (a small set, see below): answerable-question MRR "
            + ", ".join(f"{mrr[lb]:.3f} (`{lb}`)" for lb in sorted(group, key=lambda lb: -mrr[lb]))
            + "."
        )
    parts.append(_recommendation(averages, mrr, pick))
    return " ".join(parts)


def _candidates(
    data: dict[str, Any], averages: dict[str, dict[str, float]], hybrid: list[str], group: list[str]
) -> list[str]:
    """The fused configurations within NOISE of the best, with their figures, and those further behind."""
    weighted = weighted_ndcg(data)
    others = [lb for lb in hybrid if lb not in group]
    n = len(data["collections"])

    def figures(lb: str) -> str:
        a = averages[lb]
        return f"`{lb}`: nDCG@10 {a['ndcg10']:.3f}, MAP {a['map']:.3f}, query-weighted nDCG@10 {weighted[lb]:.3f}"

    parts = [
        f"Averaged over the {n} collection{'s' if n != 1 else ''}, the fused configurations within {NOISE:.2f} "
        f"of the best mean nDCG@10 are {'; '.join(figures(lb) for lb in group)}."
    ]
    if others:
        parts.append("Further behind: " + "; ".join(f"`{lb}` ({averages[lb]['ndcg10']:.3f})" for lb in others) + ".")
    return parts


def _against_single_sides(data: dict[str, Any], averages: dict[str, dict[str, float]], pick: str) -> list[str]:
    """How far `pick` is above the better of dense and BM25 alone, and on how many collections it beats both."""
    n = len(data["collections"])
    singles = {lb: averages[lb]["ndcg10"] for lb in ("dense", "bm25") if lb in averages}
    if not singles:
        return []
    side = max(singles, key=lambda lb: singles[lb])
    beaten = sum(
        1
        for e in data["collections"].values()
        if e["results"][pick]["ndcg10"] > max(e["results"][lb]["ndcg10"] for lb in singles)
    )
    return [
        f"`{pick}` is {averages[pick]['ndcg10'] - singles[side]:+.3f} above the better single side on "
        f"average (`{side}`, {singles[side]:.3f}) and beats both single sides on {beaten} of {n} collections."
    ]


def _where_another_leads(data: dict[str, Any], hybrid: list[str], pick: str) -> list[str]:
    """The collections where another fusion is NOISE or more above `pick`."""
    behind = []
    for name, entry in data["collections"].items():
        results = entry["results"]
        leader = max((lb for lb in hybrid if lb in results), key=lambda lb: results[lb]["ndcg10"])
        gap = results[leader]["ndcg10"] - results[pick]["ndcg10"]
        if gap >= NOISE:
            behind.append(f"{name} ({entry['queries']} queries), where `{leader}` is {gap:.3f} higher")
    if not behind:
        return []
    return [f"Collections where another fusion leads `{pick}` by {NOISE:.2f} or more: {'; '.join(behind)}."]


def _recommendation(averages: dict[str, dict[str, float]], mrr: dict[str, float], pick: str) -> str:
    """The recommended fusion, and the shipped default's figures when that is another one."""
    verdict = f"**Recommended: `{pick}`**"
    verdict += " — the shipped default (`indexer.Fusion()`)." if pick == DEFAULT_LABEL else "."
    if pick != DEFAULT_LABEL and DEFAULT_LABEL in averages:
        verdict += (
            f" The shipped default (`{DEFAULT_LABEL}`) has mean nDCG@10 {averages[DEFAULT_LABEL]['ndcg10']:.3f}"
            + (f" and dev MRR {mrr[DEFAULT_LABEL]:.3f}." if DEFAULT_LABEL in mrr else ".")
        )
    return verdict


def noise_note(data: dict[str, Any]) -> str:
    """How much the small collections and the dev set can be trusted."""
    small = [f"{name} ({e['queries']})" for name, e in data["collections"].items() if e["queries"] < 100]
    text = "Judge with care: "
    if small:
        text += (
            f"collections with fewer than 100 queries — {', '.join(small)} — move by a few hundredths of "
            "nDCG@10 when a handful of queries change rank, so small differences there are noise; "
        )
    text += (
        "the macro-average gives each collection the same weight however few its queries; the scores are "
        "averages without significance tests"
    )
    if data.get("dev"):
        count = sum(data["dev"]["questions"].values())
        singles = next(iter(data["dev"]["results"].values()))["groups"]["singles"]["count"]
        share = 1 / max(singles, 1)
        text += f"; the dev set has only {count} questions (one of its {singles} singles is {share:.2f} of hit@k)"
    return text + "."
