"""`python3 -m veritape_torch worker`: PyTorch as a foreign backend over
stdin/stdout, in the protocol of docs/bridge-protocol.md: a hello line, then
requests and replies, each a JSON header line followed by raw little-endian
tensor bytes. For the C++ side's fault tests, VERITAPE_WORKER_FAULT makes the
first reply faulty (crash, hang, short, garbage, wrong_shape, nan, version),
and VERITAPE_WORKER_PLANT=tanh swaps in a tanh with a wrong backward."""
import json
import os
import sys

import numpy as np
import torch

from . import __version__, torch_ops
from .vtg import DTYPES as NAMES
from .vtg_read import VtgError, parse

PROTOCOL = 1
NP = {"f32": np.float32, "f64": np.float64, "i64": np.int64}


class Channel:
    def __init__(self, inp, out):
        self.inp, self.out = inp, out

    def read(self):
        line = self.inp.readline()
        if not line:
            return None, {}
        header = json.loads(line)
        payload = self.inp.read(int(header.get("payload", 0)))
        tensors, offset = {}, 0
        for d in header.get("tensors", []):
            count = int(np.prod(d["shape"], dtype=np.int64))
            size = count * np.dtype(NP[d["dtype"]]).itemsize
            array = np.frombuffer(payload[offset:offset + size], dtype=np.dtype(NP[d["dtype"]]).newbyteorder("<"))
            tensors[d["name"]] = torch.from_numpy(array.astype(NP[d["dtype"]]).reshape(d["shape"]))
            offset += size
        return header, tensors

    def write(self, header, tensors=()):
        self.out.write(encode(header, tensors))
        self.out.flush()


def encode(header, tensors=()):
    """A message: the header line, then the tensors' bytes (little-endian, row-major)."""
    blobs, described = [], []
    for name, t in tensors:
        t = t.detach().contiguous().cpu()
        a = t.numpy().astype(np.dtype(NP[NAMES[t.dtype]]).newbyteorder("<"), copy=False)
        blobs.append(a.tobytes())
        described.append({"name": name, "dtype": NAMES[t.dtype], "shape": list(t.shape)})
    payload = b"".join(blobs)
    if described:
        header = dict(header, tensors=described, payload=len(payload))
    return (json.dumps(header) + "\n").encode() + payload


def run_graph(text, tensors):
    """Every node's value and every value's gradient of output 0, as torch computes them."""
    g = parse(text)
    env = {}
    for a in g["args"]:
        if a["name"] not in tensors:
            raise ValueError(f"no tensor for argument %{a['name']}")
        t = tensors[a["name"]].clone()
        if t.dtype.is_floating_point:
            t.requires_grad_(True)
        env[a["name"]] = t
    for n in g["nodes"]:
        dtype, shape = torch_ops.DTYPES[n["type"][0]], n["type"][1]
        inputs = [env[i] for i in n["inputs"]]
        y = torch_ops.run(n["op"], inputs, n["attrs"], dtype, shape)
        if any(y is x for x in inputs):
            y = y.view_as(y)  # a no-op (flatten of one axis) returns its input: its own node keeps its own gradient
        if list(y.shape) != shape:
            raise ValueError(f"%{n['name']} = {n['op']} {n['attrs']} of {[list(env[i].shape) for i in n['inputs']]}: "
                             f"torch gives shape {list(y.shape)}, the graph says {shape}")
        if y.requires_grad:
            y.retain_grad()
        env[n["name"]] = y
    out = env[g["outputs"][0]]
    if out.requires_grad and out.numel() == 1:
        out.backward()
    reply = [("value." + n["name"], env[n["name"]]) for n in g["nodes"]]
    for name, t in env.items():
        if t.grad is not None:
            reply.append(("grad." + name, t.grad))
    return reply


def run_op(text, tensors):
    """A graph of one node: its value, and its VJP of the given cotangent."""
    g = parse(text)
    if len(g["nodes"]) != 1:
        raise ValueError(f"run_op needs a graph of one node, got {len(g['nodes'])}")
    n = g["nodes"][0]
    inputs = [tensors[name].clone() for name in n["inputs"]]
    for t in inputs:
        if t.dtype.is_floating_point:
            t.requires_grad_(True)
    y = torch_ops.run(n["op"], inputs, n["attrs"], torch_ops.DTYPES[n["type"][0]], n["type"][1])
    reply = [("y", y)]
    wanted = [(i, t) for i, t in enumerate(inputs) if t.requires_grad]
    if "cotangent" in tensors and y.requires_grad and wanted:
        grads = torch.autograd.grad(y, [t for _, t in wanted], tensors["cotangent"], allow_unused=True)
        for (i, t), gx in zip(wanted, grads):
            reply.append((f"dx.{i}", gx if gx is not None else torch.zeros_like(t)))
    return reply


def _faulty(fault, channel, header, reply):
    """Writes the first reply wrong, in the way VERITAPE_WORKER_FAULT names."""
    if fault == "crash":
        os._exit(3)
    if fault == "hang":
        import time
        while True:
            time.sleep(60)
    if fault == "garbage":
        channel.out.write(b"this is not json\n")
    elif fault == "short":
        message = encode(header, reply)
        channel.out.write(message[:len(message) // 2])
    elif fault == "wrong_shape":
        channel.write(header, [(n, t.reshape(-1)[:max(t.numel() - 1, 0)]) if i == 0 else (n, t) for i, (n, t) in enumerate(reply)])
    elif fault == "nan":
        channel.write(header, [(n, torch.full_like(t, float("nan")) if i == 0 and t.dtype.is_floating_point else t)
                               for i, (n, t) in enumerate(reply)])
    channel.out.flush()
    if fault == "short":
        os._exit(0)


def main():
    fault = os.environ.get("VERITAPE_WORKER_FAULT", "")
    torch_ops.plant(os.environ.get("VERITAPE_WORKER_PLANT", ""))
    channel = Channel(sys.stdin.buffer, sys.stdout.buffer)
    sys.stdout = sys.stderr  # nothing else may write to the protocol stream
    channel.write({"type": "hello", "protocol": PROTOCOL + (1 if fault == "version" else 0), "torch": torch.__version__,
                   "worker": f"veritape_torch {__version__}"})
    while True:
        header, tensors = channel.read()
        if header is None or header.get("type") == "shutdown":
            return 0
        reply_header = {"type": "result", "id": header.get("id")}
        try:
            if header.get("type") == "run_graph":
                reply = run_graph(header["graph"], tensors)
            elif header.get("type") == "run_op":
                reply = run_op(header["graph"], tensors)
            else:
                raise ValueError(f"unknown request type {header.get('type')!r}")
        except (torch_ops.NoTorchOp, VtgError, ValueError, KeyError, RuntimeError) as e:
            channel.write({"type": "error", "id": header.get("id"), "message": f"{type(e).__name__}: {e}"})
            continue
        if fault in ("crash", "hang", "garbage", "short", "wrong_shape", "nan"):
            _faulty(fault, channel, reply_header, reply)
            fault = ""
            continue
        channel.write(reply_header, reply)
