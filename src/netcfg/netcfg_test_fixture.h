// netcfg_test_fixture.h — the fixture of the installer, device and binding tests (seed 003 ch. 4):
// a fresh temp dir per test with a real SQLite registry under <dir>/root, INF files written by
// the test into <dir>/src, and the project's netloop.inf/netprobe.inf with their .sys images.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "netcfg/netcfg.h"
#include "registry/registry.h"

namespace strata::netcfg::test {

class NetcfgTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (std::filesystem::temp_directory_path() / "strata-netcfg-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        root_ = dir_ / "root";
        src_ = dir_ / "src";
        std::filesystem::create_directories(src_);
        reg_ = std::make_unique<registry::Registry>(root_);
    }
    void TearDown() override {
        reg_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    registry::Registry& reg() { return *reg_; }
    const std::filesystem::path& root() const { return root_; }
    const std::filesystem::path& src() const { return src_; }

    std::filesystem::path write(const std::string& name, const std::string& text) {
        std::ofstream(src_ / name, std::ios::binary) << text;
        return src_ / name;
    }

    // The project's INF and its image (the built one when present; the installer only copies it).
    std::filesystem::path project_inf(const std::string& driver, const std::string& inf) {
        std::filesystem::copy_file(std::filesystem::path(STRATA_SOURCE_DIR) / "drivers" / driver / inf, src_ / inf,
                                   std::filesystem::copy_options::overwrite_existing);
        std::filesystem::path image = std::filesystem::path(STRATA_DRIVER_DIR) / (driver + ".sys");
        if (std::filesystem::exists(image))
            std::filesystem::copy_file(image, src_ / (driver + ".sys"), std::filesystem::copy_options::overwrite_existing);
        else
            write(driver + ".sys", "placeholder image of " + driver);
        return src_ / inf;
    }
    std::filesystem::path loop_inf() { return project_inf("loop", "netloop.inf"); }
    std::filesystem::path probe_inf() { return project_inf("probe", "netprobe.inf"); }

    InstallOptions options(std::optional<std::string> model = std::nullopt) const { return {root_, std::move(model)}; }

    // Everything under HKLM ("" before anything exists), for "unchanged after an error" checks.
    std::string snapshot() { return reg_->key_exists("HKLM") ? reg_->export_reg("HKLM") : ""; }
    std::size_t files_under_root() {
        std::size_t n = 0;
        for (const auto& e : std::filesystem::recursive_directory_iterator(root_))
            if (e.is_regular_file() && e.path().filename().string().rfind("registry.db", 0) != 0) ++n;
        return n;
    }

    std::string ccs(const std::string& rest) const { return std::string(kCurrentControlSet) + "\\" + rest; }

    // The message of the NetcfgError `call` throws; nullopt when it returns.
    static std::optional<std::string> error_of(const std::function<void()>& call) {
        try {
            call();
        } catch (const NetcfgError& e) {
            return e.what();
        }
        return std::nullopt;
    }
    // `call` must throw NetcfgError with each of `words` in its message.
    static void expect_error(const std::function<void()>& call, std::initializer_list<std::string_view> words) {
        std::optional<std::string> message = error_of(call);
        ASSERT_TRUE(message) << "no NetcfgError";
        for (std::string_view word : words) EXPECT_NE(message->find(word), std::string::npos) << *message;
    }
    // expect_error, and HKLM as it was before `call`.
    void expect_refused(const std::function<void()>& call, std::initializer_list<std::string_view> words = {}) {
        std::string before = snapshot();
        expect_error(call, words);
        EXPECT_EQ(snapshot(), before);
    }
    // expect_refused for installing `inf`, which must leave no file under the root either.
    void expect_install_refused(const std::filesystem::path& inf, std::initializer_list<std::string_view> words) {
        expect_refused([&] { install(*reg_, inf, options()); }, words);
        EXPECT_EQ(files_under_root(), 0u);
    }

private:
    std::filesystem::path dir_, root_, src_;
    std::unique_ptr<registry::Registry> reg_;
};

// A NetTrans/NetService/NetClient INF: `body` supplies the DDInstall section's extra lines and
// any further sections; the [Version], [Manufacturer], Models and [Strings] parts are fixed.
inline std::string component_inf(const std::string& cls, const std::string& guid, const std::string& hw_id,
                                 const std::string& section, const std::string& body) {
    return "[Version]\nSignature = \"$Windows NT$\"\nClass = " + cls + "\nClassGuid = " + guid +
           "\nProvider = %P%\n\n[Manufacturer]\n%P% = Models, NTamd64\n\n[Models.NTamd64]\n%Desc% = " + section + ", " +
           hw_id + "\n\n[" + section + "]\n" + body + "\n[Strings]\nP = \"Strata tests\"\nDesc = \"" + hw_id + " component\"\n";
}

inline std::string net_trans_inf(const std::string& hw_id, const std::string& section, const std::string& body) {
    return component_inf("NetTrans", std::string(kNetTransClassGuid), hw_id, section, body);
}

// A Net adapter INF with one model, "<description>" = <section>, <hw_id>, in the Models section M;
// `body` supplies the lines of [<section>] and any further sections.
inline std::string net_inf(const std::string& description, const std::string& section, const std::string& hw_id,
                           const std::string& body) {
    return "[Version]\nSignature = \"$Windows NT$\"\nClass = Net\nClassGuid = " + std::string(kNetClassGuid) +
           "\n[Manufacturer]\n\"Strata\" = M\n[M]\n\"" + description + "\" = " + section + ", " + hw_id + "\n[" + section +
           "]\n" + body;
}

// [<ddinstall>.Services] with one AddService line (`flags` may be "") and its service-install
// section [<install>]: a kernel driver, demand start, ServiceBinary = %12%\<service>.sys.
inline std::string services_sections(const std::string& ddinstall, const std::string& service, const std::string& flags,
                                     const std::string& install) {
    return "[" + ddinstall + ".Services]\nAddService = " + service + ", " + flags + ", " + install + "\n[" + install +
           "]\nServiceType = 1\nStartType = 3\nErrorControl = 1\nServiceBinary = %12%\\" + service + ".sys\n";
}

}  // namespace strata::netcfg::test
