// pcapng_writer.cpp — see pcapng_writer.h.
#include "host/pcapng_writer.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace strata::host::pcapng {
namespace {

std::uint64_t to_units(std::uint64_t ns, TimeResolution resolution) {
    return resolution == TimeResolution::Nanoseconds ? ns : ns / 1000;
}

std::uint32_t read_u32(std::span<const std::uint8_t> data, std::size_t offset) {
    std::uint32_t value;
    std::memcpy(&value, data.data() + offset, sizeof value);
    return value;
}

std::uint16_t read_u16(std::span<const std::uint8_t> data, std::size_t offset) {
    std::uint16_t value;
    std::memcpy(&value, data.data() + offset, sizeof value);
    return value;
}

constexpr std::size_t pad4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace

std::size_t Writer::begin_block(std::uint32_t type) {
    std::size_t start = out_.size();
    u32(type);
    u32(0);  // Block Total Length, known at end_block()
    return start;
}

void Writer::end_block(std::size_t start) {
    auto length = static_cast<std::uint32_t>(out_.size() - start + 4);
    u32(length);
    std::memcpy(out_.data() + start + 4, &length, sizeof length);
}

void Writer::u16(std::uint16_t value) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
    out_.insert(out_.end(), p, p + sizeof value);
}

void Writer::u32(std::uint32_t value) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
    out_.insert(out_.end(), p, p + sizeof value);
}

void Writer::timestamp(std::uint64_t units) {
    u32(static_cast<std::uint32_t>(units >> 32));
    u32(static_cast<std::uint32_t>(units));
}

void Writer::bytes(std::span<const std::uint8_t> data) {
    out_.insert(out_.end(), data.begin(), data.end());
    out_.resize(out_.size() + (pad4(data.size()) - data.size()), 0);
}

void Writer::option(std::uint16_t code, std::span<const std::uint8_t> value) {
    u16(code);
    u16(static_cast<std::uint16_t>(value.size()));
    bytes(value);
}

void Writer::option(std::uint16_t code, std::string_view text) {
    option(code, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), std::min<std::size_t>(text.size(), 0xFFFC)));
}

void Writer::end_of_options() {
    u16(kOptEndOfOpt);
    u16(0);
}

void Writer::section_header(std::string_view os, std::string_view application) {
    std::size_t start = begin_block(kSectionHeaderBlock);
    u32(kByteOrderMagic);
    u16(1);  // Major Version
    u16(0);  // Minor Version
    u32(0xFFFFFFFF);  // Section Length -1: not specified (the file grows while we write it)
    u32(0xFFFFFFFF);
    option(kShbOs, os);
    option(kShbUserAppl, application);
    end_of_options();
    end_block(start);
}

void Writer::interface_description(std::string_view name, std::string_view description, std::uint32_t snaplen,
                                   TimeResolution resolution) {
    std::size_t start = begin_block(kInterfaceDescriptionBlock);
    u16(kLinkTypeEthernet);
    u16(0);  // Reserved
    u32(snaplen);
    option(kIfName, name);
    option(kIfDescription, description);
    const std::uint8_t tsresol = static_cast<std::uint8_t>(resolution);
    option(kIfTsresol, std::span(&tsresol, 1));
    end_of_options();
    end_block(start);
}

// The one block written per frame: laid out in place with one resize instead of field by field.
void Writer::enhanced_packet(std::uint32_t interface_id, TimeResolution resolution, std::uint64_t timestamp_ns,
                             std::span<const std::uint8_t> data, std::uint32_t original_length, std::uint32_t flags) {
    const std::size_t padded = pad4(data.size());
    const auto length = static_cast<std::uint32_t>(28 + padded + 12 + 4);  // fields, data, epb_flags + end, length
    const std::uint64_t units = to_units(timestamp_ns, resolution);
    const std::uint32_t head[7] = {kEnhancedPacketBlock,
                                   length,
                                   interface_id,
                                   static_cast<std::uint32_t>(units >> 32),
                                   static_cast<std::uint32_t>(units),
                                   static_cast<std::uint32_t>(data.size()),
                                   original_length};
    struct {
        std::uint16_t code = kEpbFlags, size = 4;
        std::uint32_t flags;
        std::uint16_t end = kOptEndOfOpt, end_size = 0;
        std::uint32_t length;
    } tail;
    static_assert(sizeof tail == 16);
    tail.flags = flags;
    tail.length = length;
    std::size_t at = out_.size();
    out_.resize(at + length);
    std::uint8_t* p = out_.data() + at;
    std::memcpy(p, head, sizeof head);
    if (!data.empty()) std::memcpy(p + sizeof head, data.data(), data.size());
    std::memset(p + sizeof head + data.size(), 0, padded - data.size());
    std::memcpy(p + sizeof head + padded, &tail, sizeof tail);
}

void Writer::interface_statistics(std::uint32_t interface_id, TimeResolution resolution, const Statistics& statistics) {
    std::size_t start = begin_block(kInterfaceStatisticsBlock);
    u32(interface_id);
    timestamp(to_units(statistics.end_ns, resolution));
    auto time_option = [&](std::uint16_t code, std::uint64_t ns) {
        std::uint64_t units = to_units(ns, resolution);
        std::uint32_t halves[2] = {static_cast<std::uint32_t>(units >> 32), static_cast<std::uint32_t>(units)};
        option(code, std::span(reinterpret_cast<const std::uint8_t*>(halves), sizeof halves));
    };
    auto counter_option = [&](std::uint16_t code, std::uint64_t value) {
        option(code, std::span(reinterpret_cast<const std::uint8_t*>(&value), sizeof value));
    };
    time_option(kIsbStartTime, statistics.start_ns);
    time_option(kIsbEndTime, statistics.end_ns);
    counter_option(kIsbIfRecv, statistics.received);
    counter_option(kIsbIfDrop, statistics.dropped);
    counter_option(kIsbUsrDeliv, statistics.delivered);
    end_of_options();
    end_block(start);
}

std::size_t complete_block(std::span<const std::uint8_t> data) {
    if (data.size() < 8) return 0;
    std::uint32_t length = read_u32(data, 4);
    if (length < 12 || length % 4 != 0) throw FormatError("pcapng block with impossible length " + std::to_string(length));
    if (data.size() < length) return 0;
    if (read_u32(data, length - 4) != length) throw FormatError("pcapng block whose trailing length differs");
    return length;
}

std::uint32_t block_type(std::span<const std::uint8_t> block) { return read_u32(block, 0); }

std::optional<std::uint64_t> statistics_counter(std::span<const std::uint8_t> block, std::uint16_t code) {
    if (block_type(block) != kInterfaceStatisticsBlock) return std::nullopt;
    std::size_t offset = 20;  // type, length, interface id, timestamp
    const std::size_t end = block.size() - 4;
    while (offset + 4 <= end) {
        std::uint16_t option = read_u16(block, offset);
        std::uint16_t length = read_u16(block, offset + 2);
        if (option == kOptEndOfOpt || offset + 4 + length > end) break;
        if (option == code && length == 8) {
            std::uint64_t value;
            std::memcpy(&value, block.data() + offset + 4, sizeof value);
            return value;
        }
        offset += 4 + pad4(length);
    }
    return std::nullopt;
}

}  // namespace strata::host::pcapng
