"""Training jobs: one constant-LR trunk per job, with (1 - sqrt) cooldown branches, one per run.

    from simulator.experiments.train import run_job
    rows = run_job(job)          # job: a dict built by simulator.experiments.presets

A *run* is (student size, seed, what it trains on, token budget). Runs that share a trunk (the
same student, seed and constant-LR data stream) are computed in one job: the trunk trains at a
constant learning rate, and each run branches off it at ``(1 - cooldown_frac)`` of its budget
(earlier when its teacher tokens start earlier) and anneals the learning rate to zero as
``1 - sqrt(progress)`` (Hägele et al. 2024). A branch at budget D is a complete, ordinary
training run of D tokens; sharing the trunk only saves compute.

What a student trains on (a ``Variant``): its own data (true text, cross-entropy), plus a
fraction ``teacher_token_fraction`` of sequences labelled by a teacher, either at the end of
the run (``order="last"``, like post-training) or spread evenly (``order="interleaved"``).
Schedules (``schedule``): ``cooldown`` (the first design) puts ``last``-order teacher tokens at the
very end, inside the cooldown, where they see a fraction of the peak learning rate; ``wsd``
(warmup-stable-decay, the default since issue 14) puts them at the end of the stable phase,
immediately before the decay, which then runs on the student's own data: teacher tokens see the
peak learning rate, like most of the student's own tokens. ``lr_scale`` multiplies the learning
rate of the teacher phase (order ``last``) or of the whole run (``interleaved`` and pure
distillation, where teacher and own tokens are mixed); it is tuned per arm on a pilot.
Teacher sequences are: ``logits`` the teacher's full next-token distribution on the true text
(KL at temperature 1); ``topk`` only its top-k log-probabilities, renormalised, optionally mixed
with a hard-label term; ``text`` text the teacher sampled (cross-entropy on it).

Every random choice is a function of (seed, stream, chunk) and each job pins its thread count,
so a run gives the same loss wherever and in whatever order it runs.
"""

import copy
import io
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from simulator import atomic
from simulator.experiments.language import CHUNK_SEQS, ByteCorpus, SkillsLanguage, stream_generator
from simulator.experiments.model import GPT, ModelConfig, count_params, forward_flops_per_token

MODES = ("scratch", "logits", "topk", "text")
TEACHERS = ("none", "oracle", "model")
STREAM_TRAIN, STREAM_EVAL, STREAM_TEXT = 1, 2, 3


@dataclass(frozen=True)
class Variant:
    """What a student trains on (see module docstring)."""
    mode: str = "scratch"
    teacher: str = "none"
    top_k: int | None = None
    hard_label_weight: float = 0.0
    teacher_token_fraction: float = 0.0
    order: str = "none"
    lr_scale: float = 1.0
    schedule: str = "cooldown"

    def to_dict(self) -> dict:
        return asdict(self)


def make_corpus(spec: dict):
    """Returns the corpus a job's ``corpus`` spec describes."""
    spec = dict(spec)
    kind = spec.pop("kind")
    if kind == "skills":
        return SkillsLanguage(**spec)
    spec.pop("sha256", None)
    return ByteCorpus(spec["path"], context=spec["context"])


# ---------------------------------------------------------------------------------------------
# Data streams and teacher labels (deterministic per chunk, cached in memory and on disk)

