"""What an API provider controls (issue 13, item 6), as changes to scenario fields, and what each
does on both axes: general capability (the loss lag) and the skill (accuracy, skill lag).

    from simulator.scenario.api_policy import POLICY_LEVERS, api_policies, policy_tornado

Each policy sets real scenario fields, so a scenario file, the app's widgets and the tornado
speak the same language:

- hide the chain of thought   capability.hide_chain_of_thought = true (trace tiers -> answer)
- drop log-probs              distillation.access = "text" (log-prob tiers -> trace; the loss
                              axis loses top-k / logit distillation)
- cap top-k                   distillation.top_k (loss axis through the teacher's captured
                              mass, measured at k = 20 only; the skill axis says "not
                              measured": the capability card records no captured mass)
- rate limit                  distillation.rate_limit_tokens_per_minute (tokens obtained)
- account detection           distillation.detection_probability_per_account_month
- refuse to grade             capability.refuse_grading = true (a grader campaign buys nothing)

Hiding the chain of thought and refusing to grade change nothing on the loss axis: the loss
model counts the tokens bought, not what they carry (said in each row's ``loss_note``). No
policy reaches a self-hosted teacher (distillation.access = logits: open or leaked weights).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from simulator.scenario.accounting import SELF_HOSTED_ACCESS
from simulator.scenario.skill_transfer import load_shapes

TOPK_CAP = 5   # the old Completions API's logprobs maximum (OpenAI), against today's 20


@dataclass(frozen=True)
class PolicyLever:
    """One API-provider policy: the scenario field it sets, its value with the API open (off)
    and with the policy in force (on), and when it cannot change this scenario's numbers."""

    key: str
    label: str
    path: str
    off: Callable[[Any], Any]
    on: Callable[[Any], Any]
    inapplicable: Callable[[Any], str | None]
    loss_note: str = ""

    def why_not(self, scenario) -> str | None:
        """Returns why this policy cannot change ``scenario``'s numbers, or None: no API policy
        reaches a self-hosted teacher (open or leaked weights, distillation.access = logits)."""
        if scenario.distillation.access in SELF_HOSTED_ACCESS:
            return ("the teacher is self-hosted (distillation.access = logits: open or leaked "
                    "weights), so no API policy reaches it")
        return self.inapplicable(scenario)


def _topk_inapplicable(s) -> str | None:
    return None if s.distillation.access == "topk" else \
        "applies only when the API exposes top-k log-probs (distillation.access = topk)"


def _grade_inapplicable(s) -> str | None:
    return None if s.capability.tier == "grader" else \
        "the campaign buys traces or answers, not grades (capability.tier)"


POLICY_LEVERS = (
    PolicyLever("hide_chain_of_thought", "API hides the chain of thought",
                "capability.hide_chain_of_thought", lambda s: False, lambda s: True,
                lambda s: None if s.capability.tier in (
                    "trace", "verified_trace", "trace_topk", "trace_logits")
                else "the campaign buys no traces (capability.tier)",
                "not modelled on the loss axis (it counts tokens bought, not what they carry)"),
    PolicyLever("drop_logprobs", "API drops log-probs (text only)", "distillation.access",
                lambda s: s.distillation.access if s.distillation.access != "text" else "topk",
                lambda s: "text", lambda s: None),
    PolicyLever("cap_top_k", f"API caps top-k log-probs at {TOPK_CAP}", "distillation.top_k",
                lambda s: s.distillation.top_k, lambda s: min(TOPK_CAP, s.distillation.top_k),
                _topk_inapplicable),
    PolicyLever("rate_limit", "API rate limit / 10", "distillation.rate_limit_tokens_per_minute",
                lambda s: s.distillation.rate_limit_tokens_per_minute,
                lambda s: s.distillation.rate_limit_tokens_per_minute * 0.1, lambda s: None),
    PolicyLever("detect_accounts", "API detects accounts (50% per account-month)",
                "distillation.detection_probability_per_account_month",
                lambda s: s.distillation.detection_probability_per_account_month,
                lambda s: max(0.5, s.distillation.detection_probability_per_account_month),
                lambda s: None),
    PolicyLever("refuse_grading", "API refuses to grade", "capability.refuse_grading",
                lambda s: False, lambda s: True, _grade_inapplicable,
                "not modelled on the loss axis (it counts tokens bought, not what they carry)"),
)
BY_KEY = {p.key: p for p in POLICY_LEVERS}
# The table's rows: (label, {policy key: on}); labels kept from the first edition.
TABLE = (
    ("Hide the chain of thought", ("hide_chain_of_thought",)),
    ("Drop log-probs (traces only)", ("drop_logprobs",)),
    (f"Cap top-k log-probs at {TOPK_CAP}", ("cap_top_k",)),
    ("Refuse to grade", ("refuse_grading",)),
    ("Rate limit / 10", ("rate_limit",)),
    ("Detect accounts (50% per account-month)", ("detect_accounts",)),
    ("Hide the chain of thought and detect accounts (50%)",
     ("hide_chain_of_thought", "detect_accounts")),
)


