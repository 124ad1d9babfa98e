/*
 * openface-convert TFJS_DIR OUT_FILE
 *
 * Turns face-api's TF.js weights (manifests + .bin) into the single
 * model file the extension maps at run time (see src/core/nets/model_file.h).
 */
#include <stdio.h>

#include "nets/nets.h"

int
main(int argc, char **argv)
{
	of_error	err = {0};
	of_models  *m;

	if (argc != 3)
	{
		fprintf(stderr, "usage: %s TFJS_DIR OUT_FILE\n", argv[0]);
		return 2;
	}
	if (of_models_convert(argv[1], argv[2], &err) != OF_OK)
	{
		fprintf(stderr, "%s: %s\n", argv[0], err.msg);
		return 1;
	}
	/* read it back through the run-time path so a bad file never ships */
	if (of_models_open(argv[2], &m, &err) != OF_OK)
	{
		fprintf(stderr, "%s: written file does not load: %s\n", argv[0], err.msg);
		return 1;
	}
	of_models_close(m);
	return 0;
}