class Streams:
    """Own data, eval data and teacher labels for one job."""

    def __init__(self, job: dict, corpus, device):
        self.job, self.corpus, self.device = job, corpus, device
        self.seed = job["seed"]
        self._own, self._labels = {}, {}
        self._teacher_models = {}
        cache = job.get("sweep_dir")
        self.cache_dir = Path(cache) / "teachers" if cache else None

    def own_chunk(self, c):
        if c not in self._own:
            if len(self._own) > 64:
                self._own.pop(next(iter(self._own)))
            g = stream_generator(self.job["corpus_seed"], self.seed, STREAM_TRAIN, c)
            self._own[c] = self.corpus.sample(CHUNK_SEQS, g)
        return self._own[c]

    def own(self, start, n):
        """Returns own-data sequences [start, start + n) (n divides CHUNK_SEQS)."""
        c, off = divmod(start, CHUNK_SEQS)
        return self.own_chunk(c)[off:off + n]

    def eval_set(self):
        if isinstance(self.corpus, ByteCorpus):
            return self.corpus.eval_windows(self.job["eval_seqs"])
        g = stream_generator(self.job["corpus_seed"], STREAM_EVAL)
        return self.corpus.sample(self.job["eval_seqs"], g)

    def labels(self, teacher, what, c):
        """Returns a chunk of teacher labels: fp16 log-probs (n, T, V) or samples (n, T + 1)."""
        key = (teacher, what, c)
        if key not in self._labels:
            if len(self._labels) > 16:
                self._labels.pop(next(iter(self._labels)))
            self._labels[key] = self._load_or_compute(teacher, what, c)
        return self._labels[key]

    def _load_or_compute(self, teacher, what, c):
        path = None
        if self.cache_dir is not None:
            path = self.cache_dir / "cache" / f"{teacher}-s{self.seed}-{what}-{c:05d}.pt"
            if path.exists():
                return torch.load(path, weights_only=True)
        x = self.own_chunk(c)
        if what == "logprobs":
            if teacher == "oracle":
                value = self.corpus.oracle_logprobs(x)
            else:
                with torch.inference_mode():
                    model = self.teacher_model()
                    value = torch.cat([torch.log_softmax(model(x[i:i + 64, :-1].to(self.device)), -1)
                                       .cpu() for i in range(0, len(x), 64)])
            value = value.to(torch.float16)
        else:
            g = stream_generator(self.job["corpus_seed"], self.seed, STREAM_TEXT, c)
            if teacher == "oracle":  # the oracle's samples are the language's own samples
                value = self.corpus.sample(len(x), g, first=x[:, 0])
            else:  # sampled on the CPU, so that the samples do not depend on the device
                value = self.teacher_model(torch.device("cpu")).sample(x[:, 0], x.shape[1] - 1, g)
        if path is not None:
            buf = io.BytesIO()
            torch.save(value.contiguous(), buf)
            atomic.write_bytes(path, buf.getvalue())
        return value

    def teacher_model(self, device=None):
        device = device or self.device
        if device not in self._teacher_models:
            model = load_teacher(self.job["sweep_dir"])[0]
            self._teacher_models[device] = model.to(device).eval()
        return self._teacher_models[device]


def save_teacher(sweep_dir, model: GPT, meta: dict):
    """Writes the trained teacher (state dict + JSON metadata) atomically into the sweep."""
    folder = Path(sweep_dir) / "teachers"
    buf = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, buf)
    atomic.write_bytes(folder / "model.pt", buf.getvalue())
    atomic.write_json(folder / "model.json", {**meta, "model": model.cfg.to_dict()})


def load_teacher(sweep_dir):
    """Returns (model, meta) of the sweep's trained teacher (weights_only load)."""
    folder = Path(sweep_dir) / "teachers"
    meta = json.loads((folder / "model.json").read_text())
    model = GPT(ModelConfig(**meta["model"]))
    model.load_state_dict(torch.load(folder / "model.pt", weights_only=True))
    return model, meta


# ---------------------------------------------------------------------------------------------
# Which sequences carry teacher labels

def teacher_seq_mask(variant: Variant, start, n, run_seqs, cool_seqs=0):
    """Returns a bool mask for sequences [start, start + n) of a run of ``run_seqs`` sequences.

    ``cool_seqs``: sequences in the run's decay phase (used by the ``wsd`` schedule only).
    """
    f = variant.teacher_token_fraction
    j = torch.arange(start, start + n)
    if f <= 0:
        return torch.zeros(n, dtype=torch.bool)
    if f >= 1:
        return torch.ones(n, dtype=torch.bool)
    if variant.order == "last":
        first = first_teacher_seq(variant, run_seqs, cool_seqs)
        return (j >= first) & (j < first + round(f * run_seqs))
    return torch.floor((j + 1) * f) > torch.floor(j * f)  # evenly spread


def first_teacher_seq(variant: Variant, run_seqs, cool_seqs=0):
    """Returns the index of the first teacher sequence of a run with order='last'."""
    if variant.order != "last" or variant.teacher_token_fraction <= 0:
        return run_seqs
    end = run_seqs - cool_seqs if variant.schedule == "wsd" else run_seqs
    return max(0, end - round(variant.teacher_token_fraction * run_seqs))


# ---------------------------------------------------------------------------------------------
# The training step

