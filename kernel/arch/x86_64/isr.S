/* Interrupt entry stubs. Each stub makes the stack look the same (an error code slot, then the
 * vector) and jumps to one common path that saves every general-purpose register in the order of
 * struct InterruptFrame (interrupt_frame.h), calls interrupt_dispatch(frame), restores, iretq.
 * Stack alignment: the CPU aligns RSP to 16 before its 5 pushes; 2 + 15 more pushes make 22
 * quadwords (176 bytes), so RSP is 16-byte aligned at the call, as the ABI wants. */

.macro ISR_NOERR vec
.global isr_stub_\vec
isr_stub_\vec:
  pushq $0
  pushq $\vec
  jmp isr_common
.endm

.macro ISR_ERR vec
.global isr_stub_\vec
isr_stub_\vec:
  pushq $\vec
  jmp isr_common
.endm

.section .text
isr_common:
  cld
  pushq %rax
  pushq %rbx
  pushq %rcx
  pushq %rdx
  pushq %rsi
  pushq %rdi
  pushq %rbp
  pushq %r8
  pushq %r9
  pushq %r10
  pushq %r11
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  mov %rsp, %rdi
  call interrupt_dispatch
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %r11
  popq %r10
  popq %r9
  popq %r8
  popq %rbp
  popq %rdi
  popq %rsi
  popq %rdx
  popq %rcx
  popq %rbx
  popq %rax
  add $16, %rsp
  iretq

/* Exceptions with an error code: 8, 10-14, 17, 21, 29, 30. */
ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
ISR_NOERR 32
/* Device vectors: ISA IRQs through the I/O APIC at kVectorIsaBase + irq (48..63), then MSI/MSI-X
   vectors handed out at run time (64..79), then the IPIs (80..81, interrupt_frame.h). */
.irp v, 48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81
ISR_NOERR \v
.endr
ISR_NOERR 255

.section .rodata
.align 8
.global isr_stub_table
isr_stub_table:
.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
  .quad isr_stub_\v
.endr
.global isr_irq_stub_table
isr_irq_stub_table:
.irp v, 48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81
  .quad isr_stub_\v
.endr
.global isr_stub_timer
  .set isr_stub_timer, isr_stub_32
.global isr_stub_spurious
  .set isr_stub_spurious, isr_stub_255

.section .note.GNU-stack, "", @progbits
