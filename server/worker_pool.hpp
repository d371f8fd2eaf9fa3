// Threads for work that must not hold up the threads serving connections:
// password hashing (tens of milliseconds and 19 MiB each) and whatever
// waits on the disk. The queue is bounded: a job offered to a full pool is
// refused at once, so that a flood of password attempts gets 503 answers
// instead of exhausting memory.
//
// Thread-safe: any thread may submit; the destructor runs the jobs already
// queued, then joins the threads.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace server {

class worker_pool {
 public:
  // `threads` run jobs; at most `queue_limit` wait for one.
  worker_pool(std::size_t threads, std::size_t queue_limit);
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;
  ~worker_pool();

  // Queues `job`; false (and `job` dropped) when the queue is full.
  bool try_submit(std::function<void()> job);

  std::size_t queued() const;

 private:
  void run();

  const std::size_t queue_limit_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace server
