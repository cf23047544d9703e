// The locks of storage, as capabilities the thread-safety analysis knows (thread_annotations.h):
// the standard mutexes behind them, unchanged. Take them only through the scoped holders below (a
// std::lock_guard on one would be invisible to the analysis).
//
//   Mutex, MutexLock           std::mutex, held exclusively
//   SharedMutex, ReaderLock,   std::shared_mutex, held shared (readers side by side) or
//     WriterLock                 exclusively
//   WriterFirstSharedMutex     a SharedMutex that readers coming after a waiting writer cannot
//                                starve (ReaderLock and WriterLock take either)
//   CondVar                    std::condition_variable over a Mutex held by the caller
//
// The holders can let go early and take the lock again (Unlock(), Lock()): the analysis follows
// both, and the destructor releases only what is held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "thread_annotations.h"

namespace deltatunnel::storage {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // Tells the analysis the caller holds it (where it cannot see so); checks nothing at run time.
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

class CAPABILITY("shared mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  void LockShared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_->Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_->Unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_->Lock();
    held_ = true;
  }

 private:
  Mutex* const mu_;
  bool held_ = true;
};

// A shared mutex on which a waiting writer goes before the readers that come after it: the writer
// holds `gate_` while it waits for the readers inside to leave, and a reader passes `gate_` before
// it enters. A stream of readers (a session's appends) cannot starve a writer (its commit).
class CAPABILITY("shared mutex") WriterFirstSharedMutex {
 public:
  WriterFirstSharedMutex() = default;
  WriterFirstSharedMutex(const WriterFirstSharedMutex&) = delete;
  WriterFirstSharedMutex& operator=(const WriterFirstSharedMutex&) = delete;

  void Lock() ACQUIRE() {
    std::lock_guard hold(gate_);
    mu_.lock();
  }
  void Unlock() RELEASE() { mu_.unlock(); }
  void LockShared() ACQUIRE_SHARED() {
    { std::lock_guard pass(gate_); }
    mu_.lock_shared();
  }
  void UnlockShared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::mutex gate_;
  std::shared_mutex mu_;
};

// Holders of a SharedMutex or a WriterFirstSharedMutex (the type is deduced: ReaderLock lock(&mu)).
template <typename SharedMutexType>
class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutexType* mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_->LockShared(); }
  ~ReaderLock() RELEASE() {
    if (held_) mu_->UnlockShared();
  }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

  void Unlock() RELEASE() {
    mu_->UnlockShared();
    held_ = false;
  }

 private:
  SharedMutexType* const mu_;
  bool held_ = true;
};

template <typename SharedMutexType>
class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutexType* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~WriterLock() RELEASE() { mu_->Unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutexType* const mu_;
};

// Waits give up `mu` while they sleep and hold it again when they return, as
// std::condition_variable::wait does (the analysis sees `mu` held throughout, which is what the
// caller's code between waits may assume). Spurious wakeups happen: wait in a loop on the
// condition.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // False once `deadline` has passed.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace deltatunnel::storage
