// WorkerPool: work runs in the order queued; a growing pool starts a thread for work queued while
// every thread is busy, so work that waits on later work finishes, and those threads end when idle.
#include "services/worker_pool.h"

#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

TEST(WorkerPool, OneThreadRunsWorkInOrder) {
  std::vector<int> ran;
  {
    WorkerPool pool(1);
    for (int i = 0; i < 5; ++i) pool.Run([&ran, i] { ran.push_back(i); });
  }  // runs what was queued, then joins
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2, 3, 4}));
}

// The first work waits for the second: a pool of one thread would leave it waiting; a growing
// one starts a second thread for it.
TEST(WorkerPool, AGrowingPoolRunsWorkQueuedBehindWorkThatWaits) {
  for (const bool grow : {false, true}) {
    absl::Notification second_ran, first_done;
    bool first_saw_second = false;
    WorkerPool pool(1, grow);
    pool.Run([&] {
      first_saw_second = second_ran.WaitForNotificationWithTimeout(absl::Milliseconds(500));
      first_done.Notify();
    });
    pool.Run([&] { second_ran.Notify(); });
    // Without growth the second runs only once the first gave up waiting.
    EXPECT_TRUE(first_done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(first_saw_second, grow) << "grow " << grow;
    EXPECT_EQ(pool.threads(), grow ? 2u : 1u);  // a thread just started counts as idle: one more, not two
  }
}

// The threads a burst started end once idle for retire_after; the first ones stay.
TEST(WorkerPool, ThreadsAGrowingPoolStartedEndWhenIdle) {
  WorkerPool pool(1, /*grow=*/true, absl::Milliseconds(100));
  absl::Notification release;
  absl::BlockingCounter started(4);
  for (int i = 0; i < 4; ++i) {
    pool.Run([&] {
      started.DecrementCount();
      release.WaitForNotification();
    });
  }
  started.Wait();  // four at once: three more threads
  EXPECT_EQ(pool.threads(), 4u);
  release.Notify();
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (pool.threads() > 1 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(pool.threads(), 1u);
  // The pool still works, and grows again.
  absl::Notification ran;
  pool.Run([&] { ran.Notify(); });
  EXPECT_TRUE(ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

}  // namespace
}  // namespace sluice
