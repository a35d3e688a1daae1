/* UTF-8 repair for text from user files (internal). */
#ifndef MW_UTF8_H
#define MW_UTF8_H

/**
 * A malloc'ed copy of @p s in which every byte that is not part of a valid
 * UTF-8 sequence is replaced by U+FFFD; *@p repaired (may be NULL) is
 * incremented when anything was replaced. NULL for NULL or out of memory.
 * Thread-safe.
 */
char *mw_utf8_repair(const char *s, int *repaired);

#endif
