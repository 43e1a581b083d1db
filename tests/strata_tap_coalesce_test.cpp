// strata_tap_coalesce_test.cpp — unit tests of strata_tap's receive coalescing rules
// (drivers/strata_tap/coalesce.c; issue 6 deliverable 2, the TCP target of deliverable 6): which
// TCP segments join a run, and the joined frame's headers and virtio_net_hdr, checked against
// checksums computed here the plain RFC 1071 way.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

// Plain C on bytes with no dependencies: the driver's own code, compiled into this test.
#include "strata_tap/coalesce.c"

namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t kAck = 0x10, kPsh = 0x08, kFin = 0x01, kSyn = 0x02, kRst = 0x04, kUrg = 0x20;
constexpr std::uint32_t kMss = 1448;

std::uint16_t get16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
void put16(std::uint8_t* p, unsigned v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
    put16(p, v >> 16);
    put16(p + 2, v & 0xFFFF);
}
std::uint16_t vnet16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

// The textbook one's complement sum, big-endian words, odd byte padded with zero.
std::uint32_t reference_sum(const std::uint8_t* p, std::size_t n, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2) sum += get16(p + i);
    if (n & 1) sum += static_cast<std::uint32_t>(p[n - 1]) << 8;
    return sum;
}
std::uint16_t reference_fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

// A TCP segment over IPv4 (or IPv6) with timestamp options, checksums right unless told.
struct Segment {
    bool ipv6 = false;
    std::uint32_t seq = 1000;
    std::uint32_t ack = 77;
    std::uint16_t sport = 5201, dport = 40000;
    std::uint16_t window = 512;
    std::uint8_t flags = kAck;
    std::uint8_t tos = 0;
    std::uint8_t ttl = 64;
    std::uint32_t tsval = 111;
    std::uint32_t payload = kMss;
    std::uint8_t fill = 0;  // payload bytes are fill + index

    std::uint32_t ip_bytes() const { return ipv6 ? 40 : 20; }
    std::uint32_t tcp_offset() const { return 14 + ip_bytes(); }
    std::uint32_t header_bytes() const { return tcp_offset() + 32; }

    Bytes build() const {
        Bytes f(header_bytes() + payload, 0);
        const std::uint8_t dst[6] = {0x02, 0, 0, 0, 0, 2}, src[6] = {0x02, 0, 0, 0, 0, 1};
        std::memcpy(f.data(), dst, 6);
        std::memcpy(f.data() + 6, src, 6);
        std::uint8_t* ip = f.data() + 14;
        std::uint32_t tcp_length = 32 + payload;
        if (!ipv6) {
            put16(f.data() + 12, 0x0800);
            ip[0] = 0x45;
            ip[1] = tos;
            put16(ip + 2, 20 + tcp_length);
            put16(ip + 4, seq & 0xFFFF);  // the identification varies
            put16(ip + 6, 0x4000);        // DF
            ip[8] = ttl;
            ip[9] = 6;
            const std::uint8_t a[4] = {198, 18, 0, 1}, b[4] = {198, 18, 0, 2};
            std::memcpy(ip + 12, a, 4);
            std::memcpy(ip + 16, b, 4);
            put16(ip + 10, static_cast<std::uint16_t>(~reference_fold(reference_sum(ip, 20))));
        } else {
            put16(f.data() + 12, 0x86DD);
            ip[0] = static_cast<std::uint8_t>(0x60 | tos >> 4);
            ip[1] = static_cast<std::uint8_t>(tos << 4);
            put16(ip + 4, tcp_length);
            ip[6] = 6;
            ip[7] = ttl;
            ip[8] = 0x20;
            ip[9] = 0x01;  // 2001:db8::1 -> 2001:db8::2
            ip[10] = 0x0d;
            ip[11] = 0xb8;
            std::memcpy(ip + 24, ip + 8, 16);
            ip[23] = 1;
            ip[39] = 2;
        }
        std::uint8_t* tcp = f.data() + tcp_offset();
        put16(tcp, sport);
        put16(tcp + 2, dport);
        put32(tcp + 4, seq);
        put32(tcp + 8, ack);
        tcp[12] = 8 << 4;
        tcp[13] = flags;
        put16(tcp + 14, window);
        tcp[20] = 1;
        tcp[21] = 1;
        tcp[22] = 8;
        tcp[23] = 10;
        put32(tcp + 24, tsval);
        put32(tcp + 28, 222);
        for (std::uint32_t i = 0; i < payload; ++i) tcp[32 + i] = static_cast<std::uint8_t>(fill + i);
        put16(tcp + 16, static_cast<std::uint16_t>(~reference_fold(pseudo_sum(f.data(), tcp_length) +
                                                                   reference_sum(tcp, tcp_length))));
        return f;
    }

