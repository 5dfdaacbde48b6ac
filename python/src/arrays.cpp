// NumPy <-> Batch conversions, the Python-callable predictor and the interruptible native run.
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "apps/common/process_options.hpp"
#include "apps/common/targets.hpp"
#include "common.hpp"

namespace pmm::py_bind {

namespace {

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

// np.asarray(obj) with the dtype checked: float32/float64 or an integer kind.
py::array checked_array(py::handle obj, const std::string& name) {
  if (py::isinstance<py::str>(obj) || py::isinstance<py::bytes>(obj))
    throw py::type_error(name + ": expected an array of numbers, got a string");
  py::array a = py::array::ensure(obj);
  if (!a) {
    PyErr_Clear();
    throw py::type_error(name + ": expected an array of numbers, got " + std::string(py::str(py::type::of(obj))));
  }
  const char kind = a.dtype().kind();
  const bool ok = (kind == 'f' && (a.itemsize() == 4 || a.itemsize() == 8)) || kind == 'i' || kind == 'u';
  if (!ok)
    throw py::type_error(name + ": expected dtype float64, float32 or an integer type, got " +
                         std::string(py::str(a.dtype())));
  return a;
}

}  // namespace

Batch to_batch(py::handle obj, const std::string& name) {
  const py::array a = checked_array(obj, name);
  if (a.ndim() != 1 && a.ndim() != 2)
    throw py::value_error(name + ": expected shape [n, dim] (or [n] for dim 1), got " + shape_text(a));
  const Index n = a.shape(0), dim = a.ndim() == 2 ? a.shape(1) : 1;
  if (n == 0 || dim == 0) throw py::value_error(name + ": is empty, shape " + shape_text(a));
  // C order float64 [n, dim] is exactly the memory of a dim x n column-major Batch.
  auto c = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!c) throw py::error_already_set();
  Batch b(dim, n);
  std::memcpy(b.data(), c.data(), sizeof(double) * static_cast<size_t>(n * dim));
  return b;
}

Eigen::VectorXd to_vector(py::handle obj, const std::string& name, Index n) {
  const py::array a = checked_array(obj, name);
  if (a.ndim() != 1 || a.shape(0) != n)
    throw py::value_error(fmt::format("{}: expected shape ({},), got {}", name, n, shape_text(a)));
  auto c = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!c) throw py::error_already_set();
  Eigen::VectorXd v(n);
  std::memcpy(v.data(), c.data(), sizeof(double) * static_cast<size_t>(n));
  return v;
}

py::array own_batch(Batch&& b) {
  auto* owner = new Batch(std::move(b));
  py::capsule base(owner, [](void* p) { delete static_cast<Batch*>(p); });
  return py::array_t<double>({static_cast<py::ssize_t>(owner->cols()), static_cast<py::ssize_t>(owner->rows())},
                             owner->data(), base);
}

