"""veritape's op table computed with torch: the worker's side of the bridge.
Each entry takes the op's input tensors and attributes (as .vtg gives them)
and returns torch's result; autograd gives torch's own gradients."""
import math

import torch
import torch.nn.functional as F

DTYPES = {"f32": torch.float32, "f64": torch.float64, "i64": torch.int64}


class NoTorchOp(Exception):
    pass


def _reduction(whole, along, key="axis"):
    """A reduction over every axis (whole(x); keepdim reshapes to rank ones) or
    over attribute `key` (along(x, axes_or_axis, keepdim))."""
    def run(i, a):
        x, keep = i[0], bool(a.get("keepdim", False))
        if key not in a:
            r = whole(x)
            return r.reshape([1] * x.dim()) if keep else r
        return along(x, a[key], keep)
    return run


def _every_axis(fn):
    return lambda x: fn(x, dim=list(range(x.dim()))) if x.dim() else x.clone()


REDUCTIONS = {
    "sum": _reduction(torch.sum, lambda x, d, k: torch.sum(x, [int(v) for v in d], k), "axes"),
    "mean": _reduction(torch.mean, lambda x, d, k: torch.mean(x, [int(v) for v in d], k), "axes"),
    "max": _reduction(torch.max, lambda x, d, k: torch.max(x, int(d), k).values),
    "min": _reduction(torch.min, lambda x, d, k: torch.min(x, int(d), k).values),
    "amax": _reduction(_every_axis(torch.amax), lambda x, d, k: torch.amax(x, dim=int(d), keepdim=k)),
    "amin": _reduction(_every_axis(torch.amin), lambda x, d, k: torch.amin(x, dim=int(d), keepdim=k)),
    "argmax": _reduction(torch.argmax, lambda x, d, k: torch.argmax(x, int(d), k)),
    "argmin": _reduction(torch.argmin, lambda x, d, k: torch.argmin(x, int(d), k)),
}


def _pair(v, default):
    v = default if v is None else v
    return [int(x) for x in v] if isinstance(v, list) else [int(v), int(v)]


def _avg_pool(x, a):
    if _pair(a.get("dilation"), 1) != [1, 1]:
        raise NoTorchOp("avg_pool2d with dilation (torch's avg_pool2d has none)")
    k = _pair(a["kernel_size"], None)
    return F.avg_pool2d(x, k, _pair(a.get("stride"), k), _pair(a.get("padding"), 0))


def _max_pool(x, a):
    k = _pair(a["kernel_size"], None)
    return F.max_pool2d(x, k, _pair(a.get("stride"), k), _pair(a.get("padding"), 0), _pair(a.get("dilation"), 1))


def _attention(q, k, v, a):
    scale = a.get("scale", 1.0 / math.sqrt(q.shape[-1]))
    causal = bool(a.get("causal", False))
    if hasattr(F, "scaled_dot_product_attention") and "scale" not in a:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    s = torch.matmul(q, k.transpose(-2, -1)) * scale
    if causal:
        mask = torch.ones(s.shape[-2], s.shape[-1], dtype=torch.bool).tril()
        s = s.masked_fill(~mask, float("-inf"))
    return torch.matmul(torch.softmax(s, dim=-1), v)


def _constant(a, dtype, shape):
    v = a["value"]
    t = torch.tensor(v, dtype=dtype)
    return t.reshape(shape) if isinstance(v, list) else t.expand(shape).clone()


def _arange(a, dtype, shape):
    start, step = a.get("start", 0.0), a.get("step", 1.0)
    return start + torch.arange(shape[0], dtype=torch.float64).to(dtype) * step if dtype.is_floating_point \
        else torch.arange(shape[0], dtype=dtype) * int(step) + int(start)


def _dropout(x, a):
    if a.get("training", True) and a.get("p", 0.5) != 0:
        raise NoTorchOp("dropout in training mode (torch's random mask is not veritape's)")
    return x.clone()


