/* tap_linux.c — the Linux system calls behind tap_linux.h (issue 6, deliverables 1 and 2): TAP
 * creation with TUNSETIFF, addresses, MTU, carrier and the receive filter, frame reads and
 * writes, and an rtnetlink watcher that follows the device's link state across namespaces. */
#define _GNU_SOURCE
#include "tap_linux.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if_tun.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

_Static_assert(sizeof(tap_iovec) == sizeof(struct iovec), "tap_iovec must be a struct iovec");
_Static_assert(offsetof(tap_iovec, base) == offsetof(struct iovec, iov_base), "tap_iovec.base");
_Static_assert(offsetof(tap_iovec, length) == offsetof(struct iovec, iov_len), "tap_iovec.length");

#define TAP_NETLINK_BUFFER 8192
#define TAP_LINK_LOST      (-2) /* tap_link.nsid of a device whose namespace we cannot name */

int tap_name_valid(const char *name)
{
    size_t length = strnlen(name, TAP_NAME_BYTES);
    const char *percent = strchr(name, '%');

    if (length == 0 || length == TAP_NAME_BYTES || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (const char *c = name; *c != '\0'; c++)
        if (*c == '/' || *c == ':' || isspace((unsigned char)*c) || (unsigned char)*c < 0x20 || (unsigned char)*c > 0x7E)
            return 0;
    /* The kernel numbers a name with one "%d" and refuses any other '%'. */
    return percent == NULL || (percent[1] == 'd' && strchr(percent + 1, '%') == NULL);
}

/* "TAP <name>: <what>[: <strerror(err)>][<hint>]" into error; returns result. */
static enum tap_result tap_fail(char *error, enum tap_result result, const char *name, const char *what, int err,
                                const char *hint)
{
    snprintf(error, TAP_ERROR_BYTES, "TAP %s: %s%s%s%s", name, what, err != 0 ? ": " : "",
             err != 0 ? strerror(err) : "", hint);
    return result;
}

enum tap_result tap_create(tap_device *dev, const char *name, unsigned queues, int vnet_hdr,
                           char error[TAP_ERROR_BYTES])
{
    enum tap_result result = TAP_OK;
    unsigned q;

    memset(dev, 0, sizeof(*dev));
    for (q = 0; q < TAP_MAX_QUEUES; q++)
        dev->fds[q] = -1;
    error[0] = '\0';
    if (!tap_name_valid(name)) {
        snprintf(error, TAP_ERROR_BYTES, "TAP name \"%.40s\" is not a valid interface name (1-15 characters, "
            "no '/', ':' or spaces)", name);
        return TAP_INVALID_NAME;
    }
    if (queues == 0 || queues > TAP_MAX_QUEUES) {
        snprintf(error, TAP_ERROR_BYTES, "TAP %s: %u queues (1-%u)", name, queues, TAP_MAX_QUEUES);
        return TAP_UNSUPPORTED;
    }
    dev->queues = queues;
    dev->vnet_hdr = vnet_hdr != 0;
    snprintf(dev->name, sizeof(dev->name), "%s", name);

    for (q = 0; q < queues && result == TAP_OK; q++) {
        struct ifreq ifr;
        int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

        if (fd < 0) {
            int err = errno;
            result = err == ENOENT || err == ENODEV
                ? tap_fail(error, TAP_UNSUPPORTED, name, "cannot open /dev/net/tun", err, "")
                : err == EACCES || err == EPERM
                ? tap_fail(error, TAP_NO_PERMISSION, name, "cannot open /dev/net/tun", err, " (needs root)")
                : tap_fail(error, TAP_SYSTEM_ERROR, name, "cannot open /dev/net/tun", err, "");
            break;
        }
        memset(&ifr, 0, sizeof(ifr));
        /* The first descriptor makes the device and must not attach to an existing one; the
         * others join it under the name the kernel gave it. */
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        if (vnet_hdr)
            ifr.ifr_flags |= IFF_VNET_HDR;
        if (queues > 1)
            ifr.ifr_flags |= IFF_MULTI_QUEUE;
        if (q == 0)
            ifr.ifr_flags |= IFF_TUN_EXCL;
        memcpy(ifr.ifr_name, dev->name, sizeof(dev->name));
        if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
            int err = errno;
            close(fd);
            result = err == EBUSY
                ? tap_fail(error, TAP_NAME_EXISTS, name, "an interface of that name already exists", 0, "")
                : err == EPERM || err == EACCES
                ? tap_fail(error, TAP_NO_PERMISSION, name, "cannot create the device", err, " (needs CAP_NET_ADMIN)")
                : err == EINVAL
                ? tap_fail(error, TAP_UNSUPPORTED, name, "the kernel refused the device", err, "")
                : tap_fail(error, TAP_SYSTEM_ERROR, name, "cannot create the device", err, "");
            break;
        }
        memcpy(dev->name, ifr.ifr_name, sizeof(dev->name));
        dev->name[TAP_NAME_BYTES - 1] = '\0';
        dev->fds[q] = fd;
    }
    if (result != TAP_OK)
        tap_destroy(dev);
    return result;
}

