// report_file.cpp — reports as JSON and the stop-time report file (report_file.h).
#include "verifier/report_file.h"

#include <cstdio>
#include <string>

namespace strata::verifier {

nlohmann::json reports_json() {
    nlohmann::json counts = nlohmann::json::object();
    for (std::size_t i = 0; i < static_cast<std::size_t>(Rule::Count_); ++i)
        if (std::uint64_t n = count(static_cast<Rule>(i)); n != 0) counts[rule_name(static_cast<Rule>(i))] = n;
    nlohmann::json list = nlohmann::json::array();
    for (const Report& r : reports()) {
        nlohmann::json frames = nlohmann::json::array();
        std::size_t at = 0;
        while (at < r.backtrace.size()) {
            std::size_t end = r.backtrace.find('\n', at);
            if (end == std::string::npos) end = r.backtrace.size();
            std::string frame = r.backtrace.substr(at, end - at);
            std::size_t first = frame.find_first_not_of(' ');
            if (first != std::string::npos) frames.push_back(frame.substr(first));
            at = end + 1;
        }
        list.push_back({{"driver", r.driver},
                        {"rule", rule_name(r.rule)},
                        {"object", object_text(r.object)},
                        {"message", r.message},
                        {"backtrace", frames}});
    }
    return {{"enabled", enabled()}, {"all", verifying_all()}, {"total", total()}, {"counts", counts},
            {"reports", list}};
}

bool write_report_file(const std::filesystem::path& root) {
    std::filesystem::path file = report_file_path(root);
    std::filesystem::path partial = file;
    partial += ".partial";
    std::FILE* out = std::fopen(partial.c_str(), "w");
    if (out == nullptr) return false;
    std::string text = reports_json().dump();
    bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
    if (std::fclose(out) != 0 || !written) return false;
    std::error_code error;
    std::filesystem::rename(partial, file, error);
    return !error;
}

}  // namespace strata::verifier
