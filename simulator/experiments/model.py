"""A small GPT-style decoder (pre-LN, tied embeddings, ReLU MLP, no dropout) and its counts.

    from simulator.experiments.model import GPT, ModelConfig
    model = GPT(ModelConfig(n_layer=2, d_model=32, n_head=2, vocab_size=64, context=64))
    model.params, model.train_flops_per_token()

Parameters are counted in full (embeddings, position table, norms, biases). FLOPs count every
matmul (the LM head included) and the attention scores and mixing; training is 3x a forward
pass (forward + backward), inference is 1x.

ReLU rather than GELU: on a CPU, GELU and its backward cost about 4x ReLU's time, ~15% of a
training step at these widths, for no measurable gain at this scale.
"""

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class ModelConfig:
    n_layer: int
    d_model: int
    n_head: int
    vocab_size: int
    context: int
    mlp_ratio: int = 4

    def to_dict(self) -> dict:
        return asdict(self)


class Block(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        d = cfg.d_model
        self.n_head = cfg.n_head
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, cfg.mlp_ratio * d)
        self.out = nn.Linear(cfg.mlp_ratio * d, d)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
        shape = (B, T, self.n_head, D // self.n_head)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, D))
        return x + self.out(F.relu(self.fc(self.ln2(x))))

    def step(self, x, cache):
        """Returns the block's output for one new position, extending ``cache`` (k, v lists)."""
        B, _, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D, dim=2)
        shape = (B, 1, self.n_head, D // self.n_head)
        q, k, v = (t.view(shape).transpose(1, 2) for t in (q, k, v))
        if cache:
            k = torch.cat([cache[0], k], dim=2)
            v = torch.cat([cache[1], v], dim=2)
        cache[:] = [k, v]
        y = F.scaled_dot_product_attention(q, k, v)
        x = x + self.proj(y.transpose(1, 2).reshape(B, 1, D))
        return x + self.out(F.relu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        if cfg.d_model % cfg.n_head:
            raise ValueError("d_model must be a multiple of n_head")
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.context, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)
        for name, p in self.named_parameters():
            if name.endswith(("proj.weight", "out.weight")):  # GPT-2 residual scaling
                nn.init.normal_(p, std=0.02 / (2 * cfg.n_layer) ** 0.5)

    @staticmethod
    def _init(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx):
        """Returns logits (B, T, V) for token ids (B, T)."""
        T = idx.shape[1]
        x = self.tok(idx) + self.pos.weight[:T]
        for block in self.blocks:
            x = block(x)
        return self.ln_f(x) @ self.tok.weight.t()

    @torch.no_grad()
    def sample(self, first, length, generator):
        """Returns (B, length + 1) tokens: ``first`` (B,) then ``length`` sampled tokens."""
        out = [first]
        caches = [[] for _ in self.blocks]
        x_tok = first
        for t in range(length):
            x = self.tok(x_tok)[:, None] + self.pos.weight[t]
            for block, cache in zip(self.blocks, caches):
                x = block.step(x, cache)
            probs = torch.softmax(self.ln_f(x[:, 0]) @ self.tok.weight.t(), dim=-1)
            x_tok = torch.multinomial(probs, 1, generator=generator)[:, 0]
            out.append(x_tok)
        return torch.stack(out, dim=1)

    @property
    def params(self) -> int:
        return count_params(self.cfg)

    def forward_flops_per_token(self) -> float:
        return forward_flops_per_token(self.cfg)

    def train_flops_per_token(self) -> float:
        return 3.0 * forward_flops_per_token(self.cfg)


def count_params(cfg: ModelConfig) -> int:
    """Returns the total number of parameters (embeddings and norms included)."""
    d, h = cfg.d_model, cfg.mlp_ratio * cfg.d_model
    per_layer = (2 * 2 * d) + (d * 3 * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d)
    return cfg.vocab_size * d + cfg.context * d + cfg.n_layer * per_layer + 2 * d


def forward_flops_per_token(cfg: ModelConfig) -> float:
    """Returns forward FLOPs per token: 2 per matmul weight plus causal attention.

    Attention (QK^T and AV) costs 2 * 2 * d_model per attended position; with a causal mask
    a token at position t attends to t + 1 positions, (context + 1) / 2 on average.
    """
    d, h = cfg.d_model, cfg.mlp_ratio * cfg.d_model
    matmul_weights = cfg.n_layer * (3 * d * d + d * d + 2 * d * h) + cfg.vocab_size * d
    attention = cfg.n_layer * 4 * d * (cfg.context + 1) / 2
    return 2.0 * matmul_weights + attention
