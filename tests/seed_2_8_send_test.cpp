// seed_2_8_send_test.cpp — conformance: sending (seed 003 §2.8). NdisSendPackets keeps the
// caller's order down to the miniport; NdisSend's status is final unless it is PENDING, then
// ProtocolSendComplete follows once; a serialized miniport gets one call at a time and an
// NDIS-managed queue (NDIS_STATUS_RESOURCES requeues at the head until NdisMSendResourcesAvailable
// or a send completion); NDIS loops sends back to the other protocols on the adapter unless
// NDIS_FLAGS_DONT_LOOPBACK; NdisCancelSendPackets aborts what NDIS still queues; a closing
// binding fails sends; a packet sent twice is reported.
#include "datapath_test_drivers.h"

namespace strata::test::datapath {
namespace {

using verifier::Rule;

class Seed_2_8 : public DatapathTest {};

const Mac kPeer{0x02, 0x50, 0x45, 0x45, 0x52, 0x01};

// NT severity "error": every NDIS failure status.
bool failed(NDIS_STATUS status) { return (static_cast<ULONG>(status) >> 30) == 3; }

// A 60-byte frame numbered at bytes 14..21 (big-endian).
Frame numbered(const Mac& source, ULONG64 number) {
    Frame f = make_frame(kPeer, source, kTestEtherType, 60);
    for (int i = 0; i < 8; ++i) f[14 + i] = static_cast<UCHAR>(number >> (56 - 8 * i));
    return f;
}
ULONG64 number_of(const Frame& f) {
    ULONG64 n = 0;
    for (int i = 0; i < 8; ++i) n = n << 8 | f[14 + i];
    return n;
}

MiniportOptions serialized_send() {
    MiniportOptions o;
    o.serialized = true;
    o.send_handler = true;
    return o;
}

// ---- Order ----------------------------------------------------------------------------------------

// "当向NdisSendPackets传递包数组时,NDIS将一直保持包描述符指针的顺序": 50 arrays of 32 reach
// MiniportSendPackets in exactly the order they were given.
TEST_F(Seed_2_8, Seed_2_8_SendPacketsOrderPreservedAtMiniport) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(32);
    ULONG64 next = 0;
    for (int round = 0; round < 50; ++round) {
        std::vector<PNDIS_PACKET> batch;
        for (int i = 0; i < 32; ++i) batch.push_back(pool.build(numbered(adapter.mac, next++)));
        ASSERT_EQ(std::count(batch.begin(), batch.end(), nullptr), 0);
        binding->send_packets(batch);
        ASSERT_TRUE(binding->wait([&] { return binding->send_completes().size() == next; }));
        for (PNDIS_PACKET p : batch) pool.release(p);
    }
    auto sent = adapter.sent();
    ASSERT_EQ(sent.size(), 1600u);
    for (std::size_t k = 0; k < sent.size(); ++k) {
        ASSERT_EQ(number_of(sent[k].bytes), k) << "send " << k << " out of order";
        if (k > 0 && sent[k].call == sent[k - 1].call) {
            ASSERT_EQ(sent[k].position, sent[k - 1].position + 1);
        }
    }
    for (auto& [p, status] : binding->send_completes()) EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
}

// probe's numbered frames in arrays of 32 over the loop wire: probe on the other adapter sees
// every sender sequence number in order.
TEST_F(Seed_2_8, Seed_2_8_SendPacketsOrderAcrossLoopWire) {
    auto& a = loop_adapter({{"Wire", dword(21)}});
    auto& b = loop_adapter({{"Wire", dword(21)}, {"ReceiveBuffers", dword(4096)}});
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 100, 32 * 50, 32, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(a.probe, 1600, kWaitMs), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(b.probe, 1600, kWaitMs), NDIS_STATUS_SUCCESS);
    PROBE_STATS rx = probe_stats(b.probe);
    EXPECT_EQ(rx.SequenceErrors, 0u);
    EXPECT_EQ(rx.PayloadErrors, 0u);
    EXPECT_EQ(probe_stats(a.probe).SendsFailed, 0u);
}

// The same with completions deferred to loop's DPC (SendCompletion 1) and NdisSend one by one.
TEST_F(Seed_2_8, Seed_2_8_SendOrderAcrossLoopWireWithDeferredCompletion) {
    auto& a = loop_adapter({{"Wire", dword(22)}, {"SendCompletion", dword(1)}});
    auto& b = loop_adapter({{"Wire", dword(22)}, {"ReceiveBuffers", dword(4096)}});
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 300, 1000, 32, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 300, 200, 1, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(a.probe, 1200, kWaitMs), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(b.probe, 1200, kWaitMs), NDIS_STATUS_SUCCESS);
    PROBE_STATS rx = probe_stats(b.probe);
    EXPECT_EQ(rx.SequenceErrors, 0u);
    EXPECT_EQ(rx.PayloadErrors, 0u);
    EXPECT_EQ(probe_stats(a.probe).SendsFailed, 0u);
}

