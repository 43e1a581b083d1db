// seed_2_4_binding_test.cpp — conformance: dynamic binding (seed 003 §2.4) and opening the
// adapter below (§2.4.1): ProtocolBindAdapter/ProtocolUnbindAdapter driven by the host,
// NdisOpenAdapter's medium selection and failures, the pending open path, SystemSpecific1 and
// NdisOpenProtocolConfiguration, NdisReEnumerateProtocolBindings, adapter removal and
// NdisDeregisterProtocol unbinding first.
#include <gtest/gtest.h>

#include "ndis_test_drivers.h"
#include "ntos/work_item.h"

namespace {

using namespace strata::test::drivers;
using strata::registry::Value;
using strata::verifier::Rule;

class Seed_2_4 : public StackTest {};
class Seed_2_4_1 : public StackTest {};

std::string adapter_guid(const std::string& device_name) {
    return device_name.substr(device_name.find_last_of('\\') + 1);
}

// HKLM\SYSTEM\CurrentControlSet\Services\<protocol>\Parameters\Adapters\<adapter>: where
// Windows keeps a protocol's per-adapter parameters (SystemSpecific1 of ProtocolBindAdapter).
std::string protocol_adapter_key(const std::string& protocol, const std::string& device_name) {
    return "HKLM\\SYSTEM\\CurrentControlSet\\Services\\" + protocol + "\\Parameters\\Adapters\\" +
           adapter_guid(device_name);
}

bool iends_with(std::string text, std::string suffix) {
    for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST_F(Seed_2_4, Seed_2_4_BindAndUnbindThroughHost) {
    auto& a = add({}, /*bind=*/false);
    EXPECT_EQ(probe().find_binding(a.info.device_name.c_str()), nullptr) << "nothing bound before the host binds";

    ASSERT_EQ(host().bind("probe", a.info.device_name), NDIS_STATUS_SUCCESS);
    PVOID binding = probe().find_binding(a.info.device_name.c_str());
    ASSERT_NE(binding, nullptr) << "ProtocolBindAdapter opened the adapter";
    std::array<UCHAR, 6> mac{};
    ProbeResult r = probe_query(binding, OID_802_3_CURRENT_ADDRESS, mac.data(), 6);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(mac, a.mac);

    ASSERT_EQ(host().unbind("probe", a.info.device_name), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe().find_binding(a.info.device_name.c_str()), nullptr) << "ProtocolUnbindAdapter closed it";
    EXPECT_EQ(host().unbind("probe", a.info.device_name), NDIS_STATUS_ADAPTER_NOT_OPEN);

    ASSERT_EQ(host().bind("probe", a.info.device_name), NDIS_STATUS_SUCCESS) << "an adapter can be bound again";
    EXPECT_NE(probe().find_binding(a.info.device_name.c_str()), nullptr);
    EXPECT_EQ(strata::verifier::total(), 0u);
}

TEST_F(Seed_2_4, Seed_2_4_UnbindClosesTheOpenAndTheStaleHandleIsReported) {
    auto& a = add();
    TestProtocol p("seedproto");
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding* b = p.open_binding(a.info.device_name);
    ASSERT_NE(b, nullptr);
    NDIS_HANDLE stale = b->handle;

    ASSERT_EQ(host().unbind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding after = p.snapshot(b);
    EXPECT_TRUE(after.unbound);
    EXPECT_EQ(after.close_status, NDIS_STATUS_SUCCESS) << "NdisCloseAdapter in ProtocolUnbindAdapter succeeded";

    strata::verifier::clear();
    ULONG value = 0;
    NDIS_REQUEST request{};
    request.RequestType = NdisRequestQueryInformation;
    request.DATA.QUERY_INFORMATION.Oid = OID_GEN_MAXIMUM_FRAME_SIZE;
    request.DATA.QUERY_INFORMATION.InformationBuffer = &value;
    request.DATA.QUERY_INFORMATION.InformationBufferLength = sizeof value;
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NdisRequest(&status, stale, &request);
    EXPECT_TRUE(failed(status)) << std::hex << status;
    EXPECT_EQ(strata::verifier::count(Rule::InvalidHandle), 1u);
    EXPECT_EQ(p.snapshot(b).request_completes.size(), 0u) << "no completion for a request that was refused";

    // The other protocol's binding to the same adapter is untouched.
    EXPECT_EQ(probe_ulong(a.probe, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u);
}

TEST_F(Seed_2_4_1, Seed_2_4_1_OpenAdapterSelectsFirstSupportedMediumAndReturnsItsIndex) {
    auto& a = add();
    TestProtocol::Options options;
    options.media = {NdisMedium802_5, NdisMediumFddi, NdisMedium802_3, NdisMediumWan, NdisMedium802_3};
    TestProtocol p("seedmedia", options);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding* b = p.open_binding(a.info.device_name);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->medium_index, 2u) << "loop is an 802.3 adapter: the first 802.3 entry is index 2";
    EXPECT_NE(b->handle, nullptr);
}

TEST_F(Seed_2_4_1, Seed_2_4_1_OpenAdapterWithNoSupportedMediumFails) {
    auto& a = add();
    TestProtocol::Options options;
    options.media = {NdisMedium802_5, NdisMediumFddi, NdisMediumAtm};
    TestProtocol p("seednomedia", options);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_UNSUPPORTED_MEDIA);
    ProtocolBinding* b = p.binding(a.info.device_name);
    ASSERT_NE(b, nullptr) << "ProtocolBindAdapter ran and called NdisOpenAdapter";
    EXPECT_EQ(p.snapshot(b).open_status, NDIS_STATUS_UNSUPPORTED_MEDIA);
    EXPECT_EQ(p.open_binding(a.info.device_name), nullptr);

    // No open was made: a status indication reaches only probe's binding.
    loop().indicate_status(a.loop, NDIS_STATUS_MEDIA_CONNECT, nullptr, 0);
    EXPECT_TRUE(p.snapshot(b).statuses.empty());
    EXPECT_EQ(probe_stats(a.probe).StatusIndications, 1u);
}

TEST_F(Seed_2_4_1, Seed_2_4_1_OpenAdapterWithUnknownNameIsAdapterNotFound) {
    add();
    TestProtocol p("seedunknown");
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(host().bind(p.name(), "\\Device\\{00000000-0000-0000-0000-000000000000}"),
              NDIS_STATUS_ADAPTER_NOT_FOUND);
    EXPECT_EQ(p.bind_calls(), 0u) << "NDIS offers only adapters that exist";

    // NdisOpenAdapter itself, with a name no adapter has.
    OwnedUnicode name("\\Device\\{11111111-2222-3333-4444-555555555555}");
    NDIS_MEDIUM media[] = {NdisMedium802_3};
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NDIS_STATUS open_error = NDIS_STATUS_SUCCESS;
    NDIS_HANDLE handle = reinterpret_cast<NDIS_HANDLE>(1);
    UINT index = 7;
    NdisOpenAdapter(&status, &open_error, &handle, &index, media, 1, p.handle(), nullptr, name.get(), 0, nullptr);
    EXPECT_EQ(status, NDIS_STATUS_ADAPTER_NOT_FOUND);
}

TEST_F(Seed_2_4_1, Seed_2_4_1_PendingOpenCompletesThroughOpenAdapterComplete) {
    auto& a = add();
    TestProtocol p("seedpend");
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    strata::ndis::set_open_adapter_pends(true);
    EXPECT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS)
        << "the host waits for NdisCompleteBindAdapter";
    strata::ndis::set_open_adapter_pends(false);
    ProtocolBinding* b = p.binding(a.info.device_name);
    ASSERT_NE(b, nullptr);
    ProtocolBinding seen = p.snapshot(b);
    EXPECT_TRUE(seen.open_pended) << "NdisOpenAdapter returned NDIS_STATUS_PENDING";
    EXPECT_TRUE(seen.open_completed) << "ProtocolOpenAdapterComplete followed";
    EXPECT_EQ(seen.open_status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(seen.medium_index, 0u);

    std::array<UCHAR, 6> mac{};
    RequestResult r = p.query(b, OID_802_3_CURRENT_ADDRESS, mac.data(), 6);
    EXPECT_EQ(r.status, NDIS_STATUS_SUCCESS) << "the completed open is usable";
    EXPECT_EQ(mac, a.mac);
}

TEST_F(Seed_2_4_1, Seed_2_4_1_ProbeBindCompletesWhenOpenPends) {
    auto& a = add({}, /*bind=*/false);
    strata::ndis::set_open_adapter_pends(true);
    EXPECT_EQ(host().bind("probe", a.info.device_name), NDIS_STATUS_SUCCESS);
    strata::ndis::set_open_adapter_pends(false);
    // The worker that ran ProtocolOpenAdapterComplete may still be returning through probe.sys
    // after NdisCompleteBindAdapter woke the host; let it leave before the test ends and the
    // image is unmapped (see Seed_2_4_1_UnloadAfterPendedOpenBindIsSafe).
    strata::ntos::stop_workers();
    PVOID binding = probe().find_binding(a.info.device_name.c_str());
    ASSERT_NE(binding, nullptr) << "probe finished its bind in ProtocolOpenAdapterComplete";
    EXPECT_EQ(probe_ulong(binding, OID_GEN_MAXIMUM_FRAME_SIZE), 1500u);
    EXPECT_EQ(probe_ulong(binding, OID_GEN_CURRENT_PACKET_FILTER),
              ULONG{NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_MULTICAST})
        << "the post-open sets ran";
}

// A driver image may be unloaded once its binds have completed: nothing NDIS started for it may
// still be running inside it. Unloading probe right after a bind whose open pended races with
// the worker thread that is still returning through probe.sys from ProtocolOpenAdapterComplete.
TEST_F(Seed_2_4_1, Seed_2_4_1_UnloadAfterPendedOpenBindIsSafe) {
    auto& a = add({}, /*bind=*/false);
    for (int i = 0; i < 25; ++i) {
        strata::ndis::set_open_adapter_pends(true);
        ASSERT_EQ(host().bind("probe", a.info.device_name), NDIS_STATUS_SUCCESS);
        strata::ndis::set_open_adapter_pends(false);
        ASSERT_EQ(host().unload_driver("probe"), STATUS_SUCCESS);
        ASSERT_EQ(host().load_driver("probe"), STATUS_SUCCESS);
    }
    EXPECT_EQ(strata::verifier::count(Rule::BadCall), 0u);
}

TEST_F(Seed_2_4_1, Seed_2_4_1_BindAdapterGetsDeviceNameAndProtocolConfigurationPath) {
    auto& a = add();
    const std::string name = "seedcfg";
    host().registry().set_value(protocol_adapter_key(name, a.info.device_name), "BindValue", Value::dword(4242));

    NDIS_STATUS open_status = NDIS_STATUS_PENDING;
    NDIS_STATUS read_status = NDIS_STATUS_PENDING;
    NDIS_PARAMETER_TYPE read_type = NdisParameterString;
    ULONG read_value = 0;
    NDIS_STATUS missing_status = NDIS_STATUS_PENDING;
    TestProtocol::Options options;
    options.on_bind = [&](PNDIS_STRING, PNDIS_STRING section) {
        NDIS_HANDLE config = nullptr;
        NdisOpenProtocolConfiguration(&open_status, &config, section);
        if (open_status != NDIS_STATUS_SUCCESS) return;
        OwnedUnicode keyword("BindValue");
        PNDIS_CONFIGURATION_PARAMETER value = nullptr;
        NdisReadConfiguration(&read_status, &value, config, keyword.get(), NdisParameterInteger);
        if (read_status == NDIS_STATUS_SUCCESS) {
            read_type = value->ParameterType;
            read_value = value->ParameterData.IntegerData;
        }
        OwnedUnicode absent("NotThere");
        NdisReadConfiguration(&missing_status, &value, config, absent.get(), NdisParameterInteger);
        NdisCloseConfiguration(config);
    };
    TestProtocol p(name, options);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(name, a.info.device_name), NDIS_STATUS_SUCCESS);

    ProtocolBinding* b = p.open_binding(a.info.device_name);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->device_name, a.info.device_name) << "DeviceName names the adapter";
    EXPECT_TRUE(iends_with(b->configuration_path,
                           "\\Services\\" + name + "\\Parameters\\Adapters\\" + adapter_guid(a.info.device_name)))
        << b->configuration_path;
    EXPECT_EQ(open_status, NDIS_STATUS_SUCCESS) << "NdisOpenProtocolConfiguration opens SystemSpecific1";
    EXPECT_EQ(read_status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(read_type, NdisParameterInteger);
    EXPECT_EQ(read_value, 4242u);
    EXPECT_EQ(missing_status, NDIS_STATUS_FAILURE);
}

TEST_F(Seed_2_4_1, Seed_2_4_1_ProbeReadsItsPerAdapterParametersFromSystemSpecific1) {
    auto& a = add({}, /*bind=*/false);
    host().registry().set_value(protocol_adapter_key("probe", a.info.device_name), "PacketFilter",
                                Value::dword(NDIS_PACKET_TYPE_PROMISCUOUS));
    ASSERT_EQ(host().bind("probe", a.info.device_name), NDIS_STATUS_SUCCESS);
    PVOID binding = probe().find_binding(a.info.device_name.c_str());
    ASSERT_NE(binding, nullptr);
    EXPECT_EQ(probe_ulong(binding, OID_GEN_CURRENT_PACKET_FILTER), ULONG{NDIS_PACKET_TYPE_PROMISCUOUS});
}

TEST_F(Seed_2_4_1, Seed_2_4_1_ProtocolConfigurationSubKeysByNameAndIndex) {
    auto& a = add();
    const std::string name = "seedsubkeys";
    const std::string key = protocol_adapter_key(name, a.info.device_name);
    host().registry().set_value(key + "\\Alpha", "Number", Value::dword(1));
    host().registry().set_value(key + "\\Beta", "Text", Value::sz("two"));

    struct Seen {
        NDIS_STATUS status = NDIS_STATUS_PENDING;
        std::string name;
        ULONG number = 0;
        std::string text;
    } by_index[3], by_name, missing;
    TestProtocol::Options options;
    options.on_bind = [&](PNDIS_STRING, PNDIS_STRING section) {
        NDIS_STATUS status;
        NDIS_HANDLE config = nullptr;
        NdisOpenProtocolConfiguration(&status, &config, section);
        if (status != NDIS_STATUS_SUCCESS) return;
        OwnedUnicode number("Number");
        OwnedUnicode text("Text");
        for (ULONG i = 0; i < 3; ++i) {
            NDIS_STRING sub_name{};
            NDIS_HANDLE sub = nullptr;
            NdisOpenConfigurationKeyByIndex(&by_index[i].status, config, i, &sub_name, &sub);
            if (by_index[i].status != NDIS_STATUS_SUCCESS) continue;
            by_index[i].name = utf8(&sub_name);
            PNDIS_CONFIGURATION_PARAMETER value = nullptr;
            NdisReadConfiguration(&status, &value, sub, number.get(), NdisParameterInteger);
            if (status == NDIS_STATUS_SUCCESS) by_index[i].number = value->ParameterData.IntegerData;
            NdisCloseConfiguration(sub);
        }
        OwnedUnicode beta("Beta");
        NDIS_HANDLE sub = nullptr;
        NdisOpenConfigurationKeyByName(&by_name.status, config, beta.get(), &sub);
        if (by_name.status == NDIS_STATUS_SUCCESS) {
            PNDIS_CONFIGURATION_PARAMETER value = nullptr;
            NdisReadConfiguration(&status, &value, sub, text.get(), NdisParameterString);
            if (status == NDIS_STATUS_SUCCESS && value->ParameterType == NdisParameterString)
                by_name.text = utf8(&value->ParameterData.StringData);
            NdisCloseConfiguration(sub);
        }
        OwnedUnicode gamma("Gamma");
        sub = nullptr;
        NdisOpenConfigurationKeyByName(&missing.status, config, gamma.get(), &sub);
        NdisCloseConfiguration(config);
    };
    TestProtocol p(name, options);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(name, a.info.device_name), NDIS_STATUS_SUCCESS);

