// registry_test.cpp — unit tests for the SQLite registry, its values and .reg export (DESIGN.md "Registry").
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "registry/registry.h"
#include "registry/root.h"
#include "registry/value.h"

namespace strata::registry {

// Readable failure output instead of gtest's byte dump.
void PrintTo(const Value& value, std::ostream* os) {
  *os << type_name(value.type());
  switch (value.type()) {
    case ValueType::Sz:
    case ValueType::ExpandSz: *os << " \"" << value.as_string() << '"'; break;
    case ValueType::Dword: *os << ' ' << value.as_dword(); break;
    case ValueType::Qword: *os << ' ' << value.as_qword(); break;
    case ValueType::MultiSz:
      for (const auto& s : value.as_multi_sz()) *os << " \"" << s << '"';
      break;
    case ValueType::None:
    case ValueType::Binary:
      for (const auto b : value.as_bytes()) *os << ' ' << static_cast<int>(b);
      break;
  }
}

namespace {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "strata-registry-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Reads the database behind the Registry's back, to see what really reached the file.
sqlite3_int64 count_rows(const std::filesystem::path& root, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open((root / "registry.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  const sqlite3_int64 n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

void run_sql(const std::filesystem::path& root, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((root / "registry.db").c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no Error thrown)";
}

const char* const kLoop = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\loop";

// Every type, including the empty and NUL-bearing corners.
std::vector<std::pair<std::string, Value>> every_type() {
  return {
      {"Sz", Value::sz("Grüße € 𝄞")},
      {"EmptySz", Value::sz("")},
      {"Expand", Value::expand_sz("%SystemRoot%\\system32\\drivers\\loop.sys")},
      {"Multi", Value::multi_sz({"ndis5", "", "ethernet"})},
      {"EmptyMulti", Value::multi_sz({})},
      {"OneEmptyString", Value::multi_sz({""})},
      {"Dword", Value::dword(0xFFFFFFFFu)},
      {"DwordZero", Value::dword(0)},
      {"Qword", Value::qword(0x0123456789ABCDEFull)},
      {"Binary", Value::binary({0x00, 0x01, 0x00, 0xFF, 0x00})},
      {"EmptyBinary", Value::binary({})},
      {"None", Value::none({0x00, 0x7F})},
      {"EmptyNone", Value::none()},
  };
}

}  // namespace

// ---- Registry --------------------------------------------------------------------------------

TEST(Registry, CreatesDatabaseInMissingDirectoriesInWalMode) {
  TempDir tmp;
  const auto root = tmp.path() / "a" / "b";
  Registry reg(root);
  EXPECT_TRUE(std::filesystem::exists(root / "registry.db"));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((root / "registry.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(Registry, LookupIgnoresCaseAndKeepsStoredCase) {
  TempDir tmp;
  Registry reg(tmp.path());
  reg.create_key("HKLM\\SYSTEM\\CurrentControlSet");
  EXPECT_TRUE(reg.key_exists("hklm\\system\\currentcontrolset"));
  reg.create_key("hklm\\system\\CURRENTCONTROLSET\\Services");
  EXPECT_EQ(reg.subkeys("HKLM\\system"), std::vector<std::string>{"CurrentControlSet"});
  EXPECT_EQ(reg.stored_path("HKLM\\SYSTEM\\currentcontrolset\\SERVICES"), "HKLM\\SYSTEM\\CurrentControlSet\\Services");

  reg.set_value(kLoop, "ImagePath", Value::sz("loop.sys"));
  reg.set_value(kLoop, "IMAGEPATH", Value::sz("loop2.sys"));
  const auto values = reg.values(kLoop);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].first, "ImagePath");
  EXPECT_EQ(values[0].second, Value::sz("loop2.sys"));
  EXPECT_EQ(reg.get_value("hklm\\system\\currentcontrolset\\services\\LOOP", "imagepath"), Value::sz("loop2.sys"));
}

TEST(Registry, HiveLongNameIsStoredAsItsAbbreviation) {
  TempDir tmp;
  Registry reg(tmp.path());
  reg.create_key("HKEY_LOCAL_MACHINE\\SOFTWARE");
  reg.create_key("hkcu\\Software");
  EXPECT_TRUE(reg.key_exists("HKLM\\software"));
  EXPECT_EQ(reg.stored_path("hkey_local_machine\\Software"), "HKLM\\SOFTWARE");
  EXPECT_EQ(reg.stored_path("HKEY_CURRENT_USER\\software"), "HKCU\\Software");
}

TEST(Registry, CreateKeyCreatesIntermediateKeysOnce) {
  TempDir tmp;
  Registry reg(tmp.path());
  reg.create_key("HKLM\\A\\B\\C");
  reg.create_key("HKLM\\a\\b\\c");
  EXPECT_TRUE(reg.key_exists("HKLM\\A"));
  EXPECT_TRUE(reg.key_exists("HKLM\\A\\B"));
  EXPECT_EQ(reg.subkeys("HKLM\\A"), std::vector<std::string>{"B"});
  EXPECT_EQ(reg.subkeys("HKLM\\A\\B\\C"), std::vector<std::string>{});
  EXPECT_FALSE(reg.key_exists("HKLM\\A\\C"));
}

TEST(Registry, SetValueCreatesTheKey) {
  TempDir tmp;
  Registry reg(tmp.path());
  reg.set_value(std::string(kLoop) + "\\Parameters", "Medium", Value::dword(0));
  EXPECT_TRUE(reg.key_exists(kLoop));
  EXPECT_EQ(reg.get_value(std::string(kLoop) + "\\Parameters", "Medium"), Value::dword(0));
}

TEST(Registry, DeleteKeyRemovesSubtreeAndItsValues) {
  TempDir tmp;
  Registry reg(tmp.path());
  reg.set_value("HKLM\\A", "v", Value::dword(1));
  reg.set_value("HKLM\\A\\B", "v", Value::dword(2));
  reg.set_value("HKLM\\A\\B\\C", "v", Value::dword(3));
  reg.set_value("HKLM\\Keep", "v", Value::dword(4));

  EXPECT_TRUE(reg.delete_key("hklm\\a"));
  EXPECT_FALSE(reg.key_exists("HKLM\\A"));
  EXPECT_FALSE(reg.key_exists("HKLM\\A\\B\\C"));
  EXPECT_EQ(reg.get_value("HKLM\\Keep", "v"), Value::dword(4));
  EXPECT_FALSE(reg.delete_key("HKLM\\A"));
  EXPECT_EQ(count_rows(tmp.path(), R"(SELECT count(*) FROM "values")"), 1);
  EXPECT_EQ(count_rows(tmp.path(), "SELECT count(*) FROM keys WHERE name IN ('A', 'B', 'C')"), 0);
}

TEST(Registry, EnumerationFollowsCreationOrder) {
  TempDir tmp;
  Registry reg(tmp.path());
  for (const char* name : {"Zeta", "Alpha", "Mid"}) reg.create_key(std::string("HKLM\\K\\") + name);
  EXPECT_EQ(reg.subkeys("HKLM\\K"), (std::vector<std::string>{"Zeta", "Alpha", "Mid"}));

  reg.set_value("HKLM\\K", "b", Value::dword(1));
  reg.set_value("HKLM\\K", "a", Value::dword(2));
  reg.set_value("HKLM\\K", "c", Value::dword(3));
  reg.set_value("HKLM\\K", "B", Value::sz("replaced"));  // keeps its place and its case
  EXPECT_TRUE(reg.delete_value("HKLM\\K", "A"));
  reg.set_value("HKLM\\K", "a", Value::dword(4));
  std::vector<std::string> names;
  for (const auto& [name, value] : reg.values("HKLM\\K")) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"b", "c", "a"}));
  EXPECT_EQ(reg.get_value("HKLM\\K", "b"), Value::sz("replaced"));
}

TEST(Registry, AbsentIsNotAnError) {
  TempDir tmp;
  Registry reg(tmp.path());
  reg.create_key("HKLM\\K");
  EXPECT_EQ(reg.get_value("HKLM\\K", "missing"), std::nullopt);
  EXPECT_EQ(reg.get_value("HKLM\\Missing", "x"), std::nullopt);
  EXPECT_FALSE(reg.delete_value("HKLM\\K", "missing"));
  EXPECT_FALSE(reg.delete_value("HKLM\\Missing", "x"));
  EXPECT_TRUE(reg.subkeys("HKLM\\Missing").empty());
  EXPECT_TRUE(reg.values("HKLM\\Missing").empty());
  EXPECT_EQ(reg.stored_path("HKLM\\Missing"), std::nullopt);
  EXPECT_FALSE(reg.key_exists("HKLM\\Missing"));
}

TEST(Registry, EmptyNameIsTheDefaultValue) {
  TempDir tmp;
  Registry reg(tmp.path());
  reg.set_value("HKLM\\K", "", Value::sz("default"));
  reg.set_value("HKLM\\K", "Named", Value::sz("named"));
  EXPECT_EQ(reg.get_value("HKLM\\K", ""), Value::sz("default"));
  const auto values = reg.values("HKLM\\K");
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0].first, "");
  EXPECT_TRUE(reg.delete_value("HKLM\\K", ""));
  EXPECT_EQ(reg.get_value("HKLM\\K", ""), std::nullopt);
}

