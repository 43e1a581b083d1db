// registry.cpp — the Windows registry on SQLite: schema, key paths, values, transactions (DESIGN.md "Registry").
#include "registry/registry.h"

#include <sqlite3.h>

#include <algorithm>

namespace strata::registry {

namespace {

constexpr int kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 5000;
constexpr size_t kMaxKeyNameUnits = 255;  // Windows' limit, in UTF-16 units
// The invisible parent of the hives, so that UNIQUE(parent_id, name) covers them too (a
// NULL parent would make every hive name distinct to SQLite).
constexpr sqlite3_int64 kRootId = 0;

constexpr const char* kSchema = R"sql(
CREATE TABLE keys(
  id INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES keys(id) ON DELETE CASCADE,
  name TEXT NOT NULL COLLATE NOCASE,
  UNIQUE(parent_id, name));
CREATE TABLE "values"(
  id INTEGER PRIMARY KEY,
  key_id INTEGER NOT NULL REFERENCES keys(id) ON DELETE CASCADE,
  name TEXT NOT NULL COLLATE NOCASE,
  type INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE(key_id, name));
INSERT INTO keys(id, parent_id, name) VALUES(0, NULL, '');
)sql";

// A reason raised below the public boundary; each public method adds the key path and value
// name exactly once (guarded) and throws Error.
struct Failure {
  std::string reason;
};

template <typename Body>
auto guarded(std::string_view path, std::optional<std::string_view> name, Body body) {
  try {
    return body();
  } catch (const Failure& failure) {
    throw Error(path, name, failure.reason);
  }
}

struct Finalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};

// A prepared statement. Text and blobs are bound as copies, so arguments may be temporaries.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK)
      throw Failure{sqlite3_errmsg(db)};
    stmt_.reset(raw);
  }

  Statement& bind(int index, sqlite3_int64 number) {
    return check(sqlite3_bind_int64(stmt_.get(), index, number));
  }
  // A null data pointer would bind SQL NULL instead of an empty string or blob.
  Statement& bind(int index, std::string_view text) {
    return check(sqlite3_bind_text64(stmt_.get(), index, text.empty() ? "" : text.data(), text.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Statement& bind(int index, const std::vector<uint8_t>& bytes) {
    return check(sqlite3_bind_blob64(stmt_.get(), index, bytes.empty() ? "" : static_cast<const void*>(bytes.data()),
                                     bytes.size(), SQLITE_TRANSIENT));
  }

  // true while there is a row to read.
  bool step() {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Failure{sqlite3_errmsg(db_)};
  }
  void reset() {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

  sqlite3_int64 int64(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
  std::string text(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column))) : std::string();
  }
  std::vector<uint8_t> blob(int column) const {
    const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_.get(), column));
    return p ? std::vector<uint8_t>(p, p + sqlite3_column_bytes(stmt_.get(), column)) : std::vector<uint8_t>();
  }

 private:
  Statement& check(int rc) {
    if (rc != SQLITE_OK) throw Failure{sqlite3_errmsg(db_)};
    return *this;
  }

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw Failure{std::move(reason)};
  }
}

sqlite3_int64 query_int(sqlite3* db, std::string_view sql) {
  Statement stmt(db, sql);
  if (!stmt.step()) throw Failure{"no result from " + std::string(sql)};
  return stmt.int64(0);
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// The components of a key path, checked against Windows' key-name rules; a hive's long name
// or any spelling of its abbreviation becomes the abbreviation.
std::vector<std::string> split_path(std::string_view path) {
  if (path.empty()) throw Failure{"empty key path"};
  if (path.front() == '\\') throw Failure{"key path starts with a backslash"};
  if (path.back() == '\\') throw Failure{"key path ends with a backslash"};
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    const size_t end = path.find('\\', start);
    const std::string_view part = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty()) throw Failure{"empty key name between backslashes"};
    if (part.find('\0') != std::string_view::npos) throw Failure{"key name contains a NUL character"};
    const auto units = utf8_to_utf16(part);
    if (!units) throw Failure{"key name is not valid UTF-8"};
    if (units->size() > kMaxKeyNameUnits) throw Failure{"key name longer than 255 characters"};
    parts.emplace_back(part);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  for (const Hive& hive : kHives)
    if (ascii_iequal(parts.front(), hive.abbreviation) || ascii_iequal(parts.front(), hive.name))
      parts.front() = hive.abbreviation;
  return parts;
}

