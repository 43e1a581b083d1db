/* link.c — the afpacket adapter's io event handlers (issue 6, deliverable 1; strata/io_event.h):
 * the packet socket's (receive ring, transmit ring space, socket errors) and the rtnetlink
 * socket's, which turns the interface's link state into NDIS_STATUS_MEDIA_CONNECT /
 * NDIS_STATUS_MEDIA_DISCONNECT indications (seed 003 §2.12) and notices its removal. Both run
 * on the adapter's io processor, never at the same time. */
#include "afpacket.h"

/* DISPATCH_LEVEL, the io processor. Indicates a media change, if it is one. Sends that wait
 * for ring frames fail when the medium goes: the kernel transmits nothing on a downed link. */
static VOID AfpSetMediaState(PAFP_ADAPTER Adapter, BOOLEAN Connected)
{
    NDIS_MEDIA_STATE State = Connected ? NdisMediaStateConnected : NdisMediaStateDisconnected;

    if (State == Adapter->MediaState)
        return;
    Adapter->MediaState = State;
    if (!Connected)
        AfpTxFlush(Adapter, NDIS_STATUS_FAILURE);
    InterlockedIncrement64(&Adapter->MediaIndications);
    NdisMIndicateStatus(Adapter->MiniportHandle, Connected ? NDIS_STATUS_MEDIA_CONNECT : NDIS_STATUS_MEDIA_DISCONNECT,
        NULL, 0);
    NdisMIndicateStatusComplete(Adapter->MiniportHandle);
}

/* DISPATCH_LEVEL, the io processor. The interface was deleted (or left our network namespace):
 * the socket is no longer watched or written; its ring stays mapped for the packets protocols
 * still hold, until MiniportHalt. The device is gone for good, so the adapter asks NDIS to
 * remove it (seed 003 §2.11: NDIS unbinds the protocols and IMs above and halts it). */
static VOID AfpInterfaceGone(PAFP_ADAPTER Adapter)
{
    Adapter->Gone = TRUE;
    AfpUpdatePortMask(Adapter, 0, STRATA_IO_READABLE | STRATA_IO_WRITABLE);
    AfpTxFlush(Adapter, NDIS_STATUS_FAILURE);
    AfpSetMediaState(Adapter, FALSE);
    AfpLogError(NDIS_ERROR_CODE_ADAPTER_NOT_FOUND, "interface %s was removed; removing its adapter",
        Adapter->Config.Interface);
    NdisMRemoveMiniport(Adapter->MiniportHandle);
}

/* The receive socket's io event — DISPATCH_LEVEL, the io processor. READABLE: retired receive
 * blocks; HANGUP: a socket error (the interface went down or away), read to clear it —
 * readiness is level-triggered. */
VOID AfpPortEvent(PVOID Context, ULONG Events)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)Context;

    if ((Events & STRATA_IO_HANGUP) != 0) {
        int Error = afp_port_take_error(&Adapter->Port);
        if (Error != 0)
            DbgPrint("afpacket: interface %s: socket error %d\n", Adapter->Config.Interface, Error);
    }
    if (Adapter->Gone)
        return;
    if ((Events & STRATA_IO_READABLE) != 0)
        AfpRxService(Adapter);
}

/* The transmit socket's io event, watched only while sends wait for ring frames —
 * DISPATCH_LEVEL, the io processor. WRITABLE: transmit frames came back. */
VOID AfpTxEvent(PVOID Context, ULONG Events)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)Context;

    if (!Adapter->Gone && (Events & STRATA_IO_WRITABLE) != 0)
        AfpTxService(Adapter);
}

/* The rtnetlink socket's io event — DISPATCH_LEVEL, the io processor. Media state follows
 * IFF_UP and IFF_RUNNING; the MTU is kept for the data path's length checks. Lost messages
 * are made up for by asking the interface. */
VOID AfpLinkEvent(PVOID Context, ULONG Events)
{
    PAFP_ADAPTER Adapter = (PAFP_ADAPTER)Context;
    struct afp_link_state State;
    unsigned Changes;

    UNREFERENCED_PARAMETER(Events);
    NdisZeroMemory(&State, sizeof(State));
    Changes = afp_link_read(Adapter->LinkFd, Adapter->IfIndex, &State);
    if (Adapter->Gone)
        return;
    if ((Changes & AFP_LINK_DELETED) != 0) {
        AfpInterfaceGone(Adapter);
        return;
    }
    if ((Changes & AFP_LINK_OVERRUN) != 0) {
        struct afp_if_info Info;

        if (afp_if_query_index(Adapter->IfIndex, &Info) == AFP_ENODEV) {
            AfpInterfaceGone(Adapter);
            return;
        }
        State.flags = Info.flags;
        State.mtu = Info.mtu;
        Changes |= AFP_LINK_CHANGED;
    }
    if ((Changes & AFP_LINK_CHANGED) == 0)
        return;
    if (State.mtu != 0)
        Adapter->Mtu = State.mtu;
    AfpSetMediaState(Adapter, afp_flags_connected(State.flags) ? TRUE : FALSE);
}
