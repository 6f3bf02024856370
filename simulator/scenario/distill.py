"""The distillation behaviour of each access mode at frontier scale, from a fit card or priors.

What transfers from our small experiments is dimensionless; absolute losses come from the
published law (E, A, B, alpha, beta) that the scenario names. Notation, per Monte Carlo draw:
C the student's pre-training compute, (N*, D*) its compute-optimal shape under the law,
T the teacher tokens the actor actually obtains, L_T = L*(C_frontier) the teacher's loss.

From a fit card (section ``distill.<mode>`` and ``token_limited.modes.<mode>.<teacher>``):

* token-limited regime (always available): the student keeps the scratch shape (N*, D*) and a
  fraction f = min(1, T / D*) of its tokens comes from the teacher. The card's measured gain
  G(f) = D_eq / D (ln G = g f^p, g signed: G < 1 is harm; G(0) = 1) gives
  L = L_law(N*, G(f) D*). f is clipped to the card's measured fractions: above the largest,
  the edge value G(f_max) is used (no extrapolation; flagged); below the smallest, the form
  runs between f = 0 (G = 1 by definition) and f_min. Harmful teacher tokens are kept here;
  the decision to ignore them is simulator.scenario.core's (L <= L_scratch), and the result
  says by how much they would have hurt. A mode without its own token-limited fit borrows
  its neighbours' (see ``behaviours``). Top-k: what transfers is the teacher's captured
  probability mass, not k; the card's top-k gain (measured at mass m_k) and full-logit gain
  (mass 1) are interpolated in ln G at the real API's mass (data/distillation_priors.toml,
  ``topk_captured_mass``, a flagged assumption).
* pure regime (when T >= D*, enough for a compute-optimal run): every student token comes
  from the teacher. For a
  grid of student sizes N_j = N* 2^m (m in -2..3) with D_j = C / (6 N_j) <= T, the card's
  effective-data multiplier ln k = c0 + c1 ln(D_j/N_j) + c2 r_j, with the teacher-student gap
  r_j = (L_T - E) / (L_law(N_j, D_j) - E), gives L_j = L_law(N_j, k D_j); the best j wins.
  D/N and r are clipped to the card's measured domain (no extrapolation in the inputs).
  The actor takes the better of the two regimes; "regime" reports which.

From the literature priors (data/distillation_priors.toml), used without a card or for a mode
the card lacks: the student's effective compute is C * M with
ln M = min(1, T / T_ref) ln CEG_mode (CEG 5-20x for logits per Davidson et al. 2023;
text 1-10x; top-k in between, ln CEG_topk = ln CEG_text + w (ln CEG_logits - ln CEG_text) with
w = 0.5-0.9 per Busbridge et al. 2025 and Anshumann et al. 2025), so L = L*(C M).

Both are non-decreasing in T by construction. simulator.scenario.core then clips to
[L_T, L_scratch] and applies the logits >= topk >= text envelope across modes.
"""

from __future__ import annotations

import numpy as np

from simulator.curves import forms
from simulator.curves.card import FitCard, LawFit

N_GRID_LOG2 = np.arange(-2.0, 3.01, 0.5)  # student sizes N* 2^m tried for pure distillation
MAX_LOG_GAIN = 30.0                          # keeps exp() finite on wild bootstrap samples


def law_loss(law, n, d):
    """Returns L_law(N, D) for arrays that broadcast."""
    return forms.scratch_loss(law, n, d)


