/* The yardstick for `./glass bench boot`: the least a multiboot2 kernel can do. GRUB loads it the
 * same way as Glass (same ISO layout, same QEMU command line); it prints one ready line on COM1
 * (checking LSR before every byte, as Glass does) and leaves through isa-debug-exit. */
#define MB2_MAGIC 0xe85250d6

.section .multiboot2, "a"
.align 8
header:
  .long MB2_MAGIC
  .long 0
  .long header_end - header
  .long -(MB2_MAGIC + (header_end - header))
  .align 8
  .short 0
  .short 0
  .long 8
header_end:

.section .text
.code32
.global _start
_start:
  mov $msg, %esi
1:
  movb (%esi), %bl
  test %bl, %bl
  jz 3f
2:
  mov $0x3fd, %dx
  inb %dx, %al
  test $0x20, %al
  jz 2b
  mov $0x3f8, %dx
  mov %bl, %al
  outb %al, %dx
  inc %esi
  jmp 1b
3:
  mov $0xf4, %dx
  xor %eax, %eax
  outl %eax, %dx
4:
  cli
  hlt
  jmp 4b

.section .rodata
msg:
  .asciz "GLASS READY baseline\r\n"

.section .note.GNU-stack, "", @progbits
