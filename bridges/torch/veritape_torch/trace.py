"""Traces a model and its loss with torch.fx, runs the traced graph on real
tensors node by node, and maps each call to veritape's op table."""
import os
import time

import torch
import torch.fx

from . import op_map
from .vtg import DTYPES, node_line, value_name, vtg_type

_TORCH_DIR = os.path.dirname(torch.__file__)
_OWN_DIR = os.path.dirname(__file__)


class ExportError(Exception):
    pass


class _TraceAll(torch.fx.Tracer):
    """Traces through every module, so each call is a torch function or method."""

    def __init__(self):
        super().__init__()
        self.record_stack_traces = True

    def is_leaf_module(self, m, qualified_name):
        return False


class _WithLoss(torch.nn.Module):
    def __init__(self, model, loss):
        super().__init__()
        self.model = model
        self._loss = loss


def _wrapper(model, loss, names, model_args):
    """A module whose forward(<names>) returns loss(model(<model_args>), inputs)."""
    params = ", ".join(names)
    model_call = ", ".join(f"{n}={n}" for n in model_args)
    inputs = ", ".join(f"{n!r}: {n}" for n in names)
    body = f"    out = self.model({model_call})\n"
    body += f"    return self._loss(out, {{{inputs}}})\n" if loss else "    return out\n"
    scope = {}
    exec(f"def forward(self, {params}):\n{body}", scope)
    cls = type("VeritapeModelWithLoss", (_WithLoss,), {"forward": scope["forward"]})
    return cls(model, loss)


def source_line(node):
    """file:line of the innermost frame in user code (not torch's, not ours), or ""."""
    lines = (node.stack_trace or "").splitlines()
    for line in lines:
        line = line.strip()
        if not line.startswith("File \""):
            continue
        path = line.split("\"")[1]
        if path.startswith(_TORCH_DIR) or path.startswith(_OWN_DIR) or path.startswith("<"):
            continue  # torch's, ours, or the generated wrapper's
        number = line.split(", line ")[1].split(",")[0] if ", line " in line else "?"
        return f"{os.path.normpath(path)}:{number}"
    return ""


def _at(source):
    return f"{source}: " if source else ""


class _Call:
    """One fx call with its runtime values, as op handlers see it."""

    def __init__(self, node, env, out):
        self.node, self._env, self.out = node, env, out
        self.name = op_map.call_name(node)

    def arg(self, i, name, *default):
        if i < len(self.node.args):
            return self.node.args[i]
        if name in self.node.kwargs:
            return self.node.kwargs[name]
        if default:
            return default[0]
        raise op_map.Unsupported(f"{self.name} without its argument '{name}'")

    def kw(self, name, default):
        return self.node.kwargs.get(name, default)

    def value(self, x):
        """x's runtime value: fx nodes replaced by what they computed, in lists too."""
        if isinstance(x, torch.fx.Node):
            return self._env[x]
        if isinstance(x, (list, tuple)):
            return type(x)(self.value(v) for v in x)
        return x


class _Skip(Exception):
    """An operand's producer was unsupported: reported there, not again here."""