class CardMode:
    """One access mode's behaviour from a fit card (bootstrap samples plus point estimate)."""

    source = "fit card"

    def __init__(self, mode, card: FitCard, teacher, prior=None):
        self.mode = mode
        self.notes = []
        section = card.distill.get(mode)
        mult = section.multiplier if section is not None else None
        self.has_pure = mult is not None
        if self.has_pure:
            self.c = _with_point(mult, ("c0", "c1", "c2"))
            self.has_pure = all(np.isfinite(v[-1]) for v in self.c.values())
            self.tpp_domain = _pair(mult.domain.get("tokens_per_param"), (1e-3, 1e6))
            self.gap_domain = _pair(mult.domain.get("gap_ratio"), (0.0, 10.0))
        tl = card.gain_fits(mode)
        self.tl_teacher = next((t for t in (teacher, "model", "oracle") if t in tl), None)
        entry = tl.get(self.tl_teacher)
        self.has_tl = entry is not None
        if self.has_tl:
            self.g = _with_point(entry, ("g", "p"), defaults={"p": 1.0})
            self.has_tl = all(np.isfinite(v[-1]) for v in self.g.values())
        # a fit at a bound, or with one fraction, is not used: the measured gains are
        # (piecewise linear in ln G from G(0) = 1 through each measured fraction; edge beyond)
        self.measured = None
        meas = entry.measured if entry is not None else None
        if entry is not None and (entry.at_bound or entry.degenerate) and meas is not None \
                and meas.point:
            fr = np.asarray(meas.fraction, dtype=float)
            ln = np.log(np.asarray(meas.point, dtype=float))
            if np.all(np.isfinite(ln)):
                self.measured = (np.concatenate([[0.0], fr]), np.concatenate([[0.0], ln]))
        self.tl_domain = _pair(entry.fraction_domain(), None) if entry is not None else None
        self.captured_mass = entry.captured_mass if entry is not None else None
        self.at_bound = list(entry.at_bound) if entry is not None else []
        self.blend = None   # (weights per draw from s, logits CardMode): top-k by captured mass
        if self.has_tl:
            if self.measured is not None:
                why = (f"at a parameter bound ({', '.join(self.at_bound)})" if self.at_bound
                       else "from one fraction level")
                self.notes.append(f"{mode}: the token-limited fit is {why}; the measured gains "
                                  f"are used instead (at fractions "
                                  f"{[round(x, 4) for x in self.measured[0][1:]]}, the point "
                                  "estimate in every draw, the edge value beyond)")
            if self.tl_teacher != teacher:
                self.notes.append(f"{mode}: token-limited gain measured with teacher "
                                  f"'{self.tl_teacher}', not '{teacher}'")
        self.prior = prior
        self.tl_from = []     # sibling CardModes whose measured gain stands in for a missing one
        self.n_samples = max(len(self.c["c0"]) if self.has_pure else 1,
                             len(self.g["g"]) if self.has_tl else 1) - 1
        self.top_k = ((section.top_k if section is not None else None)
                      or (entry.top_k if entry is not None else None))

    def log_gain(self, s):
        """Returns the signed ln G(f) per draw, f = min(1, T / D*): measured, or from sibling
        modes; f is clipped to the largest measured fraction (the edge value beyond it)."""
        if not self.has_tl:
            return np.mean([m.log_gain(s) for m in self.tl_from], axis=0)
        f = np.clip(s["tokens"] / s["d_opt"], 0.0, 1.0)
        if self.tl_domain is not None:
            f = np.minimum(f, self.tl_domain[1])
        if self.measured is not None:
            ln_gain = np.interp(f, *self.measured)
        else:
            g = _take(self.g["g"], s["idx"])
            p = _take(self.g["p"], s["idx"])
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                ln_gain = np.where(f > 0, forms.token_limited_log_gain({"g": g, "p": p}, f),
                                   0.0)
        ln_gain = np.clip(np.nan_to_num(ln_gain, nan=0.0), -MAX_LOG_GAIN, MAX_LOG_GAIN)
        if self.blend is not None:
            weight, logits = self.blend
            ln_gain = (1.0 - weight(s)) * ln_gain + weight(s) * logits.log_gain(s)
        return ln_gain

    def loss(self, law, s):
        """Returns the loss per draw described by ``s`` (see model.core): the better regime."""
        n, d, c, tokens = s["n_opt"], s["d_opt"], s["compute"], s["tokens"]
        if self.has_tl or self.tl_from:
            loss_tl = law_loss(law, n, np.exp(self.log_gain(s)) * d)
        else:
            loss_tl = self.prior.loss(law, s)
        if not self.has_pure:
            return loss_tl
        n_j = n[:, None] * np.power(2.0, N_GRID_LOG2)[None, :]
        d_j = c[:, None] / (6.0 * n_j)
        feasible = (d_j <= tokens[:, None]) & (tokens >= d)[:, None]
        scratch_j = law_loss(law, n_j, d_j)
        gap = (s["teacher_loss"][:, None] - law["E"]) / (scratch_j - law["E"])
        tpp = np.clip(d_j / n_j, *self.tpp_domain)
        gap = np.clip(gap, *self.gap_domain)
        params = {k: _take(v, s["idx"])[:, None] for k, v in self.c.items()}
        ln_k = np.clip(forms.log_token_multiplier(params, tpp, gap), -MAX_LOG_GAIN, MAX_LOG_GAIN)
        loss_j = np.where(feasible, law_loss(law, n_j, np.exp(ln_k) * d_j), np.inf)
        return np.minimum(loss_j.min(axis=1), loss_tl)