# name -> f(inputs, attrs) for ops with inputs; creation ops take (attrs, dtype, shape).
OPS = {
    "add": lambda i, a: i[0] + i[1], "sub": lambda i, a: i[0] - i[1], "mul": lambda i, a: i[0] * i[1],
    "div": lambda i, a: i[0] / i[1], "maximum": lambda i, a: torch.maximum(i[0], i[1]),
    "minimum": lambda i, a: torch.minimum(i[0], i[1]), "neg": lambda i, a: -i[0],
    "square": lambda i, a: torch.square(i[0]), "exp": lambda i, a: torch.exp(i[0]), "log": lambda i, a: torch.log(i[0]),
    "sqrt": lambda i, a: torch.sqrt(i[0]), "tanh": lambda i, a: torch.tanh(i[0]), "sigmoid": lambda i, a: torch.sigmoid(i[0]),
    "relu": lambda i, a: torch.relu(i[0]), "abs": lambda i, a: torch.abs(i[0]), "log1p": lambda i, a: torch.log1p(i[0]),
    "expm1": lambda i, a: torch.expm1(i[0]), "silu": lambda i, a: F.silu(i[0]), "log_sigmoid": lambda i, a: F.logsigmoid(i[0]),
    "clamp": lambda i, a: torch.clamp(i[0], a.get("min"), a.get("max")),
    "softplus": lambda i, a: F.softplus(i[0], a.get("beta", 1.0), a.get("threshold", 20.0)),
    "gelu": lambda i, a: F.gelu(i[0], approximate=a.get("approximate", "none")),
    "pow": lambda i, a: torch.pow(i[0], i[1]) if len(i) == 2 else torch.pow(i[0], a["exponent"]),
    "dropout": lambda i, a: _dropout(i[0], a),
    "matmul": lambda i, a: torch.matmul(i[0], i[1]), "linear": lambda i, a: F.linear(*i),
    "permute": lambda i, a: i[0].permute([int(d) for d in a["perm"]]),
    "transpose": lambda i, a: i[0].transpose(int(a.get("dim0", -2)), int(a.get("dim1", -1))),
    "reshape": lambda i, a: i[0].reshape([int(d) for d in a["shape"]]),
    "broadcast_to": lambda i, a: i[0].broadcast_to([int(d) for d in a["shape"]]),
    "flatten": lambda i, a: torch.flatten(i[0], int(a.get("start_dim", 1)), int(a.get("end_dim", -1))),
    "narrow": lambda i, a: i[0].narrow(int(a["axis"]), int(a["start"]), int(a["length"])),
    "concat": lambda i, a: torch.cat(list(i), int(a.get("axis", 0))),
    "gather": lambda i, a: torch.gather(i[0], int(a["axis"]), i[1]),
    "scatter_add": lambda i, a: torch.scatter_add(i[0], int(a["axis"]), i[1], i[2]),
    "embedding": lambda i, a: F.embedding(i[1], i[0]),
    **REDUCTIONS,
    "softmax": lambda i, a: torch.softmax(i[0], int(a.get("axis", -1))),
    "log_softmax": lambda i, a: torch.log_softmax(i[0], int(a.get("axis", -1))),
    "mse_loss": lambda i, a: F.mse_loss(i[0], i[1]), "cross_entropy": lambda i, a: F.cross_entropy(i[0], i[1]),
    "conv2d": lambda i, a: F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, _pair(a.get("stride"), 1),
                                    _pair(a.get("padding"), 0), _pair(a.get("dilation"), 1), int(a.get("groups", 1))),
    "max_pool2d": lambda i, a: _max_pool(i[0], a), "avg_pool2d": lambda i, a: _avg_pool(i[0], a),
    "layer_norm": lambda i, a: F.layer_norm(i[0], [int(d) for d in a["normalized_shape"]], i[1] if len(i) > 1 else None,
                                            i[2] if len(i) > 2 else None, eps=a.get("eps", 1e-5)),
    "batch_norm": lambda i, a: F.batch_norm(i[0], i[3].detach().clone(), i[4].detach().clone(), i[1], i[2], bool(a.get("training", False)), 0.0, a.get("eps", 1e-5)),
    "scaled_dot_product_attention": lambda i, a: _attention(i[0], i[1], i[2], a),
}
CREATION = {"constant": _constant, "full": lambda a, d, s: torch.full(s, a["value"], dtype=d), "arange": _arange}


def run(op, inputs, attrs, dtype, shape):
    if op in CREATION:
        return CREATION[op](attrs, dtype, shape)
    if op not in OPS:
        raise NoTorchOp(f"no torch implementation of veritape op '{op}'")
    return OPS[op](inputs, attrs)


class _PlantedTanh(torch.autograd.Function):
    """tanh with the sign of its derivative flipped: the planted bug that
    `veritape check --backend torch` must catch (VERITAPE_WORKER_PLANT=tanh)."""

    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 + y * y)


def plant(name):
    """Replaces an op with a known-wrong version, for the checker's own mutation test."""
    if name == "tanh":
        OPS["tanh"] = lambda i, a: _PlantedTanh.apply(i[0])
    elif name:
        raise ValueError(f"no planted bug named {name!r} (known: tanh)")
