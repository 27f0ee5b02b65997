/* held_signals.c - see held_signals.h */
#include "held_signals.h"

static const int ending_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

void signals_hold(struct held_signals *h)
{
	sigemptyset(&h->held);
	for (unsigned int i = 0; i < sizeof(ending_signals) / sizeof(ending_signals[0]); i++) {
		struct sigaction now;

		/* an ignored SIGINT (a background job's) stays ignored */
		if (sigaction(ending_signals[i], NULL, &now) == 0 && now.sa_handler != SIG_IGN)
			sigaddset(&h->held, ending_signals[i]);
	}
	sigprocmask(SIG_BLOCK, &h->held, &h->old);
}

int signals_pending(const struct held_signals *h)
{
	sigset_t pending;

	sigpending(&pending);
	for (unsigned int i = 0; i < sizeof(ending_signals) / sizeof(ending_signals[0]); i++)
		if (sigismember(&h->held, ending_signals[i]) && sigismember(&pending, ending_signals[i]))
			return ending_signals[i];
	return 0;
}

void signals_release(struct held_signals *h)
{
	sigprocmask(SIG_SETMASK, &h->old, NULL);
}
