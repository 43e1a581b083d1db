/* strata/io_event.h — Strata's extension for drivers that talk to Linux (DESIGN.md "Execution
 * model"): interrupts do not exist in user space, so a miniport (or a protocol) registers a file
 * descriptor — a packet socket, a TAP device, an eventfd, a netlink socket — and NDIS runs its
 * handler at DISPATCH_LEVEL on one processor whenever the descriptor is ready. It plays the part
 * NdisMRegisterInterrupt and the interrupt DPC play on Windows.
 *
 * Readiness is level-triggered: a handler that leaves data unread is called again. All the
 * descriptors registered for one MiniportAdapterHandle (or one NdisBindingHandle) are served by
 * the same processor, so their handlers never run concurrently with each other. */
#ifndef STRATA_IO_EVENT_H
#define STRATA_IO_EVENT_H

#include <ndis.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Events a handler asks for and is told about. */
#define STRATA_IO_READABLE 0x00000001u
#define STRATA_IO_WRITABLE 0x00000002u
#define STRATA_IO_HANGUP   0x00000004u /* error or hang-up; reported unless the watch is paused */

/* DISPATCH_LEVEL, on the processor serving the handle the event was registered for. */
typedef VOID (*STRATA_IO_EVENT_HANDLER)(IN PVOID Context, IN ULONG Events);

/* IRQL == PASSIVE_LEVEL. Watches FileDescriptor for Events on behalf of NdisHandle, a
 * MiniportAdapterHandle (from MiniportInitialize on) or an NdisBindingHandle. The descriptor
 * stays the caller's: NDIS never reads, writes or closes it. Returns NDIS_STATUS_SUCCESS and an
 * IoEventHandle, NDIS_STATUS_INVALID_DATA for a bad descriptor or mask (also when the same
 * descriptor is registered twice), NDIS_STATUS_FAILURE when the host's processors are not
 * running, NDIS_STATUS_RESOURCES when memory runs out. */
NDIS_STATUS StrataRegisterIoEvent(OUT PNDIS_HANDLE IoEventHandle, IN NDIS_HANDLE NdisHandle,
                                  IN INT FileDescriptor, IN ULONG Events,
                                  IN STRATA_IO_EVENT_HANDLER Handler, IN PVOID Context);

/* The miniport spelling DESIGN.md names; NdisHandle must be a MiniportAdapterHandle. */
NDIS_STATUS StrataMRegisterIoEvent(OUT PNDIS_HANDLE IoEventHandle, IN NDIS_HANDLE MiniportAdapterHandle,
                                   IN INT FileDescriptor, IN ULONG Events,
                                   IN STRATA_IO_EVENT_HANDLER Handler, IN PVOID Context);

/* IRQL <= DISPATCH_LEVEL, any thread. Changes the events watched, e.g. STRATA_IO_WRITABLE while
 * a transmit ring is full and not after. Events 0 (also at registration) pauses the watch:
 * nothing is reported, hang-ups included, and the descriptor carries no wait of the host's, so
 * the kernel's readiness changes on it (a transmit socket's completions) cost nothing. */
VOID StrataSetIoEventMask(IN NDIS_HANDLE IoEventHandle, IN ULONG Events);

/* IRQL == PASSIVE_LEVEL, or DISPATCH_LEVEL inside a handler for an event served by the same
 * processor (e.g. its own, when the descriptor hangs up for good: hang-ups are reported whatever
 * the mask, unless it is 0). Stops watching; on return the handler is not running (unless the
 * caller is that handler) and will not run again. Call it before closing the descriptor
 * (MiniportHalt, ProtocolUnbindAdapter). */
VOID StrataDeregisterIoEvent(IN NDIS_HANDLE IoEventHandle);

/* IRQL <= DISPATCH_LEVEL. The processor (0-based) that runs the handle's handlers, or
 * 0xFFFFFFFF for a handle that is not registered: benchmarks pin their traffic to the others. */
ULONG StrataGetIoEventProcessor(IN NDIS_HANDLE IoEventHandle);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_IO_EVENT_H */