def batch_loss(model, streams, variant, start, n, run_seqs, device, cool_seqs=0):
    """Returns (loss, teacher tokens, summed captured teacher mass) for sequences
    [start, start + n) of a run. The captured mass of a teacher position is the probability the
    teacher puts on the tokens the student is shown (top-k: the k largest; logits: 1)."""
    x = streams.own(start, n)
    mask = teacher_seq_mask(variant, start, n, run_seqs, cool_seqs)
    n_teacher = int(mask.sum())
    c, off = divmod(start, CHUNK_SEQS)
    if n_teacher and variant.mode == "text":
        x = x.clone()
        x[mask] = streams.labels(variant.teacher, "samples", c)[off:off + n][mask]
    x = x.to(device)
    logits = model(x[:, :-1])
    V = logits.shape[-1]
    if not n_teacher or variant.mode in ("scratch", "text"):
        loss = F.cross_entropy(logits.reshape(-1, V), x[:, 1:].reshape(-1))
        return loss, n_teacher * (x.shape[1] - 1), 0.0
    logq = torch.log_softmax(logits, dim=-1)
    hard = -logq.gather(2, x[:, 1:, None])[..., 0]                       # (n, T)
    lp = streams.labels(variant.teacher, "logprobs", c)[off:off + n][mask].to(device).float()
    lq = logq[mask.to(device)]
    if variant.mode == "logits":
        soft = -(lp.exp() * lq).sum(-1)
        mass = float(lp.exp().sum())
    else:
        top_lp, top_i = lp.topk(variant.top_k, dim=-1)
        soft = -(torch.softmax(top_lp, -1) * lq.gather(2, top_i)).sum(-1)
        mass = float(top_lp.exp().sum())
    lam = variant.hard_label_weight
    per_pos = hard.clone()
    per_pos[mask.to(device)] = (1 - lam) * soft + lam * hard[mask.to(device)]
    return per_pos.mean(), n_teacher * (x.shape[1] - 1), mass


@torch.inference_mode()
def evaluate(model, x_eval, device, batch=256):
    """Returns the mean cross-entropy (nats/token) of the model on held-out sequences."""
    model.eval()
    total = 0.0
    for i in range(0, len(x_eval), batch):
        x = x_eval[i:i + batch].to(device)
        logits = model(x[:, :-1])
        total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                       x[:, 1:].reshape(-1), reduction="sum"))
    model.train()
    return total / (x_eval.shape[0] * (x_eval.shape[1] - 1))


def make_optimizer(model, hp, device):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": hp["weight_decay"]},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=1e-8,
        fused=device.type in ("cpu", "cuda"))


def set_lr(opt, lr):
    for group in opt.param_groups:
        group["lr"] = lr


def train_steps(model, opt, streams, variant, hp, steps, run_seqs, lr_at, device, cool_seqs=0):
    """Trains over optimiser steps [steps.start, steps.stop); returns (teacher tokens used,
    summed captured teacher mass)."""
    B = hp["batch_seqs"]
    teacher_tokens, mass = 0, 0.0
    for s in steps:
        set_lr(opt, lr_at(s))
        loss, n_t, m = batch_loss(model, streams, variant, s * B, B, run_seqs, device, cool_seqs)
        teacher_tokens += n_t
        mass += m
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if hp.get("grad_clip"):
            torch.nn.utils.clip_grad_norm_(model.parameters(), hp["grad_clip"])
        opt.step()
    return teacher_tokens, mass


