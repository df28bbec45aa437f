/* gen: makes N system calls (default getpid) in a loop, five times, and
 * prints the best average in ns per call: the cost of one system call
 * with whatever probes are attached. Usage: gen [N [NR]] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
	long n = argc > 1 ? atol(argv[1]) : 500000;
	long nr = argc > 2 ? atol(argv[2]) : SYS_getpid;
	double best = 0;
	for (int rep = 0; rep < 5; rep++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (long i = 0; i < n; i++)
			syscall(nr);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
		if (rep == 0 || ns < best)
			best = ns;
	}
	printf("%.1f\n", best);
	return 0;
}
