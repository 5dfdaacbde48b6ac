# Type stub for pmm.metrics.
from typing import Any, Dict, Literal, Optional, Union, overload

import numpy.typing as npt

def fd(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Squared Frechet distance between Gaussian fits of x and y [n, dim]."""
    ...
def kid(x: npt.ArrayLike, y: npt.ArrayLike, subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> float:
    """Kernel Inception Distance (unbiased polynomial-kernel MMD^2 over random subsets)."""
    ...
def sw(x: npt.ArrayLike, y: npt.ArrayLike, projections: int = 128, seed: int = 0) -> float:
    """Sliced Wasserstein-2, squared."""
    ...
def energy(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """Energy distance."""
    ...
def tv(samples: npt.ArrayLike, atoms: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> float:
    """Total variation of the samples' nearest-atom weights against the target's weights."""
    ...
@overload
def bpc(model: str, text: Optional[str] = None, *, data: Optional[str] = None, alphabet: Optional[str] = None,
        max_chars: int = 0, passes: int = 4, batch: int = 256, schedule: Optional[str] = None, seed: int = 0,
        device: str = "cpu", full: Literal[False] = False) -> float:
    """Bits per character of a TorchScript text model on text (pmm-text bpc): eq. 169 (PMM), exact (autoregressive)."""
    ...
@overload
def bpc(model: str, text: Optional[str] = None, *, data: Optional[str] = None, alphabet: Optional[str] = None,
        max_chars: int = 0, passes: int = 4, batch: int = 256, schedule: Optional[str] = None, seed: int = 0,
        device: str = "cpu", full: Literal[True]) -> Dict[str, Any]:
    """With full=True: bpc, standard_error, kind, windows, characters, scored_characters, evaluations, seconds, vocabulary."""
    ...
