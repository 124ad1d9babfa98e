/*
 * bench_nets [MODEL_FILE] [RUNS]
 *
 * Single-threaded speed of the three networks: median wall and thread CPU
 * time over RUNS (default 21) after two warm-up runs, the GFLOP/s that implies (2 x the
 * multiply-accumulates of docs/networks.md §9), and,
 * measured in the same run, OpenBLAS sgemm on a shape typical of each
 * network, so the ratio shows how close the whole net gets to its GEMMs.
 * Without MODEL_FILE the TF.js models in $OPENFACE_MODEL_DIR/tfjs
 * (default models/tfjs) are converted to a temporary file first.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "nets/nets.h"
#include "timing.h"

#define DET_MACS 198760528.0	/* at 416 x 416 */
#define LM_MACS 51571840.0
#define REC_MACS 270854144.0

typedef enum
{
	NET_DET,
	NET_LM,
	NET_REC
} net_kind;

static void
fill(float *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
	{
		seed = seed * 1103515245u + 12345u;
		p[i] = (float) ((seed >> 8) & 0xffff) / 65536.0f - 0.5f;
	}
}

typedef struct timing
{
	double		wall,
				cpu;			/* medians, ms */
} timing;

/* Median ms of C[m][n] = A[m][k] . B[k][n], row-major as the nets call it. */
static timing
time_sgemm(int m, int n, int k, int runs)
{
	float	   *a = malloc((size_t) m * k * sizeof(float)),
			   *b = malloc((size_t) k * n * sizeof(float)),
			   *c = malloc((size_t) m * n * sizeof(float));
	double	   *t = malloc((size_t) runs * sizeof(double)),
			   *u = malloc((size_t) runs * sizeof(double));
	timing		med;

	if (!a || !b || !c || !t || !u)
	{
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	fill(a, (size_t) m * k, 1);
	fill(b, (size_t) k * n, 2);
	for (int r = -2; r < runs; r++)
	{
		double		t0 = of_wall_ms(),
					u0 = of_thread_cpu_ms();

		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k,
					1.0f, a, k, b, n, 0.0f, c, n);
		if (r >= 0)
		{
			t[r] = of_wall_ms() - t0;
			u[r] = of_thread_cpu_ms() - u0;
		}
	}
	med.wall = of_median(t, runs);
	med.cpu = of_median(u, runs);
	free(a);
	free(b);
	free(c);
	free(t);
	free(u);
	return med;
}

static timing
time_net(const of_models *mod, net_kind kind, int runs)
{
	static const int in_size[] = {416, OF_LANDMARK_INPUT, OF_RECOGNIZER_INPUT};
	size_t		n = (size_t) in_size[kind] * in_size[kind] * 3;
	float	   *in = malloc(n * sizeof(float));
	float	   *out = malloc(13 * 13 * 25 * sizeof(float));
	double	   *t = malloc((size_t) runs * sizeof(double)),
			   *u = malloc((size_t) runs * sizeof(double));
	timing		med;
	of_error	err = {0};

	if (!in || !out || !t || !u)
	{
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	fill(in, n, 3);
	for (int r = -2; r < runs; r++)
	{
		double		t0 = of_wall_ms(),
					u0 = of_thread_cpu_ms();
		of_status	st = kind == NET_DET ? of_detector_forward(mod, in, 416, out, &err) :
			kind == NET_LM ? of_landmarks_forward(mod, in, out, &err) :
			of_recognizer_forward(mod, in, out, &err);

		if (st != OF_OK)
		{
			fprintf(stderr, "forward failed: %s\n", err.msg);
			exit(1);
		}
		if (r >= 0)
		{
			t[r] = of_wall_ms() - t0;
			u[r] = of_thread_cpu_ms() - u0;
		}
	}
	med.wall = of_median(t, runs);
	med.cpu = of_median(u, runs);
	free(in);
	free(out);
	free(t);
	free(u);
	return med;
}

int
main(int argc, char **argv)
{
	static const struct
	{
		const char *name;
		net_kind	kind;
		double		macs;
		int			m,
					n,
					k;			/* a GEMM shape typical of the net */
		const char *shape;
	}			nets[] = {
		{"tiny_face_detector 416", NET_DET, DET_MACS, 52 * 52, 128, 64, "pointwise 52x52 64->128"},
		{"face_landmark_68 112", NET_LM, LM_MACS, 28 * 28, 64, 64, "pointwise 28x28 64->64"},
		{"face_recognition 150", NET_REC, REC_MACS, 17 * 17, 64, 9 * 64, "3x3 conv 17x17 64->64"},
	};
	char		tmp[] = "/tmp/bench_nets_XXXXXX";
	const char *path = argc > 1 ? argv[1] : NULL;
	int			runs = argc > 2 ? atoi(argv[2]) : 21;
	of_models  *mod;
	of_error	err = {0};
	timing		big;

	if (runs < 1)
		runs = 1;
	openblas_set_num_threads(1);
	if (!path)
	{
		const char *dir = getenv("OPENFACE_MODEL_DIR");
		char		tfjs[512];
		int			fd = mkstemp(tmp);

		if (fd < 0)
		{
			perror("mkstemp");
			return 1;
		}
		close(fd);
		snprintf(tfjs, sizeof(tfjs), "%s/tfjs", dir && *dir ? dir : "models");
		if (of_models_convert(tfjs, tmp, &err) != OF_OK)
		{
			fprintf(stderr, "convert: %s\n", err.msg);
			remove(tmp);
			return 1;
		}
		path = tmp;
	}
	if (of_models_open(path, &mod, &err) != OF_OK)
	{
		fprintf(stderr, "open: %s\n", err.msg);
		return 1;
	}

	big = time_sgemm(1024, 1024, 1024, 5);
	printf("OpenBLAS %s, 1 thread; sgemm 1024^3: %.1f GFLOP/s (cpu time)\n",
		   openblas_get_config(), 2.0 * 1024 * 1024 * 1024 / big.cpu / 1e6);
	printf("GFLOP/s from the median thread CPU time (wall time is also shown: on a shared\n"
		   "machine it includes time the thread spent descheduled)\n");
	printf("%-24s %8s %8s %8s   %-24s %8s %6s\n", "network", "wall ms", "cpu ms", "GFLOP/s",
		   "sgemm shape", "GFLOP/s", "ratio");
	for (int i = 0; i < 3; i++)
	{
		timing		t = time_net(mod, nets[i].kind, runs);
		double		gf = 2.0 * nets[i].macs / t.cpu / 1e6;
		timing		s = time_sgemm(nets[i].m, nets[i].n, nets[i].k, runs);
		double		sgf = 2.0 * nets[i].m * nets[i].n * nets[i].k / s.cpu / 1e6;

		printf("%-24s %8.2f %8.2f %8.1f   %-24s %8.1f %6.2f\n", nets[i].name, t.wall, t.cpu,
			   gf, nets[i].shape, sgf, gf / sgf);
	}
	of_models_close(mod);
	if (path == tmp)
		remove(tmp);
	return 0;
}
