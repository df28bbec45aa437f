// A target for uprobe location tests (x86-64). f1 is four NOPs and a RET
// (every offset 0-4 starts an instruction), f2 a five-byte MOV and a RET
// (offsets 0 and 5 do); zsize is a function symbol of size 0; lockinc,
// never called, starts with a LOCK-prefixed instruction, which uprobes
// refuse (when a process maps the program: given one argument, it waits
// for a signal). main calls each three times. Given FILE
// OFFSET, it instead maps FILE and calls the code at OFFSET three times:
// a function inside a zip archive's member, or a flat binary's code.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void f1(void);
void f2(void);
void zsize(void);

__asm__(".text\n"
	".globl f1\n.type f1,@function\nf1: nop\n nop\n nop\n nop\n ret\n.size f1,5\n"
	".globl f2\n.type f2,@function\nf2: mov $1, %eax\n ret\n.size f2,6\n"
	".globl zsize\n.type zsize,@function\nzsize: nop\n ret\n"
	".globl lockinc\n.type lockinc,@function\nlockinc: lock incl (%rdi)\n ret\n.size lockinc,4\n");

int main(int argc, char **argv)
{
	if (argc == 2) {
		pause();
		return 0;
	}
	if (argc == 3) {
		int fd = open(argv[1], O_RDONLY);
		long off = strtol(argv[2], 0, 0), page = off & ~4095L;
		char *m = mmap(0, off - page + 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, page);
		if (fd < 0 || m == MAP_FAILED)
			return 1;
		void (*fn)(void) = (void (*)(void))(m + (off - page));
		for (int i = 0; i < 3; i++)
			fn();
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		f1();
		f2();
		zsize();
	}
	return 0;
}
