#include "server/admin_commands.hpp"

#include "server/command_support.hpp"
#include "server/settings.hpp"
#include "storage/sealing.hpp"
#include "storage/sqlite_store.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include <sys/stat.h>

namespace server {
namespace {

constexpr std::string_view kPathOptions =
    "Options (also read from the variable in brackets, or from the JSON\n"
    "file given with --config, as for latchkey serve; the server's other\n"
    "settings are accepted and unused, so its configuration works as is):\n"
    "  --database FILE\n"
    "      SQLite database file; it must exist.\n"
    "      [LATCHKEY_DATABASE; default: ./latchkey.db]\n"
    "  --config FILE\n"
    "      A JSON object of settings, keyed by option name.\n"
    "      [LATCHKEY_CONFIG]\n";

constexpr std::string_view kKeyFileOption =
    "  --key-file FILE\n"
    "      The key file (mode 0600); it must exist.\n"
    "      [LATCHKEY_KEY_FILE; default: ./latchkey.key]\n";

constexpr std::string_view kDbUsage =
    "Usage: latchkey db check [OPTIONS]\n"
    "       latchkey db backup FILE [OPTIONS]\n"
    "\n"
    "check   Runs SQLite's full integrity check without writing, and prints\n"
    "        the schema version. Exit status: 0 clean, 1 problems found or\n"
    "        not a Latchkey database, 2 bad usage or the file cannot be\n"
    "        opened.\n"
    "backup  Writes a consistent copy of the database to FILE (mode 0600)\n"
    "        while servers keep running. Never overwrites: an existing FILE\n"
    "        is refused. Exit status: 0 copied, 1 refused (FILE exists, or\n"
    "        the database is damaged or foreign), 2 bad usage, or the\n"
    "        database cannot be opened or copied.\n"
    "\n";

constexpr std::string_view kKeysUsage =
    "Usage: latchkey keys rotate [KEYID] [OPTIONS]\n"
    "       latchkey keys add|activate KEYID|retire KEYID|list [OPTIONS]\n"
    "\n"
    "Manages the keys that seal secrets in the database (TOTP secrets).\n"
    "Servers may keep running throughout.\n"
    "\n"
    "rotate        Step one of a rotation: the same as add. Prints the new\n"
    "              key id.\n"
    "rotate ID     Step two, once every node has the key file with ID: the\n"
    "              same as activate ID.\n"
    "add           Adds a new random key to the key file, not current yet,\n"
    "              and prints its id.\n"
    "activate ID   Makes key ID current in the key file, then re-seals\n"
    "              every sealed row under it and prints how many. Safe to\n"
    "              run again: it re-seals only rows under other keys.\n"
    "retire ID     Removes key ID from the key file. Refused while it is\n"
    "              current or any sealed row still names it.\n"
    "list          Prints each key id, which is current, and how many rows\n"
    "              each seals. Never prints key material.\n"
    "\n"
    "Rotation on one node: keys add; keys activate NEW; keys retire OLD.\n"
    "On several nodes sharing one database (each with its own copy of the\n"
    "key file):\n"
    "  1. keys add on one node; copy its key file to every node.\n"
    "  2. keys activate NEW on one node; copy its key file to every node.\n"
    "     Each server seals new secrets under NEW from its next seal on.\n"
    "  3. keys activate NEW once more, to re-seal what nodes sealed under\n"
    "     OLD before their copy arrived; keys list shows OLD with 0 rows.\n"
    "  4. keys retire OLD on one node; copy its key file to every node.\n"
    "See docs/operations.md, \"Rotating the sealing keys\".\n"
    "Exit status: 0 done, 1 refused, 2 bad usage or a file that cannot be\n"
    "opened.\n"
    "\n";

}  // namespace
}  // namespace server

