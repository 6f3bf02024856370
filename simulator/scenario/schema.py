"""Scenario files: inert TOML validated into a typed model.

A scenario is plain data (no code, no includes). The same pydantic schema drives TOML
validation, ``--set`` overrides and the app's widget bounds (``lever_specs``). Unknown keys are
errors; every field has units in its name and a description.

Loading a file, ``--set`` overrides and the checks against the data: ``loading.py``.

Example:
    >>> from simulator.scenario import load_scenario
    >>> s = load_scenario("scenarios/deepseek-v3-reference.toml", ["actor.mfu=0.2"])
    >>> s.actor.mfu
    0.2
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.errors import choices_text
from simulator.scenario.fields import field_bounds, field_words, lever, words  # noqa: F401
from simulator.scenario.skill_section import CapabilitySection

ACCESS_MODES = ("logits", "topk", "text")
CHANNELS = ("import", "smuggled", "domestic", "cloud")
PRECISIONS = ("fp32", "tf32", "bf16", "fp8", "int8")


def is_lever(path: str) -> bool:
    """Returns whether a dotted path is a numeric field the model reads (a Monte Carlo lever)."""
    parts = path.split(".")
    if len(parts) == 4 and parts[:2] == ["actor", "chips"] and parts[2].isdigit():
        return parts[3] in LEVER_FIELDS["chip"]
    return len(parts) == 2 and parts[1] in LEVER_FIELDS.get(parts[0], ())


def _levers_of(model_cls) -> tuple:
    return tuple(name for name, f in model_cls.model_fields.items()
                 if "lever" in (f.json_schema_extra or {}))


class _Strict(BaseModel):
    # strict: a number must be a TOML number (``count = true`` or ``mfu = "0.17"`` is an
    # error, not 1 chip or a silent conversion); whole numbers are fine for real fields.
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False,
                              strict=True)


class Frontier(_Strict):
    """The frontier actor (A) whose model is the teacher."""

    compute_flop: float = Field(
        gt=0, le=1e30, description="Training compute of the frontier model (the teacher) in "
        "the scenario year, FLOP. Epoch AI: Grok 3 ~3.5e26, GPT-4.5 ~2.1e26.",
        json_schema_extra=lever("Frontier model's training compute (FLOP)", "FLOP", log=True, swing=("mul", 0.5, 2.0), short="Frontier training compute (FLOP)"))
    growth_per_year: float = Field(
        4.5, gt=1, le=20, description="Growth of frontier training compute per year (x). "
        "Epoch AI: 4-5x/yr.",
        json_schema_extra=lever("Frontier compute growth (×/yr)", "x/yr", swing=("mul", 4.0 / 4.5, 5.0 / 4.5)))
    algorithmic_progress_per_year: float = Field(
        1.0, ge=1, le=10, description="Effective-compute growth per year from algorithms (x), "
        "added to the lag's clock; 1 = compare physical compute only. Ho et al. 2024: ~2.8x/yr.",
        json_schema_extra=lever("Algorithmic progress (×/yr)", "x/yr", swing=("set", 1.0, 2.8)))
    post_training_fraction: float | None = Field(
        None, ge=0, le=0.9, description="Share of the frontier model's training compute "
        "(compute_flop) spent on post-training (SFT, RL); its pre-training compute, "
        "compute_flop x (1 - this), sets the teacher's loss and is what the actor's pre-training "
        "is compared with. None: 0.05, range 0.002-0.5 (data/accounting.toml: DeepSeek-R1's RL "
        "stage over V3, Nature 2025; V3 alone; Grok 4's RL at pretraining scale).",
        json_schema_extra=lever("Frontier's share of compute spent on post-training",
                                "fraction"))


class ChipEntry(_Strict):
    """One block of the restricted actor's chips."""

    chip: str = Field(description="Chip name from data/chips.csv (case-insensitive).")
    count: float = Field(ge=0, le=1e8, description="Number of chips (for domestic: chips "
                         "started; yield_fraction of them work).",
        json_schema_extra=lever("chips", "chips", log=True, swing=("mul", 0.5, 2.0)))
    channel: Literal["import", "smuggled", "domestic", "cloud"] = Field(
        description="How the chips are obtained: import (counts only if the rule allows it; "
        "case-by-case chips count at the approval fraction), smuggled and domestic (count "
        "regardless of the rule), cloud (rented abroad; counts unless remote-access controls "
        "apply and the rule controls the chip).")
    yield_fraction: float = Field(
        1.0, ge=0, le=1, description="Fraction of the count that works (domestic fab yield: "
        "SMIC 7nm 910C ~0.4, range 0.2-0.6 per FT/Digitimes 2025); 1 for bought chips.",
        json_schema_extra=lever("yield", "fraction", swing=("add", -0.2, 0.2)))
    performance_factor: float = Field(
        1.0, gt=0, le=2, description="Achieved fraction of the datasheet peak FLOP/s (immature "
        "software stacks, e.g. domestic chips 0.6-0.8); multiplies the MFU.",
        json_schema_extra=lever("achieved share of peak", swing=("mul", 0.75, 1.25)))
    price_usd: float | None = Field(
        None, ge=0, le=1e7, description="Purchase price per chip, USD; default from chips.csv.",
        json_schema_extra=lever("price (USD)", "USD"))
    rental_usd_per_hour: float | None = Field(
        None, ge=0, le=1000, description="Rental price per chip-hour, USD; default from "
        "chips.csv. DeepSeek-V3 accounted $2/H800-hour.",
        json_schema_extra=lever("rental (USD/h)", "USD/h"))