class _Graph:
    """The .vtg being built, with the torch tensor behind each value."""

    def __init__(self, float_dtype):
        self.float_dtype = float_dtype
        self.args, self.lines = [], []
        self.names = set()
        self.tensor = {}  # vtg name -> torch tensor (value, and later its .grad)
        self.origin = {}  # vtg name -> {"fx": ..., "call": ..., "source": ...}
        self.of_fx = {}   # fx node -> vtg name (None: unsupported), or ("py", value)
        self.constants = 0
        self.source = ""  # the user's file:line of the call being mapped

    def fresh(self, base):
        name, k = value_name(base), 1
        while name in self.names:
            k += 1
            name = f"{value_name(base)}_{k}"
        self.names.add(name)
        return name

    def add_arg(self, kind, name, tensor, origin):
        name = self.fresh(name)
        self.args.append(f"  {kind} %{name} : {vtg_type(tensor)}")
        self.tensor[name] = tensor
        self.origin[name] = origin
        return name

    # -- what op handlers call --
    def is_tensor(self, x):
        return isinstance(x, torch.fx.Node) and isinstance(self.of_fx.get(x), str)

    def operand(self, x, like=None):
        if isinstance(x, torch.fx.Node):
            v = self.of_fx.get(x)
            if v is None:
                raise _Skip()
            if isinstance(v, str):
                return v
            x = v[1]  # a Python number computed by the model (a size, a scale)
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise op_map.Unsupported(f"operand {x!r} is neither a tensor nor a number")
        dtype = like.dtype if like is not None and like.dtype in DTYPES else self.float_dtype
        t = torch.tensor(x, dtype=dtype)
        name = self.fresh(f"const{self.constants}")
        self.constants += 1
        value = float(t) if dtype != torch.int64 else int(t)
        self.lines.append(node_line(name, "constant", [], {"dtype": op_map.Identifier(DTYPES[dtype]), "value": value}, vtg_type(t)))
        self.tensor[name] = t
        self.origin[name] = {"fx": None, "call": f"the number {x!r}", "source": self.source}
        return name

    def emit(self, op, operands, attrs, call):
        name = self.fresh(call.node.name)
        if not isinstance(call.out, torch.Tensor) or call.out.dtype not in DTYPES:
            raise op_map.Unsupported(f"{call.name} returns {type(call.out).__name__}, not an f32/f64/i64 tensor")
        self.lines.append(node_line(name, op, operands, attrs, vtg_type(call.out)))
        self.tensor[name] = call.out
        self.origin[name] = {"fx": call.node.name, "call": call.name, "source": self.source}
        return name

    def alias(self, x, call):
        """The call returns its input unchanged (eval-mode dropout, contiguous)."""
        return self.operand(x)


def _custom_op(node):
    """A function the model marked with veritape_op (see bridges/README.md)."""
    return node.op == "call_function" and hasattr(node.target, "veritape_op")


def _run_node(node, env, root):
    args = torch.fx.node.map_arg(node.args, lambda n: env[n])
    kwargs = torch.fx.node.map_arg(node.kwargs, lambda n: env[n])
    if "inplace" in kwargs:
        kwargs = dict(kwargs, inplace=False)  # the same numbers, and every node's value kept
    if node.op == "get_attr":
        obj = root
        for part in node.target.split("."):
            obj = getattr(obj, part)
        return obj
    if node.op == "call_function":
        return node.target(*args, **kwargs)
    if node.op == "call_method":
        return getattr(args[0], node.target)(*args[1:], **kwargs)
    raise ExportError(f"fx node {node.name}: unexpected op {node.op}")


