#!/usr/bin/env python3
"""The PyTorch side of `pipeline bench`: the same LoRA training steps, timed the same way, written the same way.

Each plan builds a sequence classifier with random weights (speed does not depend on their values), freezes all
but the LoRA adapters (r=8, alpha=16 on query and value) and the 2-class head over mean-pooled tokens, and times
full steps on one fixed random batch: forward pass(es), loss, backward, gradient clipping at 1.0, AdamW.
Decoder shapes (gpt2, gpt2-medium, llama2-7b-4l) train a causal LM instead, as `pipeline bench` does: next-token cross-entropy over
the vocabulary at every position (tied LM head), LoRA on the query and value slices of the fused c_attn (microsoft/LoRA's
MergedLinear; PEFT's baseline adapts the whole c_attn, which it cannot slice: a few more adapter weights), dropout only
in the latter half of the layers (the decoder default), the KL per token.

  baseline        plain LoRA, no dropout: transformers + PEFT when both import ("peft"), else the eager model
  dropkey-column  eager: column-wise DropKey (rate 0.1, every layer): one [B, H, 1, L] key mask in the SDPA mask
  hiddenkey       eager, as PAPER.md §2.6 and Figure 3: column DropKey + element-wise HiddenCut on the FFN output
                  (rate 0.1) + bidirectional KL (weight 1) to a second pass with fresh masks under no-grad

Metrics match `pipeline bench`: ms/step (mean and std over the timed steps), tokens/s, TFLOP/s and MFU from the
same FLOP count (2F per back-propagated pass, F per no-grad pass, F = 2·weights·tokens + 4·layers·L·D·tokens),
and memory as the driver sees it (total − free on CUDA, resident set on CPU): peak, and after the first and the
last timed step. Under --precision bf16 the frozen weights are bf16; adapters, head, optimizer state and losses
stay fp32 (PEFT's default autocast_adapter_dtype does the same). fp32 matmuls use TF32 on CUDA, as ours.

Usage: pytorch_reference.py [--model minilm|bert-base|roberta-large|gpt2|gpt2-medium|llama2-7b-4l] [--batch 32] [--length 128]
                            [--plan baseline --plan hiddenkey ...] [--device cuda] [--precision fp32|bf16]
                            [--warmup 3] [--steps 10] [--impl auto|peft|eager] [--peak-tflops X] [--json FILE]
"""
import argparse
import datetime
import json
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {  # the shapes of Pipeline's BertConfig.MiniLmL6 / BertBase / RobertaLarge and Gpt2Config.Small / Medium
    "minilm": dict(vocab=30522, hidden=384, layers=6, heads=12, ffn=1536, positions=512, types=2, eps=1e-12, pad=0, roberta=False),
    "bert-base": dict(vocab=30522, hidden=768, layers=12, heads=12, ffn=3072, positions=512, types=2, eps=1e-12, pad=0, roberta=False),
    "roberta-large": dict(vocab=50265, hidden=1024, layers=24, heads=16, ffn=4096, positions=514, types=1, eps=1e-5, pad=1, roberta=True),
    "gpt2": dict(vocab=50257, hidden=768, layers=12, heads=12, ffn=3072, positions=1024, eps=1e-5, pad=0, roberta=False, decoder=True),
    "gpt2-medium": dict(vocab=50257, hidden=1024, layers=24, heads=16, ffn=4096, positions=1024, eps=1e-5, pad=0, roberta=False, decoder=True),
    # LlamaConfig.Llama2_7B with 4 of its 32 layers (`pipeline bench --model llama2-7b-4l`)
    "llama2-7b-4l": dict(vocab=32000, hidden=4096, layers=4, heads=32, ffn=11008, positions=4096, eps=1e-5, pad=0, roberta=False,
                         decoder=True, llama=True),
}
PLANS = ("baseline", "dropkey-column", "hiddenkey")
RANK, ALPHA, RATE, KL_WEIGHT = 8, 16.0, 0.1, 1.0


# ---------------------------------------------------------------------------------------------------------------
# The eager model: a BERT-family encoder with LoRA on query and value and the paper's dropout positions.