class Actor(_Strict):
    """The restricted actor (B): its chips and how it trains."""

    training_days: float = Field(
        60.0, gt=0, le=730, description="Wall-clock days of training on the whole fleet.",
        json_schema_extra=lever("Training days", "days", swing=("mul", 0.5, 2.0), short="Training days"))
    mfu: float = Field(
        0.35, gt=0, le=0.8, description="Model FLOP utilisation against the peak at "
        "`precision` (Llama 3.1: 0.38-0.43 bf16; DeepSeek-V3 ~0.2 vs fp8 peak).",
        json_schema_extra=lever("Model FLOP utilisation (MFU)", swing=("mul", 0.7, 1.3), short="MFU (model FLOP utilisation)"))
    precision: Literal["fp32", "tf32", "bf16", "fp8", "int8"] = Field(
        "bf16", description="Training precision whose dense peak the MFU refers to; a chip "
        "without it falls back to bf16 (stated in the result).")
    post_training_fraction: float | None = Field(
        None, ge=0, le=0.9, description="Share of the fleet's FLOP spent on post-training "
        "(RL, SFT) rather than pre-training; only the pre-training share enters the loss and it "
        "is compared with the frontier's pre-training compute, so equal shares leave the lag "
        "unchanged. None: the frontier's share (frontier.post_training_fraction).",
        json_schema_extra=lever("Share of compute spent on post-training", "fraction"))
    algorithmic_efficiency_multiplier: float = Field(
        1.0, ge=0.01, le=100, description="The actor's algorithmic efficiency relative to "
        "the frontier's: a multiplier on its effective compute (1 = the frontier's). "
        "Same-date compute ratios of models at similar MMLU scores span 0.19 (Falcon-180B vs "
        "Llama 2 70B) to 7.4 (DeepSeek-V3 vs Llama 3.1 405B); data/algorithmic_efficiency.toml.",
        json_schema_extra=lever("Algorithmic efficiency vs the frontier (×)", "x", log=True,
                                short="Algorithmic efficiency vs the frontier (×)"))
    cost_basis: Literal["rental", "capital"] = Field(
        "rental", description="How the fleet's cost is counted: chip-hours x rental price "
        "(the cloud-equivalent convention of DeepSeek-V3 and Epoch AI) or purchase price of "
        "the chips used (cloud chips are always rental).")
    case_by_case_approval_fraction: float = Field(
        0.5, ge=0, le=1, description="Fraction of imported case-by-case chips that get a "
        "licence (2026-01 rule caps China at 50% of US shipments; CNBC Jul 2026: 'very few').",
        json_schema_extra=lever("Share of case-by-case licences granted", "fraction", swing=("add", -0.25, 0.25), short="Case-by-case licences approved (fraction)"))
    smuggling_interdiction_fraction: float = Field(
        0.0, ge=0, le=1, description="Fraction of smuggled chips seized or never delivered "
        "(enforcement lever).",
        json_schema_extra=lever("Share of smuggled chips interdicted", "fraction", swing=("add", -0.25, 0.25), short="Smuggled chips interdicted (fraction)"))
    smuggled_price_multiplier: float = Field(
        1.0, ge=1, le=10, description="Price of a smuggled chip relative to list (capital "
        "basis only).",
        json_schema_extra=lever("Smuggled-chip price multiplier"))
    remote_access_controls: bool = Field(
        False, description="Remote-access controls in force (Remote Access Security Act): "
        "cloud chips that the rule controls no longer count.",
        json_schema_extra=words("Remote-access controls on cloud chips"))
    growth_per_year: float = Field(
        1.0, gt=0, le=20, description="Growth of the actor's fleet compute per year (x), for "
        "the yearly time series only.",
        json_schema_extra=lever("Actor's fleet growth (×/yr)", "x/yr"))
    chips: list[ChipEntry] = Field(
        min_length=1, max_length=64, description="The fleet, one entry per chip and channel.")


