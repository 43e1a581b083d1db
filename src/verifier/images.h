// images.h — which driver image an address lies in (DESIGN.md "Verifier", issue 7 §4): the
// module loader registers each image's mapped range, so the pool can charge a block to the
// driver whose code called the allocator (a return address), and leaks at unload name it.
#pragma once

#include <cstdint>
#include <string>

namespace strata::verifier {

// An image's number: 0 for "no driver" (the library, the host, a test); never reused, so a
// block allocated by an image that has since been unmapped is not charged to a later one.
using ImageId = std::uint32_t;

// Registers the image dlopen returned as `handle` for `service`; returns its id (0 when its
// range cannot be found).
ImageId add_image(void* handle, const std::string& service);
// The image is about to be unmapped: addresses in it no longer name it.
void remove_image(ImageId id);

// The mapped image `address` is in, or 0. A shared lock and a scan of the (few) loaded images.
ImageId image_at(const void* address) noexcept;
// The service an id was registered for ("" for 0 or an unknown id); stays valid after removal.
std::string image_service(ImageId id);
// image_service(image_at(address)): the driver whose code `address` is in, or "".
std::string driver_at(const void* address);

}  // namespace strata::verifier
