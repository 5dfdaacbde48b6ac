// libFuzzer harness: a model file's metadata (the attributes pmm-train writes: process, schedule, parametrisation,
// prior b / beta1 / beta2, event_shape, data range) as the apps use them: apply_model_info() against a run that gives
// no process options and one that gives all, then make_process() on the result, and event_size() of the shape.
// TorchScript's own container parsing is LibTorch's; this covers what pmm does with the values a file carries.
// Input: newline-separated fields in that order; numbers through strtod (so nan, inf, 1e999 reach the code).
#include <cstdlib>
#include <sstream>

#include <pmm/core/error.hpp>
#include <pmm/models/predictor.hpp>

#include "apps/common/process_options.hpp"

namespace {

double number(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string f[10];
  for (auto& s : f)
    if (!std::getline(in, s)) break;
  pmm::ModelInfo info;
  info.process = f[0];
  info.schedule = f[1];
  info.parametrisation = f[2];
  info.has_prior = !f[3].empty();
  info.b = number(f[3]);
  info.beta1 = number(f[4]);
  info.beta2 = number(f[5]);
  std::istringstream shape(f[6]);
  for (std::string v; std::getline(shape, v, ',');) info.event_shape.push_back(std::strtoll(v.c_str(), nullptr, 10));
  info.has_range = !f[7].empty();
  info.data_min = number(f[7]);
  info.data_max = number(f[8]);
  try {
    (void)pmm::event_size(info.event_shape, "model.pt");
  } catch (const pmm::Error&) {
  }
  pmm::ProcessChoice none;
  pmm::ProcessChoice all{"normal", "exponential", "b=1", true, true, true};
  for (pmm::ProcessChoice* c : {&none, &all}) {
    try {
      pmm::apply_model_info(info, "model.pt", *c);
      if (c->process != "dirichlet-categorical" && !c->process.empty())
        (void)pmm::make_process(c->process, c->schedule, c->prior);
    } catch (const pmm::Error&) {
    }
  }
  return 0;
}