// §2.8: "可以通过以NdisQueryInformation和OID_GEN_MAXIMUM_SEND_PACKETS为参数调用NdisRequest,获取低层
// 驱动程序能够接受的发送包数组的最大包数量".
TEST_F(Seed_2_8, Seed_2_8_MaximumSendPacketsQuery) {
    auto& a = loop_adapter({{"TxRingSize", dword(16)}});
    ULONG maximum = 0;
    UINT written = 0;
    ASSERT_EQ(probe().request(a.probe, NdisRequestQueryInformation, OID_GEN_MAXIMUM_SEND_PACKETS, &maximum,
                              sizeof maximum, &written, nullptr),
              NDIS_STATUS_SUCCESS);
    EXPECT_EQ(written, sizeof(ULONG));
    EXPECT_EQ(maximum, 16u);
}

// ---- NdisSend completion semantics -------------------------------------------------------------------

// "如果NdisSend返回的状态不是NDIS_STATUS_PENDING,则调用是以同步方式完成的,并且在NdisSend返回时包资源
// 的所有权就将返还给中间层驱动程序": MiniportSend's SUCCESS or FAILURE is NdisSend's status and no
// ProtocolSendComplete follows; the packet may be sent again at once.
TEST_F(Seed_2_8, Seed_2_8_NdisSendSynchronousStatusHasNoSendComplete) {
    MiniportOptions options;
    options.send_handler = true;
    TestAdapter& adapter = test_adapter(options);
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(2);
    PNDIS_PACKET p = pool.build(numbered(adapter.mac, 1));
    PNDIS_PACKET q = pool.build(numbered(adapter.mac, 2));
    ASSERT_NE(q, nullptr);
    adapter.decide = [q](PNDIS_PACKET packet) { return packet == q ? NDIS_STATUS_FAILURE : NDIS_STATUS_SUCCESS; };
    EXPECT_EQ(binding->send(p), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(binding->send(q), NDIS_STATUS_FAILURE);
    EXPECT_EQ(binding->send(p), NDIS_STATUS_SUCCESS) << "the packet was the protocol's again";
    EXPECT_EQ(adapter.sent_count(), 3u);
    EXPECT_EQ(binding->send_complete_count(), 0u);
    EXPECT_EQ(verifier::count(Rule::PacketNotOwned), 0u);
}

// "如果NdisSend返回的状态是NDIS_STATUS_PENDING,当接下来发送操作完成的时候,发送操作的最终状态和包描述符
// 将返回给ProtocolSendComplete".
TEST_F(Seed_2_8, Seed_2_8_NdisSendPendingCompletesThroughSendComplete) {
    MiniportOptions options;
    options.send_handler = true;
    TestAdapter& adapter = test_adapter(options);
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(2);
    PNDIS_PACKET p = pool.build(numbered(adapter.mac, 1));
    PNDIS_PACKET q = pool.build(numbered(adapter.mac, 2));
    ASSERT_NE(q, nullptr);
    adapter.decide = [](PNDIS_PACKET) { return NDIS_STATUS_PENDING; };
    EXPECT_EQ(binding->send(p), NDIS_STATUS_PENDING);
    EXPECT_EQ(binding->send(q), NDIS_STATUS_PENDING);
    EXPECT_EQ(binding->send_complete_count(), 0u);
    adapter.complete_sends(1, NDIS_STATUS_SUCCESS);
    adapter.complete_sends(1, NDIS_STATUS_FAILURE);
    ASSERT_TRUE(binding->wait([&] { return binding->send_completes().size() == 2; }));
    auto completes = binding->send_completes();
    EXPECT_EQ(completes[0], std::make_pair(p, NDIS_STATUS(NDIS_STATUS_SUCCESS)));
    EXPECT_EQ(completes[1], std::make_pair(q, NDIS_STATUS(NDIS_STATUS_FAILURE)));
}

// Whatever path NDIS takes to the miniport (MiniportSendPackets of a deserialized miniport, the
// queue of a serialized one), each NdisSend ends exactly once: a final status from NdisSend, or
// PENDING and one ProtocolSendComplete carrying the miniport's status.
TEST_F(Seed_2_8, Seed_2_8_NdisSendEndsExactlyOnceOnEveryMiniportKind) {
    struct Kind {
        const char* name;
        MiniportOptions options;
    };
    MiniportOptions serialized_packets;
    serialized_packets.serialized = true;
    const Kind kinds[] = {{"deserialized MiniportSendPackets", {}},
                          {"serialized MiniportSendPackets", serialized_packets},
                          {"serialized MiniportSend", serialized_send()}};
    int index = 0;
    for (const Kind& kind : kinds) {
        SCOPED_TRACE(kind.name);
        TestAdapter& adapter = test_adapter(kind.options);
        TestBinding* binding = test_protocol("tproto" + std::to_string(index++)).bind(host(), adapter.info.device_name);
        ASSERT_NE(binding, nullptr);
        TxPool& pool = tx_pool(4);
        for (NDIS_STATUS answer : {NDIS_STATUS_SUCCESS, NDIS_STATUS_FAILURE, NDIS_STATUS_PENDING}) {
            PNDIS_PACKET p = pool.build(numbered(adapter.mac, ULONG64(answer)));
            ASSERT_NE(p, nullptr);
            adapter.decide = [answer](PNDIS_PACKET) { return answer; };
            std::size_t before = binding->send_complete_count();
            NDIS_STATUS status = binding->send(p);
            if (answer == NDIS_STATUS_PENDING) {
                EXPECT_EQ(status, NDIS_STATUS_PENDING);
                EXPECT_EQ(adapter.complete_sends(), 1u);
            }
            if (status == NDIS_STATUS_PENDING) {
                ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == before + 1; }));
                auto last = binding->send_completes().back();
                EXPECT_EQ(last.first, p);
                EXPECT_EQ(last.second, answer == NDIS_STATUS_PENDING ? NDIS_STATUS_SUCCESS : answer);
            } else {
                EXPECT_EQ(status, answer);
                EXPECT_EQ(binding->send_complete_count(), before);
            }
            pool.release(p);
        }
        adapter.decide = nullptr;
        EXPECT_EQ(adapter.max_concurrent_calls(), 1);
    }
}

