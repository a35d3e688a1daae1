/* Sub-commands of the minewatch tool. Each returns the process exit code:
 * 0 success, 1 run failure (message printed), 2 usage error. */
#ifndef MW_CLI_H
#define MW_CLI_H

int mw_cli_info(int argc, char **argv);   /* argv[0] == "info" */
int mw_cli_scan(int argc, char **argv);   /* argv[0] == "scan" */
int mw_cli_verify(int argc, char **argv); /* argv[0] == "verify" */


/* Print "minewatch: error: <msg>" on stderr (one line). */
void mw_cli_error(const char *fmt, ...);
/* Print "minewatch: <msg>\nTry 'minewatch --help'." on stderr; returns 2. */
int mw_cli_usage_error(const char *fmt, ...);

#endif
