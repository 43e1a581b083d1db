// install_test.cpp — install/uninstall of network components from INF files (seed 003 ch. 4):
// AddReg/DelReg flags, AddService, CopyFiles, CopyINF, Include/Needs, RequiredAll, Remove
// sections, Winsock, and the registry left unchanged by every failure.
#include <gtest/gtest.h>

#include <algorithm>

#include "netcfg/netcfg.h"
#include "netcfg/netcfg_test_fixture.h"
#include "registry/registry.h"

namespace strata::netcfg::test {
namespace {

namespace fs = std::filesystem;
using registry::Value;
using Install = NetcfgTest;
using Seed_4_2_5_Install = NetcfgTest;
using Seed_4_2_7_5_Install = NetcfgTest;
using Seed_4_2_7_13_Install = NetcfgTest;
using Seed_4_2_10_Install = NetcfgTest;

std::string component_key(registry::Registry& reg, const std::string& id) {
    for (const Component& c : components(reg))
        if (c.component_id == id) return c.key;
    return "";
}

// A filter service INF naming its device INF netfltmp.inf and hw-id strata_fltmp (seed §4.2.7.13).
std::string filter_service_inf() {
    return component_inf("NetService", std::string(kNetServiceClassGuid), "strata_flt", "flt.ndi", R"(Characteristics = 0x400
AddReg = flt.reg
[flt.reg]
HKR, Ndi, Service, 0, "flt"
HKR, Ndi, FilterClass, 0, failover
HKR, Ndi, FilterDeviceInfFile, 0, netfltmp.inf
HKR, Ndi, FilterDeviceInfId, 0, strata_fltmp
HKR, Ndi\Interfaces, FilterMediaTypes, 0, "ethernet"
)");
}

TEST_F(Install, NetLoopStagesThePackageWithoutAnInstance) {
    auto installed = install(reg(), loop_inf(), options());
    ASSERT_EQ(installed.size(), 1u);
    EXPECT_EQ(installed[0].component_id, "strata_loop");
    EXPECT_EQ(installed[0].class_name, "Net");
    EXPECT_EQ(installed[0].service, "loop");
    EXPECT_EQ(installed[0].description, "Strata loop virtual Ethernet adapter");
    EXPECT_TRUE(fs::exists(root() / "inf" / "oem0.inf"));
    EXPECT_TRUE(fs::exists(root() / "drivers" / "loop.sys"));
    EXPECT_EQ(reg().get_value("HKLM\\SYSTEM\\DriverDatabase\\DeviceIds\\strata_loop", "oem0.inf"), Value::sz("loop.ndi"));
    EXPECT_TRUE(reg().subkeys(ccs("Control\\Class\\" + std::string(kNetClassGuid))).empty());
    EXPECT_FALSE(reg().key_exists(ccs("Services\\loop")));  // AddService runs with the device
    auto all = components(reg());
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].inf, (root() / "inf" / "oem0.inf").string());
}

TEST_F(Install, NetProbeWritesComponentKeyAndService) {
    install(reg(), probe_inf(), options());
    std::string key = component_key(reg(), "strata_probe");
    ASSERT_EQ(key.rfind(ccs("Control\\Network\\" + std::string(kNetTransClassGuid) + "\\{"), 0), 0u) << key;
    EXPECT_EQ(reg().get_value(key, "ComponentId"), Value::sz("strata_probe"));
    EXPECT_EQ(reg().get_value(key, "Characteristics"), Value::dword(0));
    EXPECT_EQ(reg().get_value(key, "InfPath"), Value::sz("oem0.inf"));
    EXPECT_EQ(reg().get_value(key, "InfSection"), Value::sz("probe.ndi"));
    EXPECT_EQ(reg().get_value(key, "InfSectionExt"), Value::sz(".NTamd64"));
    EXPECT_EQ(reg().get_value(key, "Description"), Value::sz("Strata probe protocol"));
    EXPECT_EQ(reg().get_value(key + "\\Ndi", "CoServices"), Value::multi_sz({"probe"}));
    EXPECT_EQ(reg().get_value(key + "\\Ndi\\Interfaces", "LowerRange"), Value::sz("ndis5"));
    std::string svc = ccs("Services\\probe");
    EXPECT_EQ(reg().get_value(svc, "Type"), Value::dword(1));
    EXPECT_EQ(reg().get_value(svc, "Start"), Value::dword(3));
    EXPECT_EQ(reg().get_value(svc, "ErrorControl"), Value::dword(1));
    EXPECT_EQ(reg().get_value(svc, "Group"), Value::sz("NDIS"));
    EXPECT_EQ(reg().get_value(svc, "DisplayName"), Value::sz("Strata probe protocol driver"));
    EXPECT_EQ(reg().get_value(svc, "ImagePath"), Value::expand_sz((root() / "drivers" / "probe.sys").string()));
    EXPECT_TRUE(fs::exists(root() / "drivers" / "probe.sys"));
}

