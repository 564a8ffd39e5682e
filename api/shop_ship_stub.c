/* TEMPORARY: weak stand-ins for engine/shipping.c until the shipping branch is merged (strong definitions
 * there replace these). Removed at that merge. */
#include <string.h>

#include "engine/shipping.h"

__attribute__((weak)) pf_ship_settings pf_ship_settings_default(void)
{
    pf_ship_settings s = {.packaging_g = 50, .packaging_pct = 10, .gst_pct = 18};
    memcpy(s.origin_pin, "560001", 7);
    return s;
}

__attribute__((weak)) pf_err pf_ship_quote_parcel(const pf_ship_settings *s, const char *dest_pin,
                                                  double goods_g, pf_ship_quote *out, pf_errbuf *eb)
{
    (void)s, (void)dest_pin, (void)goods_g, (void)out;
    return pf_errf(eb, PF_E_UNSUPPORTED, "shipping rates are not available yet");
}

__attribute__((weak)) const char *pf_ship_band_name(pf_ship_band b)
{
    (void)b;
    return "unknown";
}
