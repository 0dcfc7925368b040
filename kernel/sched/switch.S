/* Kernel thread context switch (kernel/sched/scheduler.cpp).
 *
 * void sched_switch(uint64_t* save_rsp, uint64_t next_rsp)
 *   pushes the callee-saved registers on the current stack, stores RSP in *save_rsp, loads
 *   next_rsp and pops the next thread's; its `ret` returns into that thread's own sched_switch
 *   call, or, for a thread that never ran, into sched_thread_start. Interrupts are off across it
 *   (the scheduler's caller made sure). The caller-saved registers are the C++ caller's business.
 * sched_thread_start: a new thread's first instruction; calls sched_thread_main (never returns).
 *   Its stack was laid out by make_stack (thread.cpp) so RSP is 16-byte aligned at the call. */

.section .text
.global sched_switch
sched_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret

.global sched_thread_start
sched_thread_start:
  xorl %ebp, %ebp
  call sched_thread_main
1:
  cli
  hlt
  jmp 1b

.section .note.GNU-stack, "", @progbits