    std::uint32_t pseudo_sum(const std::uint8_t* frame, std::uint32_t tcp_length) const {
        std::uint32_t sum = ipv6 ? reference_sum(frame + 22, 32) : reference_sum(frame + 26, 8);
        return sum + 6 + tcp_length;
    }
};

// A parsed frame kept with its bytes.
struct Parsed {
    Bytes frame;
    stap_gro_segment seg{};
    bool ok = false;
};

Parsed parse(const Bytes& frame) {
    Parsed p{frame};
    p.ok = stap_gro_parse(p.frame.data(), static_cast<std::uint32_t>(p.frame.size()),
                          static_cast<std::uint32_t>(p.frame.size()), &p.seg) != 0;
    return p;
}

Parsed parse(const Segment& s) { return parse(s.build()); }

// The next segment of a flow after `s`.
Segment next(Segment s, std::uint32_t payload = kMss) {
    s.seq += s.payload;
    s.fill = static_cast<std::uint8_t>(s.fill + s.payload);
    s.payload = payload;
    return s;
}

TEST(StapCoalesceParse, AcceptsAckSegmentsWithPayload) {
    Parsed p = parse(Segment{});
    ASSERT_TRUE(p.ok);
    EXPECT_EQ(p.seg.header_bytes, 14 + 20 + 32);
    EXPECT_EQ(p.seg.tcp_offset, 34);
    EXPECT_EQ(p.seg.seq, 1000u);
    EXPECT_EQ(p.seg.payload, kMss);
    EXPECT_EQ(p.seg.ipv6, 0);
    Segment psh;
    psh.flags = kAck | kPsh;
    EXPECT_TRUE(parse(psh).ok);
    Segment v6;
    v6.ipv6 = true;
    Parsed q = parse(v6);
    ASSERT_TRUE(q.ok);
    EXPECT_EQ(q.seg.header_bytes, 14 + 40 + 32);
    EXPECT_EQ(q.seg.ipv6, 1);
}

TEST(StapCoalesceParse, RefusesWhatMustNotJoin) {
    for (std::uint8_t flags : {std::uint8_t(kAck | kFin), std::uint8_t(kSyn), std::uint8_t(kAck | kSyn),
                               std::uint8_t(kAck | kRst), std::uint8_t(kAck | kUrg), std::uint8_t(0)}) {
        Segment s;
        s.flags = flags;
        EXPECT_FALSE(parse(s).ok) << "flags " << unsigned{flags};
    }
    Segment empty;
    empty.payload = 0;
    EXPECT_FALSE(parse(empty).ok) << "a pure ACK";

    Bytes fragment = Segment{}.build();
    put16(fragment.data() + 14 + 6, 0x2000);  // MF
    EXPECT_FALSE(parse(fragment).ok);
    Bytes bad_ip_sum = Segment{}.build();
    bad_ip_sum[14 + 10] ^= 1;
    EXPECT_FALSE(parse(bad_ip_sum).ok);
    Bytes udp = Segment{}.build();
    udp[14 + 9] = 17;
    EXPECT_FALSE(parse(udp).ok);
    Bytes options = Segment{}.build();
    options[14] = 0x46;
    EXPECT_FALSE(parse(options).ok) << "IPv4 options";
    Bytes padded = Segment{}.build();
    padded.push_back(0);
    EXPECT_FALSE(parse(padded).ok) << "bytes after the IP packet";
    Segment v6;
    v6.ipv6 = true;
    Bytes extension = v6.build();
    extension[14 + 6] = 0;  // hop-by-hop options first
    EXPECT_FALSE(parse(extension).ok);

    Bytes frame = Segment{}.build();
    stap_gro_segment seg{};
    EXPECT_EQ(stap_gro_parse(frame.data(), 60, static_cast<std::uint32_t>(frame.size()), &seg), 0)
        << "headers beyond the contiguous part";
}

