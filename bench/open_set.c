/*
 * Open-set identification on LFW view 1 from `openface embed` output (the
 * protocols and the table: open_set.h).
 *
 *   openface embed /path/to/lfw-view1/images > lfw.tsv
 *   open_set lfw.tsv [SEED]
 *   open_set lfw.tsv --draws N [FIRST_SEED]
 *
 * SEED draws other people and photos for the protocols (the default draw is
 * the one the README quotes): S has 172 probes and 300 strangers, so one
 * draw's figures move by about 2 points from draw to draw, and a rule is
 * better only if it is better over many draws.  --draws prints, for N draws
 * from FIRST_SEED (default 101), the mean and standard deviation of the
 * share named at 1% of strangers named, and of the shares of known probes
 * and strangers named at each method's default threshold.
 */
#define _POSIX_C_SOURCE 200809L

#include "open_set.h"

int
main(int argc, char **argv)
{
	real_set	rs;
	char	   *end = NULL;

	if ((argc == 4 || argc == 5) && strcmp(argv[2], "--draws") == 0)
	{
		int			n = atoi(argv[3]);
		uint64_t	seed0 = argc == 5 ? strtoull(argv[4], NULL, 0) : 101;

		if (n < 1 || read_real(argv[1], &rs) != 0 || rs.n == 0)
		{
			fprintf(stderr, "usage: open_set EMBED_OUTPUT --draws N [FIRST_SEED]\n");
			return 2;
		}
		open_set_draws(&rs, seed0, n);
		free_real(&rs);
		return 0;
	}
	if (argc == 3)
	{
		rng_state = strtoull(argv[2], &end, 0);
		if (*end != '\0' || end == argv[2])
			argc = 0;
	}
	if ((argc != 2 && argc != 3) || read_real(argv[1], &rs) != 0 || rs.n == 0)
	{
		fprintf(stderr, "usage: open_set EMBED_OUTPUT [SEED | --draws N [FIRST_SEED]] (lines of `openface embed lfw-view1/images`)\n");
		return 2;
	}
	if (end != NULL)
		printf("draw seed %s\n", argv[2]);
	open_set_report(&rs);
	free_real(&rs);
	return 0;
}
