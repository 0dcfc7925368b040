// Kernel command-line parsing; see cmdline.h for the invariants.
#include "kernel/boot/cmdline.h"

#include "kernel/lib/format.h"

namespace glass {
namespace {

struct Token {
  const char* key;
  size_t key_len;
  const char* value;  // null when the token has no '='
  size_t value_len;
};

bool key_is(const Token& t, const char* name) {
  size_t n = __builtin_strlen(name);
  return t.key_len == n && __builtin_memcmp(t.key, name, n) == 0;
}

bool value_is(const Token& t, const char* v) {
  size_t n = __builtin_strlen(v);
  return t.value != nullptr && t.value_len == n && __builtin_memcmp(t.value, v, n) == 0;
}

// Warnings echo at most this much of the offending token, so the reason always fits.
constexpr size_t kEchoMax = 40;

int echo_len(const Token& t) {
  size_t n = t.key_len + (t.value ? t.value_len + 1 : 0);
  return static_cast<int>(n > kEchoMax ? kEchoMax : n);
}

const char* echo_ellipsis(const Token& t) {
  return t.key_len + (t.value ? t.value_len + 1 : 0) > kEchoMax ? "..." : "";
}

void warn(Cmdline& c, const char* fmt, ...) GLASS_PRINTF_FORMAT(2, 3);
void warn(Cmdline& c, const char* fmt, ...) {
  if (c.warning_count == Cmdline::kMaxWarnings) {
    ++c.dropped_warnings;
    return;
  }
  va_list args;
  va_start(args, fmt);
  vformat_to(c.warnings[c.warning_count++], Cmdline::kWarningMax, fmt, args);
  va_end(args);
}

void copy_value(Cmdline& c, char* dst, const Token& t) {
  if (t.value == nullptr || t.value_len == 0) {
    warn(c, "option '%.*s%s' needs a value; ignored", echo_len(t), t.key, echo_ellipsis(t));
    return;
  }
  if (t.value_len >= Cmdline::kValueMax) {
    warn(c, "value of '%.*s%s' is too long; ignored", echo_len(t), t.key, echo_ellipsis(t));
    return;
  }
  __builtin_memcpy(dst, t.value, t.value_len);
  dst[t.value_len] = '\0';
}

// A decimal count 1 .. 10^12 (no sign, no suffix); false for anything else.
bool parse_count(const Token& t, uint64_t* out) {
  if (t.value == nullptr || t.value_len == 0 || t.value_len > 12) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < t.value_len; ++i) {
    if (t.value[i] < '0' || t.value[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(t.value[i] - '0');
  }
  if (v == 0) return false;
  *out = v;
  return true;
}

void apply_count(Cmdline& c, const Token& t, uint64_t* dst) {
  if (!parse_count(t, dst)) {
    warn(c, "'%.*s%s': %.*s= takes a whole number >= 1; ignored", echo_len(t), t.key,
         echo_ellipsis(t), static_cast<int>(t.key_len), t.key);
  }
}

void apply(Cmdline& c, const Token& t) {
  if (key_is(t, "ktest")) {
    copy_value(c, c.ktest, t);
  } else if (key_is(t, "demo")) {
    copy_value(c, c.demo, t);
  } else if (key_is(t, "quiet") && t.value == nullptr) {
    c.quiet = true;
  } else if (key_is(t, "exit_after_ready") && t.value == nullptr) {
    c.exit_after_ready = true;
  } else if (key_is(t, "exit_after_demo") && t.value == nullptr) {
    c.exit_after_demo = true;
  } else if (key_is(t, "failinject")) {
    apply_count(c, t, &c.failinject);
  } else if (key_is(t, "failinject_stride")) {
    apply_count(c, t, &c.failinject_stride);
  } else if (key_is(t, "ramdisk")) {
    apply_count(c, t, &c.ramdisk_kib);
  } else if (key_is(t, "ramdisk.fail")) {
    apply_count(c, t, &c.ramdisk_fail);
  } else if (key_is(t, "demo_pace")) {
    uint64_t p = 0;
    if (parse_count(t, &p) && p <= 1000) {
      c.demo_pace = p;
    } else {
      warn(c, "'%.*s%s': demo_pace= takes a percentage 1..1000; ignored", echo_len(t), t.key,
           echo_ellipsis(t));
    }
  } else if (key_is(t, "telemetry")) {
    if (value_is(t, "off")) {
      c.telemetry = false;
    } else if (value_is(t, "on")) {
      c.telemetry = true;
      c.telemetry_polled = false;
    } else if (value_is(t, "polled")) {
      c.telemetry = true;
      c.telemetry_polled = true;
    } else {
      warn(c, "'%.*s%s': telemetry= takes on, off or polled; ignored", echo_len(t), t.key,
           echo_ellipsis(t));
    }
  } else if (key_is(t, "panic")) {
    if (value_is(t, "exit")) {
      c.panic_exit = true;
    } else if (value_is(t, "halt")) {
      c.panic_exit = false;
    } else {
      warn(c, "'%.*s%s': panic= takes halt or exit; ignored", echo_len(t), t.key, echo_ellipsis(t));
    }
  } else {
    warn(c, "unknown option '%.*s%s' ignored", echo_len(t), t.key, echo_ellipsis(t));
  }
}

}  // namespace

Cmdline parse_cmdline(const char* text) {
  Cmdline c;
  if (text == nullptr) return c;
  const char* p = text;
  while (*p != '\0') {
    while (*p == ' ' || *p == '\t') ++p;
    if (*p == '\0') break;
    Token t{p, 0, nullptr, 0};
    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '=') ++p;
    t.key_len = static_cast<size_t>(p - t.key);
    if (*p == '=') {
      t.value = ++p;
      while (*p != '\0' && *p != ' ' && *p != '\t') ++p;
      t.value_len = static_cast<size_t>(p - t.value);
    }
    apply(c, t);
  }
  return c;
}

}  // namespace glass
