// The messages of a server stream written from a worker thread at the client's pace: Write
// starts one write on the call's completion queue and waits for its event (the client took the
// message, or is gone), so the next batch of rows is read only then. SelectStream and the typed
// services' Stream write through it.
#ifndef SLUICE_SERVICES_PACED_WRITES_H_
#define SLUICE_SERVICES_PACED_WRITES_H_

#include <condition_variable>
#include <functional>
#include <mutex>

namespace sluice {

class PacedWrites {
 public:
  // Runs `start` (which starts one write whose event calls Written) and waits for that event:
  // false when the write failed (the client went away or the call was cancelled).
  bool Write(const std::function<void()>& start) {
    std::unique_lock<std::mutex> lock(mu_);
    written_ = false;
    start();
    cv_.wait(lock, [this] { return written_; });
    return ok_;
  }

  // The write's event, on the call's queue.
  void Written(bool ok) {
    std::lock_guard<std::mutex> lock(mu_);
    written_ = true;
    ok_ = ok;
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool written_ = false;
  bool ok_ = false;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_PACED_WRITES_H_
