"""Sample-quality metrics of the validation library (x, y: arrays [n, dim], float64/float32/integer).

fd: squared Frechet distance of Gaussian fits; kid: Kernel Inception Distance (unbiased MMD^2);
sw: sliced Wasserstein-2, squared; energy: energy distance; tv: total variation of nearest-atom weights.
bpc: bits per character of a text model (a TorchScript file) on text, as ``pmm-text bpc`` (needs LibTorch).
"""
from ._pmm import metrics as _native

fd = _native.fd
kid = _native.kid
sw = _native.sw
energy = _native.energy
tv = _native.tv
bpc = _native.bpc

__all__ = ["fd", "kid", "sw", "energy", "tv", "bpc"]
