// BlockPanel: the "Block requests" tab: each request in flight with its state and its reference
// count spelled out as the references that make it up (block layer / driver / in flight /
// others), then the last requests that ended, with their outcome; a filter by state, and the
// timeline of the request selected in either table (dispatch, device done or timeout, end, each
// with its time since the dispatch).
//
// Invariants: reads the model only (StateModel::block_requests), so it shows the state at the
// event shown like every other view. Its own state is the filter and the selection (disk, tag,
// dispatch time: a tag is reused, the dispatch time tells its requests apart); a selection the
// model no longer has draws nothing.
#pragma once

#include <stdint.h>

#include "inspector/model/state_model.h"

namespace glass::inspector::app {

class BlockPanel {
 public:
  void draw(const StateModel& m);

 private:
  // Rows of this state only; -1: every state.
  int filter_ = -1;
  bool selected_ = false;
  uint32_t sel_disk_ = 0, sel_tag_ = 0;
  uint64_t sel_dispatch_ = 0;
};

}  // namespace glass::inspector::app