TEST_F(Install, AddRegEveryTypeAndFlag) {
    write("netall.inf", net_trans_inf("strata_all", "all.ndi", R"(Characteristics = 0x8
BusType = 5
AddReg = all.reg
[all.reg]
HKR, Ndi, Service, 0, "all"
HKR, Ndi\Interfaces, UpperRange, , "noupper"
HKR, v, Sz, 0, "text"
HKR, v, SzNoFlags, , "plain"
HKR, v, Expand, 0x00020000, "%%SystemRoot%%\x.dll"
HKR, v, Multi, 0x00010000, "a", "b", "c"
HKR, v, DwordDec, 0x00010001, 42
HKR, v, DwordHex, 0x00010001, 0x2A
HKR, v, DwordBytes, 0x00010001, 01, 02, 03, 04
HKR, v, Binary, 0x00000001, de, ad, \
    be, ef
HKR, v, None, 0x00020001, 01, 02
HKR, v, Qword, 0x000B0001, 0x100000000
HKR, v, Kept, 0, "first"
HKR, v, Kept, 0x00000002, "second"
HKR, v, App, 0x00010000, "a", "b"
HKR, v, App, 0x00010008, "b", "d"
HKR, v, Gone, 0, "x"
HKR, v, Gone, 0x00000004
HKR, v\sub, X, 0, "1"
HKR, v\sub, , 0x00000004
HKR, v\only, Ignored, 0x00000010, "y"
HKR, v, Absent, 0x00000020, "z"
HKR, v, Wide, 0x00001000, "w"
HKR, Ndi\Params\P, A, 0, "1"
HKR, Ndi\params\P, B, 0, "2"
HKR, Ndi\Interfaces
HKLM, Software\StrataTest, Abbrev, 0, "1"
"HKLM", Software\StrataTest, Quoted, 0, "2"
HKEY_LOCAL_MACHINE, Software\StrataTest, Long, 0, "3"
HKCU, Software\StrataTest, User, 0, "4"
HKCR, StrataTest, Classes, 0, "5"
HKU, StrataTest, Users, 0, "6"
)"));
    install(reg(), src() / "netall.inf", options());
    std::string v = component_key(reg(), "strata_all") + "\\v";
    EXPECT_EQ(reg().get_value(component_key(reg(), "strata_all"), "BusType"), Value::sz("5"));
    EXPECT_EQ(reg().get_value(v, "Sz"), Value::sz("text"));
    EXPECT_EQ(reg().get_value(v, "SzNoFlags"), Value::sz("plain"));
    EXPECT_EQ(reg().get_value(v, "Expand"), Value::expand_sz("%SystemRoot%\\x.dll"));
    EXPECT_EQ(reg().get_value(v, "Multi"), Value::multi_sz({"a", "b", "c"}));
    EXPECT_EQ(reg().get_value(v, "DwordDec"), Value::dword(42));
    EXPECT_EQ(reg().get_value(v, "DwordHex"), Value::dword(42));
    EXPECT_EQ(reg().get_value(v, "DwordBytes"), Value::dword(0x04030201));
    EXPECT_EQ(reg().get_value(v, "Binary"), Value::binary({0xde, 0xad, 0xbe, 0xef}));
    EXPECT_EQ(reg().get_value(v, "None"), Value::none({1, 2}));
    EXPECT_EQ(reg().get_value(v, "Qword"), Value::qword(0x100000000ull));
    EXPECT_EQ(reg().get_value(v, "Kept"), Value::sz("first"));               // FLG_ADDREG_NOCLOBBER
    EXPECT_EQ(reg().get_value(v, "App"), Value::multi_sz({"a", "b", "d"}));  // FLG_ADDREG_APPEND, no duplicates
    EXPECT_FALSE(reg().get_value(v, "Gone"));                                 // FLG_ADDREG_DELVAL
    EXPECT_FALSE(reg().key_exists(v + "\\sub"));
    EXPECT_TRUE(reg().key_exists(v + "\\only"));                              // FLG_ADDREG_KEYONLY
    EXPECT_TRUE(reg().values(v + "\\only").empty());
    EXPECT_FALSE(reg().get_value(v, "Absent"));                               // FLG_ADDREG_OVERWRITEONLY
    EXPECT_EQ(reg().get_value(v, "Wide"), Value::sz("w"));                    // FLG_ADDREG_64BITKEY ignored
    std::string p = component_key(reg(), "strata_all") + "\\Ndi\\params\\P";
    EXPECT_EQ(reg().values(p).size(), 2u);  // Ndi\Params and Ndi\params are one key
    EXPECT_EQ(reg().get_value("HKLM\\Software\\StrataTest", "Abbrev"), Value::sz("1"));
    EXPECT_EQ(reg().get_value("HKLM\\Software\\StrataTest", "Quoted"), Value::sz("2"));
    EXPECT_EQ(reg().get_value("HKLM\\Software\\StrataTest", "Long"), Value::sz("3"));
    EXPECT_EQ(reg().get_value("HKCU\\Software\\StrataTest", "User"), Value::sz("4"));
    EXPECT_EQ(reg().get_value("HKCR\\StrataTest", "Classes"), Value::sz("5"));
    EXPECT_EQ(reg().get_value("HKU\\StrataTest", "Users"), Value::sz("6"));
}

TEST_F(Install, AddRegBadDataIsAnErrorNamingTheLine) {
    write("netbad.inf", net_trans_inf("strata_bad", "bad.ndi", "Characteristics = 0\nAddReg = bad.reg\n[bad.reg]\nHKR, , X, 0x00010001, 01, 02\n"));
    expect_install_refused(src() / "netbad.inf", {"netbad.inf:17"});  // a 2-byte DWORD
}

TEST_F(Install, Seed_4_2_2_SignatureDecidesWhetherWindowsInstallsIt) {
    std::string body = net_trans_inf("strata_sig", "sig.ndi", "Characteristics = 0\n");
    auto with_signature = [&](const std::string& signature) {
        std::string text = body;
        text.replace(text.find("\"$Windows NT$\""), 14, signature);
        return text;
    };
    write("net95.inf", with_signature("\"$Windows 95$\""));
    expect_install_refused(src() / "net95.inf", {"net95.inf", "$Windows 95$"});
    write("netchicago.inf", with_signature("$Chicago$"));
    expect_install_refused(src() / "netchicago.inf", {"netchicago.inf", "Compatible=1"});
    write("netchicago1.inf", with_signature("$Chicago$\nCompatible = 1"));
    std::vector<Component> installed = install(reg(), src() / "netchicago1.inf", options());
    ASSERT_EQ(installed.size(), 1u);
    EXPECT_EQ(installed[0].component_id, "strata_sig");
}

TEST_F(Install, DelRegDeletesValuesKeysAndMultiSzStrings) {
    write("netdel.inf", net_trans_inf("strata_del", "del.ndi", R"(Characteristics = 0
AddReg = del.add
DelReg = del.del
[del.add]
HKLM, Software\StrataDel, Keep, 0, "k"
[del.del]
HKLM, Software\StrataDel, Drop
HKLM, Software\StrataDel\Sub
HKLM, Software\StrataDel, List, 0x00018002, "b"
)"));
    reg().set_value("HKLM\\Software\\StrataDel", "Drop", Value::sz("x"));
    reg().set_value("HKLM\\Software\\StrataDel\\Sub", "Y", Value::sz("y"));
    reg().set_value("HKLM\\Software\\StrataDel", "List", Value::multi_sz({"a", "b", "c"}));
    install(reg(), src() / "netdel.inf", options());
    EXPECT_FALSE(reg().get_value("HKLM\\Software\\StrataDel", "Drop"));
    EXPECT_FALSE(reg().key_exists("HKLM\\Software\\StrataDel\\Sub"));
    EXPECT_EQ(reg().get_value("HKLM\\Software\\StrataDel", "List"), Value::multi_sz({"a", "c"}));
    EXPECT_EQ(reg().get_value("HKLM\\Software\\StrataDel", "Keep"), Value::sz("k"));
}

TEST_F(Install, AddServiceWritesEveryValueAndTheEventLog) {
    write("netsvc.inf", net_trans_inf("strata_svc", "svc.ndi", R"(Characteristics = 0
[svc.ndi.Services]
AddService = svcdrv, 0x2, svcdrv.svc, svcdrv.log
[svcdrv.svc]
DisplayName = "Service display"
Description = "Service description"
ServiceType = 1
StartType = 0x3
ErrorControl = 1
ServiceBinary = %12%\svcdrv.sys
LoadOrderGroup = PNP_TDI
Dependencies = ndis, +NDIS Wrapper
AddReg = svcdrv.params
[svcdrv.params]
HKR, Parameters, Tuning, 0x00010001, 7
[svcdrv.log]
AddReg = svcdrv.log.reg
[svcdrv.log.reg]
HKR, , TypesSupported, 0x00010001, 7
)"));
    install(reg(), src() / "netsvc.inf", options());
    std::string svc = ccs("Services\\svcdrv");
    EXPECT_EQ(reg().get_value(svc, "DisplayName"), Value::sz("Service display"));
    EXPECT_EQ(reg().get_value(svc, "Description"), Value::sz("Service description"));
    EXPECT_EQ(reg().get_value(svc, "Type"), Value::dword(1));
    EXPECT_EQ(reg().get_value(svc, "Start"), Value::dword(3));
    EXPECT_EQ(reg().get_value(svc, "ErrorControl"), Value::dword(1));
    EXPECT_EQ(reg().get_value(svc, "ImagePath"), Value::expand_sz((root() / "drivers" / "svcdrv.sys").string()));
    EXPECT_EQ(reg().get_value(svc, "Group"), Value::sz("PNP_TDI"));
    EXPECT_EQ(reg().get_value(svc, "DependOnService"), Value::multi_sz({"ndis"}));
    EXPECT_EQ(reg().get_value(svc, "DependOnGroup"), Value::multi_sz({"NDIS Wrapper"}));
    EXPECT_EQ(reg().get_value(svc + "\\Parameters", "Tuning"), Value::dword(7));
    EXPECT_EQ(reg().get_value(ccs("Services\\EventLog\\System\\svcdrv"), "TypesSupported"), Value::dword(7));
}

TEST_F(Install, MissingCopyFilesSourceNamesTheLineAndLeavesNothing) {
    write("netcopy.inf", net_trans_inf("strata_copy", "copy.ndi", R"(Characteristics = 0
CopyFiles = copy.files
AddReg = copy.reg
[copy.reg]
HKR, Ndi, Service, 0, "copy"
[copy.files]
present.sys
missing.sys
[DestinationDirs]
DefaultDestDir = 12
)"));
    write("present.sys", "x");
    expect_install_refused(src() / "netcopy.inf", {"netcopy.inf:21", "missing.sys"});
}

TEST_F(Install, LaterFailureRemovesCopiedFilesAndRestoresOverwrittenOnes) {
    write("netlate.inf", net_trans_inf("strata_late", "late.ndi", R"(Characteristics = 0
CopyFiles = late.files
AddReg = late.reg
[late.reg]
HKBOGUS, x, y, 0, "z"
[late.files]
late.sys
[DestinationDirs]
late.files = 12
)"));
    write("late.sys", "new");
    fs::create_directories(root() / "drivers");
    std::ofstream(root() / "drivers" / "late.sys") << "old";
    expect_refused([&] { install(reg(), src() / "netlate.inf", options()); });
    EXPECT_FALSE(fs::exists(root() / "inf" / "oem0.inf"));
    std::ifstream in(root() / "drivers" / "late.sys");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, "old");
    EXPECT_EQ(files_under_root(), 1u);
}

TEST_F(Install, UnknownModelNamesTheInfAndTheHwId) {
    expect_error([&] { install(reg(), loop_inf(), options("strata_nothing")); }, {"netloop.inf", "strata_nothing"});
    EXPECT_EQ(files_under_root(), 0u);
}

TEST_F(Install, ReinstallingAComponentIsAnError) {
    install(reg(), probe_inf(), options());
    expect_refused([&] { install(reg(), probe_inf(), options()); });
}

TEST_F(Install, ModelSelectsOneOfSeveralAndArchDecorationIsAmd64) {
    write("nettwo.inf", R"([Version]
Signature = "$Windows NT$"
Class = NetService
ClassGuid = {4D36E975-E325-11CE-BFC1-08002BE10318}
[Manufacturer]
"Strata" = Two, NT$ARCH$
[Two.NTamd64]
"First" = one.ndi, strata_one
"Second" = two.ndi, strata_two
[one.ndi]
Characteristics = 0x10
[two.ndi]
Characteristics = 0x10
)");
    auto installed = install(reg(), src() / "nettwo.inf", options("STRATA_TWO"));
    ASSERT_EQ(installed.size(), 1u);
    EXPECT_EQ(installed[0].component_id, "strata_two");
    EXPECT_EQ(installed[0].class_name, "NetService");
    EXPECT_EQ(components(reg()).size(), 1u);
    install(reg(), src() / "nettwo.inf", options("strata_one"));
    EXPECT_EQ(components(reg()).size(), 2u);
    EXPECT_FALSE(fs::exists(root() / "inf" / "oem1.inf"));  // one package, staged once
}

TEST_F(Install, IncludeAndNeedsRunTheIncludedSections) {
    write("netbase.inf", R"([Version]
Signature = "$Windows NT$"
[base.install]
AddReg = base.reg
[base.reg]
HKR, Ndi, FromBase, 0, "yes"
)");
    write("netinc.inf", net_trans_inf("strata_inc", "inc.ndi", "Characteristics = 0\nInclude = netbase.inf\nNeeds = base.install\n"));
    install(reg(), src() / "netinc.inf", options());
    EXPECT_EQ(reg().get_value(component_key(reg(), "strata_inc") + "\\Ndi", "FromBase"), Value::sz("yes"));
    uninstall(reg(), root(), "strata_inc");  // the staged INF still finds its Include
    EXPECT_TRUE(components(reg()).empty());
}

TEST_F(Install, CopyInfStagesTheNamedInf) {
    write("netextra.inf", net_trans_inf("strata_extra", "extra.ndi", "Characteristics = 0\n"));
    write("netmain.inf", net_trans_inf("strata_main", "main.ndi", "Characteristics = 0\nCopyINF = netextra.inf\n"));
    install(reg(), src() / "netmain.inf", options());
    EXPECT_TRUE(fs::exists(root() / "inf" / "oem0.inf"));
    EXPECT_TRUE(fs::exists(root() / "inf" / "oem1.inf"));
    EXPECT_EQ(components(reg()).size(), 1u);  // staged, not installed
    uninstall(reg(), root(), "strata_main");
    EXPECT_FALSE(fs::exists(root() / "inf" / "oem1.inf"));
}

TEST_F(Install, ParameterDefaultOutsideItsRangeIsAnError) {
    write("netdef.inf", net_inf("Bad default", "def.ndi", "strata_def", R"(Characteristics = 0x1
AddReg = def.reg
[def.reg]
HKR, Ndi\params\Ring, ParamDesc, 0, "Ring"
HKR, Ndi\params\Ring, Type, 0, "dword"
HKR, Ndi\params\Ring, Default, 0, "5000"
HKR, Ndi\params\Ring, Max, 0, "4096"
)"));
    expect_install_refused(src() / "netdef.inf", {"Ring", "strata_def"});
}

TEST_F(Install, UninstallRefusedWhileDevicesExist) {
    install(reg(), loop_inf(), options());
    add_device(reg(), root(), "strata_loop", "", {});
    expect_refused([&] { uninstall(reg(), root(), "strata_loop"); }, {"loop0"});
    remove_device(reg(), "loop0");
    uninstall(reg(), root(), "strata_loop");
    EXPECT_TRUE(components(reg()).empty());
    EXPECT_FALSE(fs::exists(root() / "inf" / "oem0.inf"));
    EXPECT_FALSE(fs::exists(root() / "drivers" / "loop.sys"));
    EXPECT_FALSE(reg().key_exists(ccs("Services\\loop")));
}

TEST_F(Seed_4_2_7_5_Install, Seed_4_2_7_5_RequiredAllInstallsFirst) {
    write("netdep.inf", net_trans_inf("strata_dep", "dep.ndi", "Characteristics = 0x8\nAddReg = dep.reg\n[dep.reg]\nHKR, Ndi, Service, 0, \"dep\"\n"));
    write("nettop.inf", net_trans_inf("strata_top", "top.ndi",
                                      "Characteristics = 0\nAddReg = top.reg\n[top.reg]\nHKR, Ndi, RequiredAll, 0, \"strata_dep\"\n"));
    auto installed = install(reg(), src() / "nettop.inf", options());
    ASSERT_EQ(installed.size(), 2u);
    EXPECT_EQ(installed[0].component_id, "strata_dep");
    EXPECT_EQ(installed[1].component_id, "strata_top");
    expect_refused([&] { uninstall(reg(), root(), "strata_dep"); }, {"strata_dep", "strata_top"});
    uninstall(reg(), root(), "strata_top");
    uninstall(reg(), root(), "strata_dep");
    EXPECT_TRUE(components(reg()).empty());
}

TEST_F(Seed_4_2_7_5_Install, Seed_4_2_7_5_UninstallableRequirementFailsTheInstall) {
    write("nettop.inf", net_trans_inf("strata_top", "top.ndi",
                                      "Characteristics = 0\nAddReg = top.reg\n[top.reg]\nHKR, Ndi, RequiredAll, 0, \"strata_nowhere\"\n"));
    expect_install_refused(src() / "nettop.inf", {"strata_nowhere"});
}

TEST_F(Seed_4_2_7_5_Install, Seed_4_2_7_5_RequirementFromTheSameInf) {
    write("netpair.inf", R"([Version]
Signature = "$Windows NT$"
Class = NetService
ClassGuid = {4D36E975-E325-11CE-BFC1-08002BE10318}
[Manufacturer]
"Strata" = Pair
[Pair]
"Needs the other" = a.ndi, strata_a
"The other" = b.ndi, strata_b
[a.ndi]
Characteristics = 0x10
AddReg = a.reg
[a.reg]
HKR, Ndi, RequiredAll, 0, "strata_b"
[b.ndi]
Characteristics = 0x18
)");
    auto installed = install(reg(), src() / "netpair.inf", options());
    ASSERT_EQ(installed.size(), 2u);
    EXPECT_EQ(installed[0].component_id, "strata_b");
    EXPECT_EQ(installed[1].component_id, "strata_a");
    EXPECT_THROW(uninstall(reg(), root(), "strata_b"), NetcfgError);
}

TEST_F(Seed_4_2_5_Install, Seed_4_2_5_RemoveSectionRunsOnUninstall) {
    write("netrem.inf", net_trans_inf("strata_rem", "rem.ndi", R"(Characteristics = 0
AddReg = rem.reg
CopyFiles = rem.files, rem.extra
[rem.reg]
HKR, Ndi, Service, 0, "remdrv"
HKLM, Software\StrataRemove, Marker, 0, "1"
)" + services_sections("rem.ndi", "remdrv", "", "remdrv.svc") + R"([rem.files]
remdrv.sys
[rem.extra]
helper.dll
[DestinationDirs]
DefaultDestDir = 12
rem.extra = 11
[rem.ndi.Remove]
DelReg = rem.delreg
DelFiles = rem.extra
[rem.delreg]
HKLM, Software\StrataRemove
)"));
    write("remdrv.sys", "driver");
    write("helper.dll", "helper");
    install(reg(), src() / "netrem.inf", options());
    EXPECT_TRUE(fs::exists(root() / "system32" / "helper.dll"));
    EXPECT_TRUE(reg().key_exists("HKLM\\Software\\StrataRemove"));
    uninstall(reg(), root(), "strata_rem");
    EXPECT_FALSE(reg().key_exists("HKLM\\Software\\StrataRemove"));
    EXPECT_FALSE(fs::exists(root() / "system32" / "helper.dll"));
    EXPECT_FALSE(fs::exists(root() / "drivers" / "remdrv.sys"));
    EXPECT_FALSE(reg().key_exists(ccs("Services\\remdrv")));
    EXPECT_TRUE(components(reg()).empty());
    EXPECT_EQ(files_under_root(), 0u);
}

TEST_F(Seed_4_2_10_Install, Seed_4_2_10_WinsockValuesHaveWindowsTypes) {
    write("netsock.inf", net_trans_inf("strata_sock", "sock.ndi", R"(Characteristics = 0
AddReg = sock.reg
[sock.reg]
HKR, Ndi, Service, 0, "socktp"
[sock.ndi.Winsock]
AddSock = sock.addsock
[sock.addsock]
TransportService = socktp
HelperDllName = "%%SystemRoot%%\System32\wshsock.dll"
MaxSockAddrLength = 0x10
MinSockAddrLength = 0xe
ProviderId = "{01234567-89AB-CDEF-0123-456789ABCDEF}"
LibraryPath = "%%SystemRoot%%\System32\nssock.dll"
DisplayString = "Sock namespace"
SupportedNameSpace = 1
Version = 2
[sock.ndi.Remove.Winsock]
DelSock = sock.delsock
[sock.delsock]
TransportService = socktp
ProviderId = "{01234567-89AB-CDEF-0123-456789ABCDEF}"
)"));
    install(reg(), src() / "netsock.inf", options());
    std::string key = ccs("Services\\socktp\\Parameters\\Winsock");
    EXPECT_EQ(reg().get_value(key, "TransportService"), Value::sz("socktp"));
    EXPECT_EQ(reg().get_value(key, "HelperDllName"), Value::expand_sz("%SystemRoot%\\System32\\wshsock.dll"));
    EXPECT_EQ(reg().get_value(key, "MaxSockAddrLength"), Value::dword(16));
    EXPECT_EQ(reg().get_value(key, "MinSockAddrLength"), Value::dword(14));
    EXPECT_EQ(reg().get_value(key, "ProviderId"), Value::sz("{01234567-89AB-CDEF-0123-456789ABCDEF}"));
    EXPECT_EQ(reg().get_value(key, "LibraryPath"), Value::expand_sz("%SystemRoot%\\System32\\nssock.dll"));
    EXPECT_EQ(reg().get_value(key, "DisplayString"), Value::sz("Sock namespace"));
    EXPECT_EQ(reg().get_value(key, "SupportedNameSpace"), Value::dword(1));
    EXPECT_EQ(reg().get_value(key, "Version"), Value::dword(2));
    EXPECT_EQ(reg().get_value(ccs("Services\\Winsock\\Parameters"), "Transports"), Value::multi_sz({"socktp"}));
    uninstall(reg(), root(), "strata_sock");
    EXPECT_FALSE(reg().key_exists(key));
    EXPECT_EQ(reg().get_value(ccs("Services\\Winsock\\Parameters"), "Transports"), Value::multi_sz({}));
}

TEST_F(Seed_4_2_7_13_Install, Seed_4_2_7_13_FilterNeedsItsDeviceInf) {
    write("netflt.inf", filter_service_inf());
    expect_install_refused(src() / "netflt.inf", {"netfltmp.inf"});
}

TEST_F(Seed_4_2_7_13_Install, Seed_4_2_7_13_FilterDeviceInfIdMustBeAModelOfTheDeviceInf) {
    write("netflt.inf", filter_service_inf());
    write("netfltmp.inf", net_inf("Other miniport", "mp.ndi", "strata_other", "Characteristics = 0x1\n"));
    expect_install_refused(src() / "netflt.inf", {"strata_fltmp"});
}

TEST_F(Install, SyntaxErrorsWindowsRefusesAreRefused) {
    write("netsyntax.inf", net_trans_inf("strata_syntax", "syntax.ndi", "Characteristics = 0\n[]\n"));
    EXPECT_THROW(install(reg(), src() / "netsyntax.inf", options()), NetcfgError);
    EXPECT_EQ(files_under_root(), 0u);
}

}  // namespace
}  // namespace strata::netcfg::test