// ---- The serialized miniport's queue ---------------------------------------------------------------

// "串行NIC驱动程序 ... 也可以用NDIS_STATUS_RESOURCE状态返回超量数据包。在后一种情况下,NDIS将在内部队列
// 中保存那些数据包并在NIC驱动程序下一次调用NdisMSendResourceAvailable或NdisMSendComplete时,重新提交
// 这些数据包": the refused packet is resubmitted first, nothing is submitted before the next
// NdisMSendResourcesAvailable / NdisMSendComplete, and the order of acceptance is the order sent.
TEST_F(Seed_2_8, Seed_2_8_SerializedResourcesRequeuesAtHead) {
    TestAdapter& adapter = test_adapter(serialized_send());
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(8);
    std::vector<PNDIS_PACKET> p;
    for (ULONG64 i = 0; i < 6; ++i) p.push_back(pool.build(numbered(adapter.mac, i)));
    auto budget = std::make_shared<std::atomic<int>>(1);
    adapter.decide = [budget](PNDIS_PACKET) {
        return budget->fetch_sub(1) > 0 ? NDIS_STATUS_PENDING : NDIS_STATUS_RESOURCES;
    };
    auto trace = [&] {
        std::vector<std::pair<PNDIS_PACKET, NDIS_STATUS>> out;
        for (const SentRecord& r : adapter.sent()) out.emplace_back(r.packet, r.answer);
        return out;
    };
    using Calls = std::vector<std::pair<PNDIS_PACKET, NDIS_STATUS>>;
    constexpr NDIS_STATUS kPending = NDIS_STATUS_PENDING;
    constexpr NDIS_STATUS kResources = NDIS_STATUS_RESOURCES;

    binding->send_packets({p[0], p[1], p[2], p[3], p[4]});
    EXPECT_EQ(trace(), (Calls{{p[0], kPending}, {p[1], kResources}}));
    NDIS_STATUS status = binding->send(p[5]);
    EXPECT_TRUE(status == NDIS_STATUS_PENDING) << "a serialized miniport that said RESOURCES is not called";
    EXPECT_EQ(trace().size(), 2u) << "NDIS holds new sends behind the refused one";

    budget->store(1);
    adapter.resources_available();
    EXPECT_EQ(trace(), (Calls{{p[0], kPending}, {p[1], kResources}, {p[1], kPending}, {p[2], kResources}}));

    budget->store(1);
    EXPECT_EQ(adapter.complete_sends(1), 1u);  // p[0]
    ASSERT_TRUE(adapter.wait([&] { return adapter.sent().size() == 6; }));
    EXPECT_EQ(trace(), (Calls{{p[0], kPending}, {p[1], kResources}, {p[1], kPending}, {p[2], kResources},
                              {p[2], kPending}, {p[3], kResources}}));

    budget->store(100);
    adapter.resources_available();
    ASSERT_TRUE(adapter.wait([&] { return adapter.sent().size() == 9; }));
    std::vector<PNDIS_PACKET> accepted;
    for (auto& [packet, answer] : trace())
        if (answer == kPending) accepted.push_back(packet);
    EXPECT_EQ(accepted, p);
    adapter.complete_sends();
    ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == 6; }));
    std::vector<PNDIS_PACKET> completed;
    for (auto& [packet, s] : binding->send_completes()) {
        completed.push_back(packet);
        EXPECT_EQ(s, NDIS_STATUS_SUCCESS);
    }
    EXPECT_EQ(completed, p);
    EXPECT_EQ(adapter.max_concurrent_calls(), 1);
}

