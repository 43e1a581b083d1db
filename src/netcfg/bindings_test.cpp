// bindings_test.cpp — the binding engine (seed 003 §4.2.7.10, §4.2.7.13): range matching,
// Linkage, disabled paths, filter insertion with virtual miniports and FilterClass order.
#include <gtest/gtest.h>

#include <algorithm>

#include "netcfg/netcfg.h"
#include "netcfg/netcfg_test_fixture.h"
#include "registry/registry.h"

namespace strata::netcfg::test {
namespace {

using registry::Value;

class Bindings : public NetcfgTest {
protected:
    // Installs netloop and netprobe and adds two loop adapters.
    void loops_and_probe() {
        install(reg(), loop_inf(), options());
        install(reg(), probe_inf(), options());
        loop0_ = add_device(reg(), root(), "strata_loop", "", {});
        loop1_ = add_device(reg(), root(), "strata_loop", "", {});
    }

    // Installs a filter: writes the NetService INF net<name>.inf (hw-id strata_<name>, service
    // <name>) and its device INF net<name>mp.inf (hw-id strata_<name>mp) to src(), then installs
    // the first. Returns what install() returns.
    std::vector<Component> install_filter(const std::string& name, const std::string& filter_class,
                                          const std::string& media = "ethernet") {
        write("net" + name + ".inf", component_inf("NetService", std::string(kNetServiceClassGuid), "strata_" + name, name + ".ndi",
                                                   "Characteristics = 0x400\nAddReg = " + name + ".reg\n[" + name + ".reg]\n"
                                                   "HKR, Ndi, Service, , \"" + name + "\"\n"
                                                   "HKR, Ndi, FilterClass, , " + filter_class + "\n"
                                                   "HKR, Ndi, FilterDeviceInfFile, , net" + name + "mp.inf\n"
                                                   "HKR, Ndi, FilterDeviceInfId, , strata_" + name + "mp\n"
                                                   "HKR, Ndi\\Interfaces, UpperRange, , noupper\n"
                                                   "HKR, Ndi\\Interfaces, LowerRange, , nolower\n"
                                                   "HKR, Ndi\\Interfaces, FilterMediaTypes, , \"" + media + ", tokenring\"\n"));
        write("net" + name + "mp.inf",
              net_inf(name + " miniport", "mp.ndi", "strata_" + name + "mp",
                      "Characteristics = 0x29\nAddReg = mp.reg\n[mp.reg]\nHKR, Ndi, Service, , \"" + name + "\"\n"
                      "HKR, Ndi\\Interfaces, UpperRange, , ndis5\nHKR, Ndi\\Interfaces, LowerRange, , ethernet\n") +
                  services_sections("mp.ndi", name, "2", "mp.svc") + "[ControlFlags]\nExcludeFromSelect = strata_" + name + "mp\n");
        return install(reg(), src() / ("net" + name + ".inf"), options());
    }

    // A component's DDInstall lines and [<service>.reg]: Ndi\Service <service>, the UpperRange
    // (left out when "") and LowerRange, as quoted REG_SZ.
    static std::string ranges_body(const std::string& service, const std::string& upper, const std::string& lower) {
        std::string body = "Characteristics = 0\nAddReg = " + service + ".reg\n[" + service + ".reg]\nHKR, Ndi, Service, , \"" +
                           service + "\"\n";
        if (!upper.empty()) body += "HKR, Ndi\\Interfaces, UpperRange, , \"" + upper + "\"\n";
        return body + "HKR, Ndi\\Interfaces, LowerRange, , \"" + lower + "\"\n";
    }

    const BindingPath* path(const std::vector<BindingPath>& paths, const std::string& id) {
        auto it = std::find_if(paths.begin(), paths.end(), [&](const BindingPath& p) { return p.id == id; });
        return it == paths.end() ? nullptr : &*it;
    }
    std::vector<std::string> ids(const std::vector<BindingPath>& paths) {
        std::vector<std::string> out;
        for (const BindingPath& p : paths) out.push_back(p.id);
        return out;
    }
    std::optional<netcfg::Device> device(const std::string& name) { return find_device(reg(), name); }

