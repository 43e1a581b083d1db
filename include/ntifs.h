/* ntifs.h — superset of ntddk.h on Windows; here the same declarations. */
#ifndef STRATA_NTIFS_H
#define STRATA_NTIFS_H
#include <ntddk.h>
#endif
