/* ws2ipdef.h — the TCP/IP part of the Winsock definitions that WSK clients use: IN6_ADDR
 * (in6addr.h on Windows), SOCKADDR_IN6 with its scope-id union, SOCKADDR_INET, the IPPROTO_IP /
 * IPPROTO_IPV6 / IPPROTO_TCP / IPPROTO_UDP option names, packet-info and multicast-request
 * structures, and the IN6_* address tests. Included by wsk.h; needs ws2def.h (included here).
 *
 * Names, values and x64 layouts are Microsoft's; like ws2def.h this header and the Linux socket
 * headers exclude each other. in6addr_any and in6addr_loopback are data exported by libstrata. */
#ifndef STRATA_WS2IPDEF_H
#define STRATA_WS2IPDEF_H

#include <ws2def.h>

STRATA_EXTERN_C_BEGIN

/* ---- IPv6 addresses (in6addr.h on Windows) ------------------------------------------------------ */
/* Addresses are in network byte order. */
typedef struct in6_addr {
    union {
        UCHAR Byte[16];
        USHORT Word[8];
    } u;
} IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;

#define in_addr6 in6_addr
#define _S6_un   u
#define _S6_u8   Byte
#define s6_addr  _S6_un._S6_u8
#define s6_bytes u.Byte
#define s6_words u.Word

/* ---- Options at the IPPROTO_IP level ---------------------------------------------------------- */
#define IP_OPTIONS                 1
#define IP_HDRINCL                 2
#define IP_TOS                     3
#define IP_TTL                     4
#define IP_MULTICAST_IF            9
#define IP_MULTICAST_TTL          10
#define IP_MULTICAST_LOOP         11
#define IP_ADD_MEMBERSHIP         12
#define IP_DROP_MEMBERSHIP        13
#define IP_DONTFRAGMENT           14
#define IP_ADD_SOURCE_MEMBERSHIP  15
#define IP_DROP_SOURCE_MEMBERSHIP 16
#define IP_BLOCK_SOURCE           17
#define IP_UNBLOCK_SOURCE         18
#define IP_PKTINFO                19
#define IP_HOPLIMIT               21
#define IP_RECVTTL                21
#define IP_RECEIVE_BROADCAST      22
#define IP_RECVIF                 24
#define IP_RECVDSTADDR            25
#define IP_IFLIST                 28
#define IP_ADD_IFLIST             29
#define IP_DEL_IFLIST             30
#define IP_UNICAST_IF             31
#define IP_RTHDR                  32
#define IP_GET_IFLIST             33
#define IP_RECVRTHDR              38
#define IP_TCLASS                 39
#define IP_RECVTCLASS             40
#define IP_RECVTOS                40
#define IP_ORIGINAL_ARRIVAL_IF    47
#define IP_ECN                    50
#define IP_RECVECN                50
#define IP_PKTINFO_EX             51
#define IP_WFP_REDIRECT_RECORDS   60
#define IP_WFP_REDIRECT_CONTEXT   70
#define IP_MTU_DISCOVER           71
#define IP_MTU                    73
#define IP_NRT_INTERFACE          74
#define IP_RECVERR                75
#define IP_USER_MTU               76

#define IP_UNSPECIFIED_TYPE_OF_SERVICE -1
#define IP_UNSPECIFIED_USER_MTU        MAXULONG

/* Path MTU discovery states (IP_MTU_DISCOVER, IPV6_MTU_DISCOVER). */
typedef enum _PMTUD_STATE {
    IP_PMTUDISC_NOT_SET,
    IP_PMTUDISC_DO,
    IP_PMTUDISC_DONT,
    IP_PMTUDISC_PROBE,
    IP_PMTUDISC_MAX
} PMTUD_STATE, *PPMTUD_STATE;

/* ---- IPv6 socket address (RFC 3493) ----------------------------------------------------------- */
/* Windows code initialises the anonymous scope union with a bare value, as in
 * SOCKADDR_IN6 a = { AF_INET6, Port, 0, IN6ADDR_ANY_INIT, 0 }; MSVC takes that silently, so gcc's
 * and clang's -Wmissing-braces (-Wall) is silenced for the rest of the unit. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wmissing-braces"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wmissing-braces"
#endif
typedef struct sockaddr_in6 {
    ADDRESS_FAMILY sin6_family;
    USHORT sin6_port;     /* network byte order */
    ULONG sin6_flowinfo;
    IN6_ADDR sin6_addr;
    union {
        ULONG sin6_scope_id;
        SCOPE_ID sin6_scope_struct;
    };
} SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH, *LPSOCKADDR_IN6_LH;

typedef SOCKADDR_IN6_LH SOCKADDR_IN6;
typedef SOCKADDR_IN6_LH *PSOCKADDR_IN6;
typedef SOCKADDR_IN6_LH *LPSOCKADDR_IN6;

