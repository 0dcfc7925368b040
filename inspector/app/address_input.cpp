// read_address: see address_input.h.
#include "inspector/app/address_input.h"

#include <cctype>

namespace glass::inspector::app {

bool read_address(const std::string& text, uint64_t& out, std::string& why) {
  std::string digits;
  for (char c : text)
    if (c != '_' && c != ' ') digits += c;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
    digits.erase(0, 2);
  bool hex = !digits.empty();
  for (char c : digits) hex = hex && std::isxdigit(static_cast<unsigned char>(c)) != 0;
  if (!hex) {
    why = "'" + text + "' is not a hex address";
    return false;
  }
  const size_t first = digits.find_first_not_of('0');
  const size_t significant = first == std::string::npos ? 0 : digits.size() - first;
  if (significant > 16) {
    why = "'" + text + "' is too large: " + std::to_string(significant) +
          " hex digits, and a 64-bit address has at most 16";
    return false;
  }
  uint64_t v = 0;
  for (size_t i = first == std::string::npos ? digits.size() : first; i < digits.size(); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(digits[i])));
    v = (v << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  out = v;
  return true;
}

}  // namespace glass::inspector::app