// The same with MiniportSendPackets: a packet whose status the serialized miniport set to
// NDIS_STATUS_RESOURCES is, with every packet after it, resubmitted — it first.
TEST_F(Seed_2_8, Seed_2_8_SerializedSendPacketsResourcesResubmitsFromThatPacket) {
    MiniportOptions options;
    options.serialized = true;
    TestAdapter& adapter = test_adapter(options);
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(16);
    std::vector<PNDIS_PACKET> p;
    for (ULONG64 i = 0; i < 12; ++i) p.push_back(pool.build(numbered(adapter.mac, i)));
    auto budget = std::make_shared<std::atomic<int>>(3);
    adapter.decide = [budget](PNDIS_PACKET) {
        return budget->fetch_sub(1) > 0 ? NDIS_STATUS_PENDING : NDIS_STATUS_RESOURCES;
    };
    binding->send_packets(p);
    auto accepted_count = [&] {
        auto sent = adapter.sent();
        return std::count_if(sent.begin(), sent.end(),
                             [](const SentRecord& r) { return r.answer == NDIS_STATUS_PENDING; });
    };
    for (int round = 0; round < 20 && accepted_count() < 12; ++round) {
        budget->store(3);
        if (round % 2 == 0 || adapter.pending().empty()) adapter.resources_available();
        else adapter.complete_sends(1);
    }
    auto sent = adapter.sent();
    std::vector<PNDIS_PACKET> accepted;
    for (std::size_t k = 0; k < sent.size(); ++k) {
        if (sent[k].answer == NDIS_STATUS_PENDING) accepted.push_back(sent[k].packet);
        bool first_refused_of_call = sent[k].answer == NDIS_STATUS_RESOURCES &&
            (k == 0 || sent[k - 1].call != sent[k].call || sent[k - 1].answer != NDIS_STATUS_RESOURCES);
        if (!first_refused_of_call) continue;
        std::size_t next = k + 1;
        while (next < sent.size() && sent[next].call == sent[k].call) ++next;
        if (next < sent.size()) {
            EXPECT_EQ(sent[next].packet, sent[k].packet) << "record " << k << ": the refused packet is resubmitted first";
        }
    }
    EXPECT_EQ(accepted, p);
    adapter.complete_sends();
    ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == 12; }));
    EXPECT_EQ(adapter.max_concurrent_calls(), 1);
}

// "NDIS将保持该顺序,即使在内部要对一些数据包进行排队" and one call at a time: two protocols send
// concurrently from two threads to a serialized miniport with a two-packet ring that completes
// from its timer (serialized context) and refuses with RESOURCES when full. The miniport never
// sees two calls at once, every packet is accepted once, each sender's packets in its order.
TEST_F(Seed_2_8, Seed_2_8_SerializedMiniportNeverCalledConcurrently) {
    TestAdapter& adapter = test_adapter(serialized_send());
    adapter.init_completion_timer();
    TestAdapter* a = &adapter;
    adapter.decide = [a](PNDIS_PACKET) {
        if (a->pending().size() >= 2) return NDIS_STATUS_RESOURCES;
        a->arm_completion_timer();
        return NDIS_STATUS_PENDING;
    };
    constexpr int kSenders = 2;
    constexpr ULONG64 kPerSender = 400;
    std::vector<TestBinding*> bindings;
    for (int s = 0; s < kSenders; ++s) {
        TestBinding* b = test_protocol("tsend" + std::to_string(s)).bind(host(), adapter.info.device_name);
        ASSERT_NE(b, nullptr);
        bindings.push_back(b);
    }
    std::vector<TxPool*> pools;
    for (int s = 0; s < kSenders; ++s) pools.push_back(&tx_pool(UINT(kPerSender), 1));
    std::vector<std::thread> threads;
    for (int s = 0; s < kSenders; ++s) {
        threads.emplace_back([&, s] {
            for (ULONG64 i = 0; i < kPerSender; i += 8) {
                std::vector<PNDIS_PACKET> batch;
                for (ULONG64 k = i; k < i + 8; ++k)
                    batch.push_back(pools[s]->build(numbered(adapter.mac, ULONG64(s) << 32 | k)));
                if (i % 16 == 0) bindings[s]->send_packets(batch);
                else
                    for (PNDIS_PACKET p : batch) bindings[s]->send(p);
            }
        });
    }
    for (auto& t : threads) t.join();
    for (int s = 0; s < kSenders; ++s)
        ASSERT_TRUE(bindings[s]->wait([&] { return bindings[s]->send_complete_count() == kPerSender; }))
            << "sender " << s << " completed " << bindings[s]->send_complete_count();
    EXPECT_EQ(adapter.max_concurrent_calls(), 1);
    std::vector<ULONG64> next(kSenders, 0);
    for (const SentRecord& r : adapter.sent()) {
        if (r.answer != NDIS_STATUS_PENDING) continue;
        ULONG64 n = number_of(r.bytes);
        int s = int(n >> 32);
        ASSERT_LT(s, kSenders);
        EXPECT_EQ(n & 0xFFFFFFFFu, next[s]) << "sender " << s;
        next[s] = (n & 0xFFFFFFFFu) + 1;
    }
    for (int s = 0; s < kSenders; ++s) {
        EXPECT_EQ(next[s], kPerSender);
        for (auto& [p, status] : bindings[s]->send_completes()) EXPECT_EQ(status, NDIS_STATUS_SUCCESS);
    }
}

