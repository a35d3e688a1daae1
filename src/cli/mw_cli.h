/* Sub-commands of the minewatch tool. Each returns the process exit code:
 * 0 success, 1 run failure (message printed), 2 usage error. */
#ifndef MW_CLI_H
#define MW_CLI_H

int mw_cli_info(int argc, char **argv);   /* argv[0] == "info" */
int mw_cli_scan(int argc, char **argv);   /* argv[0] == "scan" */

int mw_cli_monitor(int argc, char **argv); /* argv[0] == "monitor" */

struct mw_scan_result;
/* " (2 new, 1 growing, ...)" for a scan with lineage, into buf. */
void mw_cli_status_counts(const struct mw_scan_result *res, char *buf, int size);
/* 1 when both paths name the same existing file (symlinks followed). */
int mw_cli_same_file(const char *a, const char *b);

/* Print "minewatch: error: <msg>" on stderr (one line). */
void mw_cli_error(const char *fmt, ...);
/* Print "minewatch: <msg>\nTry 'minewatch --help'." on stderr; returns 2. */
int mw_cli_usage_error(const char *fmt, ...);

#endif
