// Reads the whitespace-separated vector files under tests/totp/data/,
// skipping blank lines and '#' comments.
//
// Thread-safe: each call reads its own file.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace totp_test {

inline std::vector<std::vector<std::string>> read_vectors(
    const std::string& name) {
  std::ifstream in(std::string(LATCHKEY_SOURCE_DIR) + "/tests/totp/data/" +
                   name);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields(line);
    std::vector<std::string> row;
    for (std::string field; fields >> field;)
      row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace totp_test