def export_graph(model, loss, inputs, forward_args):
    """Traces, runs and maps. Returns (vtg text, arrays for values.npz, node map).
    Raises ExportError listing every unsupported call with its source line."""
    missing = [n for n in forward_args if n not in inputs]
    if missing:
        raise ExportError(f"inputs() gives no {', '.join(missing)} (the arguments of the model's forward)")
    names = list(inputs)
    wrapper = _wrapper(model, loss, names, forward_args)
    try:
        graph = _TraceAll().trace(wrapper)
    except Exception as e:  # fx's own limits (data-dependent control flow, tuple unpacking of a traced call)
        raise ExportError(f"torch.fx cannot trace the model{_user_frame(e)}: {type(e).__name__}: {e}") from e
    float_dtype = next((p.dtype for p in model.parameters() if p.dtype.is_floating_point), torch.float32)
    g = _Graph(float_dtype)
    env, unsupported, output = {}, [], None
    for node in graph.nodes:
        g.source = source_line(node)
        if node.op == "placeholder":
            t = inputs[node.target]
            if t.dtype.is_floating_point:
                t = t.detach().clone().requires_grad_(True)
            env[node] = t
            g.of_fx[node] = g.add_arg("input", node.target, t, {"fx": node.name, "call": "input", "source": "inputs()"})
            continue
        if node.op == "output":
            output = node.args[0]
            continue
        try:
            out = _run_node(node, env, wrapper)
        except Exception as e:  # the model's own code failed on its inputs
            raise ExportError(f"{_at(g.source)}running {op_map.call_name(node)} (fx node {node.name}) failed: "
                              f"{type(e).__name__}: {e}") from e
        if isinstance(out, torch.Tensor) and any(out is env[n] for n in node.all_input_nodes):
            out = out.view_as(out)  # a no-op call returning its input: its own node keeps its own gradient
        env[node] = out
        if node.op == "get_attr":
            kind = "param" if isinstance(out, torch.nn.Parameter) and out.requires_grad else "input"
            name = node.target[len("model."):] if node.target.startswith("model.") else node.target
            g.of_fx[node] = g.add_arg(kind, name, out, {"fx": node.name, "call": node.target, "source": "model parameter"})
            continue
        call = _Call(node, env, out)
        if not isinstance(out, torch.Tensor) and not _holds_tensors(out):
            g.of_fx[node] = ("py", out)  # a size or a number: used where an op needs it
            continue
        # Below an unsupported call, only calls that have no op at all are
        # reported again (every unsupported kind of call is listed once).
        upstream_unsupported = any(g.of_fx.get(n, "") is None for n in node.all_input_nodes)
        try:
            if not isinstance(out, torch.Tensor):
                raise op_map.Unsupported("returns several tensors (veritape's ops return one)")
            if upstream_unsupported and call.name in ("getattr", "getitem"):
                raise _Skip()  # taking a part of what an unsupported call returned
            if not _custom_op(node) and call.name not in op_map.HANDLERS:
                raise op_map.Unsupported(f"no veritape op for torch '{call.name}'")
            if upstream_unsupported:
                raise _Skip()
            if _custom_op(node):
                g.of_fx[node] = g.emit(node.target.veritape_op, [g.operand(a) for a in node.args],
                                       dict(getattr(node.target, "veritape_attrs", {})), call)
            else:
                g.of_fx[node] = op_map.HANDLERS[call.name](g, call)
        except _Skip:
            g.of_fx[node] = None
        except op_map.Unsupported as e:
            g.of_fx[node] = None
            unsupported.append(f"{_at(g.source)}{call.name} (fx node {node.name}): {e}")
    if unsupported:
        raise ExportError("unsupported torch calls, nothing written:\n  " + "\n  ".join(unsupported))
    if not isinstance(output, torch.fx.Node) or not isinstance(g.of_fx.get(output), str):
        raise ExportError("the traced function does not return one tensor")
    loss_name = g.of_fx[output]
    loss_value = env[output]
    if loss_value.numel() != 1 or not loss_value.dtype.is_floating_point:
        raise ExportError(f"the loss must be a float scalar, got {tuple(loss_value.shape)} {loss_value.dtype}")
    return g, loss_name, loss_value


def _holds_tensors(v):
    return isinstance(v, (tuple, list)) and any(isinstance(x, torch.Tensor) or _holds_tensors(x) for x in v)


def _user_frame(e):
    """ " at FILE:LINE" of the innermost traceback frame in user code, or ""."""
    import traceback
    for frame in reversed(traceback.extract_tb(e.__traceback__)):
        if not frame.filename.startswith(_TORCH_DIR) and not frame.filename.startswith(_OWN_DIR) and not frame.filename.startswith("<"):
            return f" at {frame.filename}:{frame.lineno}"
    return ""


def record(g, loss_name, loss_value):
    """Backward from the loss; returns the arrays for values.npz."""
    for name, t in g.tensor.items():
        if t.requires_grad and not t.is_leaf:
            t.retain_grad()
    start = time.perf_counter()
    loss_value.backward()
    seconds = time.perf_counter() - start
    arrays = {}
    arg_names = {line.split("%")[1].split(" ")[0] for line in g.args}
    for name, t in g.tensor.items():
        key = name if name in arg_names else "value." + name
        arrays[key] = t.detach().cpu().numpy().copy()
        if t.grad is not None:
            arrays["grad." + name] = t.grad.detach().cpu().numpy().copy()
    return arrays, seconds
