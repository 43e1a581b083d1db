// packet.cpp — NDIS packet and buffer queries, buffer chaining and packet-to-packet copies
// (seed 003 §2.5). All of these work on descriptors the caller owns: no locks, no allocation.
// Standard headers first: <ndis.h> defines SAL macros (__in, __out) libstdc++ trips on.
#include <algorithm>
#include <atomic>
#include <cstring>

#include <ndis.h>

namespace {

// The VA every query reports: in one address space every MDL is mapped (see wdm.h).
PUCHAR system_va(PNDIS_BUFFER buffer) noexcept {
    return static_cast<PUCHAR>(MmGetSystemAddressForMdlSafe(buffer, NormalPagePriority));
}

// Windows' NDIS_BUFFER_TO_SPAN_PAGES: a zero-length buffer still counts as one page.
ULONG span_pages(PNDIS_BUFFER buffer) noexcept {
    ULONG length = MmGetMdlByteCount(buffer);
    return length == 0 ? 1 : ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(buffer), length);
}

PNDIS_BUFFER last_of_chain(PNDIS_BUFFER buffer) noexcept {
    while (buffer->Next != nullptr) buffer = buffer->Next;
    return buffer;
}

// A position inside a packet's data, walking its buffer chain. Zero-length buffers are skipped,
// so while buffer is non-null at least one byte is available at data().
class ChainCursor {
public:
    ChainCursor(PNDIS_PACKET packet, UINT offset) noexcept : buffer_(packet->Private.Head), offset_(offset) {
        settle();
    }
    bool at_end() const noexcept { return buffer_ == nullptr; }
    ULONG available() const noexcept { return MmGetMdlByteCount(buffer_) - offset_; }
    PUCHAR data() const noexcept { return system_va(buffer_) + offset_; }
    void advance(ULONG bytes) noexcept {
        offset_ += bytes;
        settle();
    }

private:
    void settle() noexcept {
        while (buffer_ != nullptr && offset_ >= MmGetMdlByteCount(buffer_)) {
            offset_ -= MmGetMdlByteCount(buffer_);
            buffer_ = buffer_->Next;
        }
    }
    PNDIS_BUFFER buffer_;
    ULONG offset_;
};

UINT copy_packet_data(PNDIS_PACKET destination, UINT destination_offset, UINT bytes_to_copy, PNDIS_PACKET source,
                      UINT source_offset) noexcept {
    ChainCursor to(destination, destination_offset);
    ChainCursor from(source, source_offset);
    UINT copied = 0;
    while (copied < bytes_to_copy && !to.at_end() && !from.at_end()) {
        ULONG n = std::min({static_cast<ULONG>(bytes_to_copy - copied), to.available(), from.available()});
        std::memmove(to.data(), from.data(), n);  // the two packets may share buffers
        copied += n;
        to.advance(n);
        from.advance(n);
    }
    return copied;
}

void first_buffer(PNDIS_PACKET packet, PNDIS_BUFFER* first_buffer, PVOID* first_va, PUINT first_length,
                  PUINT total_length) noexcept {
    PNDIS_BUFFER buffer = packet->Private.Head;
    *first_buffer = buffer;
    if (buffer == nullptr) {
        *first_va = nullptr;
        *first_length = 0;
        *total_length = 0;
        return;
    }
    *first_va = system_va(buffer);
    *first_length = MmGetMdlByteCount(buffer);
    // Walked, not taken from Private.TotalLength: NdisAdjustBufferLength does not invalidate it.
    UINT total = 0;
    for (; buffer != nullptr; buffer = buffer->Next) total += MmGetMdlByteCount(buffer);
    *total_length = total;
}

}  // namespace

