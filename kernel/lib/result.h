// Result<T>: the only way a fallible operation reports failure in Glass.
//
// Invariants: a Result holds exactly one of a value or an Error (never both, never neither);
// Result is [[nodiscard]] so a dropped failure is a compile error under -Werror. No exceptions,
// no allocation: the value lives inline. TRY(expr) returns the error from the enclosing function.
#pragma once

#include <stdint.h>

#include <new>
#include <type_traits>
#include <utility>

namespace glass {

// Error codes are few and specific; the message a user sees is built where the error is reported.
enum class Error : uint8_t {
  kInvalidArgument,   // an argument is malformed (misaligned, out of range, non-canonical, ...)
  kOutOfMemory,       // no frame/object could be allocated
  kNotFound,          // the thing asked for does not exist
  kAlreadyExists,     // something already occupies the place (e.g. mapping over a mapping)
  kBusy,              // a resource is held by someone else
  kPermissionDenied,  // the caller may not do this (e.g. touching the shared kernel half)
  kMalformed,         // input from outside (boot info, wire bytes, disk) does not parse
  kUnsupported,       // valid request the implementation does not handle
  kOverflow,          // a counter or size would overflow
};

[[nodiscard]] constexpr const char* error_name(Error e) {
  switch (e) {
    case Error::kInvalidArgument:
      return "invalid argument";
    case Error::kOutOfMemory:
      return "out of memory";
    case Error::kNotFound:
      return "not found";
    case Error::kAlreadyExists:
      return "already exists";
    case Error::kBusy:
      return "busy";
    case Error::kPermissionDenied:
      return "permission denied";
    case Error::kMalformed:
      return "malformed";
    case Error::kUnsupported:
      return "unsupported";
    case Error::kOverflow:
      return "overflow";
  }
  return "unknown error";
}

template <typename T>
class [[nodiscard]] Result {
 public:
  // Implicit by design: `return value;` and `return Error::kX;` both read naturally.
  Result(const T& v) : ok_(true) { new (&storage_) T(v); }        // NOLINT
  Result(T&& v) : ok_(true) { new (&storage_) T(std::move(v)); }  // NOLINT
  Result(Error e) : ok_(false), error_(e) {}                      // NOLINT

  Result(Result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(o.ok_) {
    if (ok_) {
      new (&storage_) T(std::move(o.value_ref()));
    } else {
      error_ = o.error_;
    }
  }
  Result(const Result& o) requires std::is_copy_constructible_v<T> : ok_(o.ok_) {
    if (ok_) {
      new (&storage_) T(o.value_ref());
    } else {
      error_ = o.error_;
    }
  }
  Result& operator=(const Result&) = delete;
  Result& operator=(Result&&) = delete;
  ~Result() {
    if (ok_) value_ref().~T();
  }

  [[nodiscard]] bool is_ok() const { return ok_; }
  [[nodiscard]] bool is_error() const { return !ok_; }
  explicit operator bool() const { return ok_; }

  // Calling value() on an error, or error() on a value, is a kernel bug: it panics.
  [[nodiscard]] T& value() & {
    check(ok_, "Result::value() on an error");
    return value_ref();
  }
  [[nodiscard]] const T& value() const& {
    check(ok_, "Result::value() on an error");
    return value_ref();
  }
  [[nodiscard]] T&& value() && {
    check(ok_, "Result::value() on an error");
    return std::move(value_ref());
  }
  [[nodiscard]] T release_value() {
    check(ok_, "Result::release_value() on an error");
    return std::move(value_ref());
  }
  [[nodiscard]] Error error() const {
    check(!ok_, "Result::error() on a value");
    return error_;
  }

 private:
  static void check(bool cond, const char* what);
  T& value_ref() { return *std::launder(reinterpret_cast<T*>(&storage_)); }
  const T& value_ref() const { return *std::launder(reinterpret_cast<const T*>(&storage_)); }

  bool ok_;
  union {
    Error error_;
    alignas(T) unsigned char storage_[sizeof(T)];
  };
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() : ok_(true), error_(Error::kInvalidArgument) {}
  Result(Error e) : ok_(false), error_(e) {}  // NOLINT
  [[nodiscard]] bool is_ok() const { return ok_; }
  [[nodiscard]] bool is_error() const { return !ok_; }
  explicit operator bool() const { return ok_; }
  [[nodiscard]] Error error() const;
  void release_value() const {}

 private:
  bool ok_;
  Error error_;
};

[[noreturn]] void panic_result_misuse(const char* what);

template <typename T>
void Result<T>::check(bool cond, const char* what) {
  if (!cond) panic_result_misuse(what);
}

inline Error Result<void>::error() const {
  if (ok_) panic_result_misuse("Result<void>::error() on success");
  return error_;
}

}  // namespace glass

// TRY(expr): evaluate a Result; on error return it from the enclosing function, else yield the
// value. Uses a GNU statement expression (supported by both GCC and Clang) so it can be nested in
// expressions: `auto frame = TRY(alloc());`.
#define TRY(expr)                                                       \
  ({                                                                    \
    auto _glass_try_result = (expr);                                    \
    if (_glass_try_result.is_error()) return _glass_try_result.error(); \
    _glass_try_result.release_value();                                  \
  })