class Distillation(_Strict):
    """The API channel to the frontier model."""

    enabled: bool = Field(True, description="Evaluate the distillation strategy.")
    access: Literal["logits", "topk", "text"] = Field(
        "text", description="What the API exposes: full logits (open or leaked weights, run "
        "on the actor's own fleet: no API spend, rate limit or bans, but the teacher's "
        "inference FLOP are taken from the fleet), top-k log-probabilities (OpenAI "
        "top_logprobs <= 20), or sampled text only.",
        json_schema_extra=words("What the API exposes"))
    top_k: int = Field(20, ge=1, le=1000, description="k for top-k access (OpenAI: 0-20).",
        json_schema_extra=words("Top-k log-probs per token"))
    teacher: Literal["model", "oracle"] = Field(
        "model", description="Which measured teacher's behaviour transfers: a trained model "
        "(realistic) or the oracle (a perfect teacher, an upper bound).")
    tokens: float = Field(
        1e10, ge=0, le=1e15, description="Teacher output tokens the actor tries to buy "
        "(Anthropic Feb 2026: >16M exchanges ~ 1e10-1e11 tokens).",
        json_schema_extra=lever("Teacher tokens requested", "tokens", log=True, swing=("mul", 0.1, 10.0), short="Teacher tokens sought"))
    input_tokens_per_output_token: float = Field(
        0.25, ge=0, le=100, description="Prompt tokens sent per teacher token bought "
        "(1k prompt per 4k-token trace = 0.25).",
        json_schema_extra=lever("Prompt tokens per teacher token"))
    price_input_usd_per_mtok: float = Field(
        3.0, ge=0, le=1000, description="API price of input tokens, USD per million.",
        json_schema_extra=lever("API input price (USD/Mtok)", "USD/Mtok"))
    price_output_usd_per_mtok: float = Field(
        15.0, ge=0, le=1000, description="API price of output tokens, USD per million "
        "(Claude Sonnet tier $15; o3 $8; DeepSeek V3.2 $0.42).",
        json_schema_extra=lever("API output price (USD/Mtok)", "USD/Mtok", swing=("mul", 0.5, 2.0)))
    accounts: float = Field(
        1000, ge=1, le=1e7, description="API accounts used in parallel (Anthropic Feb 2026: "
        "~24,000 fraudulent accounts).",
        json_schema_extra=lever("API accounts used", log=True, swing=("mul", 0.1, 10.0), short="API accounts used"))
    rate_limit_tokens_per_minute: float = Field(
        80_000, gt=0, le=1e9, description="Output tokens per minute per account (Anthropic "
        "tier 4: 80k OTPM).",
        json_schema_extra=lever("API rate limit (tokens/min/account)", "tokens/min", log=True, short="Rate limit (output tokens/min/account)"))
    campaign_days: float = Field(
        90.0, gt=0, le=3650, description="Days the extraction campaign runs.",
        json_schema_extra=lever("Extraction campaign (days)", "days"))
    detection_probability_per_account_month: float = Field(
        0.0, ge=0, le=1, description="Probability that a given account is detected and "
        "banned within a month (KYC, H.R. 8283, NSTM-4 lever).",
        json_schema_extra=lever("Detection probability per account-month", swing=("add", -0.25, 0.25), short="Detection probability per account-month"))
    budget_usd: float | None = Field(
        None, ge=0, le=1e12, description="Cap on API spend, USD; none = unlimited.",
        json_schema_extra=lever("API budget (USD)", "USD", log=True))
    epochs: float = Field(
        1.0, ge=1, le=100, description="Passes the student makes over the obtained teacher "
        "tokens; repeated tokens count at Muennighoff et al. 2023's discount (arXiv:2305.16264, "
        "R*_D = 15.4 in data/accounting.toml): effective tokens = T + T R* (1 - e^(-(epochs - "
        "1) / R*)). 1 = each token counted once.",
        json_schema_extra=lever("Epochs over the teacher tokens", "epochs",
                                short="Epochs over the bought teacher tokens"))
    teacher_active_params: float | None = Field(
        None, gt=0, le=1e14, description="Active parameters of the teacher, for the inference "
        "FLOP a self-hosted teacher (access = logits: open or leaked weights) costs the actor's "
        "fleet (2 x params x tokens, prompts included). None: the law's compute-optimal size at "
        "the frontier's pre-training compute. data/frontier_models.csv: DeepSeek-V3 3.7e10, "
        "Kimi K2 3.2e10, Llama 3.1 405B 4.05e11.",
        json_schema_extra=lever("Teacher's active parameters", "params", log=True))


