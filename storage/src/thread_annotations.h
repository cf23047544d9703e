// Clang's thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html), as
// leveldb's port/thread_annotations.h: the lock discipline written where the data is, and checked
// by the compiler in the thread-safety build (scripts/thread-safety.sh: clang, -Wthread-safety
// -Werror). Under GCC, the default build, every macro is empty.
//
//   Mutex mu_;
//   uint64_t next_id_ GUARDED_BY(mu_);
//   void AdvanceLocked() REQUIRES(mu_);
//
// The lock wrappers that carry the capabilities are in mutex.h.
#pragma once

#if defined(__clang__)
#define DT_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define DT_THREAD_ANNOTATION(x)
#endif

// A class that is a lock (Mutex, SharedMutex), or an RAII holder of one (MutexLock...).
#define CAPABILITY(x) DT_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY DT_THREAD_ANNOTATION(scoped_lockable)

// Data: read under the lock held shared or exclusively, written under it held exclusively.
#define GUARDED_BY(x) DT_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) DT_THREAD_ANNOTATION(pt_guarded_by(x))

// Lock order: this lock is taken after (before) the named ones, never while holding them the
// other way round. Checked by -Wthread-safety-beta.
#define ACQUIRED_AFTER(...) DT_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) DT_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))

// Functions: the caller holds the lock (exclusively; shared or exclusively), or must not.
#define REQUIRES(...) DT_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) DT_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define EXCLUDES(...) DT_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// leveldb's spellings.
#define EXCLUSIVE_LOCKS_REQUIRED(...) REQUIRES(__VA_ARGS__)
#define SHARED_LOCKS_REQUIRED(...) REQUIRES_SHARED(__VA_ARGS__)
#define LOCKS_EXCLUDED(...) EXCLUDES(__VA_ARGS__)

// Functions that take or let go of a lock (the wrappers' own members).
#define ACQUIRE(...) DT_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) DT_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) DT_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) DT_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) DT_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) DT_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) DT_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) DT_THREAD_ANNOTATION(lock_returned(x))

// For code the analysis cannot follow; say why next to each use.
#define NO_THREAD_SAFETY_ANALYSIS DT_THREAD_ANNOTATION(no_thread_safety_analysis)
