#include "child_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

extern char** environ;

namespace totp_test {
namespace {

struct started {
  pid_t pid = -1;
  int out_fd = -1;
};

started start(const std::vector<std::string>& command) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  std::vector<char*> argv;
  for (const auto& arg : command)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc =
      posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return {};
  }
  return {pid, fds[0]};
}

child_output finish(const started& child) {
  child_output result;
  if (child.pid < 0)
    return result;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(child.out_fd, buffer, sizeof buffer);
    if (n > 0) {
      result.out.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(child.out_fd);
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace

bool have_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = dir + "/" + name;
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0)
      return true;
  }
  return false;
}

std::vector<child_output> run_all(
    const std::vector<std::vector<std::string>>& commands) {
  std::vector<started> children;
  children.reserve(commands.size());
  for (const auto& command : commands)
    children.push_back(start(command));
  std::vector<child_output> results;
  results.reserve(children.size());
  for (const auto& child : children)
    results.push_back(finish(child));
  return results;
}

child_output run(const std::vector<std::string>& command) {
  return finish(start(command));
}

}  // namespace totp_test