class LeverRange(_Strict):
    """A range over which one numeric lever varies in the Monte Carlo and the tornado."""

    path: str = Field(description="Dotted path of a numeric field, e.g. actor.mfu or "
                      "actor.chips.0.count.")
    low: float = Field(description="Lower end of the range (same units as the field).")
    high: float = Field(description="Upper end of the range.")
    scale: Literal["linear", "log"] = Field(
        "linear", description="Sample uniformly in the value (linear) or in its log (log).")

    @model_validator(mode="after")
    def _ordered(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high)) or self.low > self.high:
            raise ValueError(f"low ({self.low}) must be finite and <= high ({self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError("a log-scale range needs low > 0")
        return self


class Uncertainty(_Strict):
    """Monte Carlo settings."""

    draws: int = Field(2000, ge=1, le=1_000_000, description="Monte Carlo draws.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Random seed (results are "
                      "deterministic given the seed).")
    levers: list[LeverRange] = Field(
        default_factory=list, description="Lever ranges sampled in the Monte Carlo and swung "
        "in the tornado.")


class Serving(_Strict):
    """What the actor deploys: how much of its fleet serves, and the demand per user
    (simulator.scenario.serving; the roofline and its sourced defaults: data/serving.toml)."""

    share_of_fleet: float = Field(
        gt=0, le=1, description="Share of the actor's usable chips that serve the model "
        "instead of training, 0-1.")
    tokens_per_user_per_day: float = Field(
        gt=0, le=1e9, description="Output tokens one user consumes per day (users per day = "
        "tokens per day / this).")
    precision: Literal["fp32", "tf32", "bf16", "fp8", "int8"] = Field(
        "fp8", description="Precision the model is served at (weights and matmuls).")
    active_params_fraction: float = Field(
        1.0, gt=0, le=1, description="Share of the served model's parameters active per "
        "token: 1 for a dense model, ~0.055 for DeepSeek-V3 (37B of 671B).")
    assumptions: dict[str, float] = Field(
        default_factory=dict, description="Overrides of the serving roofline's defaults by "
        "name (data/serving.toml [defaults]), e.g. compute_utilisation = 0.5.")

    @model_validator(mode="after")
    def _known_assumptions(self):
        from simulator.serving.defaults import SETTING_NAMES

        unknown = sorted(set(self.assumptions) - set(SETTING_NAMES))
        if unknown:
            raise ValueError(f"unknown serving assumption(s) {', '.join(unknown)}; valid: "
                             f"{choices_text(SETTING_NAMES)}")
        return self


class Scenario(_Strict):
    """One export-control / distillation scenario."""

    name: str = Field(min_length=1, max_length=200, description="Short name.")
    description: str = Field(min_length=1, description="What the scenario represents and "
                             "the sources of its numbers.")
    sources: list[str] = Field(default_factory=list, description="Citations (URLs).")
    variant: Literal["conservative", "central", "aggressive", "reference"] = Field(
        "central", description="Which variant of a scenario family this is.")
    year: int = Field(ge=2015, le=2040, description="Calendar year of the scenario.")
    rule: str = Field(description="Export-control rule id in force (data/rules.toml).",
        json_schema_extra=words("Export-control rule"))
    law: str = Field("besiroglu_2024", description="Published scaling law (data/laws.toml) "
                     "that gives absolute losses at frontier scale.")
    fit: str = Field("default", description="Fit card: 'default' (data/fits/default.json), "
                     "'priors' (literature anchors only) or a path relative to the scenario.")
    timeseries_years: int = Field(0, ge=0, le=30, description="Years of the yearly time "
                                  "series to report (0 = none).")
    frontier: Frontier
    actor: Actor
    distillation: Distillation = Field(default_factory=Distillation)
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    serving: Serving | None = Field(None, description="Optional: what the actor can deploy "
                                    "with the models it reaches (a serving block in results).")
    capability: CapabilitySection | None = Field(
        None, description="Optional: the skill axis (accuracy on one skill) next to the loss "
        "(a capability block in results; simulator.scenario.skill).")

    # Set by load_scenario: where the scenario came from (for messages and relative paths).
    _source_path: str = "<scenario>"

    @property
    def source_path(self) -> str:
        """Returns the file the scenario was read from (or a placeholder)."""
        return self._source_path


# The numeric fields the model reads: the levers that Monte Carlo ranges and the tornado may
# vary (chip fields repeat per entry as actor.chips.<i>.<field>), from the fields' metadata.
LEVER_FIELDS = {"frontier": _levers_of(Frontier), "actor": _levers_of(Actor),
                "chip": _levers_of(ChipEntry), "distillation": _levers_of(Distillation)}
GROUP_MODELS = {"frontier": Frontier, "actor": Actor, "chip": ChipEntry,
                "distillation": Distillation, "scenario": Scenario,
                "capability": CapabilitySection}


def path_field(path: str):
    """Returns the pydantic field of a dotted scenario path (actor.chips.<i>.<name> for chip
    entries), or None."""
    parts = path.split(".")
    if len(parts) == 4 and parts[:2] == ["actor", "chips"] and parts[2].isdigit():
        return ChipEntry.model_fields.get(parts[3])
    if len(parts) == 1:
        return Scenario.model_fields.get(parts[0])
    model = GROUP_MODELS.get(parts[0]) if len(parts) == 2 else None
    return model.model_fields.get(parts[1]) if model else None


def path_words(path: str) -> dict:
    """Returns the words (label, short, unit, log) of a dotted scenario path ({} if none)."""
    field = path_field(path)
    return field_words(field) if field is not None else {}


def default_swing(path: str):
    """Returns the default tornado swing of a lever path, or None."""
    field = path_field(path)
    return ((field.json_schema_extra or {}).get("lever") or {}).get("swing") if field else None
