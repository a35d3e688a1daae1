// The public headers must compile as C++ too (extern "C", no C-only
// constructs) and link against the C library.
#include "minewatch/minewatch.h"

#include <cstdio>
#include <cstring>

int main()
{
    mw_init();
    mw_options *o = mw_options_new();
    if (!o || mw_options_set_int(o, MW_OPT_THREADS, 1) != MW_OK) return 1;
    mw_options_free(o);
    mw_scene *scene = nullptr;
    if (mw_scene_open("/nonexistent/scene.tif", nullptr, &scene) == MW_OK) return 1;
    if (std::strlen(mw_last_error()) == 0) return 1;
    if (std::strcmp(mw_version(), MW_VERSION_STRING) != 0) return 1;
    std::printf("C++: minewatch %s, %s\n", mw_version(), mw_strerror(MW_ERR_OPEN));
    return 0;
}
