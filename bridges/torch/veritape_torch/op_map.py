"""The map from torch calls (as torch.fx records them) to veritape's op table.

Each handler gets the fx call with its runtime values and emits one or more
.vtg nodes; the node it returns carries the call's torch value and gradient.
A call no handler knows, or an argument the op table cannot express
(training-mode dropout, ceil_mode pooling, a loss weight), raises Unsupported.
"""
import operator

import torch

from .vtg import Identifier

HANDLERS = {}


class Unsupported(Exception):
    pass


def handles(*names):
    def register(f):
        for n in names:
            HANDLERS[n] = f
        return f
    return register


def call_name(node):
    """The key a handler is registered under: the function's or method's name."""
    if node.op == "call_method":
        return node.target
    t = node.target
    if t is operator.truediv:
        return "truediv"
    return getattr(t, "__name__", str(t))


def _ints(v, n=2):
    if isinstance(v, int):
        return [v] * n
    return [int(x) for x in v]


def _require(cond, why):
    if not cond:
        raise Unsupported(why)


# ---- elementwise -------------------------------------------------------------

UNARY = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "exp": "exp", "log": "log", "sqrt": "sqrt",
         "abs": "abs", "neg": "neg", "square": "square", "log1p": "log1p", "expm1": "expm1", "silu": "silu",
         "logsigmoid": "log_sigmoid"}


@handles(*UNARY)
def unary(ctx, c):
    return ctx.emit(UNARY[c.name], [ctx.operand(c.arg(0, "input"))], {}, c)


BINARY = {"add": "add", "sub": "sub", "mul": "mul", "truediv": "div", "div": "div", "maximum": "maximum",
          "minimum": "minimum"}


@handles(*BINARY)
def binary(ctx, c):
    _require(c.kw("alpha", 1) == 1, "alpha other than 1")
    _require(c.kw("rounding_mode", None) is None, "div with a rounding_mode")
    a, b = c.arg(0, "input"), c.arg(1, "other")
    return ctx.emit(BINARY[c.name], [ctx.operand(a, like=c.out), ctx.operand(b, like=c.out)], {}, c)


@handles("rsub")
def rsub(ctx, c):
    _require(c.kw("alpha", 1) == 1, "alpha other than 1")
    return ctx.emit("sub", [ctx.operand(c.arg(1, "other"), like=c.out), ctx.operand(c.arg(0, "input"), like=c.out)], {}, c)


@handles("pow")
def power(ctx, c):
    base, exponent = c.arg(0, "input"), c.arg(1, "exponent")
    _require(ctx.is_tensor(base), "pow with a number as base")
    if ctx.is_tensor(exponent):
        return ctx.emit("pow", [ctx.operand(base), ctx.operand(exponent, like=c.out)], {}, c)
    return ctx.emit("pow", [ctx.operand(base)], {"exponent": float(c.value(exponent))}, c)


@handles("clamp", "clip")
def clamp(ctx, c):
    lo, hi = c.value(c.arg(1, "min", None)), c.value(c.arg(2, "max", None))
    _require(not ctx.is_tensor(c.arg(1, "min", None)) and not ctx.is_tensor(c.arg(2, "max", None)), "clamp with tensor bounds")
    attrs = {}
    if lo is not None:
        attrs["min"] = float(lo)
    if hi is not None:
        attrs["max"] = float(hi)
    return ctx.emit("clamp", [ctx.operand(c.arg(0, "input"))], attrs, c)


@handles("gelu")
def gelu(ctx, c):
    approximate = c.kw("approximate", "none")
    _require(approximate in ("none", "tanh"), f"gelu approximate={approximate!r}")
    return ctx.emit("gelu", [ctx.operand(c.arg(0, "input"))], {"approximate": Identifier(approximate)}, c)


@handles("softplus")
def softplus(ctx, c):
    beta, threshold = c.value(c.arg(1, "beta", 1)), c.value(c.arg(2, "threshold", 20))
    return ctx.emit("softplus", [ctx.operand(c.arg(0, "input"))], {"beta": float(beta), "threshold": float(threshold)}, c)


@handles("dropout")
def dropout(ctx, c):
    training = c.value(c.arg(2, "training", True)) if c.node.op == "call_function" else True
    p = c.value(c.arg(1, "p", 0.5))
    _require(not training or p == 0, "dropout in training mode (torch's random mask is not veritape's): "
                                     "the exporter puts the model in eval mode; call F.dropout with training=self.training")
    return ctx.alias(c.arg(0, "input"), c)


