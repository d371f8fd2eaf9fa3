#include "server/user_commands.hpp"

#include "common/encoding.hpp"
#include "server/account_admin.hpp"
#include "server/command_support.hpp"
#include "server/sessions.hpp"
#include "storage/sqlite_store.hpp"

#include <memory>
#include <optional>
#include <vector>

#include <unistd.h>

namespace server {
namespace {

constexpr std::string_view kUserUsage =
    "Usage: latchkey user add NAME [--display-name TEXT] [OPTIONS]\n"
    "       latchkey user list [OPTIONS]\n"
    "       latchkey user show|disable|enable|reset-password|reset-factors|\n"
    "                     delete NAME [OPTIONS]\n"
    "\n"
    "Manages accounts while servers keep running. Every change is audited\n"
    "(address \"latchkey user\", with the operator's uid).\n"
    "\n"
    "add NAME        Creates an account with neither password nor key, and\n"
    "                prints an enrollment link with which its person sets\n"
    "                up a first factor. --display-name TEXT defaults to\n"
    "                NAME.\n"
    "list            Prints every account with its factors.\n"
    "show NAME       Prints an account: its keys, TOTP, recovery codes left\n"
    "                and live sessions.\n"
    "disable NAME    Stops the account from signing in and ends its\n"
    "                sessions.\n"
    "enable NAME     Lets a disabled account sign in again.\n"
    "reset-password NAME\n"
    "                Prints a one-time password reset link and its token;\n"
    "                redeeming it still needs a second factor.\n"
    "reset-factors NAME\n"
    "                Removes every key, the TOTP enrollment and the recovery\n"
    "                codes, ends every session, and prints a one-time\n"
    "                enrollment link for a new first factor.\n"
    "delete NAME     Erases the account (GDPR): its audit events keep only\n"
    "                the account's number, without addresses, user agents\n"
    "                or details.\n"
    "\n"
    "Links work once, expire after --reset-token-lifetime and void the\n"
    "user's earlier links of their kind; they point at the first --origin.\n"
    "NAME is folded like a sign-in name (Alice is alice). Exit status: 0\n"
    "done, 1 refused (no such user, a name taken or not allowed), 2 bad\n"
    "usage or a database that cannot be opened.\n"
    "\n";

constexpr std::string_view kAdminKeyUsage =
    "Usage: latchkey admin-key add NAME [--role admin|introspect] [OPTIONS]\n"
    "       latchkey admin-key list [OPTIONS]\n"
    "       latchkey admin-key remove NAME [OPTIONS]\n"
    "\n"
    "Manages the bearer keys of the admin API (--admin-listen). A key is\n"
    "stored only as its SHA-256; servers see a change at the next request.\n"
    "\n"
    "add NAME     Makes a key and prints it, once, on the first line. Role\n"
    "             admin (the default) may use every admin route; role\n"
    "             introspect only POST /admin/v1/introspect. NAME is 1 to 64\n"
    "             characters from A-Z a-z 0-9 . _ - and names the key in the\n"
    "             audit.\n"
    "list         Prints each key's name, role and creation time, never the\n"
    "             key.\n"
    "remove NAME  Removes the key: requests with it are refused at once.\n"
    "\n"
    "Exit status: 0 done, 1 refused (a name taken, unknown or not allowed),\n"
    "2 bad usage or a database that cannot be opened.\n"
    "\n";

constexpr std::string_view kOptions =
    "Options (also read from the variable in brackets, or from the JSON\n"
    "file given with --config, as for latchkey serve; the server's other\n"
    "settings are accepted and unused, so its configuration works as is):\n"
    "  --database FILE\n"
    "      SQLite database file; it must exist.\n"
    "      [LATCHKEY_DATABASE; default: ./latchkey.db]\n"
    "  --origin URL\n"
    "      The first one starts the links printed.\n"
    "      [LATCHKEY_ORIGIN; default: http://localhost:8080]\n"
    "  --reset-token-lifetime DURATION\n"
    "      How long a printed link works. [default: 24h]\n"
    "  --config FILE\n"
    "      A JSON object of settings, keyed by option name.\n"
    "      [LATCHKEY_CONFIG]\n";

using args_result =
    boost::system::result<std::vector<std::string_view>, std::string>;

// Removes `flag` and its value (`--flag VALUE` or `--flag=VALUE`) from
// `args` into `value`: the server's options, which read the rest, do not
// know it.
args_result take_option(std::span<const std::string_view> args,
                        std::string_view flag,
                        std::optional<std::string>& value) {
  std::vector<std::string_view> rest;
  const std::string inline_form = std::string(flag) + "=";
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::optional<std::string> given;
    if (args[i] == flag) {
      if (i + 1 >= args.size())
        return args_result(boost::system::in_place_error,
                           std::string(flag) + " needs a value");
      given = std::string(args[++i]);
    } else if (args[i].starts_with(inline_form)) {
      given = std::string(args[i].substr(inline_form.size()));
    } else {
      rest.push_back(args[i]);
      continue;
    }
    if (value)
      return args_result(boost::system::in_place_error,
                         std::string(flag) + " is given twice");
    value = std::move(given);
  }
  return rest;
}

std::unique_ptr<storage::store> open_database(const invocation& inv,
                                              std::string_view command,
                                              std::FILE* err) {
  const std::string& path = inv.config.database;
  // Never created here: a new empty database would hide a wrong path.
  if (!file_exists(path)) {
    say(err, std::string(command) + ": database " + path + " does not exist\n");
    return nullptr;
  }
  storage::sqlite_options options;
  options.path = path;
  auto db = storage::open_sqlite_store(options);
  if (!db) {
    say(err, std::string(command) + ": " + db.error().message + "\n");
    return nullptr;
  }
  return std::move(*db);
}

// A cell of a table, padded to `width`.
std::string cell(std::string text, std::size_t width) {
  text.resize(std::max(text.size() + 1, width), ' ');
  return text;
}

std::string yes_no(bool value) {
  return value ? "yes" : "no";
}

}  // namespace
}  // namespace server