TEST(Registry, TransactionCommitKeepsEverything) {
  TempDir tmp;
  Registry reg(tmp.path());
  {
    auto tx = reg.transaction();
    reg.set_value(kLoop, "Start", Value::dword(3));
    reg.create_key(std::string(kLoop) + "\\Linkage");
    tx.commit();
  }
  EXPECT_EQ(reg.get_value(kLoop, "Start"), Value::dword(3));
  EXPECT_TRUE(reg.key_exists(std::string(kLoop) + "\\Linkage"));
}

TEST(Registry, TransactionWithoutCommitRollsBack) {
  TempDir tmp;
  Registry reg(tmp.path());
  reg.set_value("HKLM\\Before", "v", Value::dword(1));
  {
    auto tx = reg.transaction();
    reg.set_value(kLoop, "Start", Value::dword(3));
    reg.delete_key("HKLM\\Before");
    EXPECT_TRUE(reg.key_exists(kLoop));  // visible inside the transaction
  }
  EXPECT_FALSE(reg.key_exists("HKLM\\SYSTEM"));
  EXPECT_EQ(reg.get_value("HKLM\\Before", "v"), Value::dword(1));
}

TEST(Registry, FailureHalfwayThroughAnInstallLeavesNothingWritten) {
  TempDir tmp;
  Registry reg(tmp.path());
  auto install = [&] {
    auto tx = reg.transaction();
    reg.set_value(kLoop, "ImagePath", Value::expand_sz("loop.sys"));
    reg.set_value(std::string(kLoop) + "\\Parameters", "Speed", Value::dword(1000));
    reg.set_value(std::string(kLoop) + "\\\\Linkage", "Bind", Value::multi_sz({"x"}));  // bad path throws
    tx.commit();
  };
  EXPECT_THROW(install(), Error);
  EXPECT_FALSE(reg.key_exists("HKLM"));
  EXPECT_EQ(count_rows(tmp.path(), "SELECT count(*) FROM keys"), 1);  // only the hidden root
  EXPECT_EQ(count_rows(tmp.path(), R"(SELECT count(*) FROM "values")"), 0);
}

