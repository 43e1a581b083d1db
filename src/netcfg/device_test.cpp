// device_test.cpp — adapter instances of installed Net packages (seed 003 §4.2.4, §4.2.7.11):
// the keys add_device writes, default names, and parameter validation against Ndi\params.
#include <gtest/gtest.h>

#include "netcfg/netcfg.h"
#include "netcfg/netcfg_test_fixture.h"
#include "registry/registry.h"

namespace strata::netcfg::test {
namespace {

using registry::Value;

class Device : public NetcfgTest {
protected:
    void SetUp() override {
        NetcfgTest::SetUp();
        install(reg(), loop_inf(), options());
    }
    // add_device that returns the error text ("" on success).
    std::string add_error(const std::map<std::string, std::string>& parameters) {
        return error_of([&] { add_device(reg(), root(), "strata_loop", "", parameters); }).value_or("");
    }
};
using Seed_4_2_7_11_Device = Device;

TEST_F(Device, AddWritesInstanceEnumConnectionAndService) {
    netcfg::Device d = add_device(reg(), root(), "strata_loop", "", {});
    EXPECT_EQ(d.name, "loop0");
    EXPECT_EQ(d.component_id, "strata_loop");
    EXPECT_EQ(d.service, "loop");
    EXPECT_EQ(d.instance_key, ccs("Control\\Class\\" + std::string(kNetClassGuid) + "\\0000"));
    EXPECT_EQ(d.device_name, "\\Device\\" + d.instance_id);
    EXPECT_EQ(d.lower_range, std::vector<std::string>{"ethernet"});
    EXPECT_FALSE(d.virtual_miniport);
    EXPECT_EQ(reg().get_value(d.instance_key, "ComponentId"), Value::sz("strata_loop"));
    EXPECT_EQ(reg().get_value(d.instance_key, "NetCfgInstanceId"), Value::sz(d.instance_id));
    EXPECT_EQ(reg().get_value(d.instance_key, "Characteristics"), Value::dword(0x81));
    EXPECT_EQ(reg().get_value(d.instance_key, "DriverDesc"), Value::sz("Strata loop virtual Ethernet adapter"));
    EXPECT_EQ(reg().get_value(d.instance_key, "InfPath"), Value::sz("oem0.inf"));
    EXPECT_EQ(reg().get_value(d.instance_key, "InfSection"), Value::sz("loop.ndi"));
    EXPECT_EQ(reg().get_value(d.instance_key + "\\Ndi", "Service"), Value::sz("loop"));
    EXPECT_EQ(reg().get_value(d.instance_key, "LinkSpeedMbps"), Value::sz("1000"));  // Default written
    EXPECT_FALSE(reg().get_value(d.instance_key, "NetworkAddress"));                  // Optional, no Default
    std::string connection = ccs("Control\\Network\\" + std::string(kNetClassGuid) + "\\" + d.instance_id + "\\Connection");
    EXPECT_EQ(reg().get_value(connection, "Name"), Value::sz("loop0"));
    std::string enum_key = ccs("Enum\\ROOT\\NET\\0000");
    EXPECT_EQ(reg().get_value(enum_key, "HardwareID"), Value::multi_sz({"strata_loop"}));
    EXPECT_EQ(reg().get_value(enum_key, "Service"), Value::sz("loop"));
    EXPECT_EQ(reg().get_value(enum_key, "Driver"), Value::sz(std::string(kNetClassGuid) + "\\0000"));
    EXPECT_EQ(reg().get_value(enum_key, "ClassGUID"), Value::sz(std::string(kNetClassGuid)));
    EXPECT_EQ(reg().get_value(ccs("Services\\loop"), "ImagePath"), Value::expand_sz((root() / "drivers" / "loop.sys").string()));
    EXPECT_EQ(reg().get_value(ccs("Services\\EventLog\\System\\loop"), "TypesSupported"), Value::dword(7));

    netcfg::Device second = add_device(reg(), root(), "strata_loop", "", {});
    EXPECT_EQ(second.name, "loop1");
    EXPECT_EQ(second.instance_key, ccs("Control\\Class\\" + std::string(kNetClassGuid) + "\\0001"));
    EXPECT_NE(second.instance_id, d.instance_id);
    ASSERT_EQ(devices(reg()).size(), 2u);
    EXPECT_EQ(find_device(reg(), "LOOP1")->instance_id, second.instance_id);
}

TEST_F(Device, NamesAreUniqueCaseInsensitively) {
    add_device(reg(), root(), "strata_loop", "Wire-A", {});
    expect_refused([&] { add_device(reg(), root(), "strata_loop", "wire-a", {}); });
    EXPECT_EQ(add_device(reg(), root(), "strata_loop", "", {}).name, "loop0");
}

TEST_F(Device, UnknownHwIdIsAnError) {
    EXPECT_THROW(add_device(reg(), root(), "strata_nothing", "", {}), NetcfgError);
}

TEST_F(Seed_4_2_7_11_Device, Seed_4_2_7_11_NumericParamsHonourMinAndMax) {
    netcfg::Device d = add_device(reg(), root(), "strata_loop", "", {{"Wire", "0x10"}, {"LinkSpeedMbps", "400000"}});
    EXPECT_EQ(reg().get_value(d.instance_key, "Wire"), Value::sz("16"));  // decimal, as the advanced page stores it
    EXPECT_EQ(reg().get_value(d.instance_key, "LinkSpeedMbps"), Value::sz("400000"));
    std::string before = snapshot();
    EXPECT_NE(add_error({{"LinkSpeedMbps", "0"}}).find("Min 1"), std::string::npos);
    EXPECT_NE(add_error({{"LinkSpeedMbps", "400001"}}).find("Max 400000"), std::string::npos);
    EXPECT_NE(add_error({{"TxRingSize", "many"}}).find("not a number"), std::string::npos);
    EXPECT_NE(add_error({{"Wire", "-1"}}).find("Wire"), std::string::npos);
    EXPECT_EQ(snapshot(), before);
}

TEST_F(Seed_4_2_7_11_Device, Seed_4_2_7_11_StepCountsFromMin) {
    write("netstep.inf", net_inf("Stepper", "step.ndi", "strata_step", "Characteristics = 0x1\nAddReg = step.reg\n") +
                             services_sections("step.ndi", "step", "2", "step.svc") + R"([step.reg]
HKR, Ndi, Service, 0, "step"
HKR, Ndi\params\Frames, ParamDesc, 0, "Frames"
HKR, Ndi\params\Frames, Type, 0, "int"
HKR, Ndi\params\Frames, Default, 0, "-2"
HKR, Ndi\params\Frames, Min, 0, "-2"
HKR, Ndi\params\Frames, Max, 0, "10"
HKR, Ndi\params\Frames, Step, 0, "4"
HKR, Ndi\params\Short, ParamDesc, 0, "Short"
HKR, Ndi\params\Short, Type, 0, "word"
HKR, Ndi\params\Short, Optional, 0, "1"
)");
    install(reg(), src() / "netstep.inf", options());
    netcfg::Device d = add_device(reg(), root(), "strata_step", "", {{"Frames", "6"}});
    EXPECT_EQ(d.name, "step0");
    EXPECT_EQ(reg().get_value(d.instance_key, "Frames"), Value::sz("6"));
    EXPECT_THROW(add_device(reg(), root(), "strata_step", "", {{"Frames", "4"}}), NetcfgError);
    EXPECT_THROW(add_device(reg(), root(), "strata_step", "", {{"Short", "65536"}}), NetcfgError);
    EXPECT_EQ(reg().get_value(add_device(reg(), root(), "strata_step", "", {{"Short", "65535"}}).instance_key, "Short"),
              Value::sz("65535"));
}

TEST_F(Seed_4_2_7_11_Device, Seed_4_2_7_11_EnumValueMustBeAnEnumSubkeyValue) {
    netcfg::Device d = add_device(reg(), root(), "strata_loop", "", {{"IndicationStyle", "2"}});
    EXPECT_EQ(reg().get_value(d.instance_key, "IndicationStyle"), Value::sz("2"));
    std::string error = add_error({{"IndicationStyle", "3"}});
    EXPECT_NE(error.find("0, 1, 2"), std::string::npos) << error;
    EXPECT_NE(error.find("strata_loop"), std::string::npos) << error;
}

TEST_F(Seed_4_2_7_11_Device, Seed_4_2_7_11_EditHonoursLimitTextAndUpperCase) {
    netcfg::Device d = add_device(reg(), root(), "strata_loop", "", {{"networkaddress", "02004c4f4f50"}});
    EXPECT_EQ(reg().get_value(d.instance_key, "NetworkAddress"), Value::sz("02004C4F4F50"));
    EXPECT_NE(add_error({{"NetworkAddress", "02004c4f4f5012"}}).find("LimitText 12"), std::string::npos);
    netcfg::Device absent = add_device(reg(), root(), "strata_loop", "", {{"NetworkAddress", ""}});  // Optional: not present
    EXPECT_FALSE(reg().get_value(absent.instance_key, "NetworkAddress"));
}

TEST_F(Seed_4_2_7_11_Device, Seed_4_2_7_11_UnknownParameterNamesTheKeyAndTheHwId) {
    std::string before = snapshot();
    std::string error = add_error({{"NoSuchKnob", "1"}});
    EXPECT_NE(error.find("NoSuchKnob"), std::string::npos) << error;
    EXPECT_NE(error.find("strata_loop"), std::string::npos) << error;
    EXPECT_EQ(snapshot(), before);
    EXPECT_TRUE(devices(reg()).empty());
}

TEST_F(Device, RemoveDeletesItsKeys) {
    netcfg::Device d = add_device(reg(), root(), "strata_loop", "a", {});
    add_device(reg(), root(), "strata_loop", "b", {});
    remove_device(reg(), "A");
    EXPECT_FALSE(reg().key_exists(d.instance_key));
    EXPECT_FALSE(reg().key_exists(ccs("Enum\\ROOT\\NET\\0000")));
    EXPECT_FALSE(reg().key_exists(ccs("Control\\Network\\" + std::string(kNetClassGuid) + "\\" + d.instance_id)));
    ASSERT_EQ(devices(reg()).size(), 1u);
    EXPECT_EQ(devices(reg())[0].name, "b");
    EXPECT_FALSE(find_device(reg(), "a"));
    EXPECT_THROW(remove_device(reg(), "a"), NetcfgError);
    // The free index is reused.
    EXPECT_EQ(add_device(reg(), root(), "strata_loop", "", {}).instance_key, d.instance_key);
}

}  // namespace
}  // namespace strata::netcfg::test
