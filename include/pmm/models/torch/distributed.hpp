// Data-parallel training on LibTorch's c10d layer: which process group a pmm-train process joins (torchrun's
// MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK, LOCAL_RANK or --dist-url tcp://host:port --world-size N --rank R),
// TCPStore rendezvous, Gloo on CPU (NCCL on CUDA when LibTorch has it), and the few collectives training needs.
// A global batch of B samples is split into contiguous shards; shard r holds samples [B r / N, B (r + 1) / N).
#pragma once
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace pmm {

struct DistConfig {
  int world_size = 1, rank = 0, local_rank = 0;
  std::string host;           // the rendezvous (TCPStore) address, served by rank 0
  int port = 0;
  double timeout_s = 60;      // rendezvous and every collective
  std::string source;         // "--dist-url" or "environment": which arguments errors name
  bool active() const { return world_size > 1; }
};

// From --dist-url/--world-size/--rank when dist_url is given, else from torchrun's environment variables; a
// single process (world size 1) when neither says otherwise. Throws pmm::Error naming the argument or variable.
DistConfig resolve_dist_config(const std::string& dist_url, int world_size, int rank, double timeout_s);

struct GroupState;  // the c10d store and process group (distributed.cpp)

struct Communicator {
  int rank = 0, size = 1;
  std::string backend = "none";  // "gloo" or "nccl" when size > 1
  std::shared_ptr<GroupState> state;
  bool writer() const { return rank == 0; }
};

// Joins the group (size 1: no group, no sockets). device is the training device ("cpu", "cuda[:N]").
Communicator join_group(const DistConfig& config, const std::string& device);

// Every rank holds rank 0's values afterwards.
void broadcast_from_rank0(const Communicator& comm, std::vector<at::Tensor>& tensors, const char* what);
// Sums the tensors over ranks in place, as one flat bucket per dtype and device.
void allreduce_sum(const Communicator& comm, std::vector<at::Tensor>& tensors, const char* what);
// Waits for every rank (an error on any rank ends the others here).
void barrier(const Communicator& comm, const char* what);
// Tells the other ranks that this one stops with error (they name it in their own error); best effort. An error
// of a collective itself (another rank stopped first) is not passed on: rank 0 then only keeps the store up until
// the others have read the first rank's reason, if it left one.
void report_failure(const Communicator& comm, const std::exception& error);

// Shard [begin, end) of a global batch of B samples for this rank.
inline std::int64_t shard_begin(std::int64_t B, int rank, int size) { return B * rank / size; }

}  // namespace pmm