typedef union _SOCKADDR_INET {
    SOCKADDR_IN Ipv4;
    SOCKADDR_IN6 Ipv6;
    ADDRESS_FAMILY si_family;
} SOCKADDR_INET, *PSOCKADDR_INET;

typedef struct _sockaddr_in6_pair {
    PSOCKADDR_IN6 SourceAddress;
    PSOCKADDR_IN6 DestinationAddress;
} SOCKADDR_IN6_PAIR, *PSOCKADDR_IN6_PAIR;

/* The port of a SOCKADDR_IN or SOCKADDR_IN6 (same offset in both). */
#define SS_PORT(ssp) (((PSOCKADDR_IN)(ssp))->sin_port)

/* Initializers for an IN6_ADDR (network byte order). */
#define IN6ADDR_ANY_INIT      { { { 0 } } }
#define IN6ADDR_LOOPBACK_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } }

/* Exported by libstrata (netio.lib on Windows). */
extern CONST IN6_ADDR in6addr_any;
extern CONST IN6_ADDR in6addr_loopback;

/* ---- IPv6 address tests ------------------------------------------------------------------------ */
/* Inline, so that a driver using them needs no data from libstrata (as on Windows). */
FORCEINLINE BOOLEAN IN6_ADDR_EQUAL(CONST IN6_ADDR *x, CONST IN6_ADDR *y)
{
    return (BOOLEAN)(memcmp(x, y, sizeof(IN6_ADDR)) == 0);
}
#define IN6_ARE_ADDR_EQUAL IN6_ADDR_EQUAL