namespace server {
namespace {

int db_check(const invocation& inv, std::FILE* out, std::FILE* err) {
  const std::string& path = inv.config.database;
  if (!file_exists(path)) {
    say(err, "latchkey db check: " + path + " does not exist\n");
    return 2;
  }
  const auto report = storage::check_sqlite_database(path);
  if (!report) {
    say(err, "latchkey db check: " + report.error().message + "\n");
    return report.error().code == storage::errc::database_corrupt ? 1 : 2;
  }
  say(out, "database: " + path + "\n");
  const std::string version = report->schema_version > 0
                                  ? std::to_string(report->schema_version)
                                  : std::string("unreadable");
  say(out, "schema version: " + version + " (this Latchkey writes " +
               std::to_string(storage::current_schema_version()) + ")\n");
  if (report->integrity_ok) {
    say(out, "integrity: ok\n");
    return 0;
  }
  say(out, "integrity: problems found in " + path + ": " +
               report->integrity_detail + "\n");
  return 1;
}

int db_backup(const invocation& inv, std::FILE* out, std::FILE* err) {
  // The copy holds password hashes and sealed secrets: only its owner may
  // read it, whatever the operator's umask.
  ::umask(S_IRWXG | S_IRWXO);
  const std::string& source = inv.config.database;
  if (!file_exists(source)) {
    say(err, "latchkey db backup: " + source + " does not exist\n");
    return 2;
  }
  const auto copied = storage::backup_sqlite_database(source, inv.operand);
  if (!copied) {
    say(err, "latchkey db backup: " + copied.error().message + "\n");
    const auto code = copied.error().code;
    return code == storage::errc::already_exists ||
                   code == storage::errc::database_corrupt
               ? 1
               : 2;
  }
  say(out, "copied " + source + " to " + inv.operand + "\n");
  return 0;
}

}  // namespace

int run_db(std::span<const std::string_view> args,
           const common::environment& env, std::FILE* out, std::FILE* err) {
  const std::string usage = std::string(kDbUsage) + std::string(kPathOptions);
  if (wants_help(args)) {
    say(out, usage);
    return 0;
  }
  if (args.empty() || (args[0] != "check" && args[0] != "backup")) {
    say(err, usage);
    return 2;
  }
  const auto inv = parse_invocation(args, env, args[0] == "backup");
  if (!inv) {
    say(err, "latchkey db: " + inv.error() + "\n");
    return 2;
  }
  return inv->action == "check" ? db_check(*inv, out, err)
                                : db_backup(*inv, out, err);
}

}  // namespace server

namespace server {
namespace {

// What the key commands work on; each is opened only when needed.
class key_command {
 public:
  key_command(const invocation& inv, std::FILE* out, std::FILE* err)
      : inv_(inv), out_(out), err_(err) {}

  int add();
  int activate(const std::string& id);
  int retire(const std::string& id);
  int list();

 private:
  using row_counts = std::map<std::string, std::size_t, std::less<>>;

  bool load_ring();
  bool open_database();
  std::optional<row_counts> count_rows();
  bool save_ring();
  int fail(int status, const std::string& message) {
    say(err_,
        "latchkey keys " + std::string(inv_.action) + ": " + message + "\n");
    return status;
  }

  const invocation& inv_;
  std::FILE* out_;
  std::FILE* err_;
  std::optional<storage::key_ring> ring_;
  std::unique_ptr<storage::store> db_;
};

bool key_command::load_ring() {
  // Never created here: a new key file beside sealed rows would hold none
  // of their keys. The server creates the first one.
  auto ring = storage::key_ring::load_file(inv_.config.key_file, false);
  if (!ring) {
    fail(2, "key file " + inv_.config.key_file + ": " + ring.error().message());
    return false;
  }
  ring_.emplace(std::move(*ring));
  return true;
}

bool key_command::save_ring() {
  if (auto saved = ring_->save(inv_.config.key_file); !saved) {
    fail(2, "cannot write the key file " + inv_.config.key_file + ": " +
                saved.error().message());
    return false;
  }
  return true;
}

bool key_command::open_database() {
  const std::string& path = inv_.config.database;
  if (!file_exists(path)) {
    fail(2, "database " + path + " does not exist");
    return false;
  }
  storage::sqlite_options options;
  options.path = path;
  auto db = storage::open_sqlite_store(options);
  if (!db) {
    fail(2, db.error().message);
    return false;
  }
  db_ = std::move(*db);
  return true;
}

// Sealed rows per key id, including ids the key file lacks.
std::optional<key_command::row_counts> key_command::count_rows() {
  auto rows = db_->list_sealed();
  if (!rows) {
    fail(2, "database " + inv_.config.database + ": " + rows.error().message());
    return std::nullopt;
  }
  row_counts counts;
  for (const auto& id : ring_->key_ids())
    counts[id] = 0;
  for (const auto& row : *rows)
    ++counts[row.value.key_id];
  return counts;
}

}  // namespace
}  // namespace server

