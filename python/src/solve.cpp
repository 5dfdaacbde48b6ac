// pmm.solve: the pmm-solve run (apps/pmm-solve.cpp) with NumPy in and out: the real-valued processes here, the
// Dirichlet-Categorical tokens in tokens.cpp. Same process, grid, predictor and noise as the CLI, so the same seed
// gives the same bytes.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include <fmt/format.h>

#include <pmm/core/error.hpp>
#include <pmm/device/device.hpp>
#include <pmm/models/oracles/builtin.hpp>
#include <pmm/processes/schedule.hpp>
#include <pmm/random/noise.hpp>
#include <pmm/solvers/probability_flow.hpp>
#include <pmm/solvers/registry.hpp>
#include "apps/common/options.hpp"
#include "apps/common/process_options.hpp"
#include "apps/common/targets.hpp"
#include "common.hpp"

namespace pmm::py_bind {

namespace {

struct Interrupted {};  // thrown by the progress callback when the main thread saw a signal

const char* kSolveDoc = R"doc(Simulate a PMM posterior-mean process from mu(0) to mu(1) (as ``pmm-solve``).

Arguments take the command line's names and defaults (``pmm-solve --help``); the same seed gives the same
bytes as ``pmm-solve --out`` / ``--trajectory``, for any ``threads``.

Parameters
----------
process : str
    ``"normal"``, ``"gamma-poisson"``, ``"inverse-gamma-gamma"`` or ``"dirichlet-categorical"`` (token
    sequences; see "Tokens" below).
target : str or array_like, optional
    ``"builtin:NAME"``, a ``.npy`` point-set file or a ``.json`` mixture file; or an array of points
    ``[n, dim]`` (``[n]``: dim 1), float64/float32/integer, any memory order: the exact finite-set oracle.
    Default: the process's built-in target (``builtin:gmm2d`` for normal) when no ``model`` is given.
    dirichlet-categorical: ``"markov:TEXTFILE[,smoothing=S]"`` (a Markov chain estimated from the file), or
    a sequence set ``"seqs.npy"`` (int ``[n, length]``) or a text file of sequences (the token oracles).
weights : str or array_like, optional
    Target weights ``[n]`` (>= 0, any scale) for an array target, or a ``.npy`` file for a ``.npy`` target.
solver : str, optional
    ``exact | euler-maruyama | heun | ode | ode-rk4 | ode-heun`` (normal), ``tau-leap | tau-leap-midpoint``
    (gamma-poisson), ``fixed-grid | event-driven`` (dirichlet-categorical), ...; default: heun (normal),
    tau-leap (gamma-poisson), exact (inverse-gamma-gamma), event-driven (dirichlet-categorical).
steps, paths, seed : int
    Grid steps, sample paths, random seed (results depend on the seed alone).
threads : int, optional
    CPU threads (default: all cores); results do not depend on it.
save_every : int, optional
    Save mu every K steps into ``trajectory`` (default: steps // 100; 0: no trajectory).
given_x : bool
    Simulate conditional on x drawn from the target (returned as ``x``).
final : str, optional
    ``"denoise"`` (the default, as pmm-solve): g(mu(1), 1), one more NFE; ``"mean"``: samples are mu(1).
    dirichlet-categorical: not applicable (every position is revealed at t = 1); only None or ``"mean"``.
prior : dict, optional
    Prior parameters, e.g. ``{"b": 2}`` (normal), ``{"beta1": 0.1, "beta2": 2}`` (gamma-poisson).
schedule : str, optional
    ``exponential[:a=..,k=..] | linear:a=..,b=.. | constant:c=.. | staircase:a=..,b=..,c=.. | table:FILE``;
    default: exponential. dirichlet-categorical also ``semi-ar[:width=W]``; its default: ``linear`` (the
    paper's 0.01 (1 + 2000 t)), or the model's schedule.
grid : str
    ``uniform | uniform-precision | power:rho=R``.
device : str
    ``cpu | thrust-cpp | cuda | cuda:N`` (off the CPU: the device path kernels, finite-set targets); with a
    TorchScript ``model``: where LibTorch runs the network (``cpu | cuda[:N]``), as pmm-solve --device.
model : callable or str, optional
    A predictor ``model(mu, t) -> ndarray``: mu float64 ``[B, dim]``, t float64 ``[B]``, returns ``[B, dim]``
    (e.g. a wrapped PyTorch module, or a :class:`pmm.Oracle`). Called once per batch with the GIL held for the
    call only; its exceptions propagate. Its ``dim`` and ``batch`` attributes are used when present.
    Or a TorchScript file name (``pmm-train`` output), loaded by pmm-solve's loader: the same bytes as
    ``pmm-solve --model FILE``. As there, the process, schedule and prior are this call's arguments
    (real-valued), while for dirichlet-categorical the length, alphabet and schedule default to the file's.
    Needs a build with LibTorch (``pmm.has_torch``); otherwise RuntimeError.
dim : int, optional
    Dimension of ``model``'s samples when it has no ``dim`` attribute.
ode_tol : float
    ``solver="ode"``: dopri5 relative and absolute tolerance.
length : int, optional
    dirichlet-categorical: sequence length (default 64, or the model's).
alphabet : str, optional
    dirichlet-categorical: ``text8 | chars:SYMBOLS`` (default text8, or the model's vocabulary).

Returns
-------
dict
    ``samples`` float64 ``[paths, dim]``; ``trajectory`` float64 ``[saves, paths, dim]`` and ``times``
    ``[saves]`` (None without saves or with an ODE solver); ``x`` ``[paths, dim]`` when ``given_x``; ``nfe``
    (predictor evaluations per path), ``seconds``, ``solver``, ``predictor``. The arrays own the solver's
    buffers (no copy). Ctrl-C raises KeyboardInterrupt within about 0.1 s.

Tokens (dirichlet-categorical)
------------------------------
``samples`` int32 ``[paths, length]`` token ids (the bytes of ``pmm-solve --out s.npy``) and ``text``, one
decoded string per path (the lines of ``--out s.txt``); ``trajectory``: the masked fraction per path at
``times`` ``[saves, paths]`` (``save_every`` None: 101 saves as ``--trajectory``; 0: none; K: steps // K + 1);
``x`` and ``x_text`` with ``given_x``; ``nfe`` (max over paths), ``nfe_mean``, ``leftover_positions``,
``leftover_paths``, ``seconds``, ``solver``, ``predictor``, ``alphabet``, ``length``, ``schedule``.

Raises
------
ValueError, TypeError
    Bad arguments, naming the argument (``"steps: must be in [1, 1e7], got 0"``).
)doc";

py::dict py_solve(py::object process_arg, py::object target, py::object weights, py::object solver_arg,
                  py::object steps_arg, py::object paths_arg, std::uint64_t seed, py::object threads_arg,
                  py::object save_every_arg, bool given_x, py::object final_arg, py::object prior, py::object schedule,
                  py::object grid_arg, py::object device_arg, py::object model, py::object dim_arg, double ode_tol,
                  py::object length_arg, py::object alphabet_arg) {
  const std::string process_name_arg = str_arg(process_arg, "process");
  const std::string grid_name = str_arg(grid_arg, "grid"), device = str_arg(device_arg, "device");
  const long long steps_ll = int_arg(steps_arg, "steps"), paths = int_arg(paths_arg, "paths");
  require(steps_ll >= 1 && steps_ll <= 10000000, "steps", fmt::format("must be in [1, 1e7], got {}", steps_ll));
  const int steps = static_cast<int>(steps_ll);
  require(paths >= 1 && paths < (1ll << 32), "paths", fmt::format("must be in [1, 2^32), got {}", paths));
  const int threads = threads_arg.is_none() ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                                            : static_cast<int>(std::clamp<long long>(int_arg(threads_arg, "threads"), -1, 1 << 20));
  require(threads >= 1 && threads <= 1024, "threads", fmt::format("must be in [1, 1024], got {}", threads));
  if (process_name_arg == "dirichlet-categorical") {
    TokenArgs t;
    t.target = target, t.weights = weights, t.solver = solver_arg, t.save_every = save_every_arg;
    t.final_mode = final_arg, t.prior = prior, t.schedule = schedule, t.device = device_arg, t.model = model;
    t.dim = dim_arg, t.length = length_arg, t.alphabet = alphabet_arg, t.grid = grid_name;
    t.steps = steps, t.threads = threads, t.paths = paths, t.seed = seed, t.given_x = given_x;
    return solve_tokens(t);
  }
  require(length_arg.is_none(), "length", "only applies to process='dirichlet-categorical'");
  require(alphabet_arg.is_none(), "alphabet", "only applies to process='dirichlet-categorical'");
  const std::string final_mode = final_arg.is_none() ? std::string(kDefaultFinal) : str_arg(final_arg, "final");
  int save_every = save_every_arg.is_none() ? std::max(1, steps / 100)
                                           : static_cast<int>(std::clamp<long long>(int_arg(save_every_arg, "save_every"), -1, 1 << 30));
  require(save_every >= 0, "save_every", fmt::format("must be >= 0, got {}", save_every));
  require(final_mode == "mean" || final_mode == "denoise", "final", "expected 'mean' or 'denoise', got '" + final_mode + "'");
  const DeviceSpec device_spec = parse_device(device, "device");
  const AnyProcess process = process_from(process_name_arg, schedule, prior);
  const std::string pname = process_name(process);
  std::string solver = solver_arg.is_none() ? "" : str_arg(solver_arg, "solver");
  if (solver.empty()) solver = default_solver(pname);
  const bool ode = is_ode_solver(solver);
  if (ode) {
    require(pname == "normal", "solver", "'" + solver + "' (the probability-flow ODE) is for the normal process");
    require(!given_x, "given_x", "the probability-flow ODE samples the marginal law; simulate given x with an SDE solver");
    require(std::isfinite(ode_tol) && ode_tol > 0 && ode_tol < 1, "ode_tol", fmt::format("must be in (0, 1), got {}", ode_tol));
    require(solver != "ode" || device_spec.kind == DeviceKind::kCpu, "device",
            "the adaptive probability-flow ODE 'ode' (dopri5) runs on the CPU only; on a device use ode-rk4 or ode-heun");
    save_every = 0;
  } else {
    check_solver(pname, solver);
  }
  const SchedulePtr sched = std::visit([](const auto& p) { return p.schedule; }, process);
  const std::vector<double> grid = make_grid(parse_grid(grid_name, "grid"), *sched, steps);
  if (!ode) {
    const std::string warn = first_step_warning(*sched, grid, "grid");
    if (!warn.empty() && PyErr_WarnEx(PyExc_UserWarning, warn.c_str(), 1) != 0) throw py::error_already_set();
  }

  // ---- predictor ----
  const bool has_model = !model.is_none();
  const bool torchscript = has_model && py::isinstance<py::str>(model);  // a file name: pmm-solve --model
  if (has_model && !target.is_none()) throw py::value_error("model: give target or model, not both");
  if (given_x && has_model) throw py::value_error("given_x: needs a target (x is drawn from the target)");
  if (has_model && !torchscript && device_spec.kind != DeviceKind::kCpu)
    throw py::value_error("device: a Python model runs on the CPU; use device='cpu'");
  if (torchscript && device_spec.kind != DeviceKind::kCpu && device_spec.kind != DeviceKind::kCuda)
    throw py::value_error("device: a TorchScript model runs on cpu or cuda[:N] (LibTorch), not thrust-cpp");
  PredictorPtr predictor;
  OraclePtr oracle;
  Batch x;
  if (torchscript) {
    // pmm-solve --model FILE: the process, schedule and prior are the arguments', as on the command line.
    if (!weights.is_none()) throw py::value_error("weights: only applies to a target");
    if (!dim_arg.is_none()) throw py::value_error("dim: a TorchScript model has its own event_shape");
    predictor = load_torchscript_model(model.cast<std::string>(), device);
  } else if (has_model) {
    if (!PyCallable_Check(model.ptr())) throw py::type_error("model: expected a callable model(mu, t) -> ndarray");
    py::object d = dim_arg.is_none() ? py::getattr(model, "dim", py::none()) : dim_arg;
    if (d.is_none()) throw py::value_error("dim: needed with a model that has no 'dim' attribute");
    const Index dim = static_cast<Index>(int_arg(d, "dim"));
    require(dim >= 1, "dim", fmt::format("must be >= 1, got {}", dim));
    const Index batch = static_cast<Index>(int_arg(py::getattr(model, "batch", py::int_(1024)), "model.batch"));
    require(batch >= 1, "model", "its 'batch' attribute must be >= 1");
    if (!weights.is_none()) throw py::value_error("weights: only applies to a target");
    predictor = std::make_shared<CallablePredictor>(model, dim, batch);
  } else {
    if (target.is_none()) target = py::str("builtin:" + builtin_default(pname));
    oracle = oracle_from(process, target, weights);
    predictor = oracle;
  }
  const Index dim = predictor->dim();
  {
    const double saves = save_every > 0 ? static_cast<double>(steps / save_every + 1) : 0.0;
    const double batches = 4.0 + (given_x ? 1.0 : 0.0) + 2.0 * saves;
    require_memory(8.0 * static_cast<double>(paths) * static_cast<double>(dim) * batches, "paths",
                   fmt::format("{} paths of dimension {}", paths, dim));
  }
  if (given_x) {
    x = oracle->sample(static_cast<Index>(paths), seed);
    predictor = std::make_shared<GivenX>(x);
  }
  DevicePredictor device_pred;
  const bool on_device = device_spec.kind != DeviceKind::kCpu && !torchscript;
  if (on_device) {
    if (given_x) {
      device_pred.kind = DevicePredictor::Kind::kGivenX;
      device_pred.x = x;
    } else {
      device_pred.kind = DevicePredictor::Kind::kFiniteSet;
      require(oracle->atoms(&device_pred.points, &device_pred.weights), "device",
              "on the device the target must be a finite point set (or use given_x=True)");
    }
  }

  // ---- run: GIL released, Ctrl-C checked by this thread ----
  std::atomic<bool> cancel{false};
  auto progress = [&cancel](std::int64_t) {
    if (cancel.load(std::memory_order_relaxed)) throw Interrupted{};
  };
  PhiloxNoise noise(seed);
  IntegrateOptions opt;
  opt.grid = grid;
  opt.threads = threads;
  opt.save_every = save_every;
  opt.denoise = final_mode == "denoise";
  opt.progress = progress;
  ProbabilityFlowOptions flow;
  flow.ode.rtol = flow.ode.atol = ode_tol;
  Solution res;
  run_interruptible(
      [&] {
        res = on_device ? device_solve(process, solver, device_pred, seed, static_cast<Index>(paths), opt, device_spec, flow)
                        : solve(process, solver, *predictor, noise, static_cast<Index>(paths), opt, flow);
      },
      &cancel);

  py::dict out;
  out["samples"] = own_batch(std::move(res.final));
  if (!res.save_times.empty()) {
    const auto saves = static_cast<py::ssize_t>(res.save_times.size());
    out["trajectory"] = own_vector(std::move(res.trajectory), {saves, static_cast<py::ssize_t>(paths),
                                                               static_cast<py::ssize_t>(dim)});
    out["times"] = own_vector(std::move(res.save_times), {saves});
  } else {
    out["trajectory"] = py::none();
    out["times"] = py::none();
  }
  if (given_x) out["x"] = own_batch(std::move(x));
  out["nfe"] = res.nfe_max;
  out["seconds"] = res.seconds;
  out["solver"] = solver;
  out["predictor"] = predictor->describe();
  return out;
}

}  // namespace

void bind_solve(py::module_& m) {
  m.def("solve", &py_solve, kSolveDoc, py::arg("process") = "normal", py::arg("target") = py::none(),
        py::arg("weights") = py::none(), py::arg("solver") = py::none(), py::arg("steps") = 100,
        py::arg("paths") = 10000, py::arg("seed") = 0, py::arg("threads") = py::none(),
        py::arg("save_every") = py::none(), py::arg("given_x") = false, py::arg("final") = py::none(),
        py::arg("prior") = py::none(), py::arg("schedule") = py::none(), py::arg("grid") = "uniform",
        py::arg("device") = "cpu", py::arg("model") = py::none(), py::arg("dim") = py::none(),
        py::arg("ode_tol") = 1e-5, py::arg("length") = py::none(), py::arg("alphabet") = py::none());
}

}  // namespace pmm::py_bind
