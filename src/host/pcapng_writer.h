// pcapng_writer.h — the pcapng file format for `strata capture` (issue 6 "Capture"), written by
// hand after the PCAP Next Generation specification (IETF draft-ietf-opsawg-pcapng): a Section
// Header Block, one Interface Description Block per captured edge, Enhanced Packet Blocks with
// the direction in epb_flags, and Interface Statistics Blocks at the end. Blocks are appended to a
// byte buffer in host byte order (the byte-order magic tells readers which); every block and
// option is padded to 32 bits and carries its total length at both ends.
//
// The reading side is only what `strata capture` needs from a stream this writer produced:
// where a block ends, its type, and an Interface Statistics Block's counters.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace strata::host::pcapng {

inline constexpr std::uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
inline constexpr std::uint32_t kInterfaceDescriptionBlock = 0x00000001;
inline constexpr std::uint32_t kInterfaceStatisticsBlock = 0x00000005;
inline constexpr std::uint32_t kEnhancedPacketBlock = 0x00000006;
inline constexpr std::uint32_t kByteOrderMagic = 0x1A2B3C4D;
inline constexpr std::uint16_t kLinkTypeEthernet = 1;  // LINKTYPE_ETHERNET

// epb_flags bits 0-1: the packet's direction.
inline constexpr std::uint32_t kFlagInbound = 1;
inline constexpr std::uint32_t kFlagOutbound = 2;

// Option codes this writer emits.
inline constexpr std::uint16_t kOptEndOfOpt = 0;
inline constexpr std::uint16_t kShbOs = 3;
inline constexpr std::uint16_t kShbUserAppl = 4;
inline constexpr std::uint16_t kIfName = 2;
inline constexpr std::uint16_t kIfDescription = 3;
inline constexpr std::uint16_t kIfTsresol = 9;
inline constexpr std::uint16_t kEpbFlags = 2;
inline constexpr std::uint16_t kIsbStartTime = 2;
inline constexpr std::uint16_t kIsbEndTime = 3;
inline constexpr std::uint16_t kIsbIfRecv = 4;
inline constexpr std::uint16_t kIsbIfDrop = 5;
inline constexpr std::uint16_t kIsbUsrDeliv = 8;

// if_tsresol: 10^-6 (the format's default) or 10^-9 seconds per timestamp unit.
enum class TimeResolution : std::uint8_t { Microseconds = 6, Nanoseconds = 9 };

// Timestamps are given in nanoseconds since the epoch and stored in the interface's resolution.
class Writer {
public:
    explicit Writer(std::vector<std::uint8_t>& out) : out_(out) {}

    void section_header(std::string_view os, std::string_view application);
    void interface_description(std::string_view name, std::string_view description, std::uint32_t snaplen,
                               TimeResolution resolution);
    void enhanced_packet(std::uint32_t interface_id, TimeResolution resolution, std::uint64_t timestamp_ns,
                         std::span<const std::uint8_t> data, std::uint32_t original_length, std::uint32_t flags);
    struct Statistics {
        std::uint64_t start_ns = 0, end_ns = 0;
        std::uint64_t received = 0;   // isb_ifrecv: frames that crossed the edge
        std::uint64_t dropped = 0;    // isb_ifdrop: lost because the capture buffer was full
        std::uint64_t delivered = 0;  // isb_usrdeliv: written to this file
    };
    void interface_statistics(std::uint32_t interface_id, TimeResolution resolution, const Statistics& statistics);

private:
    std::size_t begin_block(std::uint32_t type);
    void end_block(std::size_t start);
    void u16(std::uint16_t value);
    void u32(std::uint32_t value);
    void timestamp(std::uint64_t units);  // upper 32 bits, then lower 32 bits
    void bytes(std::span<const std::uint8_t> data);  // padded to 32 bits
    void option(std::uint16_t code, std::span<const std::uint8_t> value);
    void option(std::uint16_t code, std::string_view text);
    void end_of_options();

    std::vector<std::uint8_t>& out_;
};

// A stream that is not pcapng as Writer writes it.
class FormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The length of the whole block at the start of `data`, or 0 when `data` holds less than one
// block. Throws FormatError for an impossible length or mismatched trailing length.
std::size_t complete_block(std::span<const std::uint8_t> data);
// The type of a complete block.
std::uint32_t block_type(std::span<const std::uint8_t> block);
// A 64-bit counter option (isb_ifrecv, isb_ifdrop, ...) of an Interface Statistics Block.
std::optional<std::uint64_t> statistics_counter(std::span<const std::uint8_t> block, std::uint16_t code);

}  // namespace strata::host::pcapng
