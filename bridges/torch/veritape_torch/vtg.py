"""Writing veritape's graph text format (.vtg): types, attributes, names."""
import math
import re

import torch

DTYPES = {torch.float32: "f32", torch.float64: "f64", torch.int64: "i64"}


def vtg_type(t):
    if t.dtype not in DTYPES:
        raise TypeError(f"dtype {t.dtype} has no veritape type (f32, f64, i64)")
    return f"{DTYPES[t.dtype]}[{', '.join(str(d) for d in t.shape)}]"


def attr_text(v):
    """An attribute value: bool, int, float (17 digits), identifier, or a list of ints."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"attribute value {v} is not finite")
        return repr(v)
    if isinstance(v, Identifier):
        return str(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(attr_text(x) for x in v) + "]"
    raise TypeError(f"no .vtg attribute form for {v!r}")


class Identifier(str):
    """An attribute written bare (approximate = tanh), not as a number."""


def node_line(name, op, operands, attrs, type_text):
    ops = ", ".join("%" + o for o in operands)
    attr = ""
    if attrs:
        attr = " {" + ", ".join(f"{k} = {attr_text(v)}" for k, v in sorted(attrs.items())) + "}"
    return f"  %{name} = {op}({ops}){attr} : {type_text}"


_BAD = re.compile(r"[^A-Za-z0-9_.]")


def value_name(text):
    """A .vtg value name from an fx name or module path."""
    s = _BAD.sub("_", text)
    return s if s and (s[0].isalpha() or s[0] == "_") else "v" + s