void tap_destroy(tap_device *dev)
{
    unsigned q;

    for (q = 0; q < TAP_MAX_QUEUES; q++) {
        if (dev->fds[q] >= 0)
            close(dev->fds[q]);
        dev->fds[q] = -1;
    }
    dev->queues = 0;
}

int tap_set_mtu(const tap_device *dev, unsigned mtu, char error[TAP_ERROR_BYTES])
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int result = 0;

    if (fd >= 0) {
        memset(&ifr, 0, sizeof(ifr));
        memcpy(ifr.ifr_name, dev->name, sizeof(ifr.ifr_name));
        ifr.ifr_mtu = (int)mtu;
        if (ioctl(fd, SIOCSIFMTU, &ifr) != 0)
            result = -errno;
        close(fd);
    } else {
        result = -errno;
    }
    if (result != 0)
        snprintf(error, TAP_ERROR_BYTES, "TAP %s: cannot set MTU %u: %s", dev->name, mtu, strerror(-result));
    return result;
}

int tap_set_address(const tap_device *dev, const uint8_t mac[6])
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    return ioctl(dev->fds[0], SIOCSIFHWADDR, &ifr) == 0 ? 0 : -errno;
}

int tap_set_carrier(const tap_device *dev, int on)
{
    int carrier = on != 0;

    return ioctl(dev->fds[0], TUNSETCARRIER, &carrier) == 0 ? 0 : -errno;
}

int tap_set_rx_filter(const tap_device *dev, int accept_all, int all_multicast, const uint8_t *addresses,
                      unsigned count)
{
    union {
        struct tun_filter filter;
        uint8_t bytes[sizeof(struct tun_filter) + TAP_MAX_FILTER * 6];
    } request;

    if (count > TAP_MAX_FILTER)
        return -EINVAL;
    memset(&request, 0, sizeof(request));
    /* No addresses is the kernel's "no filter". */
    if (!accept_all) {
        request.filter.flags = all_multicast ? TUN_FLT_ALLMULTI : 0;
        request.filter.count = (uint16_t)count;
        if (count != 0)
            memcpy(request.filter.addr, addresses, (size_t)count * 6);
    }
    return ioctl(dev->fds[0], TUNSETTXFILTER, &request) == 0 ? 0 : -errno;
}

long tap_read(int fd, void *buffer, size_t length)
{
    for (;;) {
        ssize_t n = read(fd, buffer, length);

        if (n >= 0)
            return n == 0 ? -EIO : (long)n;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN ? 0 : -errno;
    }
}

_Static_assert(TAP_OFFLOAD_CSUM == TUN_F_CSUM && TAP_OFFLOAD_TSO4 == TUN_F_TSO4, "TUN_F_ values");

int tap_set_offload(const tap_device *dev, unsigned flags)
{
    unsigned q;

    for (q = 0; q < dev->queues; q++)
        if (ioctl(dev->fds[q], TUNSETOFFLOAD, (unsigned long)flags) != 0)
            return -errno;
    return 0;
}