/* NdisChainBufferAtFront (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Caller owns the packet; Buffer may itself head a chain, which goes in front as a whole.
extern "C" VOID NdisChainBufferAtFront(PNDIS_PACKET Packet, PNDIS_BUFFER Buffer) {
    PNDIS_BUFFER last = last_of_chain(Buffer);
    if (Packet->Private.Head == nullptr) Packet->Private.Tail = last;
    last->Next = Packet->Private.Head;
    Packet->Private.Head = Buffer;
    Packet->Private.ValidCounts = FALSE;
}

/* NdisChainBufferAtBack (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Caller owns the packet; Buffer may itself head a chain, which goes at the back as a whole.
extern "C" VOID NdisChainBufferAtBack(PNDIS_PACKET Packet, PNDIS_BUFFER Buffer) {
    if (Packet->Private.Head == nullptr) {
        Packet->Private.Head = Buffer;
    } else {
        Packet->Private.Tail->Next = Buffer;
    }
    Packet->Private.Tail = last_of_chain(Buffer);
    Packet->Private.ValidCounts = FALSE;
}

/* NdisUnchainBufferAtFront (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Caller owns the packet; *Buffer is the detached first buffer (Next cleared), NULL when empty.
extern "C" VOID NdisUnchainBufferAtFront(PNDIS_PACKET Packet, PNDIS_BUFFER* Buffer) {
    PNDIS_BUFFER first = Packet->Private.Head;
    *Buffer = first;
    if (first == nullptr) return;
    Packet->Private.Head = first->Next;
    if (Packet->Private.Head == nullptr) Packet->Private.Tail = nullptr;
    first->Next = nullptr;
    Packet->Private.ValidCounts = FALSE;
}

/* NdisUnchainBufferAtBack (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Caller owns the packet; *Buffer is the detached last buffer, NULL when empty. O(chain length).
extern "C" VOID NdisUnchainBufferAtBack(PNDIS_PACKET Packet, PNDIS_BUFFER* Buffer) {
    PNDIS_BUFFER first = Packet->Private.Head;
    if (first == nullptr) {
        *Buffer = nullptr;
        return;
    }
    if (first->Next == nullptr) {
        Packet->Private.Head = nullptr;
        Packet->Private.Tail = nullptr;
        *Buffer = first;
    } else {
        PNDIS_BUFFER before_last = first;
        while (before_last->Next->Next != nullptr) before_last = before_last->Next;
        *Buffer = before_last->Next;
        before_last->Next = nullptr;
        Packet->Private.Tail = before_last;
    }
    Packet->Private.ValidCounts = FALSE;
}

/* NdisQueryPacket (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Caller owns the packet; any out pointer may be NULL. Counts are computed once and cached in
// Private until the chain changes (ValidCounts), as on Windows.
extern "C" VOID NdisQueryPacket(PNDIS_PACKET Packet, PUINT PhysicalBufferCount, PUINT BufferCount,
                                PNDIS_BUFFER* FirstBuffer, PUINT TotalPacketLength) {
    if (!Packet->Private.ValidCounts) {
        UINT physical = 0;
        UINT count = 0;
        UINT total = 0;
        for (PNDIS_BUFFER b = Packet->Private.Head; b != nullptr; b = b->Next) {
            physical += span_pages(b);
            ++count;
            total += MmGetMdlByteCount(b);
        }
        Packet->Private.PhysicalCount = physical;
        Packet->Private.Count = count;
        Packet->Private.TotalLength = total;
        Packet->Private.ValidCounts = TRUE;
    }
    if (PhysicalBufferCount != nullptr) *PhysicalBufferCount = Packet->Private.PhysicalCount;
    if (BufferCount != nullptr) *BufferCount = Packet->Private.Count;
    if (FirstBuffer != nullptr) *FirstBuffer = Packet->Private.Head;
    if (TotalPacketLength != nullptr) *TotalPacketLength = Packet->Private.TotalLength;
}

/* NdisGetFirstBufferFromPacket (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Caller owns the packet; first buffer, its VA and length, and the packet's total length
// (NULL, 0, 0 when no buffer is chained).
extern "C" VOID NdisGetFirstBufferFromPacket(PNDIS_PACKET Packet, PNDIS_BUFFER* FirstBuffer, PVOID* FirstBufferVA,
                                             PUINT FirstBufferLength, PUINT TotalBufferLength) {
    first_buffer(Packet, FirstBuffer, FirstBufferVA, FirstBufferLength, TotalBufferLength);
}

/* NdisGetFirstBufferFromPacketSafe (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// As NdisGetFirstBufferFromPacket; mapping cannot fail in one address space, so Priority is moot.
extern "C" VOID NdisGetFirstBufferFromPacketSafe(PNDIS_PACKET Packet, PNDIS_BUFFER* FirstBuffer, PVOID* FirstBufferVA,
                                                 PUINT FirstBufferLength, PUINT TotalBufferLength,
                                                 MM_PAGE_PRIORITY /*Priority*/) {
    first_buffer(Packet, FirstBuffer, FirstBufferVA, FirstBufferLength, TotalBufferLength);
}