class PriorMode:
    """One access mode's behaviour from the literature anchors (effective-compute multiplier)."""

    source = "literature priors"

    def __init__(self, mode, priors):
        self.mode = mode
        self.notes = []
        self.n_samples = 0
        self.top_k = None
        self.reference_tokens = float(priors["reference"]["tokens"])
        modes = priors["modes"]
        self.logits = _range(modes["logits"], "ceg")
        self.text = _range(modes["text"], "ceg")
        self.weight = _range(modes["topk"], "weight")

    def log_ceg(self, s):
        """Returns ln CEG of this mode per draw (before scaling by the tokens obtained)."""
        u, point = s["u"], s["point"]
        logits = _log_draw(self.logits, u, point)
        text = np.minimum(_log_draw(self.text, u, point), logits)
        if self.mode == "logits":
            return logits
        if self.mode == "text":
            return text
        lo, mid, hi = self.weight
        weight = np.where(point, mid, lo + np.asarray(u) * (hi - lo))
        return text + weight * (logits - text)

    def loss(self, law, s):
        """Returns the loss per draw: L*(C M) with ln M = min(1, T/T_ref) ln CEG."""
        scale = np.clip(s["tokens"] / self.reference_tokens, 0.0, 1.0)
        ln_m = np.clip(scale * self.log_ceg(s), 0.0, MAX_LOG_GAIN)
        return forms.frontier_loss(law, s["compute"] * np.exp(ln_m))


def _pair(value, default):
    """Returns (lo, hi) from a card's [lo, hi] domain, or the default if it is not one."""
    try:
        lo, hi = (float(x) for x in value)
    except (TypeError, ValueError):
        return default
    return (lo, hi) if lo <= hi and np.isfinite(lo) and np.isfinite(hi) else default


def _range(table, stem):
    return tuple(float(table[f"{stem}_{k}"]) for k in ("low", "central", "high"))


def _log_draw(rng, u, point):
    lo, mid, hi = (np.log(x) for x in rng)
    return np.where(point, mid, lo + np.asarray(u) * (hi - lo))


def _with_point(law: LawFit, keys, defaults=None):
    """Returns {key: bootstrap samples with the point estimate appended last}.

    A resample is dropped for every key at once when any of its values is missing (null) or
    not finite, so the keys stay aligned; a key without samples (``p`` of a linear gain)
    repeats its point estimate, or ``defaults``' value when the law has none.
    """
    defaults = defaults or {}
    point = {k: float(law.params.get(k, defaults.get(k, np.nan))) for k in keys}
    n = min(len(law.bootstrap[k]) for k in keys if k in law.bootstrap)
    samples = {k: (np.asarray(law.bootstrap[k][:n], dtype=float) if k in law.bootstrap
                   else np.full(n, point[k])) for k in keys}
    ok = np.ones(n, dtype=bool)
    for v in samples.values():
        ok &= np.isfinite(v)
    return {k: np.append(samples[k][ok], point[k]) for k in keys}