namespace server {
namespace {

// What the user commands work on.
class user_command {
 public:
  user_command(const invocation& inv, storage::store& db, std::FILE* out,
               std::FILE* err)
      : inv_(inv), db_(db), out_(out), err_(err) {}

  int add(const std::optional<std::string>& display_name);
  int list();
  int show();
  int set_disabled(bool disabled);
  int reset_password();
  int reset_factors();
  int erase();

 private:
  operator_context context() const {
    return {db_,
            inv_.config,
            clock_.now(),
            {"latchkey user", "", {{"uid", ::getuid()}}}};
  }
  std::optional<storage::user> named_user();
  int refuse(const api_failure& failure);
  void print_link(const one_time_link& link);
  void print_sessions(const storage::user& user);

  const invocation& inv_;
  storage::store& db_;
  std::FILE* out_;
  std::FILE* err_;
  common::system_clock clock_;
};

int user_command::refuse(const api_failure& failure) {
  const std::string& name = inv_.operand;
  std::string why;
  switch (failure.code) {
    case api_error::user_not_found:
      why = "no user is named " + name;
      break;
    case api_error::username_invalid:
      why = name +
            " is not a username: 1 to 64 characters from a-z 0-9 . _ @ + -";
      break;
    case api_error::display_name_invalid:
      why =
          "a display name is 1 to 64 characters, without control "
          "characters";
      break;
    case api_error::username_taken:
      why = "the username " + name + " is taken";
      break;
    default:
      why = "the database refused: " + std::string(name_of(failure.code));
      break;
  }
  say(err_, "latchkey user " + std::string(inv_.action) + ": " + why + "\n");
  return 1;
}

std::optional<storage::user> user_command::named_user() {
  auto user = find_named_user(db_, inv_.operand);
  if (!user) {
    refuse(user.error());
    return std::nullopt;
  }
  return std::move(*user);
}

void user_command::print_link(const one_time_link& link) {
  say(out_, "url: " + link.url + "\n");
  say(out_, "token: " + link.token + "\n");
  say(out_, "expires: " + common::format_time(link.expires_at) + "\n");
}

int user_command::add(const std::optional<std::string>& display_name) {
  auto ctx = context();
  auto created = create_account(ctx, inv_.operand, display_name);
  if (!created)
    return refuse(created.error());
  say(out_, "created " + created->user.username + " (number " +
                std::to_string(created->user.id) +
                "); give its person this enrollment link, which works "
                "once:\n");
  print_link(created->link);
  return 0;
}

int user_command::list() {
  say(out_, cell("number", 8) + cell("username", 24) + cell("disabled", 10) +
                cell("keys", 6) + cell("totp", 11) + cell("recovery", 10) +
                "password\n");
  storage::user_id after = 0;
  constexpr std::size_t kPage = 500;
  while (true) {
    auto users = db_.list_users(after, kPage);
    if (!users)
      return refuse(api_failure(api_error::internal));
    for (const auto& u : *users) {
      auto f = factors_of(db_, u);
      if (!f)
        return refuse(f.error());
      const std::string totp = f->totp_confirmed ? "confirmed"
                               : f->totp_pending ? "pending"
                                                 : "none";
      say(out_, cell(std::to_string(u.id), 8) + cell(u.username, 24) +
                    cell(yes_no(u.disabled), 10) +
                    cell(std::to_string(f->credentials), 6) + cell(totp, 11) +
                    cell(std::to_string(f->recovery_codes_left), 10) +
                    yes_no(f->password) + "\n");
    }
    if (users->size() < kPage)
      return 0;
    after = users->back().id;
  }
}

}  // namespace
}  // namespace server

