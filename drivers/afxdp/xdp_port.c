/* xdp_port.c — the Linux half of the afxdp miniport (issue 6, deliverable 1; see xdp_port.h): a
 * receive AF_XDP socket made with libxdp and a transmit socket sharing its UMEM, their rings in
 * batches, the interface queries through ioctl, an
 * AF_PACKET socket that carries the multicast and promiscuous memberships (the kernel drops them
 * when it closes), and an rtnetlink link watch. No NDIS here: this file is plain Linux C. */
#define _GNU_SOURCE
#include "xdp_port.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

_Static_assert(XP_IFNAME_BYTES == IFNAMSIZ, "XP_IFNAME_BYTES is IFNAMSIZ");
_Static_assert(XP_IFF_UP == IFF_UP && XP_IFF_RUNNING == IFF_RUNNING, "interface flags");
_Static_assert(XP_ERR_NOMEM == -ENOMEM && XP_ERR_NODEV == -ENODEV && XP_ERR_NOT_ETHERNET == -EPFNOSUPPORT,
    "error values");
_Static_assert(XP_RX_HEADROOM == XDP_PACKET_HEADROOM, "XP_RX_HEADROOM is XDP_PACKET_HEADROOM");

/* A queue whose socket was closed a moment ago stays taken until the kernel's deferred release
 * runs (bind fails with EBUSY meanwhile): a restarted adapter waits this long for it. */
#define XP_BUSY_RETRY_MS 1000
#define XP_BUSY_STEP_MS  20

/* How often one xp_tx_kick calls the kernel while posted frames remain. */
#define XP_TX_KICKS 4

struct xp_port {
    struct xsk_ring_prod fill;
    struct xsk_ring_cons comp;
    struct xsk_ring_cons rx;
    struct xsk_ring_prod tx;
    struct xsk_umem *umem;
    struct xsk_socket *xsk; /* receives: the receive ring, and the fill and completion rings */
    uint8_t *area;
    size_t area_bytes;
    int fd;
    int tx_fd;              /* transmits: the transmit ring, sharing the UMEM (xp_tx_open) */
    void *tx_map;
    size_t tx_map_bytes;
    int ifindex;
    int member_fd;          /* AF_PACKET, protocol 0: receives nothing, holds memberships */
    uint32_t attached_prog; /* the program our socket made libxdp attach; 0 if one was there */
    char mode[XP_MODE_BYTES];
};

/* libxdp's last warning on this thread: the "why" of a failed xsk_socket__create. */
static __thread char xp_libxdp_message[160];

static int xp_libxdp_print(enum libxdp_print_level level, const char *format, va_list args)
{
    size_t length;

    if (level != LIBXDP_WARN)
        return 0;
    vsnprintf(xp_libxdp_message, sizeof(xp_libxdp_message), format, args);
    length = strlen(xp_libxdp_message);
    while (length != 0 && (xp_libxdp_message[length - 1] == '\n' || xp_libxdp_message[length - 1] == '.'))
        xp_libxdp_message[--length] = '\0';
    return 0;
}

/* libbpf's notes about the ELF sections of libxdp's own objects are noise in the host log. */
static int xp_libbpf_print(enum libbpf_print_level level, const char *format, va_list args)
{
    (void)level;
    (void)format;
    (void)args;
    return 0;
}

static void xp_install_printers(void)
{
    libxdp_set_print(xp_libxdp_print);
    libbpf_set_print(xp_libbpf_print);
}

const char *xp_error_text(int error)
{
    return strerror(error < 0 ? -error : error);
}

/* ---- the interface ------------------------------------------------------------------------- */

