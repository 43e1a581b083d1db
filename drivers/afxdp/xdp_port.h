/* xdp_port.h — the Linux half of the afxdp miniport (issue 6, deliverable 1): one AF_XDP socket
 * on one queue of an existing interface through libxdp — its UMEM, fill, completion, receive
 * and transmit rings and the default XDP program libxdp attaches — plus the interface queries
 * (MAC, MTU, flags, link speed), multicast/promiscuous memberships and an rtnetlink link watch.
 *
 * The NDIS half (the files that include <ndis.h>) must not see Linux or libxdp headers, so this
 * header uses only standard C types and keeps struct xp_port opaque. Ring calls work on batches
 * and never block; the caller serialises each ring (see afxdp.h for which lock guards which).
 * Functions return 0 or a negative errno value unless they say otherwise. */
#ifndef AFXDP_XDP_PORT_H
#define AFXDP_XDP_PORT_H

#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(hidden)

#define XP_IFNAME_BYTES 16  /* IFNAMSIZ, the terminating NUL included */
#define XP_ERROR_BYTES  256 /* one line: what failed and why */
#define XP_MODE_BYTES   48

/* Interface flags (the kernel's IFF_ values, checked in xdp_port.c). */
#define XP_IFF_UP       0x1u
#define XP_IFF_RUNNING  0x40u

/* xp_config.zero_copy */
#define XP_ZEROCOPY_OFF  0 /* XDP_COPY */
#define XP_ZEROCOPY_ON   1 /* XDP_ZEROCOPY or fail */
#define XP_ZEROCOPY_AUTO 2 /* XDP_ZEROCOPY, else XDP_COPY */

/* xp_config.xdp_mode: where the default program runs */
#define XP_XDP_AUTO    0 /* the driver's native XDP, else generic (skb) XDP */
#define XP_XDP_NATIVE  1
#define XP_XDP_GENERIC 2

/* The kernel leaves this much room before a received frame's data in its UMEM frame
 * (XDP_PACKET_HEADROOM), so a frame of F bytes holds a received frame of F - 256 bytes. */
#define XP_RX_HEADROOM 256u

/* Results the NDIS half tells apart (negative errno values, checked in xdp_port.c). */
#define XP_ERR_NOMEM        (-12) /* -ENOMEM */
#define XP_ERR_NODEV        (-19) /* -ENODEV: no such interface */
#define XP_ERR_NOT_ETHERNET (-96) /* -EPFNOSUPPORT: the interface is not Ethernet */

/* xp_port_membership kinds */
#define XP_MEMBER_MULTICAST 0
#define XP_MEMBER_PROMISC   1
#define XP_MEMBER_ALLMULTI  2

/* xp_link_read results (bits) */
#define XP_LINK_CHANGED 0x1u /* *flags holds the interface's newest flags */
#define XP_LINK_DELETED 0x2u /* the interface is gone */
#define XP_LINK_OVERRUN 0x4u /* messages were lost: query the interface instead */

struct xp_if_info {
    int ifindex;
    unsigned flags; /* XP_IFF_* and the rest of the kernel's interface flags */
    uint32_t mtu;
    uint8_t mac[6];
};

struct xp_config {
    const char *ifname;
    uint32_t queue;
    int zero_copy;       /* XP_ZEROCOPY_* */
    int xdp_mode;        /* XP_XDP_* */
    uint32_t frame_size; /* 2048 or 4096 */
    uint32_t rx_frames;  /* power of two: fill and receive ring size */
    uint32_t tx_frames;  /* power of two: transmit and completion ring size */
};

/* Socket statistics (XDP_STATISTICS), totals since the socket was bound. */
struct xp_stats {
    uint64_t rx_dropped;        /* dropped for reasons other than a full or empty ring */
    uint64_t rx_invalid;
    uint64_t tx_invalid;
    uint64_t rx_ring_full;
    uint64_t rx_fill_ring_empty;
};

struct xp_port;

/* ---- the interface ------------------------------------------------------------------------- */

