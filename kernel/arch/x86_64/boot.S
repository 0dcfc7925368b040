/* Multiboot2 entry: GRUB jumps here in 32-bit protected mode, paging off, EAX = magic,
 * EBX = physical address of the boot information.
 *
 * What this file guarantees to kernel_main (kernel/core/main.cpp):
 *   - long mode, paging on with NX enabled (EFER.NXE) and CR0.WP set;
 *   - boot page tables (in .boot.bss) mapping physical 0..1 GiB three times with 2 MiB pages:
 *     identity (dropped later by early_paging), the direct map at 0xffff800000000000 and the
 *     kernel window at 0xffffffff80000000;
 *   - RSP on the boot kernel stack (high half), RBP = 0 so backtraces end here;
 *   - RDI = multiboot2 magic, RSI = boot information physical address, and glass_boot_tsc holds
 *     the TSC read at the first instruction (for the guest-side init time).
 * A CPU without long mode gets a message on COM1 and a halt, never a triple fault. */

#define KERNEL_VMA 0xffffffff80000000
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define COM1 0x3f8

.section .multiboot2, "a"
.align 8
mb2_header:
  .long MB2_MAGIC
  .long MB2_ARCH_I386
  .long mb2_header_end - mb2_header
  .long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
  /* end tag */
  .align 8
  .short 0
  .short 0
  .long 8
mb2_header_end:

.section .boot.bss, "aw", @nobits
.align 4096
.global boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4096
boot_stack32:   .skip 1024
boot_stack32_top:

.section .boot.data, "aw"
.align 16
boot_gdt:
  .quad 0
  .quad 0x00af9a000000ffff      /* 0x08: 64-bit code, DPL 0 */
  .quad 0x00cf92000000ffff      /* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
  .short boot_gdt_end - boot_gdt - 1
  .long boot_gdt
no_long_mode_msg:
  .asciz "glass: this CPU has no long mode (x86-64); cannot boot\r\n"

.section .boot.text, "ax"
.code32
.global _start
_start:
  cli
  mov %eax, %edi                /* multiboot2 magic */
  mov %ebx, %esi                /* boot information (physical) */
  rdtsc
  mov %eax, (glass_boot_tsc - KERNEL_VMA)
  mov %edx, (glass_boot_tsc - KERNEL_VMA + 4)
  mov $boot_stack32_top, %esp

  /* Long mode available? (CPUID 0x80000001 EDX bit 29) */
  mov $0x80000000, %eax
  cpuid
  cmp $0x80000001, %eax
  jb .Lno_long_mode
  mov $0x80000001, %eax
  cpuid
  test $(1 << 29), %edx
  jz .Lno_long_mode

  /* PD: 512 x 2 MiB pages covering physical 0..1 GiB (present, writable, huge). */
  mov $boot_pd, %ebx
  xor %ecx, %ecx
1:
  mov %ecx, %eax
  shl $21, %eax
  or $0x83, %eax
  mov %eax, (%ebx, %ecx, 8)
  movl $0, 4(%ebx, %ecx, 8)
  inc %ecx
  cmp $512, %ecx
  jb 1b

  /* PDPT entries: low[0] -> PD (identity + direct map), high[510] -> PD (kernel window). */
  mov $boot_pd, %eax
  or $0x3, %eax
  mov %eax, boot_pdpt_low
  mov %eax, boot_pdpt_high + 510 * 8
  /* PML4: [0] identity, [256] direct map, [511] kernel window. */
  mov $boot_pdpt_low, %eax
  or $0x3, %eax
  mov %eax, boot_pml4
  mov %eax, boot_pml4 + 256 * 8
  mov $boot_pdpt_high, %eax
  or $0x3, %eax
  mov %eax, boot_pml4 + 511 * 8

  mov $boot_pml4, %eax
  mov %eax, %cr3
  mov %cr4, %eax
  or $(1 << 5), %eax            /* PAE */
  mov %eax, %cr4
  mov $0xc0000080, %ecx         /* EFER: LME | NXE */
  rdmsr
  or $((1 << 8) | (1 << 11)), %eax
  wrmsr
  mov %cr0, %eax
  or $((1 << 31) | (1 << 16) | 1), %eax  /* PG | WP | PE */
  mov %eax, %cr0

  lgdt boot_gdt_ptr
  ljmp $0x08, $long_mode_low

.Lno_long_mode:
  mov $no_long_mode_msg, %ebx
2:
  movb (%ebx), %al
  test %al, %al
  jz 4f
  mov %al, %ah
3:
  mov $(COM1 + 5), %dx          /* wait for THR empty (LSR bit 5) before every byte */
  inb %dx, %al
  test $0x20, %al
  jz 3b
  mov $COM1, %dx
  mov %ah, %al
  outb %al, %dx
  inc %ebx
  jmp 2b
4:
  cli
  hlt
  jmp 4b

.code64
long_mode_low:
  mov %edi, %edi                /* the upper halves are undefined after the mode switch */
  mov %esi, %esi
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  xor %ax, %ax
  mov %ax, %fs
  mov %ax, %gs
  movabs $long_mode_high, %rax
  jmp *%rax

.section .text
long_mode_high:
  movabs $boot_kernel_stack_top, %rsp
  xor %ebp, %ebp
  call kernel_main
5:
  cli
  hlt
  jmp 5b

.section .bss
/* One page below the stack is left unmapped once the kernel's own page tables are in place, so
 * an overflow faults (on the #DF IST stack) instead of silently running into other data. */
.align 4096
.global boot_kernel_stack_guard
boot_kernel_stack_guard:
  .skip 4096
.global boot_kernel_stack_bottom
boot_kernel_stack_bottom:
  .skip 32768
.global boot_kernel_stack_top
boot_kernel_stack_top:

.section .data
.align 8
.global glass_boot_tsc
glass_boot_tsc:
  .quad 0

.section .note.GNU-stack, "", @progbits
