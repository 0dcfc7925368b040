// EpochList: see epochs.h.
#include "inspector/trace/epochs.h"

namespace glass::inspector {

Epoch& EpochList::start(std::optional<uint64_t> boot_id) {
  if (epochs_.size() >= kMaxEpochs) epochs_.erase(epochs_.begin());
  auto e = std::make_unique<Epoch>();
  e->number = next_number_++;
  e->boot_id = boot_id;
  epochs_.push_back(std::move(e));
  return *epochs_.back();
}

Epoch& EpochList::on_boot(uint64_t boot_id) {
  Epoch* last = latest();
  if (last != nullptr) {
    if (last->boot_id == boot_id) return *last;
    // Bytes that arrived before this connection's handshake belong to the boot that sent it.
    if (!last->boot_id && last->events == 0) {
      last->boot_id = boot_id;
      return *last;
    }
  }
  return start(boot_id);
}

Epoch& EpochList::current() {
  if (Epoch* last = latest()) return *last;
  return start(std::nullopt);
}

const Epoch* EpochList::find(uint32_t number) const {
  for (const auto& e : epochs_)
    if (e->number == number) return e.get();
  return nullptr;
}

}  // namespace glass::inspector
