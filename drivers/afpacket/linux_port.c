/* linux_port.c — the Linux system calls of the afpacket miniport (issue 6, deliverable 1; see
 * linux_port.h): AF_PACKET with PACKET_MMAP rings (TPACKET_V3: block-based receive, frame-based
 * transmit as the kernel runs V3 transmit rings since 4.11; or TPACKET_V2 both ways: a receive
 * frame and a wake-up per frame), interface ioctls, ethtool and rtnetlink. Nothing here knows
 * NDIS. */
#define _GNU_SOURCE
#include "linux_port.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <linux/if.h>
#include <stddef.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

_Static_assert(AFP_IFNAME_BYTES == IFNAMSIZ, "IFNAMSIZ");
_Static_assert(AFP_ENODEV == -ENODEV, "ENODEV");
_Static_assert(AFP_GSO_TCPV4 == VIRTIO_NET_HDR_GSO_TCPV4 && AFP_GSO_TCPV6 == VIRTIO_NET_HDR_GSO_TCPV6,
    "VIRTIO_NET_HDR_GSO_ values");
_Static_assert(AFP_IFF_UP == IFF_UP && AFP_IFF_RUNNING == IFF_RUNNING, "IFF_ values");

_Static_assert(AFP_RING_V2 - 1 == TPACKET_V2 && AFP_RING_V3 - 1 == TPACKET_V3, "TPACKET_V values");

/* A receive frame size the kernel accepts for the V3 ring's bookkeeping; V3 packs frames of
 * any size into a block, so it bounds nothing. */
#define AFP_RX_NOMINAL_FRAME 2048u
/* V2: the copy area holds the largest GSO frame a veth passes (64 KiB) with room to spare;
 * a larger one is reported truncated. */
#define AFP_RX_COPY_BYTES (128u << 10)
/* V2: the receive buffer that frames waiting in the copy path are charged to. */
#define AFP_RX_COPY_RCVBUF (16 << 20)

/* A datagram socket for the interface ioctls. */
static int afp_ioctl_socket(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return fd >= 0 ? fd : -errno;
}

static int afp_name_of(int fd, int ifindex, struct ifreq *ifr)
{
    memset(ifr, 0, sizeof(*ifr));
    ifr->ifr_ifindex = ifindex;
    return ioctl(fd, SIOCGIFNAME, ifr) == 0 ? 0 : -errno;
}

/* ifr names the interface; fills the rest of *info. */
static int afp_fill_info(int fd, struct ifreq *ifr, struct afp_if_info *info)
{
    char name[IFNAMSIZ];

    memcpy(name, ifr->ifr_name, IFNAMSIZ);
    if (ioctl(fd, SIOCGIFINDEX, ifr) != 0)
        return -errno;
    info->ifindex = ifr->ifr_ifindex;
    memcpy(ifr->ifr_name, name, IFNAMSIZ);
    if (ioctl(fd, SIOCGIFFLAGS, ifr) != 0)
        return -errno;
    info->flags = (unsigned short)ifr->ifr_flags;
    memcpy(ifr->ifr_name, name, IFNAMSIZ);
    if (ioctl(fd, SIOCGIFMTU, ifr) != 0)
        return -errno;
    info->mtu = (uint32_t)ifr->ifr_mtu;
    memcpy(ifr->ifr_name, name, IFNAMSIZ);
    if (ioctl(fd, SIOCGIFHWADDR, ifr) != 0)
        return -errno;
    if (ifr->ifr_hwaddr.sa_family != ARPHRD_ETHER)
        return -EPFNOSUPPORT;
    memcpy(info->mac, ifr->ifr_hwaddr.sa_data, 6);
    return 0;
}

int afp_if_query(const char *ifname, struct afp_if_info *info)
{
    struct ifreq ifr;
    int fd;
    int result;

    if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ)
        return -ENODEV;
    fd = afp_ioctl_socket();
    if (fd < 0)
        return fd;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    result = afp_fill_info(fd, &ifr, info);
    close(fd);
    return result;
}

