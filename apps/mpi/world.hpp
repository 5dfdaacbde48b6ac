// The processes of one run: MPI ranks when the app is built with MPI (PMM_HAVE_MPI) and started by mpirun or srun,
// else one process. The apps split their work by rank, gather it on rank 0 and agree on failures through these
// functions only, so they hold no #ifdef: world_mpi.cpp implements them on MPI, world_serial.cpp for one process.
// Failures: a rank whose run throws joins the others at their next collective (or at the end), every rank then
// throws RankFailure with that rank's message, unwinds (temporary outputs removed) and exits with its status.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace pmm {

struct World {
  int rank = 0, size = 1;
  bool root() const { return rank == 0; }
};

// This process's place in the run ({0, 1} outside run_ranks and in a build without MPI).
const World& world();

// A failure of some rank, known to every rank: what() already names the rank ("rank 1 of 2: --target: ...").
struct RankFailure : std::runtime_error {
  int status;
  RankFailure(const std::string& message, int exit_status) : std::runtime_error(message), status(exit_status) {}
};

// main() of an app that runs on ranks. Not launched by mpirun/srun: run_app(argc, argv, body) as before. Launched:
// starts MPI, silences stdout and stderr of ranks other than 0, runs body with run_app's error handling, agrees
// with the other ranks on the outcome (every rank returns rank 0's status, or the failing rank's), prints
// "<app>: error: rank R of N: <message>" on rank 0 for a failure, and stops MPI. A build without MPI started by a
// launcher with more than one rank refuses to run (each process would compute and write the whole job).
int run_ranks(int argc, char** argv, const std::function<int(int, char**)>& body);

// ---- collectives: every rank calls them in the same order; each first checks that no rank has failed ----
// Rank 0 gets every rank's bytes concatenated in rank order; the others get an empty vector.
std::vector<char> gather_bytes(const void* data, std::size_t size);
std::int64_t sum_over_ranks(std::int64_t value);
double max_over_ranks(double value);
// Rank 0's text on every rank.
std::string broadcast_from_root(const std::string& text);
// Throws RankFailure when some rank has failed (a collective with no payload).
void check_ranks();

// Typed gather of trivially copyable values: rank 0 gets all ranks' values in rank order.
template <class T>
std::vector<T> gather_values(const T* data, std::size_t count) {
  static_assert(std::is_trivially_copyable_v<T>, "gather_values: T must be trivially copyable");
  const std::vector<char> bytes = gather_bytes(data, count * sizeof(T));
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!bytes.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

// Rank 0 gets each rank's string, in rank order.
std::vector<std::string> gather_strings(const std::string& text);

// ---- messages to rank 0 (pmm-sweep's results as they come) ----
// Makes a failing rank also notify rank 0 by message, so that a rank 0 waiting in receive_at_root learns of it.
// Call on every rank before any message is sent.
void notify_root_of_failures();
// From a rank other than 0: one message to rank 0.
void send_to_root(const std::string& payload);
// Rank 0: the next message from any rank, into payload; wait: block until one comes, else return false when none is
// waiting. A failure notice of another rank throws RankFailure (after joining that rank's agreement).
bool receive_at_root(std::string& payload, bool wait);

}  // namespace pmm
