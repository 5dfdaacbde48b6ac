# Export a PyTorch posterior-mean predictor for `pmm-solve --model FILE` (documentation; not run in CI:
# Python torch is not installed on the build machines). The contract pmm checks on load:
#   forward(mu: Tensor[B, ...], t: Tensor[B]) -> Tensor[B, ...]   (float32, same shape as mu)
# g(mu, t) must approximate E[x | mu(t) = mu] for the process and schedule given to pmm-solve
# (Gamma-Poisson: g > 0). An optional `event_shape: List[int]` attribute gives the per-sample shape
# (e.g. [1, 28, 28]); without it pmm uses [dim] of the target.
import math
from typing import List

import torch


class Predictor(torch.nn.Module):
    event_shape: List[int]

    def __init__(self, dim: int, width: int = 256, b: float = 2.0):
        super().__init__()
        self.event_shape = [dim]
        self.b = b
        self.net = torch.nn.Sequential(
            torch.nn.Linear(dim + 1, width), torch.nn.SiLU(),
            torch.nn.Linear(width, width), torch.nn.SiLU(),
            torch.nn.Linear(width, dim))

    def forward(self, mu: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        # Exponential schedule of the paper: F(t) = (exp(13 t) - 1) / 250.
        F = torch.expm1(13.0 * t) / 250.0
        scale = (self.b + F) / torch.sqrt(F.clamp(min=1e-6) * (1.0 + F))
        return self.net(torch.cat([mu * scale[:, None], t[:, None]], dim=1))


model = Predictor(dim=2)
# ... train model here ...
torch.jit.script(model.eval()).save("predictor.pt")
# Then: pmm-solve --process normal --schedule exponential --model predictor.pt --solver heun ...
