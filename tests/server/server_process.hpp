// Runs the real `latchkey` binary as a child process for integration tests,
// with its log captured in a temporary file.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace test_support {

// The outcome of running `latchkey` to completion.
struct command_result {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `latchkey ARGS...` and waits for it (at most 30 seconds).
command_result run_latchkey(const std::vector<std::string>& args);

class server_process {
 public:
  // Starts `latchkey serve --listen 127.0.0.1:0 ARGS...` and waits until it
  // logs the port it bound. Fails the current test when it does not.
  explicit server_process(const std::vector<std::string>& args = {});
  ~server_process();

  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  // The admin listener's port; 0 when it is off.
  std::uint16_t admin_port() const noexcept { return admin_port_; }

  void send_signal(int signal) const;

  // Waits for the process to end; its exit code, or 128 + signal. Returns
  // -1 when it is still running after `limit`.
  int wait(std::chrono::milliseconds limit = std::chrono::seconds(15));

  // Everything the server has logged so far.
  std::string log() const;

  // The child's working folder: its database and key file are there.
  const std::string& folder() const noexcept { return folder_; }

 private:
  pid_t pid_ = -1;
  std::string log_path_;
  std::string folder_;  // the child's working folder
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
};

}  // namespace test_support
