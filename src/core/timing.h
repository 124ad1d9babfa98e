/*
 * Clocks and a median for the CLI's bench command and the benchmarks.
 * CPU clocks count only the time a thread (or the process) actually ran, so
 * they stay meaningful on a machine shared with other work.
 */
#ifndef OF_TIMING_H
#define OF_TIMING_H

/* Monotonic wall clock, milliseconds. */
double		of_wall_ms(void);

/* CPU time of the calling thread, milliseconds. */
double		of_thread_cpu_ms(void);

/* CPU time of the whole process (all threads), milliseconds. */
double		of_process_cpu_ms(void);

/* Median of v[0..n-1], n > 0; sorts v in place. */
double		of_median(double *v, int n);

#endif
