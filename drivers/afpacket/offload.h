/* offload.h — what the afpacket miniport does in software for the offloads a Linux sender left
 * undone (issue 6, deliverable 1: PACKET_VNET_HDR receive offloads): complete a partial L4
 * checksum, and cut a TCP or UDP GSO frame into MTU-sized frames with their headers, lengths,
 * sequence numbers and checksums fixed. Plain C on bytes: no NDIS, no Linux headers. */
#ifndef AFPACKET_OFFLOAD_H
#define AFPACKET_OFFLOAD_H

#include <stdint.h>

#pragma GCC visibility push(hidden)

/* afp_rx_offload.gso */
#define AFP_GSO_NONE  0
#define AFP_GSO_TCPV4 1
#define AFP_GSO_TCPV6 4
#define AFP_GSO_UDP   5 /* UDP segmentation (VIRTIO_NET_HDR_GSO_UDP_L4), IPv4 or IPv6 */
#define AFP_GSO_OTHER 255

/* The offload state of one received frame (from its virtio_net_hdr). */
struct afp_rx_offload {
    uint8_t needs_csum;   /* the L4 checksum holds only the pseudo-header sum */
    uint8_t gso;          /* AFP_GSO_*: the frame is larger than the MTU and must be cut */
    uint16_t gso_size;    /* payload bytes per segment */
    uint16_t csum_start;  /* from the first byte of the Ethernet header */
    uint16_t csum_offset; /* from csum_start */
};

/* Completes the checksum at csum_start + csum_offset over [csum_start, length). Returns 0, or -1
 * when the offsets do not fit the frame (the frame is left alone). */
int afp_csum_complete(uint8_t *frame, uint32_t length, uint32_t csum_start, uint32_t csum_offset);

/* Cutting one GSO frame: afp_gso_begin, then afp_gso_next until it returns 0. */
struct afp_gso {
    const uint8_t *frame;
    uint32_t length;
    uint32_t l3;      /* IP header */
    uint32_t l4;      /* TCP or UDP header */
    uint32_t header;  /* first payload byte: every segment starts with frame[0, header) */
    uint32_t mss;
    uint32_t next;    /* next payload byte to send */
    uint32_t index;   /* segments made */
    int ipv6;
    int tcp;
};

/* Checks that frame is an untagged IPv4/IPv6 TCP or UDP frame that offload describes. 0, or -1
 * for anything else (the caller drops it). */
int afp_gso_begin(struct afp_gso *gso, const uint8_t *frame, uint32_t length, const struct afp_rx_offload *offload);
/* Writes the next segment to out: its length, or 0 when every byte was sent or the segment does
 * not fit capacity (then *overflow is set). */
uint32_t afp_gso_next(struct afp_gso *gso, uint8_t *out, uint32_t capacity, int *overflow);

/* ---- transmit: what a frame leaves to the kernel (its virtio_net_hdr) ---------------------------- */

struct afp_tx_offload {
    uint8_t needs_csum;    /* the kernel completes the L4 checksum at csum_start + csum_offset */
    uint8_t gso;           /* AFP_GSO_NONE, or AFP_GSO_TCPV4 for a large send */
    uint16_t header_bytes; /* Ethernet, IP and TCP headers: what every segment repeats */
    uint16_t gso_size;     /* payload bytes per segment */
    uint16_t csum_start;
    uint16_t csum_offset;
};

/* A frame (at least its headers in `frame`, `length` bytes in all) whose TCP or UDP checksum
 * field holds the pseudo-header sum, as an NDIS transport leaves it for checksum offload: fills
 * *offload so the kernel finishes it. IPv4, or IPv6 without extension headers. 0 or -1. */
int afp_tx_checksum(const uint8_t *frame, uint32_t captured, uint32_t length, struct afp_tx_offload *offload);
/* Recomputes the IPv4 header checksum of the frame's IP header. 0, or -1 when not IPv4. */
int afp_ipv4_header_checksum(uint8_t *frame, uint32_t captured);
/* An NDIS 5.1 large send of `length` bytes whose headers are in headers[0, captured): fills
 * *offload for TCP segmentation into mss-byte segments and adds the TCP length to the checksum
 * field's pseudo-header sum (NDIS leaves it out, the kernel expects it). 0 or -1. */
int afp_tx_large_send(uint8_t *headers, uint32_t captured, uint32_t length, uint32_t mss,
                      struct afp_tx_offload *offload);

#pragma GCC visibility pop

#endif /* AFPACKET_OFFLOAD_H */
