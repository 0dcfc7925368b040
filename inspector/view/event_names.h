// Event names: the small names (model/names.h) that go with one timeline event, so the event
// list can say "demo 1" next to `owner=0x10100` and "cursor 3" next to `cursor=130943` while the
// line itself stays the wire's text (as glass-trace dump prints it).
//
// Invariants: reads the event and the Names of the state shown only; empty when the event names
// no address space, owner or cursor, or when the name is not known in that state (a cursor that
// has ended, a space created later); never guesses.
#pragma once

#include <string>

#include "inspector/model/names.h"
#include "inspector/model/stream_decoder.h"

namespace glass::inspector::view {

[[nodiscard]] std::string event_names(const StreamItem& item, const Names& names);

}  // namespace glass::inspector::view
