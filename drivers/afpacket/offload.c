/* offload.c — software receive offloads of the afpacket miniport, and the transmit offload
 * descriptions that let the kernel do NDIS task offload's work (see offload.h; issue 6,
 * deliverable 1). A veth or TAP sender with checksum and segmentation offloads hands the packet
 * socket frames whose L4 checksum is only seeded with the pseudo-header and TCP/UDP frames of up
 * to 64 KiB; NDIS 5.1 protocols expect finished Ethernet frames of at most MTU + 14 bytes.
 * Checksums are the Internet checksum (RFC 1071); segments follow what the kernel's own GSO
 * produces (RFC 793 sequence numbers, FIN and PSH only on the last, CWR only on the first). */
#include "offload.h"

#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "afp_sum adds words in little-endian order"
#endif

#define AFP_ETHERTYPE_IPV4 0x0800
#define AFP_ETHERTYPE_IPV6 0x86DD
#define AFP_PROTO_TCP      6
#define AFP_PROTO_UDP      17
#define AFP_TCP_FIN        0x01
#define AFP_TCP_PSH        0x08
#define AFP_TCP_CWR        0x80

static uint16_t afp_get16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t afp_get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void afp_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void afp_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint16_t afp_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)sum;
}

/* The ones' complement sum of p as big-endian 16-bit words, added to sum (not folded). Eight
 * bytes at a time in the host's order with the carry wrapped around, and one byte swap at the
 * end (RFC 1071 2(B): the sum does not depend on byte order): this runs over every payload byte
 * of every segment cut from a GSO frame. Little-endian hosts (x86-64, arm64 Linux). */
static uint64_t afp_sum(const uint8_t *p, uint32_t n, uint64_t sum)
{
    uint64_t native = 0;
    uint64_t word;
    uint16_t folded;

    while (n >= 8) {
        memcpy(&word, p, 8);
        native += word;
        native += native < word;
        p += 8;
        n -= 8;
    }
    word = 0;
    memcpy(&word, p, n); /* the tail keeps its byte positions, so its pairs line up */
    native += word;
    native += native < word;
    folded = afp_fold((native & 0xFFFFFFFFu) + (native >> 32));
    return sum + (uint16_t)((folded >> 8) | (folded << 8));
}

int afp_csum_complete(uint8_t *frame, uint32_t length, uint32_t csum_start, uint32_t csum_offset)
{
    uint16_t check;

    if (csum_start >= length || csum_offset + 2 > length - csum_start)
        return -1;
    check = (uint16_t)~afp_fold(afp_sum(frame + csum_start, length - csum_start, 0));
    /* UDP sends "no checksum" as 0, so a computed 0 goes out as its other form. */
    if (check == 0 && csum_offset == 6)
        check = 0xFFFF;
    afp_put16(frame + csum_start + csum_offset, check);
    return 0;
}

int afp_gso_begin(struct afp_gso *gso, const uint8_t *frame, uint32_t length, const struct afp_rx_offload *offload)
{
    uint16_t ethertype;
    uint8_t protocol;
    uint32_t l4_bytes;

    memset(gso, 0, sizeof(*gso));
    if (length < 14 || offload->gso_size == 0)
        return -1;
    ethertype = afp_get16(frame + 12);
    gso->l3 = 14;
    gso->l4 = offload->csum_start;
    if (ethertype == AFP_ETHERTYPE_IPV4 && length >= gso->l3 + 20) {
        protocol = frame[gso->l3 + 9];
        if (gso->l4 != gso->l3 + (uint32_t)(frame[gso->l3] & 0x0F) * 4)
            return -1;
    } else if (ethertype == AFP_ETHERTYPE_IPV6 && length >= gso->l3 + 40) {
        gso->ipv6 = 1;
        /* With extension headers the next-header byte names the first of them; csum_start
         * (where the kernel says L4 begins) is trusted instead. */
        protocol = offload->gso == AFP_GSO_UDP ? AFP_PROTO_UDP : AFP_PROTO_TCP;
        if (gso->l4 < gso->l3 + 40)
            return -1;
    } else {
        return -1;
    }
    if (offload->gso == AFP_GSO_TCPV4 || offload->gso == AFP_GSO_TCPV6) {
        if (protocol != AFP_PROTO_TCP || (offload->gso == AFP_GSO_TCPV6) != (gso->ipv6 != 0) ||
            gso->l4 + 20 > length)
            return -1;
        gso->tcp = 1;
        l4_bytes = (uint32_t)(frame[gso->l4 + 12] >> 4) * 4;
        if (l4_bytes < 20)
            return -1;
    } else if (offload->gso == AFP_GSO_UDP) {
        if (protocol != AFP_PROTO_UDP)
            return -1;
        l4_bytes = 8;
    } else {
        return -1;
    }
    gso->header = gso->l4 + l4_bytes;
    if (gso->header > length)
        return -1;
    gso->frame = frame;
    gso->length = length;
    gso->mss = offload->gso_size;
    gso->next = gso->header;
    return 0;
}

