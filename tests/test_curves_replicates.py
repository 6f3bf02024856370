"""The card names every group of fitted cells that rests on fewer than three seeds."""

import pandas as pd

from simulator.curves.replicates import few_seed_warnings


def _runs(mode, seeds, fractions=(0.0,), sizes=("s1", "s2"), tokens=(524288, 1048576),
          order=None, top_k=None):
    rows = [{"mode": mode, "teacher": "none" if mode == "scratch" else "model", "size": s,
             "params": 1000 * (i + 1), "tokens": d, "seed": seed, "batch_tokens": 1024,
             "teacher_token_fraction": f, "order": order, "top_k": top_k, "loss": 2.0}
            for i, s in enumerate(sizes) for d in tokens for seed in seeds for f in fractions]
    return pd.DataFrame(rows)


def test_three_seeds_everywhere_raise_no_warning():
    scratch = _runs("scratch", [0, 1, 2])
    distill = _runs("logits", [1, 2, 3], fractions=(1.0,))
    limited = _runs("text", [1, 2, 3], fractions=(0.1, 0.3), order="last")
    assert few_seed_warnings(scratch, distill, limited, 512) == []


def test_a_one_seed_group_is_named_with_its_cells_and_sizes():
    scratch = _runs("scratch", [0, 1, 2])
    distill = _runs("logits", [1], fractions=(1.0,), sizes=("s4",))
    limited = pd.concat([_runs("text", [1, 2, 3], fractions=(0.3,), order="last"),
                         _runs("text", [1], fractions=(0.1, 0.3), order="interleaved")])
    got = few_seed_warnings(scratch, distill, limited, 512)
    assert got == [
        "distillation logits/model: 2 of 2 cells rest on 1 seed (fewer than 3; sizes s4)",
        "token-limited text/model/interleaved: 8 of 8 cells rest on 1 seed (fewer than 3; "
        "sizes s1, s2)",
    ]


def test_scratch_cells_under_the_step_floor_are_not_counted_and_topk_arms_split_by_k():
    # 256 steps (0.25M tokens) with one seed: not fitted, so no warning for them
    scratch = pd.concat([_runs("scratch", [0, 1, 2]), _runs("scratch", [0], tokens=(262144,))])
    limited = pd.concat([_runs("topk", [1, 2, 3], fractions=(0.3,), order="last", top_k=4),
                         _runs("topk", [1], fractions=(0.3,), order="last", top_k=16)])
    got = few_seed_warnings(scratch, limited.iloc[:0], limited, 512)
    assert got == ["token-limited topk-k16/model/last: 4 of 4 cells rest on 1 seed (fewer "
                   "than 3; sizes s1, s2)"]
    scratch_two = _runs("scratch", [0, 1])
    assert few_seed_warnings(scratch_two, limited.iloc[:0], limited.iloc[:0], 512) == [
        "scratch law (fitted cells): 4 of 4 cells rest on 2 seeds (fewer than 3; sizes s1, s2)"]
