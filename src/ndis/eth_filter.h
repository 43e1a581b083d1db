// eth_filter.h — NDIS's Ethernet filter library for one open (seed 003 §2.7; DESIGN "Packets"):
// the open's OID_GEN_CURRENT_PACKET_FILTER, OID_802_3_MULTICAST_LIST and lookahead, and the
// per-frame decision whether this open sees a frame. Inline: it runs once per frame per open.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <span>

#include <ndis.h>

namespace strata::ndis {

using MacAddress = std::array<std::uint8_t, ETH_LENGTH_OF_ADDRESS>;

inline constexpr std::size_t kEthHeaderSize = 14;
inline constexpr std::size_t kMaxFrameSize = 1514;
inline constexpr std::size_t kMaxMulticastAddresses = 32;

class EthFilter {
public:
    // The bits an Ethernet miniport can honour; others make the set fail with NOT_SUPPORTED.
    static constexpr ULONG kSupportedBits = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_MULTICAST |
        NDIS_PACKET_TYPE_ALL_MULTICAST | NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_PROMISCUOUS |
        NDIS_PACKET_TYPE_ALL_LOCAL;

    ULONG packet_filter() const noexcept { return packet_filter_.load(std::memory_order_relaxed); }
    void set_packet_filter(ULONG bits) noexcept { packet_filter_.store(bits, std::memory_order_release); }

    // Multicast list changes are rare and happen at PASSIVE_LEVEL through NdisRequest; readers
    // on the data path tolerate seeing the old or new list (as on Windows during the set).
    std::span<const MacAddress> multicast() const noexcept { return {multicast_.data(), multicast_count_}; }
    void set_multicast(std::span<const MacAddress> list) noexcept {
        multicast_count_ = 0;
        for (const auto& a : list) multicast_[multicast_count_++] = a;
    }

    // Does an open with this filter receive a frame addressed to `destination` on an adapter
    // whose current address is `station`?
    bool accepts(const std::uint8_t* destination, const MacAddress& station) const noexcept {
        ULONG bits = packet_filter();
        if (bits == 0) return false;
        if (bits & (NDIS_PACKET_TYPE_PROMISCUOUS | NDIS_PACKET_TYPE_ALL_LOCAL)) return true;
        if (destination[0] & 1) {
            if (is_broadcast(destination)) return (bits & NDIS_PACKET_TYPE_BROADCAST) != 0;
            if (bits & NDIS_PACKET_TYPE_ALL_MULTICAST) return true;
            if (!(bits & NDIS_PACKET_TYPE_MULTICAST)) return false;
            for (std::size_t i = 0; i < multicast_count_; ++i)
                if (std::memcmp(multicast_[i].data(), destination, ETH_LENGTH_OF_ADDRESS) == 0) return true;
            return false;
        }
        return (bits & NDIS_PACKET_TYPE_DIRECTED) &&
               std::memcmp(station.data(), destination, ETH_LENGTH_OF_ADDRESS) == 0;
    }

    static bool is_broadcast(const std::uint8_t* a) noexcept {
        return (a[0] & a[1] & a[2] & a[3] & a[4] & a[5]) == 0xFF;
    }

private:
    std::atomic<ULONG> packet_filter_{0};
    std::array<MacAddress, kMaxMulticastAddresses> multicast_{};
    std::size_t multicast_count_ = 0;
};

}  // namespace strata::ndis
