/* probe_read_u64: a read that may fault, for tests that must see a page fault on a CPU other
 * than the test runner's (where the ktest runner's recovery point does not reach).
 *
 * bool probe_read_u64(const volatile uint64_t* addr, uint64_t* out)
 *   reads *addr into *out and returns true; if the read faults, interrupt_dispatch (through
 *   arch::probe_fixup) resumes at probe_read_fixup, which returns false. Only the one load at
 *   probe_read_insn is covered: any other fault is still a panic. No state: any CPU, any time. */

.section .text
.global probe_read_u64
probe_read_u64:
.global probe_read_insn
probe_read_insn:
  movq (%rdi), %rax
  movq %rax, (%rsi)
  movl $1, %eax
  ret
.global probe_read_fixup
probe_read_fixup:
  xorl %eax, %eax
  ret

.section .note.GNU-stack, "", @progbits
