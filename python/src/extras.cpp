// pmm.Schedule, pmm.make_grid, pmm.Oracle, pmm.metrics and the registry look-ups.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <pmm/models/oracles/builtin.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/processes/schedule.hpp>
#include "apps/common/targets.hpp"
#include "common.hpp"
#include "validation/metric_atoms.hpp"
#include "validation/metric_energy.hpp"
#include "validation/metric_frechet.hpp"
#include "validation/metric_kid.hpp"
#include "validation/metric_sliced_wasserstein.hpp"

namespace pmm::py_bind {

namespace {

struct PySchedule {
  SchedulePtr s;
  double F(double t) const { return s->F(t); }
  double f(double t) const { return s->f(t); }
  double alpha(double t0, double t1) const { return s->alpha(t0, t1); }
};

struct PyOracle {
  OraclePtr o;
  std::string process;
};

Batch checked_dim(py::handle obj, const std::string& name, Index dim) {
  Batch b = to_batch(obj, name);
  if (b.rows() != dim)
    throw py::value_error(fmt::format("{}: expected shape [n, {}], got dimension {}", name, dim, b.rows()));
  return b;
}

// g(mu, t) for mu [B, dim] and t a number or [B] (each run of equal times is one batch).
py::array oracle_predict(const PyOracle& self, py::handle mu_obj, py::handle t_obj) {
  const Batch mu = checked_dim(mu_obj, "mu", self.o->dim());
  const Index n = mu.cols();
  std::vector<double> t;
  py::array t_arr = py::array::ensure(t_obj);
  if (!t_arr) PyErr_Clear();
  if (PyFloat_Check(t_obj.ptr()) || PyLong_Check(t_obj.ptr()) || (t_arr && t_arr.ndim() == 0)) {
    t.assign(static_cast<size_t>(n), t_arr && t_arr.ndim() == 0 ? to_batch(t_arr.reshape({1}), "t")(0, 0)
                                                                  : t_obj.cast<double>());
  } else {
    const Batch tb = to_batch(t_obj, "t");
    if (tb.size() != n || (tb.rows() != 1 && tb.cols() != 1))
      throw py::value_error(fmt::format("t: expected a number or shape ({},), got {} values", n, tb.size()));
    t.assign(tb.data(), tb.data() + n);
  }
  Batch out(mu.rows(), n);
  {
    py::gil_scoped_release release;
    Batch part;
    for (Index a = 0; a < n;) {
      Index b = a + 1;
      while (b < n && t[static_cast<size_t>(b)] == t[static_cast<size_t>(a)]) ++b;
      part.resize(mu.rows(), b - a);
      self.o->predict(mu.middleCols(a, b - a), t[static_cast<size_t>(a)], a, part);
      out.middleCols(a, b - a) = part;
      a = b;
    }
  }
  return own_batch(std::move(out));
}

}  // namespace

void bind_extras(py::module_& m) {
  py::class_<PySchedule>(m, "Schedule", R"doc(A precision schedule: rate f(t) >= 0 on [0, 1] and its exact integral F(t).

Schedule(spec="exponential"): ``exponential[:a=..,k=..]`` (paper: f = 0.052 e^{13 t}), ``linear:a=..,b=..``,
``constant:c=..``, ``staircase:a=..,b=..,c=..``, ``table:FILE``.)doc")
      .def(py::init([](const std::string& spec) { return PySchedule{parse_schedule(spec, "spec")}; }),
           py::arg("spec") = "exponential")
      .def("F", py::vectorize(&PySchedule::F), py::arg("t"),
           "F(t) = int_0^t f(s) ds, exact; t a number or an array (vectorised).")
      .def("f", py::vectorize(&PySchedule::f), py::arg("t"), "The rate f(t); t a number or an array (vectorised).")
      .def("alpha", py::vectorize(&PySchedule::alpha), py::arg("t0"), py::arg("t1"),
           "Precision gained over [t0, t1]: F(t1) - F(t0).")
      .def("describe", [](const PySchedule& s) { return s.s->describe(); }, "The schedule with its parameters.")
      .def("__repr__", [](const PySchedule& s) { return "pmm.Schedule('" + s.s->describe() + "')"; });

  m.def(
      "make_grid",
      [](int steps, const std::string& schedule, const std::string& grid) {
        require(steps >= 1, "steps", fmt::format("must be >= 1, got {}", steps));
        std::vector<double> g = make_grid(parse_grid(grid, "grid"), *parse_schedule(schedule, "schedule"), steps);
        const auto n = static_cast<py::ssize_t>(g.size());
        return own_vector(std::move(g), {n});
      },
      py::arg("steps"), py::arg("schedule") = "exponential", py::arg("grid") = "uniform",
      "The time grid pmm.solve uses: steps + 1 increasing times from 0 to 1 (grid: uniform | uniform-precision | "
      "power:rho=R).");

  m.def("solvers", &solvers_for, py::arg("process"), "Solvers that fit a process, by name.");
  m.def("builtin_targets", &builtin_targets, py::arg("process"), "Names of the built-in targets of a process.");

  py::class_<PyOracle>(m, "Oracle", R"doc(The exact posterior-mean predictor g(mu, t) = E[x | mu(t) = mu] of a target.

Oracle(target="builtin:gmm2d", weights=None, process="normal", schedule="exponential", prior=None): target as in
pmm.solve (builtin:NAME, .npy, .json, or an array of points [n, dim] with optional weights [n]). Callable as
``oracle(mu, t)``, so it can be passed to pmm.solve(model=...) (it has ``dim`` and ``batch``).)doc")
      .def(py::init([](py::object target, py::object weights, const std::string& process, py::object schedule,
                       py::object prior) {
             const AnyProcess p = process_from(process, schedule, prior);
             PyOracle self{nullptr, process_name(p)};
             self.o = oracle_from(p, target, weights);
             return self;
           }),
           py::arg("target") = "builtin:gmm2d", py::arg("weights") = py::none(), py::arg("process") = "normal",
           py::arg("schedule") = "exponential", py::arg("prior") = py::none())
      .def_property_readonly("dim", [](const PyOracle& s) { return s.o->dim(); }, "Dimension of the target.")
      .def_property_readonly("batch", [](const PyOracle& s) { return s.o->preferred_batch(); },
                             "Batch size pmm.solve hands it (the C++ oracle's preferred batch).")
      .def("__call__", &oracle_predict, py::arg("mu"), py::arg("t"),
           "g(mu, t): mu [B, dim], t a number or [B]; returns float64 [B, dim].")
      .def("predict", &oracle_predict, py::arg("mu"), py::arg("t"), "Same as calling the oracle.")
      .def(
          "sample",
          [](const PyOracle& s, long long n, std::uint64_t seed) {
            require(n >= 1, "n", fmt::format("must be >= 1, got {}", n));
            Batch x;
            {
              py::gil_scoped_release release;
              x = s.o->sample(static_cast<Index>(n), seed);
            }
            return own_batch(std::move(x));
          },
          py::arg("n"), py::arg("seed") = 0, "n draws from the target, float64 [n, dim] (draw j depends on (seed, j)).")
      .def(
          "atoms",
          [](const PyOracle& s) -> py::object {
            Batch points;
            Eigen::VectorXd w;
            if (!s.o->atoms(&points, &w)) return py::none();
            std::vector<double> wv(w.data(), w.data() + w.size());
            const auto k = static_cast<py::ssize_t>(wv.size());
            return py::make_tuple(own_batch(std::move(points)), own_vector(std::move(wv), {k}));
          },
          "A finite target's (points [K, dim], normalised weights [K]); None for other targets.")
      .def("__repr__", [](const PyOracle& s) { return "pmm.Oracle(" + s.process + ": " + s.o->describe() + ")"; });

  py::module_ metrics = m.def_submodule("metrics", "Sample-quality metrics (validation/metric_*.hpp); x, y: [n, dim].");
  metrics.def(
      "fd",
      [](py::handle x, py::handle y) {
        const Batch a = to_batch(x, "x"), b = to_batch(y, "y");
        py::gil_scoped_release release;
        return frechet_distance(a, b);
      },
      py::arg("x"), py::arg("y"),
      "Squared Frechet distance between Gaussian fits of x and y (FID's formula on any features; n >= 2 each).");
  metrics.def(
      "kid",
      [](py::handle x, py::handle y, int subsets, int subset_size, std::uint64_t seed) {
        const Batch a = to_batch(x, "x"), b = to_batch(y, "y");
        py::gil_scoped_release release;
        return kernel_inception_distance(a, b, subsets, subset_size, seed).mean;
      },
      py::arg("x"), py::arg("y"), py::arg("subsets") = 100, py::arg("subset_size") = 1000, py::arg("seed") = 0,
      "Kernel Inception Distance on any features: unbiased polynomial-kernel MMD^2 averaged over random subsets.");
  metrics.def(
      "sw",
      [](py::handle x, py::handle y, int projections, std::uint64_t seed) {
        const Batch a = to_batch(x, "x"), b = to_batch(y, "y");
        py::gil_scoped_release release;
        return sliced_wasserstein2(a, b, projections, seed).squared;
      },
      py::arg("x"), py::arg("y"), py::arg("projections") = 128, py::arg("seed") = 0,
      "Sliced Wasserstein-2, squared (SW_2^2), by Monte Carlo over seeded directions (as pmm-sweep's sw).");
  metrics.def(
      "energy",
      [](py::handle x, py::handle y) {
        const Batch a = to_batch(x, "x"), b = to_batch(y, "y");
        py::gil_scoped_release release;
        return energy_distance(a, b);
      },
      py::arg("x"), py::arg("y"), "Energy distance between the empirical laws of x and y.");
  metrics.def(
      "tv",
      [](py::handle samples, py::handle atoms, py::object weights) {
        const Batch s = to_batch(samples, "samples");
        const Batch a = checked_dim(atoms, "atoms", s.rows());
        Eigen::VectorXd w = weights.is_none() ? Eigen::VectorXd::Ones(a.cols()) : to_vector(weights, "weights", a.cols());
        require(w.minCoeff() >= 0 && w.sum() > 0, "weights", "must be >= 0 with a positive sum");
        w /= w.sum();
        py::gil_scoped_release release;
        return assign_to_atoms(s, a, w).total_variation;
      },
      py::arg("samples"), py::arg("atoms"), py::arg("weights") = py::none(),
      "Total variation between the samples' nearest-atom weights and a finite target's weights (default: equal).");
}

}  // namespace pmm::py_bind
