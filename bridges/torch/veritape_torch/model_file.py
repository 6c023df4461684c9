"""Loads a model file written to the bridge's convention.

A model file is a Python file that defines:
  model()                 -> torch.nn.Module (put in eval mode by the exporter)
  inputs()                -> dict name -> tensor: the arguments of the model's
                             forward() by parameter name, plus anything the loss
                             needs (targets)
  loss(output, inputs)    -> scalar tensor (optional: without it the model's
                             output must already be a scalar)
"""
import importlib.util
import inspect
import os
import sys


class ModelFileError(Exception):
    pass


def load_module(path):
    if not os.path.isfile(path):
        raise ModelFileError(f"{path}: no such file")
    name = "veritape_model_" + os.path.splitext(os.path.basename(path))[0].replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # the user's code: report where it failed
        raise ModelFileError(f"{path}: importing the model file failed: {type(e).__name__}: {e}") from e
    return module


def entry_points(module, path, entry):
    """(model factory, inputs factory, loss or None), checked by name."""
    def get(name, required):
        f = getattr(module, name, None)
        if f is None and required:
            raise ModelFileError(f"{path}: defines no function '{name}' (the bridge's convention: "
                                 "model(), inputs() and optionally loss(output, inputs))")
        if f is not None and not callable(f):
            raise ModelFileError(f"{path}: '{name}' is not a function")
        return f
    return get(entry, True), get("inputs", True), get("loss", False)


def forward_parameters(model, path):
    """The names of model.forward's parameters (not self)."""
    params = list(inspect.signature(model.forward).parameters.values())
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise ModelFileError(f"{path}: forward(*args/**kwargs) is not supported: name each input")
    return [p.name for p in params]