long tap_write(int fd, const tap_iovec *pieces, unsigned count)
{
    for (;;) {
        ssize_t n = writev(fd, (const struct iovec *)pieces, (int)count);

        if (n >= 0)
            return (long)n;
        if (errno != EINTR)
            return -errno;
    }
}

/* ---- link state ------------------------------------------------------------------------- */

static int tap_own_netns(uint64_t *inode)
{
    struct stat st;

    if (stat("/proc/self/ns/net", &st) != 0)
        return -errno;
    *inode = (uint64_t)st.st_ino;
    return 0;
}

/* Appends one attribute to the message in `buffer`. */
static void tap_put_attribute(struct nlmsghdr *message, unsigned short type, const void *data, unsigned short length)
{
    struct rtattr *attribute = (struct rtattr *)((char *)message + NLMSG_ALIGN(message->nlmsg_len));

    attribute->rta_type = type;
    attribute->rta_len = (unsigned short)RTA_LENGTH(length);
    memcpy(RTA_DATA(attribute), data, length);
    message->nlmsg_len = NLMSG_ALIGN(message->nlmsg_len) + RTA_ALIGN(attribute->rta_len);
}

/* Sends `request` on the request socket and reads the answer into `answer`: its length, 0 for a
 * bare acknowledgement, or -errno (an NLMSG_ERROR answer's error included). */
static int tap_transact(tap_link *link, struct nlmsghdr *request, char *answer, size_t size)
{
    struct sockaddr_nl kernel;
    uint32_t sequence = ++link->sequence;

    memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    request->nlmsg_seq = sequence;
    request->nlmsg_flags |= NLM_F_REQUEST;
    if (sendto(link->request_fd, request, request->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        return -errno;
    for (;;) {
        ssize_t n = recv(link->request_fd, answer, size, 0);
        struct nlmsghdr *reply = (struct nlmsghdr *)answer;

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (!NLMSG_OK(reply, (unsigned)n))
            return -EPROTO;
        if (reply->nlmsg_seq != sequence)
            continue; /* an answer to an earlier request that timed out */
        if (reply->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *failure = (const struct nlmsgerr *)NLMSG_DATA(reply);
            return failure->error; /* 0: the acknowledgement of a request that answers nothing */
        }
        return (int)n;
    }
}

/* RTM_GETNSID for the namespace `netns_fd` is: the id our namespace gives it, or -1. */
static int tap_query_netns_id(tap_link *link, int netns_fd)
{
    char answer[512];
    struct {
        struct nlmsghdr header;
        struct rtgenmsg body;
        char attributes[32];
    } request;
    struct nlmsghdr *reply = (struct nlmsghdr *)answer;
    struct rtattr *attribute;
    int length;

    memset(&request, 0, sizeof(request));
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg));
    request.header.nlmsg_type = RTM_GETNSID;
    request.body.rtgen_family = AF_UNSPEC;
    tap_put_attribute(&request.header, NETNSA_FD, &netns_fd, sizeof(netns_fd));
    if (tap_transact(link, &request.header, answer, sizeof(answer)) <= 0 || reply->nlmsg_type != RTM_NEWNSID)
        return -1;
    attribute = (struct rtattr *)((char *)NLMSG_DATA(reply) + NLMSG_ALIGN(sizeof(struct rtgenmsg)));
    length = (int)reply->nlmsg_len - (int)NLMSG_LENGTH(sizeof(struct rtgenmsg));
    for (; RTA_OK(attribute, length); attribute = RTA_NEXT(attribute, length))
        if (attribute->rta_type == NETNSA_NSID && RTA_PAYLOAD(attribute) >= sizeof(int32_t)) {
            int32_t nsid;
            memcpy(&nsid, RTA_DATA(attribute), sizeof(nsid));
            return nsid >= 0 ? nsid : -1;
        }
    return -1;
}

