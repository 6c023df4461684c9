"""python3 -m veritape_torch export MODEL.py --out DIR [--entry NAME] [--inputs INPUTS.npz] [--dtype float32|float64]
python3 -m veritape_torch worker   (the foreign-backend protocol on stdin/stdout, docs/bridge-protocol.md)"""
import argparse
import sys

from . import model_file
from .export import DTYPE_NAMES, export
from .trace import ExportError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m veritape_torch",
                                     description="veritape's PyTorch bridge: export a model's graph, values and gradients.")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="trace MODEL.py and write DIR/model.vtg, values.npz, meta.json")
    ex.add_argument("model", help="a model file defining model(), inputs() and loss(output, inputs)")
    ex.add_argument("--out", required=True, help="output folder (created; its three files replaced)")
    ex.add_argument("--entry", default="model", help="the function that builds the model (default: model)")
    ex.add_argument("--inputs", help="NPZ of the inputs by name, instead of inputs()")
    ex.add_argument("--dtype", default="float32", choices=sorted(DTYPE_NAMES), help="the model's float dtype")
    ex.add_argument("--seed", type=int, default=0, help="torch.manual_seed before model() and inputs()")
    sub.add_parser("worker", help="serve run_graph/run_op requests on stdin/stdout (docs/bridge-protocol.md)")
    args = parser.parse_args(argv)
    if args.command == "worker":
        from .worker import main as worker_main
        return worker_main()
    try:
        meta = export(args.model, args.out, args.entry, args.inputs, args.dtype, args.seed)
    except (ExportError, model_file.ModelFileError) as e:
        print(f"veritape_torch export: {e}", file=sys.stderr)
        return 1
    print(f"exported {len(meta['nodes'])} values of {args.model} to {args.out} (torch {meta['torch']}, "
          f"{meta['export_seconds']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
