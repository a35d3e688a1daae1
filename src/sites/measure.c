/* placeholder, replaced below */
#include "mw_sites_internal.h"
#include "core/mw_error.h"
mw_status mw_site_measure(const mw_site_window *w, const mw_site_acc *site,
                          uint8_t *site_mask, mw_site_features *features)
{
    (void)w; (void)site; (void)site_mask; (void)features;
    return mw_error_set(MW_ERR_INTERNAL, "not yet");
}
