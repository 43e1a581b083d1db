/* tap_linux.h — the Linux side of the tapnic miniport and of the strata_tap protocol (issue 6,
 * deliverables 1 and 2): TAP devices, their frames and their link state, through system calls.
 * Only standard C types here, so the NDIS sources that call it never include a Linux header
 * (their Windows types would clash). Both drivers compile tap_linux.c into their own image.
 *
 * A TAP device made here is not persistent: it disappears when its last descriptor closes
 * (tap_destroy). Descriptors keep working when the device moves to another network namespace;
 * the link watcher follows such moves. */
#ifndef TAP_LINUX_H
#define TAP_LINUX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#pragma GCC visibility push(hidden)

#define TAP_NAME_BYTES     16 /* IFNAMSIZ, the terminating NUL included */
#define TAP_MAX_QUEUES     16
#define TAP_ERROR_BYTES    160
#define TAP_VNET_HDR_BYTES 10 /* struct virtio_net_hdr, the kernel's default header size */
#define TAP_MAX_FILTER     40 /* addresses tap_set_rx_filter takes */

/* tap_set_offload flags (the kernel's TUN_F_ values, checked in tap_linux.c): what Linux may
 * leave undone in the frames it hands to a TAP with vnet headers. */
#define TAP_OFFLOAD_CSUM   0x01u /* checksums (VIRTIO_NET_HDR_F_NEEDS_CSUM) */
#define TAP_OFFLOAD_TSO4   0x02u /* TCP over IPv4 segmentation; needs TAP_OFFLOAD_CSUM */

/* Results of tap_create; the error text names the device and the reason. */
enum tap_result {
    TAP_OK = 0,
    TAP_INVALID_NAME,  /* not a valid interface name */
    TAP_NAME_EXISTS,   /* an interface of that name exists */
    TAP_NO_PERMISSION, /* no CAP_NET_ADMIN, or /dev/net/tun not accessible */
    TAP_UNSUPPORTED,   /* no /dev/net/tun, or the kernel refused the flags */
    TAP_SYSTEM_ERROR   /* anything else (errno in the text) */
};

typedef struct tap_device {
    int fds[TAP_MAX_QUEUES]; /* one per queue; -1 when unused */
    unsigned queues;
    int vnet_hdr;            /* frames carry a TAP_VNET_HDR_BYTES virtio_net_hdr first */
    char name[TAP_NAME_BYTES];
} tap_device;

/* One piece of a frame for tap_write (the layout of struct iovec, checked in tap_linux.c). */
typedef struct tap_iovec {
    const void *base;
    size_t length;
} tap_iovec;

/* Creates a TAP device named `name` ("%d" once in it lets the kernel number it) with `queues`
 * descriptors (IFF_MULTI_QUEUE when more than one) and IFF_VNET_HDR when vnet_hdr is non-zero.
 * Refuses a name an interface already has (IFF_TUN_EXCL). Descriptors are non-blocking. On
 * failure nothing is left and `error` holds one line. Any thread; blocking system calls. */
enum tap_result tap_create(tap_device *dev, const char *name, unsigned queues, int vnet_hdr,
                           char error[TAP_ERROR_BYTES]);
/* Closes every descriptor: the device disappears. */
void tap_destroy(tap_device *dev);
/* Whether `name` is a name the kernel accepts for an interface ("%d" allowed once). */
int tap_name_valid(const char *name);

/* The device's MTU, through a socket of the caller's namespace: call it before the device is
 * moved. 0, or -errno with `error` set. */
int tap_set_mtu(const tap_device *dev, unsigned mtu, char error[TAP_ERROR_BYTES]);
/* The Linux side's MAC address (works in any namespace). 0 or -errno. */
int tap_set_address(const tap_device *dev, const uint8_t mac[6]);
/* Carrier on or off (TUNSETCARRIER, Linux 5.0). 0 or -errno. */
int tap_set_carrier(const tap_device *dev, int on);
/* Which frames Linux hands to the descriptors: all of them (accept_all), or those sent to one
 * of `count` addresses (6 bytes each, at most TAP_MAX_FILTER) and, with all_multicast, every
 * multicast frame (TUNSETTXFILTER). 0 or -errno. */
int tap_set_rx_filter(const tap_device *dev, int accept_all, int all_multicast, const uint8_t *addresses,
                      unsigned count);

/* TUNSETOFFLOAD with TAP_OFFLOAD_* flags; needs vnet headers. 0 or -errno. */
int tap_set_offload(const tap_device *dev, unsigned flags);

/* Reads one frame: its length, 0 when none is waiting, -errno when the device is gone. A
 * result larger than `length` means the frame did not fit. Never blocks. */
long tap_read(int fd, void *buffer, size_t length);
/* Writes one frame gathered from `count` pieces: bytes written or -errno. Never blocks. */
long tap_write(int fd, const tap_iovec *pieces, unsigned count);

/* Link state of a TAP device, wherever it moves: an rtnetlink socket that hears every namespace
 * the caller's namespace has an id for (NETLINK_LISTEN_ALL_NSID), and the device's identity as
 * (namespace id, ifindex). The device's own namespace assigns an id to the namespace it moves
 * to, so a move is followed. */
typedef struct tap_link {
    int event_fd;      /* readable when link messages wait: watch it */
    int request_fd;    /* for requests and their answers */
    int tap_fd;
    int nsid;          /* -1: the caller's own namespace */
    int ifindex;
    uint64_t own_netns; /* inode of the caller's namespace */
    int running;       /* IFF_UP and IFF_RUNNING */
    int gone;          /* the device was deleted */
    uint32_t sequence;
} tap_link;

/* Starts watching `dev`, which must still be in the caller's namespace. 0, or -errno with
 * `error` set. PASSIVE-style caller (blocking system calls). */
int tap_link_open(tap_link *link, const tap_device *dev, char error[TAP_ERROR_BYTES]);
/* Reads every waiting message and updates running/gone; 1 when either changed. Never blocks on
 * the event socket; a move costs a few requests to the kernel. */
int tap_link_update(tap_link *link);
void tap_link_close(tap_link *link);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* TAP_LINUX_H */