TEST(Registry, SetValueFailingInsideSqliteCreatesNoKey) {
  TempDir tmp;
  { Registry reg(tmp.path()); }
  // The insert of the value fails after set_value has already created the missing keys.
  run_sql(tmp.path(), R"(CREATE TRIGGER fail BEFORE INSERT ON "values" WHEN NEW.name = 'Boom'
                         BEGIN SELECT RAISE(ABORT, 'injected failure'); END)");
  Registry reg(tmp.path());
  EXPECT_EQ(error_of([&] { reg.set_value("HKLM\\New\\Key", "Boom", Value::dword(1)); }),
            "registry key \"HKLM\\New\\Key\" value \"Boom\": injected failure");
  EXPECT_FALSE(reg.key_exists("HKLM"));
  reg.set_value("HKLM\\New\\Key", "Fine", Value::dword(1));
  EXPECT_EQ(reg.get_value("HKLM\\New\\Key", "Fine"), Value::dword(1));
}

TEST(Registry, NestedTransactionRollbackUndoesOnlyItsOwnChanges) {
  TempDir tmp;
  Registry reg(tmp.path());
  {
    auto outer = reg.transaction();
    reg.set_value("HKLM\\K", "outer1", Value::dword(1));
    {
      auto inner = reg.transaction();
      reg.set_value("HKLM\\K", "inner", Value::dword(2));
      reg.create_key("HKLM\\K\\InnerKey");
    }
    reg.set_value("HKLM\\K", "outer2", Value::dword(3));
    outer.commit();
  }
  EXPECT_EQ(reg.get_value("HKLM\\K", "outer1"), Value::dword(1));
  EXPECT_EQ(reg.get_value("HKLM\\K", "outer2"), Value::dword(3));
  EXPECT_EQ(reg.get_value("HKLM\\K", "inner"), std::nullopt);
  EXPECT_FALSE(reg.key_exists("HKLM\\K\\InnerKey"));
}

