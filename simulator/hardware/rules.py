"""Export-control rules (``data/rules.toml``) and the classification of a chip under one.

A rule is data: ordered control tests (the first match decides), then licence-review tests that
soften the policy for chips already controlled (the August 2025 H20 licences, the 2026
case-by-case review). The restricted country is China; a chip designed there is "domestic" and
outside US export controls.

    >>> from simulator.hardware import classify, get_chip, get_rule
    >>> classify(get_chip("H800"), get_rule("2022-10")).status
    'not_controlled'

Statuses and what they mean for the restricted country:

    not_controlled   export needs no licence                    import_allowed
    denied           licence with a presumption of denial       not importable
    licence_required licence needed (e.g. the 2025 H20 letter)  not importable (modelled)
    nac_notification License Exception NAC after prior notice   importable, case_by_case = True
                     to BIS (3A090.b; non-datacenter 3A090.a)
    case_by_case     licence reviewed case by case (2025 H20    importable, case_by_case = True
                     licences, 2026 review)
    domestic         designed in the restricted country         available (not an import)

``case_by_case`` is True when the import depends on a decision per exporter and shipment (a
licence review, or BIS not objecting to a NAC notification); a scenario counts such chips at its
approval fraction. The rule's volume cap and tariff (``china_volume_cap_fraction_of_us_units``,
``us_import_tariff_fraction``) and a review's ``revenue_share`` are data a scenario can apply on
top.
"""

from __future__ import annotations

import functools
import math
import operator
from dataclasses import dataclass

from simulator.datafile import read_toml
from simulator.errors import InputError, choices_text
from simulator.hardware.catalog import Chip, catalog_rows, get_chip
from simulator.paths import DATA_DIR

RULES_TOML = DATA_DIR / "rules.toml"

_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
        "==": operator.eq}
_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">=", "==": "!="}
_METRICS = {
    "tpp": ("TPP", ""),
    "performance_density": ("PD", ""),
    "interconnect_gbps": ("interconnect", " GB/s"),
    "memory_bandwidth_gbps": ("memory bandwidth", " GB/s"),
    "us_market": ("US market", ""),
}
_APPLIES_TO = ("all", "datacenter", "non_datacenter")
_CONTROL_POLICIES = {"presumption_of_denial": "denied", "licence_required": "licence_required",
                     "nac_notification": "nac_notification"}
STATUSES = ("not_controlled", "nac_notification", "case_by_case", "licence_required", "denied",
            "domestic")
CONTROLLED = ("nac_notification", "case_by_case", "licence_required", "denied")
IMPORTABLE = ("not_controlled", "nac_notification", "case_by_case", "domestic")
PER_CASE = ("nac_notification", "case_by_case")


def _metric(chip: Chip, metric: str) -> float:
    """Returns the chip's value of a rule metric as a float (booleans as 1 or 0)."""
    x = getattr(chip, metric)
    return float(x) if isinstance(x, bool) else x


@dataclass(frozen=True)
class Condition:
    """One threshold: ``metric op value``, with its source."""

    metric: str
    op: str
    value: float
    source: str

    def holds(self, chip: Chip) -> bool:
        """Returns whether the chip meets it (False when the chip's metric is unknown)."""
        x = _metric(chip, self.metric)
        return not math.isnan(x) and self.holds_at(x)

    def holds_at(self, x):
        """Returns whether a value of the metric meets it (elementwise on a numpy array)."""
        return _OPS[self.op](x, self.value)

    def describe(self, chip: Chip | None = None) -> str:
        """Returns e.g. 'TPP >= 4800', or with a chip 'TPP 2368 < 4800' when it fails."""
        if self.metric == "us_market":
            wanted = bool(self.value) if self.op == "==" else not bool(self.value)
            if chip is not None and self.holds(chip) != wanted:
                wanted = not wanted
            return ("commercially available in the US" if wanted
                    else "not sold in the US (China-only part)")
        name, unit = _METRICS[self.metric]
        if chip is None:
            return f"{name} {self.op} {self.value:g}{unit}"
        x = _metric(chip, self.metric)
        if math.isnan(x):
            return f"{name} unknown"
        op = self.op if self.holds(chip) else _NEGATED[self.op]
        return f"{name} {x:.4g} {op} {self.value:g}{unit}"


