/*
 * Deterministic face-like data for bench/index_bench.sh: unit 128-d vectors
 * grouped as identities of 8 samples.  Identity centres share a common
 * direction (as real face descriptors do), so different identities lie ~1.0
 * apart and samples of one identity ~0.43 apart.
 *
 *   index_data N_VECTORS N_QUERIES SEED items.tsv queries.tsv
 *
 * items.tsv:   id <TAB> identity <TAB> [x1,...,x128]
 * queries.tsv: qid <TAB> identity <TAB> [x1,...,x128]   (new samples of
 *              existing identities)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DIM 128
#define PER 8
#define NOISE 0.028

static uint64_t state;

static double
urand(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return ((state >> 11) + 0.5) / 9007199254740992.0;
}

static double
gauss(void)
{
	return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand());
}

static void
sample(const double *c, double noise, float *out)
{
	double		v[DIM],
				s = 0;

	for (int j = 0; j < DIM; j++)
	{
		v[j] = c[j] + noise * gauss();
		s += v[j] * v[j];
	}
	for (int j = 0; j < DIM; j++)
		out[j] = (float) (v[j] / sqrt(s));
}

static void
emit(FILE *f, long id, long pid, const float *x)
{
	fprintf(f, "%ld\t%ld\t[", id, pid);
	for (int j = 0; j < DIM; j++)
		fprintf(f, j ? ",%.7g" : "%.7g", x[j]);
	fprintf(f, "]\n");
}

int
main(int argc, char **argv)
{
	long		n,
				nq,
				ids;
	double		common[DIM];
	double	   *centres;
	float		x[DIM];
	FILE	   *fi,
			   *fq;

	if (argc != 6)
	{
		fprintf(stderr, "usage: %s N_VECTORS N_QUERIES SEED items.tsv queries.tsv\n", argv[0]);
		return 2;
	}
	n = atol(argv[1]);
	nq = atol(argv[2]);
	state = strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
	ids = (n + PER - 1) / PER;
	centres = malloc(sizeof(double) * DIM * ids);
	fi = fopen(argv[4], "w");
	fq = fopen(argv[5], "w");
	if (!centres || !fi || !fq)
	{
		fprintf(stderr, "cannot allocate or open outputs\n");
		return 1;
	}
	for (int j = 0; j < DIM; j++)
		common[j] = gauss() / sqrt(DIM);
	for (long i = 0; i < ids; i++)
	{
		double		s = 0;

		for (int j = 0; j < DIM; j++)
		{
			centres[i * DIM + j] = common[j] + gauss() / sqrt(DIM);
			s += centres[i * DIM + j] * centres[i * DIM + j];
		}
		for (int j = 0; j < DIM; j++)
			centres[i * DIM + j] /= sqrt(s);
	}
	for (long i = 0; i < n; i++)
	{
		sample(centres + (i / PER) * DIM, NOISE, x);
		emit(fi, i + 1, i / PER, x);
	}
	for (long q = 0; q < nq; q++)
	{
		long		pid = (long) (urand() * ids) % ids;

		sample(centres + pid * DIM, NOISE, x);
		emit(fq, q + 1, pid, x);
	}
	fclose(fi);
	fclose(fq);
	free(centres);
	return 0;
}
