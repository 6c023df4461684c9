"""A small CNN on 8x8 handwritten digits (data/digits.csv.gz, the first 32
images), written in plain torch: conv2d, relu, max_pool2d, avg_pool2d,
flatten, linear, log_softmax and a mean-squared loss on the one-hot labels,
for `veritape audit --torch examples/torch/cnn.py`."""
import gzip
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "digits.csv.gz")


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 2 * 2, 10)

    def forward(self, images):
        h = self.pool(F.relu(self.conv1(images)))       # 8 x 4 x 4
        h = F.avg_pool2d(F.relu(self.conv2(h)), 2)       # 16 x 2 x 2
        return F.log_softmax(self.fc(torch.flatten(h, 1)), dim=1)


def model():
    return CNN()


def inputs():
    with gzip.open(DATA, "rt") as f:
        rows = np.loadtxt(f, delimiter=",", max_rows=32)
    images = torch.tensor(rows[:, :64] / 16.0, dtype=torch.float32).reshape(32, 1, 8, 8)
    labels = torch.tensor(rows[:, 64], dtype=torch.int64)
    return {"images": images, "onehot": F.one_hot(labels, 10).to(torch.float32)}


def loss(output, inputs):
    return F.mse_loss(output.exp(), inputs["onehot"])
