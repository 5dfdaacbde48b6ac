// world.hpp on MPI: started only when a launcher started the process; one allreduce per collective carries the
// "has any rank failed" flag, so a rank that throws is met by the others at their next collective or at the end.
// Waiting ranks sleep between polls instead of spinning (wait_politely).
// Gathers use MPI_Gatherv while the total fits its int counts (2 GiB), else point-to-point pieces of 1 GiB.
#include "apps/mpi/world.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <exception>

#include <fmt/format.h>
#include <mpi.h>

#include "apps/common/options.hpp"
#include "apps/mpi/split.hpp"

namespace pmm {
namespace {

World g_world;
bool g_mpi = false;    // MPI started by run_ranks
bool g_notes = false;  // notify_root_of_failures() was called
constexpr int kResultTag = 11, kFailureTag = 12;
constexpr std::size_t kPiece = std::size_t(1) << 30;

// Waits for a request without spinning: Open MPI's blocking calls poll at full speed, which on a machine with fewer
// free cores than ranks takes the core a rank still computing needs. Polls every 1-10 ms instead (ranks wait here
// for the slowest one; a few ms are nothing beside a block of paths or a sweep cell).
void wait_politely(MPI_Request& request) {
  int done = 0;
  for (int us = 1000;; us = std::min(10000, us * 2)) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    ::usleep(static_cast<useconds_t>(us));
  }
}

// Every rank says whether it failed. False when none did; else status and message become those of the lowest
// failing rank, on every rank.
bool agree(bool failed, int& status, std::string& message) {
  const int mine = failed ? g_world.rank : g_world.size;
  int first = g_world.size;
  MPI_Request request;
  MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD, &request);
  wait_politely(request);
  if (first == g_world.size) return false;
  int head[2] = {status, static_cast<int>(message.size())};
  MPI_Bcast(head, 2, MPI_INT, first, MPI_COMM_WORLD);
  std::string text = g_world.rank == first ? message : std::string(static_cast<std::size_t>(head[1]), '\0');
  MPI_Bcast(text.data(), head[1], MPI_CHAR, first, MPI_COMM_WORLD);
  status = head[0];
  message = text;
  return true;
}

void silence_output() {
  const int null = ::open("/dev/null", O_WRONLY);
  if (null < 0) return;
  ::dup2(null, 1);
  ::dup2(null, 2);
  ::close(null);
}

}  // namespace

const World& world() { return g_world; }

void check_ranks() {
  if (!g_mpi) return;
  int status = 0;
  std::string message;
  if (agree(false, status, message)) throw RankFailure(message, status);
}

int run_ranks(int argc, char** argv, const std::function<int(int, char**)>& body) {
  int rank = 0, size = 0;
  if (!launched_rank(&rank, &size)) return run_app(argc, argv, body);
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);  // only the main thread calls MPI
  g_mpi = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &g_world.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_world.size);
  if (g_world.size == 1) {
    const int status = run_app(argc, argv, body);
    MPI_Finalize();
    return status;
  }
  if (!g_world.root()) silence_output();
  int status = 0;
  std::string message;
  bool failed = false, agreed = false;
  try {
    status = body(argc, argv);
  } catch (const RankFailure& e) {  // met at a collective: every rank already knows
    status = e.status;
    message = e.what();
    agreed = true;
  } catch (...) {
    status = exit_status_of(std::current_exception(), message);
    failed = status != 0;
    if (failed)
      message = fmt::format("rank {} of {}: {}", g_world.rank, g_world.size,
                            message.empty() ? fmt::format("exited with status {}", status) : message);
  }
  if (failed && g_notes && !g_world.root()) {
    // An empty notice (the message itself goes out in the agreement): small enough to be buffered, so this send
    // returns even though rank 0 may never receive it.
    MPI_Send(nullptr, 0, MPI_CHAR, 0, kFailureTag, MPI_COMM_WORLD);
  }
  if (!agreed) {
    agreed = agree(failed, status, message);
    if (!agreed) MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);  // every rank exits as rank 0 does
  }
  if (agreed && g_world.root()) report_error(program_name(argc, argv), message);
  MPI_Finalize();
  return status;
}