@dataclass(frozen=True)
class Test:
    """A named test (e.g. 3A090.a.1): all its conditions must hold."""

    id: str
    label: str
    applies_to: str
    policy: str
    source: str
    conditions: tuple
    chips: tuple = ()       # named chips the test covers (empty: any chip)
    softens: tuple = ()     # reviews: the control policies they soften
    revenue_share: float = 0.0
    revenue_share_source: str = ""

    def names(self, chip: Chip) -> bool:
        """Returns whether the test names this chip (always True for a test naming none)."""
        return not self.chips or chip.name in self.chips

    def applies(self, chip: Chip) -> bool:
        """Returns whether the test covers this kind of chip (datacenter or not, named)."""
        kind = (self.applies_to == "all"
                or (self.applies_to == "datacenter") == bool(chip.datacenter))
        return kind and self.names(chip)

    def matches(self, chip: Chip) -> bool:
        """Returns whether the chip is caught by this test."""
        return self.applies(chip) and all(c.holds(chip) for c in self.conditions)

    def failures(self, chip: Chip) -> list:
        """Returns the conditions the chip fails (all of them if the test does not apply)."""
        if not self.applies(chip):
            return list(self.conditions) or [None]
        return [c for c in self.conditions if not c.holds(chip)]

    def miss(self, chip: Chip) -> tuple:
        """Returns a sort key for how narrowly the chip escapes: (not applicable, number of
        failed conditions, largest relative gap)."""
        failed = self.failures(chip)
        gaps = []
        for c in failed:
            if c is None:
                gaps.append(math.inf)
                continue
            x = _metric(chip, c.metric)
            gaps.append(math.inf if math.isnan(x) else abs(x - c.value) / abs(c.value))
        return (not self.applies(chip), len(failed), max(gaps, default=0.0))

    def first_failure(self, chip: Chip) -> str:
        """Returns why the chip escapes this test, in one short phrase."""
        if not self.names(chip):
            return f"{self.id}: covers {', '.join(self.chips)} only"
        if not self.applies(chip):
            return f"{self.id}: {self.applies_to.replace('_', '-')} only"
        failed = self.failures(chip)
        return f"{self.id}: {failed[0].describe(chip)}" if failed else f"{self.id}: met"


@dataclass(frozen=True)
class Rule:
    """One export-control regime, as read from data/rules.toml."""

    id: str
    title: str
    announced: str
    effective: str
    summary: str
    cloud_access_allowed: bool
    controls: tuple
    reviews: tuple
    sources: tuple
    extra: dict  # other keys of the rule's table (levies, caps, conditions not modelled, …)
    label: str = ""  # a short name for people, e.g. "Oct 2023 rule (3A090 revised)"

    @property
    def name(self) -> str:
        """Returns the rule's short human name (its label, else its id)."""
        return self.label or self.id


@dataclass(frozen=True)
class Classification:
    """How a rule treats a chip for the restricted country."""

    chip: str
    rule: str
    status: str
    controlled: bool
    import_allowed: bool
    case_by_case: bool
    threshold: str  # the test that decided it ("" under the rule 'none')
    reason: str
    revenue_share: float = 0.0  # fraction of revenue the US expects on licensed sales

    def to_dict(self) -> dict:
        """Returns the fields as a plain dict."""
        return dict(self.__dict__)


