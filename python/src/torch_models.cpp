// The LibTorch side of the module: pmm.solve(model="file.pt") through pmm-solve's loader
// (load_torchscript_predictor), and pmm.metrics.bpc, the bits per character of `pmm-text bpc`: eq. 169 of the paper
// by Monte Carlo over masking for a PMM network, the exact log-likelihood for an autoregressive model.
// Without LibTorch (PMM_HAVE_TORCH undefined) both raise RuntimeError and pmm.has_torch is False.
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include <pmm/core/error.hpp>
#include "apps/common/text_io.hpp"
#include "common.hpp"
#include "validation/metric_bpc.hpp"
#ifdef PMM_HAVE_TORCH
#include <pmm/models/torch/load_predictor.hpp>
#include <pmm/models/torch/token_text.hpp>
#endif

namespace pmm::py_bind {

namespace {

#ifdef PMM_HAVE_TORCH
constexpr bool kHaveTorch = true;
#else
constexpr bool kHaveTorch = false;
#endif

[[noreturn]] void no_torch(const std::string& argument) {
  throw std::runtime_error(argument + ": this build of pmm has no LibTorch, so it cannot load TorchScript files "
                           "(install libtorch-dev and rebuild; pmm.has_torch is False)");
}

const char* kBpcDoc = R"doc(Bits per character of a text model, as ``pmm-text bpc`` computes and reports it.

A PMM network (``pmm-train --process categorical``): eq. 169 of the paper, the mean log-loss of each character at
the moment it is revealed, by Monte Carlo over masking (``passes`` stratified masked fractions per window, seeded
by ``seed``). An autoregressive model (``pmm-text train-ar``): the exact mean -log2 p(x_c | x_<c).

Parameters
----------
model : str
    TorchScript file of either kind.
text : str, optional
    The characters to score (trailing newlines are dropped, as pmm-text does with a file). Give text or data.
data : str, optional
    A text file name, read as ``pmm-text bpc --data``.
alphabet : str, optional
    ``text8 | chars:SYMBOLS``; default: the model's vocabulary (it must agree with the model's when given).
max_chars : int
    Score the first N characters only (0: all).
passes, batch, seed : int
    PMM: masking draws per window; windows per network call; seed of the masking draws.
schedule : str, optional
    PMM: schedule spec (default: the module's schedule attribute).
device : str
    ``cpu | cuda[:N]``.
full : bool
    Return a dict (``bpc``, ``standard_error``, ``kind``, ``windows``, ``characters``, ``scored_characters``,
    ``evaluations``, ``seconds``, ``vocabulary``) instead of the number.

Returns
-------
float or dict
    The bits per character (the ``bpc`` of pmm-text's ``--report``). Characters past the last whole window of the
    model's length are not scored.
)doc";

std::string read_file_text(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_io(what, path + ": cannot open for reading");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string strip_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

py::object py_bpc(const std::string& model, py::object text_arg, py::object data_arg, py::object alphabet_arg,
                  long long max_chars, int passes, long long batch, py::object schedule_arg, std::uint64_t seed,
                  const std::string& device, bool full) {
  require(text_arg.is_none() != data_arg.is_none(), "text", "give the characters (text) or a file (data), not both");
  require(max_chars >= 0, "max_chars", fmt::format("must be >= 0, got {}", max_chars));
  require(device == "cpu" || device.rfind("cuda", 0) == 0, "device", "expected cpu or cuda[:N], got '" + device + "'");
  std::string text;
  if (!text_arg.is_none()) {
    text = strip_newlines(str_arg(text_arg, "text"));
    require(!text.empty(), "text", "is empty");
  } else {
    const std::string path = str_arg(data_arg, "data");
    text = strip_newlines(read_file_text(path, "data"));
    require(!text.empty(), "data", path + ": empty file");
  }
  const std::string alphabet = alphabet_arg.is_none() ? "" : str_arg(alphabet_arg, "alphabet");
  const std::string schedule = schedule_arg.is_none() ? "" : str_arg(schedule_arg, "schedule");
#ifdef PMM_HAVE_TORCH
  // The checks and the estimate of pmm-text bpc (apps/pmm-text.cpp), with Python's argument names.
  const TextModelInfo info = text_model_info(model, "model");
  std::string symbols;
  if (!alphabet.empty()) {
    symbols = parse_alphabet(alphabet, "alphabet").symbols();
    require(info.vocabulary.empty() || info.vocabulary == symbols, "alphabet",
            fmt::format("{} was trained on the vocabulary '{}', not '{}'", model, info.vocabulary, symbols));
    require(static_cast<int>(symbols.size()) == info.vocab, "alphabet",
            fmt::format("{} has {} tokens, the alphabet {}", model, info.vocab, symbols.size()));
  } else {
    require(!info.vocabulary.empty(), "alphabet",
            model + ": vocabulary unknown (no 'vocabulary' attribute, no train.json beside it); give alphabet");
    symbols = info.vocabulary;
  }
  if (max_chars > 0 && static_cast<long long>(text.size()) > max_chars) text.resize(static_cast<size_t>(max_chars));
  const TokenWindows w = text_windows(text, symbols, info.length, 0, "text");
  BpcOptions bo;
  bo.passes = passes, bo.batch = batch, bo.seed = seed, bo.device = device;
  const bool exact = info.kind == "autoregressive";
  BpcTerms terms;
  {
    py::gil_scoped_release release;
    terms = exact ? autoregressive_bpc_terms(model, w, bo) : pmm_bpc_terms(model, w, bo, schedule);
  }
  const BpcEstimate e = bpc_estimate(terms.nll, terms.weight, terms.unit_num, terms.unit_den, exact);
  if (!full) return py::float_(e.bpc);
  py::dict out;
  out["bpc"] = e.bpc;
  out["standard_error"] = e.standard_error;
  out["kind"] = info.kind;
  out["windows"] = w.n;
  out["characters"] = w.n * w.length;
  out["scored_characters"] = terms.nll.size();
  out["evaluations"] = terms.evaluations;
  out["seconds"] = terms.seconds;
  out["vocabulary"] = symbols;
  return out;
#else
  (void)model, (void)passes, (void)batch, (void)seed, (void)full;
  no_torch("model");
#endif
}

}  // namespace

PredictorPtr load_torchscript_model(const std::string& path, const std::string& device) {
#ifdef PMM_HAVE_TORCH
  py::gil_scoped_release release;
  return load_torchscript_predictor(path, device, 0);
#else
  (void)path, (void)device;
  no_torch("model");
#endif
}

void bind_torch(py::module_& m) {
  m.attr("has_torch") = kHaveTorch;
  py::module_ metrics = m.attr("metrics").cast<py::module_>();
  metrics.def("bpc", &py_bpc, kBpcDoc, py::arg("model"), py::arg("text") = py::none(), py::kw_only(),
              py::arg("data") = py::none(), py::arg("alphabet") = py::none(), py::arg("max_chars") = 0,
              py::arg("passes") = 4, py::arg("batch") = 256, py::arg("schedule") = py::none(), py::arg("seed") = 0,
              py::arg("device") = "cpu", py::arg("full") = false);
}

}  // namespace pmm::py_bind
