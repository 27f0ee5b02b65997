/* held_signals.h - hold SIGINT/SIGTERM/SIGHUP/SIGPIPE while temporary files exist
 *
 * A Ctrl-C or a kill in the middle of writing (or unpacking) a snapshot
 * must not leave host data or a half file behind: the signals that would
 * end the run (those not ignored) are blocked, the work checks for them
 * between steps, cleans up, and releasing them then ends the run as the
 * signal would have.  SIGPIPE too: a closed pipe on standard error (a
 * "| head") would otherwise end the run there, leaving its temporaries.
 */
#ifndef KVMHOST_HELD_SIGNALS_H
#define KVMHOST_HELD_SIGNALS_H

#include <signal.h>

struct held_signals {
	sigset_t held;		/* what was blocked here */
	sigset_t old;		/* the mask before */
};

void signals_hold(struct held_signals *h);

/* The first held signal that arrived meanwhile, or 0. */
int signals_pending(const struct held_signals *h);

/* Restores the mask: a pending signal takes effect now. */
void signals_release(struct held_signals *h);

#endif