/* The id our namespace gives the namespace `netns_fd` is: asked for, and assigned first when it
 * has none (a device moved on from a namespace that is not ours). -1 when it cannot be had. */
static int tap_netns_id(tap_link *link, int netns_fd)
{
    char answer[512];
    struct {
        struct nlmsghdr header;
        struct rtgenmsg body;
        char attributes[32];
    } request;
    int32_t any = -1;
    int nsid = tap_query_netns_id(link, netns_fd);

    if (nsid >= 0)
        return nsid;
    memset(&request, 0, sizeof(request));
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg));
    request.header.nlmsg_type = RTM_NEWNSID;
    request.header.nlmsg_flags = NLM_F_ACK;
    request.body.rtgen_family = AF_UNSPEC;
    tap_put_attribute(&request.header, NETNSA_FD, &netns_fd, sizeof(netns_fd));
    tap_put_attribute(&request.header, NETNSA_NSID, &any, sizeof(any));
    if (tap_transact(link, &request.header, answer, sizeof(answer)) < 0)
        return -1;
    return tap_query_netns_id(link, netns_fd);
}

/* Where the device is now, after a move: its namespace's id (TUNGETDEVNETNS) and `ifindex`.
 * When the namespace has no id for us the device is lost: no message matches it any more. */
static void tap_link_follow(tap_link *link, int ifindex)
{
    struct stat st;
    int netns_fd = ioctl(link->tap_fd, TUNGETDEVNETNS);

    link->ifindex = ifindex;
    link->nsid = TAP_LINK_LOST;
    if (netns_fd < 0)
        return;
    if (fstat(netns_fd, &st) == 0 && (uint64_t)st.st_ino == link->own_netns) {
        link->nsid = -1;
    } else {
        int nsid = tap_netns_id(link, netns_fd);
        if (nsid >= 0)
            link->nsid = nsid;
    }
    close(netns_fd);
}

/* The device's flags now, asked of the kernel (RTM_GETLINK, in its namespace). */
static int tap_link_query(tap_link *link)
{
    char answer[TAP_NETLINK_BUFFER];
    struct {
        struct nlmsghdr header;
        struct ifinfomsg body;
        char attributes[32];
    } request;
    struct nlmsghdr *reply = (struct nlmsghdr *)answer;
    int n;

    memset(&request, 0, sizeof(request));
    request.header.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    request.header.nlmsg_type = RTM_GETLINK;
    request.body.ifi_family = AF_UNSPEC;
    request.body.ifi_index = link->ifindex;
    if (link->nsid >= 0)
        tap_put_attribute(&request.header, IFLA_TARGET_NETNSID, &link->nsid, sizeof(link->nsid));
    n = tap_transact(link, &request.header, answer, sizeof(answer));
    if (n < 0)
        return n;
    if (reply->nlmsg_type != RTM_NEWLINK)
        return -EPROTO;
    {
        const struct ifinfomsg *info = (const struct ifinfomsg *)NLMSG_DATA(reply);
        link->running = (info->ifi_flags & IFF_UP) != 0 && (info->ifi_flags & IFF_RUNNING) != 0;
    }
    return 0;
}

int tap_link_open(tap_link *link, const tap_device *dev, char error[TAP_ERROR_BYTES])
{
    struct sockaddr_nl local;
    struct timeval patience = { 2, 0 };
    int on = 1;
    int result;

    memset(link, 0, sizeof(*link));
    link->event_fd = link->request_fd = -1;
    link->tap_fd = dev->fds[0];
    link->nsid = -1;
    link->ifindex = (int)if_nametoindex(dev->name);
    if (link->ifindex == 0) {
        result = -errno;
        snprintf(error, TAP_ERROR_BYTES, "TAP %s: no interface index: %s", dev->name, strerror(-result));
        return result;
    }
    result = tap_own_netns(&link->own_netns);
    if (result == 0) {
        link->event_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
        link->request_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (link->event_fd < 0 || link->request_fd < 0)
            result = -errno;
    }
    if (result == 0) {
        memset(&local, 0, sizeof(local));
        local.nl_family = AF_NETLINK;
        local.nl_groups = RTMGRP_LINK;
        if (bind(link->event_fd, (struct sockaddr *)&local, sizeof(local)) != 0 ||
            setsockopt(link->event_fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &on, sizeof(on)) != 0 ||
            setsockopt(link->request_fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof(patience)) != 0)
            result = -errno;
    }
    if (result == 0)
        result = tap_link_query(link);
    if (result != 0) {
        snprintf(error, TAP_ERROR_BYTES, "TAP %s: cannot watch its link state: %s", dev->name, strerror(-result));
        tap_link_close(link);
    }
    return result;
}

