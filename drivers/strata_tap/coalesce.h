/* coalesce.h — the rules of strata_tap's receive coalescing (issue 6 deliverable 2, the TCP
 * target of deliverable 6): which received TCP segments may be joined into one frame that Linux
 * takes as a GSO frame from the TAP (what Linux's GRO does), and the headers and virtio_net_hdr
 * of the joined frame. Plain C on bytes: no NDIS, no Linux headers; the NDIS side (datapath.c)
 * keeps the segments' payloads where they are and gathers them with one write.
 *
 * Only the safe cases join: IPv4 without options or fragmentation, or IPv6 without extension
 * headers; TCP with ACK alone (PSH on the segment that ends the run); one Ethernet header, the
 * same addresses, ports, TOS/traffic class, TTL/hop limit, acknowledgement, window and option
 * bytes; contiguous sequence numbers; every segment but the last as long as the first; the IP
 * length within 65535; at most STAP_GRO_MAX_SEGMENTS segments. */
#ifndef STRATA_TAP_COALESCE_H
#define STRATA_TAP_COALESCE_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

#define STAP_GRO_MAX_SEGMENTS 64
#define STAP_GRO_HEADER_MAX   (14 + 40 + 60) /* Ethernet, IPv6 (IPv4 has no options here), TCP */
#define STAP_GRO_VNET_BYTES   10             /* struct virtio_net_hdr */

/* virtio_net_hdr values (the kernel's VIRTIO_NET_HDR_*) */
#define STAP_GRO_VNET_F_NEEDS_CSUM 0x01
#define STAP_GRO_VNET_GSO_TCPV4    0x01
#define STAP_GRO_VNET_GSO_TCPV6    0x04

/* What stap_gro_parse learned of one frame. */
struct stap_gro_segment {
    uint16_t header_bytes; /* Ethernet + IP + TCP headers; the payload follows */
    uint16_t tcp_offset;   /* the TCP header, from the frame's first byte */
    uint8_t ipv6;
    uint8_t flags;         /* the TCP flags byte */
    uint32_t seq;
    uint32_t payload;      /* TCP payload bytes */
};

/* A run of joined segments. segments == 0: empty. */
struct stap_gro_run {
    uint8_t header[STAP_GRO_HEADER_MAX]; /* the first segment's headers; stap_gro_finish rewrites them */
    struct stap_gro_segment first;
    uint32_t segments;
    uint32_t payload;      /* every segment's payload */
    uint32_t next_seq;
    uint8_t last_flags;
    uint8_t closed;        /* a short, PSH or last allowed segment ended it: nothing more joins */
};

/* 1 when the frame (length bytes, the first `contiguous` of them at frame) is a TCP segment that
 * may join a run; its headers must lie in the contiguous part. Checks the IPv4 header checksum,
 * not the TCP one (stap_gro_tcp_valid). */
int stap_gro_parse(const uint8_t *frame, uint32_t contiguous, uint32_t length, struct stap_gro_segment *seg);

/* The one's complement sum (RFC 1071) of length bytes, as a big-endian 16-bit value, not
 * complemented. A piece that starts at an odd offset of the summed data is stap_gro_swap'ed
 * before it is added (stap_gro_add). */
uint16_t stap_gro_sum(const void *data, size_t length);
uint16_t stap_gro_add(uint16_t a, uint16_t b);
uint16_t stap_gro_swap(uint16_t sum);

/* 1 when the TCP checksum of the segment is right: payload_sum is stap_gro_sum over its payload
 * (which starts at an even offset of the TCP segment), the headers are at frame. */
int stap_gro_tcp_valid(const uint8_t *frame, const struct stap_gro_segment *seg, uint16_t payload_sum);

/* Starts a run with one segment (its headers are copied). */
void stap_gro_start(struct stap_gro_run *run, const uint8_t *frame, const struct stap_gro_segment *seg);
/* 1 when the segment may be appended to the run. */
int stap_gro_joins(const struct stap_gro_run *run, const uint8_t *frame, const struct stap_gro_segment *seg);
/* Appends a segment stap_gro_joins accepted; 1 when the run is now closed (write it). */
int stap_gro_append(struct stap_gro_run *run, const struct stap_gro_segment *seg);
/* Makes the run's frame: with one segment the headers are left as they came and vnet is zeroed;
 * with more, the IP length (and IPv4 header checksum) is rewritten, PSH of the last segment kept,
 * the TCP checksum field set to the pseudo-header sum with the new TCP length (Linux's
 * CHECKSUM_PARTIAL), and vnet asks for TCP segmentation in segments of the first's payload.
 * Returns the frame's length: the run's headers followed by every payload byte. */
uint32_t stap_gro_finish(struct stap_gro_run *run, uint8_t vnet[STAP_GRO_VNET_BYTES]);

#pragma GCC visibility pop

#endif /* STRATA_TAP_COALESCE_H */
