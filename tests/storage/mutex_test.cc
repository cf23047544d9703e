// The annotated lock wrappers (mutex.h): the holders let go and take the lock again, and the
// condition variable waits as std::condition_variable does.
#include "../../storage/src/mutex.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "test_util.h"

using namespace deltatunnel::storage;

TEST_CASE("mutex: a MutexLock unlocked early lets another thread in, and locks again",
          "[storage][mutex]") {
  Mutex mu;
  bool entered = false;
  {
    MutexLock lock(&mu);
    std::thread other([&] {
      MutexLock l(&mu);
      entered = true;
    });
    lock.Unlock();
    other.join();  // returns only once the other thread had the lock
    lock.Lock();
    CHECK(entered);
  }
  MutexLock again(&mu);  // the holder released what it held again when it went
  SUCCEED();
}

TEST_CASE("mutex: Wait gives the lock up while it sleeps", "[storage][mutex]") {
  Mutex mu;
  CondVar cv;
  bool ready = false;
  MutexLock lock(&mu);
  std::thread other([&] {
    MutexLock l(&mu);
    ready = true;
    cv.SignalAll();
  });
  while (!ready) cv.Wait(mu);
  CHECK(ready);
  lock.Unlock();
  other.join();
}

TEST_CASE("mutex: WaitUntil answers false once the deadline passed", "[storage][mutex]") {
  Mutex mu;
  CondVar cv;
  MutexLock lock(&mu);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  bool woken = true;
  while (woken) woken = cv.WaitUntil(mu, deadline);  // spurious wakeups come back true
  CHECK(std::chrono::steady_clock::now() >= deadline);
}

TEST_CASE("mutex: readers hold a SharedMutex side by side, a writer alone", "[storage][mutex]") {
  SharedMutex mu;
  {
    ReaderLock a(&mu);
    ReaderLock b(&mu);  // would deadlock were the lock exclusive
  }
  WriterLock w(&mu);
  SUCCEED();
}

TEST_CASE(
    "mutex: on a WriterFirstSharedMutex, a waiting writer goes before readers that come later",
    "[storage][mutex]") {
  WriterFirstSharedMutex mu;
  std::atomic<int> step{0};
  std::atomic<bool> writer_in{false};
  std::atomic<bool> late_reader_saw_writer{false};
  auto first = std::make_unique<ReaderLock<WriterFirstSharedMutex>>(&mu);
  std::thread writer([&] {
    step = 1;
    WriterLock w(&mu);  // waits for `first`
    writer_in = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    writer_in = false;
  });
  while (step < 1) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer is waiting by now
  std::thread late_reader([&] {
    ReaderLock r(&mu);  // must wait behind the writer, not slip in beside `first`
    late_reader_saw_writer = !writer_in && step == 2;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  step = 2;
  first.reset();
  writer.join();
  late_reader.join();
  CHECK(late_reader_saw_writer);
}
