"""The "hops" task world: a skill (composing facts) that the actor's own data does not teach.

    from simulator.experiments.hops import HopsWorld
    world = HopsWorld(n_entities=40, n_relations=8, seed=0)
    world.answer(3, [1, 5, 2])          # r2(r5(r1(3))), exact
    x, w = world.own_batch(64, rng)     # own data: facts and 1-2 hop direct answers

Entities and relations are tokens; each relation is a random function entity -> entity. Sequences:

- fact:            BOS e r = a EOS
- direct answer:   BOS e r1 .. rk ? ANS a EOS
- trace:           BOS e r1 .. rk ? e r1 = a1 ; a1 r2 = a2 ; .. ANS ak EOS

The actor's own data holds facts, Zipf-weighted over the (entity, relation) pairs (a random
ranking), and direct answers to 1- and 2-hop questions; never a question of >= 3 hops and never a
trace. The target task is 3- and 4-hop questions. The evaluation chains (``eval_chains``) are a
fixed random set of (entity, relations) questions; every other sampler here (teacher training,
teacher prompts, validation, self-improvement prompts) rejects them, so they are disjoint from
every prompt the teacher ever sees.
"""

import numpy as np
import torch

PAD, BOS, EOS, EQ, SEP, Q, ANS = range(7)
N_SPECIAL = 7
TARGET_HOPS = (3, 4)
STREAM_EVAL, STREAM_VALID = 101, 102


