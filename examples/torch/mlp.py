"""An MLP on the iris data (data/iris.csv), written in plain torch, for
`veritape audit --torch examples/torch/mlp.py`: the bridge traces model(),
runs it on inputs() and audits loss(output, inputs) node by node."""
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "iris.csv")


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 16)
        self.fc2 = nn.Linear(16, 16)
        self.head = nn.Linear(16, 3)

    def forward(self, x):
        h = torch.tanh(self.fc1(x))
        h = F.gelu(self.fc2(h))
        return self.head(h)


def model():
    return MLP()


def inputs():
    rows = np.loadtxt(DATA, delimiter=",", skiprows=1)
    x = torch.tensor(rows[:, :4], dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)  # standardized features
    return {"x": x, "label": torch.tensor(rows[:, 4], dtype=torch.int64)}


def loss(output, inputs):
    return F.cross_entropy(output, inputs["label"])
