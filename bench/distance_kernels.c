/*
 * Distance kernel throughput: ns per 128-d pair for each kernel family on
 * this CPU, over a working set larger than the caches (like an exact scan).
 * Usage: build/bench/distance_kernels [N]   (default 1,000,000 vectors)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "distance.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
main(int argc, char **argv)
{
	size_t		n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	float	   *data = malloc(n * 128 * sizeof(float));
	float		q[128];
	static const char *const isas[] = {"scalar", "avx2", "avx512"};
	double		base = 0.0;

	if (!data)
		return 1;
	srand(7);
	for (size_t i = 0; i < n * 128; i++)
		data[i] = (float) rand() / RAND_MAX - 0.5f;
	for (int i = 0; i < 128; i++)
		q[i] = (float) rand() / RAND_MAX - 0.5f;

	printf("%-8s %12s %10s %12s\n", "kernel", "ns/pair", "GB/s", "vs scalar");
	for (int k = 0; k < 3; k++)
	{
		double		best = 1e9;
		volatile float sink = 0;

		if (!of_distance_use_isa(isas[k]))
			continue;
		for (int rep = 0; rep < 5; rep++)
		{
			double		t0 = now();

			for (size_t i = 0; i < n; i++)
				sink += of_l2_squared(q, data + i * 128, 128);
			if (now() - t0 < best)
				best = now() - t0;
		}
		best = best / n * 1e9;
		if (k == 0)
			base = best;
		printf("%-8s %12.2f %10.2f %11.2fx\n", isas[k], best, 512.0 / best, base / best);
	}
	free(data);
	return 0;
}