// loop as a serialized miniport with a two-send ring (Serialized 1, TxRingSize 2): thousands of
// sends in arrays of 32 all arrive, in order.
TEST_F(Seed_2_8, Seed_2_8_SerializedLoopSmallRingDeliversAllInOrder) {
    auto& a = loop_adapter({{"Wire", dword(23)}, {"Serialized", dword(1)}, {"TxRingSize", dword(2)}});
    auto& b = loop_adapter({{"Wire", dword(23)}, {"ReceiveBuffers", dword(4096)}});
    constexpr ULONG64 kFrames = 3000;
    ASSERT_EQ(probe().send(a.probe, b.mac.data(), 60, UINT(kFrames), 32, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(a.probe, kFrames, kWaitMs), NDIS_STATUS_SUCCESS)
        << "completed " << probe_stats(a.probe).SendsCompleted << " of " << kFrames;
    ASSERT_EQ(probe().wait_received(b.probe, kFrames, kWaitMs), NDIS_STATUS_SUCCESS);
    PROBE_STATS rx = probe_stats(b.probe);
    EXPECT_EQ(rx.SequenceErrors, 0u);
    EXPECT_EQ(rx.PayloadErrors, 0u);
    EXPECT_EQ(probe_stats(a.probe).SendsFailed, 0u);
    EXPECT_EQ(loop_stats(b.loop).RxDroppedRingFull, 0u);
}

// A serialized miniport whose completions come from outside its serialized context (as loop's
// send DPC does) can complete the last outstanding send while its MiniportSend is deciding to
// refuse the next one with NDIS_STATUS_RESOURCES. NDIS must not lose that completion: the refused
// packet is resubmitted.
TEST_F(Seed_2_8, Seed_2_8_SerializedCompletionDuringRefusalIsNotLost) {
    TestAdapter& adapter = test_adapter(serialized_send());
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(2);
    PNDIS_PACKET p0 = pool.build(numbered(adapter.mac, 0));
    PNDIS_PACKET p1 = pool.build(numbered(adapter.mac, 1));
    ASSERT_NE(p1, nullptr);
    auto calls = std::make_shared<std::atomic<int>>(0);
    TestAdapter* a = &adapter;
    adapter.decide = [calls](PNDIS_PACKET) {
        int call = calls->fetch_add(1);
        return call == 1 ? NDIS_STATUS_RESOURCES : NDIS_STATUS_PENDING;
    };
    adapter.before_send_returns = [calls, a] {
        if (calls->load() != 2) return;
        // The ring had no room for p1; p0's completion interrupt fires right now, elsewhere.
        std::thread completion([a] { a->complete_sends(1); });
        completion.join();
    };
    binding->send_packets({p0, p1});
    ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == 1; }));
    EXPECT_TRUE(adapter.wait([&] { return adapter.sent().size() == 3; }))
        << "p1 was refused while p0 completed, and NDIS never resubmitted it";
    adapter.before_send_returns = nullptr;
    auto sent = adapter.sent();
    ASSERT_GE(sent.size(), 2u);
    EXPECT_EQ(sent[1].packet, p1);
    if (sent.size() == 3) {
        EXPECT_EQ(sent[2].packet, p1);
        adapter.complete_sends();
        EXPECT_TRUE(binding->wait([&] { return binding->send_complete_count() == 2; }));
    }
}

// ---- Loopback -------------------------------------------------------------------------------------

