// printf-style formatter; see format.h for what it supports and promises.
// Invariant: every byte goes through emit(), which counts it and hands it to the sink; the
// buffer sink drops bytes past its capacity, so truncation is decided in exactly one place.
#include "kernel/lib/format.h"

#include <limits.h>
#include <stdint.h>

namespace glass {
namespace {

struct Spec {
  bool left = false, zero = false, plus = false, space = false, alt = false;
  int width = 0;
  int precision = -1;
};

class Emitter {
 public:
  explicit Emitter(FormatSink sink) : sink_(sink) {}
  void put(const char* s, size_t n) {
    if (n == 0) return;
    sink_.write(sink_.ctx, s, n);
    count_ += n;
  }
  void repeat(char c, int n) {
    char buf[16];
    for (int i = 0; i < 16; ++i) buf[i] = c;
    while (n > 0) {
      int k = n < 16 ? n : 16;
      put(buf, static_cast<size_t>(k));
      n -= k;
    }
  }
  size_t count() const { return count_; }

 private:
  FormatSink sink_;
  size_t count_ = 0;
};

size_t cstr_len(const char* s, int max) {
  size_t n = 0;
  while ((max < 0 || n < static_cast<size_t>(max)) && s[n] != '\0') ++n;
  return n;
}

// Digits of v in base, most significant first, into the tail of buf. Returns the digit count.
int to_digits(uint64_t v, unsigned base, bool upper, char* buf_end) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  int n = 0;
  do {
    *--buf_end = digits[v % base];
    v /= base;
    ++n;
  } while (v != 0);
  return n;
}

// signed_conv: C gives '+' and ' ' meaning only for signed conversions; glibc ignores them for
// %u %x %X %o but honours them for %p, and so do we.
void emit_integer(Emitter& out, const Spec& spec, uint64_t magnitude, bool negative, unsigned base,
                  bool upper, bool is_pointer, bool signed_conv) {
  char buf[24];
  char* end = buf + sizeof buf;
  int ndigits = to_digits(magnitude, base, upper, end);
  const char* digits = end - ndigits;
  // C rule: precision 0 with value 0 prints no digits (except "%#o").
  if (spec.precision == 0 && magnitude == 0 && !is_pointer) ndigits = 0;

  char prefix[3];
  int nprefix = 0;
  if (negative) {
    prefix[nprefix++] = '-';
  } else if (spec.plus && (signed_conv || is_pointer)) {
    prefix[nprefix++] = '+';
  } else if (spec.space && (signed_conv || is_pointer)) {
    prefix[nprefix++] = ' ';
  }
  if ((spec.alt || is_pointer) && base == 16 && (magnitude != 0 || is_pointer)) {
    prefix[nprefix++] = '0';
    prefix[nprefix++] = upper ? 'X' : 'x';
  }
  int zeros = spec.precision > ndigits ? spec.precision - ndigits : 0;
  if (spec.alt && base == 8 && zeros == 0 && (ndigits == 0 || digits[0] != '0')) zeros = 1;
  int body = nprefix + zeros + ndigits;
  int pad = spec.width > body ? spec.width - body : 0;
  if (spec.zero && !spec.left && spec.precision < 0) {
    zeros += pad;
    pad = 0;
  }
  if (!spec.left) out.repeat(' ', pad);
  out.put(prefix, static_cast<size_t>(nprefix));
  out.repeat('0', zeros);
  out.put(digits, static_cast<size_t>(ndigits));
  if (spec.left) out.repeat(' ', pad);
}

void emit_padded(Emitter& out, const Spec& spec, const char* s, size_t n) {
  int pad = spec.width > static_cast<int>(n) ? spec.width - static_cast<int>(n) : 0;
  if (!spec.left) out.repeat(' ', pad);
  out.put(s, n);
  if (spec.left) out.repeat(' ', pad);
}

// Width/precision digits saturate at INT_MAX instead of overflowing on absurd format strings.
int append_digit(int v, char digit) {
  const int d = digit - '0';
  return v > (INT_MAX - d) / 10 ? INT_MAX : v * 10 + d;
}

enum class Length { kNone, kHH, kH, kL, kLL, kZ, kT, kJ };

uint64_t take_unsigned(Length len, va_list& args) {
  switch (len) {
    case Length::kHH:
      return static_cast<unsigned char>(va_arg(args, unsigned));
    case Length::kH:
      return static_cast<unsigned short>(va_arg(args, unsigned));
    case Length::kL:
      return va_arg(args, unsigned long);
    case Length::kLL:
      return va_arg(args, unsigned long long);
    case Length::kZ:
      return va_arg(args, size_t);
    case Length::kT:
      return static_cast<uint64_t>(va_arg(args, ptrdiff_t));
    case Length::kJ:
      return va_arg(args, uintmax_t);
    case Length::kNone:
      break;
  }
  return va_arg(args, unsigned);
}

int64_t take_signed(Length len, va_list& args) {
  switch (len) {
    case Length::kHH:
      return static_cast<signed char>(va_arg(args, int));
    case Length::kH:
      return static_cast<short>(va_arg(args, int));
    case Length::kL:
      return va_arg(args, long);
    case Length::kLL:
      return va_arg(args, long long);
    case Length::kZ:
      return static_cast<int64_t>(va_arg(args, size_t));
    case Length::kT:
      return va_arg(args, ptrdiff_t);
    case Length::kJ:
      return va_arg(args, intmax_t);
    case Length::kNone:
      break;
  }
  return va_arg(args, int);
}

}  // namespace

