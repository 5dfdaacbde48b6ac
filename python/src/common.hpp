// Shared pieces of the _pmm extension: NumPy <-> Batch conversions, the Python-callable predictor and the
// bindings of each source file (solve.cpp, extras.cpp), registered by module.cpp.
#pragma once
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <pmm/core/batch.hpp>
#include <pmm/models/oracles/oracle.hpp>
#include <pmm/models/predictor.hpp>
#include <pmm/solvers/registry.hpp>

namespace pmm::py_bind {

namespace py = pybind11;

// A float64/float32/integer array (any order, or anything np.asarray takes) of shape [n, dim] (or [n]: dim 1)
// -> dim x n. TypeError for other dtypes, ValueError for other shapes or empty arrays; both name `name`.
Batch to_batch(py::handle obj, const std::string& name);
// A 1-D array of n non-negative weights -> Eigen vector (same dtype rules).
Eigen::VectorXd to_vector(py::handle obj, const std::string& name, Index n);

// NumPy arrays that own C++ buffers (the capsule deletes them): no copy.
py::array own_batch(Batch&& b);                                          // dim x n -> [n, dim]
py::array own_vector(std::vector<double>&& v, std::vector<py::ssize_t> shape);
py::array own_ints(std::vector<int>&& v, std::vector<py::ssize_t> shape);  // int32 (token ids)

// An int / str keyword argument, TypeError naming it otherwise.
long long int_arg(py::handle obj, const std::string& name);
std::string str_arg(py::handle obj, const std::string& name);

// "b=2" from {"b": 2}; None -> "".
std::string prior_string(const py::object& prior);
AnyProcess process_from(const std::string& process, const py::object& schedule, const py::object& prior);
// The oracle of a target argument: a spec string (builtin:NAME, .npy, .csv, .json; weights then a file name) or an
// array of points [n, dim] with optional weights [n] (any array-like). Errors name "target" or "weights".
OraclePtr oracle_from(const AnyProcess& process, const py::object& target, const py::object& weights);

// g(mu, t) by a Python callable f(mu [B, dim] float64, t [B] float64) -> [B, dim]; the GIL is taken for the call
// only. Not concurrent (one batch at a time). Its exceptions propagate unchanged.
class CallablePredictor final : public Predictor {
 public:
  CallablePredictor(py::object fn, Index dim, Index batch);
  ~CallablePredictor() override;
  Index dim() const override { return dim_; }
  void predict(const Batch& mu, double t, Index path0, Batch& out) const override;
  bool concurrent() const override { return false; }
  Index preferred_batch() const override { return batch_; }
  std::string describe() const override;

 private:
  py::object* fn_;  // deleted with the GIL held
  Index dim_, batch_;
};

// Runs work() on a helper thread with the GIL released, while this (the main) thread checks for signals every
// 50 ms with the GIL held. On a signal (KeyboardInterrupt), *cancel is set (the solver's progress callback
// throws on it), the helper is joined and the Python exception is raised; otherwise work()'s exception, if any.
void run_interruptible(const std::function<void()>& work, std::atomic<bool>* cancel);

// pmm.solve's arguments for process="dirichlet-categorical" (tokens.cpp), after solve() checked steps, paths,
// threads and the seed; the rest are the raw keyword arguments (None: pmm-solve's default or the model's).
struct TokenArgs {
  py::object target, weights, solver, save_every, final_mode, prior, schedule, device, model, dim, length, alphabet;
  std::string grid;
  int steps = 0, threads = 1;
  long long paths = 0;
  std::uint64_t seed = 0;
  bool given_x = false;
};
py::dict solve_tokens(const TokenArgs& a);

// TorchScript loaders (torch_models.cpp): nullptr-free only with LibTorch; without it they throw RuntimeError.
PredictorPtr load_torchscript_model(const std::string& path, const std::string& device);

void bind_solve(py::module_& m);
void bind_torch(py::module_& m);
void bind_extras(py::module_& m);
void bind_validate(py::module_& m);

}  // namespace pmm::py_bind
