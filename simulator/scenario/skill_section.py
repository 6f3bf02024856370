"""The optional ``[capability]`` section of a scenario: the skill the actor distils, how a
teacher sample is counted, what the API exposes of it (simulator.scenario.skill reads it).

    [capability]
    skill = "competition mathematics (AIME 2024 pass@1)"
    tokens_per_sample = 4000
    tier = "verified_trace"          # answer, trace, verified_trace, trace_topk, trace_logits, grader
    hide_chain_of_thought = false    # true: every trace tier transfers as `answer`
    refuse_grading = false           # true: the API grades nothing (a grader campaign buys 0)
    teacher_release = "2025-01-20"   # the teacher's release date (the campaign starts after it)
    student_training_days = 7
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simulator.scenario.fields import lever, words

TIERS = ("answer", "trace", "verified_trace", "trace_topk", "trace_logits", "grader")
TRACE_TIERS = ("trace", "verified_trace", "trace_topk", "trace_logits")
ANCHORS = ("r1_distill", "r1_zero", "limo", "s1")


class CapabilitySection(BaseModel):
    """Skill capability: what a distillation campaign buys on one skill (accuracy), next to the
    general-capability (loss) answer."""

    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False,
                              strict=True)

    skill: str = Field("competition mathematics (AIME 2024 pass@1)", min_length=1,
                       max_length=200, description="The skill domain's label (the anchors "
                       "in data/distillation_priors.toml [skill] are measured on it).")
    tokens_per_sample: float = Field(
        4000.0, gt=0, le=1e7, description="Teacher output tokens per sample (samples = tokens "
        "obtained / this); ~4k for a reasoning trace (s1: ~3.6k thinking tokens).",
        json_schema_extra=lever("Tokens per teacher sample", "tokens", log=True,
                                swing=("mul", 0.5, 2.0), short="Tokens per teacher sample"))
    tier: Literal["answer", "trace", "verified_trace", "trace_topk", "trace_logits",
                  "grader"] = Field(
        "verified_trace", description="What each teacher sample carries: the final answer "
        "only, a sampled trace, a trace checked by a verifier, a trace with top-k log-probs, "
        "with full logits, or only a grade of the student's own answers.",
        json_schema_extra=words("Access tier of the teacher samples"))
    hide_chain_of_thought: bool = Field(
        False, description="The API hides the chain of thought: every trace tier transfers "
        "as `answer` (the card's hidden-reasoning channel).",
        json_schema_extra=words("API hides the chain of thought"))
    refuse_grading: bool = Field(
        False, description="The API refuses to grade the student's answers: a `grader` "
        "campaign buys nothing on the skill (the student keeps its own post-training).",
        json_schema_extra=words("API refuses to grade answers"))
    anchors: list[Literal["r1_distill", "r1_zero", "limo", "s1"]] = Field(
        default_factory=lambda: list(ANCHORS), min_length=1, description="Literature anchors "
        "used (data/distillation_priors.toml [skill]): r1_distill (level at saturation), "
        "r1_zero (self-reliant level), limo and s1 (few-sample points placing n50).")
    teacher_release: str | None = Field(
        None, description="The teacher's release date, YYYY-MM-DD (default: 1 January of the "
        "scenario year).")
    student_training_days: float = Field(
        7.0, ge=0, le=730, description="Days to fine-tune the student on the bought samples "
        "after the campaign (s1: 26 minutes on 16 H100s; assumed 7 days with evaluation).",
        json_schema_extra=lever("Student fine-tuning days", "days"))

    @field_validator("teacher_release")
    @classmethod
    def _date(cls, value):
        if value is not None:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"teacher_release {value!r} is not a YYYY-MM-DD date") from None
        return value

    @field_validator("anchors")
    @classmethod
    def _needs_levels(cls, value):
        if "r1_distill" not in value:
            raise ValueError("anchors must include r1_distill (the level at saturation)")
        if "limo" not in value and "s1" not in value:
            raise ValueError("anchors must include limo or s1 (they place n50)")
        return value