TEST(StapCoalesceSum, MatchesTheTextbookSumInAnyPieces) {
    std::mt19937 random(6);
    Bytes data(3001);
    for (auto& b : data) b = static_cast<std::uint8_t>(random());
    for (std::size_t length : {0u, 1u, 2u, 3u, 7u, 8u, 9u, 15u, 64u, 1448u, 3001u})
        EXPECT_EQ(stap_gro_sum(data.data(), length), reference_fold(reference_sum(data.data(), length)))
            << length << " bytes";
    // Split at odd places: pieces that start at odd offsets are swapped before they are added.
    std::uint16_t sum = 0;
    bool odd = false;
    std::size_t at = 0;
    for (std::size_t piece : {5u, 100u, 1u, 1u, 333u, 2561u}) {
        std::uint16_t part = stap_gro_sum(data.data() + at, piece);
        sum = stap_gro_add(sum, odd ? stap_gro_swap(part) : part);
        odd ^= (piece & 1) != 0;
        at += piece;
    }
    ASSERT_EQ(at, data.size());
    EXPECT_EQ(sum, reference_fold(reference_sum(data.data(), data.size())));
}

TEST(StapCoalesceSum, TcpValidCatchesACorruptPayload) {
    Parsed p = parse(Segment{});
    ASSERT_TRUE(p.ok);
    const std::uint8_t* payload = p.frame.data() + p.seg.header_bytes;
    EXPECT_TRUE(stap_gro_tcp_valid(p.frame.data(), &p.seg, stap_gro_sum(payload, p.seg.payload)));
    Bytes corrupt(payload, payload + p.seg.payload);
    corrupt[700] ^= 0x40;
    EXPECT_FALSE(stap_gro_tcp_valid(p.frame.data(), &p.seg, stap_gro_sum(corrupt.data(), p.seg.payload)));
    Segment v6;
    v6.ipv6 = true;
    Parsed q = parse(v6);
    ASSERT_TRUE(q.ok);
    EXPECT_TRUE(stap_gro_tcp_valid(q.frame.data(), &q.seg, stap_gro_sum(q.frame.data() + q.seg.header_bytes, kMss)));
}

// Starts a run with `first` and tells whether `second` joins it.
bool joins(const Segment& first, const Segment& second) {
    Parsed a = parse(first), b = parse(second);
    EXPECT_TRUE(a.ok);
    EXPECT_TRUE(b.ok);
    stap_gro_run run{};
    stap_gro_start(&run, a.frame.data(), &a.seg);
    return stap_gro_joins(&run, b.frame.data(), &b.seg) != 0;
}

TEST(StapCoalesceRun, ContiguousSegmentsOfOneFlowJoin) {
    Segment s;
    EXPECT_TRUE(joins(s, next(s)));
    EXPECT_TRUE(joins(s, next(s, 100))) << "a shorter last segment";
    Segment v6;
    v6.ipv6 = true;
    EXPECT_TRUE(joins(v6, next(v6)));
}

TEST(StapCoalesceRun, OtherSegmentsDoNotJoin) {
    Segment s;
    Segment gap = next(s);
    gap.seq += 1;
    EXPECT_FALSE(joins(s, gap)) << "a gap in the sequence";
    Segment back = s;
    EXPECT_FALSE(joins(s, back)) << "a retransmission";
    Segment port = next(s);
    port.dport = 40001;
    EXPECT_FALSE(joins(s, port)) << "another flow";
    Segment sport = next(s);
    sport.sport = 5202;
    EXPECT_FALSE(joins(s, sport)) << "another flow";
    Segment ack = next(s);
    ack.ack += 1;
    EXPECT_FALSE(joins(s, ack)) << "another acknowledgement";
    Segment window = next(s);
    window.window += 1;
    EXPECT_FALSE(joins(s, window)) << "another window";
    Segment options = next(s);
    options.tsval += 1;
    EXPECT_FALSE(joins(s, options)) << "other option bytes";
    Segment tos = next(s);
    tos.tos = 0x03;
    EXPECT_FALSE(joins(s, tos)) << "CE marked";
    Segment ttl = next(s);
    ttl.ttl = 63;
    EXPECT_FALSE(joins(s, ttl));
    Segment longer = next(s, kMss + 1);
    EXPECT_FALSE(joins(s, longer)) << "longer than the first";
    Segment v6 = next(s);
    v6.ipv6 = true;
    EXPECT_FALSE(joins(s, v6));
    Bytes mac = next(s).build();
    mac[5] ^= 1;
    Parsed first = parse(s), other = parse(mac);
    stap_gro_run run{};
    stap_gro_start(&run, first.frame.data(), &first.seg);
    EXPECT_EQ(stap_gro_joins(&run, other.frame.data(), &other.seg), 0) << "another Ethernet header";
}