std::vector<char> gather_bytes(const void* data, std::size_t size) {
  const char* bytes = static_cast<const char*>(data);
  if (!g_mpi || g_world.size == 1) return std::vector<char>(bytes, bytes + size);
  check_ranks();
  const unsigned long long mine = size;
  std::vector<unsigned long long> sizes(static_cast<std::size_t>(g_world.size));
  MPI_Allgather(&mine, 1, MPI_UNSIGNED_LONG_LONG, sizes.data(), 1, MPI_UNSIGNED_LONG_LONG, MPI_COMM_WORLD);
  unsigned long long total = 0;
  for (auto s : sizes) total += s;
  std::vector<char> out(g_world.root() ? static_cast<std::size_t>(total) : 0);
  if (total <= static_cast<unsigned long long>(INT_MAX)) {
    std::vector<int> counts(sizes.size()), displs(sizes.size());
    for (std::size_t r = 0, at = 0; r < sizes.size(); at += sizes[r], ++r) {
      counts[r] = static_cast<int>(sizes[r]);
      displs[r] = static_cast<int>(at);
    }
    MPI_Gatherv(bytes, static_cast<int>(size), MPI_CHAR, out.data(), counts.data(), displs.data(), MPI_CHAR, 0,
                MPI_COMM_WORLD);
    return out;
  }
  if (!g_world.root()) {
    for (std::size_t at = 0; at < size; at += kPiece)
      MPI_Send(bytes + at, static_cast<int>(std::min(kPiece, size - at)), MPI_CHAR, 0, kResultTag + 100,
               MPI_COMM_WORLD);
    return out;
  }
  std::copy(bytes, bytes + size, out.begin());
  std::size_t offset = size;
  for (int r = 1; r < g_world.size; ++r) {
    const std::size_t n = static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)]);
    for (std::size_t at = 0; at < n; at += kPiece)
      MPI_Recv(out.data() + offset + at, static_cast<int>(std::min(kPiece, n - at)), MPI_CHAR, r, kResultTag + 100,
               MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    offset += n;
  }
  return out;
}

std::vector<std::string> gather_strings(const std::string& text) {
  const std::uint64_t length = text.size();
  const auto lengths = gather_values(&length, 1);
  const auto bytes = gather_bytes(text.data(), text.size());
  std::vector<std::string> out;
  std::size_t at = 0;
  for (auto n : lengths) {
    out.emplace_back(bytes.data() + at, static_cast<std::size_t>(n));
    at += static_cast<std::size_t>(n);
  }
  return out;
}

std::int64_t sum_over_ranks(std::int64_t value) {
  if (!g_mpi) return value;
  check_ranks();
  std::int64_t total = 0;
  MPI_Allreduce(&value, &total, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  return total;
}

double max_over_ranks(double value) {
  if (!g_mpi) return value;
  check_ranks();
  double most = value;
  MPI_Allreduce(&value, &most, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return most;
}

std::string broadcast_from_root(const std::string& text) {
  if (!g_mpi) return text;
  check_ranks();
  std::uint64_t length = text.size();
  MPI_Bcast(&length, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  std::string out = g_world.root() ? text : std::string(static_cast<std::size_t>(length), '\0');
  MPI_Bcast(out.data(), static_cast<int>(length), MPI_CHAR, 0, MPI_COMM_WORLD);
  return out;
}

void notify_root_of_failures() { g_notes = true; }

void send_to_root(const std::string& payload) {
  MPI_Send(payload.data(), static_cast<int>(payload.size()), MPI_CHAR, 0, kResultTag, MPI_COMM_WORLD);
}

bool receive_at_root(std::string& payload, bool wait) {
  if (!g_mpi || g_world.size == 1) return false;
  MPI_Status st;
  int flag = 0;
  for (int us = 1000;; us = std::min(10000, us * 2)) {  // as wait_politely: no spinning while the others compute
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (flag || !wait) break;
    ::usleep(static_cast<useconds_t>(us));
  }
  if (!flag) return false;
  int count = 0;
  MPI_Get_count(&st, MPI_CHAR, &count);
  payload.assign(static_cast<std::size_t>(count), '\0');
  MPI_Recv(payload.data(), count, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  if (st.MPI_TAG == kFailureTag) {
    check_ranks();  // the failing rank is in its agreement: this throws its message
    throw RankFailure("a rank failed", 1);  // not reached: that rank's agreement reports it
  }
  return true;
}

}  // namespace pmm
