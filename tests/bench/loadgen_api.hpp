// The two HTTP APIs a ceremony can go through, behind one interface: what
// to POST for the options and for the result of a sign-up or a sign-in,
// what an options answer hands the authenticator, and whether a result
// answer means success.
//
// The latchkey dialect follows the account API as specified while the
// server was being written, before it could be tried; its paths, member
// names and expected statuses are constants at the top of loadgen_api.cpp,
// in one place to adjust.
//
// Thread-safe: an api object is immutable once made.
#pragma once

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

#include "common/bytes.hpp"
#include "tests/bench/loadgen_http.hpp"
#include "tests/bench/loadgen_options.hpp"

namespace loadgen {

enum class ceremony { sign_up, sign_in };

struct request {
  std::string path;
  std::string body;
};

// What an options answer hands the authenticator.
struct challenge {
  common::bytes bytes;               // the decoded "challenge"
  std::optional<std::string> rp_id;  // "rp.id" or "rpId", when named
  common::bytes user_handle;         // "user.id"; sign-up only
  // Given back in the result as it came; null when the API has none.
  nlohmann::json handle;
};

// Why an answer was not what the ceremony needed, ready to print.
struct failure {
  std::string what;
};

template <class T>
using outcome = boost::system::result<T, failure>;

struct user_name {
  std::string name;
  std::string display_name;
};

class api {
 public:
  virtual ~api() = default;

  virtual request options_request(ceremony kind,
                                  const user_name& user) const = 0;
  // Fails when the answer is not a successful options answer, or misses
  // the challenge (or, for a sign-up, the user id).
  virtual outcome<challenge> read_options(ceremony kind,
                                          const answer& got) const = 0;
  // `credential` is the authenticator's response as toJSON() writes it.
  virtual request result_request(ceremony kind, const challenge& options,
                                 const nlohmann::json& credential) const = 0;
  // Fails unless the answer says the ceremony succeeded.
  virtual outcome<void> check_result(ceremony kind,
                                     const answer& got) const = 0;
};

std::unique_ptr<const api> make_api(api_kind kind);

// An answer that was not the expected one, for an error line: its status
// and the start of its body, or why no answer came.
std::string describe(const answer& got);

}  // namespace loadgen