int afp_if_query_index(int ifindex, struct afp_if_info *info)
{
    struct ifreq ifr;
    int fd = afp_ioctl_socket();
    int result;

    if (fd < 0)
        return fd;
    result = afp_name_of(fd, ifindex, &ifr);
    if (result == 0)
        result = afp_fill_info(fd, &ifr, info);
    close(fd);
    return result == -ENXIO ? -ENODEV : result;
}

uint32_t afp_if_speed_mbps(int ifindex)
{
    struct {
        struct ethtool_link_settings settings;
        uint32_t masks[3 * 127]; /* room for any link_mode_masks_nwords */
    } link;
    struct ethtool_cmd legacy;
    struct ifreq ifr;
    uint32_t speed = 0;
    int fd = afp_ioctl_socket();

    if (fd < 0)
        return 0;
    if (afp_name_of(fd, ifindex, &ifr) != 0)
        goto Done;

    /* The handshake: the first call says how many mask words the driver wants. */
    memset(&link, 0, sizeof(link));
    link.settings.cmd = ETHTOOL_GLINKSETTINGS;
    ifr.ifr_data = (char *)&link;
    if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && link.settings.link_mode_masks_nwords < 0) {
        int8_t words = (int8_t)-link.settings.link_mode_masks_nwords;
        memset(&link, 0, sizeof(link));
        link.settings.cmd = ETHTOOL_GLINKSETTINGS;
        link.settings.link_mode_masks_nwords = words;
        if (ioctl(fd, SIOCETHTOOL, &ifr) == 0 && link.settings.link_mode_masks_nwords > 0) {
            speed = link.settings.speed;
            goto Done;
        }
    }
    memset(&legacy, 0, sizeof(legacy));
    legacy.cmd = ETHTOOL_GSET;
    ifr.ifr_data = (char *)&legacy;
    if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
        speed = ethtool_cmd_speed(&legacy);
Done:
    close(fd);
    return speed == (uint32_t)SPEED_UNKNOWN ? 0 : speed;
}

int afp_flags_connected(unsigned flags)
{
    return (flags & IFF_UP) != 0 && (flags & IFF_RUNNING) != 0;
}

const char *afp_error_text(int error)
{
    switch (-error) {
    case ENODEV:
        return "no such interface";
    case EPFNOSUPPORT:
        return "not an Ethernet interface";
    case EPERM:
    case EACCES:
        return "packet sockets need CAP_NET_RAW (run the host as root)";
    case ENETDOWN:
        return "the interface is down";
    default:
        return strerror(-error);
    }
}

_Static_assert(sizeof(struct afp_iovec) == sizeof(struct iovec) &&
                   offsetof(struct afp_iovec, base) == offsetof(struct iovec, iov_base) &&
                   offsetof(struct afp_iovec, length) == offsetof(struct iovec, iov_len),
               "afp_iovec must be a struct iovec");

static int afp_setsockopt_int_level(int fd, int level, int option, int value)
{
    return setsockopt(fd, level, option, &value, sizeof(value)) == 0 ? 0 : -errno;
}

static int afp_setsockopt_int(int fd, int option, int value)
{
    return afp_setsockopt_int_level(fd, SOL_PACKET, option, value);
}

/* The socket for large sends: a frame of up to 64 KiB does not fit a transmit ring frame, and a
 * socket with a transmit ring sends only from its ring. It receives nothing (protocol 0). Its
 * send buffer is large so that only a receiver that stopped taking frames makes it refuse one.
 * Without it the adapter offers no large send. */
static void afp_large_open(struct afp_port *port, const struct afp_ring_config *config)
{
    struct sockaddr_ll address;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

    if (fd < 0)
        return;
    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_ifindex = port->ifindex;
    if (afp_setsockopt_int(fd, PACKET_VNET_HDR, 1) != 0 ||
        (config->qdisc_bypass && afp_setsockopt_int(fd, PACKET_QDISC_BYPASS, 1) != 0) ||
        bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        close(fd);
        return;
    }
    if (afp_setsockopt_int_level(fd, SOL_SOCKET, SO_SNDBUFFORCE, AFP_LARGE_SNDBUF) != 0)
        afp_setsockopt_int_level(fd, SOL_SOCKET, SO_SNDBUF, AFP_LARGE_SNDBUF);
    port->large_fd = fd;
}