namespace server {
namespace {

void user_command::print_sessions(const storage::user& user) {
  const auto now = clock_.now();
  auto sessions = db_.list_sessions(user.id, now);
  if (!sessions)
    return;
  std::size_t live = 0;
  std::string lines;
  for (const auto& s : *sessions) {
    if (now - s.last_seen_at > inv_.config.session_idle)
      continue;
    ++live;
    const auto state = session_state::from_json(s.methods);
    std::string methods;
    for (const auto& m : state ? state->methods : std::vector<auth_method>{})
      methods += (methods.empty() ? "" : "+") + m.type;
    lines +=
        "  since " + common::format_time(s.created_at) + ", last seen " +
        common::format_time(s.last_seen_at) + ", from " + s.address + ", " +
        std::string(to_string(static_cast<assurance_level>(s.assurance))) +
        " " + (methods.empty() ? "-" : methods) + ", " + s.user_agent + "\n";
  }
  say(out_, "sessions: " + std::to_string(live) + "\n" + lines);
}

int user_command::show() {
  const auto user = named_user();
  if (!user)
    return 1;
  auto f = factors_of(db_, *user);
  auto credentials = db_.list_credentials(user->id);
  if (!f || !credentials)
    return refuse(api_failure(api_error::internal));
  say(out_, "user: " + user->username + " (number " + std::to_string(user->id) +
                ")\n");
  say(out_, "display name: " + user->display_name + "\n");
  say(out_, "created: " + common::format_time(user->created_at) + "\n");
  say(out_, "disabled: " + yes_no(user->disabled) + "\n");
  say(out_, "password: " + yes_no(f->password) + "\n");
  say(out_, "keys: " + std::to_string(credentials->size()) + "\n");
  for (const auto& c : *credentials) {
    std::string line = "  " + common::base64url_encode(c.id) + " \"" +
                       c.nickname + "\" since " +
                       common::format_time(c.created_at);
    if (c.last_used_at)
      line += ", last used " + common::format_time(*c.last_used_at);
    if (c.possibly_cloned)
      line += ", POSSIBLY CLONED";
    if (c.suspended)
      line += ", suspended: " + c.suspended_reason;
    say(out_, line + "\n");
  }
  const std::string totp = f->totp_confirmed ? "confirmed"
                           : f->totp_pending ? "pending"
                                             : "none";
  say(out_,
      "totp: " + totp +
          (f->totp_confirmed && f->totp_pending ? " (a replacement pending)"
                                                : "") +
          "\n");
  say(out_,
      "recovery codes left: " + std::to_string(f->recovery_codes_left) + "\n");
  print_sessions(*user);
  return 0;
}

int user_command::set_disabled(bool disabled) {
  const auto user = named_user();
  if (!user)
    return 1;
  auto ctx = context();
  if (auto done = set_account_disabled(ctx, *user, disabled); !done)
    return refuse(done.error());
  say(out_, (disabled ? "disabled " : "enabled ") + user->username +
                (disabled ? "; its sessions have ended\n" : "\n"));
  return 0;
}

int user_command::reset_password() {
  const auto user = named_user();
  if (!user)
    return 1;
  auto ctx = context();
  auto link = issue_password_reset(ctx, *user);
  if (!link)
    return refuse(link.error());
  say(out_, "a password reset link for " + user->username +
                ", which works once; redeeming it needs a second factor:\n");
  print_link(*link);
  return 0;
}

int user_command::reset_factors() {
  const auto user = named_user();
  if (!user)
    return 1;
  auto ctx = context();
  auto link = server::reset_factors(ctx, *user);
  if (!link)
    return refuse(link.error());
  say(out_, "removed every key, TOTP and recovery code of " + user->username +
                " and ended its sessions; give its person this enrollment "
                "link, which works once:\n");
  print_link(*link);
  return 0;
}

int user_command::erase() {
  const auto user = named_user();
  if (!user)
    return 1;
  auto ctx = context();
  if (auto erased = erase_account(ctx, *user); !erased)
    return refuse(erased.error());
  say(out_, "deleted " + user->username +
                "; its audit events keep only its "
                "number, " +
                std::to_string(user->id) + "\n");
  return 0;
}

int run_user_action(const invocation& inv,
                    const std::optional<std::string>& display_name,
                    std::FILE* out, std::FILE* err) {
  const auto db = open_database(inv, "latchkey user", err);
  if (!db)
    return 2;
  user_command command(inv, *db, out, err);
  const std::string_view action = inv.action;
  if (action == "add")
    return command.add(display_name);
  if (action == "list")
    return command.list();
  if (action == "show")
    return command.show();
  if (action == "disable" || action == "enable")
    return command.set_disabled(action == "disable");
  if (action == "reset-password")
    return command.reset_password();
  if (action == "reset-factors")
    return command.reset_factors();
  return command.erase();
}

}  // namespace

int run_user(std::span<const std::string_view> args,
             const common::environment& env, std::FILE* out, std::FILE* err) {
  const std::string usage = std::string(kUserUsage) + std::string(kOptions);
  if (wants_help(args)) {
    say(out, usage);
    return 0;
  }
  constexpr std::string_view kActions[] = {
      "add",    "list",           "show",          "disable",
      "enable", "reset-password", "reset-factors", "delete"};
  if (args.empty() || std::find(std::begin(kActions), std::end(kActions),
                                args[0]) == std::end(kActions)) {
    say(err, usage);
    return 2;
  }
  std::optional<std::string> display_name;
  std::vector<std::string_view> rest(args.begin(), args.end());
  if (args[0] == "add") {
    auto taken = take_option(args, "--display-name", display_name);
    if (!taken) {
      say(err, "latchkey user: " + taken.error() + "\n");
      return 2;
    }
    rest = std::move(*taken);
  }
  const auto inv = parse_invocation(rest, env, args[0] != "list");
  if (!inv) {
    say(err, "latchkey user: " + inv.error() + "\n");
    return 2;
  }
  return run_user_action(*inv, display_name, out, err);
}

}  // namespace server

