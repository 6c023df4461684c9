"""`python3 -m veritape_torch export`: a model file to model.vtg, values.npz
and meta.json (see bridges/README.md for the layout)."""
import json
import keyword
import os
import re
import tempfile
import time

import numpy as np
import torch

from . import model_file
from .trace import ExportError, export_graph, record

DTYPE_NAMES = {"float32": torch.float32, "float64": torch.float64}


def _load_inputs(path, expected):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    unknown = sorted(set(arrays) - set(expected))
    if unknown:
        raise ExportError(f"{path}: arrays {', '.join(unknown)} name no input (inputs() gives {', '.join(expected)})")
    out = {}
    for name, like in expected.items():
        if name not in arrays:
            raise ExportError(f"{path}: no array '{name}'")
        a = torch.from_numpy(arrays[name]).to(like.dtype)
        if tuple(a.shape) != tuple(like.shape):
            raise ExportError(f"{path}: '{name}' has shape {tuple(a.shape)}, inputs() gives {tuple(like.shape)}")
        out[name] = a
    return out


def export(model_path, out_dir, entry="model", inputs_path=None, dtype="float32", seed=0):
    """Writes OUT/model.vtg, values.npz and meta.json, or raises before writing anything."""
    start = time.perf_counter()
    torch.manual_seed(seed)
    module = model_file.load_module(model_path)
    make_model, make_inputs, loss = model_file.entry_points(module, model_path, entry)
    try:
        model = make_model()
        inputs = make_inputs()
    except Exception as e:  # the user's factories
        raise ExportError(f"{model_path}: {entry}() or inputs() raised {type(e).__name__}: {e}") from e
    if not isinstance(model, torch.nn.Module):
        raise ExportError(f"{model_path}: {entry}() returned {type(model).__name__}, not a torch.nn.Module")
    model = model.to(DTYPE_NAMES[dtype]).eval()
    if not isinstance(inputs, dict) or not all(isinstance(v, torch.Tensor) for v in inputs.values()):
        raise ExportError(f"{model_path}: inputs() must return a dict of name -> tensor")
    for name in inputs:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise ExportError(f"{model_path}: inputs() key {name!r} is not a Python identifier (it names an argument)")
    inputs = {k: v.to(DTYPE_NAMES[dtype]) if v.dtype.is_floating_point else v for k, v in inputs.items()}
    if inputs_path:
        inputs = _load_inputs(inputs_path, inputs)
    graph_name = re.sub(r"\W", "_", os.path.splitext(os.path.basename(model_path))[0])
    graph_name = graph_name if graph_name[:1].isalpha() else "model_" + graph_name
    g, loss_name, loss_value = export_graph(model, loss, inputs, model_file.forward_parameters(model, model_path))
    arrays, backward_seconds = record(g, loss_name, loss_value)
    text = f"# Exported by veritape_torch from {os.path.basename(model_path)} (torch {torch.__version__}, {dtype}, cpu).\n"
    text += f"graph {graph_name} {{\n" + "\n".join(g.args + g.lines) + f"\n  output %{loss_name}\n}}\n"
    meta = {
        "format": "veritape-torch-export 1",
        "torch": torch.__version__,
        "device": "cpu",
        "dtype": dtype,
        "model": os.path.abspath(model_path),
        "entry": entry,
        "seed": seed,
        "loss": loss_name,
        "nodes": g.origin,
        "export_seconds": round(time.perf_counter() - start, 4),
        "backward_seconds": round(backward_seconds, 6),
    }
    _write_all(out_dir, {"model.vtg": text.encode(), "meta.json": (json.dumps(meta, indent=2) + "\n").encode()}, arrays)
    return meta


def _write_all(out_dir, files, arrays):
    """Every file written beside its final name, then renamed into place."""
    os.makedirs(out_dir, exist_ok=True)
    staged = []
    try:
        for name, data in files.items():
            fd, tmp = tempfile.mkstemp(prefix="." + name, dir=out_dir)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            staged.append((tmp, name))
        fd, tmp = tempfile.mkstemp(prefix=".values", suffix=".npz", dir=out_dir)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        staged.append((tmp, "values.npz"))
        for tmp, name in staged:
            os.replace(tmp, os.path.join(out_dir, name))
    except BaseException:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.remove(tmp)
        raise
