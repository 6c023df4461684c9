"""A planted wrong gradient: an MLP whose tanh is a custom autograd.Function
with the sign of its backward flipped (g*(1 + y*y) instead of g*(1 - y*y)).
Its forward values are right, so only a node-by-node gradient audit sees it:
`veritape audit --torch` must name %tanh (backward) and its fx node."""
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F


class PlantedTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * (1 + y * y)  # planted: the derivative of tanh is 1 - y*y


def planted_tanh(x):
    return PlantedTanh.apply(x)


planted_tanh.veritape_op = "tanh"  # the op table's op this function claims to compute
torch.fx.wrap("planted_tanh")     # traced as one call, not through its body


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 8), nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(planted_tanh(self.fc1(x)))


def model():
    return Net()


def inputs():
    return {"x": torch.randn(16, 4), "label": torch.randint(0, 3, (16,))}


def loss(output, inputs):
    return F.cross_entropy(output, inputs["label"])
