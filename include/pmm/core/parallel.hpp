// Runs body(c) for every chunk c in [0, n_chunks) on `threads` threads (the calling thread included), chunks
// handed out in increasing order. The first exception stops the hand-out and is rethrown once all threads
// are joined. Results must be written per chunk, so they never depend on which thread ran a chunk.
#pragma once
#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <pmm/core/batch.hpp>

namespace pmm {

template <class Body>
void parallel_chunks(Index n_chunks, int threads, Body&& body) {
  std::atomic<Index> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    try {
      for (Index c = next++; c < n_chunks; c = next++) body(c);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next = n_chunks;
    }
  };
  std::vector<std::thread> pool;
  for (int i = 1; i < std::min<Index>(threads, n_chunks); ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace pmm