// NDIS loops a send back to the other protocols bound to the adapter whose filter accepts it
// (loop sets NDIS_MAC_OPTION_NO_LOOPBACK), never to the sender: probe on A sends broadcasts, the
// in-test protocol on A receives each once, whole, through ProtocolReceive; probe on A nothing.
TEST_F(Seed_2_8, Seed_2_8_LoopbackReachesOtherProtocolNotSender) {
    auto& a = loop_adapter({{"Wire", dword(24)}});
    auto& b = loop_adapter({{"Wire", dword(24)}});
    TestBinding* other = test_protocol("tproto").bind(host(), a.info.device_name);
    ASSERT_NE(other, nullptr);
    ASSERT_EQ(other->set_packet_filter(NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().send(a.probe, kBroadcast.data(), 100, 5, 1, 0), NDIS_STATUS_SUCCESS);  // NdisSend
    ASSERT_EQ(probe().send(a.probe, kBroadcast.data(), 100, 5, 5, 0), NDIS_STATUS_SUCCESS);  // NdisSendPackets
    ASSERT_EQ(probe().wait_received(b.probe, 10, kWaitMs), NDIS_STATUS_SUCCESS);
    ASSERT_TRUE(other->wait([&] { return other->receive_count() >= 10; }));
    auto receives = other->receives();
    EXPECT_EQ(receives.size(), 10u);
    for (const ReceiveRecord& r : receives) {
        EXPECT_FALSE(r.via_receive_packet);
        EXPECT_EQ(r.header_size, 14u);
        EXPECT_EQ(r.lookahead_size, 86u);
        EXPECT_EQ(r.packet_size, 86u);
        ASSERT_EQ(r.frame.size(), 100u);
        EXPECT_EQ(mac_of(r.frame, 0), kBroadcast);
        EXPECT_EQ(mac_of(r.frame, 6), stack_mac(a));
        EXPECT_EQ(r.frame[12], 0x88);
        EXPECT_EQ(r.frame[13], 0xB5);
    }
    EXPECT_GE(other->receive_completes(), 1u);
    EXPECT_EQ(probe_stats(a.probe).ReceivedFrames, 0u) << "a sender never sees its own send";
    EXPECT_EQ(probe_stats(b.probe).PayloadErrors, 0u);
}

// ProtocolReceive runs at DISPATCH_LEVEL (it may call NdisTransferData and NdisDprXxx), also when
// the indication is a loopback of a send made at PASSIVE_LEVEL.
TEST_F(Seed_2_8, Seed_2_8_LoopbackReceiveRunsAtDispatchLevel) {
    auto& a = loop_adapter({{"Wire", dword(25)}});
    TestBinding* other = bind_filtered(a, NDIS_PACKET_TYPE_BROADCAST, "tproto");
    ASSERT_NE(other, nullptr);
    ASSERT_EQ(probe().send(a.probe, kBroadcast.data(), 100, 2, 1, 0), NDIS_STATUS_SUCCESS);
    ASSERT_TRUE(other->wait([&] { return other->receive_count() == 2; }));
    for (const ReceiveRecord& r : other->receives()) EXPECT_EQ(r.irql, DISPATCH_LEVEL);
}

// NDIS_FLAGS_DONT_LOOPBACK: the frame goes out on the wire but no other protocol on the sending
// adapter sees it.
TEST_F(Seed_2_8, Seed_2_8_DontLoopbackSuppressesLoopback) {
    auto& a = loop_adapter({{"Wire", dword(26)}});
    auto& b = loop_adapter({{"Wire", dword(26)}});
    TestBinding* other = test_protocol("tproto").bind(host(), a.info.device_name);
    ASSERT_NE(other, nullptr);
    ASSERT_EQ(other->set_packet_filter(NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().send(a.probe, kBroadcast.data(), 100, 5, 1, NDIS_FLAGS_DONT_LOOPBACK), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().send(a.probe, kBroadcast.data(), 100, 5, 5, NDIS_FLAGS_DONT_LOOPBACK), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_sends_completed(a.probe, 10, kWaitMs), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(b.probe, 10, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_EQ(other->receive_count(), 0u);
    // Without the flag the next one is looped back (so the silence above was the flag's doing).
    ASSERT_EQ(probe().send(a.probe, kBroadcast.data(), 100, 1, 1, 0), NDIS_STATUS_SUCCESS);
    ASSERT_EQ(probe().wait_received(b.probe, 11, kWaitMs), NDIS_STATUS_SUCCESS);
    EXPECT_TRUE(other->wait([&] { return other->receive_count() == 1; }));
}

// ---- Cancel, close, ownership -----------------------------------------------------------------------

// NdisCancelSendPackets: packets NDIS still queues for a serialized miniport and that carry the
// cancel ID complete with NDIS_STATUS_REQUEST_ABORTED and never reach the miniport; the others
// stay queued in order; MiniportCancelSendPackets is told the ID.
TEST_F(Seed_2_8, Seed_2_8_CancelSendPacketsAbortsQueuedPackets) {
    TestAdapter& adapter = test_adapter(serialized_send());
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(4);
    const ULONG_PTR prefix = ULONG_PTR(NdisGeneratePartialCancelId()) << (8 * (sizeof(ULONG_PTR) - 1));
    auto cancel_x = reinterpret_cast<PVOID>(prefix | 1);
    auto cancel_y = reinterpret_cast<PVOID>(prefix | 2);
    std::vector<PNDIS_PACKET> p;
    for (ULONG64 i = 0; i < 4; ++i) {
        p.push_back(pool.build(numbered(adapter.mac, i)));
        NDIS_SET_PACKET_CANCEL_ID(p.back(), i < 2 ? cancel_x : cancel_y);
    }
    adapter.decide = [](PNDIS_PACKET) { return NDIS_STATUS_RESOURCES; };
    binding->send_packets(p);
    ASSERT_EQ(adapter.sent_count(), 1u);  // p[0] refused: everything queued in NDIS

    NdisCancelSendPackets(binding->handle, cancel_x);
    ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == 2; }));
    auto completes = binding->send_completes();
    std::set<PNDIS_PACKET> aborted;
    for (auto& [packet, status] : completes) {
        EXPECT_EQ(status, NDIS_STATUS_REQUEST_ABORTED);
        aborted.insert(packet);
    }
    EXPECT_EQ(aborted, (std::set<PNDIS_PACKET>{p[0], p[1]}));
    EXPECT_EQ(adapter.cancel_ids(), std::vector<PVOID>{cancel_x});

    adapter.decide = [](PNDIS_PACKET) { return NDIS_STATUS_PENDING; };
    adapter.resources_available();
    ASSERT_TRUE(adapter.wait([&] { return adapter.sent().size() == 3; }));
    auto sent = adapter.sent();
    EXPECT_EQ(sent[1].packet, p[2]);
    EXPECT_EQ(sent[2].packet, p[3]);
    adapter.complete_sends();
    ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == 4; }));
    completes = binding->send_completes();
    EXPECT_EQ(completes[2], std::make_pair(p[2], NDIS_STATUS(NDIS_STATUS_SUCCESS)));
    EXPECT_EQ(completes[3], std::make_pair(p[3], NDIS_STATUS(NDIS_STATUS_SUCCESS)));
    EXPECT_EQ(adapter.sent_count(), 3u) << "cancelled packets never reach the miniport";
}