def _parse_test(raw: dict, where: str, reviews: bool) -> Test:
    policies = ("case_by_case",) if reviews else tuple(_CONTROL_POLICIES)
    try:
        test_id = str(raw["id"])
        applies_to = raw.get("applies_to", "all")
        policy = raw["policy"]
        conditions = tuple(
            Condition(c["metric"], c["op"], float(c["value"]), str(c.get("source", "")))
            for c in raw["conditions"]
        )
        chips = tuple(str(c) for c in raw.get("chips", ()))
        softens = tuple(str(p) for p in raw.get("softens", ("presumption_of_denial",)))
        revenue_share = float(raw.get("revenue_share", 0.0))
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: malformed test ({exc})") from exc
    if not conditions and not chips:
        raise InputError(f"{where}: test {test_id!r} has neither conditions nor named chips")
    if reviews:
        bad = [p for p in softens if p not in _CONTROL_POLICIES]
        if bad:
            raise InputError(f"{where}: softens {bad[0]!r}; valid: "
                             f"{choices_text(_CONTROL_POLICIES)}")
    if not 0 <= revenue_share < 1:
        raise InputError(f"{where}: revenue_share must be in [0, 1); got {revenue_share}")
    if revenue_share and not raw.get("revenue_share_source"):
        raise InputError(f"{where}: revenue_share has no revenue_share_source")
    if applies_to not in _APPLIES_TO:
        raise InputError(f"{where}: applies_to {applies_to!r}; valid: {choices_text(_APPLIES_TO)}")
    if policy not in policies:
        raise InputError(f"{where}: policy {policy!r}; valid: {choices_text(policies)}")
    for c in conditions:
        if c.metric not in _METRICS:
            raise InputError(f"{where}: metric {c.metric!r}; valid: {choices_text(_METRICS)}")
        if c.op not in _OPS:
            raise InputError(f"{where}: op {c.op!r}; valid: {choices_text(_OPS)}")
        if not c.source:
            raise InputError(f"{where}: condition on {c.metric} has no source")
    return Test(test_id, str(raw.get("label", test_id)), applies_to, policy,
                str(raw.get("source", "")), conditions, chips,
                softens if reviews else (), revenue_share,
                str(raw.get("revenue_share_source", "")))


# Keys describing measures that stay in force: a rule that extends another inherits them.
_INHERITED = ("hbm_export_controls", "hbm_controls_file")
_RULE_KEYS = {"title", "label", "announced", "effective", "summary", "cloud_access_allowed", "controls",
              "reviews", "sources", "extends"}


@functools.lru_cache(maxsize=4)
def _load(path: str) -> tuple[dict, dict]:
    doc = read_toml(path, "rules file")
    raw_rules = doc.get("rules", {})
    rules: dict[str, Rule] = {}

    def build(rule_id: str, seen: tuple = ()) -> Rule:
        if rule_id in rules:
            return rules[rule_id]
        if rule_id not in raw_rules:
            raise InputError(f"{path}: rules.{seen[-1]}.extends names unknown rule {rule_id!r}")
        if rule_id in seen:
            raise InputError(f"{path}: rules.{rule_id}: circular 'extends'")
        raw = raw_rules[rule_id]
        parent = build(raw["extends"], seen + (rule_id,)) if raw.get("extends") else None
        where = f"{path}: rules.{rule_id}"
        controls = tuple(_parse_test(t, f"{where}.controls", False) for t in raw.get("controls", []))
        reviews = tuple(_parse_test(t, f"{where}.reviews", True) for t in raw.get("reviews", []))
        if "cloud_access_allowed" not in raw:
            raise InputError(f"{where}: missing cloud_access_allowed")
        rule = Rule(
            id=rule_id,
            title=str(raw.get("title", rule_id)),
            label=str(raw.get("label", rule_id)),
            announced=str(raw.get("announced", "")),
            effective=str(raw.get("effective", "")),
            summary=str(raw.get("summary", "")),
            cloud_access_allowed=bool(raw["cloud_access_allowed"]),
            controls=(parent.controls if parent else ()) + controls,
            reviews=(parent.reviews if parent else ()) + reviews,
            sources=tuple(raw.get("sources", ())),
            extra={**{k: v for k, v in (parent.extra if parent else {}).items()
                      if k in _INHERITED},
                   **{k: v for k, v in raw.items() if k not in _RULE_KEYS}},
        )
        rules[rule_id] = rule
        return rule

    for rule_id in raw_rules:
        build(rule_id)
    meta = {k: v for k, v in doc.items() if k != "rules"}
    return rules, meta


def rule_ids(path=None) -> list[str]:
    """Returns the rule ids in file order (none, 2022-10, 2023-10, 2024-12, 2025-04, 2025-08,
    2026-01)."""
    return list(_load(str(path or RULES_TOML))[0])


