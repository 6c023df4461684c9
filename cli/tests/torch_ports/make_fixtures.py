#!/usr/bin/env python3
"""Writes the torch side of the ports in this folder: for each NAME.vtg,
NAME.inputs.json (the arguments, as `veritape run --inputs` reads them) and
NAME.torch.json (torch's outputs and gradients, shaped like `veritape run
--out`'s JSON). Needs PyTorch (Debian: apt install python3-torch); the
fixtures are committed, so the tests do not.

    python3 cli/tests/torch_ports/make_fixtures.py
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def grid(rows, cols, seed):
    """Deterministic values in (-1, 1) with 4 decimals: no RNG to drift between torch versions."""
    return [[round(math.sin(seed + 1.7 * r + 0.9 * c) * 0.9, 4) for c in range(cols)] for r in range(rows)]


def micrograd():
    a = torch.tensor(-4.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    return {"a": -4.0, "b": 2.0}, {"g": g}, {"a": a.grad, "b": b.grad}


def softplus_pow_log1p():
    x, y = grid(6, 3, 0.3), [[v] for v in grid(1, 6, 2.1)[0]]
    W, b = grid(4, 3, 1.1), grid(1, 4, 0.7)[0]
    s, V = [1.25, 0.5, 2.0, 0.75], grid(1, 4, 3.3)
    P = {k: torch.tensor(v, requires_grad=True) for k, v in {"W": W, "b": b, "s": s, "V": V}.items()}
    h = torch.nn.functional.softplus(torch.tensor(x) @ P["W"].T + P["b"], beta=2.0)
    q = torch.log1p(h**1.5) + torch.pow(h, P["s"])
    out = torch.expm1((q @ P["V"].T) * torch.full([1], 0.25))
    loss = torch.nn.functional.mse_loss(out, torch.tensor(y))
    loss.backward()
    return {"x": x, "y": y, "W": W, "b": b, "s": s, "V": V}, {"loss": loss}, {k: p.grad for k, p in P.items()}


def max_argmax():
    P0 = [[1.5, -1.5, 0.5, 1.0, -0.25],
          [0.5, 2.0, -2.0, 0.25, 0.5],
          [-1.0, 1.0, 1.0, -0.5, 0.5],
          [2.0, 0.75, -0.75, 1.25, 0.5]]
    P = torch.tensor(P0, requires_grad=True)
    s = P**2
    v, i = s.max(dim=1)
    picked = s.gather(1, s.argmin(1, keepdim=True))
    w = torch.arange(1.0, 5.0) + torch.full([4], 0.5)
    loss = (v * w).sum() + s.amax(0).mean() + s.max() + picked.sum()
    loss.backward()
    return {"P": P0}, {"loss": loss, "i": i}, {"P": P.grad}


def as_entry(t):
    t = t.detach()
    dtype = "i64" if t.dtype == torch.int64 else "f64"
    return {"dtype": dtype, "shape": list(t.shape), "values": [int(v) if dtype == "i64" else float(v) for v in t.reshape(-1).tolist()]}


for name, program in [("micrograd", micrograd), ("softplus_pow_log1p", softplus_pow_log1p), ("max_argmax", max_argmax)]:
    inputs, outputs, grads = program()
    with open(os.path.join(HERE, name + ".inputs.json"), "w") as f:
        json.dump({"inputs": inputs}, f, indent=1)
        f.write("\n")
    with open(os.path.join(HERE, name + ".torch.json"), "w") as f:
        json.dump({"torch": torch.__version__, "outputs": {k: as_entry(v) for k, v in outputs.items()},
                   "grads": {k: as_entry(v) for k, v in grads.items()}}, f, indent=1)
        f.write("\n")
    print(name, {k: as_entry(v)["values"][:3] for k, v in outputs.items()})