    EXPECT_EQ(by_index[0].status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(by_index[0].name, "Alpha");
    EXPECT_EQ(by_index[0].number, 1u);
    EXPECT_EQ(by_index[1].status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(by_index[1].name, "Beta");
    EXPECT_EQ(by_index[2].status, NDIS_STATUS_FAILURE) << "no third sub-key";
    EXPECT_EQ(by_name.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(by_name.text, "two");
    EXPECT_EQ(missing.status, NDIS_STATUS_FAILURE);
}

TEST_F(Seed_2_4, Seed_2_4_ReEnumerateProtocolBindingsReoffersAFailedBind) {
    auto& a = add();
    TestProtocol::Options options;
    options.fail_binds = 1;
    TestProtocol p("seedreenum", options);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_FAILURE);
    EXPECT_EQ(p.bind_calls(), 1u);
    EXPECT_EQ(p.open_binding(a.info.device_name), nullptr);

    NdisReEnumerateProtocolBindings(p.handle());
    EXPECT_EQ(p.bind_calls(), 2u) << "NDIS offered the adapter again";
    ProtocolBinding* b = p.open_binding(a.info.device_name);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(p.bind_devices().back(), a.info.device_name);

    NdisReEnumerateProtocolBindings(p.handle());
    EXPECT_EQ(p.bind_calls(), 2u) << "an adapter the protocol is bound to is not offered again";
}

TEST_F(Seed_2_4, Seed_2_4_RemovingAnAdapterUnbindsItsProtocolsBeforeHalt) {
    EventLog log;
    TestMiniport::Options mo;
    mo.log = &log;
    TestMiniport m(host(), "seedmp", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    strata::AdapterInfo info;
    MiniportAdapter* adapter = m.add_adapter({}, &info);
    ASSERT_NE(adapter, nullptr);

    TestProtocol::Options po;
    po.log = &log;
    TestProtocol p("seedorder", po);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(p.name(), info.device_name), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind("probe", info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding* b = p.open_binding(info.device_name);
    ASSERT_NE(b, nullptr);
    ASSERT_NE(probe().find_binding(info.device_name.c_str()), nullptr);

    ASSERT_EQ(m.remove_adapter(adapter), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(m.halts(), 1u);
    long unbind = log.index_of("unbind:seedorder");
    long close = log.index_of("close:seedorder");
    long halt = log.index_of("halt:seedmp");
    ASSERT_GE(unbind, 0);
    ASSERT_GE(close, 0);
    ASSERT_GE(halt, 0);
    EXPECT_LT(unbind, halt) << "ProtocolUnbindAdapter runs before MiniportHalt";
    EXPECT_LT(close, halt) << "the binding is closed before MiniportHalt";
    EXPECT_EQ(probe().find_binding(info.device_name.c_str()), nullptr) << "probe was unbound too";
    EXPECT_TRUE(host().adapters().empty());

    strata::verifier::clear();
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    NdisReset(&status, b->handle);
    EXPECT_TRUE(failed(status));
    EXPECT_EQ(strata::verifier::count(Rule::InvalidHandle), 1u) << "the binding handle died with the adapter";
}

TEST_F(Seed_2_4, Seed_2_4_DeregisterProtocolUnbindsRemainingBindings) {
    auto& a = add();
    auto& c = add();
    EventLog log;
    TestProtocol::Options options;
    options.log = &log;
    TestProtocol p("seeddereg", options);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host().bind(p.name(), c.info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding* ba = p.open_binding(a.info.device_name);
    ProtocolBinding* bc = p.open_binding(c.info.device_name);
    ASSERT_NE(ba, nullptr);
    ASSERT_NE(bc, nullptr);

    EXPECT_EQ(p.deregister(), NDIS_STATUS_SUCCESS);
    ProtocolBinding sa = p.snapshot(ba);
    ProtocolBinding sc = p.snapshot(bc);
    EXPECT_TRUE(sa.unbound);
    EXPECT_TRUE(sc.unbound);
    EXPECT_EQ(sa.close_status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(sc.close_status, NDIS_STATUS_SUCCESS);
    auto events = log.events();
    EXPECT_EQ(std::count(events.begin(), events.end(), "unbind:seeddereg"), 2);

    EXPECT_EQ(host().bind(p.name(), a.info.device_name), NDIS_STATUS_ADAPTER_NOT_FOUND)
        << "a deregistered protocol is no longer known";
    EXPECT_NE(probe().find_binding(a.info.device_name.c_str()), nullptr) << "other protocols stay bound";
    EXPECT_NE(probe().find_binding(c.info.device_name.c_str()), nullptr);
}

}  // namespace