def default_rule_id(path=None) -> str:
    """Returns the rule in force today, per data/rules.toml."""
    return _load(str(path or RULES_TOML))[1].get("default_rule", rule_ids(path)[-1])


def restricted_country(path=None) -> str:
    """Returns the ISO code of the restricted country (designer_country of domestic chips)."""
    return _load(str(path or RULES_TOML))[1].get("restricted_country", "CN")


def get_rule(rule_id, path=None) -> Rule:
    """Returns the rule with this id; raises InputError listing the valid ids."""
    if isinstance(rule_id, Rule):
        return rule_id
    rules = _load(str(path or RULES_TOML))[0]
    key = str(rule_id).strip().lower()
    if key not in rules:
        raise InputError(f"unknown rule {rule_id!r}; valid: {choices_text(rules)}")
    return rules[key]


def classify(chip, rule) -> Classification:
    """Returns how ``rule`` treats ``chip`` for the restricted country, and the deciding test."""
    chip = get_chip(chip)
    rule = get_rule(rule)

    def result(status, threshold, reason, revenue_share=0.0):
        return Classification(
            chip=chip.name, rule=rule.id, status=status, controlled=status in CONTROLLED,
            import_allowed=status in IMPORTABLE, case_by_case=status in PER_CASE,
            threshold=threshold, reason=reason, revenue_share=revenue_share)

    if chip.designer_country == restricted_country():
        caught = [t.id for t in rule.controls if t.matches(chip)]
        would = f"; would meet {caught[0]} if exported from the US" if caught else ""
        return result("domestic", "n/a: designed in the restricted country",
                      f"{chip.name} is designed in the restricted country, outside US export "
                      f"controls{would}")
    if not rule.controls:
        return result("not_controlled", "", f"no export controls under rule '{rule.id}'")

    control = next((t for t in rule.controls if t.matches(chip)), None)
    if control is None:
        nearest = min(rule.controls, key=lambda t: t.miss(chip))
        escapes = "; ".join(t.first_failure(chip) for t in rule.controls)
        return result("not_controlled", nearest.first_failure(chip),
                      f"{chip.name} meets no control test of rule {rule.id} ({escapes})")

    met = " and ".join(c.describe(chip) for c in control.conditions)
    status = _CONTROL_POLICIES[control.policy]
    reviews = [t for t in rule.reviews if control.policy in t.softens]
    review = next((t for t in reviews if t.matches(chip)), None)
    if review is not None:
        within = " and ".join(
            [f"named ({chip.name})"] * bool(review.chips)
            + [c.describe(chip) for c in review.conditions])
        share = (f"; the US government expects {review.revenue_share:.0%} of licensed revenue"
                 if review.revenue_share else "")
        return result("case_by_case", f"{review.id}: {review.label}",
                      f"controlled by {control.id} ({met}), but eligible for {review.id} "
                      f"({within}){share}; modelled as importable", review.revenue_share)
    tail = ""
    if reviews:
        outside = "; ".join(t.first_failure(chip) for t in reviews)
        tail = f"; not eligible for review ({outside})"
    policy = {"denied": "presumption of denial", "licence_required": "licence required",
              "nac_notification": "License Exception NAC after prior notification to BIS"}[status]
    return result(status, f"{control.id}: {control.label}",
                  f"controlled by {control.id} ({met}): {policy}{tail}")


def classified_rows(rule=None) -> list[dict]:
    """Returns catalog_rows() with each chip's classification under ``rule`` (default: today's)
    added: rule, status, controlled, import_allowed, case_by_case, threshold, reason,
    revenue_share. Read without pandas (``python -m simulator chips``)."""
    rule = get_rule(rule if rule is not None else default_rule_id())
    return [{**row, **classify(row["chip"], rule).to_dict()} for row in catalog_rows()]


def classify_all(rule=None):
    """Returns load_chips() with the classification under ``rule`` (default: today's) added,
    as a pandas DataFrame (classified_rows() as a table)."""
    import pandas as pd  # here, not at the top: only the tables need it

    return pd.DataFrame(classified_rows(rule))
