// The _pmm extension module: pmm.solve, pmm.Schedule, pmm.Oracle, pmm.metrics (python/pmm/__init__.py re-exports).
// pmm::Error maps to ValueError (invalid argument), OSError (I/O) and RuntimeError (did not converge), its message
// naming the argument.
#include <pmm/core/error.hpp>
#include "common.hpp"

namespace {

// Messages from the shared loaders name command-line flags ("--target: ..."); from Python they name the
// keyword argument ("target: ...", "--target-weights" -> "weights").
std::string python_names(const std::string& message) {
  if (message.rfind("--", 0) != 0) return message;
  const size_t end = message.find_first_of(": ", 2);
  std::string flag = message.substr(2, end == std::string::npos ? std::string::npos : end - 2);
  if (flag == "target-weights") flag = "weights";
  for (char& c : flag) c = c == '-' ? '_' : c;
  return flag + (end == std::string::npos ? "" : message.substr(end));
}

}  // namespace

PYBIND11_MODULE(_pmm, m) {
  namespace py = pybind11;
  m.doc() = "pmm: Posterior Mean Matching processes, solvers, oracles and metrics (native module).";
  m.attr("__version__") = PMM_VERSION;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const pmm::Error& e) {
      PyObject* type = e.kind == pmm::ErrorKind::kInvalidArgument ? PyExc_ValueError
                       : e.kind == pmm::ErrorKind::kIo           ? PyExc_OSError
                                                                 : PyExc_RuntimeError;
      PyErr_SetString(type, python_names(e.what()).c_str());
    }
  });
  pmm::py_bind::bind_solve(m);
  pmm::py_bind::bind_extras(m);
  pmm::py_bind::bind_validate(m);
  pmm::py_bind::bind_torch(m);
}
