/* The public headers must compile on their own as C17 (cf. PROJ's
 * include_proj_h_from_c.c), and the header version must be the library's. */
#include "minewatch/minewatch.h"

#include <stdio.h>
#include <string.h>

#if !defined(MW_VERSION_MAJOR) || !defined(MW_VERSION_MINOR) || !defined(MW_VERSION_PATCH)
#error "version macros missing"
#endif

#define STR_(x) #x
#define STR(x) STR_(x)

int main(void)
{
    mw_options *o = mw_options_new();
    mw_options_free(o);
    const char *built = STR(MW_VERSION_MAJOR) "." STR(MW_VERSION_MINOR) "." STR(MW_VERSION_PATCH);
    if (strcmp(MW_VERSION_STRING, built) != 0 || strcmp(mw_version(), MW_VERSION_STRING) != 0) {
        fprintf(stderr, "version mismatch: header %s (%s), library %s\n", MW_VERSION_STRING, built,
                mw_version());
        return 1;
    }
    if (MW_VERSION_NUMBER != MW_MAKE_VERSION(MW_VERSION_MAJOR, MW_VERSION_MINOR, MW_VERSION_PATCH)) return 1;
    printf("minewatch %s\n", mw_version());
    return 0;
}
