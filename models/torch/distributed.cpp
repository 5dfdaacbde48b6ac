// The c10d side of data-parallel training (see distributed.hpp): rendezvous through a TCPStore served by rank 0,
// a Gloo (CPU) or NCCL (CUDA, when LibTorch was built with it) process group, flat-bucket collectives, and the
// "pmm/failed" store key through which a rank that stops tells the others why, so that they name it.
// The only translation unit that includes <torch/csrc/distributed/...>.
#include <pmm/models/torch/distributed.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <torch/types.h>

#if __has_include(<gloo/algorithm.h>)
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO  // LibTorch's header declares ProcessGroupGloo only under it
#endif
#define PMM_HAVE_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <pmm/core/error.hpp>

namespace pmm {

struct GroupState {
  c10::intrusive_ptr<c10d::Store> store;
#ifdef PMM_HAVE_GLOO
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#endif
#ifdef USE_C10D_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  std::chrono::milliseconds timeout{60000};
};

namespace {

constexpr const char* kFailedKey = "pmm/failed";
constexpr const char* kAckKey = "pmm/failed_seen";

int parse_int(const std::string& text, const std::string& what, int lo, int hi) {
  std::size_t used = 0;
  long v = 0;
  try {
    v = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  require(used == text.size() && !text.empty() && v >= lo && v <= hi, what,
          fmt::format("expected an integer in [{}, {}], got '{}'", lo, hi, text));
  return static_cast<int>(v);
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// Runs one collective; a failure (a peer gone, a timeout) becomes one pmm::Error naming this rank and, when the
// rank that stopped first left its reason in the store, that rank and its reason.
// The reason that the rank which stopped first left in the store (acknowledged, so that rank 0 can exit), or "".
std::string failure_reason(c10d::Store& store) {
  try {
    store.setTimeout(std::chrono::milliseconds(2000));
    if (store.check({kFailedKey})) {
      const auto v = store.get(kFailedKey);
      store.add(kAckKey, 1);
      return std::string(v.begin(), v.end());
    }
  } catch (const std::exception&) {  // the store (rank 0) is gone too
  }
  return "";
}

template <class F>
void collective(const Communicator& comm, const char* what, F&& f) {
  try {
    f();
    return;
  } catch (const std::exception& e) {
    std::string first = e.what();
    first = first.substr(0, first.find('\n'));
    const std::string why = failure_reason(*comm.state->store);
    if (!why.empty())
      throw Error(ErrorKind::kIo, "distributed",
                  fmt::format("rank {} stops during {}: {}", comm.rank, what, why));
    throw Error(ErrorKind::kIo, "distributed",
                fmt::format("rank {} stops during {}: lost contact with another rank (killed, crashed or past the "
                            "{:.0f} s timeout; see its own output): {}",
                            comm.rank, what, static_cast<double>(comm.state->timeout.count()) / 1000.0, first));
  }
}

template <class Op>
void on_group(const Communicator& comm, Op&& op) {
#ifdef USE_C10D_NCCL
  if (comm.state->nccl) return op(*comm.state->nccl);
#endif
#ifdef PMM_HAVE_GLOO
  if (comm.state->gloo) return op(*comm.state->gloo);
#endif
  throw Error("distributed: the process group is closed");
}

}  // namespace

DistConfig resolve_dist_config(const std::string& dist_url, int world_size, int rank, double timeout_s) {
  DistConfig c;
  require(std::isfinite(timeout_s) && timeout_s >= 1 && timeout_s <= 86400, "--dist-timeout",
          fmt::format("must be in [1, 86400] seconds, got {}", timeout_s));
  c.timeout_s = timeout_s;
  if (!dist_url.empty()) {
    c.source = "--dist-url";
    const std::string prefix = "tcp://";
    require(dist_url.rfind(prefix, 0) == 0, "--dist-url", "expected tcp://HOST:PORT, got '" + dist_url + "'");
    const std::string rest = dist_url.substr(prefix.size());
    const auto colon = rest.rfind(':');
    require(colon != std::string::npos && colon > 0, "--dist-url", "expected tcp://HOST:PORT, got '" + dist_url + "'");
    c.host = rest.substr(0, colon);
    if (c.host.size() > 2 && c.host.front() == '[' && c.host.back() == ']') c.host = c.host.substr(1, c.host.size() - 2);
    c.port = parse_int(rest.substr(colon + 1), "--dist-url", 1, 65535);
    require(world_size >= 1, "--world-size", fmt::format("must be >= 1 with --dist-url, got {}", world_size));
    require(rank >= 0 && rank < world_size, "--rank",
            fmt::format("must be in [0, --world-size {}), got {}", world_size, rank));
    c.world_size = world_size, c.rank = rank;
    const auto lr = env("LOCAL_RANK");
    c.local_rank = lr.empty() ? 0 : parse_int(lr, "LOCAL_RANK", 0, 1 << 20);
    return c;
  }
  require(world_size == 0 && rank < 0, "--dist-url", "--world-size and --rank go with --dist-url tcp://HOST:PORT");
  const auto ws = env("WORLD_SIZE");
  if (ws.empty()) return c;
  c.source = "environment";
  c.world_size = parse_int(ws, "WORLD_SIZE", 1, 1 << 20);
  if (c.world_size == 1) return c;
  const auto r = env("RANK"), addr = env("MASTER_ADDR"), port = env("MASTER_PORT"), lr = env("LOCAL_RANK");
  require(!r.empty(), "RANK", fmt::format("must be set with WORLD_SIZE={}", c.world_size));
  c.rank = parse_int(r, "RANK", 0, c.world_size - 1);
  require(!addr.empty(), "MASTER_ADDR", fmt::format("must be set with WORLD_SIZE={}", c.world_size));
  require(!port.empty(), "MASTER_PORT", fmt::format("must be set with WORLD_SIZE={}", c.world_size));
  c.host = addr;
  c.port = parse_int(port, "MASTER_PORT", 1, 65535);
  c.local_rank = lr.empty() ? 0 : parse_int(lr, "LOCAL_RANK", 0, 1 << 20);
  return c;
}

Communicator join_group(const DistConfig& c, const std::string& device) {
  Communicator comm;
  if (!c.active()) return comm;
  comm.rank = c.rank, comm.size = c.world_size;
  auto state = std::make_shared<GroupState>();
  state->timeout = std::chrono::milliseconds(static_cast<std::int64_t>(c.timeout_s * 1000));
  const bool cuda = device.rfind("cuda", 0) == 0;
  const std::string where = c.source == "--dist-url" ? "--dist-url" : "MASTER_ADDR/MASTER_PORT";
#ifndef USE_C10D_NCCL
  require(!cuda, "--device",
          "cuda with several processes needs LibTorch's NCCL backend, and this build has none (configure with "
          "-DPMM_WITH_NCCL=ON against a LibTorch built with NCCL); train on --device cpu (Gloo) instead");
#endif
#ifndef PMM_HAVE_GLOO
  require(cuda, "--device",
          "cpu with several processes needs the Gloo headers (Debian: libgloo-dev) when pmm is built; this build has "
          "none");
#endif
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(c.port);
    // Under torchrun the agent already serves the store at MASTER_PORT and says so (as PyTorch's env:// does).
    so.isServer = c.rank == 0 && env("TORCHELASTIC_USE_AGENT_STORE") != "True";
    so.numWorkers = static_cast<std::size_t>(c.world_size);
    so.waitWorkers = true;
    so.timeout = state->timeout;
    // Our keys (Gloo's rendezvous and pmm/failed) under a prefix per torchrun restart: an agent store outlives a
    // restarted group, and its previous keys must not be read as this group's.
    const auto restart = env("TORCHELASTIC_RESTART_COUNT");
    state->store = c10::make_intrusive<c10d::PrefixStore>(
        "pmm/" + (restart.empty() ? std::string("0") : restart),
        c10::make_intrusive<c10d::TCPStore>(c.host, so));
  } catch (const std::exception& e) {
    std::string m = e.what();
    throw Error(ErrorKind::kIo, where,
                fmt::format("rank {}: no rendezvous with {} ranks at {}:{} within {:.0f} s ({})", c.rank, c.world_size,
                            c.host, c.port, c.timeout_s, m.substr(0, m.find('\n'))));
  }
  try {
    if (cuda) {
#ifdef USE_C10D_NCCL
      auto opts = c10d::ProcessGroupNCCL::Options::create();
      opts->timeout = state->timeout;
      state->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(state->store, c.rank, c.world_size, opts);
      comm.backend = "nccl";
#endif
    } else {
#ifdef PMM_HAVE_GLOO
      auto opts = c10d::ProcessGroupGloo::Options::create(state->timeout);
      const auto ifname = env("GLOO_SOCKET_IFNAME");
      if (!ifname.empty())
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
      else if (loopback(c.host))
        opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(c.host));
      else
        opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      opts->threads = 1;
      state->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(state->store, c.rank, c.world_size, opts);
      comm.backend = "gloo";
#endif
    }
  } catch (const pmm::Error&) {
    throw;
  } catch (const std::exception& e) {
    // A rank that failed before the group was whole (rank 0 refusing its --out, say) closes its side of it: its
    // reason, when it left one, says more than the closed connection.
    const std::string why = failure_reason(*state->store);
    if (!why.empty())
      throw Error(ErrorKind::kIo, "distributed",
                  fmt::format("rank {} stops while forming the process group: {}", c.rank, why));
    std::string m = e.what();
    throw Error(ErrorKind::kIo, where,
                fmt::format("rank {}: cannot form the {} process group of {} ranks ({})", c.rank,
                            cuda ? "nccl" : "gloo", c.world_size, m.substr(0, m.find('\n'))));
  }
  comm.state = std::move(state);
  return comm;
}

void broadcast_from_rank0(const Communicator& comm, std::vector<at::Tensor>& tensors, const char* what) {
  if (comm.size <= 1 || tensors.empty()) return;
  collective(comm, what, [&] {
    on_group(comm, [&](auto& pg) {
      c10d::BroadcastOptions o;
      o.rootRank = 0;
      for (auto& t : tensors) {
        std::vector<at::Tensor> one{t};
        pg.broadcast(one, o)->wait();
      }
    });
  });
}

void allreduce_sum(const Communicator& comm, std::vector<at::Tensor>& tensors, const char* what) {
  if (comm.size <= 1 || tensors.empty()) return;
  // One bucket per (dtype, device): one message per step instead of one per parameter.
  std::map<std::string, std::vector<size_t>> buckets;
  for (size_t i = 0; i < tensors.size(); ++i)
    buckets[std::string(c10::toString(tensors[i].scalar_type())) + tensors[i].device().str()].push_back(i);
  collective(comm, what, [&] {
    on_group(comm, [&](auto& pg) {
      for (const auto& [key, idx] : buckets) {
        std::vector<at::Tensor> parts;
        for (auto i : idx) parts.push_back(tensors[i].reshape({-1}));
        std::vector<at::Tensor> flat{torch::cat(parts)};
        c10d::AllreduceOptions o;
        o.reduceOp = c10d::ReduceOp::SUM;
        pg.allreduce(flat, o)->wait();
        std::int64_t at = 0;
        for (auto i : idx) {
          const auto n = tensors[i].numel();
          tensors[i].copy_(flat[0].narrow(0, at, n).view(tensors[i].sizes()));
          at += n;
        }
      }
    });
  });
}

void barrier(const Communicator& comm, const char* what) {
  if (comm.size <= 1) return;
  // A one-element all-reduce rather than ProcessGroup::barrier: the same collective on Gloo and NCCL.
  std::vector<at::Tensor> one{torch::zeros({1})};
  allreduce_sum(comm, one, what);
}

void report_failure(const Communicator& comm, const std::exception& error) {
  if (comm.size <= 1 || !comm.state) return;
  try {
    auto& store = *comm.state->store;
    store.setTimeout(std::chrono::milliseconds(2000));
    const auto* own = dynamic_cast<const Error*>(&error);
    const bool collective_failed = own && own->argument == "distributed";
    const bool reason_left = store.check({kFailedKey});
    if (collective_failed && !reason_left) return;  // a rank vanished: nobody to wait for, nothing to add
    if (!reason_left) {
      const std::string message = error.what();
      const std::string v = fmt::format("rank {} failed: {}", comm.rank, message.substr(0, message.find('\n')));
      store.set(kFailedKey, std::vector<std::uint8_t>(v.begin(), v.end()));
    }
    // Closing the group ends the others' waiting collectives now rather than at the timeout.
#ifdef PMM_HAVE_GLOO
    comm.state->gloo.reset();
#endif
#ifdef USE_C10D_NCCL
    comm.state->nccl.reset();
#endif
    if (comm.rank == 0) {
      // Rank 0 serves the store: stay up (2 s at most) until the others have read why.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (store.add(kAckKey, 0) < comm.size - 1 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (const std::exception&) {  // best effort: the others still stop, without the reason
  }
}

}  // namespace pmm
