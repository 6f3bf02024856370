"""Which fitted cells rest on fewer than three seeds (issue 14: >= 3 seeds per fitted cell).

    warnings += few_seed_warnings(scratch_runs, distill_runs, limited_runs, min_steps)

A cell is one measured condition: (N, D) for the scratch law (only the cells it fits, of at
least ``min_steps`` optimiser steps), (N, D) per access mode and teacher for distillation,
(N, D, f) per mode, teacher and order for token-limited runs. Each group whose cells have fewer
than MIN_SEEDS distinct seeds gets one warning naming its sizes and seed count, so a reader of
the card sees which numbers rest on a single run per cell.
"""

MIN_SEEDS = 3


def _size_names(runs):
    col = "size" if "size" in runs and runs["size"].notna().all() else "params"
    return ", ".join(str(v) for v in sorted(runs[col].unique(), key=str))


def _group_warning(label, runs, cell_cols):
    seeds = runs.groupby(cell_cols, dropna=False)["seed"].nunique()
    few = seeds[seeds < MIN_SEEDS]
    if few.empty:
        return None
    lo, hi = int(few.min()), int(few.max())
    count = f"{lo} seed" + ("s" if lo != 1 else "") if lo == hi else f"{lo}-{hi} seeds"
    idx = few.index.to_frame(index=False)
    sizes = _size_names(runs.merge(idx, on=cell_cols))
    return (f"{label}: {len(few)} of {len(seeds)} cells rest on {count} (fewer than "
            f"{MIN_SEEDS}; sizes {sizes})")


def _by_k(mode, runs):
    """Yields (arm label, runs): top-k runs split by k (topk-k4 ...), other modes whole."""
    if mode != "topk" or "top_k" not in runs:
        yield mode, runs
        return
    for k, sub in runs.groupby("top_k", sort=True):
        yield f"topk-k{int(k)}", sub


def few_seed_warnings(scratch_runs, distill_runs, limited_runs, min_steps) -> list[str]:
    """Returns one warning per group of fitted cells with fewer than MIN_SEEDS seeds."""
    out = []
    if "seed" not in scratch_runs:
        return out
    fitted = scratch_runs
    if "batch_tokens" in scratch_runs and scratch_runs["batch_tokens"].notna().all():
        fitted = scratch_runs[scratch_runs["tokens"] / scratch_runs["batch_tokens"] >= min_steps]
    groups = [("scratch law (fitted cells)", fitted, ["params", "tokens"])]
    for (mode, teacher), runs in distill_runs.groupby(["mode", "teacher"], sort=True):
        for arm, sub in _by_k(mode, runs):
            groups.append((f"distillation {arm}/{teacher}", sub, ["params", "tokens"]))
    limited = limited_runs.assign(order=limited_runs["order"].fillna("last"))
    for (mode, teacher, order), runs in limited.groupby(["mode", "teacher", "order"], sort=True):
        for arm, sub in _by_k(mode, runs):
            groups.append((f"token-limited {arm}/{teacher}/{order}", sub,
                           ["params", "tokens", "teacher_token_fraction"]))
    for label, runs, cols in groups:
        if runs.empty:
            continue
        message = _group_warning(label, runs, cols)
        if message:
            out.append(message)
    return out
