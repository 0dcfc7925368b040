// The log view's data: kernel log lines, KTAP results and a panic, in the order they arrived,
// and the panic banner.
// Invariants: log_lines() is the model's journal, one line per arrival, oldest first (the model
// bounds it); nothing is reordered by kind.
#pragma once

#include <stdint.h>

#include <optional>
#include <string>
#include <vector>

#include "inspector/model/state_model.h"

namespace glass::inspector::view {

struct LogLine {
  enum Kind { kLog, kKtapOk, kKtapNotOk, kKtapSkip, kPanic } kind = kLog;
  uint64_t t_ns = 0;
  std::string text;   // log: the line; KTAP: "ok 3 name" as KTAP writes it; panic: the decode
  uint8_t level = 0;  // log: telemetry::LogLevel
};

[[nodiscard]] std::vector<LogLine> log_lines(const StateModel& m);
// "PANIC on cpu N at t=… s: <decode>" when the kernel panicked; nullopt otherwise.
[[nodiscard]] std::optional<std::string> panic_banner(const StateModel& m);

}  // namespace glass::inspector::view