namespace server {
namespace {

int key_command::add() {
  if (!load_ring())
    return 2;
  // add_key makes the new key current; it must not be yet, or this node
  // would seal under a key the other nodes cannot open.
  const std::string current = ring_->current_key_id();
  if (auto added = ring_->add_key(); !added)
    return fail(2, added.error().message());
  const std::string id = ring_->current_key_id();
  if (auto kept = ring_->make_current(current); !kept)
    return fail(2, kept.error().message());
  if (!save_ring())
    return 2;
  say(out_, id + "\n");
  say(out_, "added to " + inv_.config.key_file +
                ", not current yet; give this key file to every node, then "
                "run: latchkey keys rotate " +
                id + "\n");
  return 0;
}

int key_command::activate(const std::string& id) {
  if (!load_ring())
    return 2;
  if (!ring_->has_key(id)) {
    return fail(1, "the key file " + inv_.config.key_file + " has no key " +
                       id + " (see latchkey keys list)");
  }
  if (!open_database())
    return 2;
  const auto counts = count_rows();
  if (!counts)
    return 2;
  // A row under a key the file lacks would stop the re-seal part way.
  for (const auto& [key_id, rows] : *counts) {
    if (rows > 0 && !ring_->has_key(key_id)) {
      return fail(1, std::to_string(rows) + " rows are sealed under key " +
                         key_id + ", which " + inv_.config.key_file +
                         " lacks; add it back before activating");
    }
  }
  // The file first: a server that seals meanwhile already uses the new
  // key, and a run that stops part way is finished by running it again.
  if (auto made = ring_->make_current(id); !made)
    return fail(1, made.error().message());
  if (!save_ring())
    return 2;
  say(out_, "key " + id + " is current in " + inv_.config.key_file + "\n");
  storage::store::sealed_row failed;
  const auto resealed = storage::reseal_all(*db_, *ring_, &failed);
  if (!resealed) {
    const std::string where = failed.table.empty()
                                  ? std::string()
                                  : " (" + failed.table + " row " +
                                        std::to_string(failed.row) + ", user " +
                                        std::to_string(failed.user) + ", key " +
                                        failed.value.key_id + ")";
    return fail(1, "re-sealing stopped: " + resealed.error().message() + where +
                       "; rows re-sealed so far stay valid; run it again");
  }
  say(out_,
      "re-sealed " + std::to_string(*resealed) + " rows under " + id + "\n");
  return 0;
}

int key_command::retire(const std::string& id) {
  if (!load_ring())
    return 2;
  if (!ring_->has_key(id)) {
    return fail(1,
                "the key file " + inv_.config.key_file + " has no key " + id);
  }
  if (id == ring_->current_key_id()) {
    return fail(1, "key " + id +
                       " is current; activate another key before retiring it");
  }
  if (!open_database())
    return 2;
  const auto counts = count_rows();
  if (!counts)
    return 2;
  if (const auto rows = counts->at(id); rows > 0) {
    return fail(1, "key " + id + " still seals " + std::to_string(rows) +
                       " rows; run latchkey keys activate " +
                       ring_->current_key_id() + " to re-seal them first");
  }
  if (auto removed = ring_->remove_key(id); !removed)
    return fail(1, removed.error().message());
  if (!save_ring())
    return 2;
  say(out_, "retired key " + id + " from " + inv_.config.key_file + "\n");
  return 0;
}

int key_command::list() {
  if (!load_ring() || !open_database())
    return 2;
  const auto counts = count_rows();
  if (!counts)
    return 2;
  say(out_, "key id    state    sealed rows\n");
  std::size_t orphaned = 0;
  for (const auto& [id, rows] : *counts) {
    const bool held = ring_->has_key(id);
    const std::string state = !held                           ? "MISSING"
                              : id == ring_->current_key_id() ? "current"
                                                              : "-";
    std::string line = id;
    line.resize(std::max<std::size_t>(line.size() + 1, 10), ' ');
    line += state;
    line.resize(std::max<std::size_t>(line.size() + 1, 19), ' ');
    say(out_, line + std::to_string(rows) + "\n");
    orphaned += held ? 0 : rows;
  }
  if (orphaned > 0) {
    return fail(1, std::to_string(orphaned) +
                       " rows are sealed under keys missing from " +
                       inv_.config.key_file);
  }
  return 0;
}

}  // namespace

int run_keys(std::span<const std::string_view> args,
             const common::environment& env, std::FILE* out, std::FILE* err) {
  const std::string usage = std::string(kKeysUsage) +
                            std::string(kPathOptions) +
                            std::string(kKeyFileOption);
  if (wants_help(args)) {
    say(out, usage);
    return 0;
  }
  const bool known =
      !args.empty() &&
      (args[0] == "add" || args[0] == "activate" || args[0] == "retire" ||
       args[0] == "list" || args[0] == "rotate");
  if (!known) {
    say(err, usage);
    return 2;
  }
  // "rotate" is add without an id, activate with one.
  const bool rotate_finish =
      args[0] == "rotate" && args.size() > 1 && !args[1].starts_with("--");
  const bool takes_id =
      args[0] == "activate" || args[0] == "retire" || rotate_finish;
  const auto inv = parse_invocation(args, env, takes_id);
  if (!inv) {
    say(err, "latchkey keys: " + inv.error() + "\n");
    return 2;
  }
  if (!inv->config.secret_keys.empty()) {
    say(err,
        "latchkey keys: LATCHKEY_SECRET_KEYS is set, so the server's keys "
        "come from the environment; these commands manage a key file "
        "(see docs/operations.md)\n");
    return 2;
  }
  key_command command(*inv, out, err);
  if (inv->action == "add" || (inv->action == "rotate" && !rotate_finish))
    return command.add();
  if (inv->action == "rotate")
    return command.activate(inv->operand);
  if (inv->action == "list")
    return command.list();
  return inv->action == "activate" ? command.activate(inv->operand)
                                   : command.retire(inv->operand);
}

}  // namespace server
