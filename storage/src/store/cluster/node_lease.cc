#include "store/cluster/node_lease.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <random>

namespace deltatunnel::storage::cluster {

namespace {

std::string Incarnation() {
  std::random_device rd;
  const uint64_t token = (uint64_t{rd()} << 32) ^ rd();
  return fmt::format("{:016x}", token);
}

}  // namespace

Result<std::unique_ptr<NodeLease>> NodeLease::Acquire(NodeLeaseOptions options) {
  if (!options.etcd || options.key.empty() || options.ttl_seconds <= 0) {
    return InvalidArgument("a node lease needs etcd, a key and a TTL");
  }
  const std::string value = fmt::format("{} (incarnation {})", options.description, Incarnation());
  const auto deadline = std::chrono::steady_clock::now() + options.wait;
  bool waited = false;
  while (true) {
    // A lease an attempt: one granted before a wait longer than its TTL would be over.
    DT_ASSIGN_OR_RETURN(Lease lease, options.etcd->GrantLease(options.ttl_seconds));
    auto txn =
        options.etcd->Txn({Compare::Missing(options.key)}, {Op::Put(options.key, value, lease.id)});
    if (txn.ok() && txn->succeeded) {
      return std::unique_ptr<NodeLease>(new NodeLease(std::move(options), value, lease.id));
    }
    (void)options.etcd->RevokeLease(lease.id);
    if (!txn.ok()) return txn.status();
    auto holder = options.etcd->Get(options.key);
    const std::string who = holder.ok() && *holder ? (*holder)->value : "another node";
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(ErrorCode::kStatusConflict,
                    fmt::format("etcd key {} is held by {}: one node serves a cluster prefix at "
                                "a time; it frees when that node stops, or {} s after it died",
                                options.key, who, options.ttl_seconds));
    }
    if (!waited) {
      spdlog::warn(
          "waiting up to {} ms for {} to free etcd key {} (its lease ends {} s after "
          "it stopped)",
          options.wait.count(), who, options.key, options.ttl_seconds);
      waited = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

NodeLease::NodeLease(NodeLeaseOptions options, std::string value, int64_t lease_id)
    : options_(std::move(options)), value_(std::move(value)), lease_id_(lease_id) {
  refresher_ = std::thread([this] { Refresh(); });
}

NodeLease::~NodeLease() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  cv_.SignalAll();
  refresher_.join();
  (void)options_.etcd->RevokeLease(lease_id_);
}

Status NodeLease::Check() const {
  if (!lost_) return Status::Ok();
  return Status(ErrorCode::kServiceUnavailable,
                fmt::format("this node no longer holds etcd key {} (its lease ended, or another "
                            "node took it over): it writes nothing more; restart it",
                            options_.key));
}

Status NodeLease::Lost(std::string_view what) {
  if (!lost_.exchange(true)) {
    spdlog::error("{}: this node no longer holds etcd key {}", what, options_.key);
  }
  return Check();
}

void NodeLease::Refresh() {
  const auto ttl = std::chrono::milliseconds(options_.ttl_seconds * 1000);
  auto last_ok = std::chrono::steady_clock::now();
  while (true) {
    {
      MutexLock lock(&mu_);
      const auto until = std::chrono::steady_clock::now() + ttl / 3;
      while (!stopping_ && std::chrono::steady_clock::now() < until) cv_.WaitUntil(mu_, until);
      if (stopping_) return;
    }
    auto renewed = options_.etcd->KeepAlive(lease_id_);
    const auto now = std::chrono::steady_clock::now();
    if (renewed.ok()) {
      last_ok = now;
      continue;
    }
    if (renewed.status().code() == ErrorCode::kNoSuchObject || now - last_ok >= ttl) {
      lost_ = true;
      spdlog::error(
          "the node's lease on etcd key {} ended ({}): this node writes nothing more; "
          "restart it",
          options_.key, renewed.status().ToString());
      return;
    }
    spdlog::warn("refreshing the node's lease on {}: {}", options_.key,
                 renewed.status().ToString());
  }
}

}  // namespace deltatunnel::storage::cluster
