// run_tasks: the other ranks send each result to rank 0 as one message (task index first); rank 0 runs its own
// tasks, picks up the messages that arrived between them, and records the completed prefix of the task list.
#include "apps/mpi/run_tasks.hpp"

#include <cstdint>
#include <cstring>
#include <map>

#include "apps/mpi/world.hpp"

namespace pmm {

void run_tasks(const std::vector<int>& owner, const std::function<std::string(std::size_t)>& compute,
               const std::function<void(std::size_t, const std::string&)>& record) {
  const World& w = world();
  if (!w.root()) {
    for (std::size_t k = 0; k < owner.size(); ++k) {
      if (owner[k] != w.rank) continue;
      const std::uint64_t index = k;
      std::string message(sizeof index, '\0');
      std::memcpy(message.data(), &index, sizeof index);
      send_to_root(message + compute(k));
    }
    return;
  }
  std::map<std::size_t, std::string> done;
  std::size_t next = 0, received = 0, theirs = 0;
  for (int o : owner) theirs += o != 0;
  auto flush = [&] {
    for (auto it = done.find(next); it != done.end(); it = done.find(next)) {
      record(next++, it->second);
      done.erase(it);
    }
  };
  auto take = [&](bool wait) {
    std::string message;
    while (receive_at_root(message, wait)) {
      std::uint64_t index = 0;
      std::memcpy(&index, message.data(), sizeof index);
      done[static_cast<std::size_t>(index)] = message.substr(sizeof index);
      ++received;
      wait = false;
    }
  };
  try {
    for (std::size_t k = 0; k < owner.size(); ++k) {
      if (owner[k] != 0) continue;
      done[k] = compute(k);
      take(false);
      flush();
    }
    while (next < owner.size()) {
      take(true);
      flush();
    }
  } catch (const RankFailure&) {
    throw;
  } catch (...) {
    // Rank 0 failed: the others may be blocked sending results too large to be buffered. Take (and drop) them all,
    // so that every rank reaches the agreement on the failure; a failure notice of another rank ends this early.
    while (received < theirs) take(true);
    throw;
  }
}

}  // namespace pmm
