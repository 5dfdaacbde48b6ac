// A named prior parameter of a process law: the key users write (--prior b=2, pmm.solve(prior={"b": 2})) and the
// member it sets. Each law lists its own in prior_parameters(), so option parsing is generic over the registry.
#pragma once

namespace pmm {

template <class Law>
struct PriorParameter {
  const char* name;
  double Law::*member;
};

}  // namespace pmm