def with_changes(scenario, changes: dict):
    """Returns a copy of ``scenario`` with {dotted path: value} set (groups distillation and
    capability; no re-validation: the values come from the policies above)."""
    groups = {}
    for path, value in changes.items():
        group, name = path.split(".")
        groups.setdefault(group, {})[name] = value
    return scenario.model_copy(update={g: getattr(scenario, g).model_copy(update=u)
                                       for g, u in groups.items()})


def _mass_table_k() -> int | None:
    from simulator.scenario import world

    table = world.priors().get("topk_captured_mass") or {}
    return int(table["top_k"]) if "top_k" in table else None


def skill_measured(scenario, key: str) -> str | None:
    """Returns why the skill axis cannot show policy ``key`` (None: it can). A top-k cap acts
    through the teacher's captured probability mass: the skill axis would need the mass of the
    capability card's top-k runs and the mass at the capped k; today's card records neither
    mass, so the skill axis never claims a top-k effect."""
    if key != "cap_top_k":
        return None
    mass = load_shapes()["tiers"]["trace_topk"].get("captured_mass")
    if mass is None:
        return ("not measured: the capability card does not record the captured probability "
                "mass of its top-k runs, so a real API's top-k cannot be mapped onto the skill")
    return (f"not measured: the card's top-k runs captured a mass of {mass:g}, but the skill "
            "transfer does not map a real API's top-k through it yet")


def loss_measured(scenario, key: str) -> str | None:
    """Returns why the loss axis cannot show policy ``key`` (None: it can): a top-k cap below
    the k of [topk_captured_mass] leaves the loss model at that k's mass (it says so)."""
    if key != "cap_top_k":
        return None
    k, table_k = BY_KEY[key].on(scenario), _mass_table_k()
    if table_k is not None and k < table_k:
        return (f"not measured on the loss axis: the captured mass is known at k = {table_k} "
                f"only, so a cap at k = {k} leaves the loss number where it was")
    return None


class Outcomes:
    """Evaluates scenario variants once each (point estimates, no Monte Carlo, no tornado)."""

    def __init__(self, scenario, evaluate):
        self.scenario, self.evaluate, self._memo = scenario, evaluate, {}

    def __call__(self, changes: dict) -> dict:
        key = tuple(sorted(changes.items()))
        if key not in self._memo:
            s2 = with_changes(self.scenario, changes) if changes else self.scenario
            r = self.evaluate(s2, draws=0, with_tornado=False).to_dict()
            d = r["capability"]["distilled"]
            self._memo[key] = {
                "loss_lag_years": r["results"]["distill"]["lag_years"],
                "tier": d["tier"], "samples": d["samples"], "accuracy": d["accuracy"],
                "ceg": d["ceg"], "ceg_kind": d["ceg_kind"], "lag_years": d["lag_years"],
                "lag_kind": d["lag_kind"], "regime": r["capability"]["regime"]}
        return self._memo[key]


