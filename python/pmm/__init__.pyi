# Type stub for the pmm package (the native extension pmm._pmm and its re-exports), for editors' completion.
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple, TypedDict, Union

import numpy as np
import numpy.typing as npt

from . import metrics as metrics

__version__: str

ArrayLike = npt.ArrayLike
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

has_torch: bool  # built with LibTorch: TorchScript models (model="file.pt") and pmm.metrics.bpc

class _Model(Protocol):
    def __call__(self, mu: FloatArray, t: FloatArray) -> ArrayLike: ...

class SolveResult(TypedDict, total=False):
    samples: Union[FloatArray, IntArray]  # [paths, dim] float64; dirichlet-categorical: int32 token ids [paths, length]
    trajectory: Optional[FloatArray]  # [saves, paths, dim]; dirichlet-categorical: masked fraction [saves, paths]
    times: Optional[FloatArray]    # [saves]
    x: Union[FloatArray, IntArray]  # [paths, dim] (tokens: [paths, length]), with given_x=True
    nfe: int                       # per path (dirichlet-categorical: the largest over paths)
    seconds: float
    solver: str
    predictor: str
    # dirichlet-categorical only:
    text: List[str]                # one decoded sequence per path (pmm-solve --out s.txt's lines)
    x_text: List[str]              # with given_x=True
    nfe_mean: float
    leftover_positions: int        # positions still masked at t = 1, each filled with 1 NFE
    leftover_paths: int
    alphabet: str                  # symbols of ids 0..V-1
    length: int
    schedule: str

def solve(
    process: str = "normal",
    target: Union[str, ArrayLike, None] = None,
    weights: Union[str, ArrayLike, None] = None,
    solver: Optional[str] = None,
    steps: int = 100,
    paths: int = 10000,
    seed: int = 0,
    threads: Optional[int] = None,
    save_every: Optional[int] = None,
    given_x: bool = False,
    final: Optional[str] = None,
    prior: Optional[Dict[str, float]] = None,
    schedule: Optional[str] = None,
    grid: str = "uniform",
    device: str = "cpu",
    model: Union[Callable[[FloatArray, FloatArray], ArrayLike], str, None] = None,
    dim: Optional[int] = None,
    ode_tol: float = 1e-5,
    length: Optional[int] = None,
    alphabet: Optional[str] = None,
) -> SolveResult:
    """Simulate a PMM posterior-mean process from mu(0) to mu(1) (as pmm-solve); see help(pmm.solve).

    process "dirichlet-categorical" samples token sequences (target "markov:FILE", a sequence set, or model a
    TorchScript file); model may be a Python callable or a TorchScript file name (needs has_torch).
    """
    ...

class Schedule:
    """A precision schedule: rate f(t) >= 0 on [0, 1] and its exact integral F(t)."""
    def __init__(self, spec: str = "exponential") -> None: ...
    def F(self, t: Union[float, ArrayLike]) -> Any:
        """F(t) = int_0^t f(s) ds, exact; vectorised."""
        ...
    def f(self, t: Union[float, ArrayLike]) -> Any:
        """The rate f(t); vectorised."""
        ...
    def alpha(self, t0: Union[float, ArrayLike], t1: Union[float, ArrayLike]) -> Any:
        """F(t1) - F(t0)."""
        ...
    def describe(self) -> str: ...

class Oracle:
    """The exact posterior-mean predictor g(mu, t) = E[x | mu(t) = mu] of a target; callable as a model."""
    def __init__(
        self,
        target: Union[str, ArrayLike] = "builtin:gmm2d",
        weights: Union[str, ArrayLike, None] = None,
        process: str = "normal",
        schedule: str = "exponential",
        prior: Optional[Dict[str, float]] = None,
    ) -> None: ...
    @property
    def dim(self) -> int: ...
    @property
    def batch(self) -> int: ...
    def __call__(self, mu: ArrayLike, t: Union[float, ArrayLike]) -> FloatArray: ...
    def predict(self, mu: ArrayLike, t: Union[float, ArrayLike]) -> FloatArray: ...
    def sample(self, n: int, seed: int = 0) -> FloatArray: ...
    def atoms(self) -> Optional[Tuple[FloatArray, FloatArray]]: ...

def make_grid(steps: int, schedule: str = "exponential", grid: str = "uniform") -> FloatArray:
    """The time grid pmm.solve uses: steps + 1 increasing times from 0 to 1."""
    ...

def solvers(process: str) -> List[str]:
    """Solvers that fit a process."""
    ...

def builtin_targets(process: str) -> List[str]:
    """Names of the built-in targets of a process."""
    ...

def checks() -> List[Tuple[str, str]]:
    """Names and short descriptions of pmm-validate's checks, in suite order."""
    ...

def validate(quick: bool = True, checks: Union[str, List[str], None] = None, seed: int = 0,
             threads: Optional[int] = None) -> Any:
    """Run pmm-validate's checks; the check table (a pandas DataFrame when pandas is importable, else a list of dicts)."""
    ...

def sweep(process: str = "normal", target: Union[str, ArrayLike] = "builtin:gmm2d",
          weights: Union[str, ArrayLike, None] = None, solvers: Optional[List[str]] = None,
          steps: Union[int, List[int], Tuple[int, ...]] = (10, 20, 50, 100), paths: int = 10000, seeds: int = 1,
          seed: int = 0, metrics: Tuple[str, ...] = ("fd", "sw"), ref_paths: Optional[int] = None,
          threads: Optional[int] = None, prior: Optional[Dict[str, float]] = None, schedule: str = "exponential",
          grid: str = "uniform", final: str = "denoise") -> Any:
    """Sample quality against steps for several solvers; rows as a pandas DataFrame, else a dict of lists."""
    ...
