// The inspector's epochs are the session engine's (inspector/trace/epochs.h): one definition,
// named here in the app's namespace for the views that pick an epoch to show.
#pragma once

#include "inspector/trace/epochs.h"

namespace glass::inspector::app {

using Epoch = glass::inspector::Epoch;
using EpochList = glass::inspector::EpochList;

}  // namespace glass::inspector::app