def _on(scenario, keys) -> dict:
    return {BY_KEY[k].path: BY_KEY[k].on(scenario) for k in keys}


def api_policies(scenario, evaluate, outcomes: Outcomes | None = None) -> list[dict]:
    """Returns, per API-provider policy (TABLE), the outcome with it in force on both axes:
    the loss lag, and the skill tier, samples, accuracy, CEG (kind) and skill lag (kind).
    ``inapplicable`` says why a policy cannot change this scenario; ``skill_note`` and
    ``loss_note`` where an axis cannot show it (then ``skill_measured`` / ``loss_measured``
    is False)."""
    outcomes = outcomes or Outcomes(scenario, evaluate)
    rows = []
    for label, keys in TABLE:
        live = [k for k in keys if not BY_KEY[k].why_not(scenario)]
        o = outcomes(_on(scenario, live))   # a policy with no effect here is not applied
        skill = [n for n in (skill_measured(scenario, k) for k in live) if n]
        loss = [n for n in (loss_measured(scenario, k) for k in live) if n]
        rows.append({"policy": label, **o, "skill_measured": not skill,
                     "skill_note": "; ".join(skill), "loss_measured": not loss,
                     "loss_note": "; ".join(loss + [BY_KEY[k].loss_note for k in live
                                                    if BY_KEY[k].loss_note]),
                     "inapplicable": "; ".join(
                         [BY_KEY[k].why_not(scenario) for k in keys if k not in live]
                         + [f"already in force ({BY_KEY[k].path} = {_toml(BY_KEY[k].on(scenario))})"
                            for k in live if _value(scenario, BY_KEY[k].path)
                            == BY_KEY[k].on(scenario)])})
    return rows


def policy_tornado(scenario, evaluate, outcomes: Outcomes | None = None) -> list[dict]:
    """Returns one row per policy lever: both axes with the API open (low) and the policy in
    force (high); a policy that cannot change this scenario says why (``inapplicable``), one
    the skill axis cannot show says so (``skill`` None, ``skill_note``)."""
    outcomes = outcomes or Outcomes(scenario, evaluate)
    base = outcomes({})
    rows = []
    for p in POLICY_LEVERS:
        why = p.why_not(scenario)
        row = {"path": p.path, "key": p.key, "label": p.label, "kind": "policy",
               "low": p.off(scenario), "high": p.on(scenario),
               "base": _value(scenario, p.path), "inapplicable": why,
               "loss_note": loss_measured(scenario, p.key) or p.loss_note,
               "skill_note": skill_measured(scenario, p.key) or ""}
        if why is None:
            lo, hi = outcomes({p.path: row["low"]}), outcomes({p.path: row["high"]})
        else:
            lo = hi = base
        row["loss"] = None if loss_measured(scenario, p.key) else tornado_side(
            lo["loss_lag_years"], hi["loss_lag_years"], base["loss_lag_years"])
        row["skill"] = None if row["skill_note"] else tornado_side(
            lo["lag_years"], hi["lag_years"], base["lag_years"], lo["accuracy"], hi["accuracy"])
        rows.append(row)
    return rows


def _toml(value) -> str:
    return str(value).lower() if isinstance(value, bool) else \
        (f'"{value}"' if isinstance(value, str) else f"{value:g}")


def _value(scenario, path):
    group, name = path.split(".")
    return getattr(getattr(scenario, group), name)


def tornado_side(at_low, at_high, at_base, acc_low=None, acc_high=None) -> dict:
    """Returns one side of a tornado row: the lag at each end and at the base, the swing and,
    when given, the accuracy at each end."""
    swing = None if at_low is None or at_high is None else abs(at_high - at_low)
    side = {"lag_years_at_low": at_low, "lag_years_at_high": at_high,
            "lag_years_base": at_base, "swing_years": swing}
    if acc_low is not None:
        side.update({"accuracy_at_low": acc_low, "accuracy_at_high": acc_high})
    return side
