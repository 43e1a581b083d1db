/* ntddk.h — the kernel-mode driver kit header; in Strata everything lives in wdm.h. */
#ifndef STRATA_NTDDK_H
#define STRATA_NTDDK_H
#include <wdm.h>
#endif
