#include "mw_cli.h"
int mw_cli_monitor(int argc, char **argv) { (void)argc; (void)argv; return 2; }