py::array own_vector(std::vector<double>&& v, std::vector<py::ssize_t> shape) {
  auto* owner = new std::vector<double>(std::move(v));
  py::capsule base(owner, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return py::array_t<double>(shape, owner->data(), base);
}

py::array own_ints(std::vector<int>&& v, std::vector<py::ssize_t> shape) {
  static_assert(sizeof(int) == 4, "token ids are int32");
  auto* owner = new std::vector<int>(std::move(v));
  py::capsule base(owner, [](void* p) { delete static_cast<std::vector<int>*>(p); });
  return py::array_t<std::int32_t>(shape, reinterpret_cast<const std::int32_t*>(owner->data()), base);
}

long long int_arg(py::handle obj, const std::string& name) {
  if (py::isinstance<py::bool_>(obj) || !PyIndex_Check(obj.ptr()))
    throw py::type_error(name + ": expected an integer, got " + std::string(py::str(py::type::of(obj).attr("__name__"))));
  return obj.cast<long long>();
}

std::string str_arg(py::handle obj, const std::string& name) {
  if (!py::isinstance<py::str>(obj))
    throw py::type_error(name + ": expected a string, got " + std::string(py::str(py::type::of(obj).attr("__name__"))));
  return obj.cast<std::string>();
}

std::string prior_string(const py::object& prior) {
  if (prior.is_none()) return "";
  if (!py::isinstance<py::dict>(prior))
    throw py::type_error("prior: expected a dict such as {'b': 2} or {'beta1': 0.1, 'beta2': 2}");
  std::string out;
  for (auto item : py::reinterpret_borrow<py::dict>(prior)) {
    if (!py::isinstance<py::str>(item.first)) throw py::type_error("prior: keys must be strings");
    double v;
    try {
      v = item.second.cast<double>();
    } catch (const py::cast_error&) {
      throw py::type_error("prior: '" + item.first.cast<std::string>() + "' must be a number");
    }
    out += (out.empty() ? "" : ",") + item.first.cast<std::string>() + "=" + fmt::format("{:.17g}", v);
  }
  return out;
}

AnyProcess process_from(const std::string& process, const py::object& schedule, const py::object& prior) {
  const std::string sched = schedule.is_none() ? "" : str_arg(schedule, "schedule");
  return make_process(process, sched, prior_string(prior));
}

OraclePtr oracle_from(const AnyProcess& process, const py::object& target, const py::object& weights) {
  if (py::isinstance<py::str>(target)) {
    std::string wpath;
    if (!weights.is_none()) {
      if (!py::isinstance<py::str>(weights))
        throw py::type_error("weights: with a target file, give the weights as a .npy file name");
      wpath = weights.cast<std::string>();
    }
    return load_target(process, target.cast<std::string>(), wpath);
  }
  Batch points = to_batch(target, "target");
  Eigen::VectorXd w;
  if (!weights.is_none()) w = to_vector(weights, "weights", points.cols());
  return std::visit([&](const auto& p) { return finite_set_oracle(p, std::move(points), std::move(w)); }, process);
}

CallablePredictor::CallablePredictor(py::object fn, Index dim, Index batch)
    : fn_(new py::object(std::move(fn))), dim_(dim), batch_(batch) {}

CallablePredictor::~CallablePredictor() {
  py::gil_scoped_acquire gil;
  delete fn_;
}

void CallablePredictor::predict(const Batch& mu, double t, Index, Batch& out) const {
  py::gil_scoped_acquire gil;
  const Index n = mu.cols();
  py::array_t<double> m({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(dim_)});
  std::memcpy(m.mutable_data(), mu.data(), sizeof(double) * static_cast<size_t>(n * dim_));
  py::array_t<double> tt(static_cast<py::ssize_t>(n));
  std::fill(tt.mutable_data(), tt.mutable_data() + n, t);
  const py::object r = (*fn_)(m, tt);
  const py::array a = checked_array(r, "model");
  if (a.ndim() != 2 || a.shape(0) != n || a.shape(1) != dim_)
    throw py::value_error(fmt::format("model: returned shape {}, expected ({}, {}) like mu", shape_text(a), n, dim_));
  auto c = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
  if (!c) throw py::error_already_set();
  out.resize(dim_, n);
  std::memcpy(out.data(), c.data(), sizeof(double) * static_cast<size_t>(n * dim_));
}

std::string CallablePredictor::describe() const {
  py::gil_scoped_acquire gil;
  return "python:" + std::string(py::repr(*fn_));
}

void run_interruptible(const std::function<void()>& work, std::atomic<bool>* cancel) {
  std::exception_ptr error;
  std::optional<py::error_already_set> signal;
  {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    py::gil_scoped_release release;
    std::thread helper([&] {
      try {
        // This thread keeps one Python thread state for the whole run, so a Python model's calls (made on this
        // thread: a non-concurrent predictor runs its chunks on the calling thread) only take the GIL; without it
        // each call created and destroyed a thread state (about 200 us a call, measured by bench/python_overhead.py).
        py::gil_scoped_acquire keep_thread_state;
        py::gil_scoped_release unlocked;
        work();
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(m);
      done = true;
      cv.notify_all();
    });
    for (;;) {
      std::unique_lock<std::mutex> lock(m);
      if (cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; })) break;
      lock.unlock();
      if (signal) continue;
      py::gil_scoped_acquire gil;
      if (PyErr_CheckSignals() != 0) {
        signal.emplace();  // fetches KeyboardInterrupt (or whatever the handler raised)
        cancel->store(true);
      }
    }
    helper.join();
  }
  if (signal) {
    error = nullptr;  // the solver's "interrupted" exception
    throw *signal;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace pmm::py_bind
