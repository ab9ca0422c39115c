// WorkerPool: work runs in the order queued; a growing pool starts a thread for work queued while
// every thread is busy, so work that waits on later work finishes.
#include "services/worker_pool.h"

#include <vector>

#include "absl/synchronization/notification.h"
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

}  // namespace
}  // namespace sluice
