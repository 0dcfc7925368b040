// Clang thread-safety annotations (Zircon's TA_* spelling): which lock guards which data, and
// which functions take, release or need it. `./glass test --layer lint` compiles the portable code
// with clang -Wthread-safety -Werror, so a guarded field touched without its lock fails the build
// there; g++ (the kernel and the host tests) sees nothing.
//
// Invariants: every macro expands to exactly one attribute under clang and to nothing otherwise,
// so annotating never changes code generation. What the analysis cannot express (a lock chosen at
// run time, a set of locks held by an object across calls) is said in a comment where the data
// is declared, not silenced here.
#pragma once

#if defined(__clang__)
#define GLASS_TA(x) __attribute__((x))
#else
#define GLASS_TA(x)
#endif

// A type that is a lock ("capability"); the string names it in diagnostics.
#define TA_CAP(name) GLASS_TA(capability(name))
// An RAII type whose constructor takes and whose destructor gives back a capability.
#define TA_SCOPED_CAP GLASS_TA(scoped_lockable)
// Data that may be read or written only while `cap` is held (read: shared suffices).
#define TA_GUARDED(cap) GLASS_TA(guarded_by(cap))
// The pointed-to data, not the pointer, is guarded.
#define TA_PT_GUARDED(cap) GLASS_TA(pt_guarded_by(cap))
// The function takes the capability (exclusively / shared) and returns holding it.
#define TA_ACQ(...) GLASS_TA(acquire_capability(__VA_ARGS__))
#define TA_ACQ_SHARED(...) GLASS_TA(acquire_shared_capability(__VA_ARGS__))
// The function gives the capability back (any mode).
#define TA_REL(...) GLASS_TA(release_generic_capability(__VA_ARGS__))
#define TA_REL_SHARED(...) GLASS_TA(release_shared_capability(__VA_ARGS__))
// The function takes it only when it returns `ret` (a bool).
#define TA_TRY_ACQ(...) GLASS_TA(try_acquire_capability(__VA_ARGS__))
#define TA_TRY_ACQ_SHARED(...) GLASS_TA(try_acquire_shared_capability(__VA_ARGS__))
// The caller must hold the capability (exclusively / at least shared).
#define TA_REQ(...) GLASS_TA(requires_capability(__VA_ARGS__))
#define TA_REQ_SHARED(...) GLASS_TA(requires_shared_capability(__VA_ARGS__))
// The caller must not hold it (the function takes it itself: catches self-deadlock).
#define TA_EXCL(...) GLASS_TA(locks_excluded(__VA_ARGS__))
// From here on the analysis may assume the capability held (the function checks or the type
// proves it).
#define TA_ASSERT(...) GLASS_TA(assert_capability(__VA_ARGS__))
#define TA_ASSERT_SHARED(...) GLASS_TA(assert_shared_capability(__VA_ARGS__))
// The function returns a reference to the capability named.
#define TA_RET_CAP(x) GLASS_TA(lock_returned(x))
// Opt one function out, with a comment at the use saying why (e.g. quiescent-only code).
#define TA_NO_THREAD_SAFETY_ANALYSIS GLASS_TA(no_thread_safety_analysis)