uint32_t afp_rx_block_total(const struct afp_ring_config *config)
{
    if (config->version == AFP_RING_V2)
        return config->rx_block_bytes / config->rx_frame_bytes * config->rx_block_count;
    return config->rx_block_count;
}

/* The transmit socket: protocol 0, so it receives nothing, and the transmit ring. It is apart
 * from the receive socket because the kernel wakes whoever watches a socket each time it frees a
 * frame the socket sent; this one is watched only while its ring is full. */
static int afp_tx_open(struct afp_port *port, const struct afp_ring_config *config)
{
    uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
    uint32_t block_bytes = config->tx_frame_bytes > page ? config->tx_frame_bytes : page;
    uint32_t frames_per_block = block_bytes / config->tx_frame_bytes;
    uint32_t blocks = (config->tx_frame_count + frames_per_block - 1) / frames_per_block;
    struct sockaddr_ll address;
    struct tpacket_req3 tx;
    void *map;
    int result;

    port->tx_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (port->tx_fd < 0)
        return -errno;
    if ((result = afp_setsockopt_int(port->tx_fd, PACKET_VERSION,
             config->version == AFP_RING_V2 ? TPACKET_V2 : TPACKET_V3)) != 0 ||
        /* A malformed transmit frame is dropped instead of stopping the ring. */
        (result = afp_setsockopt_int(port->tx_fd, PACKET_LOSS, 1)) != 0 ||
        (config->qdisc_bypass && (result = afp_setsockopt_int(port->tx_fd, PACKET_QDISC_BYPASS, 1)) != 0) ||
        (port->vnet_bytes != 0 && (result = afp_setsockopt_int(port->tx_fd, PACKET_VNET_HDR, 1)) != 0))
        return result;

    memset(&tx, 0, sizeof(tx));
    tx.tp_block_size = block_bytes;
    tx.tp_block_nr = blocks;
    tx.tp_frame_size = config->tx_frame_bytes;
    tx.tp_frame_nr = blocks * frames_per_block;
    if (setsockopt(port->tx_fd, SOL_PACKET, PACKET_TX_RING, &tx, sizeof(tx)) != 0)
        return -errno;
    map = mmap(NULL, (size_t)block_bytes * blocks, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, port->tx_fd, 0);
    if (map == MAP_FAILED)
        return -errno;
    port->tx_ring = map;
    port->tx_ring_bytes = (size_t)block_bytes * blocks;
    port->tx_frame_bytes = config->tx_frame_bytes;
    port->tx_frame_count = tx.tp_frame_nr;
    /* The transmit frame's data starts where the kernel looks for it without PACKET_TX_HAS_OFF. */
    port->tx_data_offset =
        (uint32_t)((config->version == AFP_RING_V2 ? TPACKET2_HDRLEN : TPACKET3_HDRLEN) - sizeof(struct sockaddr_ll));

    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_ifindex = port->ifindex;
    if (bind(port->tx_fd, (struct sockaddr *)&address, sizeof(address)) != 0)
        return -errno;
    return 0;
}

