// world.hpp for a build without MPI: one process, collectives return their input. Started by an MPI launcher with
// more than one rank it refuses to run, since every process would compute and write the whole job.
#include "apps/mpi/world.hpp"

#include <fmt/format.h>

#include "apps/common/options.hpp"
#include "apps/mpi/split.hpp"

namespace pmm {

const World& world() {
  static const World one;
  return one;
}

int run_ranks(int argc, char** argv, const std::function<int(int, char**)>& body) {
  int rank = 0, size = 0;
  if (launched_rank(&rank, &size) && size > 1) {
    if (rank == 0)
      report_error(program_name(argc, argv),
                   fmt::format("started as one of {} MPI ranks, but this build has no MPI (install libopenmpi-dev, "
                               "then reconfigure and rebuild pmm): each rank would compute and write the whole job",
                               size));
    return 2;
  }
  return run_app(argc, argv, body);
}

void check_ranks() {}
std::vector<char> gather_bytes(const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  return std::vector<char>(bytes, bytes + size);
}
std::vector<std::string> gather_strings(const std::string& text) { return {text}; }
std::int64_t sum_over_ranks(std::int64_t value) { return value; }
double max_over_ranks(double value) { return value; }
std::string broadcast_from_root(const std::string& text) { return text; }
void notify_root_of_failures() {}
void send_to_root(const std::string&) { throw std::logic_error("send_to_root: one process has no other rank"); }
bool receive_at_root(std::string&, bool) { return false; }

}  // namespace pmm