TEST(StapCoalesceRun, PshAndShortSegmentsEndTheRun) {
    Segment s;
    Parsed a = parse(s);
    stap_gro_run run{};
    stap_gro_start(&run, a.frame.data(), &a.seg);
    EXPECT_EQ(run.closed, 0);
    Segment psh = next(s);
    psh.flags = kAck | kPsh;
    Parsed b = parse(psh);
    ASSERT_TRUE(stap_gro_joins(&run, b.frame.data(), &b.seg));
    EXPECT_EQ(stap_gro_append(&run, &b.seg), 1) << "PSH ends the run";
    Parsed c = parse(next(psh));
    EXPECT_EQ(stap_gro_joins(&run, c.frame.data(), &c.seg), 0);

    stap_gro_run short_run{};
    stap_gro_start(&short_run, a.frame.data(), &a.seg);
    Segment middle = next(s, 1000);
    Parsed m = parse(middle);
    ASSERT_TRUE(stap_gro_joins(&short_run, m.frame.data(), &m.seg));
    EXPECT_EQ(stap_gro_append(&short_run, &m.seg), 1) << "a short segment is the last";
    Parsed after = parse(next(middle));
    EXPECT_EQ(stap_gro_joins(&short_run, after.frame.data(), &after.seg), 0) << "no short segment in the middle";

    Parsed alone = parse(psh);
    stap_gro_run closed{};
    stap_gro_start(&closed, alone.frame.data(), &alone.seg);
    EXPECT_EQ(closed.closed, 1) << "a PSH segment alone is a run of one";
}

TEST(StapCoalesceRun, RunsStopAtTheIpLengthAndTheSegmentCap) {
    Segment s;
    Parsed a = parse(s);
    stap_gro_run run{};
    stap_gro_start(&run, a.frame.data(), &a.seg);
    int closed = 0;
    while (!closed) {
        s = next(s);
        Parsed p = parse(s);
        ASSERT_TRUE(stap_gro_joins(&run, p.frame.data(), &p.seg)) << run.segments;
        closed = stap_gro_append(&run, &p.seg);
    }
    // 20 + 32 + 45 * 1448 = 65212: a 46th segment would pass 65535.
    EXPECT_EQ(run.segments, 45u);
    EXPECT_LE(20 + 32 + run.payload, 65535u);

    Segment small;
    small.payload = 100;
    Parsed b = parse(small);
    stap_gro_run many{};
    stap_gro_start(&many, b.frame.data(), &b.seg);
    closed = 0;
    while (!closed) {
        small = next(small, 100);
        Parsed p = parse(small);
        ASSERT_TRUE(stap_gro_joins(&many, p.frame.data(), &p.seg)) << many.segments;
        closed = stap_gro_append(&many, &p.seg);
    }
    EXPECT_EQ(many.segments, static_cast<std::uint32_t>(STAP_GRO_MAX_SEGMENTS));
}

