/* coalesce.c — the rules of strata_tap's receive coalescing: parsing a received TCP segment,
 * deciding whether it joins the current run, and the joined frame's headers and virtio_net_hdr
 * (issue 6 deliverable 2, the TCP target of deliverable 6; coalesce.h says which cases join).
 * Plain C on bytes, so its unit test compiles this very file. */
#include "coalesce.h"

#include <string.h>

#define STAP_GRO_ETH          14
#define STAP_GRO_IPV4_BYTES   20
#define STAP_GRO_IPV6_BYTES   40
#define STAP_GRO_TCP_MIN      20
#define STAP_GRO_PROTO_TCP    6
#define STAP_GRO_TCP_PSH      0x08
#define STAP_GRO_TCP_ACK      0x10
#define STAP_GRO_TCP_CHECK    16
#define STAP_GRO_IP_MAX       65535 /* IPv4 total length, IPv6 payload length */

static uint16_t stap_gro_get16(const uint8_t *at) { return (uint16_t)((at[0] << 8) | at[1]); }

static uint32_t stap_gro_get32(const uint8_t *at)
{
    return ((uint32_t)at[0] << 24) | ((uint32_t)at[1] << 16) | ((uint32_t)at[2] << 8) | at[3];
}

static void stap_gro_put16(uint8_t *at, uint16_t value)
{
    at[0] = (uint8_t)(value >> 8);
    at[1] = (uint8_t)value;
}

/* The vnet header's fields are in the host's byte order (a legacy virtio header; x86-64 and
 * arm64 Linux are little-endian). */
static void stap_gro_put_vnet16(uint8_t *at, uint16_t value)
{
    at[0] = (uint8_t)value;
    at[1] = (uint8_t)(value >> 8);
}

static uint16_t stap_gro_fold(uint64_t sum)
{
    sum = (sum & 0xFFFFFFFFu) + (sum >> 32);
    sum = (sum & 0xFFFFFFFFu) + (sum >> 32);
    sum = (sum & 0xFFFFu) + (sum >> 16);
    sum = (sum & 0xFFFFu) + (sum >> 16);
    sum = (sum & 0xFFFFu) + (sum >> 16);
    return (uint16_t)sum;
}

uint16_t stap_gro_add(uint16_t a, uint16_t b)
{
    uint32_t sum = (uint32_t)a + b;

    return (uint16_t)((sum & 0xFFFFu) + (sum >> 16));
}

uint16_t stap_gro_swap(uint16_t sum) { return (uint16_t)((sum >> 8) | (sum << 8)); }

/* Words are added in the host's byte order, eight bytes at a time with the carry wrapped around;
 * the one's complement sum does not depend on byte order except for one swap at the end. This is
 * the per-segment cost when the adapter did not check the TCP checksum, so it is kept fast. */
uint16_t stap_gro_sum(const void *data, size_t length)
{
    const uint8_t *p = (const uint8_t *)data;
    uint64_t sum = 0;
    uint16_t folded;

    while (length >= 8) {
        uint64_t word;

        memcpy(&word, p, 8);
        sum += word;
        sum += sum < word;
        p += 8;
        length -= 8;
    }
    if (length >= 4) {
        uint32_t word;

        memcpy(&word, p, 4);
        sum += word;
        sum += sum < word;
        p += 4;
        length -= 4;
    }
    if (length >= 2) {
        uint16_t word;

        memcpy(&word, p, 2);
        sum += word;
        sum += sum < word;
        p += 2;
        length -= 2;
    }
    if (length != 0) {
        /* The last byte is the high half of a big-endian word whose low half is zero. */
        uint16_t word = 0;

        memcpy(&word, p, 1);
        sum += word;
        sum += sum < word;
    }
    folded = stap_gro_fold(sum);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    folded = stap_gro_swap(folded);
#endif
    return folded;
}