    netcfg::Device loop0_, loop1_;
};
using Seed_4_2_7_10_Bindings = Bindings;
using Seed_4_2_7_13_Bindings = Bindings;

TEST_F(Bindings, ProbeBindsBothLoopAdapters) {
    loops_and_probe();
    std::vector<BindingPath> paths = update_bindings(reg(), root());
    EXPECT_EQ(ids(paths), (std::vector<std::string>{"strata_probe->loop0", "strata_probe->loop1"}));
    const BindingPath* p = path(paths, "strata_probe->loop0");
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(p->enabled);
    EXPECT_EQ(p->nodes, (std::vector<std::string>{"strata_probe", "loop0"}));
    ASSERT_EQ(p->edges.size(), 1u);
    EXPECT_EQ(p->edges[0].upper_component, "strata_probe");
    EXPECT_EQ(p->edges[0].upper_service, "probe");
    EXPECT_EQ(p->edges[0].lower_device, "loop0");
    EXPECT_EQ(p->edges[0].lower_device_name, loop0_.device_name);
    std::string linkage = ccs("Services\\probe\\Linkage");
    EXPECT_EQ(reg().get_value(linkage, "Bind"), Value::multi_sz({loop0_.device_name, loop1_.device_name}));
    EXPECT_EQ(reg().get_value(linkage, "Export"),
              Value::multi_sz({"\\Device\\probe_" + loop0_.instance_id, "\\Device\\probe_" + loop1_.instance_id}));
    EXPECT_EQ(reg().get_value(linkage, "Route"),
              Value::multi_sz({"\"" + loop0_.instance_id + "\"", "\"" + loop1_.instance_id + "\""}));
    EXPECT_EQ(reg().get_value(linkage + "\\Disabled", "Bind"), Value::multi_sz({}));
    EXPECT_TRUE(reg().key_exists(ccs("Services\\probe\\Parameters\\Adapters\\" + loop0_.instance_id)));
    EXPECT_TRUE(reg().key_exists(ccs("Services\\probe\\Parameters\\Adapters\\" + loop1_.instance_id)));
    EXPECT_EQ(reg().get_value(loop0_.instance_key + "\\Linkage", "UpperBind"), Value::multi_sz({"probe"}));
    EXPECT_EQ(reg().get_value(loop0_.instance_key + "\\Linkage", "Export"), Value::multi_sz({loop0_.device_name}));
    EXPECT_EQ(ids(bindings(reg())), ids(paths));
    EXPECT_EQ(bindings(reg())[1].edges[0].lower_device_name, loop1_.device_name);
}

TEST_F(Bindings, UpdateIsIdempotent) {
    loops_and_probe();
    update_bindings(reg(), root());
    std::string first = snapshot();
    update_bindings(reg(), root());
    EXPECT_EQ(snapshot(), first);
}

TEST_F(Seed_4_2_7_10_Bindings, Seed_4_2_7_10_NoupperAndNolowerNeverMatch) {
    install(reg(), loop_inf(), options());
    add_device(reg(), root(), "strata_loop", "", {});
    write("netnone.inf", net_trans_inf("strata_none", "none.ndi", ranges_body("none", "noupper", "nolower, noupper")));
    write("netover.inf", net_trans_inf("strata_over", "over.ndi", ranges_body("over", "", "noupper")));
    write("netpriv.inf", net_trans_inf("strata_priv", "priv.ndi", ranges_body("priv", "", "Strata_Private, NDIS5")));
    install(reg(), src() / "netnone.inf", options());
    install(reg(), src() / "netover.inf", options());
    install(reg(), src() / "netpriv.inf", options());
    // Only the case-insensitive ndis5 token of strata_priv matches anything.
    EXPECT_EQ(ids(update_bindings(reg(), root())), std::vector<std::string>{"strata_priv->loop0"});
    EXPECT_FALSE(reg().key_exists(ccs("Services\\none")));  // no AddService: no Linkage either
}

TEST_F(Bindings, ClientOverProtocolChainsLinkageNames) {
    install(reg(), loop_inf(), options());
    netcfg::Device loop = add_device(reg(), root(), "strata_loop", "", {});
    write("nettp.inf", net_trans_inf("strata_tp", "tp.ndi",
                                     ranges_body("tp", "strata_tdi", "ndis5") + services_sections("tp.ndi", "tp", "", "tp.svc")));
    write("netcli.inf", component_inf("NetClient", std::string(kNetClientClassGuid), "strata_cli", "cli.ndi",
                                      ranges_body("cli", "noupper", "strata_tdi") + services_sections("cli.ndi", "cli", "", "cli.svc")));
    install(reg(), src() / "nettp.inf", options());
    install(reg(), src() / "netcli.inf", options());
    std::vector<BindingPath> paths = bindings(reg());
    EXPECT_EQ(ids(paths), (std::vector<std::string>{"strata_tp->loop0", "strata_cli->strata_tp->loop0"}));
    const BindingPath* p = path(paths, "strata_cli->strata_tp->loop0");
    ASSERT_EQ(p->edges.size(), 2u);
    EXPECT_EQ(p->edges[0].lower_device, "strata_tp");
    EXPECT_EQ(p->edges[0].lower_device_name, "\\Device\\tp_" + loop.instance_id);
    std::string linkage = ccs("Services\\cli\\Linkage");
    EXPECT_EQ(reg().get_value(linkage, "Bind"), Value::multi_sz({"\\Device\\tp_" + loop.instance_id}));
    EXPECT_EQ(reg().get_value(linkage, "Export"), Value::multi_sz({"\\Device\\cli_tp_" + loop.instance_id}));
    EXPECT_EQ(reg().get_value(linkage, "Route"), Value::multi_sz({"\"tp\" \"" + loop.instance_id + "\""}));
    EXPECT_FALSE(reg().key_exists(ccs("Services\\cli\\Parameters\\Adapters")));  // it binds no adapter itself

    set_binding_enabled(reg(), root(), "strata_tp->loop0", false);
    EXPECT_FALSE(path(bindings(reg()), "strata_cli->strata_tp->loop0")->enabled);
    EXPECT_EQ(reg().get_value(linkage, "Bind"), Value::multi_sz({}));
}

TEST_F(Bindings, DisabledPathGoesToLinkageDisabled) {
    loops_and_probe();
    set_binding_enabled(reg(), root(), "strata_probe->loop0", false);
    std::vector<BindingPath> stored = bindings(reg());
    ASSERT_NE(path(stored, "strata_probe->loop0"), nullptr);
    EXPECT_FALSE(path(stored, "strata_probe->loop0")->enabled);
    EXPECT_TRUE(path(stored, "strata_probe->loop1")->enabled);
    std::string linkage = ccs("Services\\probe\\Linkage");
    EXPECT_EQ(reg().get_value(linkage, "Bind"), Value::multi_sz({loop1_.device_name}));
    EXPECT_EQ(reg().get_value(linkage + "\\Disabled", "Bind"), Value::multi_sz({loop0_.device_name}));
    EXPECT_EQ(reg().get_value(linkage + "\\Disabled", "Export"), Value::multi_sz({"\\Device\\probe_" + loop0_.instance_id}));
    EXPECT_EQ(reg().get_value(linkage + "\\Disabled", "Route"), Value::multi_sz({"\"" + loop0_.instance_id + "\""}));
    EXPECT_FALSE(reg().key_exists(ccs("Services\\probe\\Parameters\\Adapters\\" + loop0_.instance_id)));
    std::string disabled = snapshot();
    update_bindings(reg(), root());
    EXPECT_EQ(snapshot(), disabled);  // the disabled set survives recomputation

    set_binding_enabled(reg(), root(), "STRATA_PROBE->LOOP0", true);
    EXPECT_TRUE(path(bindings(reg()), "strata_probe->loop0")->enabled);
    EXPECT_EQ(reg().get_value(linkage + "\\Disabled", "Route"), Value::multi_sz({}));
    EXPECT_EQ(reg().get_value(linkage, "Bind").value().as_multi_sz().size(), 2u);

    expect_refused([&] { set_binding_enabled(reg(), root(), "strata_probe->loop7", false); });
}

TEST_F(Seed_4_2_7_13_Bindings, Seed_4_2_7_13_FilterInsertsOneVirtualMiniportPerAdapter) {
    loops_and_probe();
    auto installed = install_filter("pf", "failover");
    ASSERT_EQ(installed.size(), 2u);  // the filter and its staged device package
    EXPECT_EQ(installed[0].component_id, "strata_pfmp");
    std::vector<BindingPath> paths = bindings(reg());
    EXPECT_EQ(ids(paths), (std::vector<std::string>{"strata_probe->pf-loop0->strata_pf->loop0",
                                                    "strata_probe->pf-loop1->strata_pf->loop1", "strata_pf->loop0",
                                                    "strata_pf->loop1"}));
    auto vm0 = device("pf-loop0");
    auto vm1 = device("pf-loop1");
    ASSERT_TRUE(vm0 && vm1);
    EXPECT_TRUE(vm0->virtual_miniport);
    EXPECT_EQ(vm0->component_id, "strata_pfmp");
    EXPECT_EQ(vm0->service, "pf");
    EXPECT_FALSE(device("loop0")->virtual_miniport);
    EXPECT_EQ(devices(reg()).size(), 4u);

    const BindingPath* p = path(paths, "strata_probe->pf-loop0->strata_pf->loop0");
    ASSERT_EQ(p->edges.size(), 3u);
    EXPECT_EQ(p->edges[0].upper_service, "probe");
    EXPECT_EQ(p->edges[0].lower_device_name, vm0->device_name);
    EXPECT_EQ(p->edges[1].upper_component, "strata_pfmp");
    EXPECT_EQ(p->edges[1].lower_device, "strata_pf");
    EXPECT_EQ(p->edges[1].lower_device_name, "");
    EXPECT_EQ(p->edges[2].upper_service, "pf");
    EXPECT_EQ(p->edges[2].lower_device_name, loop0_.device_name);

    EXPECT_EQ(reg().get_value(ccs("Services\\probe\\Linkage"), "Bind"),
              Value::multi_sz({vm0->device_name, vm1->device_name}));
    EXPECT_EQ(reg().get_value(ccs("Services\\pf\\Linkage"), "Bind"), Value::multi_sz({loop0_.device_name, loop1_.device_name}));
    EXPECT_EQ(reg().get_value(ccs("Services\\pf\\Parameters\\Adapters\\" + loop0_.instance_id), "UpperBindings"),
              Value::sz(vm0->device_name));
    EXPECT_EQ(reg().get_value(ccs("Services\\pf\\Parameters\\Adapters\\" + loop1_.instance_id), "UpperBindings"),
              Value::sz(vm1->device_name));
    EXPECT_TRUE(reg().key_exists(ccs("Services\\probe\\Parameters\\Adapters\\" + vm0->instance_id)));
    EXPECT_FALSE(reg().key_exists(ccs("Services\\probe\\Parameters\\Adapters\\" + loop0_.instance_id)));
    EXPECT_EQ(reg().get_value(ccs("Services\\pf"), "ImagePath"), Value::expand_sz((root() / "drivers" / "pf.sys").string()));

    std::string before = snapshot();
    update_bindings(reg(), root());
    EXPECT_EQ(snapshot(), before);
    EXPECT_THROW(remove_device(reg(), "pf-loop0"), NetcfgError);
    EXPECT_THROW(uninstall(reg(), root(), "strata_pfmp"), NetcfgError);  // the filter names it

    // A path is only as enabled as the filter path it continues.
    set_binding_enabled(reg(), root(), "strata_pf->loop1", false);
    EXPECT_FALSE(path(bindings(reg()), "strata_probe->pf-loop1->strata_pf->loop1")->enabled);
    EXPECT_TRUE(path(bindings(reg()), "strata_probe->pf-loop0->strata_pf->loop0")->enabled);
    EXPECT_FALSE(reg().key_exists(ccs("Services\\pf\\Parameters\\Adapters\\" + loop1_.instance_id)));
    set_binding_enabled(reg(), root(), "strata_pf->loop1", true);
    EXPECT_TRUE(path(bindings(reg()), "strata_probe->pf-loop1->strata_pf->loop1")->enabled);
    EXPECT_EQ(reg().get_value(ccs("Services\\pf\\Parameters\\Adapters\\" + loop1_.instance_id), "UpperBindings"),
              Value::sz(vm1->device_name));

    // Removing an adapter removes its virtual miniport and paths.
    remove_device(reg(), "loop1");
    EXPECT_FALSE(device("pf-loop1"));
    EXPECT_EQ(ids(bindings(reg())),
              (std::vector<std::string>{"strata_probe->pf-loop0->strata_pf->loop0", "strata_pf->loop0"}));
    EXPECT_FALSE(reg().key_exists(ccs("Services\\pf\\Parameters\\Adapters\\" + loop1_.instance_id)));

    // Uninstalling the filter removes the rest and unstages its device package.
    uninstall(reg(), root(), "strata_pf");
    EXPECT_EQ(ids(bindings(reg())), std::vector<std::string>{"strata_probe->loop0"});
    EXPECT_EQ(devices(reg()).size(), 1u);
    EXPECT_EQ(components(reg()).size(), 2u);
    EXPECT_FALSE(reg().key_exists(ccs("Services\\pf")));
    EXPECT_EQ(reg().get_value(ccs("Services\\probe\\Linkage"), "Bind"), Value::multi_sz({loop0_.device_name}));
}

TEST_F(Seed_4_2_7_13_Bindings, Seed_4_2_7_13_FilterClassOrder) {
    loops_and_probe();
    install_filter("sched", "scheduler");
    install_filter("fo", "failover");
    std::vector<BindingPath> paths = bindings(reg());
    // scheduler above failover, failover next to the adapter, whatever the install order.
    const BindingPath* p = path(paths, "strata_probe->sched-loop0->strata_sched->fo-loop0->strata_fo->loop0");
    ASSERT_NE(p, nullptr) << testing::PrintToString(ids(paths));
    EXPECT_TRUE(p->enabled);
    EXPECT_NE(path(paths, "strata_sched->fo-loop0->strata_fo->loop0"), nullptr);
    EXPECT_NE(path(paths, "strata_fo->loop0"), nullptr);
    auto fo = device("fo-loop0");
    auto sched = device("sched-loop0");
    ASSERT_TRUE(fo && sched);
    EXPECT_EQ(reg().get_value(ccs("Services\\fo\\Parameters\\Adapters\\" + loop0_.instance_id), "UpperBindings"),
              Value::sz(fo->device_name));
    EXPECT_EQ(reg().get_value(ccs("Services\\sched\\Parameters\\Adapters\\" + fo->instance_id), "UpperBindings"),
              Value::sz(sched->device_name));
    EXPECT_EQ(reg().get_value(ccs("Services\\probe\\Linkage"), "Bind").value().as_multi_sz()[0], sched->device_name);
}

TEST_F(Seed_4_2_7_13_Bindings, Seed_4_2_7_13_OneFilterPerClassPerAdapter) {
    loops_and_probe();
    install_filter("fa", "failover");
    install_filter("fb", "failover");
    std::vector<BindingPath> paths = bindings(reg());
    const BindingPath* refused = path(paths, "strata_fb->loop0");
    ASSERT_NE(refused, nullptr) << testing::PrintToString(ids(paths));
    EXPECT_FALSE(refused->enabled);
    EXPECT_NE(refused->reason.find("strata_fa"), std::string::npos) << refused->reason;
    EXPECT_NE(path(paths, "strata_probe->fa-loop0->strata_fa->loop0"), nullptr);
    EXPECT_FALSE(device("fb-loop0"));
    EXPECT_FALSE(reg().key_exists(ccs("Services\\fb")));  // no virtual miniport, so nothing added its service
    EXPECT_THROW(set_binding_enabled(reg(), root(), "strata_fb->loop0", true), NetcfgError);
}

TEST_F(Seed_4_2_7_13_Bindings, Seed_4_2_7_13_FilterSkipsOtherMedia) {
    loops_and_probe();
    install_filter("tr", "scheduler", "fddi");
    EXPECT_EQ(ids(bindings(reg())), (std::vector<std::string>{"strata_probe->loop0", "strata_probe->loop1"}));
    EXPECT_EQ(devices(reg()).size(), 2u);
}

}  // namespace
}  // namespace strata::netcfg::test
