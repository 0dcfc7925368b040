// Command-line support shared by the host programs (glass-trace, glass-inspect), over CLI11
// (Debian libcli11-dev, header-only): validators that say what an option wants in the project's
// words, and one line from any CLI11 parse error.
//
// Invariants: every refusal is one sentence naming the argument ("--at-event wants an event
// number, not '12x'", "unknown argument '--bogus'", "--replay needs a value"); numbers are
// checked by CLI11's own validators (type, sign, range) before CLI11 converts them, so a sign,
// a trailing letter or an overflow is a refusal, never a wrapped or saturated value.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <string>

namespace glass::inspector::cli {

// Runs `inner`; on failure the whole message is `sentence` + ", not 'VALUE'".
inline CLI::Validator wants(const std::string& sentence, CLI::Validator inner) {
  return CLI::Validator(
      [sentence, inner](std::string& v) {
        std::string copy = v;
        if (inner(copy).empty()) return std::string();
        return sentence + ", not '" + v + "'";
      },
      "");
}

// A whole number in [lo, hi] (decimal, or 0x hex where the type allows it).
template <typename T>
CLI::Validator whole(const std::string& sentence, double lo, double hi) {
  return wants(sentence, CLI::TypeValidator<T>() & CLI::NonNegativeNumber & CLI::Range(lo, hi));
}

// A finite real number in [lo, hi] (CLI11's Range lets NaN through: checked here).
inline CLI::Validator real(const std::string& sentence, double lo, double hi) {
  auto finite = CLI::Validator(
      [](std::string& v) {
        double d = 0;
        if (!CLI::detail::lexical_cast(v, d) || !std::isfinite(d)) return std::string("not finite");
        return std::string();
      },
      "");
  return wants(sentence, CLI::TypeValidator<double>() & finite & CLI::Range(lo, hi));
}

// Every option given twice keeps its last value (as the hand-written parsers did).
inline void defaults(CLI::App& app) {
  app.set_help_flag();  // --help is the program's own (its usage text)
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

namespace detail {
inline std::string after(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : std::string();
}
}  // namespace detail

// One line from a CLI11 parse error. Matched on CLI11's message text (2.1.2), since its error
// names are not all distinct (an unexpected argument carries the app's name).
inline std::string one_line(const CLI::ParseError& e) {
  const std::string m = e.what();
  const std::string name = e.get_name();
  std::string rest = detail::after(m, "The following argument was not expected: ");
  if (!rest.empty()) return "unknown argument '" + rest + "'";
  rest = detail::after(m, "The following arguments were not expected: ");
  if (!rest.empty()) return "unknown arguments: " + rest;
  if (name == "ValidationError") {
    // "--opt: --opt wants ..." or "--opt: wants ..." -> "--opt wants ..."
    const auto colon = m.find(": ");
    if (colon == std::string::npos) return m;
    const std::string opt = m.substr(0, colon), said = m.substr(colon + 2);
    if (said.rfind(opt + " ", 0) == 0) return said;
    if (said.rfind("wants", 0) == 0) return opt + " " + said;
    return said;
  }
  if (name == "ArgumentMismatch") {
    const auto colon = m.find(':');
    if (colon != std::string::npos && m.find("required", colon) != std::string::npos &&
        m.find("missing", colon) != std::string::npos)
      return m.substr(0, colon) + " needs a value";
    return m;
  }
  if (name == "RequiredError") {
    const std::string tail = " is required";
    if (m.size() > tail.size() && m.compare(m.size() - tail.size(), tail.size(), tail) == 0)
      return "missing " + m.substr(0, m.size() - tail.size());
    return m;
  }
  if (name == "ConversionError") {
    rest = detail::after(m, "Could not convert: ");
    const auto eq = rest.find(" = ");
    if (eq != std::string::npos)
      return rest.substr(0, eq) + ": cannot use '" + rest.substr(eq + 3) + "'";
  }
  return m;
}

}  // namespace glass::inspector::cli