def branch_plan(branch, hp, context):
    """Returns (start step, total steps, cooldown steps, run sequences) of one branch."""
    B = hp["batch_seqs"]
    total = branch["tokens"] // (B * context)
    cooldown = max(1, round(hp["cooldown_frac"] * total))
    run_seqs = total * B
    variant = Variant(**branch["variant"])
    start = min(total - cooldown, first_teacher_seq(variant, run_seqs, cooldown * B) // B)
    return max(0, start), total, cooldown, run_seqs


# ---------------------------------------------------------------------------------------------
# A job

def run_job(job: dict) -> list[dict]:
    """Runs one job (a trunk and its branches, or a teacher-label warm-up); returns its rows."""
    torch.set_num_threads(job["threads"])
    device = torch.device(job["device"])
    corpus = make_corpus(job["corpus"])
    streams = Streams(job, corpus, device)
    if job["kind"] == "labels":
        for c in range(*job["chunks"]):
            streams.labels(job["teacher"], job["what"], c)
        return []
    return _run_trunk(job, corpus, streams, device)


def _run_trunk(job, corpus, streams, device):
    hp, T = job["train"], corpus.context
    torch.manual_seed(job["seed"])
    cfg = ModelConfig(**job["model"], vocab_size=corpus.vocab_size, context=T)
    model = GPT(cfg).to(device)
    opt = make_optimizer(model, hp, device)
    trunk_variant = Variant(**job["trunk_variant"])
    warmup = hp["warmup_steps"]

    def constant_lr(s):  # the trunk's: lr_scale covers a mixed (interleaved / pure) run
        return hp["lr"] * trunk_variant.lr_scale * min(1.0, (s + 1) / warmup)

    done = set(job.get("skip", ()))
    plans = sorted(((branch_plan(b, hp, T), b) for b in job["branches"]
                    if b["run_id"] not in done), key=lambda pb: pb[0][0])
    x_eval = streams.eval_set()
    teacher_meta = None
    if any(Variant(**b["variant"]).teacher == "model" for _, b in plans) \
            or trunk_variant.teacher == "model":
        teacher_meta = json.loads((Path(job["sweep_dir"]) / "teachers" / "model.json").read_text())
    rows, trunk_step, trunk_teacher_tokens, trunk_mass, trunk_wall = [], 0, 0, 0.0, 0.0
    # the trunk's own run length (for the interleaved pattern it does not matter)
    trunk_seqs = max((p[3] for p, _ in plans), default=0)
    B = hp["batch_seqs"]
    for (start, total, cooldown, run_seqs), branch in plans:
        t0 = time.perf_counter()
        n_t, m = train_steps(model, opt, streams, trunk_variant, hp, range(trunk_step, start),
                             trunk_seqs, constant_lr, device)
        trunk_teacher_tokens, trunk_mass = trunk_teacher_tokens + n_t, trunk_mass + m
        trunk_step = start
        trunk_wall += time.perf_counter() - t0
        t1 = time.perf_counter()
        b_model = copy.deepcopy(model)
        b_opt = make_optimizer(b_model, hp, device)
        b_opt.load_state_dict(copy.deepcopy(opt.state_dict()))
        variant = Variant(**branch["variant"])
        cool_from = total - cooldown
        cool_seqs = cooldown * B
        t_first = first_teacher_seq(variant, run_seqs, cool_seqs)
        t_last = t_first + round(variant.teacher_token_fraction * run_seqs)
        # a last-order branch scales the rate of its teacher phase only (a mixed run's trunk
        # already carries its scale)
        scale = variant.lr_scale if variant.order == "last" else 1.0

        def branch_lr(s, cool_from=cool_from, cooldown=cooldown, scale=scale,
                      t_first=t_first, t_last=t_last):
            lr = constant_lr(s)
            if s * B < t_last and (s + 1) * B > t_first:
                lr *= scale
            if s < cool_from:
                return lr
            return lr * (1 - math.sqrt((s - cool_from + 1) / cooldown))

        b_teacher, b_mass = train_steps(b_model, b_opt, streams, variant, hp,
                                        range(start, total), run_seqs, branch_lr, device,
                                        cool_seqs)
        loss = evaluate(b_model, x_eval, device)
        wall = trunk_wall + time.perf_counter() - t1
        n_teacher = trunk_teacher_tokens + b_teacher
        mass = (trunk_mass + b_mass) / n_teacher if n_teacher and variant.mode != "text" else None
        row = _row(job, branch, cfg, variant, loss, n_teacher, teacher_meta, wall, device, mass)
        rows.append(row)
        if branch.get("save_teacher"):  # before its row: a finished teacher run has its file
            save_teacher(job["sweep_dir"], b_model,
                         {"loss": loss, "tokens": branch["tokens"], "run_id": branch["run_id"],
                          "params": model.params,
                          "forward_flops_per_token": model.forward_flops_per_token()})
        if job.get("sweep_dir"):
            atomic.write_json(Path(job["sweep_dir"]) / "runs" / f"{row['run_id']}.json", row)
        del b_model, b_opt
    return rows


def _row(job, branch, cfg, variant, loss, teacher_tokens, teacher_meta, wall, device,
         mass=None):
    params = count_params(cfg)
    if variant.teacher == "model":
        teacher_flops = teacher_tokens * teacher_meta["forward_flops_per_token"]
        teacher_loss = teacher_meta["loss"]
    else:
        teacher_flops = 0.0
        teacher_loss = job.get("oracle_loss") if variant.teacher == "oracle" else None
    return {
        "run_id": branch["run_id"],
        "mode": variant.mode,
        "teacher": variant.teacher,
        "params": params,
        "tokens": branch["tokens"],
        "flops": 3.0 * forward_flops_per_token(cfg) * branch["tokens"],
        "teacher_flops": float(teacher_flops),
        "loss": loss,
        "oracle_loss": job.get("oracle_loss"),
        "seed": job["seed"],
        "size": job["size"],
        "n_layer": cfg.n_layer,
        "d_model": cfg.d_model,
        "top_k": variant.top_k,
        "hard_label_weight": variant.hard_label_weight,
        "teacher_loss": teacher_loss,
        "teacher_token_fraction": variant.teacher_token_fraction,
        "teacher_tokens": int(teacher_tokens),
        "order": variant.order,
        "lr": job["train"]["lr"],
        "batch_tokens": job["train"]["batch_seqs"] * cfg.context,
        "wall_s": round(wall, 3),
        "device": str(device),
        "job_id": job["job_id"],
        "lr_scale": variant.lr_scale,
        "schedule": variant.schedule if variant.teacher != "none" else "",
        "teacher_captured_mass": None if mass is None else round(mass, 6),
    }
