/* 3MF reader: OPC relationships → root model → objects, components (also across parts via p:path) and build
 * items, expanded into the mesh builder in millimetres. ZIP via engine/zip.c, XML via expat, never by hand.
 */
#include "engine/intake_internal.h"
#include "engine/zip.h"

#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS_CORE "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"
#define NS_PROD "http://schemas.microsoft.com/3dmanufacturing/production/2015/06"
#define NS_MAT "http://schemas.microsoft.com/3dmanufacturing/material/2015/02"
#define REL_3DMODEL "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
#define ATTR_PATH NS_PROD " path"
#define NS_SEP ' '
#define DEPTH_HARD_CAP 1000u /* recursion guard even when the caller asks for deeper nesting */

/* One <object>: its mesh as ranges of its model's arrays, or its components. */
typedef struct tmf_object {
    uint32_t id;          /* the object's id attribute */
    int printed;          /* 1 for type="model", 0 for support, solidsupport, surface, other */
    char name[64];        /* name attribute (truncated at a UTF-8 boundary), or "" */
    size_t vbase, nverts; /* vertex range in the model's verts */
    size_t tbase, ntris;  /* triangle range in the model's tris (indices relative to vbase) */
    size_t cbase, ncomps; /* component range in the model's comps */
    unsigned long line;   /* line of the <object> tag, for messages */
    int state;            /* 0 not counted yet, 1 being counted (on the DFS path), 2 counted */
    unsigned height;      /* component nesting below this object, once counted */
    uint64_t count;       /* triangles once expanded (saturating), once counted */
} tmf_object;

/* A <component> or a build <item>: an object (maybe in another model part) under a transform. */
typedef struct tmf_ref {
    uint32_t objid;     /* objectid attribute */
    size_t model;       /* model holding the object: the referencing one, or the p:path target */
    size_t obj;         /* index of the object in that model, resolved while counting */
    size_t from;        /* model holding the reference, for messages */
    unsigned long line; /* line of the tag */
    double m[12];       /* 3×4 row-major transform, translation already in mm */
} tmf_ref;

/* One model part of the package, loaded on first use. */
typedef struct tmf_model {
    size_t entry;        /* its zip entry */
    int loaded;          /* 1 once parsed */
    double scale;        /* mm per model unit */
    float *verts;        /* 3 floats (mm) per vertex */
    size_t nverts, vcap; /* vertices and capacity */
    uint32_t *tris;      /* 3 indices per triangle, relative to the owning object's vbase */
    size_t ntris, tcap;  /* triangles and capacity */
    tmf_object *objs;    /* objects, sorted by id once loaded */
    size_t nobjs, ocap;  /* objects and capacity */
    tmf_ref *comps;      /* components of all objects */
    size_t ncomps, ccap; /* components and capacity */
} tmf_model;

typedef struct tmf_reader {
    pf_zip zip;             /* the package */
    pf_intake_limits lim;   /* resolved limits */
    unsigned max_depth;     /* lim.max_depth, clamped to DEPTH_HARD_CAP */
    tmf_model *models;      /* model parts seen so far (index 0 is the root) */
    size_t nmodels, mcap;   /* count and capacity */
    size_t *model_of_entry; /* zip entry index → model index + 1, or 0 */
    tmf_ref *items;         /* build items of the root model */
    size_t nitems, icap;    /* count and capacity */
    size_t stored_tris;     /* triangles stored over all parts, against lim.max_triangles */
    size_t stored_verts;    /* vertices stored over all parts, against 3 × lim.max_triangles */
} tmf_reader;

enum {
    K_DOC,
    K_MODEL,
    K_RESOURCES,
    K_OBJECT,
    K_MESH,
    K_VERTICES,
    K_VERTEX,
    K_TRIANGLES,
    K_TRIANGLE,
    K_COMPONENTS,
    K_COMPONENT,
    K_BUILD,
    K_ITEM,
    K_OTHER
};

static const struct {
    const char *name;
    int parent;
} kinds[] = {
    [K_MODEL] = {"model", K_DOC},
    [K_RESOURCES] = {"resources", K_MODEL},
    [K_OBJECT] = {"object", K_RESOURCES},
    [K_MESH] = {"mesh", K_OBJECT},
    [K_VERTICES] = {"vertices", K_MESH},
    [K_VERTEX] = {"vertex", K_VERTICES},
    [K_TRIANGLES] = {"triangles", K_MESH},
    [K_TRIANGLE] = {"triangle", K_TRIANGLES},
    [K_COMPONENTS] = {"components", K_OBJECT},
    [K_COMPONENT] = {"component", K_COMPONENTS},
    [K_BUILD] = {"build", K_MODEL},
    [K_ITEM] = {"item", K_BUILD},
};

