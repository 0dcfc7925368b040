// Scoped access to the bytes of frames: the mapping exists only for the duration of a callback.
//
// Invariants: the PageBytes a callback receives is valid only inside the callback (today every
// frame is permanently in the direct map, but callers must not rely on that — a future highmem or
// guard-page scheme can unmap on return, and the callback shape is what makes that possible);
// with_pointer_into checks bounds in a form that cannot overflow and never calls the callback
// when the range leaves the frame(s).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <type_traits>
#include <utility>

#include "kernel/lib/result.h"
#include "mm/phys/platform.h"

namespace glass::mm {

// A byte window onto mapped frames; a tiny span, since mm/ may not use <span>.
struct PageBytes {
  uint8_t* data;
  size_t size;

  [[nodiscard]] uint8_t& operator[](size_t i) const { return data[i]; }
  [[nodiscard]] uint8_t* begin() const { return data; }
  [[nodiscard]] uint8_t* end() const { return data + size; }
};

namespace detail {

template <typename T>
struct IsResult : std::false_type {};
template <typename T>
struct IsResult<Result<T>> : std::true_type {};

// What with_pointer_into returns: the callback's Result as is, or its value wrapped in one.
template <typename R>
struct WrapResult {
  using type = Result<R>;
};
template <typename T>
struct WrapResult<Result<T>> {
  using type = Result<T>;
};

template <typename F>
decltype(auto) with_mapped_bytes(Pfn pfn, size_t bytes, F&& f) {
  PageBytes b{static_cast<uint8_t*>(platform::phys_to_virt(pfn_to_phys(pfn))), bytes};
  return std::forward<F>(f)(b);
}

template <typename F>
auto with_pointer_into_bytes(Pfn pfn, size_t bytes, size_t offset, size_t len, F&& f) ->
    typename WrapResult<std::invoke_result_t<F, uint8_t*>>::type {
  using R = std::invoke_result_t<F, uint8_t*>;
  // offset <= bytes first, so bytes - offset cannot wrap; no offset + len anywhere.
  if (offset > bytes || len > bytes - offset) return Error::kInvalidArgument;
  uint8_t* p = static_cast<uint8_t*>(platform::phys_to_virt(pfn_to_phys(pfn))) + offset;
  if constexpr (std::is_void_v<R>) {
    std::forward<F>(f)(p);
    return Result<void>{};
  } else {
    return std::forward<F>(f)(p);
  }
}

}  // namespace detail

// ScopedAccess<Handle>: the scoped-access pair every frame handle offers, written once. A handle
// derives from it and provides access_pfn() (its first frame) and access_bytes() (how many bytes
// it covers); both may be private if the handle befriends ScopedAccess<Handle>.
template <typename Handle>
class ScopedAccess {
 public:
  // f(PageBytes) over the handle's bytes; returns what f returns.
  template <typename F>
  decltype(auto) with_mapped(F&& f) const {
    const Handle& h = static_cast<const Handle&>(*this);
    return detail::with_mapped_bytes(h.access_pfn(), h.access_bytes(), std::forward<F>(f));
  }
  // f(uint8_t* p) with p valid for [offset, offset + len) of the handle's bytes, or
  // kInvalidArgument without calling f when that range leaves them.
  template <typename F>
  auto with_pointer_into(size_t offset, size_t len, F&& f) const {
    const Handle& h = static_cast<const Handle&>(*this);
    return detail::with_pointer_into_bytes(h.access_pfn(), h.access_bytes(), offset, len,
                                           std::forward<F>(f));
  }
  bool operator==(const ScopedAccess&) const = default;
};

}  // namespace glass::mm
