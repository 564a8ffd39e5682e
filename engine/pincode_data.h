/* The PIN code tables behind engine/shipping.c (internal to the shipping module and its tests): states with
 * their GST codes and postal circles, circles by two-digit prefix, sorting districts by three-digit prefix
 * and six-digit ranges where one prefix spans two states. Static, read-only data. */
#ifndef PF_PINCODE_DATA_H
#define PF_PINCODE_DATA_H

#include <stddef.h>
#include <stdint.h>

/* States and union territories, in GST state-code order; PF_ST_NONE has no state (Army Postal Service). */
typedef enum pf_pin_state_id {
    PF_ST_NONE,
    PF_ST_JK, /* Jammu and Kashmir */
    PF_ST_HP, /* Himachal Pradesh */
    PF_ST_PB, /* Punjab */
    PF_ST_CH, /* Chandigarh */
    PF_ST_UK, /* Uttarakhand */
    PF_ST_HR, /* Haryana */
    PF_ST_DL, /* Delhi */
    PF_ST_RJ, /* Rajasthan */
    PF_ST_UP, /* Uttar Pradesh */
    PF_ST_BR, /* Bihar */
    PF_ST_SK, /* Sikkim */
    PF_ST_AR, /* Arunachal Pradesh */
    PF_ST_NL, /* Nagaland */
    PF_ST_MN, /* Manipur */
    PF_ST_MZ, /* Mizoram */
    PF_ST_TR, /* Tripura */
    PF_ST_ML, /* Meghalaya */
    PF_ST_AS, /* Assam */
    PF_ST_WB, /* West Bengal */
    PF_ST_JH, /* Jharkhand */
    PF_ST_OD, /* Odisha */
    PF_ST_CG, /* Chhattisgarh */
    PF_ST_MP, /* Madhya Pradesh */
    PF_ST_GJ, /* Gujarat */
    PF_ST_DD, /* Dadra and Nagar Haveli and Daman and Diu */
    PF_ST_MH, /* Maharashtra */
    PF_ST_KA, /* Karnataka */
    PF_ST_GA, /* Goa */
    PF_ST_LD, /* Lakshadweep */
    PF_ST_KL, /* Kerala */
    PF_ST_TN, /* Tamil Nadu */
    PF_ST_PY, /* Puducherry */
    PF_ST_AN, /* Andaman and Nicobar Islands */
    PF_ST_TG, /* Telangana */
    PF_ST_AP, /* Andhra Pradesh */
    PF_ST_LA, /* Ladakh */
    PF_ST__N
} pf_pin_state_id;

/* One state: its name, GST state code and the postal circle that usually serves it. */
typedef struct pf_pin_state {
    const char *name;   /* official name; NULL for PF_ST_NONE */
    int gst_code;       /* GST state code, 0 for none */
    const char *circle; /* India Post circle */
} pf_pin_state;

/* Postal circles by the first two digits (lo..hi inclusive), sorted, not overlapping. */
typedef struct pf_pin_circle {
    uint8_t lo, hi;        /* two-digit prefixes covered */
    const char *circle;    /* circle name */
    pf_pin_state_id state; /* main state, used for prefixes missing from the district table */
    double lat, lon;       /* centroid used for such prefixes */
} pf_pin_circle;

/* Sorting districts by the first three digits, sorted by prefix, unique. */
typedef struct pf_pin_district {
    uint16_t prefix;       /* 110..999 */
    const char *district;  /* head post office city */
    pf_pin_state_id state; /* its state */
    double lat, lon;       /* approximate position */
} pf_pin_district;

/* Six-digit ranges that override their prefix's district (an enclave of another state, or a prefix shared
 * by two states). */
typedef struct pf_pin_range {
    uint32_t lo, hi;       /* PINs covered, inclusive */
    const char *district;  /* head post office city */
    pf_pin_state_id state; /* its state */
    const char *circle;    /* circle when not the state's usual one, else NULL */
    double lat, lon;       /* approximate position */
} pf_pin_range;

extern const pf_pin_state pf_pin_states[PF_ST__N];
extern const pf_pin_circle pf_pin_circles[];
extern const size_t pf_pin_circles_n;
extern const pf_pin_district pf_pin_districts[];
extern const size_t pf_pin_districts_n;
extern const pf_pin_range pf_pin_ranges[];
extern const size_t pf_pin_ranges_n;

#endif
