// The block requests the kernel reported (block/block_events.h), as the inspector's "Block
// requests" tab draws them: each request in flight with its state and reference count, and the
// last ones that ended with their outcome.
//
// Invariants: a request is keyed by (disk, tag) from its block_dispatch (which says the tag was
// taken; block_tag comes only before a block_tag_free, for a tag given back undispatched) until
// its block_end; its refcount is 2 from block_dispatch,
// then the last block_ref value, 0 at block_end (0 = the block layer owns it, 2 = the driver's
// reference + the in-flight count, more = extra references such as a tag lookup);
// ended requests move to `ended` (the newest kMaxEnded kept). Plain data: copied with the model
// into the timeline's keyframes, so what is drawn is the state at the event shown. Snapshots do
// not carry requests yet: an attach mid-run sees only requests tagged after it.
#pragma once

#include <stdint.h>

#include <deque>
#include <map>
#include <utility>

#include "protocol/messages.h"

namespace glass::inspector {

struct BlockRequest {
  enum class State : uint8_t { kTagged, kInFlight, kDeviceDone, kTimedOut, kEnded };
  uint32_t disk = 0, tag = 0;
  State state = State::kTagged;
  uint32_t refcount = 0;
  bool write = false;
  uint32_t sectors = 0;
  uint64_t sector = 0;
  uint64_t buffer = 0;  // first pfn of the buffer's frames
  uint64_t frames = 0;
  uint32_t status = 0;  // 0 ok, else 1 + the kernel's Error value (block_end)
  uint64_t t_tagged = 0, t_last = 0;
  // The request's timeline (ns; 0: did not happen): what the tab draws for a selected request.
  uint64_t t_dispatch = 0, t_device_done = 0, t_timeout = 0, t_end = 0;
};

[[nodiscard]] const char* state_name(BlockRequest::State s);
// Who holds the references, in words ("driver + in flight"), for a refcount.
[[nodiscard]] const char* refcount_meaning(uint32_t refcount);

class BlockRequests {
 public:
  static constexpr size_t kMaxEnded = 32;

  // Applies one block event (the others are not for it).
  void apply(const telemetry::Event& e);

  [[nodiscard]] const std::map<std::pair<uint32_t, uint32_t>, BlockRequest>& in_flight() const {
    return live_;
  }
  [[nodiscard]] const std::deque<BlockRequest>& ended() const { return ended_; }
  [[nodiscard]] uint64_t ended_total() const { return ended_total_; }

 private:
  BlockRequest* find(uint32_t disk, uint32_t tag);

  std::map<std::pair<uint32_t, uint32_t>, BlockRequest> live_;
  std::deque<BlockRequest> ended_;
  uint64_t ended_total_ = 0;
};

}  // namespace glass::inspector