namespace server {
namespace {

int admin_key_fail(std::FILE* err, std::string_view action, int status,
                   const std::string& message) {
  say(err, "latchkey admin-key " + std::string(action) + ": " + message + "\n");
  return status;
}

void audit_key_change(storage::store& db, const invocation& inv,
                      std::string_view event, const nlohmann::json& detail) {
  const common::system_clock clock;
  const operator_context ctx{
      db, inv.config, clock.now(), {"latchkey admin-key", "", detail}};
  audit_operator(ctx, std::nullopt, event, "ok", {{"uid", ::getuid()}});
}

int add_key(storage::store& db, const invocation& inv, admin_role role,
            std::FILE* out, std::FILE* err) {
  const std::string& name = inv.operand;
  if (!valid_admin_key_name(name)) {
    return admin_key_fail(err, "add", 1,
                          "a key name is 1 to 64 characters from A-Z a-z "
                          "0-9 . _ -");
  }
  const common::system_clock clock;
  auto key = add_admin_key(db, name, role, clock.now());
  if (!key && key.error() == storage::errc::already_exists) {
    return admin_key_fail(
        err, "add", 1,
        "a key is named " + name + " already; remove it first to replace it");
  }
  if (!key)
    return admin_key_fail(err, "add", 2, key.error().message());
  audit_key_change(db, inv, "admin_key_added",
                   {{"key", name}, {"role", to_string(role)}});
  say(out, *key + "\n");
  say(out, "admin key " + name + " (role " + std::string(to_string(role)) +
               ") added; it is shown only now: send it as Authorization: "
               "Bearer KEY\n");
  return 0;
}

int list_keys(storage::store& db, std::FILE* out, std::FILE* err) {
  auto keys = list_admin_keys(db);
  if (!keys)
    return admin_key_fail(err, "list", 2, keys.error().message());
  say(out, cell("name", 24) + cell("role", 12) + "created\n");
  for (const auto& k : *keys) {
    say(out, cell(k.name, 24) + cell(std::string(to_string(k.role)), 12) +
                 common::format_time(k.created_at) + "\n");
  }
  return 0;
}

int remove_key(storage::store& db, const invocation& inv, std::FILE* out,
               std::FILE* err) {
  const std::string& name = inv.operand;
  auto removed = remove_admin_key(db, name);
  if (!removed && removed.error() == storage::errc::not_found)
    return admin_key_fail(err, "remove", 1, "no key is named " + name);
  if (!removed)
    return admin_key_fail(err, "remove", 2, removed.error().message());
  audit_key_change(db, inv, "admin_key_removed", {{"key", name}});
  say(out, "removed admin key " + name + "\n");
  return 0;
}

}  // namespace

int run_admin_key(std::span<const std::string_view> args,
                  const common::environment& env, std::FILE* out,
                  std::FILE* err) {
  const std::string usage = std::string(kAdminKeyUsage) + std::string(kOptions);
  if (wants_help(args)) {
    say(out, usage);
    return 0;
  }
  const bool known = !args.empty() && (args[0] == "add" || args[0] == "list" ||
                                       args[0] == "remove");
  if (!known) {
    say(err, usage);
    return 2;
  }
  std::optional<std::string> role_text;
  std::vector<std::string_view> rest(args.begin(), args.end());
  if (args[0] == "add") {
    auto taken = take_option(args, "--role", role_text);
    if (!taken)
      return admin_key_fail(err, "add", 2, taken.error());
    rest = std::move(*taken);
  }
  const auto role = admin_role_from(role_text.value_or("admin"));
  if (!role)
    return admin_key_fail(err, "add", 2, "--role is admin or introspect");
  const auto inv = parse_invocation(rest, env, args[0] != "list");
  if (!inv) {
    say(err, "latchkey admin-key: " + inv.error() + "\n");
    return 2;
  }
  const auto db = open_database(*inv, "latchkey admin-key", err);
  if (!db)
    return 2;
  if (inv->action == "add")
    return add_key(*db, *inv, *role, out, err);
  if (inv->action == "list")
    return list_keys(*db, out, err);
  return remove_key(*db, *inv, out, err);
}

}  // namespace server