size_t vformat(FormatSink sink, const char* fmt, va_list args_in) {
  Emitter out(sink);
  va_list args;
  va_copy(args, args_in);
  const char* p = fmt;
  while (*p != '\0') {
    const char* run = p;
    while (*p != '\0' && *p != '%') ++p;
    out.put(run, static_cast<size_t>(p - run));
    if (*p == '\0') break;
    const char* conv_start = p++;  // skip '%'
    Spec spec;
    for (;; ++p) {
      if (*p == '-')
        spec.left = true;
      else if (*p == '0')
        spec.zero = true;
      else if (*p == '+')
        spec.plus = true;
      else if (*p == ' ')
        spec.space = true;
      else if (*p == '#')
        spec.alt = true;
      else
        break;
    }
    if (*p == '*') {
      const int w = va_arg(args, int);
      if (w < 0) {
        spec.left = true;
        // -INT_MIN does not fit an int; saturate rather than overflow.
        spec.width = w == INT_MIN ? INT_MAX : -w;
      } else {
        spec.width = w;
      }
      ++p;
    } else {
      while (*p >= '0' && *p <= '9') spec.width = append_digit(spec.width, *p++);
    }
    if (*p == '.') {
      ++p;
      spec.precision = 0;
      if (*p == '*') {
        spec.precision = va_arg(args, int);
        if (spec.precision < 0) spec.precision = -1;
        ++p;
      } else {
        while (*p >= '0' && *p <= '9') spec.precision = append_digit(spec.precision, *p++);
      }
    }
    Length len = Length::kNone;
    if (*p == 'h') {
      len = (p[1] == 'h') ? Length::kHH : Length::kH;
      p += (len == Length::kHH) ? 2 : 1;
    } else if (*p == 'l') {
      len = (p[1] == 'l') ? Length::kLL : Length::kL;
      p += (len == Length::kLL) ? 2 : 1;
    } else if (*p == 'z') {
      len = Length::kZ, ++p;
    } else if (*p == 't') {
      len = Length::kT, ++p;
    } else if (*p == 'j') {
      len = Length::kJ, ++p;
    }
    switch (*p) {
      case 'd':
      case 'i': {
        int64_t v = take_signed(len, args);
        uint64_t mag = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        emit_integer(out, spec, mag, v < 0, 10, false, false, true);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        const unsigned base = *p == 'u' ? 10 : (*p == 'o' ? 8 : 16);
        emit_integer(out, spec, take_unsigned(len, args), false, base, *p == 'X', false, false);
        break;
      }
      case 'p': {
        auto v = reinterpret_cast<uintptr_t>(va_arg(args, void*));
        emit_integer(out, spec, v, false, 16, false, true, false);
        break;
      }
      case 'c': {
        char c = static_cast<char>(va_arg(args, int));
        emit_padded(out, spec, &c, 1);
        break;
      }
      case 's': {
        const char* s = va_arg(args, const char*);
        if (s == nullptr) s = "(null)";
        emit_padded(out, spec, s, cstr_len(s, spec.precision));
        break;
      }
      case '%':
        out.put("%", 1);
        break;
      default:
        // Unknown conversion (the compiler rejects these in checked call sites): print it as is.
        if (*p == '\0') {
          out.put(conv_start, static_cast<size_t>(p - conv_start));
          va_end(args);
          return out.count();
        }
        out.put(conv_start, static_cast<size_t>(p + 1 - conv_start));
        break;
    }
    ++p;
  }
  va_end(args);
  return out.count();
}

size_t format(FormatSink sink, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  size_t n = vformat(sink, fmt, args);
  va_end(args);
  return n;
}

namespace {
struct BufferCtx {
  char* buf;
  size_t cap;  // bytes available for characters (size - 1)
  size_t used;
};
void buffer_write(void* ctx, const char* s, size_t n) {
  auto* b = static_cast<BufferCtx*>(ctx);
  size_t room = b->cap - b->used;
  size_t k = n < room ? n : room;
  for (size_t i = 0; i < k; ++i) b->buf[b->used + i] = s[i];
  b->used += k;
}
}  // namespace

size_t vformat_to(char* buf, size_t size, const char* fmt, va_list args) {
  BufferCtx ctx{buf, size == 0 ? 0 : size - 1, 0};
  size_t n = vformat(FormatSink{buffer_write, &ctx}, fmt, args);
  if (size != 0) buf[ctx.used] = '\0';
  return n;
}

size_t format_to(char* buf, size_t size, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  size_t n = vformat_to(buf, size, fmt, args);
  va_end(args);
  return n;
}

}  // namespace glass