@handles("contiguous", "clone", "detach_copy")
def identity(ctx, c):
    return ctx.alias(c.arg(0, "input"), c)


# ---- dots, convolutions, pooling ---------------------------------------------

@handles("matmul", "mm", "bmm")
def matmul(ctx, c):
    return ctx.emit("matmul", [ctx.operand(c.arg(0, "input")), ctx.operand(c.arg(1, "other"))], {}, c)


@handles("linear")
def linear(ctx, c):
    ops = [ctx.operand(c.arg(0, "input")), ctx.operand(c.arg(1, "weight"))]
    bias = c.arg(2, "bias", None)
    if bias is not None:
        ops.append(ctx.operand(bias))
    return ctx.emit("linear", ops, {}, c)


@handles("conv2d")
def conv2d(ctx, c):
    padding = c.value(c.arg(4, "padding", 0))
    _require(not isinstance(padding, str), f"conv2d padding={padding!r} (give the padding as numbers)")
    ops = [ctx.operand(c.arg(0, "input")), ctx.operand(c.arg(1, "weight"))]
    bias = c.arg(2, "bias", None)
    if bias is not None:
        ops.append(ctx.operand(bias))
    attrs = {"stride": _ints(c.value(c.arg(3, "stride", 1))), "padding": _ints(padding),
             "dilation": _ints(c.value(c.arg(5, "dilation", 1))), "groups": int(c.value(c.arg(6, "groups", 1)))}
    return ctx.emit("conv2d", ops, attrs, c)


def _pool_attrs(c, with_dilation):
    kernel = _ints(c.value(c.arg(1, "kernel_size")))
    stride = c.value(c.arg(2, "stride", None))
    attrs = {"kernel_size": kernel, "stride": kernel if stride in (None, []) else _ints(stride),
             "padding": _ints(c.value(c.arg(3, "padding", 0)))}
    if with_dilation:
        attrs["dilation"] = _ints(c.value(c.arg(4, "dilation", 1)))
    _require(not c.value(c.arg(5 if with_dilation else 4, "ceil_mode", False)), "pooling with ceil_mode=True")
    return attrs


@handles("max_pool2d")
def max_pool2d(ctx, c):
    _require(not c.value(c.arg(6, "return_indices", False)), "max_pool2d with return_indices=True")
    return ctx.emit("max_pool2d", [ctx.operand(c.arg(0, "input"))], _pool_attrs(c, True), c)


@handles("avg_pool2d")
def avg_pool2d(ctx, c):
    attrs = _pool_attrs(c, False)
    _require(c.value(c.arg(5, "count_include_pad", True)) or attrs["padding"] == [0, 0],
             "avg_pool2d with count_include_pad=False and padding (veritape divides by the window size)")
    _require(c.value(c.arg(6, "divisor_override", None)) is None, "avg_pool2d with divisor_override")
    return ctx.emit("avg_pool2d", [ctx.operand(c.arg(0, "input"))], attrs, c)


@handles("scaled_dot_product_attention")
def attention(ctx, c):
    _require(c.value(c.arg(3, "attn_mask", None)) is None, "attention with attn_mask (use is_causal)")
    _require(c.value(c.arg(4, "dropout_p", 0.0)) == 0, "attention with dropout_p > 0")
    attrs = {"causal": bool(c.value(c.arg(5, "is_causal", False)))}
    scale = c.value(c.arg(6, "scale", None))
    if scale is not None:
        attrs["scale"] = float(scale)
    return ctx.emit("scaled_dot_product_attention", [ctx.operand(c.arg(i, n)) for i, n in enumerate(("query", "key", "value"))],
                    attrs, c)


# ---- layout ------------------------------------------------------------------

@handles("reshape", "view", "unflatten")
def reshape(ctx, c):
    return ctx.emit("reshape", [ctx.operand(c.arg(0, "input"))], {"shape": list(c.out.shape)}, c)


@handles("flatten")
def flatten(ctx, c):
    start, end = c.value(c.arg(1, "start_dim", 0)), c.value(c.arg(2, "end_dim", -1))
    return ctx.emit("flatten", [ctx.operand(c.arg(0, "input"))], {"start_dim": int(start), "end_dim": int(end)}, c)


@handles("transpose")
def transpose(ctx, c):
    return ctx.emit("transpose", [ctx.operand(c.arg(0, "input"))],
                    {"dim0": int(c.value(c.arg(1, "dim0"))), "dim1": int(c.value(c.arg(2, "dim1")))}, c)


