#!/usr/bin/env python3
"""Writes train/tests/fixtures/torch_optim.json and torch_schedule.json:
what torch.optim (1.13) and torch.optim.lr_scheduler compute, for
train/tests/test_optim.cpp and test_schedule.cpp to compare against.

    python3 scripts/gen_torch_fixtures.py    # needs Debian's python3-torch

The output is deterministic: gradients come from a seeded random.Random, every
float is written as the shortest text that reads back to the same value, and
the optimizers run on one thread.

Optimizers run twice per dtype, in child processes with ATEN_CPU_CAPABILITY
set: "default" (torch's portable kernels: t + a*u, t + (a*u)*v, separately
rounded; veritape does the same, so the comparison is bitwise) and "avx2"
(the kernels most x86-64 machines run, which fuse those into FMAs; the test
compares them within a derived ulp tolerance).
"""
import json
import os
import random
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "train", "tests", "fixtures")
STEPS = 5
SHAPES = [[3, 2], [4], [2]]
SKIPPED = {2: {1, 3}}  # parameter 2 has grad None at steps 1 and 3

try:
    import torch
except ImportError:  # a pyenv/venv python first on PATH: use Debian's
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def fmt32(x):
    """Shortest text whose double reading rounds back to the float32 x."""
    x = float(x)
    for digits in range(1, 18):
        s = "%.*g" % (digits, x)
        if f32(float(s)) == x:
            return s
    return repr(x)


def data():
    rng = random.Random(20240613)
    init = [[f32(rng.uniform(-1, 1)) for _ in range(numel(s))] for s in SHAPES]
    grads = []
    for step in range(STEPS):
        row = []
        for i, s in enumerate(SHAPES):
            g = [f32(rng.uniform(-1, 1) * (1 + step)) for _ in range(numel(s))]
            row.append(None if step in SKIPPED.get(i, ()) else g)
        grads.append(row)
    return init, grads


def group(params, **options):
    return {"params": params, "options": options}


ALL = [0, 1, 2]
CASES = [
    ("sgd", "sgd", [group(ALL, lr=0.1)]),
    ("sgd_momentum", "sgd", [group(ALL, lr=0.1, momentum=0.9)]),
    ("sgd_dampening_wd", "sgd", [group(ALL, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)]),
    ("sgd_nesterov_wd", "sgd", [group(ALL, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.001)]),
    ("sgd_groups", "sgd", [group([0, 2], lr=0.1, momentum=0.5), group([1], lr=0.03, momentum=0.8, nesterov=True)]),
    ("adagrad", "adagrad", [group(ALL, lr=0.1)]),
    ("adagrad_decay_init_wd", "adagrad", [group(ALL, lr=0.1, lr_decay=0.05, initial_accumulator_value=0.1, weight_decay=0.01)]),
    ("rmsprop", "rmsprop", [group(ALL, lr=0.01)]),
    ("rmsprop_centered_momentum_wd", "rmsprop", [group(ALL, lr=0.01, centered=True, momentum=0.9, weight_decay=0.01)]),
    ("rmsprop_momentum_alpha", "rmsprop", [group(ALL, lr=0.02, momentum=0.5, alpha=0.9)]),
    ("adam", "adam", [group(ALL, lr=0.01)]),
    ("adam_amsgrad_wd_betas", "adam", [group(ALL, lr=0.01, amsgrad=True, weight_decay=0.01, beta1=0.8, beta2=0.99)]),
    ("adam_groups", "adam", [group([0], lr=0.01), group([1, 2], lr=0.003, eps=1e-6)]),
    ("adamw", "adamw", [group(ALL, lr=0.01)]),
    ("adamw_amsgrad", "adamw", [group(ALL, lr=0.01, weight_decay=0.1, amsgrad=True)]),
    ("adadelta", "adadelta", [group(ALL, lr=1.0)]),
    ("adadelta_rho_wd", "adadelta", [group(ALL, lr=0.5, rho=0.8, weight_decay=0.01)]),
]


def torch_group(kind, params, options):
    o = dict(options)
    if "beta1" in o or "beta2" in o:
        o["betas"] = (o.pop("beta1", 0.9), o.pop("beta2", 0.999))
    o["foreach"] = False  # the single-tensor path
    return dict(params=params, **o)


def make_optimizer(kind, params, groups):
    cls = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
           "adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "adadelta": torch.optim.Adadelta}[kind]
    tg = [torch_group(kind, [params[i] for i in g["params"]], g["options"]) for g in groups]
    if kind == "sgd":
        return cls(tg, lr=0.01)  # lr is required even when every group sets it
    if kind == "adagrad":
        # Adagrad fills state['sum'] in its constructor from the constructor's
        # initial_accumulator_value, ignoring a group's own: pass it there.
        iav = {g["options"].get("initial_accumulator_value", 0) for g in groups}
        assert len(iav) == 1, "torch cannot give groups different initial_accumulator_values"
        return cls(tg, initial_accumulator_value=iav.pop())
    return cls(tg)


