/* linux_port.h — the Linux half of the afpacket miniport (issue 6, deliverable 1): a receive
 * packet socket with its ring (TPACKET_V3 blocks, or TPACKET_V2 frames), a transmit socket with
 * its ring, the interface queries (index, flags, MTU, MAC, ethtool link speed), memberships,
 * and an rtnetlink link-state socket.
 *
 * The NDIS half (the files that include <ndis.h>) must not see Linux headers, so this header
 * uses only standard C types; linux_port.c checks its constants against the kernel's. Every
 * function returns 0 or a negative errno value unless it says otherwise, and none blocks. */
#ifndef AFPACKET_LINUX_PORT_H
#define AFPACKET_LINUX_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "offload.h"

#pragma GCC visibility push(hidden)

#define AFP_IFNAME_BYTES 16 /* IFNAMSIZ, the terminating NUL included */
#define AFP_ENODEV       (-19) /* -ENODEV: no such interface */

/* Interface flags (the kernel's IFF_ values, checked in linux_port.c). */
#define AFP_IFF_UP       0x1u
#define AFP_IFF_RUNNING  0x40u

#define AFP_LARGE_PIECES  64          /* buffers of one large send */
#define AFP_LARGE_SNDBUF  (64 << 20)  /* the large-send socket's send buffer */

/* One piece of a large send (the layout of struct iovec, checked in linux_port.c). */
struct afp_iovec {
    const void *base;
    size_t length;
};

/* afp_rx_next flags */
#define AFP_RX_TRUNCATED 0x1u /* the ring slot holds less than the frame */
#define AFP_RX_COPIED    0x2u /* too large for its V2 slot: read into the port's copy area, which
                                 the next afp_rx_next of a copied frame overwrites */

/* Ring layouts (PACKET_VERSION) */
#define AFP_RING_V2 2 /* TPACKET_V2: the kernel hands over every frame, and wakes us for each */
#define AFP_RING_V3 3 /* TPACKET_V3: blocks of many frames, handed over full or after a timeout */

/* afp_port_membership kinds */
#define AFP_MEMBER_MULTICAST 0
#define AFP_MEMBER_PROMISC   1
#define AFP_MEMBER_ALLMULTI  2

/* What MiniportInitialize learns about the interface it is to drive. */
struct afp_if_info {
    int ifindex;
    unsigned flags;   /* AFP_IFF_* and the rest of the kernel's interface flags */
    uint32_t mtu;
    uint8_t mac[6];
};

/* Ring geometry. The receive ring is rx_block_count blocks of rx_block_bytes (a power of two,
 * at least a page); the transmit ring is tx_frame_count frames of tx_frame_bytes. */
struct afp_ring_config {
    uint32_t version;             /* AFP_RING_V2 or AFP_RING_V3, for both rings */
    uint32_t rx_block_bytes;
    uint32_t rx_block_count;
    uint32_t rx_block_timeout_ms; /* V3: a block with at least one frame goes to us after this */
    uint32_t rx_frame_bytes;      /* V2: the receive slot (a power of two, at most a block);
                                     larger frames come through the copy area */
    uint32_t tx_frame_bytes;
    uint32_t tx_frame_count;
    int qdisc_bypass;             /* PACKET_QDISC_BYPASS: transmit straight to the driver */
};

/* The packet sockets bound to one interface, with their rings mapped: `fd` receives (its ring
 * seen as rx_block_count blocks of rx_block_bytes: a V2 ring's blocks are its frame slots, each a
 * block of one frame); `tx_fd` receives nothing and transmits from its ring. */
struct afp_port {
    int fd;
    int tx_fd;
    int ifindex;
    uint32_t version;    /* AFP_RING_V2 or AFP_RING_V3 */
    uint8_t *rx_ring;
    size_t rx_ring_bytes;
    uint32_t rx_block_bytes;
    uint32_t rx_block_count;
    uint8_t *copy_area;  /* V2: frames too large for their slot, read with recv(2) */
    uint8_t *tx_ring;
    size_t tx_ring_bytes;
    uint32_t tx_frame_bytes;
    uint32_t tx_frame_count;
    uint32_t tx_data_offset; /* where a transmit frame's Ethernet header starts */
    uint32_t vnet_bytes;     /* PACKET_VNET_HDR: a virtio_net_hdr before every frame, or 0 */
    int large_fd;            /* large sends (afp_tx_send_large), or -1: no large send */
};

/* The walk through one receive block. */
struct afp_rx_cursor {
    const struct afp_port *port;
    uint8_t *next;       /* the next frame header, NULL past the last */
    uint32_t remaining;  /* frames not yet walked */
};

/* The link-state part of an rtnetlink message about one interface. */
struct afp_link_state {
    unsigned flags;
    uint32_t mtu;
    uint8_t mac[6];
};

