"""Sample-quality metrics of the validation library (x, y: arrays [n, dim], float64/float32/integer).

fd: squared Frechet distance of Gaussian fits; kid: Kernel Inception Distance (unbiased MMD^2);
sw: sliced Wasserstein-2, squared; energy: energy distance; tv: total variation of nearest-atom weights.
"""
from ._pmm import metrics as _native

fd = _native.fd
kid = _native.kid
sw = _native.sw
energy = _native.energy
tv = _native.tv

__all__ = ["fd", "kid", "sw", "energy", "tv"]
