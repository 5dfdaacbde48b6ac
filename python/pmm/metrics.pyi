# Type stub for pmm.metrics.
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