/* afp_link_read results (bits) */
#define AFP_LINK_CHANGED 0x1u /* *state holds the interface's newest flags, MTU and address */
#define AFP_LINK_DELETED 0x2u /* the interface is gone */
#define AFP_LINK_OVERRUN 0x4u /* messages were lost: query the interface instead */

/* ---- the interface ------------------------------------------------------------------------- */

/* The interface named ifname (NUL-terminated, at most 15 characters): -ENODEV if there is none. */
int afp_if_query(const char *ifname, struct afp_if_info *info);
/* The same by index, for a name that may have changed; -ENODEV when it is gone. */
int afp_if_query_index(int ifindex, struct afp_if_info *info);
/* The link speed in Mb/s from ethtool (ETHTOOL_GLINKSETTINGS, else ETHTOOL_GSET); 0 when the
 * driver does not say. */
uint32_t afp_if_speed_mbps(int ifindex);
/* Whether flags mean "media connected": administratively up and operationally running. */
int afp_flags_connected(unsigned flags);
/* A short English text for a negative errno value returned here. */
const char *afp_error_text(int error);

/* ---- the packet socket and its rings --------------------------------------------------------- */

/* The blocks the receive ring of config is seen as (struct afp_port). */
uint32_t afp_rx_block_total(const struct afp_ring_config *config);
/* Opens the receive socket (ETH_P_ALL, PACKET_IGNORE_OUTGOING, PACKET_VNET_HDR when the kernel
 * has it) and the transmit socket (PACKET_LOSS), sets up and maps their rings and binds both to
 * ifindex. -EPERM without CAP_NET_RAW. Undoes everything on failure. */
int afp_port_open(struct afp_port *port, int ifindex, const struct afp_ring_config *config);
void afp_port_close(struct afp_port *port);
/* PACKET_ADD_MEMBERSHIP / PACKET_DROP_MEMBERSHIP of kind AFP_MEMBER_*; mac only for multicast. */
int afp_port_membership(struct afp_port *port, int kind, int add, const uint8_t mac[6]);
/* Reads and clears the socket's pending error (SO_ERROR): the error itself, 0 if none. */
int afp_port_take_error(struct afp_port *port);
/* Frames the kernel dropped because the receive ring was full since the last call. */
uint64_t afp_port_take_drops(struct afp_port *port);

/* If the kernel handed receive block `block` to us (TP_STATUS_USER), starts *cursor at its first
 * frame and returns its frame count (at least 1); otherwise returns 0. Acquire ordering: the
 * frames are visible once this returned non-zero. */
uint32_t afp_rx_block_open(const struct afp_port *port, uint32_t block, struct afp_rx_cursor *cursor);
/* The next frame of the block: its first byte (the Ethernet header), *length its captured
 * bytes, *flags AFP_RX_*, *offload what the sender left to offloads (all zero without
 * PACKET_VNET_HDR). NULL after the last frame. */
uint8_t *afp_rx_next(struct afp_rx_cursor *cursor, uint32_t *length, uint32_t *flags, struct afp_rx_offload *offload);
/* Gives the block back to the kernel (TP_STATUS_KERNEL, release ordering). */
void afp_rx_block_release(const struct afp_port *port, uint32_t block);

/* Transmit frame `index`'s data area (where the Ethernet header goes) and its capacity, or NULL
 * while the kernel still owns it. */
uint8_t *afp_tx_frame(const struct afp_port *port, uint32_t index, uint32_t *capacity);
/* Hands frame `index` holding `length` bytes to the kernel (TP_STATUS_SEND_REQUEST), with what
 * it leaves to the kernel's offloads (NULL: nothing; needs PACKET_VNET_HDR). */
void afp_tx_post(const struct afp_port *port, uint32_t index, uint32_t length, const struct afp_tx_offload *offload);
/* Sends one large frame gathered from `count` pieces (at most AFP_LARGE_PIECES) through the
 * large-send socket at once, for the kernel to segment: its bytes, or -errno (-EAGAIN when the
 * receiver stopped taking frames). Call afp_tx_kick first so ring frames keep their order. */
long afp_tx_send_large(const struct afp_port *port, const struct afp_tx_offload *offload,
    const struct afp_iovec *pieces, unsigned count);
/* send(MSG_DONTWAIT): the kernel transmits every posted frame. */
int afp_tx_kick(const struct afp_port *port);

/* ---- link state ---------------------------------------------------------------------------- */

/* A non-blocking rtnetlink socket subscribed to RTMGRP_LINK: its descriptor or -errno. */
int afp_link_open(void);
void afp_link_close(int fd);
/* Reads every pending message; returns AFP_LINK_* bits about ifindex (0: nothing about it). */
unsigned afp_link_read(int fd, int ifindex, struct afp_link_state *state);

#pragma GCC visibility pop

#endif /* AFPACKET_LINUX_PORT_H */
