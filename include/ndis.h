/* ndis.h — the NDIS 5.1 driver interface: miniports, protocols and intermediate drivers
 * (seed 003 chapter 2). Driver source written for the Windows DDK includes this unchanged.
 * Everything is declared with Microsoft's names, signatures, layouts and values. */
#ifndef STRATA_NDIS_H
#define STRATA_NDIS_H

#include <ntddk.h>

#define NDISAPI DECLSPEC_EXPORT
#define NDIS_INIT_FUNCTION(_F) alloc_text(INIT, _F)
#define NDIS_PAGABLE_FUNCTION(_F) alloc_text(PAGE, _F)
#define NDIS_PAGEABLE_FUNCTION(_F) alloc_text(PAGE, _F)

#include <ndis/ndis_status.h>
#include <ndis/ndis_oids.h>
#include <ndis/ndis_types.h>
#include <ndis/ndis_packet.h>
#include <ndis/ndis_task_offload.h>
#include <ndis/ndis_miniport.h>
#include <ndis/ndis_protocol.h>
#include <ndis/ndis_support.h>

#endif /* STRATA_NDIS_H */
