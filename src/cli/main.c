/* placeholder, replaced by the cli module */
#include <stdio.h>
#include "minewatch/minewatch.h"
int main(void) { puts(mw_version()); return 0; }