/* State of one expat pass over a part (a model or _rels/.rels). */
typedef struct tmf_parse {
    tmf_reader *rd;     /* the reader */
    size_t mi;          /* model being parsed */
    int root;           /* 1 for the root model: its build items are kept */
    int rels;           /* 1 when parsing _rels/.rels */
    XML_Parser xp;      /* the parser, to stop it and ask for line numbers */
    char label[80];     /* part name for messages */
    pf_errbuf *eb;      /* where failures are described */
    pf_err err;         /* first failure; the parser is stopped once set */
    int stack[8];       /* open core elements (the grammar nests at most 6 deep) */
    int depth;          /* entries in stack */
    unsigned long skip; /* depth inside ignored (foreign or unknown) elements */
    long cur;           /* object being read, or -1 */
    int seen_root;      /* the root element has started */
    int nns;            /* namespace declarations recorded on the root element */
    struct {
        char prefix[32], uri[160];
    } ns[16];         /* prefix → URI, to read requiredextensions */
    char target[512]; /* rels: Target of the first 3D model relationship */
    int have_target;  /* rels: target found */
} tmf_parse;

/* Records the first failure with "<part> line N: " in front and stops the parser. */
__attribute__((format(printf, 3, 4))) static int fail(tmf_parse *ps, pf_err code, const char *fmt, ...)
{
    if (ps->err) return 0;
    char detail[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    ps->err = pf_errf(ps->eb, code, "%s line %lu: %s", ps->label,
                      (unsigned long)XML_GetCurrentLineNumber(ps->xp), detail);
    XML_StopParser(ps->xp, XML_FALSE);
    return 0;
}

/* Grows an array to hold `need` elements; returns the (maybe moved) array, or NULL leaving p untouched. */
static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return p;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 4 / elem) return NULL;
        nc *= 2;
    }
    void *np = realloc(p, nc * elem);
    if (np) *cap = nc;
    return np;
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (; *atts; atts += 2)
        if (strcmp(atts[0], name) == 0) return atts[1];
    return NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses one ST_Number from *s (leading blanks skipped), advancing *s; 0 when malformed or not finite. */
static int parse_number(const char **s, double *out)
{
    const char *p = *s;
    while (is_space(*p))
        p++;
    const char *q = p;
    /* Only the XSD double grammar's characters: strtod alone would take "nan", "inf" and hex. */
    while ((*q >= '0' && *q <= '9') || *q == '.' || *q == '-' || *q == '+' || *q == 'e' || *q == 'E')
        q++;
    if (q == p || (*q && !is_space(*q))) return 0;
    char *end;
    double v = strtod(p, &end);
    if (end != q || !isfinite(v)) return 0;
    *out = v;
    *s = q;
    return 1;
}

static int parse_single_number(const char *s, double *out)
{
    if (!s || !parse_number(&s, out)) return 0;
    while (is_space(*s))
        s++;
    return *s == 0;
}

/* Parses a non-negative decimal integer below 2^32. */
static int parse_index(const char *s, uint32_t *out)
{
    if (!s) return 0;
    while (is_space(*s))
        s++;
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX) return 0;
    if (p == s) return 0;
    while (is_space(*p))
        p++;
    if (*p) return 0;
    *out = (uint32_t)v;
    return 1;
}

