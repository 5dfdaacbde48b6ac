// Tests of apply_model_info (apps/common/process_options): what a model file says fills the options not given, and
// a given option that differs is refused in one message naming the option, the value given and the file's.
#include "apps/common/process_options.hpp"

#include <doctest/doctest.h>

#include <string>

#include <pmm/core/error.hpp>

namespace {

pmm::ModelInfo gamma_poisson_model() {
  pmm::ModelInfo m;
  m.process = "gamma-poisson";
  m.schedule = "linear:a=0.5,b=100";
  m.has_prior = true;
  m.beta1 = 0.5;
  m.beta2 = 3;
  return m;
}

std::string error_of(const pmm::ModelInfo& m, pmm::ProcessChoice c) {
  try {
    pmm::apply_model_info(m, "gp/model.pt", c);
  } catch (const pmm::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("model info: the file's process, schedule and prior fill the options not given") {
  pmm::ProcessChoice c{"normal", "", "", false, false, false};
  pmm::apply_model_info(gamma_poisson_model(), "gp/model.pt", c);
  CHECK(c.process == "gamma-poisson");
  CHECK(c.schedule == "linear:a=0.5,b=100");
  CHECK(c.prior == "beta1=0.5,beta2=3");
  // the result is a process the apps can build
  const auto p = std::get<pmm::GammaPoissonProcess>(pmm::make_process(c.process, c.schedule, c.prior));
  CHECK(p.beta1 == 0.5);
  CHECK(p.beta2 == 3.0);
}

TEST_CASE("model info: equal options in another spelling are accepted, different ones refused naming both") {
  pmm::ProcessChoice same{"gamma-poisson", "linear:b=100,a=0.5", "beta2=3, beta1=0.5", true, true, true};
  CHECK(error_of(gamma_poisson_model(), same).empty());

  CHECK(error_of(gamma_poisson_model(), {"normal", "", "", true, false, false}) ==
        "--process: 'normal' conflicts with gp/model.pt, trained for gamma-poisson; omit --process or give "
        "gamma-poisson");
  const std::string schedule = error_of(gamma_poisson_model(), {"gamma-poisson", "exponential", "", true, true, false});
  CHECK(schedule.rfind("--schedule: 'exponential:a=0.052,k=13' conflicts with gp/model.pt, trained with "
                       "linear:a=0.5,b=100", 0) == 0);
  CHECK(error_of(gamma_poisson_model(), {"gamma-poisson", "", "beta1=0.1", true, false, true})
            .rfind("--prior: 'beta1=0.1' conflicts with gp/model.pt, trained with beta1=0.5,beta2=3", 0) == 0);
  // a key not given takes the file's value, not the process default (beta2 = 2)
  pmm::ProcessChoice part{"gamma-poisson", "", "beta1=0.5", true, false, true};
  pmm::apply_model_info(gamma_poisson_model(), "gp/model.pt", part);
  CHECK(part.prior == "beta1=0.5,beta2=3");
}

TEST_CASE("model info: token models select dirichlet-categorical; foreign models are refused; bare files change nothing") {
  pmm::ModelInfo tokens;
  tokens.process = "categorical";
  tokens.schedule = "linear:a=0.01,b=2000";
  pmm::ProcessChoice c{"normal", "", "", false, false, false};
  pmm::apply_model_info(tokens, "t.pt", c);
  CHECK(c.process == "dirichlet-categorical");
  CHECK(c.schedule.empty());  // the token sampler checks its own schedule

  pmm::ModelInfo ar;
  ar.process = "autoregressive";
  CHECK(error_of(ar, {"normal", "", "", false, false, false}).rfind("--model: gp/model.pt: a autoregressive model", 0) == 0);

  pmm::ProcessChoice given{"inverse-gamma-gamma", "constant:c=5", "beta1=2", true, true, true};
  pmm::apply_model_info(pmm::ModelInfo{}, "user.pt", given);
  CHECK(given.process == "inverse-gamma-gamma");
  CHECK(given.schedule == "constant:c=5");
  CHECK(given.prior == "beta1=2");
}
