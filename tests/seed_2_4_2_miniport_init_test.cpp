// seed_2_4_2_miniport_init_test.cpp — conformance: miniport initialisation (seed 003 §2.4.2):
// the medium array MiniportInitialize gets and the medium NDIS then uses, NdisMSetAttributesEx
// (a serialized miniport is never called concurrently, a deserialized one is), initialisation
// failure, the configuration calls (NdisOpenConfiguration, NdisReadConfiguration for every
// parameter type, NdisWriteConfiguration, sub-keys by name and index) and NdisReadNetworkAddress.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "ndis/miniport.h"
#include "ndis_test_drivers.h"
#include "registry/registry.h"

namespace {

using namespace strata::test::drivers;
using strata::registry::Value;
using strata::verifier::Rule;

class Seed_2_4_2 : public ::testing::Test {
protected:
    void SetUp() override {
        host_ = strata::test::make_host(root_, 2, true);
        strata::verifier::clear();
    }

    strata::test::TempDir root_;
    std::unique_ptr<strata::Host> host_;
};

// The same tests that need loop's NetworkAddress handling run on the loop + probe stack.
class Seed_2_4_2_Loop : public StackTest {};

constexpr std::string_view kNetClassKey =
    "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4D36E972-E325-11CE-BFC1-08002BE10318}";

// A one-shot gate a driver handler can wait on (with a timeout) until the test opens it.
class Gate {
public:
    void open() {
        {
            std::lock_guard lock(mutex_);
            open_ = true;
        }
        cv_.notify_all();
    }
    bool wait() {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, kWaitTimeout, [&] { return open_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool open_ = false;
};

// Opens the gate and joins the thread however the test leaves its scope.
class ReleaseAndJoin {
public:
    ReleaseAndJoin(Gate& gate, std::thread& thread) : gate_(gate), thread_(thread) {}
    ~ReleaseAndJoin() {
        gate_.open();
        if (thread_.joinable()) thread_.join();
    }
    ReleaseAndJoin(const ReleaseAndJoin&) = delete;
    ReleaseAndJoin& operator=(const ReleaseAndJoin&) = delete;

private:
    Gate& gate_;
    std::thread& thread_;
};

TEST_F(Seed_2_4_2, Seed_2_4_2_InitializeGetsMediumArrayAndNdisUsesTheSelectedMedium) {
    TestMiniport::Options mo;
    mo.medium = NdisMediumFddi;
    TestMiniport m(*host_, "seedfddi", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    strata::AdapterInfo info;
    MiniportAdapter* a = m.add_adapter({}, &info);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(m.initialize_calls(), 1u);
    ASSERT_FALSE(a->offered_media.empty()) << "MiniportInitialize gets a medium array";
    EXPECT_NE(std::find(a->offered_media.begin(), a->offered_media.end(), NdisMedium802_3), a->offered_media.end());
    EXPECT_NE(std::find(a->offered_media.begin(), a->offered_media.end(), NdisMediumFddi), a->offered_media.end());
    EXPECT_EQ(info.medium, NdisMediumFddi) << "NDIS records the medium the miniport selected";
    EXPECT_EQ(info.service, "seedfddi");

    TestProtocol::Options both;
    both.media = {NdisMedium802_3, NdisMediumFddi};
    TestProtocol p("seedfddiproto", both);
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host_->bind(p.name(), info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding* b = p.open_binding(info.device_name);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->medium_index, 1u) << "opens match the selected medium, not every medium offered";

    TestProtocol::Options ethernet_only;
    TestProtocol q("seedethproto", ethernet_only);
    ASSERT_EQ(q.register_protocol(), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(host_->bind(q.name(), info.device_name), NDIS_STATUS_UNSUPPORTED_MEDIA);
}

TEST_F(Seed_2_4_2, Seed_2_4_2_InitializeFailureLeavesNoAdapter) {
    TestMiniport::Options mo;
    mo.initialize_status = NDIS_STATUS_ADAPTER_NOT_FOUND;
    TestMiniport m(*host_, "seedfail", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    EXPECT_EQ(m.add_adapter({{"Anything", Value::dword(1)}}, nullptr, &status), nullptr);
    EXPECT_EQ(status, NDIS_STATUS_ADAPTER_NOT_FOUND) << "MiniportInitialize's status is the result";
    EXPECT_EQ(m.initialize_calls(), 1u);
    EXPECT_EQ(m.halts(), 0u) << "MiniportHalt is not called for an adapter that never initialised";
    EXPECT_TRUE(host_->adapters().empty());
    EXPECT_TRUE(host_->registry().subkeys(kNetClassKey).empty()) << "no instance key is left behind";

    TestProtocol p("seedfailproto");
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(p.bind_calls(), 0u);

    // The driver stays registered: the next adapter that initialises is there.
    m.options().initialize_status = NDIS_STATUS_SUCCESS;
    strata::AdapterInfo info;
    ASSERT_NE(m.add_adapter({}, &info), nullptr);
    ASSERT_EQ(host_->adapters().size(), 1u);
    EXPECT_EQ(host_->adapters()[0].device_name, info.device_name);
    EXPECT_EQ(host_->bind(p.name(), info.device_name), NDIS_STATUS_SUCCESS);
}

TEST_F(Seed_2_4_2, Seed_2_4_2_InitializeThatSelectsNoMediumFails) {
    TestMiniport::Options mo;
    mo.select_medium = false;
    TestMiniport m(*host_, "seednomedium", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    NDIS_STATUS status = NDIS_STATUS_SUCCESS;
    EXPECT_EQ(m.add_adapter({}, nullptr, &status), nullptr);
    EXPECT_TRUE(failed(status)) << std::hex << status;
    EXPECT_GE(strata::verifier::count(Rule::BadCall), 1u);
    EXPECT_TRUE(host_->adapters().empty());
}

// Seed §2.4.2 (and §2.2): without NDIS_ATTRIBUTE_DESERIALIZE, NDIS makes one call at a time into
// the miniport. One send is held inside MiniportSendPackets while a second is submitted: NDIS
// must queue the second, not call the miniport again.
TEST_F(Seed_2_4_2, Seed_2_4_2_SerializedMiniportIsNeverCalledConcurrently) {
    Gate entered, release;
    std::atomic<int> sends_seen{0};
    TestMiniport::Options mo;
    mo.deserialize = false;
    mo.on_send = [&](MiniportAdapter&, PNDIS_PACKET) {
        if (sends_seen.fetch_add(1) == 0) {
            entered.open();
            release.wait();
        }
    };
    TestMiniport m(*host_, "seedserial", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    strata::AdapterInfo info;
    MiniportAdapter* a = m.add_adapter({}, &info);
    ASSERT_NE(a, nullptr);
    TestProtocol p("seedserialproto");
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host_->bind(p.name(), info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding* b = p.open_binding(info.device_name);
    ASSERT_NE(b, nullptr);
    PNDIS_PACKET first = p.make_packet();
    PNDIS_PACKET second = p.make_packet();
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);

    std::thread sender([&] {
        NDIS_STATUS status;
        NdisSend(&status, b->handle, first);
    });
    ReleaseAndJoin guard(release, sender);
    ASSERT_TRUE(entered.wait()) << "the first send reached MiniportSendPackets";
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisSend(&status, b->handle, second);
    EXPECT_EQ(status, NDIS_STATUS_PENDING) << "NDIS queues the send of a serialized miniport";
    EXPECT_EQ(a->packets_sent.load(), 1u) << "the second send waits while the miniport is busy";
    EXPECT_EQ(a->overlaps.load(), 0);
    release.open();
    sender.join();

    EXPECT_TRUE(p.wait(b, [](const ProtocolBinding& r) { return r.send_completes == 2; }));
    EXPECT_EQ(a->packets_sent.load(), 2u) << "NDIS sent the queued packet when the miniport was free";
    EXPECT_EQ(a->overlaps.load(), 0) << "never two calls at once";
    for (NDIS_STATUS s : p.snapshot(b).send_statuses) EXPECT_EQ(s, NDIS_STATUS_SUCCESS);
    p.free_packet(first);
    p.free_packet(second);
}

// With NDIS_ATTRIBUTE_DESERIALIZE the miniport serialises itself: NDIS calls it again while a
// send is still inside it.
TEST_F(Seed_2_4_2, Seed_2_4_2_DeserializedMiniportIsCalledConcurrently) {
    Gate entered, release;
    std::atomic<int> sends_seen{0};
    TestMiniport::Options mo;
    mo.deserialize = true;
    mo.on_send = [&](MiniportAdapter&, PNDIS_PACKET) {
        if (sends_seen.fetch_add(1) == 0) {
            entered.open();
            release.wait();
        }
    };
    TestMiniport m(*host_, "seeddeser", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    strata::AdapterInfo info;
    MiniportAdapter* a = m.add_adapter({}, &info);
    ASSERT_NE(a, nullptr);
    TestProtocol p("seeddeserproto");
    ASSERT_EQ(p.register_protocol(), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(host_->bind(p.name(), info.device_name), NDIS_STATUS_SUCCESS);
    ProtocolBinding* b = p.open_binding(info.device_name);
    ASSERT_NE(b, nullptr);
    PNDIS_PACKET first = p.make_packet();
    PNDIS_PACKET second = p.make_packet();
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);

    std::thread sender([&] {
        NDIS_STATUS status;
        NdisSend(&status, b->handle, first);
    });
    ReleaseAndJoin guard(release, sender);
    ASSERT_TRUE(entered.wait());
    NDIS_STATUS status = NDIS_STATUS_FAILURE;
    NdisSend(&status, b->handle, second);
    EXPECT_EQ(a->packets_sent.load(), 2u) << "the second send went straight into the miniport";
    EXPECT_EQ(a->overlaps.load(), 1) << "while the first was still inside it";
    release.open();
    sender.join();
    EXPECT_TRUE(p.wait(b, [](const ProtocolBinding& r) { return r.send_completes == 2; }));
    p.free_packet(first);
    p.free_packet(second);
}

// What MiniportInitialize read through NdisOpenConfiguration / NdisReadConfiguration.
struct Read {
    NDIS_STATUS status = NDIS_STATUS_PENDING;
    NDIS_PARAMETER_TYPE type = NdisParameterBinary;
    ULONG integer = 0;
    std::u16string text;
    std::vector<UCHAR> bytes;
};

Read read_parameter(NDIS_HANDLE config, const char* keyword, NDIS_PARAMETER_TYPE type) {
    OwnedUnicode name(keyword);
    PNDIS_CONFIGURATION_PARAMETER value = nullptr;
    Read r;
    NdisReadConfiguration(&r.status, &value, config, name.get(), type);
    if (r.status != NDIS_STATUS_SUCCESS || value == nullptr) return r;
    r.type = value->ParameterType;
    switch (value->ParameterType) {
    case NdisParameterInteger:
    case NdisParameterHexInteger: r.integer = value->ParameterData.IntegerData; break;
    case NdisParameterString:
    case NdisParameterMultiString:
        r.text.assign(reinterpret_cast<const char16_t*>(value->ParameterData.StringData.Buffer),
                      value->ParameterData.StringData.Length / sizeof(WCHAR));
        break;
    case NdisParameterBinary: {
        const auto* p = static_cast<const UCHAR*>(value->ParameterData.BinaryData.Buffer);
        r.bytes.assign(p, p + value->ParameterData.BinaryData.Length);
        break;
    }
    }
    return r;
}

// The strings of a REG_MULTI_SZ as NDIS returns it (NUL-separated; empty pieces dropped).
std::vector<std::u16string> split_multi(const std::u16string& text) {
    std::vector<std::u16string> out;
    std::u16string piece;
    for (char16_t c : text) {
        if (c == u'\0') {
            if (!piece.empty()) out.push_back(piece);
            piece.clear();
        } else {
            piece.push_back(c);
        }
    }
    if (!piece.empty()) out.push_back(piece);
    return out;
}

TEST_F(Seed_2_4_2, Seed_2_4_2_ReadConfigurationReturnsEachParameterType) {
    NDIS_STATUS open_status = NDIS_STATUS_PENDING;
    std::map<std::string, Read> seen;
    TestMiniport::Options mo;
    mo.on_initialize = [&](MiniportAdapter&, NDIS_HANDLE wrapper_configuration) {
        NDIS_HANDLE config = nullptr;
        NdisOpenConfiguration(&open_status, &config, wrapper_configuration);
        if (open_status != NDIS_STATUS_SUCCESS) return;
        seen["DwordValue"] = read_parameter(config, "DwordValue", NdisParameterInteger);
        seen["DecimalText"] = read_parameter(config, "DecimalText", NdisParameterInteger);
        seen["HexText"] = read_parameter(config, "HexText", NdisParameterHexInteger);
        seen["Text"] = read_parameter(config, "Text", NdisParameterString);
        seen["Multi"] = read_parameter(config, "Multi", NdisParameterMultiString);
        seen["Blob"] = read_parameter(config, "Blob", NdisParameterBinary);
        seen["Missing"] = read_parameter(config, "Missing", NdisParameterInteger);
        seen["NdisVersion"] = read_parameter(config, "NdisVersion", NdisParameterInteger);
        seen["dwordvalue"] = read_parameter(config, "dwordvalue", NdisParameterInteger);
        NdisCloseConfiguration(config);
    };
    TestMiniport m(*host_, "seedconfig", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    ASSERT_NE(m.add_adapter({{"DwordValue", Value::dword(1234)},
                             {"DecimalText", Value::sz("5678")},
                             {"HexText", Value::sz("1f")},
                             {"Text", Value::sz("hello")},
                             {"Multi", Value::multi_sz({"first", "second"})},
                             {"Blob", Value::binary({1, 2, 3, 0xFF})}}),
              nullptr);
    EXPECT_EQ(open_status, NDIS_STATUS_SUCCESS) << "NdisOpenConfiguration opens the adapter's key";

    EXPECT_EQ(seen["DwordValue"].status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(seen["DwordValue"].type, NdisParameterInteger);
    EXPECT_EQ(seen["DwordValue"].integer, 1234u);

    EXPECT_EQ(seen["DecimalText"].status, NDIS_STATUS_SUCCESS) << "a decimal REG_SZ reads as an integer";
    EXPECT_EQ(seen["DecimalText"].type, NdisParameterInteger);
    EXPECT_EQ(seen["DecimalText"].integer, 5678u);

    EXPECT_EQ(seen["HexText"].status, NDIS_STATUS_SUCCESS) << "a hex REG_SZ reads as a hex integer";
    EXPECT_EQ(seen["HexText"].type, NdisParameterHexInteger);
    EXPECT_EQ(seen["HexText"].integer, 0x1Fu);

    EXPECT_EQ(seen["Text"].status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(seen["Text"].type, NdisParameterString);
    EXPECT_EQ(seen["Text"].text, u"hello");

    EXPECT_EQ(seen["Multi"].status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(seen["Multi"].type, NdisParameterMultiString);
    EXPECT_EQ(split_multi(seen["Multi"].text), (std::vector<std::u16string>{u"first", u"second"}));

    EXPECT_EQ(seen["Blob"].status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(seen["Blob"].type, NdisParameterBinary);
    EXPECT_EQ(seen["Blob"].bytes, (std::vector<UCHAR>{1, 2, 3, 0xFF}));

    EXPECT_EQ(seen["Missing"].status, NDIS_STATUS_FAILURE) << "a keyword the key does not hold";

    EXPECT_EQ(seen["NdisVersion"].status, NDIS_STATUS_SUCCESS) << "NDIS answers the NdisVersion keyword itself";
    EXPECT_EQ(seen["NdisVersion"].type, NdisParameterInteger);
    EXPECT_EQ(seen["NdisVersion"].integer, 0x00050001u) << "0xMMMMmmmm: NDIS 5.1";

    EXPECT_EQ(seen["dwordvalue"].status, NDIS_STATUS_SUCCESS) << "keywords are not case-sensitive";
    EXPECT_EQ(seen["dwordvalue"].integer, 1234u);
}

TEST_F(Seed_2_4_2, Seed_2_4_2_WriteConfigurationRoundTrips) {
    NDIS_STATUS write_int = NDIS_STATUS_PENDING, write_text = NDIS_STATUS_PENDING, write_blob = NDIS_STATUS_PENDING;
    Read int_back, text_back, blob_back;
    TestMiniport::Options mo;
    mo.on_initialize = [&](MiniportAdapter&, NDIS_HANDLE wrapper_configuration) {
        NDIS_STATUS status;
        NDIS_HANDLE config = nullptr;
        NdisOpenConfiguration(&status, &config, wrapper_configuration);
        if (status != NDIS_STATUS_SUCCESS) return;

        NDIS_CONFIGURATION_PARAMETER value{};
        value.ParameterType = NdisParameterInteger;
        value.ParameterData.IntegerData = 77;
        OwnedUnicode int_name("WrittenInteger");
        NdisWriteConfiguration(&write_int, config, int_name.get(), &value);

        OwnedUnicode text("written text");
        value = {};
        value.ParameterType = NdisParameterString;
        value.ParameterData.StringData = *text.get();
        OwnedUnicode text_name("WrittenText");
        NdisWriteConfiguration(&write_text, config, text_name.get(), &value);

        UCHAR bytes[] = {9, 8, 7};
        value = {};
        value.ParameterType = NdisParameterBinary;
        value.ParameterData.BinaryData.Buffer = bytes;
        value.ParameterData.BinaryData.Length = sizeof bytes;
        OwnedUnicode blob_name("WrittenBlob");
        NdisWriteConfiguration(&write_blob, config, blob_name.get(), &value);

        int_back = read_parameter(config, "WrittenInteger", NdisParameterInteger);
        text_back = read_parameter(config, "WrittenText", NdisParameterString);
        blob_back = read_parameter(config, "WrittenBlob", NdisParameterBinary);
        NdisCloseConfiguration(config);
    };
    TestMiniport m(*host_, "seedwrite", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    strata::AdapterInfo info;
    ASSERT_NE(m.add_adapter({}, &info), nullptr);

    EXPECT_EQ(write_int, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(write_text, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(write_blob, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(int_back.status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(int_back.integer, 77u);
    EXPECT_EQ(text_back.text, u"written text");
    EXPECT_EQ(blob_back.bytes, (std::vector<UCHAR>{9, 8, 7}));

    // The values are in the adapter's key of the registry, with the matching types.
    EXPECT_EQ(host_->registry().get_value(info.instance_key, "WrittenInteger"), Value::dword(77));
    EXPECT_EQ(host_->registry().get_value(info.instance_key, "WrittenText"), Value::sz("written text"));
    EXPECT_EQ(host_->registry().get_value(info.instance_key, "WrittenBlob"), Value::binary({9, 8, 7}));
}

TEST_F(Seed_2_4_2, Seed_2_4_2_OpenConfigurationKeyByNameAndByIndex) {
    struct SubKey {
        NDIS_STATUS status = NDIS_STATUS_PENDING;
        std::string name;
        ULONG number = 0;
    };
    std::vector<SubKey> by_index;
    SubKey by_name, missing;
    TestMiniport::Options mo;
    mo.on_initialize = [&](MiniportAdapter& a, NDIS_HANDLE wrapper_configuration) {
        // Sub-keys a driver's INF would have created under the adapter's instance key.
        const std::string key = strata::ndis::miniport_from(a.handle, "test")->instance_key;
        host_->registry().set_value(key + "\\Options", "Number", Value::dword(11));
        host_->registry().set_value(key + "\\Tuning", "Number", Value::dword(22));
        NDIS_STATUS status;
        NDIS_HANDLE config = nullptr;
        NdisOpenConfiguration(&status, &config, wrapper_configuration);
        if (status != NDIS_STATUS_SUCCESS) return;
        for (ULONG i = 0;; ++i) {
            SubKey s;
            NDIS_STRING name{};
            NDIS_HANDLE sub = nullptr;
            NdisOpenConfigurationKeyByIndex(&s.status, config, i, &name, &sub);
            if (s.status == NDIS_STATUS_SUCCESS) {
                s.name = utf8(&name);
                s.number = read_parameter(sub, "Number", NdisParameterInteger).integer;
                NdisCloseConfiguration(sub);
            }
            by_index.push_back(s);
            if (s.status != NDIS_STATUS_SUCCESS || i > 8) break;
        }
        OwnedUnicode tuning("tuning");
        NDIS_HANDLE sub = nullptr;
        NdisOpenConfigurationKeyByName(&by_name.status, config, tuning.get(), &sub);
        if (by_name.status == NDIS_STATUS_SUCCESS) {
            by_name.number = read_parameter(sub, "Number", NdisParameterInteger).integer;
            NdisCloseConfiguration(sub);
        }
        OwnedUnicode absent("Absent");
        NdisOpenConfigurationKeyByName(&missing.status, config, absent.get(), &sub);
        NdisCloseConfiguration(config);
    };
    TestMiniport m(*host_, "seedsubkey", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    ASSERT_NE(m.add_adapter(), nullptr);

    ASSERT_GE(by_index.size(), 3u);
    EXPECT_EQ(by_index.back().status, NDIS_STATUS_FAILURE) << "enumeration ends with a failure";
    std::map<std::string, ULONG> found;
    for (const SubKey& s : by_index)
        if (s.status == NDIS_STATUS_SUCCESS) found[s.name] = s.number;
    ASSERT_TRUE(found.count("Options"));
    ASSERT_TRUE(found.count("Tuning"));
    EXPECT_EQ(found["Options"], 11u);
    EXPECT_EQ(found["Tuning"], 22u);
    EXPECT_EQ(by_name.status, NDIS_STATUS_SUCCESS) << "sub-key names are not case-sensitive";
    EXPECT_EQ(by_name.number, 22u);
    EXPECT_EQ(missing.status, NDIS_STATUS_FAILURE);
}

// Seed §2.4.2: MiniportInitialize allocates the adapter's context area. NDIS memory comes from
// the kernel pool, which hands out page-aligned blocks for a page or more (ExAllocatePoolWithTag),
// so a context with cache-aligned members (DECLSPEC_CACHEALIGN) of that size is properly aligned.
TEST_F(Seed_2_4_2, Seed_2_4_2_AdapterContextOfAPageOrMoreIsPageAligned) {
    std::vector<std::uintptr_t> addresses;
    TestMiniport::Options mo;
    mo.on_initialize = [&](MiniportAdapter&, NDIS_HANDLE) {
        for (UINT size : {UINT{PAGE_SIZE}, UINT{PAGE_SIZE + 64}, UINT{3 * PAGE_SIZE}}) {
            PVOID block = nullptr;
            if (NdisAllocateMemoryWithTag(&block, size, 0x74736554U) != NDIS_STATUS_SUCCESS) continue;
            addresses.push_back(reinterpret_cast<std::uintptr_t>(block));
            NdisFreeMemory(block, size, 0);
        }
    };
    TestMiniport m(*host_, "seedcontext", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    ASSERT_NE(m.add_adapter(), nullptr);
    ASSERT_EQ(addresses.size(), 3u);
    for (std::uintptr_t a : addresses) EXPECT_EQ(a % PAGE_SIZE, 0u) << std::hex << a;
}

struct NetworkAddressRead {
    NDIS_STATUS status = NDIS_STATUS_PENDING;
    std::vector<UCHAR> address;
};

TEST_F(Seed_2_4_2, Seed_2_4_2_ReadNetworkAddressParsesAndRefusesGroupAddresses) {
    std::vector<NetworkAddressRead> reads;
    TestMiniport::Options mo;
    mo.on_initialize = [&](MiniportAdapter&, NDIS_HANDLE wrapper_configuration) {
        NDIS_STATUS status;
        NDIS_HANDLE config = nullptr;
        NdisOpenConfiguration(&status, &config, wrapper_configuration);
        if (status != NDIS_STATUS_SUCCESS) return;
        NetworkAddressRead r;
        PVOID address = nullptr;
        UINT length = 0;
        NdisReadNetworkAddress(&r.status, &address, &length, config);
        if (r.status == NDIS_STATUS_SUCCESS && address != nullptr)
            r.address.assign(static_cast<UCHAR*>(address), static_cast<UCHAR*>(address) + length);
        reads.push_back(r);
        NdisCloseConfiguration(config);
    };
    TestMiniport m(*host_, "seednetaddr", mo);
    ASSERT_EQ(m.register_driver(), NDIS_STATUS_SUCCESS);
    ASSERT_NE(m.add_adapter({{"NetworkAddress", Value::sz("021122334455")}}), nullptr);
    ASSERT_NE(m.add_adapter({{"NetworkAddress", Value::sz("010203040506")}}), nullptr);
    ASSERT_NE(m.add_adapter({{"NetworkAddress", Value::sz("not-an-address")}}), nullptr);
    ASSERT_NE(m.add_adapter(), nullptr);
    ASSERT_EQ(reads.size(), 4u);
    EXPECT_EQ(reads[0].status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(reads[0].address, (std::vector<UCHAR>{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}));
    EXPECT_EQ(reads[1].status, NDIS_STATUS_FAILURE) << "a multicast address cannot be a station address";
    EXPECT_EQ(reads[2].status, NDIS_STATUS_FAILURE) << "not hex digits";
    EXPECT_EQ(reads[3].status, NDIS_STATUS_FAILURE) << "no NetworkAddress keyword";
}

TEST_F(Seed_2_4_2_Loop, Seed_2_4_2_NetworkAddressBecomesTheCurrentAddress) {
    auto& a = add({{"NetworkAddress", Value::sz("02-12-34-56-78-9A")}});
    const std::array<UCHAR, 6> configured{0x02, 0x12, 0x34, 0x56, 0x78, 0x9A};
    std::array<UCHAR, 6> current{}, permanent{};
    EXPECT_EQ(probe_query(a.probe, OID_802_3_CURRENT_ADDRESS, current.data(), 6).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(probe_query(a.probe, OID_802_3_PERMANENT_ADDRESS, permanent.data(), 6).status, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(current, configured);
    EXPECT_EQ(a.mac, configured) << "NDIS uses the configured address as the station address";
    EXPECT_NE(permanent, configured) << "the burned-in address stays the permanent one";
}

TEST_F(Seed_2_4_2_Loop, Seed_2_4_2_InvalidNetworkAddressFallsBackToTheDefault) {
    for (const char* bad : {"01-00-5E-00-00-01", "FF-FF-FF-FF-FF-FF", "02-11-22", "nothex000000"}) {
        SCOPED_TRACE(bad);
        auto& a = add({{"NetworkAddress", Value::sz(bad)}});
        std::array<UCHAR, 6> current{}, permanent{};
        EXPECT_EQ(probe_query(a.probe, OID_802_3_CURRENT_ADDRESS, current.data(), 6).status, NDIS_STATUS_SUCCESS);
        EXPECT_EQ(probe_query(a.probe, OID_802_3_PERMANENT_ADDRESS, permanent.data(), 6).status, NDIS_STATUS_SUCCESS);
        EXPECT_EQ(current, permanent) << "loop keeps its default address";
        EXPECT_EQ(current[0] & 0x01, 0) << "a station address is never a group address";
    }
}

}  // namespace