/* The interface named ifname: -ENODEV if there is none, -EINVAL for a name too long. */
int xp_if_query(const char *ifname, struct xp_if_info *info);
/* The same by index (the name may have changed); -ENODEV when it is gone. */
int xp_if_query_index(int ifindex, struct xp_if_info *info);
/* The link speed in Mb/s from ethtool; 0 when the driver does not say. */
uint32_t xp_if_speed_mbps(int ifindex);

/* ---- the socket ---------------------------------------------------------------------------- */

/* Maps the UMEM (rx_frames receive frames first, then tx_frames transmit frames), creates the
 * socket on config->queue with the default XDP program, trying the modes config allows in turn.
 * The fill ring is left empty: the caller fills it. On failure nothing is left (no program on
 * the interface) and `error` holds one line naming the interface and the reason. PASSIVE-style
 * caller: may sleep briefly while the kernel releases the queue from a socket closed just now. */
int xp_port_open(struct xp_port **port, const struct xp_config *config, char error[XP_ERROR_BYTES]);
/* Closes the socket, detaches the default program if libxdp left it behind and nobody else uses
 * it, drops memberships and unmaps the UMEM. */
void xp_port_close(struct xp_port *port);
/* The descriptor to watch for receiving: readable when the receive ring holds frames. */
int xp_port_fd(const struct xp_port *port);
/* The transmit socket's descriptor: writable when its transmit ring has room. Watching it while
 * nothing waits costs a wake-up per frame the kernel frees. */
int xp_port_tx_fd(const struct xp_port *port);
/* "zero-copy"/"copy" and "native"/"generic" XDP, as one phrase, for the log. */
const char *xp_port_mode(const struct xp_port *port);
/* The UMEM byte at offset `addr` (a descriptor's address). */
uint8_t *xp_port_data(const struct xp_port *port, uint64_t addr);
int xp_port_stats(const struct xp_port *port, struct xp_stats *stats);
/* Adds or drops a membership of kind XP_MEMBER_* (mac only for multicast) on the interface;
 * the kernel drops them all when the port closes. */
int xp_port_membership(struct xp_port *port, int kind, int add, const uint8_t mac[6]);

/* ---- the rings (one caller at a time per ring) ---------------------------------------------- */

/* Gives `count` frames (UMEM offsets of frame starts) to the kernel for receiving. The fill
 * ring holds every receive frame, so it always has room. Wakes the kernel if it asks to be. */
void xp_fill(struct xp_port *port, const uint64_t *addrs, uint32_t count);
/* Takes up to `max` received frames off the receive ring: each frame's data address and length. */
uint32_t xp_rx_take(struct xp_port *port, uint64_t *addrs, uint32_t *lengths, uint32_t max);
/* Whether a received frame waits on the receive ring. */
int xp_rx_ready(struct xp_port *port);
/* Posts `count` frames for transmission (the transmit ring holds every transmit frame). */
void xp_tx_post(struct xp_port *port, const uint64_t *addrs, const uint32_t *lengths, uint32_t count);
/* sendto(MSG_DONTWAIT) on the transmit socket, repeated while posted frames remain (a copy-mode
 * call sends up to 32), a few times at most; what is left goes out on the next kick or poll. 0
 * also when the kernel was busy (EAGAIN, EBUSY, ENOBUFS): the frames stay posted. */
int xp_tx_kick(struct xp_port *port);
/* Takes up to `max` transmitted frames off the completion ring. */
uint32_t xp_tx_reap(struct xp_port *port, uint64_t *addrs, uint32_t max);

/* ---- link state ---------------------------------------------------------------------------- */

/* A non-blocking rtnetlink socket subscribed to link changes: its descriptor or -errno. */
int xp_link_open(void);
void xp_link_close(int fd);
/* Reads every pending message; returns XP_LINK_* bits about ifindex (0: nothing about it). */
unsigned xp_link_read(int fd, int ifindex, unsigned *flags);

/* A short English text for a negative errno value. */
const char *xp_error_text(int error);

#pragma GCC visibility pop

#endif /* AFXDP_XDP_PORT_H */