// NdisCancelSendPackets cancels on one binding: another protocol's queued packets with the same
// ID stay queued and are sent.
TEST_F(Seed_2_8, Seed_2_8_CancelSendPacketsOnlyAffectsItsBinding) {
    TestAdapter& adapter = test_adapter(serialized_send());
    TestBinding* first = test_protocol("tproto1").bind(host(), adapter.info.device_name);
    TestBinding* second = test_protocol("tproto2").bind(host(), adapter.info.device_name);
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    TxPool& pool = tx_pool(4);
    auto id = reinterpret_cast<PVOID>(ULONG_PTR(0x99));
    std::vector<PNDIS_PACKET> mine, theirs;
    for (ULONG64 i = 0; i < 2; ++i) {
        mine.push_back(pool.build(numbered(adapter.mac, i)));
        theirs.push_back(pool.build(numbered(adapter.mac, 10 + i)));
        NDIS_SET_PACKET_CANCEL_ID(mine.back(), id);
        NDIS_SET_PACKET_CANCEL_ID(theirs.back(), id);
    }
    adapter.decide = [](PNDIS_PACKET) { return NDIS_STATUS_RESOURCES; };
    first->send_packets(mine);
    second->send_packets(theirs);
    NdisCancelSendPackets(first->handle, id);
    ASSERT_TRUE(first->wait([&] { return first->send_complete_count() == 2; }));
    for (auto& [p, status] : first->send_completes()) EXPECT_EQ(status, NDIS_STATUS_REQUEST_ABORTED);
    EXPECT_EQ(second->send_complete_count(), 0u);
    adapter.decide = [](PNDIS_PACKET) { return NDIS_STATUS_SUCCESS; };
    adapter.resources_available();
    ASSERT_TRUE(second->wait([&] { return second->send_complete_count() == 2; }));
    auto completes = second->send_completes();
    EXPECT_EQ(completes[0], std::make_pair(theirs[0], NDIS_STATUS(NDIS_STATUS_SUCCESS)));
    EXPECT_EQ(completes[1], std::make_pair(theirs[1], NDIS_STATUS(NDIS_STATUS_SUCCESS)));
}

