// BlockPanel: the "Block requests" tab: each request in flight with its state and its reference
// count spelled out as the references that make it up (block layer / driver / in flight /
// others), then the last requests that ended, with their outcome.
//
// Invariants: reads the model only (StateModel::block_requests), so it shows the state at the
// event shown like every other view.
#pragma once

#include "inspector/model/state_model.h"

namespace glass::inspector::app {

class BlockPanel {
 public:
  void draw(const StateModel& m);
};

}  // namespace glass::inspector::app
