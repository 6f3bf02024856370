"""The hops task world: exact answers, disjoint evaluation chains, own data without the skill."""

import itertools

import numpy as np
import pytest
import torch

from simulator.experiments import capability_train as ct
from simulator.experiments.capability import make_pool, self_check, tier_rows
from simulator.experiments.hops import ANS, BOS, EOS, EQ, Q, SEP, HopsWorld, brute_force_answer


@pytest.fixture(scope="module")
def tiny():
    return HopsWorld(n_entities=5, n_relations=3, n_eval=20, n_valid=10, seed=3)


def test_answers_match_brute_force_on_every_chain_of_a_tiny_world(tiny):
    for k in (1, 2, 3, 4):
        chains = list(itertools.product(range(tiny.E), itertools.product(range(tiny.R),
                                                                          repeat=k)))
        e = np.array([c[0] for c in chains])
        rels = np.array([c[1] for c in chains])
        got = tiny.answer(e, rels)
        want = [brute_force_answer(tiny.table.tolist(), int(a), list(r)) for a, r in chains]
        assert got.tolist() == want


def test_a_trace_spells_out_every_step_and_ends_with_the_answer(tiny):
    e, rels = np.array([2]), np.array([[0, 2, 1]])
    seq = tiny.trace_seqs(e, rels)[0]
    a1 = tiny.table[0, 2]
    a2 = tiny.table[2, a1]
    a3 = tiny.table[1, a2]
    ent, rel = tiny.ent, tiny.rel
    assert seq.tolist() == [BOS, ent(2), rel(0), rel(2), rel(1), Q,
                            ent(2), rel(0), EQ, ent(a1), SEP, ent(a1), rel(2), EQ, ent(a2), SEP,
                            ent(a2), rel(1), EQ, ent(a3), ANS, ent(a3), EOS]


def test_evaluation_chains_never_appear_in_teacher_prompts_or_training_traces():
    world = HopsWorld(n_entities=6, n_relations=3, n_eval=60, n_valid=30, seed=1)
    rng = np.random.default_rng(0)
    for k in (3, 4):
        eval_keys = set(world._key(*world.eval_chains[k]).tolist())
        valid_keys = set(world._key(*world.valid_chains[k]).tolist())
        assert not eval_keys & valid_keys
        e, rels = world.train_chains(k, 5000, rng)
        drawn = set(world._key(e, rels).tolist())
        # the sampler covers every other chain
        assert len(drawn) == world.E * world.R ** k - len(eval_keys) - len(valid_keys)
        assert not drawn & eval_keys and not drawn & valid_keys
    teacher = ct.build_model({"n_layer": 1, "d_model": 16, "n_head": 1}, world, 0)
    pool = make_pool(teacher, world, 400, seed=0)
    for s, st in zip(pool["seq"], pool["start"]):
        k = int(st) - 3
        prompt = s[:k + 3].numpy()
        e = prompt[1] - world.ent(0)
        rels = prompt[2:k + 2] - world.rel(0)
        assert not world.is_eval(np.array([e]), rels[None])[0]


def test_own_data_holds_facts_and_direct_answers_to_at_most_two_hops():
    world = HopsWorld(n_entities=8, n_relations=4, n_eval=20, n_valid=10)
    x, w = world.own_batch(4000, np.random.default_rng(0))
    x = x.numpy()
    kinds = set()
    for row in x:
        row = row[row != 0]
        if row[3] == EQ:  # BOS e r = a EOS
            kinds.add("fact")
            assert len(row) == 6
            continue
        q = int(np.flatnonzero(row == Q)[0])
        hops = q - 2
        kinds.add(hops)
        assert hops <= 2
        assert row[q + 1] == ANS and len(row) == q + 4  # the answer at once: no trace
        assert SEP not in row and EQ not in row
    assert kinds == {"fact", 1, 2}
    assert np.allclose(w.numpy(), x[:, 1:] != 0)


def test_facts_are_zipf_weighted():
    world = HopsWorld(n_entities=8, n_relations=4, zipf_exponent=1.0)
    p = np.sort(world.fact_p)[::-1]
    assert p[0] / p[-1] == pytest.approx(32.0, rel=1e-9)   # rank 1 vs rank 32, exponent 1
    assert p.sum() == pytest.approx(1.0)


def test_tiers_expose_what_the_api_gives(tiny):
    teacher = ct.build_model({"n_layer": 1, "d_model": 16, "n_head": 1}, tiny, 0)
    pool = make_pool(teacher, tiny, 32, seed=0)
    seqs, starts, soft = tier_rows(pool, 32, "answer", 4, tiny.vocab_size)
    for s, st in zip(seqs, starts):
        assert len(s) == st + 3 and s[st] == ANS and s[-1] == EOS   # no chain of thought
    seqs, _, _ = tier_rows(pool, 32, "verified_trace", 4, tiny.vocab_size)
    assert len(seqs) == int((pool["answer"] == pool["truth"]).sum())
    _, _, soft = tier_rows(pool, 32, "trace_topk", 4, tiny.vocab_size)
    for p in soft:
        assert ((p > 0).sum(-1) <= 4).all()
        assert torch.allclose(p.sum(-1), torch.ones(p.shape[0]), atol=1e-3)
    _, _, soft = tier_rows(pool, 32, "trace_logits", 4, tiny.vocab_size)
    assert ((soft[0] > 0).sum(-1) > 4).all()


def test_the_self_checker_accepts_true_traces_the_model_agrees_with_and_rejects_malformed(tiny):
    e, rels = tiny.train_chains(3, 20, np.random.default_rng(0))
    seqs = list(tiny.trace_seqs(e, rels))

    class Oracle(torch.nn.Module):  # a "model" whose recall is perfect
        def forward(self, x):
            out = torch.zeros(x.shape[0], x.shape[1], tiny.vocab_size)
            ents = x[:, 1].numpy() - tiny.ent(0)
            rels_ = x[:, 2].numpy() - tiny.rel(0)
            out[torch.arange(len(x)), -1, torch.from_numpy(tiny.ent(tiny.table[rels_, ents]))] = 1
            return out

    ok, checked = self_check(Oracle(), tiny, e, rels, seqs)
    assert ok.all() and checked == 60
    bad = [s.copy() for s in seqs]
    bad[0][-2] = tiny.ent((bad[0][-2] - tiny.ent(0) + 1) % tiny.E)   # wrong final answer
    bad[1] = bad[1][:-3]                                             # truncated
    ok, _ = self_check(Oracle(), tiny, e, rels, bad)
    assert not ok[0] and not ok[1] and ok[2:].all()