// A deserialized miniport queues sends itself: NDIS passes the cancel ID to its
// MiniportCancelSendPackets and completes nothing on its own.
TEST_F(Seed_2_8, Seed_2_8_CancelSendPacketsReachesDeserializedMiniport) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(1);
    PNDIS_PACKET p = pool.build(numbered(adapter.mac, 0));
    ASSERT_NE(p, nullptr);
    auto id = reinterpret_cast<PVOID>(ULONG_PTR(0x55));
    NDIS_SET_PACKET_CANCEL_ID(p, id);
    adapter.decide = [](PNDIS_PACKET) { return NDIS_STATUS_PENDING; };
    binding->send_packets({p});
    NdisCancelSendPackets(binding->handle, id);
    EXPECT_EQ(adapter.cancel_ids(), std::vector<PVOID>{id});
    EXPECT_EQ(binding->send_complete_count(), 0u);
    adapter.complete_sends(0, NDIS_STATUS_REQUEST_ABORTED);
    ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == 1; }));
    EXPECT_EQ(binding->send_completes()[0], std::make_pair(p, NDIS_STATUS(NDIS_STATUS_REQUEST_ABORTED)));
}

// Sends on a binding whose NdisCloseAdapter is pending fail: NdisSendPackets through
// ProtocolSendComplete with a failure status, NdisSend with a failure status; neither reaches the
// miniport; the send that was outstanding completes normally, then the close.
TEST_F(Seed_2_8, Seed_2_8_SendOnClosingBindingFails) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(4);
    PNDIS_PACKET p0 = pool.build(numbered(adapter.mac, 0));
    PNDIS_PACKET p1 = pool.build(numbered(adapter.mac, 1));
    PNDIS_PACKET p2 = pool.build(numbered(adapter.mac, 2));
    ASSERT_NE(p2, nullptr);
    adapter.decide = [](PNDIS_PACKET) { return NDIS_STATUS_PENDING; };
    binding->send_packets({p0});
    ASSERT_EQ(adapter.sent_count(), 1u);
    EXPECT_EQ(binding->close(), NDIS_STATUS_PENDING) << "a send is outstanding";

    binding->send_packets({p1});
    ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == 1; }));
    auto completes = binding->send_completes();
    EXPECT_EQ(completes[0].first, p1);
    EXPECT_TRUE(failed(completes[0].second)) << std::hex << completes[0].second;
    NDIS_STATUS status = binding->send(p2);
    EXPECT_TRUE(failed(status)) << std::hex << status;
    EXPECT_EQ(adapter.sent_count(), 1u);
    EXPECT_FALSE(binding->close_completed());

    adapter.complete_sends();
    ASSERT_TRUE(binding->wait([&] { return binding->close_completed(); }));
    completes = binding->send_completes();
    ASSERT_EQ(completes.size(), 2u);
    EXPECT_EQ(completes[1], std::make_pair(p0, NDIS_STATUS(NDIS_STATUS_SUCCESS)));
    EXPECT_EQ(binding->close_status(), NDIS_STATUS_SUCCESS);
    auto events = binding->events();
    EXPECT_EQ(events.back(), "close") << "ProtocolCloseAdapterComplete comes after the last send completion";
}

// A packet handed to NdisSend(Packets) again before its completion is not the caller's to send:
// the verifier reports it, the miniport sees it once, the protocol gets one completion.
TEST_F(Seed_2_8, Seed_2_8_PacketSentTwiceWithoutCompletionIsReported) {
    TestAdapter& adapter = test_adapter();
    TestBinding* binding = test_protocol("tproto").bind(host(), adapter.info.device_name);
    ASSERT_NE(binding, nullptr);
    TxPool& pool = tx_pool(1);
    PNDIS_PACKET p = pool.build(numbered(adapter.mac, 0));
    ASSERT_NE(p, nullptr);
    adapter.decide = [](PNDIS_PACKET) { return NDIS_STATUS_PENDING; };
    EXPECT_EQ(binding->send(p), NDIS_STATUS_PENDING);
    NDIS_STATUS again = binding->send(p);
    EXPECT_NE(again, NDIS_STATUS_PENDING);
    EXPECT_NE(again, NDIS_STATUS_SUCCESS);
    EXPECT_EQ(verifier::count(Rule::PacketNotOwned), 1u);
    binding->send_packets({p});
    EXPECT_EQ(verifier::count(Rule::PacketNotOwned), 2u);
    EXPECT_EQ(adapter.sent_count(), 1u);
    EXPECT_EQ(binding->send_complete_count(), 0u);
    adapter.complete_sends();
    ASSERT_TRUE(binding->wait([&] { return binding->send_complete_count() == 1; }));
    EXPECT_EQ(binding->send_completes()[0], std::make_pair(p, NDIS_STATUS(NDIS_STATUS_SUCCESS)));
}

}  // namespace
}  // namespace strata::test::datapath