int stap_gro_parse(const uint8_t *frame, uint32_t contiguous, uint32_t length, struct stap_gro_segment *seg)
{
    const uint8_t *ip = frame + STAP_GRO_ETH;
    const uint8_t *tcp;
    uint32_t ip_bytes, tcp_bytes;
    uint16_t type;

    if (contiguous > length)
        contiguous = length;
    if (contiguous < STAP_GRO_ETH + STAP_GRO_IPV4_BYTES + STAP_GRO_TCP_MIN)
        return 0;
    type = stap_gro_get16(frame + 12);
    if (type == 0x0800) {
        /* Version 4, no options; not a fragment (MF clear, offset 0); the length exact, so
         * Ethernet padding never ends up inside a joined payload. */
        if (ip[0] != 0x45 || ip[9] != STAP_GRO_PROTO_TCP || (stap_gro_get16(ip + 6) & 0x3FFF) != 0 ||
            stap_gro_get16(ip + 2) != length - STAP_GRO_ETH || stap_gro_sum(ip, STAP_GRO_IPV4_BYTES) != 0xFFFF)
            return 0;
        ip_bytes = STAP_GRO_IPV4_BYTES;
        seg->ipv6 = 0;
    } else if (type == 0x86DD) {
        /* No extension headers: TCP follows at once. A payload length of 0 (a jumbogram) fails
         * the length comparison. */
        if (contiguous < STAP_GRO_ETH + STAP_GRO_IPV6_BYTES + STAP_GRO_TCP_MIN || (ip[0] >> 4) != 6 ||
            ip[6] != STAP_GRO_PROTO_TCP || stap_gro_get16(ip + 4) != length - STAP_GRO_ETH - STAP_GRO_IPV6_BYTES)
            return 0;
        ip_bytes = STAP_GRO_IPV6_BYTES;
        seg->ipv6 = 1;
    } else {
        return 0;
    }
    tcp = ip + ip_bytes;
    tcp_bytes = (uint32_t)(tcp[12] >> 4) * 4;
    /* Reserved bits and AE clear; ACK alone, or with PSH; some payload after the header. */
    if (tcp_bytes < STAP_GRO_TCP_MIN || (tcp[12] & 0x0F) != 0 || (tcp[13] & ~STAP_GRO_TCP_PSH) != STAP_GRO_TCP_ACK ||
        STAP_GRO_ETH + ip_bytes + tcp_bytes > contiguous || STAP_GRO_ETH + ip_bytes + tcp_bytes >= length)
        return 0;
    seg->tcp_offset = (uint16_t)(STAP_GRO_ETH + ip_bytes);
    seg->header_bytes = (uint16_t)(STAP_GRO_ETH + ip_bytes + tcp_bytes);
    seg->flags = tcp[13];
    seg->seq = stap_gro_get32(tcp + 4);
    seg->payload = length - seg->header_bytes;
    return 1;
}

/* The pseudo-header's sum for a TCP segment of tcp_length bytes (RFC 793, RFC 8200 §8.1). */
static uint16_t stap_gro_pseudo(const uint8_t *frame, int ipv6, uint32_t tcp_length)
{
    uint16_t sum = ipv6 ? stap_gro_sum(frame + STAP_GRO_ETH + 8, 32) : stap_gro_sum(frame + STAP_GRO_ETH + 12, 8);

    sum = stap_gro_add(sum, STAP_GRO_PROTO_TCP);
    return stap_gro_add(sum, (uint16_t)tcp_length);
}

int stap_gro_tcp_valid(const uint8_t *frame, const struct stap_gro_segment *seg, uint16_t payload_sum)
{
    uint32_t tcp_bytes = (uint32_t)seg->header_bytes - seg->tcp_offset;
    uint16_t sum = stap_gro_pseudo(frame, seg->ipv6, tcp_bytes + seg->payload);

    sum = stap_gro_add(sum, stap_gro_sum(frame + seg->tcp_offset, tcp_bytes));
    return stap_gro_add(sum, payload_sum) == 0xFFFF;
}

/* The IP length field's value were the run to hold `payload` bytes. */
static uint32_t stap_gro_ip_length(const struct stap_gro_run *run, uint32_t payload)
{
    uint32_t headers = (uint32_t)run->first.header_bytes - STAP_GRO_ETH;

    return (run->first.ipv6 ? headers - STAP_GRO_IPV6_BYTES : headers) + payload;
}

/* Whether nothing more may join: the last segment was short or had PSH, the segment cap is
 * reached, or another full segment would not fit the IP length. */
static int stap_gro_full(const struct stap_gro_run *run)
{
    return run->payload % run->first.payload != 0 || (run->last_flags & STAP_GRO_TCP_PSH) != 0 ||
           run->segments >= STAP_GRO_MAX_SEGMENTS ||
           stap_gro_ip_length(run, run->payload + run->first.payload) > STAP_GRO_IP_MAX;
}

