// registry.h — the Windows registry in one SQLite database, <root>/registry.db (DESIGN.md "Registry").
//
// Keys are addressed by backslash-separated paths such as
// `HKLM\SYSTEM\CurrentControlSet\Services\loop\Parameters`. Lookup is case-insensitive for
// ASCII letters; every name keeps the case it was created with. A path must not be empty,
// start or end with a backslash, or contain an empty component; each component is at most
// 255 UTF-16 units of valid UTF-8 without NUL (Windows' key-name rules). A root component
// spelled as a hive's long name (HKEY_LOCAL_MACHINE) is stored as its abbreviation (HKLM).
// Value names follow the same case rule; the empty name is the key's default value.
//
// Concurrency: PASSIVE_LEVEL only, since every call may wait for a lock or the disk. Every
// method may be called from any thread and blocks while another thread holds a Transaction. Other processes may open the same database; SQLite's WAL and a busy
// timeout serialise their writers. None of this is meant for per-packet paths.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "registry/value.h"

struct sqlite3;

namespace strata::registry {

// The root keys: paths store the abbreviation; export_reg writes the long name, as regedit does.
struct Hive {
  std::string_view abbreviation;
  std::string_view name;
};
inline constexpr std::array<Hive, 5> kHives{{
    {"HKLM", "HKEY_LOCAL_MACHINE"},
    {"HKCU", "HKEY_CURRENT_USER"},
    {"HKCR", "HKEY_CLASSES_ROOT"},
    {"HKU", "HKEY_USERS"},
    {"HKCC", "HKEY_CURRENT_CONFIG"},
}};

class Registry;

// All-or-nothing registry changes: `auto tx = reg.transaction(); …; tx.commit();`.
// Destruction without a successful commit() rolls back everything done since the
// transaction began. A transaction begun while another is open on the same thread is a
// savepoint inside it: committing it keeps its changes only if the outer one commits too;
// rolling it back undoes just its own changes. End nested transactions innermost first.
// A transaction belongs to the thread that began it (it holds the registry's lock, so other
// threads' registry calls wait until it ends) and must not outlive its Registry.
class Transaction {
 public:
  Transaction(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();  // rolls back unless committed; never throws

  // Makes the changes permanent (or, nested, part of the enclosing transaction). Throws
  // Error if this transaction already ended, a nested one is still open, or SQLite fails; the
  // transaction then stays open and its destructor rolls it back.
  void commit();

 private:
  friend class Registry;
  explicit Transaction(Registry& registry);
  void finish();             // commit() without the translation of failures to Error
  void rollback() noexcept;

  Registry* registry_;
  std::unique_lock<std::recursive_mutex> lock_;
  int level_;  // 1 = outermost (BEGIN IMMEDIATE), deeper levels are SAVEPOINT strata_<level>
  bool open_ = true;
};

class Registry {
 public:
  // Opens <root>/registry.db, creating the directories and the schema if needed. Throws Error
  // naming the database file if it cannot be opened or was written by a newer schema.
  explicit Registry(const std::filesystem::path& root);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  bool key_exists(std::string_view path);
  // The key's path spelled as stored (the case each component was created with).
  std::optional<std::string> stored_path(std::string_view path);
  void create_key(std::string_view path);  // creates missing intermediate keys; existing is fine
  bool delete_key(std::string_view path);  // with all subkeys and values; false if absent

  // Creates the key (and its parents) if missing and replaces any value of that name, keeping
  // the stored case of the name and its position in values(). Strings must be valid UTF-8;
  // REG_MULTI_SZ strings must not contain NUL (it is their separator).
  void set_value(std::string_view path, std::string_view name, const Value& value);
  std::optional<Value> get_value(std::string_view path, std::string_view name);
  bool delete_value(std::string_view path, std::string_view name);  // false if absent

  // Enumeration in creation order (Windows sorts; every caller here wants the install
  // order). An absent key enumerates as empty.
  std::vector<std::string> subkeys(std::string_view path);
  std::vector<std::pair<std::string, Value>> values(std::string_view path);

  Transaction transaction();

  // The key and its subtree as regedit's "Windows Registry Editor Version 5.00" text with
  // '\n' line ends; keys in creation order. Throws Error if the key does not exist, since
  // an empty export would hide a mistyped path.
  std::string export_reg(std::string_view path);

 private:
  friend class Transaction;
  struct Closer {
    void operator()(sqlite3* db) const;
  };

  std::filesystem::path file_;
  std::unique_ptr<sqlite3, Closer> db_;
  std::recursive_mutex mutex_;  // guards db_ and depth_; held for a Transaction's lifetime
  int depth_ = 0;               // open transaction levels on db_
};

}  // namespace strata::registry
