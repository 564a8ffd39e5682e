/* printforge quote: placeholder until the estimator lands. */
#include <stdio.h>

#include "cli/cli.h"

int pf_cmd_quote(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "printforge: quote is not available yet\n");
    return 2;
}
