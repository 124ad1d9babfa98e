/*
 * Status codes, error reporting and cancellation shared by all of src/core.
 *
 * Core code never longjmps and never exits: every function reports failure
 * through an of_status and a message in an of_error, frees what it allocated,
 * and returns.  Long loops poll of_cancelled() so that a host (the PostgreSQL
 * backend) can stop them; the host then raises its own error.
 */
#ifndef OF_COMMON_H
#define OF_COMMON_H

#include <stddef.h>
#include <stdint.h>

typedef enum of_status
{
	OF_OK = 0,
	OF_ENOMEM,					/* allocation failed */
	OF_EINVAL,					/* bad argument from the caller */
	OF_EFORMAT,					/* unsupported or unrecognised format */
	OF_ECORRUPT,				/* data is truncated or corrupt */
	OF_ELIMIT,					/* a configured size limit was exceeded */
	OF_ECANCELED,				/* of_cancelled() asked us to stop */
	OF_EIO						/* file could not be read */
} of_status;

typedef struct of_error
{
	of_status	code;
	char		msg[256];
} of_error;

/*
 * splitmix64, the one pseudo-random source of core (k-means seeding, graph
 * levels): small, seedable, the same on every platform.  of_splitmix64
 * hashes x; of_rng_next steps a state.
 */
#define OF_SPLITMIX_GAMMA 0x9e3779b97f4a7c15ull

static inline uint64_t
of_splitmix64(uint64_t x)
{
	x += OF_SPLITMIX_GAMMA;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static inline uint64_t
of_rng_next(uint64_t *state)
{
	uint64_t	r = of_splitmix64(*state);

	*state += OF_SPLITMIX_GAMMA;
	return r;
}

/* Record a formatted error in err (may be NULL) and return code. */
of_status	of_fail(of_error *err, of_status code, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

const char *of_status_name(of_status code);

/*
 * Cancellation: the host installs a callback returning non-zero when the
 * current computation should stop.  NULL (the default) never cancels.
 */
typedef int (*of_cancel_fn) (void);
void		of_set_cancel_hook(of_cancel_fn fn);
int			of_cancelled(void);

#endif