class LoraLinear(nn.Module):
    """y = W x + b + B(A x)·alpha/r; the adapter runs in its own dtype (fp32 under bf16 frozen weights)."""

    def __init__(self, d_in, d_out, lora):
        super().__init__()
        self.base = nn.Linear(d_in, d_out)
        self.lora = lora
        if lora:
            self.lora_A = nn.Linear(d_in, RANK, bias=False)
            self.lora_B = nn.Linear(RANK, d_out, bias=False)
            nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
            nn.init.zeros_(self.lora_B.weight)

    def forward(self, x):
        y = self.base(x)
        if not self.lora:
            return y
        delta = self.lora_B(self.lora_A(x.to(self.lora_A.weight.dtype))) * (ALPHA / RANK)
        return y + delta.to(y.dtype)


def sdpa(q, k, v, mask):
    if hasattr(F, "scaled_dot_product_attention"):  # PyTorch ≥ 2.0: the fused kernels, as TorchSharp's path
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    return torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + mask, dim=-1) @ v


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.heads = c["hidden"], c["heads"]
        self.query, self.key, self.value = LoraLinear(d, d, True), LoraLinear(d, d, False), LoraLinear(d, d, True)
        self.attention_output, self.attention_norm = nn.Linear(d, d), nn.LayerNorm(d, eps=c["eps"])
        self.ffn_in, self.ffn_out = nn.Linear(d, c["ffn"]), nn.Linear(c["ffn"], d)
        self.output_norm = nn.LayerNorm(d, eps=c["eps"])

    def forward(self, x, real, plan):
        b, n, d = x.shape
        split = lambda t: t.view(b, n, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        allowed = real.view(b, 1, 1, n)
        if plan["dropkey_column"]:
            keep = torch.rand(b, self.heads, 1, n, device=x.device) >= RATE
            # A query whose real keys would all be dropped keeps them all (Pipeline's DropMasks.AttentionKeep).
            keeps_some = (keep & allowed).any(-1, keepdim=True)
            allowed = allowed & (keep | ~keeps_some)
        mask = torch.zeros(allowed.shape, dtype=q.dtype, device=x.device).masked_fill(~allowed, torch.finfo(q.dtype).min)
        context = sdpa(q, k, v, mask).transpose(1, 2).reshape(b, n, d)
        h = self.attention_norm(self.attention_output(context) + x)
        y = self.ffn_out(F.gelu(self.ffn_in(h)))
        if plan["hidden_element"]:
            y = F.dropout(y, RATE, training=True)  # HiddenCut's position (FFN output), element-wise
        return self.output_norm(y + h)


class EagerClassifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d = c["hidden"]
        self.word = nn.Embedding(c["vocab"], d, padding_idx=c["pad"])
        self.position = nn.Embedding(c["positions"], d)
        self.token_type = nn.Embedding(c["types"], d)
        self.embedding_norm = nn.LayerNorm(d, eps=c["eps"])
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["layers"]))
        self.head = nn.Linear(d, 2)

    def forward(self, ids, attention_mask, plan):
        real = attention_mask.bool()
        if self.c["roberta"]:
            positions = attention_mask.cumsum(1) * attention_mask + self.c["pad"]
        else:
            positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.word(ids) + self.position(positions) + self.token_type(torch.zeros_like(ids))
        x = self.embedding_norm(x)
        for layer in self.layers:
            x = layer(x, real, plan)
        return self.head(mean_pool(x, attention_mask))


def mean_pool(hidden, attention_mask):
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
    return pooled.float()  # the head (and so logits and losses) stay fp32


def freeze_for_lora(model, trainable):
    for name, p in model.named_parameters():
        p.requires_grad = trainable(name)


def build_eager(c, precision, device):
    model = EagerClassifier(c).to(device)
    if precision == "bf16":
        model.to(torch.bfloat16)
        for name, module in model.named_modules():
            if name.endswith("lora_A") or name.endswith("lora_B") or name == "head":
                module.float()
    freeze_for_lora(model, lambda name: "lora_" in name or name.startswith("head."))
    return model, lambda ids, mask, plan: model(ids, mask, plan)


# ---------------------------------------------------------------------------------------------------------------
# The eager decoder: GPT-2 (pre-LayerNorm blocks, fused c_attn with LoRA on its q and v slices, tied LM head).