FORCEINLINE BOOLEAN IN6_IS_ADDR_UNSPECIFIED(CONST IN6_ADDR *a)
{
    static const IN6_ADDR zero = IN6ADDR_ANY_INIT;
    return IN6_ADDR_EQUAL(a, &zero);
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_LOOPBACK(CONST IN6_ADDR *a)
{
    static const IN6_ADDR loopback = IN6ADDR_LOOPBACK_INIT;
    return IN6_ADDR_EQUAL(a, &loopback);
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_MULTICAST(CONST IN6_ADDR *a)
{
    return (BOOLEAN)(a->s6_bytes[0] == 0xff);
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_LINKLOCAL(CONST IN6_ADDR *a)
{
    return (BOOLEAN)((a->s6_bytes[0] == 0xfe) && ((a->s6_bytes[1] & 0xc0) == 0x80));
}

FORCEINLINE BOOLEAN IN6_IS_ADDR_SITELOCAL(CONST IN6_ADDR *a)
{
    return (BOOLEAN)((a->s6_bytes[0] == 0xfe) && ((a->s6_bytes[1] & 0xc0) == 0xc0));
}

/* ::ffff:a.b.c.d — the first ten bytes zero, then two 0xff. */
FORCEINLINE BOOLEAN IN6_IS_ADDR_V4MAPPED(CONST IN6_ADDR *a)
{
    static const UCHAR prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    return (BOOLEAN)(memcmp(a->s6_bytes, prefix, sizeof(prefix)) == 0);
}

FORCEINLINE VOID IN6_SET_ADDR_UNSPECIFIED(PIN6_ADDR a)
{
    memset(a->s6_bytes, 0, sizeof(IN6_ADDR));
}

FORCEINLINE VOID IN6_SET_ADDR_LOOPBACK(PIN6_ADDR a)
{
    memset(a->s6_bytes, 0, sizeof(IN6_ADDR));
    a->s6_bytes[15] = 1;
}

FORCEINLINE VOID IN6ADDR_SETANY(PSOCKADDR_IN6 a)
{
    a->sin6_family = AF_INET6;
    a->sin6_port = 0;
    a->sin6_flowinfo = 0;
    IN6_SET_ADDR_UNSPECIFIED(&a->sin6_addr);
    a->sin6_scope_id = 0;
}

FORCEINLINE VOID IN6ADDR_SETLOOPBACK(PSOCKADDR_IN6 a)
{
    a->sin6_family = AF_INET6;
    a->sin6_port = 0;
    a->sin6_flowinfo = 0;
    IN6_SET_ADDR_LOOPBACK(&a->sin6_addr);
    a->sin6_scope_id = 0;
}

FORCEINLINE BOOLEAN IN6ADDR_ISANY(CONST SOCKADDR_IN6 *a)
{
    return IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);
}

FORCEINLINE BOOLEAN IN6ADDR_ISLOOPBACK(CONST SOCKADDR_IN6 *a)
{
    return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
}

/* ---- Multicast and packet-information structures ----------------------------------------------- */
#define MCAST_JOIN_GROUP         41
#define MCAST_LEAVE_GROUP        42
#define MCAST_BLOCK_SOURCE       43
#define MCAST_UNBLOCK_SOURCE     44
#define MCAST_JOIN_SOURCE_GROUP  45
#define MCAST_LEAVE_SOURCE_GROUP 46

typedef struct ip_mreq {
    IN_ADDR imr_multiaddr;
    IN_ADDR imr_interface;
} IP_MREQ, *PIP_MREQ;

typedef struct ipv6_mreq {
    IN6_ADDR ipv6mr_multiaddr;
    ULONG ipv6mr_interface;
} IPV6_MREQ, *PIPV6_MREQ;

/* IP_PKTINFO / IPV6_PKTINFO control data (WskReceiveFrom ControlInfo, WskSendTo ControlInfo). */
typedef struct in_pktinfo {
    IN_ADDR ipi_addr;
    ULONG ipi_ifindex;
} IN_PKTINFO, *PIN_PKTINFO;

typedef struct in6_pktinfo {
    IN6_ADDR ipi6_addr;
    ULONG ipi6_ifindex;
} IN6_PKTINFO, *PIN6_PKTINFO;

/* ---- Options at the IPPROTO_IPV6 level --------------------------------------------------------- */
#define IPV6_HOPOPTS              1
#define IPV6_HDRINCL              2
#define IPV6_UNICAST_HOPS         4
#define IPV6_MULTICAST_IF         9
#define IPV6_MULTICAST_HOPS      10
#define IPV6_MULTICAST_LOOP      11
#define IPV6_ADD_MEMBERSHIP      12
#define IPV6_JOIN_GROUP          IPV6_ADD_MEMBERSHIP
#define IPV6_DROP_MEMBERSHIP     13
#define IPV6_LEAVE_GROUP         IPV6_DROP_MEMBERSHIP
#define IPV6_DONTFRAG            14
#define IPV6_PKTINFO             19
#define IPV6_HOPLIMIT            21
#define IPV6_PROTECTION_LEVEL    23
#define IPV6_RECVIF              24
#define IPV6_RECVDSTADDR         25
#define IPV6_CHECKSUM            26
#define IPV6_V6ONLY              27
#define IPV6_IFLIST              28
#define IPV6_ADD_IFLIST          29
#define IPV6_DEL_IFLIST          30
#define IPV6_UNICAST_IF          31
#define IPV6_RTHDR               32
#define IPV6_GET_IFLIST          33
#define IPV6_RECVRTHDR           38
#define IPV6_TCLASS              39
#define IPV6_RECVTCLASS          40
#define IPV6_ECN                 50
#define IPV6_RECVECN             50
#define IPV6_PKTINFO_EX          51
#define IPV6_WFP_REDIRECT_RECORDS 60
#define IPV6_WFP_REDIRECT_CONTEXT 70
#define IPV6_MTU_DISCOVER        71
#define IPV6_MTU                 72
#define IPV6_NRT_INTERFACE       74
#define IPV6_RECVERR             75
#define IPV6_USER_MTU            76

#define IP_UNSPECIFIED_HOP_LIMIT -1

#define IP_PROTECTION_LEVEL             IPV6_PROTECTION_LEVEL
#define PROTECTION_LEVEL_UNRESTRICTED   10
#define PROTECTION_LEVEL_EDGERESTRICTED 20
#define PROTECTION_LEVEL_RESTRICTED     30
#define PROTECTION_LEVEL_DEFAULT        ((UINT)-1)

/* Longest address literal any conversion produces, with scope, port and NUL. */
#define INET_ADDRSTRLEN  22
#define INET6_ADDRSTRLEN 65

/* ---- Options at the IPPROTO_TCP level (TCP_NODELAY is in ws2def.h) ------------------------------ */
#define TCP_OFFLOAD_NO_PREFERENCE 0
#define TCP_OFFLOAD_NOT_PREFERRED 1
#define TCP_OFFLOAD_PREFERRED     2

#define TCP_EXPEDITED_1122             0x0002
#define TCP_KEEPALIVE                  3
#define TCP_MAXSEG                     4
#define TCP_MAXRT                      5
#define TCP_STDURG                     6
#define TCP_NOURG                      7
#define TCP_ATMARK                     8
#define TCP_NOSYNRETRIES               9
#define TCP_TIMESTAMPS                 10
#define TCP_OFFLOAD_PREFERENCE         11
#define TCP_CONGESTION_ALGORITHM       12
#define TCP_DELAY_FIN_ACK              13
#define TCP_MAXRTMS                    14
#define TCP_FASTOPEN                   15
#define TCP_KEEPCNT                    16
#define TCP_KEEPIDLE                   TCP_KEEPALIVE
#define TCP_KEEPINTVL                  17
#define TCP_FAIL_CONNECT_ON_ICMP_ERROR 18
#define TCP_ICMP_ERROR_INFO            19

/* ---- Options at the IPPROTO_UDP level ----------------------------------------------------------- */
#define UDP_SEND_MSG_SIZE           2
#define UDP_RECV_MAX_COALESCED_SIZE 3
#define UDP_COALESCED_INFO          3

STRATA_EXTERN_C_END

#endif /* STRATA_WS2IPDEF_H */
