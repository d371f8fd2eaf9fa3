// Runs the independent tools the totp tests compare against (oathtool,
// rsvg-convert, zbarimg) as child processes, several at a time.
//
// Not thread-safe: one test thread starts and finishes its children.
// Failures to start come back as an exit status of -1.
#pragma once

#include <string>
#include <vector>

namespace totp_test {

struct child_output {
  int exit_status = -1;  // -1 when the child could not start or was killed
  std::string out;       // everything it wrote to standard output
};

// True when `name` is an executable file in a PATH directory.
bool have_program(const std::string& name);

// Starts children for every command line, then collects them in order.
// Their standard error goes to /dev/null.
std::vector<child_output> run_all(
    const std::vector<std::vector<std::string>>& commands);

child_output run(const std::vector<std::string>& command);

}  // namespace totp_test