TEST(Registry, NestedCommitIsUndoneByOuterRollback) {
  TempDir tmp;
  Registry reg(tmp.path());
  {
    auto outer = reg.transaction();
    auto inner = reg.transaction();
    reg.set_value("HKLM\\K", "v", Value::dword(1));
    inner.commit();
    EXPECT_TRUE(reg.key_exists("HKLM\\K"));
  }
  EXPECT_FALSE(reg.key_exists("HKLM\\K"));
}

TEST(Registry, TransactionsEndInnermostFirst) {
  TempDir tmp;
  Registry reg(tmp.path());
  auto outer = reg.transaction();
  {
    auto inner = reg.transaction();
    EXPECT_NE(error_of([&] { outer.commit(); }).find("nested transaction is still open"), std::string::npos);
    inner.commit();
    EXPECT_NE(error_of([&] { inner.commit(); }).find("already ended"), std::string::npos);
  }
  reg.set_value("HKLM\\K", "v", Value::dword(1));
  outer.commit();
  EXPECT_EQ(reg.get_value("HKLM\\K", "v"), Value::dword(1));
}

TEST(Registry, ReopenKeepsKeysAndValues) {
  TempDir tmp;
  {
    Registry reg(tmp.path());
    for (const auto& [name, value] : every_type()) reg.set_value(kLoop, name, value);
    reg.create_key(std::string(kLoop) + "\\Parameters");
  }
  Registry reg(tmp.path());
  EXPECT_EQ(reg.values(kLoop), every_type());
  EXPECT_EQ(reg.subkeys(kLoop), std::vector<std::string>{"Parameters"});
}

TEST(Registry, TwoConnectionsToOneDatabaseSeeEachOther) {
  TempDir tmp;
  Registry writer(tmp.path());
  Registry reader(tmp.path());
  writer.set_value("HKLM\\K", "v", Value::dword(7));
  EXPECT_EQ(reader.get_value("hklm\\k", "V"), Value::dword(7));
  {
    auto tx = writer.transaction();
    writer.set_value("HKLM\\K", "v", Value::dword(8));
    EXPECT_EQ(reader.get_value("HKLM\\K", "v"), Value::dword(7));  // uncommitted stays invisible
    tx.commit();
  }
  EXPECT_EQ(reader.get_value("HKLM\\K", "v"), Value::dword(8));
}

TEST(Registry, BadPathsAreErrorsNamingPathAndReason) {
  TempDir tmp;
  Registry reg(tmp.path());
  const std::string long_name(256, 'x');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty key path"},
      {"\\HKLM\\SYSTEM", "starts with a backslash"},
      {"HKLM\\SYSTEM\\", "ends with a backslash"},
      {"HKLM\\\\SYSTEM", "empty key name"},
      {"HKLM\\" + long_name, "longer than 255"},
      {"HKLM\\bad\xff", "not valid UTF-8"},
  };
  for (const auto& test_case : cases) {
    const std::string& path = test_case.first;
    const std::string& reason = test_case.second;
    const std::string message = error_of([&] { reg.create_key(path); });
    EXPECT_NE(message.find("registry key \"" + path + "\""), std::string::npos) << message;
    EXPECT_NE(message.find(reason), std::string::npos) << message;
    EXPECT_THROW(reg.key_exists(path), Error) << path;
    EXPECT_THROW(reg.get_value(path, "x"), Error) << path;
  }
  EXPECT_NO_THROW(reg.create_key("HKLM\\" + std::string(255, 'x')));
  EXPECT_EQ(count_rows(tmp.path(), "SELECT count(*) FROM keys"), 3);
}

