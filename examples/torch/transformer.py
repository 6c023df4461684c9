"""The tiny transformer of examples/graphs/tiny_transformer.vtg written in
plain torch (one pre-norm block: embedding, layer_norm, four-head attention
from matmul/softmax, an MLP, a head, cross_entropy on next tokens), for
`veritape audit --torch examples/torch/transformer.py`. Attention is written
out because torch 1.13 (Debian's) has no F.scaled_dot_product_attention."""
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB, SEQ, DIM, HEADS = 10, 8, 32, 4


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.pos = nn.Parameter(torch.randn(SEQ, DIM) * 0.1)
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(DIM), nn.LayerNorm(DIM), nn.LayerNorm(DIM)
        self.q, self.k, self.v, self.out = (nn.Linear(DIM, DIM) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(DIM, 2 * DIM), nn.Linear(2 * DIM, DIM)
        self.head = nn.Linear(DIM, VOCAB)

    def heads(self, x):  # [B, T, DIM] -> [B, HEADS, T, DIM / HEADS]
        return x.reshape(x.shape[0], SEQ, HEADS, DIM // HEADS).permute(0, 2, 1, 3)

    def forward(self, tokens):
        x = self.embed(tokens) + self.pos
        h = self.ln1(x)
        q, k, v = self.heads(self.q(h)), self.heads(self.k(h)), self.heads(self.v(h))
        scores = torch.matmul(q, k.transpose(-2, -1)) * (DIM // HEADS) ** -0.5
        attended = torch.matmul(torch.softmax(scores, dim=-1), v)
        x = x + self.out(attended.permute(0, 2, 1, 3).reshape(x.shape[0], SEQ, DIM))
        x = x + self.fc2(F.relu(self.fc1(self.ln2(x))))
        return self.head(self.ln3(x))


def model():
    return Block()


def inputs():
    tokens = torch.randint(0, VOCAB, (2, SEQ + 1))
    return {"tokens": tokens[:, :SEQ], "targets": tokens[:, 1:].reshape(-1)}


def loss(output, inputs):
    return F.cross_entropy(output.reshape(-1, VOCAB), inputs["targets"])