void check_value_name(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) throw Failure{"value name contains a NUL character"};
  if (!utf8_to_utf16(name)) throw Failure{"value name is not valid UTF-8"};
}

struct Key {
  sqlite3_int64 id;
  std::string path;  // as stored
};

std::optional<Key> find_key(sqlite3* db, const std::vector<std::string>& parts) {
  Key key{kRootId, {}};
  Statement stmt(db, "SELECT id, name FROM keys WHERE parent_id = ?1 AND name = ?2");
  for (const std::string& part : parts) {
    stmt.reset();
    stmt.bind(1, key.id).bind(2, part);
    if (!stmt.step()) return std::nullopt;
    key.id = stmt.int64(0);
    if (!key.path.empty()) key.path += '\\';
    key.path += stmt.text(1);
  }
  return key;
}

// Caller holds a transaction, so a failure halfway leaves no orphaned intermediate keys.
sqlite3_int64 make_key(sqlite3* db, const std::vector<std::string>& parts) {
  sqlite3_int64 id = kRootId;
  Statement find(db, "SELECT id FROM keys WHERE parent_id = ?1 AND name = ?2");
  Statement insert(db, "INSERT INTO keys(parent_id, name) VALUES(?1, ?2)");
  for (const std::string& part : parts) {
    find.reset();
    find.bind(1, id).bind(2, part);
    if (find.step()) {
      id = find.int64(0);
    } else {
      insert.reset();
      insert.bind(1, id).bind(2, part);
      insert.step();
      id = sqlite3_last_insert_rowid(db);
    }
  }
  return id;
}

// Storage format of the data column: strings UTF-8 without terminator, REG_MULTI_SZ each
// string followed by NUL (so {} and {""} stay distinct), numbers little-endian like Windows.
std::vector<uint8_t> encode(const Value& value) {
  auto little_endian = [](uint64_t number, size_t size) {
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(number >> (8 * i));
    return bytes;
  };
  switch (value.type()) {
    case ValueType::None:
    case ValueType::Binary:
      return value.as_bytes();
    case ValueType::Sz:
    case ValueType::ExpandSz: {
      const std::string& text = value.as_string();
      if (!utf8_to_utf16(text)) throw Failure{"string is not valid UTF-8"};
      return {text.begin(), text.end()};
    }
    case ValueType::MultiSz: {
      std::vector<uint8_t> bytes;
      for (const std::string& text : value.as_multi_sz()) {
        if (text.find('\0') != std::string::npos) throw Failure{"REG_MULTI_SZ string contains a NUL character"};
        if (!utf8_to_utf16(text)) throw Failure{"string is not valid UTF-8"};
        bytes.insert(bytes.end(), text.begin(), text.end());
        bytes.push_back(0);
      }
      return bytes;
    }
    case ValueType::Dword:
      return little_endian(value.as_dword(), 4);
    case ValueType::Qword:
      return little_endian(value.as_qword(), 8);
  }
  throw Failure{"unknown value type " + std::to_string(static_cast<uint32_t>(value.type()))};
}

Value decode(sqlite3_int64 type, const std::vector<uint8_t>& bytes) {
  auto from_little_endian = [&](size_t size) {
    if (bytes.size() != size)
      throw Failure{"stored data is " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(size)};
    uint64_t number = 0;
    for (size_t i = 0; i < size; ++i) number |= uint64_t{bytes[i]} << (8 * i);
    return number;
  };
  switch (static_cast<ValueType>(type)) {
    case ValueType::None:
      return Value::none(bytes);
    case ValueType::Binary:
      return Value::binary(bytes);
    case ValueType::Sz:
      return Value::sz({bytes.begin(), bytes.end()});
    case ValueType::ExpandSz:
      return Value::expand_sz({bytes.begin(), bytes.end()});
    case ValueType::MultiSz: {
      if (!bytes.empty() && bytes.back() != 0) throw Failure{"stored REG_MULTI_SZ lacks its final NUL"};
      std::vector<std::string> strings;
      for (auto start = bytes.begin(); start != bytes.end();) {
        const auto nul = std::find(start, bytes.end(), uint8_t{0});
        strings.emplace_back(start, nul);
        start = nul + 1;
      }
      return Value::multi_sz(std::move(strings));
    }
    case ValueType::Dword:
      return Value::dword(static_cast<uint32_t>(from_little_endian(4)));
    case ValueType::Qword:
      return Value::qword(from_little_endian(8));
  }
  throw Failure{"stored value has unknown type " + std::to_string(type)};
}

