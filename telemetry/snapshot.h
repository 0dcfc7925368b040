// Full scans of mm's state (snapshot.cpp): the state digest and a snapshot's body.
// Invariant: quiescent callers only (no mm operation in flight); portable.
#pragma once

#include "protocol/digest.h"
#include "protocol/framer.h"

namespace glass::telemetry {

// The digest of everything that exists right now, by one full scan.
[[nodiscard]] Digest full_digest();
// Frame runs, address spaces, nodes and entries. False if the transmit buffer filled up (the
// caller rolls the framer back to its mark).
[[nodiscard]] bool snapshot_body(Framer& f);

}  // namespace glass::telemetry
