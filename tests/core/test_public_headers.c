/* The public headers must compile on their own as C17 (cf. PROJ's include_proj_h_from_c.c). */
#include "minewatch/minewatch.h"

int main(void)
{
    mw_options *o = mw_options_new();
    mw_options_free(o);
    return mw_version()[0] ? 0 : 1;
}
