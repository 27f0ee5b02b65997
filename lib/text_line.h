/* text_line.h - one line of a report, whatever the text in it
 *
 * A host image is untrusted: a value read from it (a QEMU version, a
 * kernel command line, an owner's name, a module parameter) may hold
 * escape sequences for the terminal, or a newline followed by a line of
 * the report's own ("Verdict: usable").  Every text line kvm-ok prints goes
 * through here: control characters (below 0x20, and 0x7f) become '?', so a
 * value never starts a new line nor reaches the terminal as a command.
 */
#ifndef KVMHOST_TEXT_LINE_H
#define KVMHOST_TEXT_LINE_H

#include <stdio.h>

/* Formats one line, cleans it, writes it with its newline. */
__attribute__((format(printf, 2, 3)))
void text_line(FILE *out, const char *fmt, ...);

/* Replaces control characters in s with '?'. */
void text_clean(char *s);

#endif