static int xp_if_query_name(int sock, const char *ifname, struct xp_if_info *info)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
    if (ioctl(sock, SIOCGIFINDEX, &ifr) != 0)
        return errno == ENODEV ? -ENODEV : -errno;
    info->ifindex = ifr.ifr_ifindex;
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0)
        return -errno;
    info->flags = (unsigned short)ifr.ifr_flags;
    if (ioctl(sock, SIOCGIFMTU, &ifr) != 0)
        return -errno;
    info->mtu = (uint32_t)ifr.ifr_mtu;
    if (ioctl(sock, SIOCGIFHWADDR, &ifr) != 0)
        return -errno;
    if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
        return -EPFNOSUPPORT;
    memcpy(info->mac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

int xp_if_query(const char *ifname, struct xp_if_info *info)
{
    int sock;
    int result;

    if (ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ)
        return -EINVAL;
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return -errno;
    result = xp_if_query_name(sock, ifname, info);
    close(sock);
    return result;
}

int xp_if_query_index(int ifindex, struct xp_if_info *info)
{
    char name[IFNAMSIZ];

    if (if_indextoname((unsigned)ifindex, name) == NULL)
        return -ENODEV;
    return xp_if_query(name, info);
}

uint32_t xp_if_speed_mbps(int ifindex)
{
    struct ethtool_cmd cmd;
    struct ifreq ifr;
    uint32_t speed = 0;
    int sock;

    memset(&ifr, 0, sizeof(ifr));
    if (if_indextoname((unsigned)ifindex, ifr.ifr_name) == NULL)
        return 0;
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return 0;
    memset(&cmd, 0, sizeof(cmd));
    cmd.cmd = ETHTOOL_GSET;
    ifr.ifr_data = (char *)&cmd;
    if (ioctl(sock, SIOCETHTOOL, &ifr) == 0) {
        speed = ethtool_cmd_speed(&cmd);
        if (speed == (uint32_t)SPEED_UNKNOWN)
            speed = 0;
    }
    close(sock);
    return speed;
}

/* ---- the default program --------------------------------------------------------------------- */

/* The program attached to ifindex in any mode, and that mode's flag; 0 when none. */
static uint32_t xp_attached_program(int ifindex, uint32_t *mode_flag)
{
    LIBBPF_OPTS(bpf_xdp_query_opts, query);

    *mode_flag = 0;
    if (bpf_xdp_query(ifindex, 0, &query) != 0)
        return 0;
    if (query.drv_prog_id != 0) {
        *mode_flag = XDP_FLAGS_DRV_MODE;
        return query.drv_prog_id;
    }
    if (query.skb_prog_id != 0) {
        *mode_flag = XDP_FLAGS_SKB_MODE;
        return query.skb_prog_id;
    }
    return 0;
}

/* How many sockets libxdp counts as users of its default program prog_id: the int at the start
 * of the program's .data map (libxdp's refcnt). 0 when there is no such map. */
static int xp_program_users(uint32_t prog_id)
{
    uint32_t map_ids[8];
    struct bpf_prog_info prog_info;
    uint32_t info_length = sizeof(prog_info);
    int users = 0;
    uint32_t i;
    int prog_fd;

    prog_fd = bpf_prog_get_fd_by_id(prog_id);
    if (prog_fd < 0)
        return 0;
    memset(&prog_info, 0, sizeof(prog_info));
    prog_info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
    prog_info.map_ids = (uint64_t)(uintptr_t)map_ids;
    if (bpf_obj_get_info_by_fd(prog_fd, &prog_info, &info_length) != 0) {
        close(prog_fd);
        return 0;
    }
    for (i = 0; i < prog_info.nr_map_ids && i < sizeof(map_ids) / sizeof(map_ids[0]); i++) {
        struct bpf_map_info map_info;
        uint32_t map_length = sizeof(map_info);
        uint8_t value[64];
        uint32_t key = 0;
        int map_fd = bpf_map_get_fd_by_id(map_ids[i]);

        if (map_fd < 0)
            continue;
        memset(&map_info, 0, sizeof(map_info));
        if (bpf_obj_get_info_by_fd(map_fd, &map_info, &map_length) == 0 && strstr(map_info.name, ".data") &&
            map_info.value_size >= sizeof(int) && map_info.value_size <= sizeof(value) &&
            bpf_map_lookup_elem(map_fd, &key, value) == 0)
            memcpy(&users, value, sizeof(users));
        close(map_fd);
    }
    close(prog_fd);
    return users;
}

/* Detaches prog_id from ifindex if it is still there and libxdp counts no user of it. */
static void xp_drop_program(int ifindex, uint32_t prog_id)
{
    LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
    uint32_t mode_flag;
    int prog_fd;

    if (prog_id == 0 || xp_attached_program(ifindex, &mode_flag) != prog_id || xp_program_users(prog_id) > 0)
        return;
    prog_fd = bpf_prog_get_fd_by_id(prog_id);
    if (prog_fd < 0)
        return;
    /* XDP_FLAGS_REPLACE with the old program: never detaches a program someone put there since. */
    opts.old_prog_fd = prog_fd;
    bpf_xdp_detach(ifindex, mode_flag | XDP_FLAGS_REPLACE, &opts);
    close(prog_fd);
}

/* ---- the socket ---------------------------------------------------------------------------- */

struct xp_attempt {
    int zero_copy;
    int generic;
};

/* The (copy mode, XDP mode) pairs config allows, best first. */
static unsigned xp_plan(const struct xp_config *config, struct xp_attempt attempts[3])
{
    unsigned count = 0;

    if (config->zero_copy != XP_ZEROCOPY_OFF && config->xdp_mode != XP_XDP_GENERIC)
        attempts[count++] = (struct xp_attempt){ 1, 0 };
    if (config->zero_copy == XP_ZEROCOPY_ON)
        return count;
    if (config->xdp_mode != XP_XDP_GENERIC)
        attempts[count++] = (struct xp_attempt){ 0, 0 };
    if (config->xdp_mode != XP_XDP_NATIVE)
        attempts[count++] = (struct xp_attempt){ 0, 1 };
    return count;
}

/* Errors no other mode can cure: trying the next one would only hide the reason. */
static int xp_final_error(int error)
{
    return error == -EPERM || error == -EACCES || error == -ENODEV || error == -ENOMEM ||
           error == -EAFNOSUPPORT || error == -EBUSY || error == -ENOBUFS;
}

static void xp_sleep_ms(unsigned ms)
{
    struct timespec delay = { 0, (long)ms * 1000000L };

    nanosleep(&delay, NULL);
}

/* The transmit socket: a second AF_XDP socket on the same queue that shares the receive socket's
 * UMEM, and so its completion ring (XDP_SHARED_UMEM), with a transmit ring only. It is apart from
 * the receive socket because the kernel wakes whoever watches a socket each time it frees a frame
 * the socket sent; this one is watched only while sends wait. libxdp's shared sockets would share
 * its program bookkeeping too (both would close the program), so it is made here. */
static int xp_tx_open(struct xp_port *port, const struct xp_config *config)
{
    struct xdp_mmap_offsets offsets;
    socklen_t length = sizeof(offsets);
    struct sockaddr_xdp address;
    uint32_t size = config->tx_frames;
    uint8_t *map;

    port->tx_fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (port->tx_fd < 0)
        return -errno;
    if (setsockopt(port->tx_fd, SOL_XDP, XDP_TX_RING, &size, sizeof(size)) != 0 ||
        getsockopt(port->tx_fd, SOL_XDP, XDP_MMAP_OFFSETS, &offsets, &length) != 0)
        return -errno;
    port->tx_map_bytes = offsets.tx.desc + size * sizeof(struct xdp_desc);
    map = mmap(NULL, port->tx_map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, port->tx_fd,
        XDP_PGOFF_TX_RING);
    if (map == MAP_FAILED)
        return -errno;
    port->tx_map = map;
    port->tx.mask = size - 1;
    port->tx.size = size;
    port->tx.producer = (uint32_t *)(map + offsets.tx.producer);
    port->tx.consumer = (uint32_t *)(map + offsets.tx.consumer);
    port->tx.flags = (uint32_t *)(map + offsets.tx.flags);
    port->tx.ring = map + offsets.tx.desc;
    port->tx.cached_prod = *port->tx.producer;
    port->tx.cached_cons = *port->tx.consumer + size; /* xsk_prod_nb_free counts from a lap ahead */

    memset(&address, 0, sizeof(address));
    address.sxdp_family = AF_XDP;
    address.sxdp_ifindex = (uint32_t)port->ifindex;
    address.sxdp_queue_id = config->queue;
    address.sxdp_flags = XDP_SHARED_UMEM;
    address.sxdp_shared_umem_fd = (uint32_t)xsk_umem__fd(port->umem);
    if (bind(port->tx_fd, (struct sockaddr *)&address, sizeof(address)) != 0)
        return -errno;
    return 0;
}

static void xp_tx_close(struct xp_port *port)
{
    if (port->tx_map != NULL)
        munmap(port->tx_map, port->tx_map_bytes);
    if (port->tx_fd >= 0)
        close(port->tx_fd);
    port->tx_map = NULL;
    port->tx_fd = -1;
}

/* One attempt: a UMEM over the area, the receive socket bound in the attempt's modes and the
 * transmit socket beside it. */
static int xp_try_create(struct xp_port *port, const struct xp_config *config, const struct xp_attempt *attempt,
    const char **step)
{
    struct xsk_umem_config umem_config;
    struct xsk_socket_config socket_config;
    unsigned waited = 0;
    int result;

    memset(&umem_config, 0, sizeof(umem_config));
    umem_config.fill_size = config->rx_frames;
    umem_config.comp_size = config->tx_frames;
    umem_config.frame_size = config->frame_size;
    umem_config.frame_headroom = 0;
    *step = "AF_XDP UMEM";
    result = xsk_umem__create(&port->umem, port->area, port->area_bytes, &port->fill, &port->comp, &umem_config);
    if (result != 0) {
        port->umem = NULL;
        return result;
    }

    memset(&socket_config, 0, sizeof(socket_config));
    socket_config.rx_size = config->rx_frames;
    socket_config.xdp_flags = attempt->generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
    socket_config.bind_flags = (uint16_t)((attempt->zero_copy ? XDP_ZEROCOPY : XDP_COPY) | XDP_USE_NEED_WAKEUP);
    *step = "AF_XDP socket";
    for (;;) {
        xp_libxdp_message[0] = '\0';
        result = xsk_socket__create(&port->xsk, config->ifname, config->queue, port->umem, &port->rx, NULL,
            &socket_config);
        if (result != -EBUSY || waited >= XP_BUSY_RETRY_MS)
            break;
        xp_sleep_ms(XP_BUSY_STEP_MS);
        waited += XP_BUSY_STEP_MS;
    }
    if (result == 0) {
        *step = "AF_XDP transmit socket";
        result = xp_tx_open(port, config);
        if (result != 0) {
            xp_tx_close(port);
            xsk_socket__delete(port->xsk);
        }
    }
    if (result != 0) {
        port->xsk = NULL;
        xsk_umem__delete(port->umem);
        port->umem = NULL;
    }
    return result;
}

/* One line for a failed step: the errno text, libxdp's own words when it said something, and
 * what the usual causes of that errno are here. */
static void xp_describe(char error[XP_ERROR_BYTES], const struct xp_config *config, const struct xp_attempt *attempt,
    const char *step, int result)
{
    char text[96];
    const char *hint = "";

    libxdp_strerror(result, text, sizeof(text));
    if (result == -EPERM || result == -EACCES)
        hint = " (AF_XDP needs root: CAP_NET_RAW, CAP_BPF and CAP_NET_ADMIN)";
    else if (result == -EAFNOSUPPORT)
        hint = " (the kernel has no AF_XDP sockets: CONFIG_XDP_SOCKETS)";
    else if (result == -EBUSY)
        hint = " (another AF_XDP socket or XDP program already uses this queue)";
    else if (result == -EOPNOTSUPP && attempt->zero_copy)
        hint = " (the driver has no AF_XDP zero-copy support; ZeroCopy=2 falls back to copy mode)";
    else if (result == -EOPNOTSUPP && !attempt->generic)
        hint = " (the driver has no native XDP; XdpMode=0 or 2 uses generic XDP)";
    else if (result == -EINVAL && strcmp(step, "AF_XDP socket") == 0)
        hint = " (no such queue, or the driver refused the mode)";
    else if (result == -ENOBUFS || result == -ENOMEM)
        hint = " (locked memory limit too low for the UMEM)";
    snprintf(error, XP_ERROR_BYTES, "%.24s on %.15s queue %u: %.80s%s%.100s%s", step, config->ifname, (unsigned)config->queue, text,
        xp_libxdp_message[0] != '\0' ? " (libxdp: " : "", xp_libxdp_message,
        xp_libxdp_message[0] != '\0' ? ")" : hint);
}

static int xp_member_socket(int ifindex)
{
    struct sockaddr_ll address;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -errno;
    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_protocol = 0; /* no packet type: this socket never receives a frame */
    address.sll_ifindex = ifindex;
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
        int error = -errno;
        close(fd);
        return error;
    }
    return fd;
}