@handles("t")
def t(ctx, c):
    _require(c.out.dim() == 2, "t() of a tensor that is not 2-d")
    return ctx.emit("transpose", [ctx.operand(c.arg(0, "input"))], {"dim0": 0, "dim1": 1}, c)


@handles("permute")
def permute(ctx, c):
    dims = list(c.node.args[1:]) if c.node.op == "call_method" else c.arg(1, "dims")
    if len(dims) == 1 and isinstance(c.value(dims[0]), (list, tuple)):
        dims = c.value(dims[0])
    return ctx.emit("permute", [ctx.operand(c.arg(0, "input"))], {"perm": [int(c.value(d)) for d in dims]}, c)


@handles("cat", "concat")
def cat(ctx, c):
    tensors = c.arg(0, "tensors")
    _require(1 <= len(tensors) <= 8, f"cat of {len(tensors)} tensors (veritape's concat takes 1 to 8)")
    return ctx.emit("concat", [ctx.operand(x) for x in tensors], {"axis": int(c.value(c.arg(1, "dim", 0)))}, c)


@handles("embedding")
def embedding(ctx, c):
    _require(c.value(c.arg(2, "padding_idx", None)) is None, "embedding with padding_idx")
    _require(c.value(c.arg(3, "max_norm", None)) is None, "embedding with max_norm")
    return ctx.emit("embedding", [ctx.operand(c.arg(1, "weight")), ctx.operand(c.arg(0, "input"))], {}, c)


# ---- reductions, normalizations, losses --------------------------------------

def _axes(v):
    if v is None:
        return None
    return [int(v)] if isinstance(v, int) else [int(x) for x in v]


@handles("sum", "mean")
def reduce(ctx, c):
    _require(c.kw("dtype", None) is None, f"{c.name} with a dtype")
    axes = _axes(c.value(c.arg(1, "dim", None)))
    attrs = {}
    if axes is not None:
        attrs["axes"] = axes
        attrs["keepdim"] = bool(c.value(c.arg(2, "keepdim", False)))
    return ctx.emit(c.name, [ctx.operand(c.arg(0, "input"))], attrs, c)


@handles("softmax", "log_softmax")
def softmax(ctx, c):
    _require(c.kw("dtype", None) is None, f"{c.name} with a dtype")
    dim = c.value(c.arg(1, "dim", None))
    _require(dim is not None, f"{c.name} without dim")
    return ctx.emit(c.name, [ctx.operand(c.arg(0, "input"))], {"axis": int(dim)}, c)


@handles("layer_norm")
def layer_norm(ctx, c):
    ops = [ctx.operand(c.arg(0, "input"))]
    weight, bias = c.arg(2, "weight", None), c.arg(3, "bias", None)
    _require((weight is None) == (bias is None), "layer_norm with a weight but no bias (or the reverse)")
    if weight is not None:
        ops += [ctx.operand(weight), ctx.operand(bias)]
    attrs = {"normalized_shape": _ints(c.value(c.arg(1, "normalized_shape")), 1), "eps": float(c.value(c.arg(4, "eps", 1e-5)))}
    return ctx.emit("layer_norm", ops, attrs, c)


@handles("cross_entropy")
def cross_entropy(ctx, c):
    _require(c.value(c.arg(2, "weight", None)) is None, "cross_entropy with class weights")
    _require(c.value(c.kw("reduction", "mean")) == "mean", "cross_entropy with reduction other than 'mean'")
    _require(c.value(c.kw("label_smoothing", 0.0)) == 0, "cross_entropy with label_smoothing")
    _require(c.value(c.kw("size_average", None)) is None and c.value(c.kw("reduce", None)) is None,
             "cross_entropy with the deprecated size_average/reduce")
    x, target = c.arg(0, "input"), c.arg(1, "target")
    tv = c.value(target)
    _require(tv.dtype == torch.int64 and tv.dim() == 1 and c.value(x).dim() == 2,
             "cross_entropy other than [N, C] logits with [N] class indices")
    _require(bool((tv != c.value(c.kw("ignore_index", -100))).all()), "cross_entropy targets hitting ignore_index")
    return ctx.emit("cross_entropy", [ctx.operand(x), ctx.operand(target)], {}, c)


@handles("mse_loss")
def mse_loss(ctx, c):
    _require(c.value(c.kw("reduction", "mean")) == "mean", "mse_loss with reduction other than 'mean'")
    _require(c.value(c.arg(0, "input")).shape == c.value(c.arg(1, "target")).shape, "mse_loss of tensors of different shapes")
    return ctx.emit("mse_loss", [ctx.operand(c.arg(0, "input")), ctx.operand(c.arg(1, "target"))], {}, c)