/* NdisQueryBuffer (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; VirtualAddress and Length may be NULL.
extern "C" VOID NdisQueryBuffer(PNDIS_BUFFER Buffer, PVOID* VirtualAddress, PUINT Length) {
    if (VirtualAddress != nullptr) *VirtualAddress = system_va(Buffer);
    if (Length != nullptr) *Length = MmGetMdlByteCount(Buffer);
}

/* NdisQueryBufferSafe (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// As NdisQueryBuffer; mapping cannot fail in one address space, so Priority is moot.
extern "C" VOID NdisQueryBufferSafe(PNDIS_BUFFER Buffer, PVOID* VirtualAddress, PUINT Length,
                                    MM_PAGE_PRIORITY /*Priority*/) {
    if (VirtualAddress != nullptr) *VirtualAddress = system_va(Buffer);
    if (Length != nullptr) *Length = MmGetMdlByteCount(Buffer);
}

/* NdisQueryBufferOffset (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; the buffer's offset within its first page, and its length.
extern "C" VOID NdisQueryBufferOffset(PNDIS_BUFFER Buffer, PUINT Offset, PUINT Length) {
    *Offset = MmGetMdlByteOffset(Buffer);
    *Length = MmGetMdlByteCount(Buffer);
}

/* NdisAdjustBufferLength (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Caller owns the buffer; Length must not exceed the length it was allocated with. Like Windows,
// counts cached in a packet the buffer is chained to are not invalidated.
extern "C" VOID NdisAdjustBufferLength(PNDIS_BUFFER Buffer, UINT Length) {
    Buffer->ByteCount = Length;
}

/* NdisBufferLength (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; bytes mapped by the buffer.
extern "C" ULONG NdisBufferLength(PNDIS_BUFFER Buffer) {
    return MmGetMdlByteCount(Buffer);
}

/* NdisBufferVirtualAddress (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; the system VA of the buffer's first byte.
extern "C" PVOID NdisBufferVirtualAddress(PNDIS_BUFFER Buffer) {
    return system_va(Buffer);
}

/* NdisBufferVirtualAddressSafe (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// As NdisBufferVirtualAddress; never NULL here, every buffer is mapped.
extern "C" PVOID NdisBufferVirtualAddressSafe(PNDIS_BUFFER Buffer, MM_PAGE_PRIORITY /*Priority*/) {
    return system_va(Buffer);
}

/* NDIS_BUFFER_TO_SPAN_PAGES (ndis.h) — seed 003 §2.5 — any IRQL */
// Any thread; pages spanned by the buffer's virtual range, 1 for an empty buffer.
extern "C" ULONG NDIS_BUFFER_TO_SPAN_PAGES(PNDIS_BUFFER Buffer) {
    return span_pages(Buffer);
}

/* NdisGetBufferPhysicalArraySize (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; physical ranges backing the buffer, counted as pages spanned like Windows does.
extern "C" VOID NdisGetBufferPhysicalArraySize(PNDIS_BUFFER Buffer, PUINT ArraySize) {
    *ArraySize = span_pages(Buffer);
}

/* NdisCopyFromPacketToPacket (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Caller owns both packets; copies across buffer boundaries and stops at the end of either
// packet; *BytesCopied says how far it got. OOB data is not copied.
extern "C" VOID NdisCopyFromPacketToPacket(PNDIS_PACKET Destination, UINT DestinationOffset, UINT BytesToCopy,
                                           PNDIS_PACKET Source, UINT SourceOffset, PUINT BytesCopied) {
    *BytesCopied = copy_packet_data(Destination, DestinationOffset, BytesToCopy, Source, SourceOffset);
}

/* NdisCopyFromPacketToPacketSafe (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// As NdisCopyFromPacketToPacket; mapping cannot fail in one address space, so Priority is moot.
extern "C" VOID NdisCopyFromPacketToPacketSafe(PNDIS_PACKET Destination, UINT DestinationOffset, UINT BytesToCopy,
                                               PNDIS_PACKET Source, UINT SourceOffset, PUINT BytesCopied,
                                               MM_PAGE_PRIORITY /*Priority*/) {
    *BytesCopied = copy_packet_data(Destination, DestinationOffset, BytesToCopy, Source, SourceOffset);
}

/* NdisGeneratePartialCancelId (ndis.h) — seed 003 §2.5 — IRQL <= DISPATCH_LEVEL */
// Any thread; a value for the high-order byte of cancel IDs, different on each call until it
// wraps after 255 calls. Zero is skipped: it is the prefix of IDs made without this call.
extern "C" UCHAR NdisGeneratePartialCancelId(VOID) {
    static std::atomic<UCHAR> next{0};
    UCHAR id;
    do {
        id = static_cast<UCHAR>(next.fetch_add(1, std::memory_order_relaxed) + 1);
    } while (id == 0);
    return id;
}
