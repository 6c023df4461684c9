"""veritape's PyTorch bridge: export a torch model's graph, values and
gradients for `veritape audit` (see bridges/README.md)."""

__version__ = "0.1.0"
