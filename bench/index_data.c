/*
 * Deterministic face-like data for the index and partition benchmarks
 * (gen/facelike.h: unit 128-d vectors, identities of 8 samples, same
 * identity ~0.43 apart, different identities ~1.0 apart).
 *
 *   index_data N_VECTORS N_QUERIES SEED items.tsv queries.tsv
 *
 * items.tsv:   id <TAB> identity <TAB> [x1,...,x128]
 * queries.tsv: qid <TAB> identity <TAB> [x1,...,x128]   (new samples of
 *              existing identities)
 */
#include <stdio.h>
#include <stdlib.h>

#include "facelike.h"

#define DIM FACELIKE_DIM
#define PER 8

static void
emit(FILE *f, long id, long pid, const float *x)
{
	fprintf(f, "%ld\t%ld\t[", id, pid);
	for (int j = 0; j < DIM; j++)
		fprintf(f, j ? ",%.9g" : "%.9g", x[j]);
	fprintf(f, "]\n");
}

int
main(int argc, char **argv)
{
	long		n,
				nq,
				ids;
	uint64_t	state;
	float	   *centres;
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
	state = strtoull(argv[3], NULL, 10);
	ids = (n + PER - 1) / PER;
	centres = malloc(sizeof(float) * DIM * ids);
	fi = fopen(argv[4], "w");
	fq = fopen(argv[5], "w");
	if (!centres || !fi || !fq)
	{
		fprintf(stderr, "cannot allocate or open outputs\n");
		return 1;
	}
	facelike_centres(&state, centres, (size_t) ids);
	for (long i = 0; i < n; i++)
	{
		facelike_sample(&state, centres + (i / PER) * DIM, FACELIKE_NOISE, x);
		emit(fi, i + 1, i / PER, x);
	}
	for (long q = 0; q < nq; q++)
	{
		long		pid = (long) (facelike_next(&state) % (uint64_t) ids);

		facelike_sample(&state, centres + pid * DIM, FACELIKE_NOISE, x);
		emit(fq, q + 1, pid, x);
	}
	fclose(fi);
	fclose(fq);
	free(centres);
	return 0;
}
