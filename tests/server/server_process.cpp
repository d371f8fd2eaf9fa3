#include "server_process.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

extern char** environ;

namespace test_support {
namespace {

std::string temp_log_path() {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          ("latchkey-test-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++) + ".log"))
      .string();
}

// A fresh folder for each child to run in, so the database and key file it
// creates by default land there, never in the source tree.
std::string child_folder() {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("latchkey-run-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter++));
  std::filesystem::create_directories(dir);
  return dir.string();
}

pid_t spawn(const std::vector<std::string>& args, const std::string& output,
            const std::string& folder) {
  std::vector<char*> argv;
  std::string program = LATCHKEY_EXECUTABLE;
  argv.push_back(program.data());
  std::vector<std::string> copies = args;
  for (auto& a : copies)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addchdir_np(&actions, folder.c_str());
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr,
                             argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE_MESSAGE(rc == 0, "cannot start " << program);
  return pid;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int wait_for(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (std::chrono::steady_clock::now() > deadline)
      return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

command_result run_latchkey(const std::vector<std::string>& args) {
  const std::string path = temp_log_path();
  const std::string folder = child_folder();
  const pid_t pid = spawn(args, path, folder);
  command_result out;
  out.exit_code = wait_for(pid, std::chrono::seconds(30));
  if (out.exit_code == -1)
    ::kill(pid, SIGKILL), ::waitpid(pid, nullptr, 0);
  out.output = read_file(path);
  std::filesystem::remove(path);
  std::filesystem::remove_all(folder);
  return out;
}

server_process::server_process(const std::vector<std::string>& args)
    : log_path_(temp_log_path()), folder_(child_folder()) {
  std::vector<std::string> full = {"serve", "--listen", "127.0.0.1:0"};
  // Servers of tests run side by side: each admin listener takes a free
  // port too, unless the test chose one.
  if (std::find(args.begin(), args.end(), "--admin-listen") == args.end())
    full.insert(full.end(), {"--admin-listen", "127.0.0.1:0"});
  full.insert(full.end(), args.begin(), args.end());
  pid_ = spawn(full, log_path_, folder_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = log();
    if (const auto at = text.find("event=listening"); at != std::string::npos) {
      const auto port_at = text.find(" port=", at);
      REQUIRE(port_at != std::string::npos);
      port_ = static_cast<std::uint16_t>(std::atoi(text.c_str() + port_at + 6));
      if (const auto admin = text.find("event=admin_listening");
          admin != std::string::npos) {
        const auto admin_port_at = text.find(" port=", admin);
        admin_port_ = static_cast<std::uint16_t>(
            std::atoi(text.c_str() + admin_port_at + 6));
      }
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("the server exited at start-up:\n" << text);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  FAIL("the server did not report its port:\n" << log());
}

server_process::~server_process() {
  // A clean stop rather than a kill, so that a sanitizer build of the
  // server gets to report leaks at exit.
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (wait_for(pid_, std::chrono::seconds(10)) == -1) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  std::filesystem::remove(log_path_);
  std::filesystem::remove_all(folder_);
}

void server_process::send_signal(int signal) const {
  REQUIRE(pid_ > 0);
  ::kill(pid_, signal);
}

int server_process::wait(std::chrono::milliseconds limit) {
  REQUIRE(pid_ > 0);
  const int code = wait_for(pid_, limit);
  if (code != -1)
    pid_ = -1;
  return code;
}

std::string server_process::log() const {
  return read_file(log_path_);
}

}  // namespace test_support