def run_case(kind, groups, dtype, init, grads):
    params = [torch.tensor(v, dtype=dtype).reshape(s).requires_grad_(True) for v, s in zip(init, SHAPES)]
    opt = make_optimizer(kind, params, groups)
    out = []
    for row in grads:
        for p, g in zip(params, row):
            p.grad = None if g is None else torch.tensor(g, dtype=dtype).reshape(p.shape)
        opt.step()
        out.append([p.detach().reshape(-1).tolist() for p in params])
    return out


def child(capability):
    """Runs every case under the capability this process was started with."""
    torch.set_num_threads(1)
    init, grads = data()
    res = {}
    for name, kind, groups in CASES:
        res[name] = {"f64": run_case(kind, groups, torch.float64, init, grads),
                     "f32": run_case(kind, groups, torch.float32, init, grads)}
    shown = [l.strip() for l in torch.__config__.show().splitlines() if "CPU capability usage" in l]
    json.dump({"capability": shown[0] if shown else "?", "results": res}, sys.stdout)


def run_child(capability):
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability, OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", capability],
                         env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class Num:
    def __init__(self, text):
        self.text = text


def num64(x):
    return Num(repr(float(x)))


def num32(x):
    return Num(fmt32(x))


def flat(obj):
    """True for values small enough to write on one line: numbers, lists of
    numbers, lists of those, and objects of scalars (a step's parameters, options)."""
    if isinstance(obj, dict):
        return all(not isinstance(v, (dict, list)) for v in obj.values())
    if isinstance(obj, list):
        return all(v is None or isinstance(v, (Num, float, int)) or
                   (isinstance(v, list) and all(isinstance(x, (Num, float, int)) for x in v)) for v in obj)
    return True


