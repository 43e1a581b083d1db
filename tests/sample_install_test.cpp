// sample_install_test.cpp — driver packages written the way Microsoft's DDK samples are
// (tests/inf/install and the linter corpus): they install, and the binding engine stacks them
// (seed 003 §4.2.7.13, §4.2.11; issue 3 "real driver packages follow Microsoft's conventions
// loosely"). The INF files are ours, modelled on the samples' conventions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "netcfg/inf.h"
#include "netcfg/netcfg_test_fixture.h"

namespace strata::netcfg::test {
namespace {

namespace fs = std::filesystem;

class SamplePackages : public NetcfgTest {
protected:
    // Copies a corpus INF into the source dir with placeholder images for `images`.
    fs::path corpus(const std::string& folder, const std::string& inf, std::initializer_list<const char*> images = {}) {
        fs::copy_file(fs::path(STRATA_SOURCE_DIR) / "tests" / "inf" / folder / inf, src() / inf,
                      fs::copy_options::overwrite_existing);
        for (const char* image : images) write(image, "placeholder image");
        return src() / inf;
    }

    std::optional<Component> component(const std::string& id) {
        for (const Component& c : components(reg()))
            if (inf_iequals(c.component_id, id)) return c;
        return std::nullopt;
    }
};

TEST_F(SamplePackages, Seed_4_2_7_13_FilterDeviceInfComesThroughCopyInf) {
    corpus("install", "netptx_m.inf");
    install(reg(), corpus("install", "netptx.inf", {"ptx.sys"}), options());
    ASSERT_TRUE(component("corpus_ptx"));
    EXPECT_EQ(component("corpus_ptx")->class_name, "NetService");  // Class wins over the NetClient GUID
    ASSERT_TRUE(component("corpus_ptxmp"));
    EXPECT_EQ(component("corpus_ptxmp")->class_name, "Net");
    EXPECT_TRUE(fs::exists(root() / "drivers" / "ptx.sys"));

    install(reg(), loop_inf(), options());
    install(reg(), probe_inf(), options());
    add_device(reg(), root(), "strata_loop", "e0", {});
    add_device(reg(), root(), "strata_loop", "e1", {});
    std::vector<BindingPath> paths = update_bindings(reg(), root());
    int through_filter = 0;
    for (const BindingPath& p : paths)
        if (p.enabled && p.nodes.front() == "strata_probe") {
            ASSERT_EQ(p.nodes.size(), 4u) << p.id;
            EXPECT_EQ(p.nodes[2], "corpus_ptx");
            ++through_filter;
        }
    EXPECT_EQ(through_filter, 2);
    int virtual_miniports = 0;
    for (const Device& d : devices(reg())) virtual_miniports += d.virtual_miniport ? 1 : 0;
    EXPECT_EQ(virtual_miniports, 2);
}

TEST_F(SamplePackages, LinterCorpusPackagesInstall) {
    install(reg(), corpus("lint", "netprot.inf", {"prot.sys"}), options());
    EXPECT_EQ(component("corpus_prot") ? component("corpus_prot")->class_name : "", "NetTrans");
    corpus("lint", "netsfx_m.inf");
    install(reg(), corpus("lint", "netsfx.inf", {"sfx.sys"}), options());
    install(reg(), corpus("lint", "netpci.inf", {"p7001.sys"}), options());
    std::vector<std::string> ids;
    for (const Component& c : components(reg())) ids.push_back(c.component_id);
    EXPECT_TRUE(component("corpus_sfx")) << ::testing::PrintToString(ids);
    EXPECT_TRUE(component("PCI\\VEN_1AF4&DEV_7001")) << ::testing::PrintToString(ids);
}

}  // namespace
}  // namespace strata::netcfg::test
