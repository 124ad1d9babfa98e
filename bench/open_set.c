/*
 * Open-set identification on LFW view 1 from `openface embed` output (the
 * protocols and the table: open_set.h).
 *
 *   openface embed /path/to/lfw-view1/images > lfw.tsv
 *   open_set lfw.tsv
 */
#define _POSIX_C_SOURCE 200809L

#include "open_set.h"

int
main(int argc, char **argv)
{
	real_set	rs;

	if (argc != 2 || read_real(argv[1], &rs) != 0 || rs.n == 0)
	{
		fprintf(stderr, "usage: open_set EMBED_OUTPUT (lines of `openface embed lfw-view1/images`)\n");
		return 2;
	}
	open_set_report(&rs);
	free_real(&rs);
	return 0;
}
