// Names: see names.h.
#include "inspector/model/names.h"

#include <cstdio>

#include "mm/phys/owner.h"

namespace glass::inspector {

namespace {
std::string hex_of(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}
}  // namespace

void Names::reset_boot() {
  spaces_.clear();
  next_space_ = 1;
  cursors_.clear();
  next_cursor_ = 1;
}

void Names::saw_space(uint32_t asid) {
  if (asid == mm::kOwnerKernel || spaces_.count(asid) != 0) return;
  spaces_.emplace(asid, next_space_++);
}

void Names::cursor_began(uint64_t id) {
  if (cursors_.count(id) == 0) cursors_.emplace(id, next_cursor_++);
}

void Names::cursor_ended(uint64_t id) {
  cursors_.erase(id);
}

std::string Names::space(uint32_t asid) const {
  if (asid == mm::kOwnerKernel) return "kernel";
  auto it = spaces_.find(asid);
  if (it == spaces_.end()) return "space " + hex_of(asid);
  return "demo " + std::to_string(it->second);
}

uint32_t Names::cursor_number(uint64_t id) const {
  auto it = cursors_.find(id);
  return it == cursors_.end() ? 0 : it->second;
}

std::string Names::cursor(uint64_t id) const {
  const uint32_t n = cursor_number(id);
  return n != 0 ? "cursor " + std::to_string(n) : "cursor #" + std::to_string(id);
}

std::string Names::owner(uint32_t owner) const {
  switch (owner) {
    case mm::kOwnerNone:
      return "none";
    case mm::kOwnerFirmware:
      return "firmware";
    case mm::kOwnerLowMemory:
      return "low memory";
    case mm::kOwnerBoot:
      return "boot";
    case mm::kOwnerMm:
      return "mm";
    case mm::kOwnerKmalloc:
      return "kmalloc";
    case mm::kOwnerKernel:
      return "kernel";
    default:
      break;
  }
  // Page tables and the frames a demo space allocates carry the space's asid as their owner.
  if (spaces_.count(owner) != 0) return space(owner) + " (" + hex_of(owner) + ")";
  return hex_of(owner);
}

}  // namespace glass::inspector