int afp_port_open(struct afp_port *port, int ifindex, const struct afp_ring_config *config)
{
    struct tpacket_req3 rx;
    struct sockaddr_ll address;
    int v2 = config->version == AFP_RING_V2;
    size_t rx_bytes = (size_t)config->rx_block_bytes * config->rx_block_count;
    int result;
    void *map;

    memset(port, 0, sizeof(*port));
    port->tx_fd = -1;
    port->large_fd = -1;
    port->ifindex = ifindex;
    /* Protocol 0: nothing is received until bind names the interface and ETH_P_ALL. */
    port->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (port->fd < 0)
        return -errno;

    if ((result = afp_setsockopt_int(port->fd, PACKET_VERSION, v2 ? TPACKET_V2 : TPACKET_V3)) != 0 ||
        (result = afp_setsockopt_int(port->fd, PACKET_IGNORE_OUTGOING, 1)) != 0)
        goto Fail;
    /* Frames keep their offload state (checksum left partial, GSO) instead of the kernel
     * finishing them; without the option they arrive just as unfinished, only unlabelled. */
    if (afp_setsockopt_int(port->fd, PACKET_VNET_HDR, 1) == 0)
        port->vnet_bytes = sizeof(struct virtio_net_hdr);

    memset(&rx, 0, sizeof(rx));
    rx.tp_block_size = config->rx_block_bytes;
    rx.tp_block_nr = config->rx_block_count;
    rx.tp_frame_size = v2 ? config->rx_frame_bytes : AFP_RX_NOMINAL_FRAME;
    rx.tp_frame_nr = (config->rx_block_bytes / rx.tp_frame_size) * config->rx_block_count;
    if (!v2)
        rx.tp_retire_blk_tov = config->rx_block_timeout_ms;
    if (setsockopt(port->fd, SOL_PACKET, PACKET_RX_RING, &rx, sizeof(rx)) != 0) {
        result = -errno;
        goto Fail;
    }
    if (v2) {
        /* A frame larger than its slot is queued on the socket (PACKET_COPY_THRESH) and its slot
         * marked TP_STATUS_COPY, in order, instead of being cut short. */
        if ((result = afp_setsockopt_int(port->fd, PACKET_COPY_THRESH, 1)) != 0)
            goto Fail;
        if (afp_setsockopt_int_level(port->fd, SOL_SOCKET, SO_RCVBUFFORCE, AFP_RX_COPY_RCVBUF) != 0)
            afp_setsockopt_int_level(port->fd, SOL_SOCKET, SO_RCVBUF, AFP_RX_COPY_RCVBUF);
        port->copy_area = mmap(NULL, AFP_RX_COPY_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (port->copy_area == MAP_FAILED) {
            port->copy_area = NULL;
            result = -errno;
            goto Fail;
        }
    }
    map = mmap(NULL, rx_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, port->fd, 0);
    if (map == MAP_FAILED) {
        result = -errno;
        goto Fail;
    }
    port->version = config->version;
    port->rx_ring = map;
    port->rx_ring_bytes = rx_bytes;
    port->rx_block_bytes = v2 ? config->rx_frame_bytes : config->rx_block_bytes;
    port->rx_block_count = afp_rx_block_total(config);
    if ((result = afp_tx_open(port, config)) != 0)
        goto Fail;

    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = ifindex;
    if (bind(port->fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        result = -errno;
        goto Fail;
    }
    if (port->vnet_bytes != 0)
        afp_large_open(port, config);
    return 0;

Fail:
    afp_port_close(port);
    return result;
}

void afp_port_close(struct afp_port *port)
{
    if (port->rx_ring != NULL)
        munmap(port->rx_ring, port->rx_ring_bytes);
    if (port->tx_ring != NULL)
        munmap(port->tx_ring, port->tx_ring_bytes);
    if (port->fd >= 0)
        close(port->fd);
    if (port->tx_fd >= 0)
        close(port->tx_fd);
    if (port->large_fd >= 0)
        close(port->large_fd);
    if (port->copy_area != NULL)
        munmap(port->copy_area, AFP_RX_COPY_BYTES);
    memset(port, 0, sizeof(*port));
    port->fd = -1;
    port->tx_fd = -1;
    port->large_fd = -1;
}

int afp_port_membership(struct afp_port *port, int kind, int add, const uint8_t mac[6])
{
    struct packet_mreq request;

    memset(&request, 0, sizeof(request));
    request.mr_ifindex = port->ifindex;
    switch (kind) {
    case AFP_MEMBER_MULTICAST:
        request.mr_type = PACKET_MR_MULTICAST;
        request.mr_alen = 6;
        memcpy(request.mr_address, mac, 6);
        break;
    case AFP_MEMBER_PROMISC:
        request.mr_type = PACKET_MR_PROMISC;
        break;
    default:
        request.mr_type = PACKET_MR_ALLMULTI;
        break;
    }
    if (setsockopt(port->fd, SOL_PACKET, add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &request,
            sizeof(request)) != 0)
        return -errno;
    return 0;
}

int afp_port_take_error(struct afp_port *port)
{
    int error = 0;
    socklen_t length = sizeof(error);

    if (getsockopt(port->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
        return errno;
    return error;
}

uint64_t afp_port_take_drops(struct afp_port *port)
{
    struct tpacket_stats_v3 stats;
    socklen_t length = sizeof(stats);

    memset(&stats, 0, sizeof(stats));
    if (getsockopt(port->fd, SOL_PACKET, PACKET_STATISTICS, &stats, &length) != 0)
        return 0;
    return stats.tp_drops;
}

static uint8_t *afp_rx_block(const struct afp_port *port, uint32_t block)
{
    return port->rx_ring + (size_t)block * port->rx_block_bytes;
}

/* The block's status word: a V3 block descriptor's, or a V2 frame's. */
static uint32_t *afp_rx_status(const struct afp_port *port, uint32_t block)
{
    uint8_t *start = afp_rx_block(port, block);

    if (port->version == AFP_RING_V2)
        return &((struct tpacket2_hdr *)start)->tp_status;
    return &((struct tpacket_block_desc *)start)->hdr.bh1.block_status;
}

uint32_t afp_rx_block_open(const struct afp_port *port, uint32_t block, struct afp_rx_cursor *cursor)
{
    struct tpacket_block_desc *desc = (struct tpacket_block_desc *)afp_rx_block(port, block);

    if ((__atomic_load_n(afp_rx_status(port, block), __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0)
        return 0;
    cursor->port = port;
    if (port->version == AFP_RING_V2) {
        /* The kernel wrote the frame from another core; the status word is written back when
         * the frame returns. Asking for the line exclusively now spares that write (and the
         * interlocked operations after it) a wait for the other core. */
        __builtin_prefetch(desc, 1);
        cursor->remaining = 1;
        cursor->next = (uint8_t *)desc;
        return 1;
    }
    cursor->remaining = desc->hdr.bh1.num_pkts;
    cursor->next = cursor->remaining != 0 ? (uint8_t *)desc + desc->hdr.bh1.offset_to_first_pkt : NULL;
    /* A retired block without frames still has to go back; report it as holding one "frame"
     * the walk will not find, so the caller releases it like any other. */
    return cursor->remaining != 0 ? cursor->remaining : 1;
}

/* What the sender left to offloads, from the virtio_net_hdr at vnet. */
static void afp_vnet_parse(const uint8_t *vnet_at, struct afp_rx_offload *offload)
{
    struct virtio_net_hdr vnet;

    memcpy(&vnet, vnet_at, sizeof(vnet)); /* little-endian, as x86-64 */
    offload->needs_csum = (vnet.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
    offload->csum_start = vnet.csum_start;
    offload->csum_offset = vnet.csum_offset;
    switch (vnet.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_NONE:
        break;
    case VIRTIO_NET_HDR_GSO_TCPV4:
    case VIRTIO_NET_HDR_GSO_TCPV6:
    case AFP_GSO_UDP:
        offload->gso = (uint8_t)(vnet.gso_type & ~VIRTIO_NET_HDR_GSO_ECN);
        offload->gso_size = vnet.gso_size;
        break;
    default:
        offload->gso = AFP_GSO_OTHER;
        break;
    }
}

/* A V2 slot marked TP_STATUS_COPY: the whole frame is the next datagram on the socket. */
static uint8_t *afp_rx_copied(const struct afp_port *port, uint32_t *length, uint32_t *flags)
{
    ssize_t got = recv(port->fd, port->copy_area, AFP_RX_COPY_BYTES, MSG_DONTWAIT | MSG_TRUNC);

    *flags = AFP_RX_COPIED;
    if (got < (ssize_t)port->vnet_bytes) {
        *flags |= AFP_RX_TRUNCATED;
        *length = 0;
        return port->copy_area;
    }
    if (got > (ssize_t)AFP_RX_COPY_BYTES) {
        *flags |= AFP_RX_TRUNCATED;
        got = AFP_RX_COPY_BYTES;
    }
    *length = (uint32_t)got - port->vnet_bytes;
    return port->copy_area + port->vnet_bytes;
}

uint8_t *afp_rx_next(struct afp_rx_cursor *cursor, uint32_t *length, uint32_t *flags, struct afp_rx_offload *offload)
{
    const struct afp_port *port = cursor->port;
    uint8_t *data;

    if (cursor->next == NULL || cursor->remaining == 0)
        return NULL;
    cursor->remaining--;
    *flags = 0;
    if (port->version == AFP_RING_V2) {
        struct tpacket2_hdr *frame = (struct tpacket2_hdr *)cursor->next;

        cursor->next = NULL;
        if (frame->tp_status & TP_STATUS_COPY) {
            data = afp_rx_copied(port, length, flags);
        } else {
            *length = frame->tp_snaplen;
            if (frame->tp_snaplen < frame->tp_len)
                *flags |= AFP_RX_TRUNCATED;
            data = (uint8_t *)frame + frame->tp_mac;
        }
    } else {
        struct tpacket3_hdr *frame = (struct tpacket3_hdr *)cursor->next;

        cursor->next = cursor->remaining != 0 && frame->tp_next_offset != 0 ? (uint8_t *)frame + frame->tp_next_offset
                                                                              : NULL;
        *length = frame->tp_snaplen;
        if (frame->tp_snaplen < frame->tp_len)
            *flags |= AFP_RX_TRUNCATED;
        data = (uint8_t *)frame + frame->tp_mac;
    }
    memset(offload, 0, sizeof(*offload));
    if (port->vnet_bytes != 0 && (*flags & AFP_RX_TRUNCATED) == 0)
        afp_vnet_parse(data - port->vnet_bytes, offload);
    return data;
}

void afp_rx_block_release(const struct afp_port *port, uint32_t block)
{
    __atomic_store_n(afp_rx_status(port, block), TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

static uint8_t *afp_tx_header(const struct afp_port *port, uint32_t index)
{
    return port->tx_ring + (size_t)index * port->tx_frame_bytes;
}

/* A transmit frame's status word, where the ring's layout keeps it. */
static uint32_t *afp_tx_status(const struct afp_port *port, uint8_t *header)
{
    if (port->version == AFP_RING_V2)
        return &((struct tpacket2_hdr *)header)->tp_status;
    return &((struct tpacket3_hdr *)header)->tp_status;
}

uint8_t *afp_tx_frame(const struct afp_port *port, uint32_t index, uint32_t *capacity)
{
    uint8_t *header = afp_tx_header(port, index);
    uint32_t status = __atomic_load_n(afp_tx_status(port, header), __ATOMIC_ACQUIRE);

    if (status & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING))
        return NULL;
    *capacity = port->tx_frame_bytes - port->tx_data_offset - port->vnet_bytes;
    return header + port->tx_data_offset + port->vnet_bytes;
}

/* The virtio_net_hdr for offload (all zero: the frame is finished). */
static void afp_vnet_fill(struct virtio_net_hdr *vnet, const struct afp_tx_offload *offload)
{
    memset(vnet, 0, sizeof(*vnet));
    if (offload == NULL)
        return;
    vnet->flags = offload->needs_csum ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
    vnet->gso_type = offload->gso == AFP_GSO_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_NONE;
    vnet->hdr_len = offload->header_bytes;
    vnet->gso_size = offload->gso_size;
    vnet->csum_start = offload->csum_start;
    vnet->csum_offset = offload->csum_offset;
}

void afp_tx_post(const struct afp_port *port, uint32_t index, uint32_t length, const struct afp_tx_offload *offload)
{
    uint8_t *header = afp_tx_header(port, index);

    if (port->vnet_bytes != 0) {
        struct virtio_net_hdr vnet;

        afp_vnet_fill(&vnet, offload);
        memcpy(header + port->tx_data_offset, &vnet, sizeof(vnet));
    }
    if (port->version == AFP_RING_V2) {
        struct tpacket2_hdr *frame = (struct tpacket2_hdr *)header;
        frame->tp_len = length + port->vnet_bytes;
        frame->tp_snaplen = length + port->vnet_bytes;
    } else {
        struct tpacket3_hdr *frame = (struct tpacket3_hdr *)header;
        frame->tp_next_offset = 0;
        frame->tp_len = length + port->vnet_bytes;
        frame->tp_snaplen = length + port->vnet_bytes;
    }
    __atomic_store_n(afp_tx_status(port, header), TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
}

long afp_tx_send_large(const struct afp_port *port, const struct afp_tx_offload *offload,
    const struct afp_iovec *pieces, unsigned count)
{
    struct iovec iov[1 + AFP_LARGE_PIECES];
    struct virtio_net_hdr vnet;
    struct sockaddr_ll address;
    struct msghdr message;
    ssize_t sent;

    if (port->large_fd < 0 || count > AFP_LARGE_PIECES)
        return -EINVAL;
    afp_vnet_fill(&vnet, offload);
    iov[0].iov_base = &vnet;
    iov[0].iov_len = sizeof(vnet);
    memcpy(iov + 1, pieces, count * sizeof(*pieces));
    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_IP);
    address.sll_ifindex = port->ifindex;
    memset(&message, 0, sizeof(message));
    message.msg_name = &address;
    message.msg_namelen = sizeof(address);
    message.msg_iov = iov;
    message.msg_iovlen = 1 + count;
    do
        sent = sendmsg(port->large_fd, &message, MSG_DONTWAIT);
    while (sent < 0 && errno == EINTR);
    return sent < 0 ? -errno : (long)(sent - (ssize_t)sizeof(vnet));
}

int afp_tx_kick(const struct afp_port *port)
{
    if (send(port->tx_fd, NULL, 0, MSG_DONTWAIT) >= 0)
        return 0;
    return errno == EAGAIN || errno == ENOBUFS ? 0 : -errno;
}

int afp_link_open(void)
{
    struct sockaddr_nl address;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

    if (fd < 0)
        return -errno;
    memset(&address, 0, sizeof(address));
    address.nl_family = AF_NETLINK;
    address.nl_groups = RTMGRP_LINK;
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

void afp_link_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

/* One RTM_NEWLINK / RTM_DELLINK message; returns AFP_LINK_* bits if it is about ifindex. */
static unsigned afp_link_message(const struct nlmsghdr *message, int ifindex, struct afp_link_state *state)
{
    const struct ifinfomsg *info = NLMSG_DATA(message);
    const struct rtattr *attribute;
    int left;

    if (message->nlmsg_len < NLMSG_LENGTH(sizeof(*info)) || info->ifi_index != ifindex)
        return 0;
    if (message->nlmsg_type == RTM_DELLINK)
        return AFP_LINK_DELETED;
    state->flags = info->ifi_flags;
    left = (int)message->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*info));
    for (attribute = IFLA_RTA(info); RTA_OK(attribute, left); attribute = RTA_NEXT(attribute, left)) {
        if (attribute->rta_type == IFLA_MTU && RTA_PAYLOAD(attribute) >= sizeof(uint32_t))
            memcpy(&state->mtu, RTA_DATA(attribute), sizeof(uint32_t));
        else if (attribute->rta_type == IFLA_ADDRESS && RTA_PAYLOAD(attribute) == 6)
            memcpy(state->mac, RTA_DATA(attribute), 6);
    }
    return AFP_LINK_CHANGED;
}

unsigned afp_link_read(int fd, int ifindex, struct afp_link_state *state)
{
    uint8_t buffer[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
    unsigned result = 0;

    for (;;) {
        const struct nlmsghdr *message;
        ssize_t got = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT | MSG_TRUNC);
        int left;

        if (got < 0) {
            if (errno == ENOBUFS) {
                result |= AFP_LINK_OVERRUN;
                continue;
            }
            break; /* EAGAIN: read everything */
        }
        if ((size_t)got > sizeof(buffer)) {
            result |= AFP_LINK_OVERRUN;
            continue;
        }
        left = (int)got;
        for (message = (const struct nlmsghdr *)buffer; NLMSG_OK(message, left); message = NLMSG_NEXT(message, left))
            if (message->nlmsg_type == RTM_NEWLINK || message->nlmsg_type == RTM_DELLINK)
                result |= afp_link_message(message, ifindex, state);
    }
    return result;
}
