/* The AP trampoline: where an application processor starts after INIT-SIPI-SIPI (real mode,
 * CS:IP = 0x0800:0000) and how it reaches long mode and the kernel's high half.
 *
 * The blob between ap_trampoline_start and ap_trampoline_end is position-dependent: it is linked
 * into .rodata but runs only as the copy kernel/smp/ap_boot.cpp places at physical
 * AP_TRAMPOLINE_PHYS (below 1 MiB: a SIPI names a 4 KiB page there). Its parameters (the block
 * at ap_trampoline_params, struct TrampolineParams in ap_boot.cpp, same order) are written by the
 * boot CPU before each SIPI. Path: real mode -> 32-bit protected mode (its own GDT) -> PAE + LME
 * + NXE, paging on the low page tables (identity for the first 2 MiB, the kernel's own entries for
 * the high half) -> 64-bit code -> jump to ap_entry64 in the high half, which switches to the
 * kernel's page tables and calls ap_main(cpu) on the CPU's own stack. Interrupts stay off
 * throughout; nothing here touches memory but the blob and the parameter block. */

#define AP_TRAMPOLINE_PHYS 0x8000
#define REL(x) ((x) - ap_trampoline_start + AP_TRAMPOLINE_PHYS)

.section .rodata
.align 16
.global ap_trampoline_start
ap_trampoline_start:
.code16
  cli
  cld
  xorw %ax, %ax
  movw %ax, %ds
  movw %ax, %ss
  lgdtl REL(tr_gdt_ptr)
  movl %cr0, %eax
  orl $1, %eax                  /* PE */
  movl %eax, %cr0
  ljmpl $0x08, $REL(tr_pm32)

.code32
tr_pm32:
  movw $0x10, %ax
  movw %ax, %ds
  movw %ax, %es
  movw %ax, %ss
  movl %cr4, %eax
  orl $(1 << 5), %eax           /* PAE */
  movl %eax, %cr4
  movl REL(tr_low_cr3), %eax
  movl %eax, %cr3
  movl $0xc0000080, %ecx        /* EFER: LME | NXE */
  rdmsr
  orl $((1 << 8) | (1 << 11)), %eax
  wrmsr
  movl %cr0, %eax
  orl $((1 << 31) | (1 << 16)), %eax  /* PG | WP */
  movl %eax, %cr0
  ljmpl $0x18, $REL(tr_lm64)

.code64
tr_lm64:
  movq REL(tr_stack), %rsp
  movq REL(tr_cpu), %rdi
  movq REL(tr_kernel_cr3), %rsi
  movq REL(tr_cr4), %rdx
  movq REL(tr_entry), %rax
  jmp *%rax

.align 8
tr_gdt:
  .quad 0
  .quad 0x00cf9a000000ffff      /* 0x08: 32-bit code */
  .quad 0x00cf92000000ffff      /* 0x10: data */
  .quad 0x00af9a000000ffff      /* 0x18: 64-bit code */
tr_gdt_end:
tr_gdt_ptr:
  .short tr_gdt_end - tr_gdt - 1
  .long REL(tr_gdt)

.align 8
.global ap_trampoline_params
ap_trampoline_params:
tr_low_cr3:    .quad 0
tr_kernel_cr3: .quad 0
tr_cr4:        .quad 0
tr_stack:      .quad 0
tr_cpu:        .quad 0
tr_entry:      .quad 0
.global ap_trampoline_end
ap_trampoline_end:

/* High half, on the AP's own stack: the kernel's tables, the boot CPU's CR4, then C++. */
.section .text
.global ap_entry64
ap_entry64:
  movq %rsi, %cr3
  movq %rdx, %cr4
  xorl %ebp, %ebp
  call ap_main
1:
  cli
  hlt
  jmp 1b

.section .note.GNU-stack, "", @progbits
