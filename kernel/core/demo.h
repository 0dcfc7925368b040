// Demos selected with `demo=<name>` on the kernel command line, registered next to their code
// through the "glass_demos" linker section (like ktests). A demo runs after the ready line.
#pragma once

namespace glass {

struct Demo {
  const char* name;
  const char* about;  // one line for `demo=list` and the unknown-demo warning
  bool (*run)();      // false: the demo failed (it has said why)
};

// Runs the named demo; "list" prints the available ones. Returns false if there is no such demo
// or the demo failed (a scripted run then exits with failure).
bool run_demo(const char* name);

}  // namespace glass

// The section holds pointers to the records (see ktest.h for why not the records themselves).
#define GLASS_DEMO(id, about)                                                             \
  static bool glass_demo_fn_##id();                                                       \
  static const ::glass::Demo glass_demo_##id = {#id, about, glass_demo_fn_##id};          \
  [[gnu::used,                                                                            \
    gnu::section("glass_demos")]] static const ::glass::Demo* const glass_demo_ptr_##id = \
      &glass_demo_##id;                                                                   \
  static bool glass_demo_fn_##id()