TEST(Registry, ValueErrorsNameTheValueOnOneLine) {
  TempDir tmp;
  Registry reg(tmp.path());
  EXPECT_EQ(error_of([&] { reg.set_value("HKLM\\K", "Bind", Value::multi_sz({std::string("a\0b", 3)})); }),
            "registry key \"HKLM\\K\" value \"Bind\": REG_MULTI_SZ string contains a NUL character");
  EXPECT_EQ(error_of([&] { reg.set_value("HKLM\\K", "", Value::sz("\xc0\xaf")); }),
            "registry key \"HKLM\\K\" default value: string is not valid UTF-8");
  EXPECT_EQ(error_of([&] { reg.create_key("HKLM\\a\nb\\\\c"); }),
            "registry key \"HKLM\\a\\x0ab\\\\c\": empty key name between backslashes");
  EXPECT_FALSE(reg.key_exists("HKLM\\K"));  // nothing half-done by the failed set_value calls
}

TEST(Registry, CorruptStoredValueIsAnErrorNamingIt) {
  TempDir tmp;
  {
    Registry reg(tmp.path());
    reg.set_value("HKLM\\K", "Start", Value::dword(3));
  }
  run_sql(tmp.path(), R"(UPDATE "values" SET data = x'010203')");
  Registry reg(tmp.path());
  const std::string message = error_of([&] { reg.get_value("HKLM\\K", "Start"); });
  EXPECT_EQ(message, "registry key \"HKLM\\K\" value \"Start\": stored data is 3 bytes, expected 4");
  EXPECT_THROW(reg.values("HKLM\\K"), Error);
}

TEST(Registry, NewerSchemaIsRefused) {
  TempDir tmp;
  { Registry reg(tmp.path()); }
  run_sql(tmp.path(), "PRAGMA user_version = 99");
  const std::string message = error_of([&] { Registry reg(tmp.path()); });
  EXPECT_NE(message.find("registry.db"), std::string::npos) << message;
  EXPECT_NE(message.find("newer"), std::string::npos) << message;
}

TEST(Registry, ConcurrentSetValueFromFourThreads) {
  TempDir tmp;
  Registry reg(tmp.path());
  constexpr int kThreads = 4, kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&reg, t] {
      for (int i = 0; i < kPerThread; ++i) {
        reg.set_value("HKLM\\Shared", "t" + std::to_string(t) + "_" + std::to_string(i), Value::dword(static_cast<uint32_t>(i)));
        reg.set_value("HKLM\\Own" + std::to_string(t), "n", Value::dword(static_cast<uint32_t>(i)));
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(reg.values("HKLM\\Shared").size(), size_t{kThreads * kPerThread});
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(reg.get_value("HKLM\\Shared", "t" + std::to_string(t) + "_49"), Value::dword(49));
    EXPECT_EQ(reg.get_value("HKLM\\Own" + std::to_string(t), "n"), Value::dword(kPerThread - 1));
  }
}