class FusedQkv(nn.Module):
    """c_attn (D → 3D) with LoRA deltas on the query and value slices only (microsoft/LoRA's enable_lora = [q, -, v])."""

    def __init__(self, d):
        super().__init__()
        self.d = d
        self.base = nn.Linear(d, 3 * d)
        self.lora_A_q, self.lora_B_q = nn.Linear(d, RANK, bias=False), nn.Linear(RANK, d, bias=False)
        self.lora_A_v, self.lora_B_v = nn.Linear(d, RANK, bias=False), nn.Linear(RANK, d, bias=False)
        for a, b in ((self.lora_A_q, self.lora_B_q), (self.lora_A_v, self.lora_B_v)):
            nn.init.kaiming_uniform_(a.weight, a=math.sqrt(5))
            nn.init.zeros_(b.weight)

    def forward(self, x):
        q, k, v = self.base(x).split(self.d, dim=-1)
        xa = x.to(self.lora_A_q.weight.dtype)
        q = q + (self.lora_B_q(self.lora_A_q(xa)) * (ALPHA / RANK)).to(q.dtype)
        v = v + (self.lora_B_v(self.lora_A_v(xa)) * (ALPHA / RANK)).to(v.dtype)
        return q, k, v


class DecoderBlock(nn.Module):
    def __init__(self, c, drops):
        super().__init__()
        d, self.heads, self.drops = c["hidden"], c["heads"], drops  # drops: a latter-half layer
        self.ln_1, self.ln_2 = nn.LayerNorm(d, eps=c["eps"]), nn.LayerNorm(d, eps=c["eps"])
        self.c_attn, self.c_proj = FusedQkv(d), nn.Linear(d, d)
        self.c_fc, self.mlp_c_proj = nn.Linear(d, c["ffn"]), nn.Linear(c["ffn"], d)

    def forward(self, x, visible, plan):
        b, n, d = x.shape
        split = lambda t: t.view(b, n, self.heads, d // self.heads).transpose(1, 2)
        q, k, v = (split(t) for t in self.c_attn(self.ln_1(x)))
        allowed = visible
        if self.drops and plan["dropkey_column"]:
            keep = torch.rand(b, self.heads, 1, n, device=x.device) >= RATE
            kept = visible & keep
            # The causal guard: a query whose visible keys would all be dropped keeps them all (DropMasks.AttentionKeep).
            allowed = torch.where(kept.any(-1, keepdim=True), kept, visible)
        mask = torch.zeros(allowed.shape, dtype=q.dtype, device=x.device).masked_fill(~allowed, torch.finfo(q.dtype).min)
        x = x + self.c_proj(sdpa(q, k, v, mask).transpose(1, 2).reshape(b, n, d))
        y = self.mlp_c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        if self.drops and plan["hidden_element"]:
            y = F.dropout(y, RATE, training=True)  # HiddenCut's position: the MLP output before the residual add
        return x + y


class EagerDecoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["hidden"]
        self.wte, self.wpe = nn.Embedding(c["vocab"], d), nn.Embedding(c["positions"], d)
        self.h = nn.ModuleList(DecoderBlock(c, drops=i >= c["layers"] // 2) for i in range(c["layers"]))
        self.ln_f = nn.LayerNorm(d, eps=c["eps"])

    def forward(self, ids, attention_mask, plan):
        real = attention_mask.bool()
        n = ids.shape[1]
        visible = torch.ones(n, n, dtype=torch.bool, device=ids.device).tril().view(1, 1, n, n) & real.view(-1, 1, 1, n)
        x = self.wte(ids) + self.wpe((attention_mask.cumsum(1) - 1).clamp_min(0))
        for block in self.h:
            x = block(x, visible, plan)
        return (self.ln_f(x) @ self.wte.weight.t()).float()  # the tied LM head; logits and losses fp32


class LlamaBlock(nn.Module):
    """LLaMA: RMSNorm, rotary q/k (HF's rotate_half), SwiGLU; LoRA on q_proj and v_proj; drops as DecoderBlock's."""

    def __init__(self, c, drops):
        super().__init__()
        d, self.heads, self.drops, self.eps = c["hidden"], c["heads"], drops, c["eps"]
        self.input_norm, self.post_norm = nn.Parameter(torch.ones(d)), nn.Parameter(torch.ones(d))
        self.q_proj, self.k_proj = LoraLinear(d, d, True), LoraLinear(d, d, False)
        self.v_proj, self.o_proj = LoraLinear(d, d, True), LoraLinear(d, d, False)
        self.gate_proj, self.up_proj = nn.Linear(d, c["ffn"], bias=False), nn.Linear(d, c["ffn"], bias=False)
        self.down_proj = nn.Linear(c["ffn"], d, bias=False)
        for m in (self.q_proj, self.k_proj, self.v_proj, self.o_proj):
            m.base.bias = None

    def norm(self, x, weight):
        return weight * (x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)

    def forward(self, x, visible, plan, cos, sin):
        b, n, d = x.shape
        split = lambda t: t.view(b, n, self.heads, d // self.heads).transpose(1, 2)
        h = self.norm(x, self.input_norm)
        q, k, v = split(self.q_proj(h)), split(self.k_proj(h)), split(self.v_proj(h))
        rotate = lambda t: torch.cat([-t[..., t.shape[-1] // 2:], t[..., :t.shape[-1] // 2]], -1)
        q, k = q * cos + rotate(q) * sin, k * cos + rotate(k) * sin
        allowed = visible
        if self.drops and plan["dropkey_column"]:
            keep = torch.rand(b, self.heads, 1, n, device=x.device) >= RATE
            kept = visible & keep
            allowed = torch.where(kept.any(-1, keepdim=True), kept, visible)
        mask = torch.zeros(allowed.shape, dtype=q.dtype, device=x.device).masked_fill(~allowed, torch.finfo(q.dtype).min)
        x = x + self.o_proj(sdpa(q, k, v, mask).transpose(1, 2).reshape(b, n, d))
        h = self.norm(x, self.post_norm)
        y = self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))
        if self.drops and plan["hidden_element"]:
            y = F.dropout(y, RATE, training=True)
        return x + y


class EagerLlama(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.head_dim = c["hidden"], c["hidden"] // c["heads"]
        self.embed_tokens = nn.Embedding(c["vocab"], d)
        self.layers = nn.ModuleList(LlamaBlock(c, drops=i >= c["layers"] // 2) for i in range(c["layers"]))
        self.norm_weight = nn.Parameter(torch.ones(d))
        self.lm_head = nn.Linear(d, c["vocab"], bias=False)
        self.eps = c["eps"]

    def forward(self, ids, attention_mask, plan):
        real = attention_mask.bool()
        n = ids.shape[1]
        visible = torch.ones(n, n, dtype=torch.bool, device=ids.device).tril().view(1, 1, n, n) & real.view(-1, 1, 1, n)
        x = self.embed_tokens(ids)
        positions = (attention_mask.cumsum(1) - 1).clamp_min(0).float()
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, self.head_dim, 2, device=ids.device).float() / self.head_dim))
        angles = torch.cat([positions[..., None] * inv_freq] * 2, -1).unsqueeze(1)  # [B, 1, L, head_dim]
        cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
        for layer in self.layers:
            x = layer(x, visible, plan, cos, sin)
        x = self.norm_weight * (x.float() * torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + self.eps)).to(x.dtype)
        return self.lm_head(x).float()


def build_eager_decoder(c, precision, device):
    model = (EagerLlama(c) if c.get("llama") else EagerDecoder(c)).to(device)
    if precision == "bf16":
        model.to(torch.bfloat16)
        for name, module in model.named_modules():
            if "lora_" in name.rsplit(".", 1)[-1]:
                module.float()
    freeze_for_lora(model, lambda name: "lora_" in name)
    return model, lambda ids, mask, plan: model(ids, mask, plan)


def build_peft_decoder(c, precision, device):
    import peft
    import transformers

    if c.get("llama"):
        config = transformers.LlamaConfig(vocab_size=c["vocab"], hidden_size=c["hidden"], intermediate_size=c["ffn"],
                                          num_hidden_layers=c["layers"], num_attention_heads=c["heads"],
                                          max_position_embeddings=c["positions"], rms_norm_eps=c["eps"],
                                          attention_dropout=0.0, attn_implementation="sdpa")
        model, lora = transformers.LlamaForCausalLM(config), peft.LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0,
                                                                             target_modules=["q_proj", "v_proj"])
    else:
        config = transformers.GPT2Config(vocab_size=c["vocab"], n_positions=c["positions"], n_embd=c["hidden"], n_layer=c["layers"],
                                         n_head=c["heads"], n_inner=c["ffn"], layer_norm_epsilon=c["eps"],
                                         resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, attn_implementation="sdpa")
        model, lora = transformers.GPT2LMHeadModel(config), peft.LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0,
                                                                            target_modules=["c_attn"], fan_in_fan_out=True)
    model = model.to(device)
    if precision == "bf16":
        model.to(torch.bfloat16)
    model = peft.get_peft_model(model, lora)
    for name, p in model.named_parameters():
        if "lora_" in name:
            p.data = p.data.float()
    freeze_for_lora(model, lambda name: "lora_" in name)
    model.attention = getattr(config, "_attn_implementation", "?")
    return model, lambda ids, mask, plan: model(input_ids=ids, attention_mask=mask).logits.float()


# ---------------------------------------------------------------------------------------------------------------
# The library baseline: transformers' encoder with PEFT's LoRA, the same head.

def peft_available():
    try:
        import peft  # noqa: F401
        import transformers  # noqa: F401
        return True
    except ImportError:
        return False


def build_peft(c, precision, device):
    import peft
    import transformers

    common = dict(vocab_size=c["vocab"], hidden_size=c["hidden"], num_hidden_layers=c["layers"],
                  num_attention_heads=c["heads"], intermediate_size=c["ffn"], max_position_embeddings=c["positions"],
                  type_vocab_size=c["types"], layer_norm_eps=c["eps"], pad_token_id=c["pad"],
                  hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,  # the paper's baseline: all dropout off
                  attn_implementation="sdpa")  # the fused kernels, as ours (a config kwarg since transformers 4.36)
    config = (transformers.RobertaConfig if c["roberta"] else transformers.BertConfig)(**common)
    encoder_type = transformers.RobertaModel if c["roberta"] else transformers.BertModel
    encoder = encoder_type(config, add_pooling_layer=False)
    encoder.to(device)
    if precision == "bf16":
        encoder.to(torch.bfloat16)
    encoder = peft.get_peft_model(encoder, peft.LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0,
                                                           target_modules=["query", "value"]))
    head = nn.Linear(c["hidden"], 2).to(device)
    model = nn.ModuleDict(dict(encoder=encoder, head=head))
    for name, p in model.named_parameters():
        if "lora_" in name:
            p.data = p.data.float()  # fp32 adapters whatever PEFT's version does by default
    freeze_for_lora(model, lambda name: "lora_" in name or name.startswith("head."))

    def forward(ids, mask, plan):
        hidden = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        return head(mean_pool(hidden, mask))

    model.attention = getattr(config, "_attn_implementation", "?")  # reported: a silent fallback to eager would skew the ratio
    return model, forward


# ---------------------------------------------------------------------------------------------------------------

def symmetric_kl(p_logits, q_logits, mask=None):
    """½[KL(P‖Q) + KL(Q‖P)], summed over classes, mean over rows — or over the tokens the mask marks (Divergences.SymmetricKl)."""
    log_p, log_q = p_logits.log_softmax(-1), q_logits.log_softmax(-1)
    per_row = 0.5 * ((log_p.exp() * (log_p - log_q)).sum(-1) + (log_q.exp() * (log_q - log_p)).sum(-1))
    if mask is None:
        return per_row.mean()
    weights = mask.to(per_row.dtype)
    return (per_row * weights).sum() / weights.sum().clamp_min(1)


def forward_flops(c, batch, length):
    ffn_matrices = 3 if c.get("llama") else 2  # SwiGLU's gate, up, down
    weights = c["layers"] * (4 * c["hidden"] ** 2 + ffn_matrices * c["hidden"] * c["ffn"])
    if c.get("decoder"):
        weights += c["hidden"] * c["vocab"]  # the LM head's matmul at every token (FlopCount's lmHead)
    return 2.0 * weights * batch * length + 4.0 * c["layers"] * length * c["hidden"] * batch * length


def peak_tflops(device, precision):
    """Dense peaks of Pipeline's PeakTflops table (SXM parts; fp32 runs as TF32)."""
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    bf16 = precision == "bf16"
    if "H100" in name or "H200" in name:
        return 989.0 if bf16 else 494.0
    if "A100" in name:
        return 312.0 if bf16 else 156.0
    if "L40S" in name:
        return 362.0 if bf16 else 183.0
    return None


def memory_mib(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        free, total = torch.cuda.mem_get_info(device)
        return (total - free) / 2**20
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_plan(name, args, c, device, log):
    impl = "peft" if name == "baseline" and args.impl in ("auto", "peft") and peft_available() else "eager"
    if name == "baseline" and args.impl == "peft" and impl != "peft":
        sys.exit("error: --impl peft needs transformers and peft in this python (pip install transformers peft)")
    plan = dict(dropkey_column=name in ("dropkey-column", "hiddenkey"), hidden_element=name == "hiddenkey")
    kl = name == "hiddenkey"
    log(f"{name}: building {args.model} ({impl}) on {device} ...")
    torch.manual_seed(0)
    decoder = c.get("decoder", False)
    build_library, build_own = (build_peft_decoder, build_eager_decoder) if decoder else (build_peft, build_eager)
    try:
        model, forward = (build_library if impl == "peft" else build_own)(c, args.precision, device)
    except Exception as e:  # a transformers/PEFT version this script does not know: say so, measure eager
        if args.impl == "peft" or impl != "peft":
            raise
        log(f"{name}: transformers + PEFT failed ({type(e).__name__}: {e}); timing the eager model instead")
        impl = "eager"
        model, forward = build_own(c, args.precision, device)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.1)
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in params)

    ids = torch.randint(1, c["vocab"], (args.batch, args.length), device=device)
    mask = torch.ones_like(ids)
    if decoder:  # next-token labels; the last position has none (Pipeline's CausalLmTask.Ignored)
        labels = torch.cat([ids[:, 1:], torch.full((args.batch, 1), -100, device=device)], 1)
    else:
        labels = torch.randint(0, 2, (args.batch,), device=device)

    def synchronized(start):
        """With --phases: waits for the device, then the milliseconds since start."""
        if not args.phases:
            return 0.0
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return (time.perf_counter() - start) * 1000

    def step(start):
        optimizer.zero_grad(set_to_none=True)
        logits = forward(ids, mask, plan)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
        if kl:  # Figure 3: the second pass draws fresh masks under no-grad; only the first back-propagates
            with torch.no_grad():
                second = forward(ids, mask, plan)
            loss = loss + KL_WEIGHT * symmetric_kl(logits, second, labels.ne(-100) if decoder else None)
        forward_done = synchronized(start)
        loss.backward()
        backward_done = synchronized(start)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        return loss.item(), forward_done, backward_done  # item() waits for the device

    peak, times, samples, loss, parts = 0.0, [], [], 0.0, [0.0, 0.0]
    for i in range(args.warmup + args.steps):
        if args.profiler_range and i == args.warmup:
            torch.cuda.profiler.start()
        start = time.perf_counter()
        loss, forward_done, backward_done = step(start)
        elapsed = (time.perf_counter() - start) * 1000
        used = memory_mib(device)
        if args.profiler_range and i == args.warmup + args.steps - 1:  # memory_mib synchronised the device
            torch.cuda.profiler.stop()
        peak = max(peak, used)
        if i >= args.warmup:
            times.append(elapsed)
            samples.append(used)
            parts[0] += forward_done
            parts[1] += backward_done - forward_done
            if len(times) % 50 == 0 and len(times) < args.steps:
                log(f"{name}: {len(times)}/{args.steps} steps, {used:.0f} MiB")

    if args.profile:  # scripts/gpu/profile.sh without nsys: PyTorch's own kernel table for a few more steps
        write_profile(args.profile if len(args.plan or PLANS) == 1 else f"{args.profile}.{name}", step, device)

    mean = statistics.fmean(times)
    std = statistics.pstdev(times)
    flops = forward_flops(c, args.batch, args.length) * (3 if kl else 2)
    tflops = flops / (mean / 1000) / 1e12
    peak_device = args.peak_tflops or peak_tflops(device, args.precision)
    log(f"{name}: {mean:.1f} ms/step")
    if impl == "peft":
        impl = f"peft/{model.attention}"
    result = dict(plan=name, implementation=impl, stepMilliseconds=mean, stepMillisecondsStdDev=std,
                  tokensPerSecond=args.batch * args.length / (mean / 1000), tflops=tflops,
                  mfu=None if peak_device is None else tflops / peak_device, peakMemoryMegabytes=peak,
                  firstStepMemoryMegabytes=samples[0], lastStepMemoryMegabytes=samples[-1],
                  memoryGrowthMegabytes=samples[-1] - samples[0], finalLoss=loss, phases=None)
    if args.phases:  # Pipeline's StepPhases: forward (with the loss), backward, optimizer + read-back
        forward_ms, backward_ms = parts[0] / len(times), parts[1] / len(times)
        result["phases"] = dict(forward=forward_ms, backward=backward_ms, optimizer=mean - forward_ms - backward_ms)
    # No empty_cache(): TorchSharp 0.107 has none, so on both sides a later plan's memory figures include what the
    # caching allocator kept from earlier plans (the first plan's figures are its own).
    return result, total, trainable


