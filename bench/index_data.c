/*
 * Deterministic data for the index, partition and shard benchmarks: unit
 * 128-d vectors grouped by identity, and queries that are new photos of
 * stored identities.
 *
 *   index_data N_VECTORS N_QUERIES SEED items.tsv queries.tsv [realfaces|facelike]
 *
 * realfaces (the default; gen/realfaces.h): fitted to real descriptors, 1 +
 * Poisson(2) photos per identity.  facelike (gen/facelike.h): isotropic
 * clusters of 8 photos, same identity ~0.43 apart, different ~1.0 -- far
 * easier for a graph index than real faces.
 *
 * items.tsv:   id <TAB> identity <TAB> [x1,...,x128]
 * queries.tsv: qid <TAB> identity <TAB> [x1,...,x128]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "realfaces.h"

#define DIM FACELIKE_DIM
#define FACELIKE_PER 8

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
				ids = 0,
				cap;
	int			real,
				left = 0;
	uint64_t	state;
	float	   *centres;
	float		x[DIM];
	FILE	   *fi,
			   *fq;

	if (argc < 6 || argc > 7 ||
		(argc == 7 && strcmp(argv[6], "realfaces") != 0 && strcmp(argv[6], "facelike") != 0))
	{
		fprintf(stderr, "usage: %s N_VECTORS N_QUERIES SEED items.tsv queries.tsv [realfaces|facelike]\n", argv[0]);
		return 2;
	}
	n = atol(argv[1]);
	nq = atol(argv[2]);
	state = strtoull(argv[3], NULL, 10);
	real = argc == 6 || strcmp(argv[6], "realfaces") == 0;
	cap = n;					/* identities: at most one per item */
	centres = malloc(sizeof(float) * DIM * cap);
	fi = fopen(argv[4], "w");
	fq = fopen(argv[5], "w");
	if (!centres || !fi || !fq)
	{
		fprintf(stderr, "cannot allocate or open outputs\n");
		return 1;
	}
	if (!real)
	{
		ids = (n + FACELIKE_PER - 1) / FACELIKE_PER;
		facelike_centres(&state, centres, (size_t) ids);
	}
	for (long i = 0; i < n; i++)
	{
		long		pid;

		if (real)
		{
			if (left == 0)
			{
				realfaces_identity(&state, centres + ids * DIM);
				left = realfaces_photo_count(&state);
				ids++;
			}
			left--;
			pid = ids - 1;
			realfaces_photo(&state, centres + pid * DIM, x);
		}
		else
		{
			pid = i / FACELIKE_PER;
			facelike_sample(&state, centres + pid * DIM, FACELIKE_NOISE, x);
		}
		emit(fi, i + 1, pid, x);
	}
	for (long q = 0; q < nq; q++)
	{
		long		pid = (long) (facelike_next(&state) % (uint64_t) ids);

		if (real)
			realfaces_photo(&state, centres + pid * DIM, x);
		else
			facelike_sample(&state, centres + pid * DIM, FACELIKE_NOISE, x);
		emit(fq, q + 1, pid, x);
	}
	fclose(fi);
	fclose(fq);
	free(centres);
	return 0;
}