class HopsWorld:
    def __init__(self, n_entities=40, n_relations=8, zipf_exponent=1.0, seed=0,
                 vocab_size=64, context=32, n_eval=200, n_valid=200,
                 own_mix=(0.5, 0.25, 0.25)):
        if N_SPECIAL + n_entities + n_relations > vocab_size:
            raise ValueError("hops world: entities + relations + 7 specials exceed the vocabulary")
        if 4 * max(TARGET_HOPS) + 4 + max(TARGET_HOPS) + 1 > context:
            raise ValueError("hops world: context too short for a 4-hop trace")
        self.E, self.R, self.vocab_size, self.context = n_entities, n_relations, vocab_size, context
        self.seed = seed
        rng = np.random.default_rng([seed, 0])
        self.table = rng.integers(0, n_entities, size=(n_relations, n_entities))  # table[r, e]
        rank = rng.permutation(n_entities * n_relations)          # fact id -> Zipf rank
        w = (1.0 + rank) ** -float(zipf_exponent)
        self.fact_p = w / w.sum()                                 # over fact id = e * R + r
        self.own_mix = np.asarray(own_mix, float) / np.sum(own_mix)
        self.eval_chains = {k: self._distinct_chains(k, n_eval, [seed, STREAM_EVAL, k], set())
                            for k in TARGET_HOPS}
        self._eval_keys = {k: np.sort(self._key(*c)) for k, c in self.eval_chains.items()}
        self.valid_chains = {k: self._distinct_chains(k, n_valid, [seed, STREAM_VALID, k],
                                                      set(self._eval_keys[k].tolist()))
                             for k in TARGET_HOPS}
        self._reserved_keys = {k: np.sort(np.concatenate([self._eval_keys[k],
                                                          self._key(*self.valid_chains[k])]))
                               for k in TARGET_HOPS}

    # -- tokens and exact answers --------------------------------------------------------------
    def ent(self, e):
        return N_SPECIAL + np.asarray(e)

    def rel(self, r):
        return N_SPECIAL + self.E + np.asarray(r)

    def is_entity_token(self, t):
        t = np.asarray(t)
        return (t >= N_SPECIAL) & (t < N_SPECIAL + self.E)

    def path(self, e, rels):
        """Returns the entities a1..ak visited by the chain (vectorised over a leading axis)."""
        e = np.asarray(e)
        rels = np.asarray(rels)
        out = []
        for i in range(rels.shape[-1]):
            e = self.table[rels[..., i], e]
            out.append(e)
        return np.stack(out, axis=-1)

    def answer(self, e, rels):
        return self.path(e, rels)[..., -1]

    def _key(self, e, rels):
        rels = np.atleast_2d(rels) if np.ndim(e) else np.asarray(rels)[None]
        key = np.atleast_1d(e).astype(np.int64)
        for i in range(rels.shape[-1]):
            key = key * self.R + rels[:, i]
        return key if np.ndim(e) else int(key[0])

    def is_eval(self, e, rels, keys=None):
        """Returns a bool array: whether each (e, rels) is an evaluation chain."""
        keys = self._eval_keys if keys is None else keys
        k = np.shape(rels)[-1]
        if k not in keys:
            return np.zeros(np.shape(np.atleast_1d(e)), bool)
        return np.isin(self._key(np.atleast_1d(e), np.atleast_2d(rels)), keys[k])

    def _distinct_chains(self, k, n, seed, exclude):
        rng = np.random.default_rng(seed)
        seen, out = set(exclude), []
        while len(out) < n:
            e = int(rng.integers(self.E))
            rels = rng.integers(self.R, size=k)
            key = self._key(e, rels)
            if key not in seen:
                seen.add(key)
                out.append((e, rels))
        return (np.array([c[0] for c in out]), np.stack([c[1] for c in out]))

    def train_chains(self, k, n, rng):
        """Returns n random k-hop chains (e, rels), never an evaluation or validation chain."""
        es, rs = [], []
        while sum(len(e) for e in es) < n:
            e = rng.integers(self.E, size=n)
            rels = rng.integers(self.R, size=(n, k))
            keep = ~self.is_eval(e, rels, self._reserved_keys)
            es.append(e[keep])
            rs.append(rels[keep])
        return np.concatenate(es)[:n], np.concatenate(rs)[:n]

    # -- sequences -----------------------------------------------------------------------------
    def prompt(self, e, rels):
        """Returns (n, k + 3) prompts BOS e r1 .. rk ?."""
        n = len(e)
        return np.concatenate([np.full((n, 1), BOS), self.ent(e)[:, None], self.rel(rels),
                               np.full((n, 1), Q)], axis=1)

    def fact_seqs(self, e, r):
        a = self.table[r, e]
        n = len(e)
        return np.stack([np.full(n, BOS), self.ent(e), self.rel(r), np.full(n, EQ), self.ent(a),
                         np.full(n, EOS)], axis=1)

    def direct_seqs(self, e, rels):
        a = self.answer(e, rels)
        n = len(e)
        return np.concatenate([self.prompt(e, rels), np.full((n, 1), ANS), self.ent(a)[:, None],
                               np.full((n, 1), EOS)], axis=1)

    def trace_completion(self, e, rels):
        """Returns (n, 5k + 2) trace completions: e r1 = a1 ; .. ; a(k-1) rk = ak ANS ak EOS."""
        n, k = rels.shape
        path = self.path(e, rels)
        prev = np.concatenate([np.asarray(e)[:, None], path[:, :-1]], axis=1)
        cols = []
        for i in range(k):
            cols += [self.ent(prev[:, i]), self.rel(rels[:, i]), np.full(n, EQ),
                     self.ent(path[:, i])]
            cols.append(np.full(n, SEP) if i < k - 1 else np.full(n, ANS))
        cols += [self.ent(path[:, -1]), np.full(n, EOS)]
        return np.stack(cols, axis=1)

    def trace_seqs(self, e, rels):
        return np.concatenate([self.prompt(e, rels), self.trace_completion(e, rels)], axis=1)

    # -- the actor's own data ------------------------------------------------------------------
    def own_batch(self, n, rng):
        """Returns (x, w): n own-data sequences (facts, 1-hop and 2-hop direct answers), right-
        padded to 8 tokens, and loss weights (n, 7) on every non-padding target."""
        kind = rng.choice(3, size=n, p=self.own_mix)
        fid = rng.choice(self.E * self.R, size=n, p=self.fact_p)
        e, r1 = fid // self.R, fid % self.R
        r2 = rng.integers(self.R, size=n)
        x = np.full((n, 8), PAD, dtype=np.int64)
        x[:, :6] = self.fact_seqs(e, r1)
        one, two = kind == 1, kind == 2
        x[one, :7] = self.direct_seqs(e[one], r1[one, None])
        x[two] = self.direct_seqs(e[two], np.stack([r1[two], r2[two]], axis=1))
        w = (x[:, 1:] != PAD).astype(np.float32)
        return torch.from_numpy(x), torch.from_numpy(w)

    def own_eval_set(self, n=512):
        return self.own_batch(n, np.random.default_rng([self.seed, 103]))

    def trace_batch(self, n, rng, hops=(1, 2, 3, 4)):
        """Returns (x, w): traces of random training chains, loss on the completion only."""
        ks = rng.choice(hops, size=n)
        seqs, starts = [], []
        for k in hops:
            m = int((ks == k).sum())
            if m:
                e, rels = self.train_chains(k, m, rng)
                seqs += list(self.trace_seqs(e, rels))
                starts += [k + 3] * m
        order = rng.permutation(len(seqs))
        return pad_batch([seqs[i] for i in order], [starts[i] for i in order])


def pad_batch(seqs, starts):
    """Returns (x, w): right-padded tokens (n, T) and weights (n, T - 1) on targets at positions
    >= start (a sequence's first trained target is its token ``start``)."""
    T = max(len(s) for s in seqs)
    x = np.full((len(seqs), T), PAD, dtype=np.int64)
    w = np.zeros((len(seqs), T - 1), dtype=np.float32)
    for i, (s, st) in enumerate(zip(seqs, starts)):
        x[i, :len(s)] = s
        w[i, st - 1:len(s) - 1] = 1.0
    return torch.from_numpy(x), torch.from_numpy(w)


def brute_force_answer(table, e, rels):
    """The exact answer by walking the chain one relation at a time (for tests)."""
    for r in rels:
        e = int(table[r][e])
    return e