void stap_gro_start(struct stap_gro_run *run, const uint8_t *frame, const struct stap_gro_segment *seg)
{
    memcpy(run->header, frame, seg->header_bytes);
    run->first = *seg;
    run->segments = 1;
    run->payload = seg->payload;
    run->next_seq = seg->seq + seg->payload;
    run->last_flags = seg->flags;
    run->closed = (uint8_t)stap_gro_full(run);
}

int stap_gro_joins(const struct stap_gro_run *run, const uint8_t *frame, const struct stap_gro_segment *seg)
{
    const uint8_t *h = run->header;
    uint32_t tcp = seg->tcp_offset;

    if (run->segments == 0 || run->closed || seg->ipv6 != run->first.ipv6 ||
        seg->header_bytes != run->first.header_bytes || seg->payload > run->first.payload ||
        seg->seq != run->next_seq || stap_gro_ip_length(run, run->payload + seg->payload) > STAP_GRO_IP_MAX)
        return 0;
    if (memcmp(frame, h, STAP_GRO_ETH) != 0)
        return 0;
    if (!seg->ipv6) {
        /* TOS, fragment field (DF), TTL, addresses; the identification may differ. */
        if (frame[15] != h[15] || frame[20] != h[20] || frame[21] != h[21] || frame[22] != h[22] ||
            memcmp(frame + 26, h + 26, 8) != 0)
            return 0;
    } else {
        /* Version, traffic class and flow label; hop limit; addresses. */
        if (memcmp(frame + 14, h + 14, 4) != 0 || frame[21] != h[21] || memcmp(frame + 22, h + 22, 32) != 0)
            return 0;
    }
    /* Ports; acknowledgement; data offset; window; every option byte. */
    return memcmp(frame + tcp, h + tcp, 4) == 0 && memcmp(frame + tcp + 8, h + tcp + 8, 5) == 0 &&
           memcmp(frame + tcp + 14, h + tcp + 14, 2) == 0 &&
           memcmp(frame + tcp + STAP_GRO_TCP_MIN, h + tcp + STAP_GRO_TCP_MIN,
               seg->header_bytes - tcp - STAP_GRO_TCP_MIN) == 0;
}

int stap_gro_append(struct stap_gro_run *run, const struct stap_gro_segment *seg)
{
    run->segments++;
    run->payload += seg->payload;
    run->next_seq += seg->payload;
    run->last_flags = seg->flags;
    run->closed = (uint8_t)stap_gro_full(run);
    return run->closed;
}

uint32_t stap_gro_finish(struct stap_gro_run *run, uint8_t vnet[STAP_GRO_VNET_BYTES])
{
    const struct stap_gro_segment *first = &run->first;
    uint8_t *h = run->header;
    uint32_t total = (uint32_t)first->header_bytes + run->payload;
    uint32_t tcp_length = total - first->tcp_offset;

    memset(vnet, 0, STAP_GRO_VNET_BYTES);
    if (run->segments < 2)
        return total;
    if (!first->ipv6) {
        stap_gro_put16(h + 16, (uint16_t)(total - STAP_GRO_ETH));
        stap_gro_put16(h + 24, 0);
        stap_gro_put16(h + 24, (uint16_t)~stap_gro_sum(h + STAP_GRO_ETH, STAP_GRO_IPV4_BYTES));
    } else {
        stap_gro_put16(h + 18, (uint16_t)tcp_length);
    }
    h[first->tcp_offset + 13] |= run->last_flags & STAP_GRO_TCP_PSH;
    /* CHECKSUM_PARTIAL: Linux finishes the sum over the TCP header and payload from here. */
    stap_gro_put16(h + first->tcp_offset + STAP_GRO_TCP_CHECK, stap_gro_pseudo(h, first->ipv6, tcp_length));
    vnet[0] = STAP_GRO_VNET_F_NEEDS_CSUM;
    vnet[1] = first->ipv6 ? STAP_GRO_VNET_GSO_TCPV6 : STAP_GRO_VNET_GSO_TCPV4;
    stap_gro_put_vnet16(vnet + 2, first->header_bytes);
    stap_gro_put_vnet16(vnet + 4, (uint16_t)first->payload);
    stap_gro_put_vnet16(vnet + 6, first->tcp_offset);
    stap_gro_put_vnet16(vnet + 8, STAP_GRO_TCP_CHECK);
    return total;
}
