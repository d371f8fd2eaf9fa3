// What a process has used so far: CPU time of another process from
// /proc/PID/stat, its memory from /proc/PID/status, and this process's own
// CPU time from getrusage. Linux only.
//
// Thread-safe; each call reads the files anew.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace loadgen {

using cpu_time = std::chrono::microseconds;

// utime + stime of every thread of `pid`; nullopt when the process is gone
// or its stat file cannot be read.
std::optional<cpu_time> process_cpu_time(int pid);

struct process_memory {
  std::uint64_t peak_kib = 0;  // VmHWM: the largest resident set so far
  std::uint64_t rss_kib = 0;   // VmRSS
};

// Nullopt when the status file cannot be read or lacks either line.
std::optional<process_memory> memory_of(int pid);

// User and system time of this process, every thread included.
cpu_time own_cpu_time();

}  // namespace loadgen