// Joins the segments and checks the frame Linux gets: its headers, vnet header and checksums.
void check_joined(std::vector<Segment> segments) {
    std::vector<Parsed> parsed;
    for (const Segment& s : segments) parsed.push_back(parse(s));
    stap_gro_run run{};
    stap_gro_start(&run, parsed[0].frame.data(), &parsed[0].seg);
    for (std::size_t i = 1; i < parsed.size(); ++i) {
        ASSERT_TRUE(stap_gro_joins(&run, parsed[i].frame.data(), &parsed[i].seg)) << i;
        stap_gro_append(&run, &parsed[i].seg);
    }
    std::uint8_t vnet[STAP_GRO_VNET_BYTES];
    std::uint32_t length = stap_gro_finish(&run, vnet);
    const Segment& first = segments[0];
    std::uint32_t payload = 0;
    for (const Segment& s : segments) payload += s.payload;
    ASSERT_EQ(length, first.header_bytes() + payload);

    Bytes joined(run.header, run.header + first.header_bytes());
    for (const Parsed& p : parsed)
        joined.insert(joined.end(), p.frame.begin() + p.seg.header_bytes, p.frame.end());
    const std::uint8_t* ip = joined.data() + 14;
    const std::uint8_t* tcp = joined.data() + first.tcp_offset();
    std::uint32_t tcp_length = length - first.tcp_offset();

    EXPECT_EQ(vnet[0], STAP_GRO_VNET_F_NEEDS_CSUM);
    EXPECT_EQ(vnet[1], first.ipv6 ? STAP_GRO_VNET_GSO_TCPV6 : STAP_GRO_VNET_GSO_TCPV4);
    EXPECT_EQ(vnet16(vnet + 2), first.header_bytes()) << "hdr_len";
    EXPECT_EQ(vnet16(vnet + 4), first.payload) << "gso_size";
    EXPECT_EQ(vnet16(vnet + 6), first.tcp_offset()) << "csum_start";
    EXPECT_EQ(vnet16(vnet + 8), 16) << "csum_offset";
    if (!first.ipv6) {
        EXPECT_EQ(get16(ip + 2), length - 14);
        EXPECT_EQ(reference_fold(reference_sum(ip, 20)), 0xFFFF) << "IPv4 header checksum";
    } else {
        EXPECT_EQ(get16(ip + 4), tcp_length);
    }
    EXPECT_EQ(tcp[13], segments.back().flags) << "the last segment's PSH";
    // The field holds the pseudo-header sum with the new length, not complemented...
    EXPECT_EQ(get16(tcp + 16), reference_fold(first.pseudo_sum(joined.data(), tcp_length)));
    // ...so Linux's sum over the TCP segment from csum_start gives the joined segment's checksum.
    Bytes check = joined;
    put16(check.data() + first.tcp_offset() + 16, 0);
    std::uint16_t expected = static_cast<std::uint16_t>(
        ~reference_fold(first.pseudo_sum(check.data(), tcp_length) +
                        reference_sum(check.data() + first.tcp_offset(), tcp_length)));
    std::uint16_t linux_way =
        static_cast<std::uint16_t>(~reference_fold(reference_sum(joined.data() + first.tcp_offset(), tcp_length)));
    EXPECT_EQ(linux_way, expected);
    // The payload is every segment's, in order.
    for (std::uint32_t i = 0; i < payload; ++i)
        ASSERT_EQ(joined[first.header_bytes() + i], static_cast<std::uint8_t>(first.fill + i)) << i;
}

TEST(StapCoalesceFinish, JoinedIpv4FrameIsAGsoFrameLinuxAccepts) {
    Segment a;
    Segment b = next(a);
    Segment c = next(b, 600);
    c.flags = kAck | kPsh;
    check_joined({a, b, c});
}

TEST(StapCoalesceFinish, JoinedIpv6FrameIsAGsoFrameLinuxAccepts) {
    Segment a;
    a.ipv6 = true;
    Segment b = next(a);
    check_joined({a, b, next(b)});
}

TEST(StapCoalesceFinish, ARunOfOneIsTheFrameAsItCame) {
    Segment s;
    s.flags = kAck | kPsh;
    Parsed p = parse(s);
    stap_gro_run run{};
    stap_gro_start(&run, p.frame.data(), &p.seg);
    std::uint8_t vnet[STAP_GRO_VNET_BYTES];
    std::memset(vnet, 0xAA, sizeof vnet);
    EXPECT_EQ(stap_gro_finish(&run, vnet), p.frame.size());
    for (std::uint8_t b : vnet) EXPECT_EQ(b, 0);
    EXPECT_EQ(std::memcmp(run.header, p.frame.data(), p.seg.header_bytes), 0);
}

}  // namespace
