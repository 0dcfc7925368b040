// EpochList: one StateModel per kernel boot seen by a host session (Session), so a reboot starts a
// fresh picture while the previous boot stays viewable (an instructor can compare before and
// after).
//
// Invariants:
//  - Epochs are numbered from 1 in arrival order and never renumbered; a boot id met again as the
//    latest epoch (a re-attach to the same kernel) continues that epoch rather than starting one.
//  - At most kMaxEpochs are kept: the oldest is dropped first (its number is not reused). The
//    latest epoch is never dropped.
//  - EpochList owns the models; views borrow them for one UI frame at a time.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <optional>
#include <vector>

#include "inspector/model/state_model.h"

namespace glass::inspector {

struct Epoch {
  uint32_t number = 0;
  std::optional<uint64_t> boot_id;  // unset until the kernel's handshake is seen
  StateModel model;
  uint64_t bytes = 0;   // wire bytes received in this epoch
  uint64_t events = 0;  // events applied
};

class EpochList {
 public:
  static constexpr size_t kMaxEpochs = 16;

  // The kernel's handshake announced boot_id: the epoch its events belong to from now on.
  Epoch& on_boot(uint64_t boot_id);
  // Where events go before any handshake on a connection: the latest epoch, or a first one.
  Epoch& current();
  [[nodiscard]] Epoch* latest() { return epochs_.empty() ? nullptr : epochs_.back().get(); }
  [[nodiscard]] const Epoch* latest() const {
    return epochs_.empty() ? nullptr : epochs_.back().get();
  }
  [[nodiscard]] const Epoch* find(uint32_t number) const;
  [[nodiscard]] size_t size() const { return epochs_.size(); }
  [[nodiscard]] const std::vector<std::unique_ptr<Epoch>>& all() const { return epochs_; }

 private:
  Epoch& start(std::optional<uint64_t> boot_id);

  std::vector<std::unique_ptr<Epoch>> epochs_;
  uint32_t next_number_ = 1;
};

}  // namespace glass::inspector