int xp_port_open(struct xp_port **result_port, const struct xp_config *config, char error[XP_ERROR_BYTES])
{
    static pthread_once_t printers = PTHREAD_ONCE_INIT;
    struct xp_attempt attempts[3];
    struct xp_port *port;
    const char *step = "AF_XDP socket";
    uint32_t before;
    uint32_t mode_flag;
    unsigned count;
    unsigned i;
    int result = -EINVAL;

    *result_port = NULL;
    error[0] = '\0';
    pthread_once(&printers, xp_install_printers);
    count = xp_plan(config, attempts);
    if (count == 0) {
        snprintf(error, XP_ERROR_BYTES, "zero-copy AF_XDP on %s needs native XDP (XdpMode=0 or 1)", config->ifname);
        return -EINVAL;
    }
    port = calloc(1, sizeof(*port));
    if (port == NULL) {
        snprintf(error, XP_ERROR_BYTES, "AF_XDP port for %s: out of memory", config->ifname);
        return -ENOMEM;
    }
    port->fd = -1;
    port->tx_fd = -1;
    port->member_fd = -1;
    port->ifindex = (int)if_nametoindex(config->ifname);
    if (port->ifindex == 0) {
        snprintf(error, XP_ERROR_BYTES, "no interface named %s", config->ifname);
        free(port);
        return -ENODEV;
    }
    port->area_bytes = (size_t)(config->rx_frames + config->tx_frames) * config->frame_size;
    port->area = mmap(NULL, port->area_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (port->area == MAP_FAILED) {
        result = -errno;
        snprintf(error, XP_ERROR_BYTES, "UMEM of %zu bytes for %s: %s", port->area_bytes, config->ifname,
            xp_error_text(result));
        free(port);
        return result;
    }

    before = xp_attached_program(port->ifindex, &mode_flag);
    for (i = 0; i < count; i++) {
        result = xp_try_create(port, config, &attempts[i], &step);
        if (result == 0) {
            struct xdp_options options;
            socklen_t length = sizeof(options);
            int zero_copy = attempts[i].zero_copy;

            if (getsockopt(xsk_socket__fd(port->xsk), SOL_XDP, XDP_OPTIONS, &options, &length) == 0)
                zero_copy = (options.flags & XDP_OPTIONS_ZEROCOPY) != 0;
            snprintf(port->mode, sizeof(port->mode), "%s, %s XDP", zero_copy ? "zero-copy" : "copy mode",
                attempts[i].generic ? "generic (skb)" : "native");
            error[0] = '\0'; /* what an earlier mode said does not matter any more */
            break;
        }
        xp_describe(error, config, &attempts[i], step, result);
        if (before == 0)
            xp_drop_program(port->ifindex, xp_attached_program(port->ifindex, &mode_flag));
        if (xp_final_error(result))
            break;
    }
    if (result != 0) {
        munmap(port->area, port->area_bytes);
        free(port);
        return result;
    }
    port->fd = xsk_socket__fd(port->xsk);
    if (before == 0)
        port->attached_prog = xp_attached_program(port->ifindex, &mode_flag);

    port->member_fd = xp_member_socket(port->ifindex);
    if (port->member_fd < 0) {
        result = port->member_fd;
        xp_port_close(port);
        snprintf(error, XP_ERROR_BYTES, "packet socket for memberships on %s: %s", config->ifname,
            xp_error_text(result));
        return result;
    }
    *result_port = port;
    return 0;
}

void xp_port_close(struct xp_port *port)
{
    if (port == NULL)
        return;
    if (port->member_fd >= 0)
        close(port->member_fd);
    xp_tx_close(port);
    xsk_socket__delete(port->xsk);
    xsk_umem__delete(port->umem);
    xp_drop_program(port->ifindex, port->attached_prog);
    munmap(port->area, port->area_bytes);
    free(port);
}

int xp_port_fd(const struct xp_port *port)
{
    return port->fd;
}

int xp_port_tx_fd(const struct xp_port *port)
{
    return port->tx_fd;
}

const char *xp_port_mode(const struct xp_port *port)
{
    return port->mode;
}

uint8_t *xp_port_data(const struct xp_port *port, uint64_t addr)
{
    return (uint8_t *)xsk_umem__get_data(port->area, addr);
}

int xp_port_stats(const struct xp_port *port, struct xp_stats *stats)
{
    struct xdp_statistics raw;
    socklen_t length = sizeof(raw);

    memset(&raw, 0, sizeof(raw));
    if (getsockopt(port->fd, SOL_XDP, XDP_STATISTICS, &raw, &length) != 0)
        return -errno;
    stats->rx_dropped = raw.rx_dropped;
    stats->rx_invalid = raw.rx_invalid_descs;
    stats->tx_invalid = raw.tx_invalid_descs;
    stats->rx_ring_full = raw.rx_ring_full;
    stats->rx_fill_ring_empty = raw.rx_fill_ring_empty_descs;
    return 0;
}

int xp_port_membership(struct xp_port *port, int kind, int add, const uint8_t mac[6])
{
    struct packet_mreq request;

    memset(&request, 0, sizeof(request));
    request.mr_ifindex = port->ifindex;
    switch (kind) {
    case XP_MEMBER_MULTICAST:
        request.mr_type = PACKET_MR_MULTICAST;
        request.mr_alen = 6;
        memcpy(request.mr_address, mac, 6);
        break;
    case XP_MEMBER_PROMISC:
        request.mr_type = PACKET_MR_PROMISC;
        break;
    case XP_MEMBER_ALLMULTI:
        request.mr_type = PACKET_MR_ALLMULTI;
        break;
    default:
        return -EINVAL;
    }
    if (setsockopt(port->member_fd, SOL_PACKET, add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &request,
            sizeof(request)) != 0)
        return -errno;
    return 0;
}

/* ---- the rings ----------------------------------------------------------------------------- */

void xp_fill(struct xp_port *port, const uint64_t *addrs, uint32_t count)
{
    uint32_t index;
    uint32_t i;

    if (count == 0 || xsk_ring_prod__reserve(&port->fill, count, &index) != count)
        return;
    for (i = 0; i < count; i++)
        *xsk_ring_prod__fill_addr(&port->fill, index + i) = addrs[i];
    xsk_ring_prod__submit(&port->fill, count);
    /* A zero-copy driver that ran dry sleeps until told the ring has frames again. */
    if (xsk_ring_prod__needs_wakeup(&port->fill))
        recvfrom(port->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

uint32_t xp_rx_take(struct xp_port *port, uint64_t *addrs, uint32_t *lengths, uint32_t max)
{
    uint32_t index;
    uint32_t count = xsk_ring_cons__peek(&port->rx, max, &index);
    uint32_t i;

    for (i = 0; i < count; i++) {
        const struct xdp_desc *desc = xsk_ring_cons__rx_desc(&port->rx, index + i);
        addrs[i] = desc->addr;
        lengths[i] = desc->len;
    }
    if (count != 0)
        xsk_ring_cons__release(&port->rx, count);
    return count;
}

int xp_rx_ready(struct xp_port *port)
{
    return xsk_cons_nb_avail(&port->rx, 1) != 0;
}

void xp_tx_post(struct xp_port *port, const uint64_t *addrs, const uint32_t *lengths, uint32_t count)
{
    uint32_t index;
    uint32_t i;

    if (count == 0 || xsk_ring_prod__reserve(&port->tx, count, &index) != count)
        return;
    for (i = 0; i < count; i++) {
        struct xdp_desc *desc = xsk_ring_prod__tx_desc(&port->tx, index + i);
        desc->addr = addrs[i];
        desc->len = lengths[i];
        desc->options = 0;
    }
    xsk_ring_prod__submit(&port->tx, count);
}

int xp_tx_kick(struct xp_port *port)
{
    unsigned kicks;

    /* Always: the kernel sets XDP_RING_NEED_WAKEUP on the transmit rings bound when the pool was
     * made, which the transmit socket's, bound after it, was not. A copy-mode call sends at most
     * 32 frames, so the kick repeats while posted frames remain, a few times at most. */
    for (kicks = 0; kicks < XP_TX_KICKS; kicks++) {
        if (sendto(port->tx_fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0) {
            if (errno == EAGAIN || errno == EBUSY || errno == ENOBUFS)
                return 0;
            return -errno;
        }
        if (__atomic_load_n(port->tx.consumer, __ATOMIC_ACQUIRE) == port->tx.cached_prod)
            return 0;
    }
    return 0;
}

uint32_t xp_tx_reap(struct xp_port *port, uint64_t *addrs, uint32_t max)
{
    uint32_t index;
    uint32_t count = xsk_ring_cons__peek(&port->comp, max, &index);
    uint32_t i;

    for (i = 0; i < count; i++)
        addrs[i] = *xsk_ring_cons__comp_addr(&port->comp, index + i);
    if (count != 0)
        xsk_ring_cons__release(&port->comp, count);
    return count;
}

/* ---- link state ---------------------------------------------------------------------------- */

int xp_link_open(void)
{
    struct sockaddr_nl address;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);

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

void xp_link_close(int fd)
{
    if (fd >= 0)
        close(fd);
}

unsigned xp_link_read(int fd, int ifindex, unsigned *flags)
{
    /* Aligned for struct nlmsghdr; a link message with all its attributes fits in a page. */
    uint64_t buffer[1024];
    unsigned result = 0;

    for (;;) {
        ssize_t length = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
        struct nlmsghdr *message;

        if (length < 0) {
            if (errno == ENOBUFS) {
                result |= XP_LINK_OVERRUN;
                continue;
            }
            return result; /* EAGAIN: read everything */
        }
        for (message = (struct nlmsghdr *)buffer; NLMSG_OK(message, (unsigned)length);
             message = NLMSG_NEXT(message, length)) {
            const struct ifinfomsg *info = (const struct ifinfomsg *)NLMSG_DATA(message);

            if (message->nlmsg_type != RTM_NEWLINK && message->nlmsg_type != RTM_DELLINK)
                continue;
            if (message->nlmsg_len < NLMSG_LENGTH(sizeof(*info)) || info->ifi_index != ifindex)
                continue;
            if (message->nlmsg_type == RTM_DELLINK) {
                result |= XP_LINK_DELETED;
            } else {
                *flags = info->ifi_flags;
                result |= XP_LINK_CHANGED;
            }
        }
    }
}
