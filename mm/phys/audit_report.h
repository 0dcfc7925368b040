// AuditReport: the verdict of mm::audit(). Keeps only the first failure: after one inconsistency
// the rest is usually its echo.
// Invariant: `ok` is false iff `message` holds a NUL-terminated description of a failure.
#pragma once

#include "kernel/lib/format.h"

namespace glass::mm {

struct AuditReport {
  bool ok = true;
  char message[256] = {};

  void fail(const char* fmt, ...) GLASS_PRINTF_FORMAT(2, 3) {
    if (!ok) return;
    ok = false;
    va_list args;
    va_start(args, fmt);
    vformat_to(message, sizeof message, fmt, args);
    va_end(args);
  }
};

}  // namespace glass::mm
