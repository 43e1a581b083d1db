// provider.h — the WSK provider dispatch table WskCaptureProviderNPI hands out (provider.cpp).
#pragma once

#include <wsk.h>

namespace strata::wsk {

extern const WSK_PROVIDER_DISPATCH kProviderDispatch;

}  // namespace strata::wsk