TEST(Registry, OpenTransactionKeepsOtherThreadsOut) {
  TempDir tmp;
  Registry reg(tmp.path());
  std::atomic<bool> started{false};
  std::thread other;
  {
    auto tx = reg.transaction();
    reg.set_value("HKLM\\K", "mine", Value::dword(1));
    other = std::thread([&] {
      started = true;
      reg.set_value("HKLM\\K", "theirs", Value::dword(2));  // waits for our rollback
    });
    while (!started) std::this_thread::yield();
    // Gives a broken lock the chance to let "theirs" into our transaction; not a timing assert.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  other.join();
  EXPECT_EQ(reg.get_value("HKLM\\K", "mine"), std::nullopt);
  EXPECT_EQ(reg.get_value("HKLM\\K", "theirs"), Value::dword(2));
}

TEST(Registry, DefaultRootFollowsEnvironment) {
  auto saved = [](const char* name) -> std::optional<std::string> {
    const char* value = getenv(name);
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  const auto strata_root = saved("STRATA_ROOT"), xdg = saved("XDG_STATE_HOME");

  setenv("STRATA_ROOT", "/srv/strata-test", 1);
  EXPECT_EQ(default_root(), "/srv/strata-test");
  unsetenv("STRATA_ROOT");
  setenv("XDG_STATE_HOME", "/tmp/state-test", 1);
  EXPECT_EQ(default_root(), geteuid() == 0 ? "/var/lib/strata" : "/tmp/state-test/strata");
  setenv("XDG_STATE_HOME", "relative/ignored", 1);
  EXPECT_NE(default_root().string().find(geteuid() == 0 ? "/var/lib/strata" : "/.local/state/strata"),
            std::string::npos);

  strata_root ? setenv("STRATA_ROOT", strata_root->c_str(), 1) : unsetenv("STRATA_ROOT");
  xdg ? setenv("XDG_STATE_HOME", xdg->c_str(), 1) : unsetenv("XDG_STATE_HOME");
}

// ---- RegistryValue ---------------------------------------------------------------------------

TEST(RegistryValue, TypesHaveWindowsNumbersAndNames) {
  EXPECT_EQ(static_cast<uint32_t>(ValueType::None), 0u);
  EXPECT_EQ(static_cast<uint32_t>(ValueType::Sz), 1u);
  EXPECT_EQ(static_cast<uint32_t>(ValueType::ExpandSz), 2u);
  EXPECT_EQ(static_cast<uint32_t>(ValueType::Binary), 3u);
  EXPECT_EQ(static_cast<uint32_t>(ValueType::Dword), 4u);
  EXPECT_EQ(static_cast<uint32_t>(ValueType::MultiSz), 7u);
  EXPECT_EQ(static_cast<uint32_t>(ValueType::Qword), 11u);
  EXPECT_EQ(type_name(ValueType::MultiSz), "REG_MULTI_SZ");
  EXPECT_EQ(type_name(ValueType::Qword), "REG_QWORD");
}

TEST(RegistryValue, FactoriesAndAccessorsAgree) {
  EXPECT_EQ(Value::sz("x").type(), ValueType::Sz);
  EXPECT_EQ(Value::sz("x").as_string(), "x");
  EXPECT_EQ(Value::expand_sz("%x%").as_string(), "%x%");
  EXPECT_EQ(Value::dword(5).as_dword(), 5u);
  EXPECT_EQ(Value::qword(1ull << 40).as_qword(), 1ull << 40);
  EXPECT_EQ(Value::multi_sz({"a", "b"}).as_multi_sz(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Value::binary({1, 0, 2}).as_bytes(), (std::vector<uint8_t>{1, 0, 2}));
  EXPECT_EQ(Value(), Value::none());
  EXPECT_NE(Value::sz("1"), Value::expand_sz("1"));
  EXPECT_NE(Value::multi_sz({}), Value::multi_sz({""}));
}

TEST(RegistryValue, WrongAccessorThrowsNamingBothTypes) {
  const std::string message = error_of([] { (void)Value::dword(1).as_string(); });
  EXPECT_EQ(message, "registry value is REG_DWORD, not REG_SZ or REG_EXPAND_SZ");
  EXPECT_THROW((void)Value::sz("1").as_dword(), Error);
  EXPECT_THROW((void)Value::binary({}).as_qword(), Error);
  EXPECT_THROW((void)Value::sz("").as_multi_sz(), Error);
  EXPECT_THROW((void)Value::multi_sz({}).as_bytes(), Error);
}

TEST(RegistryValue, EveryTypeRoundTripsThroughTheDatabase) {
  TempDir tmp;
  Registry reg(tmp.path());
  for (const auto& [name, value] : every_type()) reg.set_value("HKLM\\K", name, value);
  for (const auto& [name, value] : every_type()) EXPECT_EQ(reg.get_value("HKLM\\K", name), value) << name;
}

TEST(RegistryValue, Utf8ToUtf16FollowsTheStandard) {
  EXPECT_EQ(utf8_to_utf16("A\xc3\xa9\xe2\x82\xac"), u"A\u00e9\u20ac");
  EXPECT_EQ(utf8_to_utf16("\xf0\x9d\x84\x9e"), std::u16string({0xD834, 0xDD1E}));
  EXPECT_EQ(utf8_to_utf16(std::string("a\0b", 3)), std::u16string(u"a\0b", 3));
  EXPECT_EQ(utf8_to_utf16("\xc0\x80"), std::nullopt);          // overlong NUL
  EXPECT_EQ(utf8_to_utf16("\xed\xa0\x80"), std::nullopt);      // UTF-16 surrogate
  EXPECT_EQ(utf8_to_utf16("\xf4\x90\x80\x80"), std::nullopt);  // above U+10FFFF
  EXPECT_EQ(utf8_to_utf16("\xe2\x82"), std::nullopt);          // truncated
  EXPECT_EQ(utf8_to_utf16("\x80"), std::nullopt);              // stray continuation byte
}

// ---- RegistryExport --------------------------------------------------------------------------

TEST(RegistryExport, SmallTreeMatchesRegeditText) {
  TempDir tmp;
  Registry reg(tmp.path());
  const std::string key = "HKLM\\SYSTEM\\Test";
  reg.set_value(key, "", Value::sz("default"));
  reg.set_value(key, "Quote\"And\\Slash", Value::sz("C:\\dir \"x\""));
  reg.set_value(key, "Start", Value::dword(10));
  reg.set_value(key, "Big", Value::qword(0x0102030405060708ull));
  reg.set_value(key, "Blob", Value::binary({0x00, 0xab, 0x00}));
  reg.set_value(key, "Path", Value::expand_sz("%a%"));
  reg.set_value(key, "List", Value::multi_sz({"a", "b"}));
  reg.set_value(key, "Empty", Value::multi_sz({}));
  reg.set_value(key, "Nothing", Value::none());
  reg.create_key(key + "\\Child\\Grandchild");
  reg.set_value(key + "\\Second", "N", Value::dword(1));
  reg.create_key("HKLM\\SYSTEM\\NotExported");

  EXPECT_EQ(reg.export_reg("hklm\\system\\TEST"),
            "Windows Registry Editor Version 5.00\n"
            "\n"
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\Test]\n"
            "@=\"default\"\n"
            "\"Quote\\\"And\\\\Slash\"=\"C:\\\\dir \\\"x\\\"\"\n"
            "\"Start\"=dword:0000000a\n"
            "\"Big\"=hex(b):08,07,06,05,04,03,02,01\n"
            "\"Blob\"=hex:00,ab,00\n"
            "\"Path\"=hex(2):25,00,61,00,25,00,00,00\n"
            "\"List\"=hex(7):61,00,00,00,62,00,00,00,00,00\n"
            "\"Empty\"=hex(7):00,00\n"
            "\"Nothing\"=hex(0):\n"
            "\n"
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\Test\\Child]\n"
            "\n"
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\Test\\Child\\Grandchild]\n"
            "\n"
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\Test\\Second]\n"
            "\"N\"=dword:00000001\n"
            "\n");
}