std::string describe_database(const std::filesystem::path& file, std::string_view reason) {
  return "registry database \"" + file.string() + "\": " + std::string(reason);
}

}  // namespace

void Registry::Closer::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Registry::Registry(const std::filesystem::path& root) : file_(root / "registry.db") {
  std::error_code error;
  std::filesystem::create_directories(root, error);
  if (error) throw Error(describe_database(file_, "cannot create directory: " + error.message()));

  sqlite3* raw = nullptr;
  // Our own mutex serialises use of the connection, so SQLite's per-connection mutex is redundant.
  const int rc = sqlite3_open_v2(file_.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  db_.reset(raw);  // SQLite may hand out a handle even when opening fails
  if (rc != SQLITE_OK) throw Error(describe_database(file_, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));

  try {
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    // WAL lets the host keep reading while the strata command installs in another process.
    exec(raw, "PRAGMA journal_mode=WAL");
    exec(raw, "PRAGMA foreign_keys=ON");
    // A build without foreign keys would accept the pragma and silently stop cascading deletes.
    if (query_int(raw, "PRAGMA foreign_keys") != 1) throw Failure{"SQLite lacks foreign key support"};

    Transaction tx(*this);
    const sqlite3_int64 version = query_int(raw, "PRAGMA user_version");
    if (version > kSchemaVersion)
      throw Failure{"schema version " + std::to_string(version) + " is newer than this strata (" +
                    std::to_string(kSchemaVersion) + ")"};
    if (version == 0) {
      exec(raw, kSchema);
      exec(raw, "PRAGMA user_version=" + std::to_string(kSchemaVersion));
    }
    tx.finish();
  } catch (const Failure& failure) {
    throw Error(describe_database(file_, failure.reason));
  }
}

Registry::~Registry() = default;

bool Registry::key_exists(std::string_view path) {
  return guarded(path, std::nullopt, [&] {
    std::lock_guard lock(mutex_);
    return find_key(db_.get(), split_path(path)).has_value();
  });
}

std::optional<std::string> Registry::stored_path(std::string_view path) {
  return guarded(path, std::nullopt, [&]() -> std::optional<std::string> {
    std::lock_guard lock(mutex_);
    auto key = find_key(db_.get(), split_path(path));
    if (!key) return std::nullopt;
    return std::move(key->path);
  });
}

void Registry::create_key(std::string_view path) {
  guarded(path, std::nullopt, [&] {
    const auto parts = split_path(path);
    Transaction tx(*this);
    make_key(db_.get(), parts);
    tx.finish();
  });
}

bool Registry::delete_key(std::string_view path) {
  return guarded(path, std::nullopt, [&] {
    const auto parts = split_path(path);
    Transaction tx(*this);
    const auto key = find_key(db_.get(), parts);
    if (!key) return false;
    // ON DELETE CASCADE removes the subkeys and all their values.
    Statement(db_.get(), "DELETE FROM keys WHERE id = ?1").bind(1, key->id).step();
    tx.finish();
    return true;
  });
}

void Registry::set_value(std::string_view path, std::string_view name, const Value& value) {
  guarded(path, name, [&] {
    const auto parts = split_path(path);
    check_value_name(name);
    const auto data = encode(value);
    Transaction tx(*this);
    const sqlite3_int64 key = make_key(db_.get(), parts);
    // An upsert, not a replace, so the row keeps its id (enumeration order) and name case.
    Statement(db_.get(),
              R"sql(INSERT INTO "values"(key_id, name, type, data) VALUES(?1, ?2, ?3, ?4)
                    ON CONFLICT(key_id, name) DO UPDATE SET type = excluded.type, data = excluded.data)sql")
        .bind(1, key)
        .bind(2, name)
        .bind(3, static_cast<sqlite3_int64>(value.type()))
        .bind(4, data)
        .step();
    tx.finish();
  });
}

std::optional<Value> Registry::get_value(std::string_view path, std::string_view name) {
  return guarded(path, name, [&]() -> std::optional<Value> {
    const auto parts = split_path(path);
    std::lock_guard lock(mutex_);
    const auto key = find_key(db_.get(), parts);
    if (!key) return std::nullopt;
    Statement stmt(db_.get(), R"sql(SELECT type, data FROM "values" WHERE key_id = ?1 AND name = ?2)sql");
    stmt.bind(1, key->id).bind(2, name);
    if (!stmt.step()) return std::nullopt;
    return decode(stmt.int64(0), stmt.blob(1));
  });
}

bool Registry::delete_value(std::string_view path, std::string_view name) {
  return guarded(path, name, [&] {
    const auto parts = split_path(path);
    Transaction tx(*this);
    const auto key = find_key(db_.get(), parts);
    if (!key) return false;
    Statement(db_.get(), R"sql(DELETE FROM "values" WHERE key_id = ?1 AND name = ?2)sql")
        .bind(1, key->id)
        .bind(2, name)
        .step();
    const bool deleted = sqlite3_changes(db_.get()) > 0;
    tx.finish();
    return deleted;
  });
}

std::vector<std::string> Registry::subkeys(std::string_view path) {
  return guarded(path, std::nullopt, [&] {
    const auto parts = split_path(path);
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    const auto key = find_key(db_.get(), parts);
    if (!key) return names;
    Statement stmt(db_.get(), "SELECT name FROM keys WHERE parent_id = ?1 ORDER BY id");
    stmt.bind(1, key->id);
    while (stmt.step()) names.push_back(stmt.text(0));
    return names;
  });
}

std::vector<std::pair<std::string, Value>> Registry::values(std::string_view path) {
  return guarded(path, std::nullopt, [&] {
    const auto parts = split_path(path);
    std::lock_guard lock(mutex_);
    std::vector<std::pair<std::string, Value>> result;
    const auto key = find_key(db_.get(), parts);
    if (!key) return result;
    Statement stmt(db_.get(), R"sql(SELECT name, type, data FROM "values" WHERE key_id = ?1 ORDER BY id)sql");
    stmt.bind(1, key->id);
    while (stmt.step()) {
      std::string name = stmt.text(0);
      // A corrupt value is reported under its own name, not just the key's.
      Value value = guarded(path, name, [&] { return decode(stmt.int64(1), stmt.blob(2)); });
      result.emplace_back(std::move(name), std::move(value));
    }
    return result;
  });
}

Transaction Registry::transaction() {
  try {
    return Transaction(*this);
  } catch (const Failure& failure) {
    throw Error(describe_database(file_, failure.reason));
  }
}

// ---- Transaction ----------------------------------------------------------------------------

Transaction::Transaction(Registry& registry) : registry_(&registry), lock_(registry.mutex_) {
  sqlite3* db = registry.db_.get();
  // SQLite ends the whole transaction by itself after some errors (SQLITE_FULL, IOERR, …);
  // a savepoint begun then would run in autocommit mode and write half an install.
  if (registry.depth_ > 0 && sqlite3_get_autocommit(db))
    throw Failure{"an earlier error already rolled back the enclosing transaction"};
  level_ = registry.depth_ + 1;
  // IMMEDIATE takes the write lock now, so two processes cannot both read and then deadlock
  // upgrading to write.
  exec(db, level_ == 1 ? std::string("BEGIN IMMEDIATE") : "SAVEPOINT strata_" + std::to_string(level_));
  registry.depth_ = level_;
}

Transaction::Transaction(Transaction&& other) noexcept
    : registry_(other.registry_),
      lock_(std::move(other.lock_)),
      level_(other.level_),
      open_(std::exchange(other.open_, false)) {}

Transaction::~Transaction() { rollback(); }

void Transaction::commit() {
  try {
    finish();
  } catch (const Failure& failure) {
    throw Error(describe_database(registry_->file_, "commit: " + failure.reason));
  }
}

void Transaction::finish() {
  if (!open_ || level_ > registry_->depth_) throw Failure{"transaction already ended"};
  if (level_ < registry_->depth_) throw Failure{"a nested transaction is still open"};
  sqlite3* db = registry_->db_.get();
  if (sqlite3_get_autocommit(db)) throw Failure{"an earlier error already rolled back the transaction"};
  exec(db, level_ == 1 ? std::string("COMMIT") : "RELEASE strata_" + std::to_string(level_));
  registry_->depth_ = level_ - 1;
  open_ = false;
  lock_.unlock();
}

void Transaction::rollback() noexcept {
  if (!open_) return;
  open_ = false;
  // An enclosing transaction that already rolled back took this one with it.
  if (level_ > registry_->depth_) return;
  sqlite3* db = registry_->db_.get();
  // Failures are ignored: they only happen when SQLite already rolled back by itself.
  const std::string sql = level_ == 1 ? std::string("ROLLBACK")
                                      : "ROLLBACK TO strata_" + std::to_string(level_) +
                                            "; RELEASE strata_" + std::to_string(level_);
  sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  registry_->depth_ = level_ - 1;
}

}  // namespace strata::registry
