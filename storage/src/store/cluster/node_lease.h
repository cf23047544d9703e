// A node's hold on a cluster prefix: an etcd key (<prefix>node) bound to a lease this node keeps
// alive. Until deltatunnel's nodes share a prefix (issue 23's next step), one node at a time
// serves a prefix: a second one is refused at start, naming the holder, and every transaction of
// the holder compares the key with its own value (Held()), so a node that lost the key (stopped
// past its lease, cut off from etcd) writes nothing more, even if it does not know yet.
//
// The key's value names the node (its description) and this incarnation (a random token): a
// restarted node is another holder.
//
// Thread-safe. A thread refreshes the lease every third of its TTL; once the lease expired, or
// no refresh succeeded for a whole TTL, the hold is lost for good (Check() says so): the node's
// state may be stale by then, and only a restart reads it again.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "mutex.h"
#include "store/cluster/etcd_client.h"
#include "thread_annotations.h"

namespace deltatunnel::storage::cluster {

struct NodeLeaseOptions {
  std::shared_ptr<EtcdClient> etcd;
  std::string key;          // the etcd key held
  std::string description;  // who holds it: shown to a node refused
  int64_t ttl_seconds = 10;
  // How long Acquire waits for another holder's lease to end (a node restarted after a crash
  // finds its previous incarnation's key until its lease expires).
  std::chrono::milliseconds wait{0};
};

class NodeLease {
 public:
  // Holds the key, or answers why not: kStatusConflict naming the holder when another node
  // still holds it after `wait`; kServiceUnavailable when etcd does not answer.
  static Result<std::unique_ptr<NodeLease>> Acquire(NodeLeaseOptions options);
  // Stops refreshing and revokes the lease: the key goes at once.
  ~NodeLease();
  NodeLease(const NodeLease&) = delete;
  NodeLease& operator=(const NodeLease&) = delete;

  // The condition every transaction of the holder carries.
  Compare Held() const { return Compare::ValueIs(options_.key, value_); }
  // Ok while held; kServiceUnavailable once lost.
  Status Check() const;
  // Answers Check()'s error for a transaction whose Held() compare failed, and marks the hold
  // lost (another node holds the key, or nobody does).
  Status Lost(std::string_view what);
  const std::string& value() const { return value_; }

 private:
  NodeLease(NodeLeaseOptions options, std::string value, int64_t lease_id);
  void Refresh();

  const NodeLeaseOptions options_;
  const std::string value_;
  const int64_t lease_id_;
  std::atomic<bool> lost_{false};
  Mutex mu_;
  CondVar cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread refresher_;
};

}  // namespace deltatunnel::storage::cluster