def write_profile(path, step, device, steps=5):
    """Runs `steps` more steps under torch.profiler and writes its table, device time first."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with profile(activities=activities) as prof:
        for _ in range(steps):
            step(time.perf_counter())
    averages = prof.key_averages()
    sort = "self_cpu_time_total"
    if device.type == "cuda":  # the column's name changed from cuda_* to device_* in PyTorch 2.4
        sort = "self_device_time_total" if hasattr(averages[0], "self_device_time_total") else "self_cuda_time_total"
    with open(path + ".partial", "w") as f:
        f.write(f"{steps} steps\n" + averages.table(sort_by=sort, row_limit=60, max_name_column_width=90))
    os.replace(path + ".partial", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="minilm", choices=sorted(CONFIGS))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--plan", action="append", choices=PLANS, help="repeatable (default: all three)")
    parser.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: CUDA when available)")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--impl", default="auto", choices=("auto", "peft", "eager"),
                        help="the baseline's implementation (auto: PEFT when it imports)")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--phases", action="store_true",
                        help="also time forward, backward and optimizer apart (the device is synchronised between them)")
    parser.add_argument("--json", default=None, help="also write the report as JSON to this file")
    parser.add_argument("--profiler-range", action="store_true",
                        help="record only the timed steps in an attached CUDA profiler (cudaProfilerStart/Stop, as "
                             "pipeline bench --profiler-range)")
    parser.add_argument("--profile", default=None,
                        help="after timing, profile 5 more steps with torch.profiler and write its kernel table here")
    args = parser.parse_args()
    c = CONFIGS[args.model]
    max_length = c["positions"] - (c["pad"] + 1 if c["roberta"] else 0)
    if args.batch < 1 or not 1 <= args.length <= max_length or args.steps < 1 or args.warmup < 0:
        parser.error(f"batch ≥ 1, length 1..{max_length} for {args.model}, steps ≥ 1 and warmup ≥ 0")

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if args.profiler_range and device.type != "cuda":
        parser.error(f"--profiler-range marks the timed steps for a CUDA profiler: it needs a CUDA device, not {device}")
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    log = lambda line: print(line, file=sys.stderr, flush=True)

    results, total, trainable = [], 0, 0
    for name in args.plan or PLANS:
        result, total, trainable = bench_plan(name, args, c, device, log)
        results.append(result)

    device_name = (f"{device} ({torch.cuda.get_device_name(device)})" if device.type == "cuda"
                   else f"cpu ({os.cpu_count()} cores, {torch.get_num_threads()} threads)")
    report = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(), device=device_name,
                  model=args.model, batch=args.batch, length=args.length,
                  precision="BFloat16" if args.precision == "bf16" else "Float32", steps=args.steps,
                  parameters=total, trainableParameters=trainable, results=results,
                  framework=f"PyTorch {torch.__version__}")
    print(f"{args.model}, batch {args.batch} x {args.length} tokens, {args.precision}, {args.steps} steps on "
          f"{device_name}, PyTorch {torch.__version__}")
    print(f"{'plan':<16} {'impl':<10} {'ms/step':>10} {'±':>7} {'tokens/s':>10} {'TFLOP/s':>8} {'MFU':>7} "
          f"{'peak MiB':>9} {'growth':>7}")
    for r in results:
        mfu = "n/a" if r["mfu"] is None else f"{r['mfu']:.1%}"
        print(f"{r['plan']:<16} {r['implementation']:<10} {r['stepMilliseconds']:>10.1f} {r['stepMillisecondsStdDev']:>7.1f} "
              f"{r['tokensPerSecond']:>10.0f} {r['tflops']:>8.3f} {mfu:>7} {r['peakMemoryMegabytes']:>9.0f} "
              f"{r['memoryGrowthMegabytes']:>+7.0f}")
    if args.phases:
        print("\nstep parts, ms (the device synchronised after each part)")
        print(f"{'plan':<16} {'forward':>10} {'backward':>10} {'optimizer':>10}")
        for r in results:
            p = r["phases"]
            print(f"{r['plan']:<16} {p['forward']:>10.1f} {p['backward']:>10.1f} {p['optimizer']:>10.1f}")
    if args.json:
        partial = args.json + ".partial"
        with open(partial, "w") as f:
            json.dump(report, f, indent=2)
        os.replace(partial, args.json)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