def dumps_num(obj, indent=0):
    """JSON with a step's numbers on one line and nested objects indented."""
    pad = "  " * indent
    if isinstance(obj, Num):
        return obj.text
    if isinstance(obj, float):
        return repr(obj)
    if isinstance(obj, dict):
        if flat(obj):
            return "{" + ", ".join(f"{json.dumps(k)}: {dumps_num(v)}" for k, v in obj.items()) + "}"
        items = [f"{pad}  {json.dumps(k)}: {dumps_num(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if flat(obj):
            return "[" + ", ".join(dumps_num(v) for v in obj) + "]"
        items = [pad + "  " + dumps_num(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj)


def optim_fixture():
    init, grads = data()
    runs = {cap: run_child(cap) for cap in ("default", "avx2")}
    if "AVX2" not in runs["avx2"]["capability"]:
        print("warning: this CPU has no AVX2; the avx2_* entries come from", runs["avx2"]["capability"], file=sys.stderr)

    def trajectory(vals, single):
        conv = num32 if single else num64
        return [[None if p is None else [conv(v) for v in p] for p in step] for step in vals]

    cases = []
    for name, kind, groups in CASES:
        d, a = runs["default"]["results"][name], runs["avx2"]["results"][name]
        cases.append({
            "name": name, "kind": kind, "groups": groups,
            # Parameters after each step, flattened row-major.
            "default_f64": trajectory(d["f64"], False), "default_f32": trajectory(d["f32"], True),
            # After the last step only.
            "avx2_f64": trajectory(a["f64"], False)[-1], "avx2_f32": trajectory(a["f32"], True)[-1],
        })
    return {
        "generator": "scripts/gen_torch_fixtures.py",
        "torch_version": torch.__version__,
        "capabilities": {cap: runs[cap]["capability"] for cap in runs},
        "steps": STEPS, "shapes": SHAPES,
        "init": [[num32(v) for v in p] for p in init],  # float32 values, also used for the f64 runs
        "grads": [[None if g is None else [num32(v) for v in g] for g in row] for row in grads],
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------
BASE_LRS = [0.1, 0.02]


def sched_cases():
    S = torch.optim.lr_scheduler
    # (name, our Schedule fields, parse text or None, total_steps, steps recorded, constructor)
    return [
        ("constant", {"kind": "constant"}, "constant", 0, 10, lambda o: S.LambdaLR(o, lambda k: 1.0)),
        ("step", {"kind": "step", "step_size": 7, "gamma": 0.5}, "step:7:0.5", 0, 40, lambda o: S.StepLR(o, 7, 0.5)),
        ("step_default_gamma", {"kind": "step", "step_size": 10}, "step:10", 0, 40, lambda o: S.StepLR(o, 10)),
        ("exp", {"kind": "exp", "gamma": 0.93}, "exp:0.93", 0, 40, lambda o: S.ExponentialLR(o, 0.93)),
        ("cosine_restart", {"kind": "cosine", "t_max": 15}, "cosine:15", 0, 40,
         lambda o: S.CosineAnnealingLR(o, T_max=15)),
        ("cosine_eta_min", {"kind": "cosine", "t_max": 30, "eta_min": 0.001}, "cosine:30:0.001", 0, 30,
         lambda o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001)),
        ("warmup", {"kind": "warmup", "warmup_steps": 8, "start_factor": 0.1}, "warmup:8:0.1", 0, 20,
         lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=8)),
        ("warmup_default_factor", {"kind": "warmup", "warmup_steps": 5}, "warmup:5", 0, 12,
         lambda o: S.LinearLR(o, end_factor=1.0, total_iters=5)),
        ("warmup_cosine", {"kind": "warmup-cosine", "warmup_steps": 5, "start_factor": 0.1, "eta_min": 0.0005,
                           "total_steps": 30}, "warmup-cosine:5:0.1:0.0005", 30, 30,
         lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                      S.CosineAnnealingLR(o, T_max=25, eta_min=0.0005)], milestones=[5])),
        ("cyclic", {"kind": "cyclic", "max_lr": 0.5, "step_size_up": 4}, "cyclic:0.5:4", 0, 30,
         lambda o: S.CyclicLR(o, base_lr=BASE_LRS, max_lr=0.5, step_size_up=4, cycle_momentum=False)),
        ("cyclic_down", {"kind": "cyclic", "max_lr": 0.3, "step_size_up": 3, "step_size_down": 5}, None, 0, 30,
         lambda o: S.CyclicLR(o, base_lr=BASE_LRS, max_lr=0.3, step_size_up=3, step_size_down=5,
                              cycle_momentum=False)),
        ("cyclic_triangular2", {"kind": "cyclic", "max_lr": 0.5, "step_size_up": 3, "mode": "triangular2"},
         "cyclic:0.5:3:triangular2", 0, 30,
         lambda o: S.CyclicLR(o, base_lr=BASE_LRS, max_lr=0.5, step_size_up=3, mode="triangular2",
                              cycle_momentum=False)),
        ("cyclic_exp_range", {"kind": "cyclic", "max_lr": 0.5, "step_size_up": 5, "mode": "exp_range",
                              "gamma": 0.97}, "cyclic:0.5:5:exp_range:0.97", 0, 30,
         lambda o: S.CyclicLR(o, base_lr=BASE_LRS, max_lr=0.5, step_size_up=5, mode="exp_range", gamma=0.97,
                              cycle_momentum=False)),
        ("onecycle", {"kind": "onecycle", "total_steps": 30}, "onecycle", 30, 30,
         lambda o: S.OneCycleLR(o, max_lr=BASE_LRS, total_steps=30, cycle_momentum=False)),
        ("onecycle_linear", {"kind": "onecycle", "total_steps": 25, "pct_start": 0.25, "anneal": "linear",
                             "div_factor": 10.0, "final_div_factor": 100.0}, None, 25, 25,
         lambda o: S.OneCycleLR(o, max_lr=BASE_LRS, total_steps=25, pct_start=0.25, anneal_strategy="linear",
                                div_factor=10.0, final_div_factor=100.0, cycle_momentum=False)),
    ]


def sched_fixture():
    import warnings
    warnings.simplefilter("ignore")
    cases = []
    for name, spec, text, total, n, make in sched_cases():
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([{"params": [p], "lr": BASE_LRS[0]},
                               {"params": [torch.zeros(1, requires_grad=True)], "lr": BASE_LRS[1]}], lr=0.01)
        sched = make(opt)
        lrs = []
        for k in range(n + 1):  # lrs of optimizer steps 0 .. n
            lrs.append([num64(g["lr"]) for g in opt.param_groups])
            if k < n:
                opt.step()
                sched.step()
        case = {"name": name, "schedule": spec, "total_steps": total, "lrs": lrs}
        if text is not None:
            case["text"] = text
        cases.append(case)
    return {"generator": "scripts/gen_torch_fixtures.py", "torch_version": torch.__version__,
            "base_lrs": BASE_LRS, "cases": cases}


def write(name, obj):
    path = os.path.join(FIXTURES, name)
    with open(path, "w") as f:
        f.write(dumps_num(obj) + "\n")
    print("wrote", os.path.relpath(path, ROOT), os.path.getsize(path), "bytes")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        return child(sys.argv[2])
    torch.set_num_threads(1)
    write("torch_optim.json", optim_fixture())
    write("torch_schedule.json", sched_fixture())


if __name__ == "__main__":
    main()
