// AddressInput: what a user typed into an address box, read as a 64-bit virtual address, or one
// sentence saying why it is not one. The tree's Find box and the walk's box share it.
//
// Invariants: hex only, with or without 0x; '_' and spaces group digits and are ignored; leading
// zeros do not count. Text with a character that is not a hex digit is "not a hex address"; a
// number with more than 16 significant hex digits is "too large" (named as such: it is a number,
// just not one that fits 64 bits), never silently clamped. A 64-bit value that is not canonical is
// accepted: the walk explains why the CPU refuses it.
#pragma once

#include <stdint.h>

#include <string>

namespace glass::inspector::app {

// true and out set, or false and why set to one sentence naming the text.
[[nodiscard]] bool read_address(const std::string& text, uint64_t& out, std::string& why);

}  // namespace glass::inspector::app
