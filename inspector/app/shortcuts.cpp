// Shortcuts: see shortcuts.h.
#include "inspector/app/shortcuts.h"

namespace glass::inspector::app {

const std::vector<Shortcut>& shortcuts() {
  static const std::vector<Shortcut> k = {
      {Key::kLeft, "Left arrow", "replay: one event back"},
      {Key::kRight, "Right arrow", "replay: one event forward"},
      {Key::kHome, "Home", "replay: the first event (before anything happened)"},
      {Key::kEnd, "End", "replay: the last event"},
      {Key::kSpace, "Space", "replay: play / pause"},
      {Key::kN, "N", "Page walk: reveal the next step"},
      {Key::kF1, "F1", "this help (again to close)"},
      {Key::kQuestion, "?", "this help (again to close)"},
      {Key::kEscape, "Escape", "close this help"},
  };
  return k;
}

KeyAction key_action(Key k, bool replay, size_t events_last, bool playing, bool typing,
                     ViewId view) {
  KeyAction a;
  if (k == Key::kF1) {
    a.toggle_help = true;
    return a;
  }
  if (k == Key::kEscape) {
    a.close_help = true;
    return a;
  }
  if (typing) return a;
  switch (k) {
    case Key::kQuestion:
      a.toggle_help = true;
      break;
    case Key::kN:
      a.walk_next = view == ViewId::kWalk;
      break;
    case Key::kLeft:
      if (replay) a.nav = NavRequest::step(-1);
      break;
    case Key::kRight:
      if (replay) a.nav = NavRequest::step(1);
      break;
    case Key::kHome:
      if (replay) a.nav = NavRequest::seek(0);
      break;
    case Key::kEnd:
      if (replay) a.nav = NavRequest::seek(events_last);
      break;
    case Key::kSpace:
      if (replay) a.nav = NavRequest::play(!playing);
      break;
    default:
      break;
  }
  return a;
}

const std::vector<TabHelp>& tab_help() {
  static const std::vector<TabHelp> k = {
      {ViewId::kTree, "Page tables",
       "one address space's tree, PML4 -> PDPT -> PD -> PT, present entries only; Find an "
       "address; Merged ranges like QEMU's info mem"},
      {ViewId::kFrames, "Frames",
       "every physical frame coloured by its kind; long free runs folded; hover a frame for its "
       "owner and mappings, click it to see its entry in the tree; Go to frame N"},
      {ViewId::kLocks, "Cursor locks",
       "the live cursors (numbered from 1 per boot), the range each locked and the nodes it "
       "holds, drawn in its colour in the tree"},
      {ViewId::kWalk, "Page walk",
       "type an address, Walk, then N reveals CR3 -> PML4E -> PDPTE -> PDE -> PTE and the "
       "physical address"},
      {ViewId::kTimeline, "Timeline",
       "replay: play, step, scrub, jump to the next event of a kind, or find when an address was "
       "mapped or a frame changed owner"},
      {ViewId::kLog, "Log", "the kernel's log lines, KTAP results and a panic, in order"},
      {ViewId::kInvariants, "Invariants",
       "what must always hold, re-checked on the state shown; violations in red with why they "
       "matter, and notes that are lessons, not bugs"},
      {ViewId::kBlock, "Block requests",
       "block requests in flight with their reference count spelled out, then the last ended"},
  };
  return k;
}

}  // namespace glass::inspector::app