void tap_link_close(tap_link *link)
{
    if (link->event_fd >= 0)
        close(link->event_fd);
    if (link->request_fd >= 0)
        close(link->request_fd);
    link->event_fd = link->request_fd = -1;
}

/* One link message about the device (already matched on namespace and ifindex). */
static void tap_link_message(tap_link *link, const struct nlmsghdr *message)
{
    const struct ifinfomsg *info = (const struct ifinfomsg *)NLMSG_DATA(message);
    const struct rtattr *attribute = IFLA_RTA(info);
    int length = (int)IFLA_PAYLOAD(message);
    int moved = 0;
    int new_ifindex = info->ifi_index;

    for (; RTA_OK(attribute, length); attribute = RTA_NEXT(attribute, length)) {
        if (attribute->rta_type == IFLA_NEW_NETNSID)
            moved = 1;
        else if (attribute->rta_type == IFLA_NEW_IFINDEX && RTA_PAYLOAD(attribute) >= sizeof(int32_t))
            memcpy(&new_ifindex, RTA_DATA(attribute), sizeof(int32_t));
    }
    if (message->nlmsg_type == RTM_NEWLINK) {
        link->running = (info->ifi_flags & IFF_UP) != 0 && (info->ifi_flags & IFF_RUNNING) != 0;
        return;
    }
    /* RTM_DELLINK: moved to another namespace (it arrives there down), or deleted. The id in
     * IFLA_NEW_NETNSID is the one the old namespace gives the new one, which is ours only when
     * the old one was ours: the kernel is asked instead. */
    link->running = 0;
    if (moved)
        tap_link_follow(link, new_ifindex);
    else
        link->gone = 1;
}

int tap_link_update(tap_link *link)
{
    char buffer[TAP_NETLINK_BUFFER];
    int was_running = link->running;
    int was_gone = link->gone;

    for (;;) {
        char control[CMSG_SPACE(sizeof(int))];
        struct iovec piece = { buffer, sizeof(buffer) };
        struct msghdr header;
        struct cmsghdr *cmsg;
        struct nlmsghdr *message;
        int nsid = -1;
        ssize_t n;

        memset(&header, 0, sizeof(header));
        header.msg_iov = &piece;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof(control);
        n = recvmsg(link->event_fd, &header, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS && !link->gone) {
                /* Messages were lost: ask for the state instead. */
                tap_link_query(link);
                continue;
            }
            break;
        }
        for (cmsg = CMSG_FIRSTHDR(&header); cmsg != NULL; cmsg = CMSG_NXTHDR(&header, cmsg))
            if (cmsg->cmsg_level == SOL_NETLINK && cmsg->cmsg_type == NETLINK_LISTEN_ALL_NSID)
                memcpy(&nsid, CMSG_DATA(cmsg), sizeof(nsid));
        for (message = (struct nlmsghdr *)buffer; NLMSG_OK(message, (unsigned)n); message = NLMSG_NEXT(message, n)) {
            const struct ifinfomsg *info;

            if (message->nlmsg_type != RTM_NEWLINK && message->nlmsg_type != RTM_DELLINK)
                continue;
            if (message->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
                continue;
            info = (const struct ifinfomsg *)NLMSG_DATA(message);
            if (link->gone || nsid != link->nsid || info->ifi_index != link->ifindex)
                continue;
            tap_link_message(link, message);
        }
    }
    return link->running != was_running || link->gone != was_gone;
}
