// cli_harness.h — running the built `strata` binary as a user would, for the end-to-end CLI
// tests: a temporary root per test, one process per command with its exit status, stdout and
// stderr, and a host a failed assertion left running stopped in TearDown.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace strata::test {

struct CliResult {
    int status = -1;
    std::string out;
    std::string err;
};

class CliHarness : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/strata-cli-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        root_ = dir_ / "root";
    }

    void TearDown() override {
        // A host a failed assertion left running must not outlive the test.
        if (run({"status"}).status == 0) run({"stop"});
        std::filesystem::remove_all(dir_);
    }

    CliResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {STRATA_BINARY_DIR "/bin/strata", "--root", root_.string()});
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::filesystem::path out = dir_ / "stdout", err = dir_ / "stderr";
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        pid_t pid = 0;
        CliResult result;
        if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) return result;
        posix_spawn_file_actions_destroy(&actions);
        int status = 0;
        ::waitpid(pid, &status, 0);
        result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        result.out = read_file(out);
        result.err = read_file(err);
        return result;
    }

    // `--json` after the subcommand, as the issues write `strata probe stats --json`.
    nlohmann::json json(std::vector<std::string> args, int expected_status = 0) {
        args.push_back("--json");
        CliResult r = run(args);
        EXPECT_EQ(r.status, expected_status) << r.err;
        return nlohmann::json::parse(r.out, nullptr, false);
    }

    static std::string read_file(const std::filesystem::path& path) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    static std::string driver_file(const char* name) { return std::string(STRATA_DRIVER_DIR) + "/" + name; }

    static bool one_line(const std::string& text) { return !text.empty() && text.find('\n') == text.size() - 1; }

    void install_loop_and_probe() {
        ASSERT_EQ(run({"install", driver_file("netloop.inf")}).status, 0);
        ASSERT_EQ(run({"install", driver_file("netprobe.inf")}).status, 0);
    }

    std::filesystem::path dir_;
    std::filesystem::path root_;
};

}  // namespace strata::test