/* Reads a transform attribute (12 numbers) into m, scaling its translation to mm; identity when absent. */
static int parse_transform(const char *s, double scale, double m[12])
{
    static const double id[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
    memcpy(m, id, sizeof id);
    if (!s) return 1;
    for (int i = 0; i < 12; i++)
        if (!parse_number(&s, &m[i])) return 0;
    while (is_space(*s))
        s++;
    if (*s) return 0;
    for (int i = 9; i < 12; i++)
        m[i] *= scale;
    return 1;
}

/* The model index for zip entry e, adding an unloaded model on first sight. SIZE_MAX when out of memory. */
static size_t intern_model(tmf_reader *rd, const pf_zip_entry *e)
{
    size_t ei = (size_t)(e - rd->zip.entries);
    if (rd->model_of_entry[ei]) return rd->model_of_entry[ei] - 1;
    tmf_model *nm = grow(rd->models, &rd->mcap, rd->nmodels + 1, sizeof *nm);
    if (!nm) return SIZE_MAX;
    rd->models = nm;
    memset(&nm[rd->nmodels], 0, sizeof *nm);
    nm[rd->nmodels].entry = ei;
    nm[rd->nmodels].scale = 1.0;
    rd->model_of_entry[ei] = ++rd->nmodels;
    return rd->nmodels - 1;
}

/* Kind of a namespaced element name ("uri local"): core elements by local name, anything else K_OTHER. */
static int kind_of(const char *name)
{
    const char *local = name;
    const char *sep = strchr(name, NS_SEP);
    if (sep) {
        if ((size_t)(sep - name) != sizeof NS_CORE - 1 || memcmp(name, NS_CORE, sizeof NS_CORE - 1) != 0)
            return K_OTHER;
        local = sep + 1;
    }
    for (int k = K_MODEL; k < K_OTHER; k++)
        if (strcmp(local, kinds[k].name) == 0) return k;
    return K_OTHER;
}

static const char *uri_of_prefix(const tmf_parse *ps, const char *prefix, size_t n)
{
    for (int i = 0; i < ps->nns; i++)
        if (strlen(ps->ns[i].prefix) == n && memcmp(ps->ns[i].prefix, prefix, n) == 0) return ps->ns[i].uri;
    return NULL;
}

static int start_model(tmf_parse *ps, const XML_Char **atts)
{
    static const struct {
        const char *name;
        double mm;
    } units[] = {{"micron", 0.001}, {"millimeter", 1.0}, {"centimeter", 10.0},
                 {"inch", 25.4},    {"foot", 304.8},     {"meter", 1000.0}};
    tmf_model *m = &ps->rd->models[ps->mi];
    const char *unit = attr(atts, "unit");
    if (unit) {
        size_t i = 0;
        while (i < sizeof units / sizeof units[0] && strcmp(unit, units[i].name) != 0)
            i++;
        if (i == sizeof units / sizeof units[0]) return fail(ps, PF_E_PARSE, "unknown unit \"%.40s\"", unit);
        m->scale = units[i].mm;
    }
    const char *req = attr(atts, "requiredextensions");
    if (!req) return 1;
    char refused[160] = "";
    size_t used = 0;
    for (const char *p = req; *p;) {
        while (is_space(*p))
            p++;
        const char *t = p;
        while (*p && !is_space(*p))
            p++;
        if (p == t) break;
        const char *uri = uri_of_prefix(ps, t, (size_t)(p - t));
        size_t ulen = uri ? strlen(uri) : (size_t)(p - t);
        if (!uri && memchr(t, ':', (size_t)(p - t)) == NULL)
            return fail(ps, PF_E_UNSUPPORTED_EXTENSION, "requiredextensions names undeclared prefix \"%.*s\"",
                        (int)(p - t > 32 ? 32 : p - t), t);
        if (!uri) uri = t; /* some writers list the namespace itself */
        if ((ulen == sizeof NS_CORE - 1 && memcmp(uri, NS_CORE, ulen) == 0) ||
            (ulen == sizeof NS_PROD - 1 && memcmp(uri, NS_PROD, ulen) == 0) ||
            (ulen == sizeof NS_MAT - 1 && memcmp(uri, NS_MAT, ulen) == 0))
            continue;
        used += (size_t)snprintf(refused + used, used < sizeof refused ? sizeof refused - used : 0, "%s%.*s",
                                 used ? " " : "", (int)ulen, uri);
        if (used >= sizeof refused) used = sizeof refused - 1;
    }
    if (used) return fail(ps, PF_E_UNSUPPORTED_EXTENSION, "requires unsupported extension %s", refused);
    return 1;
}

static int start_object(tmf_parse *ps, const XML_Char **atts)
{
    tmf_model *m = &ps->rd->models[ps->mi];
    uint32_t id;
    if (!parse_index(attr(atts, "id"), &id) || id == 0)
        return fail(ps, PF_E_PARSE, "<object> needs a positive integer id");
    int printed = 1;
    const char *type = attr(atts, "type");
    if (type && strcmp(type, "model") != 0) {
        if (strcmp(type, "support") && strcmp(type, "solidsupport") && strcmp(type, "other") &&
            strcmp(type, "surface"))
            return fail(ps, PF_E_PARSE, "object %u has unknown type \"%.32s\"", id, type);
        printed = 0;
    }
    tmf_object *no = grow(m->objs, &m->ocap, m->nobjs + 1, sizeof *no);
    if (!no) return fail(ps, PF_E_NOMEM, "out of memory at object %u", id);
    m->objs = no;
    tmf_object *o = &no[m->nobjs];
    memset(o, 0, sizeof *o);
    o->id = id;
    o->printed = printed;
    o->line = (unsigned long)XML_GetCurrentLineNumber(ps->xp);
    o->vbase = m->nverts;
    o->tbase = m->ntris;
    o->cbase = m->ncomps;
    const char *name = attr(atts, "name");
    if (name) {
        size_t n = strlen(name);
        if (n >= sizeof o->name) {
            n = sizeof o->name - 1;
            while (n && ((unsigned char)name[n] & 0xC0) == 0x80)
                n--; /* keep whole UTF-8 characters */
        }
        memcpy(o->name, name, n);
        o->name[n] = 0;
    }
    ps->cur = (long)m->nobjs++;
    return 1;
}

static int add_vertex(tmf_parse *ps, const XML_Char **atts)
{
    tmf_reader *rd = ps->rd;
    tmf_model *m = &rd->models[ps->mi];
    double v[3];
    static const char *const axis[3] = {"x", "y", "z"};
    for (int i = 0; i < 3; i++) {
        if (!parse_single_number(attr(atts, axis[i]), &v[i]))
            return fail(ps, PF_E_BAD_NUMBER, "vertex %s is missing, malformed or not finite", axis[i]);
        v[i] *= m->scale;
        if (!isfinite((float)v[i])) return fail(ps, PF_E_BAD_NUMBER, "vertex %s overflows in mm", axis[i]);
    }
    if (rd->stored_verts / 3 >= rd->lim.max_triangles)
        return fail(ps, PF_E_TOO_MANY_TRIANGLES, "more than 3 × %zu vertices", rd->lim.max_triangles);
    float *nv = grow(m->verts, &m->vcap, m->nverts + 1, 3 * sizeof *nv);
    if (!nv) return fail(ps, PF_E_NOMEM, "out of memory at vertex %zu", m->nverts);
    m->verts = nv;
    float *d = nv + m->nverts++ * 3;
    d[0] = (float)v[0], d[1] = (float)v[1], d[2] = (float)v[2];
    rd->stored_verts++;
    return 1;
}

static int add_triangle(tmf_parse *ps, const XML_Char **atts)
{
    tmf_reader *rd = ps->rd;
    tmf_model *m = &rd->models[ps->mi];
    tmf_object *o = &m->objs[ps->cur];
    size_t nv = m->nverts - o->vbase;
    uint32_t t[3];
    static const char *const names[3] = {"v1", "v2", "v3"};
    for (int i = 0; i < 3; i++) {
        const char *s = attr(atts, names[i]);
        if (!parse_index(s, &t[i]))
            return fail(ps, PF_E_PARSE, "triangle %s \"%.20s\" is not an index", names[i],
                        s ? s : "(missing)");
        if (t[i] >= nv)
            return fail(ps, PF_E_BAD_INDEX, "triangle %s=%u but object %u has %zu vertices", names[i], t[i],
                        o->id, nv);
    }
    if (rd->stored_tris >= rd->lim.max_triangles)
        return fail(ps, PF_E_TOO_MANY_TRIANGLES, "more than %zu triangles", rd->lim.max_triangles);
    uint32_t *nt = grow(m->tris, &m->tcap, m->ntris + 1, 3 * sizeof *nt);
    if (!nt) return fail(ps, PF_E_NOMEM, "out of memory at triangle %zu", m->ntris);
    m->tris = nt;
    memcpy(nt + m->ntris++ * 3, t, sizeof t);
    rd->stored_tris++;
    return 1;
}

/* A <component> or <item>: object id, optional transform, optional p:path to another model part. */
static int add_ref(tmf_parse *ps, const XML_Char **atts, int is_item)
{
    tmf_reader *rd = ps->rd;
    if (is_item && !ps->root) return 1; /* only the root model's build is printed */
    tmf_ref r;
    memset(&r, 0, sizeof r);
    const char *tag = is_item ? "item" : "component";
    if (!parse_index(attr(atts, "objectid"), &r.objid))
        return fail(ps, PF_E_PARSE, "<%s> needs an integer objectid", tag);
    if (!parse_transform(attr(atts, "transform"), rd->models[ps->mi].scale, r.m))
        return fail(ps, PF_E_BAD_NUMBER, "<%s> transform is not 12 finite numbers", tag);
    r.model = r.from = ps->mi;
    r.line = (unsigned long)XML_GetCurrentLineNumber(ps->xp);
    const char *path = attr(atts, ATTR_PATH);
    if (path) {
        const pf_zip_entry *e = pf_zip_find(&rd->zip, path, strlen(path));
        if (!e) return fail(ps, PF_E_NOT_FOUND, "p:path \"%.80s\" is not in the package", path);
        if ((r.model = intern_model(rd, e)) == SIZE_MAX) return fail(ps, PF_E_NOMEM, "out of memory");
    }
    if (is_item) {
        tmf_ref *ni = grow(rd->items, &rd->icap, rd->nitems + 1, sizeof *ni);
        if (!ni) return fail(ps, PF_E_NOMEM, "out of memory");
        rd->items = ni;
        ni[rd->nitems++] = r;
    } else {
        tmf_model *m = &rd->models[ps->mi];
        tmf_ref *nc = grow(m->comps, &m->ccap, m->ncomps + 1, sizeof *nc);
        if (!nc) return fail(ps, PF_E_NOMEM, "out of memory");
        m->comps = nc;
        nc[m->ncomps++] = r;
    }
    return 1;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    tmf_parse *ps = ud;
    if (ps->err) return;
    ps->seen_root = 1;
    if (ps->skip) {
        ps->skip++;
        return;
    }
    int parent = ps->depth ? ps->stack[ps->depth - 1] : K_DOC;
    int k = kind_of(name);
    if (k == K_OTHER) {
        if (parent == K_DOC) {
            fail(ps, PF_E_PARSE, "the root element is not a 3MF <model>");
            return;
        }
        ps->skip = 1; /* metadata, other namespaces' elements: ignored with their content */
        return;
    }
    if (kinds[k].parent != parent) {
        fail(ps, PF_E_PARSE, "<%s> is not allowed %s", kinds[k].name,
             parent == K_DOC ? "as the root element" : "there");
        return;
    }
    ps->stack[ps->depth++] = k;
    switch (k) {
    case K_MODEL:
        start_model(ps, atts);
        break;
    case K_OBJECT:
        start_object(ps, atts);
        break;
    case K_VERTEX:
        add_vertex(ps, atts);
        break;
    case K_TRIANGLE:
        add_triangle(ps, atts);
        break;
    case K_COMPONENT:
        add_ref(ps, atts, 0);
        break;
    case K_ITEM:
        add_ref(ps, atts, 1);
        break;
    default:
        break;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    tmf_parse *ps = ud;
    if (ps->err) return;
    if (ps->skip) {
        ps->skip--;
        return;
    }
    if (ps->stack[--ps->depth] == K_OBJECT) {
        tmf_model *m = &ps->rd->models[ps->mi];
        tmf_object *o = &m->objs[ps->cur];
        o->nverts = m->nverts - o->vbase;
        o->ntris = m->ntris - o->tbase;
        o->ncomps = m->ncomps - o->cbase;
        ps->cur = -1;
    }
}

static void XMLCALL on_ns(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
    tmf_parse *ps = ud;
    /* Only the root element's declarations matter for requiredextensions. */
    if (ps->seen_root || ps->nns >= (int)(sizeof ps->ns / sizeof ps->ns[0]) || !uri) return;
    snprintf(ps->ns[ps->nns].prefix, sizeof ps->ns[0].prefix, "%s", prefix ? prefix : "");
    snprintf(ps->ns[ps->nns].uri, sizeof ps->ns[0].uri, "%s", uri);
    ps->nns++;
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    fail(ud, PF_E_XML_DTD, "DOCTYPE declarations are refused");
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                              int value_len, const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
    (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid, (void)pubid, (void)notation;
    fail(ud, PF_E_XML_DTD, "entity declaration \"%.40s\" is refused", name);
}

static void XMLCALL on_rel(void *ud, const XML_Char *name, const XML_Char **atts)
{
    tmf_parse *ps = ud;
    const char *local = strrchr(name, NS_SEP);
    local = local ? local + 1 : name;
    if (ps->err || ps->have_target || strcmp(local, "Relationship") != 0) return;
    const char *type = attr(atts, "Type"), *target = attr(atts, "Target");
    if (!type || strcmp(type, REL_3DMODEL) != 0) return;
    if (!target || !*target) {
        fail(ps, PF_E_PARSE, "3D model relationship without a Target");
        return;
    }
    snprintf(ps->target, sizeof ps->target, "%s", target);
    ps->have_target = 1;
}

static pf_err xml_sink(void *ctx, const unsigned char *p, size_t n, pf_errbuf *eb)
{
    tmf_parse *ps = ctx;
    if (XML_Parse(ps->xp, (const char *)p, (int)n, n == 0) != XML_STATUS_ERROR) return PF_E_OK;
    if (ps->err) return ps->err;
    return pf_errf(eb, PF_E_XML, "%s line %lu: %s", ps->label,
                   (unsigned long)XML_GetCurrentLineNumber(ps->xp),
                   XML_ErrorString(XML_GetErrorCode(ps->xp)));
}

/* Runs expat over entry e with DTDs refused; ps must be set up except for the parser. */
static pf_err parse_entry(tmf_reader *rd, const pf_zip_entry *e, tmf_parse *ps, pf_errbuf *eb)
{
    pf_zip_entry_label(e, ps->label, sizeof ps->label);
    ps->eb = eb;
    ps->cur = -1;
    ps->xp = XML_ParserCreateNS(NULL, NS_SEP);
    if (!ps->xp) return PF_E_NOMEM;
    XML_SetUserData(ps->xp, ps);
    XML_SetStartDoctypeDeclHandler(ps->xp, on_doctype);
    XML_SetEntityDeclHandler(ps->xp, on_entity);
    XML_SetParamEntityParsing(ps->xp, XML_PARAM_ENTITY_PARSING_NEVER);
    if (ps->rels) {
        XML_SetStartElementHandler(ps->xp, on_rel);
    } else {
        XML_SetElementHandler(ps->xp, on_start, on_end);
        XML_SetStartNamespaceDeclHandler(ps->xp, on_ns);
    }
    pf_err err = pf_zip_stream(&rd->zip, e, xml_sink, ps, eb);
    if (err == PF_E_OK) err = xml_sink(ps, (const unsigned char *)"", 0, eb);
    XML_ParserFree(ps->xp);
    ps->xp = NULL;
    return err;
}

static int obj_cmp(const void *a, const void *b)
{
    uint32_t x = ((const tmf_object *)a)->id, y = ((const tmf_object *)b)->id;
    return x < y ? -1 : x > y;
}

static pf_err load_model(tmf_reader *rd, size_t mi, int root, pf_errbuf *eb)
{
    tmf_parse *ps = calloc(1, sizeof *ps);
    if (!ps) return PF_E_NOMEM;
    ps->rd = rd;
    ps->mi = mi;
    ps->root = root;
    rd->models[mi].loaded = 1; /* set first: a p:path back to this part must not reload it */
    pf_err err = parse_entry(rd, &rd->zip.entries[rd->models[mi].entry], ps, eb);
    if (err != PF_E_OK) goto done;
    tmf_model *m = &rd->models[mi];
    if (m->nobjs) qsort(m->objs, m->nobjs, sizeof *m->objs, obj_cmp); /* objs is NULL when there are none */
    for (size_t i = 1; i < m->nobjs; i++)
        if (m->objs[i].id == m->objs[i - 1].id) {
            err = pf_errf(eb, PF_E_PARSE, "%s line %lu: object id %u is defined twice", ps->label,
                          m->objs[i].line > m->objs[i - 1].line ? m->objs[i].line : m->objs[i - 1].line,
                          m->objs[i].id);
            goto done;
        }
done:
    free(ps);
    return err;
}

static long find_object(const tmf_model *m, uint32_t id)
{
    size_t lo = 0, hi = m->nobjs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->objs[mid].id == id) return (long)mid;
        if (m->objs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Loads the model r points into if needed and resolves r->obj. */
static pf_err resolve_ref(tmf_reader *rd, tmf_ref *r, const char *tag, pf_errbuf *eb)
{
    char lab[80];
    pf_err err;
    size_t model = r->model;
    if (!rd->models[model].loaded && (err = load_model(rd, model, 0, eb)) != PF_E_OK) return err;
    long oi = find_object(&rd->models[model], r->objid);
    if (oi < 0) {
        pf_zip_entry_label(&rd->zip.entries[rd->models[r->from].entry], lab, sizeof lab);
        return pf_errf(eb, PF_E_PARSE, "%s line %lu: <%s> references object %u, which is not defined", lab,
                       r->line, tag, r->objid);
    }
    r->obj = (size_t)oi;
    return PF_E_OK;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX / 2 || b > UINT64_MAX / 2 ? UINT64_MAX / 2
           : a + b > UINT64_MAX / 2                 ? UINT64_MAX / 2
                                                    : a + b;
}

/* Depth-first count of an object's expanded triangles and nesting height, refusing cycles and nesting deeper
 * than max_depth. Models are loaded as references reach them; pointers are re-fetched since that may move
 * rd->models. `via` is the reference that led here, for the message. */
static pf_err count_object(tmf_reader *rd, size_t mi, size_t oi, unsigned depth, const tmf_ref *via,
                           pf_errbuf *eb)
{
    char lab[80];
    tmf_object *o = &rd->models[mi].objs[oi];
    pf_zip_entry_label(&rd->zip.entries[rd->models[via->from].entry], lab, sizeof lab);
    if (o->state == 1)
        return pf_errf(eb, PF_E_CYCLE, "%s line %lu: object %u contains itself through its components", lab,
                       via->line, o->id);
    if (depth > rd->max_depth || (o->state == 2 && depth + o->height > rd->max_depth))
        return pf_errf(eb, PF_E_CYCLE, "%s line %lu: components nest deeper than %u levels", lab, via->line,
                       rd->max_depth);
    if (o->state == 2) return PF_E_OK;
    o->state = 1;
    uint64_t count = o->ntris;
    unsigned height = 0;
    for (size_t c = 0; c < o->ncomps; c++) {
        tmf_ref *r = &rd->models[mi].comps[o->cbase + c];
        pf_err err = resolve_ref(rd, r, "component", eb);
        if (err == PF_E_OK) err = count_object(rd, r->model, r->obj, depth + 1, r, eb);
        if (err != PF_E_OK) return err;
        r = &rd->models[mi].comps[rd->models[mi].objs[oi].cbase + c];
        const tmf_object *child = &rd->models[r->model].objs[r->obj];
        count = sat_add(count, child->count);
        if (child->height + 1 > height) height = child->height + 1;
    }
    o = &rd->models[mi].objs[oi];
    o->count = count;
    o->height = height;
    o->state = 2;
    return PF_E_OK;
}

static double det3(const double m[12])
{
    return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
           m[2] * (m[3] * m[7] - m[4] * m[6]);
}

/* c = a then b, for row vectors: c = a·b with the translation row carried along. */
static void compose(const double a[12], const double b[12], double c[12])
{
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            c[i * 3 + j] =
                a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j] + (i == 3 ? b[9 + j] : 0);
}

/* Writes the object's triangles (and its components', recursively) under transform m into *dst. */
static pf_err emit_object(const tmf_reader *rd, size_t mi, size_t oi, const double m[12], float **dst)
{
    const tmf_model *md = &rd->models[mi];
    const tmf_object *o = &md->objs[oi];
    int flip = det3(m) < 0; /* a mirror turns the surface inside out: swap two corners to keep it outward */
    /* an object of components only may sit in a model without vertices (verts NULL) */
    const float *verts = o->ntris ? md->verts + o->vbase * 3 : NULL;
    float *d = *dst;
    for (size_t t = 0; t < o->ntris; t++) {
        const uint32_t *tri = md->tris + (o->tbase + t) * 3;
        for (int k = 0; k < 3; k++) {
            uint32_t vi = tri[k == 0 ? 0 : flip ? 3 - k : k];
            const float *v = verts + (size_t)vi * 3;
            double x = v[0], y = v[1], z = v[2];
            for (int j = 0; j < 3; j++) {
                float f = (float)(x * m[j] + y * m[3 + j] + z * m[6 + j] + m[9 + j]);
                if (!isfinite(f)) return PF_E_BAD_NUMBER;
                *d++ = f;
            }
        }
    }
    *dst = d;
    for (size_t c = 0; c < o->ncomps; c++) {
        const tmf_ref *r = &md->comps[o->cbase + c];
        /* Skipping empty subtrees keeps the walk proportional to the triangles written: a fan-out of empty
         * objects would otherwise be visited exponentially often while counting zero. */
        if (rd->models[r->model].objs[r->obj].count == 0) continue;
        double mc[12];
        compose(r->m, m, mc);
        pf_err err = emit_object(rd, r->model, r->obj, mc, dst);
        if (err != PF_E_OK) return err;
    }
    return PF_E_OK;
}

static pf_err read_package(tmf_reader *rd, pf_mesh_builder *b, pf_errbuf *eb)
{
    char lab[80];
    pf_err err;
    const pf_zip_entry *rels = pf_zip_find(&rd->zip, "_rels/.rels", 11);
    if (!rels)
        return pf_errf(eb, PF_E_NOT_FOUND,
                       "zip byte 0: the package has no _rels/.rels to name its root model");
    tmf_parse *ps = calloc(1, sizeof *ps);
    if (!ps) return PF_E_NOMEM;
    ps->rd = rd;
    ps->rels = 1;
    err = parse_entry(rd, rels, ps, eb);
    const pf_zip_entry *root = NULL;
    if (err == PF_E_OK && !ps->have_target)
        err = pf_errf(eb, PF_E_NOT_FOUND, "_rels/.rels (zip byte %llu): no relationship of type " REL_3DMODEL,
                      (unsigned long long)rels->header_off);
    if (err == PF_E_OK && !(root = pf_zip_find(&rd->zip, ps->target, strlen(ps->target))))
        err = pf_errf(eb, PF_E_NOT_FOUND,
                      "_rels/.rels (zip byte %llu): root model \"%.80s\" is not in the package",
                      (unsigned long long)rels->header_off, ps->target);
    free(ps);
    if (err != PF_E_OK) return err;
    size_t mi = intern_model(rd, root);
    if (mi == SIZE_MAX) return PF_E_NOMEM;
    if ((err = load_model(rd, mi, 1, eb)) != PF_E_OK) return err;
    pf_zip_entry_label(root, lab, sizeof lab);
    if (!rd->nitems) return pf_errf(eb, PF_E_EMPTY_MESH, "%s: the <build> has no items", lab);

    /* Count everything before allocating anything for it. */
    uint64_t total = 0;
    for (size_t i = 0; i < rd->nitems; i++) {
        tmf_ref *r = &rd->items[i];
        if ((err = resolve_ref(rd, r, "item", eb)) != PF_E_OK) return err;
        if ((err = count_object(rd, r->model, r->obj, 0, r, eb)) != PF_E_OK) return err;
        total = sat_add(total, rd->models[r->model].objs[r->obj].count);
    }
    if (total > rd->lim.max_triangles || b->ntris > rd->lim.max_triangles - total)
        return pf_errf(eb, PF_E_TOO_MANY_TRIANGLES,
                       "%s: the build expands to %llu triangles, over the limit of %zu", lab,
                       (unsigned long long)total, rd->lim.max_triangles);

    for (size_t i = 0; i < rd->nitems; i++) {
        const tmf_ref *r = &rd->items[i];
        const tmf_object *o = &rd->models[r->model].objs[r->obj];
        char name[64];
        if (o->name[0])
            snprintf(name, sizeof name, "%s", o->name);
        else
            snprintf(name, sizeof name, "object %u", o->id);
        if ((err = pf_mesh_builder_part(b, name, o->printed)) != PF_E_OK) return err;
        if (!o->count) continue;
        float *dst = pf_mesh_builder_reserve(b, (size_t)o->count, &err, eb);
        if (!dst) return err;
        float *end = dst;
        if (emit_object(rd, r->model, r->obj, r->m, &end) != PF_E_OK)
            return pf_errf(eb, PF_E_BAD_NUMBER, "%s line %lu: the transforms make coordinates non-finite",
                           lab, r->line);
        pf_mesh_builder_commit(b, (size_t)o->count);
    }
    return PF_E_OK;
}

pf_err pf__3mf_read(const unsigned char *buf, size_t len, const pf_intake_limits *lim, pf_mesh_builder *b,
                    pf_errbuf *eb)
{
    pf_err err;
    tmf_reader rd;
    memset(&rd, 0, sizeof rd);
    rd.lim = pf_intake_limits_resolve(lim);
    rd.max_depth = rd.lim.max_depth < DEPTH_HARD_CAP ? rd.lim.max_depth : DEPTH_HARD_CAP;
    b->format = PF_FORMAT_3MF;
    if ((err = pf_zip_open(&rd.zip, buf, len, &rd.lim, eb)) != PF_E_OK) return err;
    if (!(rd.model_of_entry = calloc(rd.zip.n, sizeof *rd.model_of_entry))) {
        err = PF_E_NOMEM;
        goto done;
    }
    err = read_package(&rd, b, eb);
done:
    for (size_t i = 0; i < rd.nmodels; i++) {
        free(rd.models[i].verts);
        free(rd.models[i].tris);
        free(rd.models[i].objs);
        free(rd.models[i].comps);
    }
    free(rd.models);
    free(rd.items);
    free(rd.model_of_entry);
    pf_zip_close(&rd.zip);
    return err;
}