// The expected lines are what regedit on Windows writes for these values.
TEST(RegistryExport, LongHexDataWrapsLikeRegedit) {
  TempDir tmp;
  Registry reg(tmp.path());
  const std::string key = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment";
  reg.set_value(key, "ComSpec", Value::expand_sz("%SystemRoot%\\system32\\cmd.exe"));
  reg.set_value(key, "Path", Value::expand_sz("%SystemRoot%\\system32"));
  EXPECT_EQ(reg.export_reg(key),
            "Windows Registry Editor Version 5.00\n"
            "\n"
            "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment]\n"
            "\"ComSpec\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,\\\n"
            "  74,00,25,00,5c,00,73,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,63,\\\n"
            "  00,6d,00,64,00,2e,00,65,00,78,00,65,00,00,00\n"
            "\"Path\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,74,\\\n"
            "  00,25,00,5c,00,73,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,00,00\n"
            "\n");
}

TEST(RegistryExport, MissingKeyIsAnErrorNamingIt) {
  TempDir tmp;
  Registry reg(tmp.path());
  EXPECT_EQ(error_of([&] { reg.export_reg("HKLM\\Nope"); }), "registry key \"HKLM\\Nope\": no such key");
  EXPECT_THROW(reg.export_reg("HKLM\\"), Error);
}

}  // namespace strata::registry
