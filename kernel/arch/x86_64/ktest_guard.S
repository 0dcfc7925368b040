/* A setjmp/longjmp pair for expected-fault tests (kernel/ktest/runner.cpp).
 *
 * int ktest_guarded_call(void (*fn)(void*), void* arg, RecoveryPoint* rp)
 *   saves callee-saved registers, the caller's stack pointer, return address and RFLAGS in rp,
 *   calls fn(arg) and returns 0.
 * void ktest_recover(const RecoveryPoint* rp)   [[noreturn]]
 *   called from the exception handler when a test's declared fault happens: restores the saved
 *   state and makes ktest_guarded_call return 1. The handler's frames are simply abandoned;
 *   RFLAGS (and so IF) comes back as it was at the call.
 * RecoveryPoint layout (9 quadwords): rbx rbp r12 r13 r14 r15 rsp rip rflags. */

.section .text
.global ktest_guarded_call
ktest_guarded_call:
  mov %rbx, 0(%rdx)
  mov %rbp, 8(%rdx)
  mov %r12, 16(%rdx)
  mov %r13, 24(%rdx)
  mov %r14, 32(%rdx)
  mov %r15, 40(%rdx)
  lea 8(%rsp), %rax
  mov %rax, 48(%rdx)
  mov (%rsp), %rax
  mov %rax, 56(%rdx)
  pushfq
  popq %rax
  mov %rax, 64(%rdx)
  push %rbp
  mov %rsp, %rbp
  mov %rdi, %rax
  mov %rsi, %rdi
  call *%rax
  pop %rbp
  xor %eax, %eax
  ret

.global ktest_recover
ktest_recover:
  mov 0(%rdi), %rbx
  mov 8(%rdi), %rbp
  mov 16(%rdi), %r12
  mov 24(%rdi), %r13
  mov 32(%rdi), %r14
  mov 40(%rdi), %r15
  mov 48(%rdi), %rsp
  pushq 64(%rdi)
  popfq
  mov $1, %eax
  jmp *56(%rdi)

.section .note.GNU-stack, "", @progbits
