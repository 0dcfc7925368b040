// Full scans for the channel (snapshot_kernel.cpp): the state digest and a snapshot's body.
// Invariant: quiescent callers only (see telemetry.h); kernel only.
#pragma once

#include "protocol/digest.h"
#include "protocol/framer.h"

namespace glass::telemetry::internal {

// The digest of everything that exists right now, by one full scan.
[[nodiscard]] Digest full_digest();
// Frame runs, address spaces, nodes and entries. False if the transmit buffer filled up (the
// caller rolls the framer back to its mark).
[[nodiscard]] bool snapshot_body(Framer& f);

}  // namespace glass::telemetry::internal
