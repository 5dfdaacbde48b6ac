// Command-line process construction shared by the apps: --process NAME, --schedule SPEC, --prior k=v,...
// -> a validated AnyProcess (errors name the option).
#pragma once
#include <string>

#include <pmm/solvers/registry.hpp>

namespace pmm {

// name: normal | gamma-poisson | inverse-gamma-gamma; schedule "" means the paper's exponential schedule.
AnyProcess make_process(const std::string& name, const std::string& schedule, const std::string& prior);

}  // namespace pmm
