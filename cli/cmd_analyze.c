/* printforge analyze: placeholder until analysis lands. */
#include <stdio.h>

#include "cli/cli.h"
#include "engine/mesh.h"

int pf_cmd_analyze(int argc, char **argv)
{
    if (argc < 1) return fprintf(stderr, "usage: printforge analyze FILE [--json]\n"), 2;
    pf_errbuf eb = {{0}};
    pf_mesh *m = NULL;
    pf_err err = pf_mesh_read_file(argv[0], NULL, &m, &eb);
    if (err) return fprintf(stderr, "printforge: %s: %s\n", pf_err_message(err), eb.msg), 2;
    printf("%s: %zu triangles, %zu vertices\n", pf_format_name(m->format), m->ntris, m->nverts);
    pf_mesh_free(m);
    return 0;
}