def _take(values, idx):
    """Returns values[idx % n_samples]; idx < 0 means the point estimate (stored last)."""
    idx = np.asarray(idx)
    n = len(values) - 1
    if n <= 0:
        return np.full(idx.shape, values[-1])
    return values[np.where(idx < 0, n, idx % n)]


def behaviours(card, teacher, priors, top_k=None):
    """Returns {mode: CardMode | PriorMode} for the three access modes.

    A mode the card lacks entirely uses the priors. A mode with a card section but no
    token-limited fit borrows the measured gain of its neighbours in the logits >= topk >= text
    order (top-k: the mean of text and logits in ln G; logits or text: the nearest measured
    mode, a conservative or optimistic bound, flagged); only a card without any token-limited
    fit falls back to the priors for that regime.
    """
    out = {}
    for mode in ("logits", "topk", "text"):
        prior = PriorMode(mode, priors)
        if card is None:
            out[mode] = prior
            continue
        cm = CardMode(mode, card, teacher, prior=prior)
        if cm.has_pure or cm.has_tl:
            out[mode] = cm
        else:
            prior.notes.append(f"{mode}: fit card has no section for this mode; literature "
                               "priors used")
            out[mode] = prior
    measured = [m for m in ("logits", "topk", "text")
                if isinstance(out[m], CardMode) and out[m].has_tl]
    order = {"logits": 0, "topk": 1, "text": 2}
    for mode, b in out.items():
        if not isinstance(b, CardMode) or b.has_tl:
            continue
        if not measured:
            b.notes.append(f"{mode}: fit card has no token-limited fit; the token-limited "
                           "regime uses the literature priors")
            continue
        if mode == "topk" and {"logits", "text"} <= set(measured):
            b.tl_from = [out["logits"], out["text"]]
            how = "the mean of the measured logits and text gains (in ln G)"
        else:
            near = min(measured, key=lambda m: (abs(order[m] - order[mode]), order[m]))
            b.tl_from = [out[near]]
            bound = "a lower bound" if order[near] > order[mode] else "an upper bound"
            how = f"the measured {near} gain ({bound})"
        b.notes.append(f"{mode}: fit card has no token-limited fit for this mode; its "
                       f"token-limited gain is {how}")
    _blend_topk_by_mass(out, priors, top_k)
    return out


def _blend_topk_by_mass(out, priors, top_k):
    """Maps the scenario's top-k to the teacher's captured mass and interpolates the measured
    top-k and full-logit gains (in ln G) at that mass."""
    topk, logits = out.get("topk"), out.get("logits")
    table = priors.get("topk_captured_mass")
    if not (isinstance(topk, CardMode) and isinstance(logits, CardMode) and topk.has_tl
            and logits.has_tl and table and topk.captured_mass is not None):
        return
    m_card = float(topk.captured_mass)
    lo, mid, hi = (float(table[f"mass_{k}"]) for k in ("low", "central", "high"))
    if m_card >= 1.0:
        return

    def weight(s):
        u, point = np.asarray(s["u"], dtype=float), np.asarray(s["point"], dtype=bool)
        mass = np.where(point, mid, lo + u * (hi - lo))
        return np.clip((mass - m_card) / (1.0 - m_card), 0.0, 1.0)

    topk.blend = (weight, logits)
    w_mid = float(np.clip((mid - m_card) / (1.0 - m_card), 0.0, 1.0))
    flag = " (a flagged assumption)" if table.get("assumption") else ""
    k_note = "" if top_k is None or top_k >= int(table["top_k"]) else (
        f"; the scenario's k = {top_k} is below k = {table['top_k']}, so this overstates its "
        "mass")
    topk.notes.append(
        f"topk: what transfers is the teacher's captured probability mass, not k. At an API's "
        f"top-{table['top_k']} it is taken as {mid:g} [{lo:g}, {hi:g}]{flag}{k_note}; the "
        f"measured top-{topk.top_k or 'k'} gain (captured mass {m_card:.3f}) and full-logit "
        f"gain (mass 1) are interpolated in ln G at that mass (weight {w_mid:.2f} on logits).")