uint32_t afp_gso_next(struct afp_gso *gso, uint8_t *out, uint32_t capacity, int *overflow)
{
    uint32_t chunk;
    uint32_t total;
    uint32_t l4_length;
    uint64_t sum;
    uint16_t check;
    int last;

    *overflow = 0;
    if (gso->next >= gso->length)
        return 0;
    chunk = gso->length - gso->next < gso->mss ? gso->length - gso->next : gso->mss;
    total = gso->header + chunk;
    if (total > capacity) {
        *overflow = 1;
        return 0;
    }
    memcpy(out, gso->frame, gso->header);
    memcpy(out + gso->header, gso->frame + gso->next, chunk);
    last = gso->next + chunk >= gso->length;
    l4_length = total - gso->l4;

    if (gso->ipv6) {
        afp_put16(out + gso->l3 + 4, (uint16_t)(total - gso->l3 - 40));
        sum = afp_sum(out + gso->l3 + 8, 32, 0);
    } else {
        uint32_t ihl = (uint32_t)(out[gso->l3] & 0x0F) * 4;
        afp_put16(out + gso->l3 + 2, (uint16_t)(total - gso->l3));
        afp_put16(out + gso->l3 + 4, (uint16_t)(afp_get16(gso->frame + gso->l3 + 4) + gso->index));
        afp_put16(out + gso->l3 + 10, 0);
        afp_put16(out + gso->l3 + 10, (uint16_t)~afp_fold(afp_sum(out + gso->l3, ihl, 0)));
        sum = afp_sum(out + gso->l3 + 12, 8, 0);
    }
    sum += l4_length;

    if (gso->tcp) {
        uint8_t *tcp = out + gso->l4;
        afp_put32(tcp + 4, afp_get32(gso->frame + gso->l4 + 4) + (gso->next - gso->header));
        if (!last)
            tcp[13] &= (uint8_t)~(AFP_TCP_FIN | AFP_TCP_PSH);
        if (gso->index != 0)
            tcp[13] &= (uint8_t)~AFP_TCP_CWR;
        afp_put16(tcp + 16, 0);
        sum += AFP_PROTO_TCP;
        check = (uint16_t)~afp_fold(afp_sum(tcp, l4_length, sum));
        afp_put16(tcp + 16, check);
    } else {
        uint8_t *udp = out + gso->l4;
        afp_put16(udp + 4, (uint16_t)l4_length);
        afp_put16(udp + 6, 0);
        sum += AFP_PROTO_UDP;
        check = (uint16_t)~afp_fold(afp_sum(udp, l4_length, sum));
        afp_put16(udp + 6, check == 0 ? 0xFFFF : check);
    }
    gso->next += chunk;
    gso->index++;
    return total;
}

/* ---- transmit ------------------------------------------------------------------------------------ */

/* The L3 and L4 offsets and the L4 protocol of an untagged IPv4 or IPv6 (no extension headers)
 * frame whose first `captured` bytes are at hand. 0 or -1. */
static int afp_tx_locate(const uint8_t *frame, uint32_t captured, uint32_t *l4, uint8_t *protocol, int *ipv6)
{
    uint16_t ethertype;

    if (captured < 14 + 20)
        return -1;
    ethertype = afp_get16(frame + 12);
    if (ethertype == AFP_ETHERTYPE_IPV4) {
        uint32_t ihl = (uint32_t)(frame[14] & 0x0F) * 4;

        if ((frame[14] >> 4) != 4 || ihl < 20 || captured < 14 + ihl)
            return -1;
        *l4 = 14 + ihl;
        *protocol = frame[14 + 9];
        *ipv6 = 0;
        return 0;
    }
    if (ethertype == AFP_ETHERTYPE_IPV6 && captured >= 14 + 40) {
        *l4 = 14 + 40;
        *protocol = frame[14 + 6];
        *ipv6 = 1;
        return 0;
    }
    return -1;
}

int afp_tx_checksum(const uint8_t *frame, uint32_t captured, uint32_t length, struct afp_tx_offload *offload)
{
    uint32_t l4;
    uint8_t protocol;
    int ipv6;

    memset(offload, 0, sizeof(*offload));
    if (afp_tx_locate(frame, captured, &l4, &protocol, &ipv6) != 0)
        return -1;
    if (protocol == AFP_PROTO_TCP && length >= l4 + 20)
        offload->csum_offset = 16;
    else if (protocol == AFP_PROTO_UDP && length >= l4 + 8)
        offload->csum_offset = 6;
    else
        return -1;
    offload->needs_csum = 1;
    offload->csum_start = (uint16_t)l4;
    return 0;
}

int afp_ipv4_header_checksum(uint8_t *frame, uint32_t captured)
{
    uint32_t ihl;

    if (captured < 14 + 20 || afp_get16(frame + 12) != AFP_ETHERTYPE_IPV4)
        return -1;
    ihl = (uint32_t)(frame[14] & 0x0F) * 4;
    if (ihl < 20 || captured < 14 + ihl)
        return -1;
    afp_put16(frame + 14 + 10, 0);
    afp_put16(frame + 14 + 10, (uint16_t)~afp_fold(afp_sum(frame + 14, ihl, 0)));
    return 0;
}

int afp_tx_large_send(uint8_t *headers, uint32_t captured, uint32_t length, uint32_t mss,
                      struct afp_tx_offload *offload)
{
    uint32_t l4, tcp_bytes;
    uint8_t protocol;
    int ipv6;

    memset(offload, 0, sizeof(*offload));
    if (mss == 0 || mss > 0xFFFF || length > 0xFFFF + 14 ||
        afp_tx_locate(headers, captured, &l4, &protocol, &ipv6) != 0 || ipv6 || protocol != AFP_PROTO_TCP ||
        captured < l4 + 20)
        return -1;
    tcp_bytes = (uint32_t)(headers[l4 + 12] >> 4) * 4;
    if (tcp_bytes < 20 || captured < l4 + tcp_bytes || length <= l4 + tcp_bytes)
        return -1;
    afp_put16(headers + l4 + 16, afp_fold((uint64_t)afp_get16(headers + l4 + 16) + (length - l4)));
    offload->needs_csum = 1;
    offload->gso = AFP_GSO_TCPV4;
    offload->header_bytes = (uint16_t)(l4 + tcp_bytes);
    offload->gso_size = (uint16_t)mss;
    offload->csum_start = (uint16_t)l4;
    offload->csum_offset = 16;
    return 0;
}
